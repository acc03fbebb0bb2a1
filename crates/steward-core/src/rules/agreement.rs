//! Checks that what a template tells requesters about lead times agrees with the rules that
//! measure them: a template saying "file it at least 60 days before the event" while its rule
//! requires 45 is an error at both places, so neither is changed without the other.
//!
//! Pure: it reads the template text it is given and the checks the rules declare.

use regex::Regex;

use super::LeadTimeRef;
use crate::diagnostics::ConfigError;

/// A number of days a template's text promises as a lead time.
struct Mention {
    days: u32,
    line: u64,
    column: u64,
}

/// `60 days`, `60-day`, `20 business days`, `30 calendar days`, on a line about a lead time.
fn mentions(text: &str) -> Vec<Mention> {
    let Ok(days) = Regex::new(r"(?i)\b(\d{1,4})[ -](?:(?:calendar|business)[ -])?days?\b") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        if !(lower.contains("before") || lower.contains("lead time") || lower.contains("ahead")) {
            continue;
        }
        for c in days.captures_iter(line) {
            let (Some(whole), Some(n)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if let Ok(d) = n.as_str().parse() {
                out.push(Mention {
                    days: d,
                    line: i as u64 + 1,
                    column: line[..whole.start()].chars().count() as u64 + 1,
                });
            }
        }
    }
    out
}

/// Errors for each lead time `text` (the template at `template_file`) states that none of
/// `checks` requires, one at the template and one at the rule.
pub(super) fn lead_times_agree(
    template_file: &str,
    text: &str,
    checks: &[LeadTimeRef<'_>],
) -> Vec<ConfigError> {
    let Some(first) = checks.first() else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    // One error at the rule per number the template states, however often it states it.
    let mut told_rule = std::collections::BTreeSet::new();
    for m in mentions(text) {
        if checks.iter().any(|c| c.minimum == m.days) {
            continue;
        }
        let rule_at = format!("{}:{}:{}", first.file, first.at.line(), first.at.column());
        let first_time = told_rule.insert(m.days);
        errors.push(ConfigError {
            file: template_file.to_owned(),
            line: m.line,
            column: m.column,
            message: format!(
                "the template tells requesters {} days, but rule `{}` ({rule_at}) requires {} {}",
                m.days, first.rule, first.minimum, first.unit
            ),
            hint: Some("change the template or the rule so they agree".to_owned()),
        });
        let mut at_rule = ConfigError::at(
            first.file,
            first.at,
            format!(
                "rule `{}` requires {} {}, but the template tells requesters {} days ({template_file}:{}:{})",
                first.rule, first.minimum, first.unit, m.days, m.line, m.column
            ),
        );
        at_rule.hint = Some("change the rule or the template so they agree".to_owned());
        if first_time {
            errors.push(at_rule);
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn lead_times_are_found_where_the_text_talks_about_them() {
        let text = "File it at least 60 days before the event.\n\
                    <!-- The 60-day lead time is counted from this date. -->\n\
                    Expect 3 days of review.\n\
                    Reach us 20 business days ahead of the deadline.";
        let found: Vec<(u32, u64, u64)> = mentions(text)
            .iter()
            .map(|m| (m.days, m.line, m.column))
            .collect();
        assert_eq!(found, [(60, 1, 18), (60, 2, 10), (20, 4, 10)]);
    }
}
