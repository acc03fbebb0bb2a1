//! YAML helpers shared by every configuration loader: a mapping that keeps its keys' source
//! locations, so a loader can report `file:line:col` on a key it refuses.
//!
//! Parsing reports a problem in every item of a list, not only the first problem of the file
//! ([`from_str_all`]).
//!
//! Shape only; what a key may be is each loader's business.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostics::ConfigError;

/// A mapping whose keys keep their source locations, in file order.
#[derive(Debug)]
pub struct SpannedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for SpannedMap<V> {
    fn default() -> Self {
        SpannedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = SpannedMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of field keys to tests")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    let v = map.next_value::<V>()?;
                    out.push((k, v));
                }
                Ok(SpannedMap(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(SpannedMap(Vec::new()))
            }
        }
        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// Parses `text` (file `file`) as `T`. The YAML parser stops at the first problem, so when there
/// is one, each item of every top-level block list (`rules:` then `  - …`) is parsed again on
/// its own, in place (the other lines blanked, so lines and columns stay true): one run reports
/// the first problem of every item, in file order.
pub fn from_str_all<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, Vec<ConfigError>> {
    let first = match serde_saphyr::from_str::<T>(text) {
        Ok(v) => return Ok(v),
        Err(e) => ConfigError::from_yaml(file, text, &e),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut errors = vec![first];
    for (parent, items) in list_items(&lines) {
        for (start, end) in items {
            let alone: Vec<&str> = lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    if i == parent || (start..end).contains(&i) {
                        *l
                    } else {
                        ""
                    }
                })
                .collect();
            if let Err(e) = serde_saphyr::from_str::<T>(&alone.join("\n")) {
                let e = ConfigError::from_yaml(file, text, &e);
                let inside = usize::try_from(e.line).is_ok_and(|l| l > start && l <= end);
                if inside && !errors.contains(&e) {
                    errors.push(e);
                }
            }
        }
    }
    errors.sort_by_key(|e| (e.line, e.column));
    Err(errors)
}

/// For each top-level `key:` followed by a block list: the key's line index and each item's
/// line range (`start..end`, 0-based).
fn list_items(lines: &[&str]) -> Vec<(usize, Vec<(usize, usize)>)> {
    let top_level = |l: &str| {
        !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']) && l.trim_end().ends_with(':')
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !top_level(lines[i]) {
            i += 1;
            continue;
        }
        let parent = i;
        let mut end = i + 1;
        while end < lines.len() {
            let l = lines[end];
            if !l.trim().is_empty() && !l.starts_with([' ', '\t', '#', '-']) {
                break;
            }
            end += 1;
        }
        // Only a list that is the key's value: its first content line is an item.
        let dash = lines[parent + 1..end]
            .iter()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .filter(|l| l.trim_start().starts_with('-'))
            .map(|l| indent(l));
        if let Some(d) = dash {
            let starts: Vec<usize> = (parent + 1..end)
                .filter(|&j| indent(lines[j]) == d && lines[j].trim_start().starts_with('-'))
                .collect();
            let items = starts
                .iter()
                .enumerate()
                .map(|(k, &s)| (s, starts.get(k + 1).copied().unwrap_or(end)))
                .collect();
            out.push((parent, items));
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct File {
        rules: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        #[serde(default)]
        days: u32,
        #[serde(default)]
        body: String,
    }

    #[test]
    fn a_problem_in_each_item_is_reported_in_one_run() {
        let text = "# two typos\nrules:\n  - name: a\n    days: -3\n  - name: b\n    body: |\n      - not an item\n    days: 2\n  - name: c\n    dayz: 4\n";
        let errors = from_str_all::<File>("rules/x.yaml", text).unwrap_err();
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2, "{shown:#?}");
        assert!(
            shown[0].starts_with("rules/x.yaml:4:11: `days` must be a whole number of days"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("rules/x.yaml:10:5: unknown key `dayz`: did you mean `days`?"),
            "{shown:#?}"
        );
    }

    #[test]
    fn lists_nested_in_a_mapping_are_not_parsed_alone() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Roster {
            members: std::collections::BTreeMap<String, Member>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Member {
            capacity: u32,
            #[serde(default)]
            away: Vec<String>,
        }
        let text = "members:\n  ann:\n    capacity: lots\n    away:\n      - 2027-01-04\n";
        let errors = from_str_all::<Roster>("rules/roster.yaml", text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (3, 15), "{}", errors[0]);
    }

    #[test]
    fn a_valid_file_parses_and_a_broken_top_level_is_one_error() {
        let ok = from_str_all::<File>("f", "rules:\n  - name: a\n").map(|f| f.rules.len());
        assert_eq!(ok, Ok(1));
        let errors = from_str_all::<File>("f", "rulez:\n  - name: a\n").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("`rulez`"), "{}", errors[0]);
    }
}
