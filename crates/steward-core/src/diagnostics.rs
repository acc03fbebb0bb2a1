//! Configuration errors (rules, roster, calendar, templates) as the person editing the file needs
//! them: `file:line:col: message`, the closest valid key, a hint.
//!
//! Builds messages only; it does not decide what is valid (the loaders do).

mod plain;

use std::fmt;

use serde_saphyr::Location;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file, as given to the loader.
    pub file: String,
    /// 1-based line (0 when unknown, e.g. a missing file).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// What is wrong.
    pub message: String,
    /// What to do about it, when there is something specific to say.
    pub hint: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// An error at a YAML location.
    pub fn at(file: &str, loc: Location, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: file.to_owned(),
            line: loc.line(),
            column: loc.column(),
            message: message.into(),
            hint: None,
        }
    }

    /// An error about a whole file (unreadable, missing).
    pub fn file(file: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> ConfigError {
        self.hint = Some(hint.into());
        self
    }

    /// Turns a serde-saphyr error on `text` (the file's contents) into a located message in
    /// plain words: the key and the value written, what it must be instead, the closest valid
    /// key or value for typos.
    pub fn from_yaml(file: &str, text: &str, err: &serde_saphyr::Error) -> ConfigError {
        let inner = err.without_snippet();
        let loc = inner.location().or_else(|| err.location());
        let (line, column) = loc.map(|l| (l.line(), l.column())).unwrap_or((0, 0));
        let (key, value) = plain::key_and_value(text, line, column);
        let key = key.as_deref();
        let (message, hint) = match inner {
            serde_saphyr::Error::InvalidScalar { ty, .. } => {
                let (m, h) = plain::invalid_scalar(ty, key, &value);
                (m, Some(h))
            }
            serde_saphyr::Error::Unexpected { expected, .. } => {
                let (m, h) = plain::unexpected(expected, key, &value);
                (m, Some(h))
            }
            serde_saphyr::Error::SerdeInvalidType {
                unexpected,
                expected,
                ..
            } => {
                let (m, h) = plain::invalid_type(expected, unexpected, key);
                (m, Some(h))
            }
            serde_saphyr::Error::SerdeUnknownField {
                field, expected, ..
            } => (
                unknown_message("key", field, expected),
                Some(format!("valid keys here: {}", expected.join(", "))),
            ),
            serde_saphyr::Error::SerdeUnknownVariant {
                variant, expected, ..
            } => (
                unknown_message("value", variant, expected),
                Some(format!("valid values here: {}", expected.join(", "))),
            ),
            serde_saphyr::Error::SerdeMissingField { field, .. } => (
                format!("missing required key `{field}`"),
                Some(format!("add `{field}:` to this entry")),
            ),
            other => (strip_location(&other.to_string()), None),
        };
        ConfigError {
            file: file.to_owned(),
            line,
            column,
            message,
            hint,
        }
    }
}

fn unknown_message(what: &str, found: &str, expected: &[&str]) -> String {
    match closest(found, expected.iter().copied()) {
        Some(best) => format!("unknown {what} `{found}`: did you mean `{best}`?"),
        None => format!("unknown {what} `{found}`"),
    }
}

/// Drops serde-saphyr's " at line X, column Y" suffix (we print the location up front) and
/// keeps the first line only.
fn strip_location(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_owned(),
        None => first.to_owned(),
    }
}

/// Levenshtein distance over chars (small inputs: keys and names).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `found`, if it is close enough to be a plausible typo.
pub fn closest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let found_lc = found.to_lowercase();
    let limit = (found.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| {
            let c_lc = c.to_lowercase();
            // A truncated key (`fiscal_year_start` for `fiscal_year_start_month`) is a typo too.
            let prefix = found_lc.len() >= 4 && c_lc.starts_with(&found_lc);
            let d = edit_distance(&found_lc, &c_lc);
            (if prefix { d.min(limit) } else { d }, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// "did you mean `x`?" suffix for a name looked up among `candidates`, or a list of them.
pub fn suggestion<'a>(
    found: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match closest(found, candidates.clone()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            let all: Vec<&str> = candidates.into_iter().collect();
            if all.is_empty() {
                "none are defined".to_owned()
            } else {
                format!("known: {}", all.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        let cases = [
            ("forbiden_labels", "forbidden_labels", 1),
            ("labels", "labels", 0),
            ("", "abc", 3),
            ("kitten", "sitting", 3),
        ];
        for (a, b, d) in cases {
            assert_eq!(edit_distance(a, b), d, "{a} vs {b}");
        }
    }

    #[test]
    fn closest_key_is_suggested_only_when_plausible() {
        let keys = ["labels", "forbidden_labels", "state", "template"];
        assert_eq!(closest("forbiden_labels", keys), Some("forbidden_labels"));
        assert_eq!(closest("templat", keys), Some("template"));
        assert_eq!(closest("completely_else", keys), None);
    }

    #[test]
    fn unknown_key_error_names_key_and_closest_valid_key() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Cond {
            labels: Option<Vec<String>>,
            forbidden_labels: Option<Vec<String>>,
        }
        let err =
            serde_saphyr::from_str::<Cond>("labels: [a]\nforbiden_labels: [b]\n").unwrap_err();
        let e = ConfigError::from_yaml("rules/x.yaml", "", &err);
        let shown = e.to_string();
        assert!(shown.starts_with("rules/x.yaml:2:"), "{shown}");
        assert!(shown.contains("`forbiden_labels`"), "{shown}");
        assert!(
            shown.contains("did you mean `forbidden_labels`?"),
            "{shown}"
        );
    }
}
