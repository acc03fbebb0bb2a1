//! Which audit entry set what: reads the issue's audit log (oldest first) and finds, for each
//! label, the assignees, the due date and each owned note, the last successful write of
//! Steward's that set it, with its rules and time. Pure: the entries are a parameter.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::store::AuditRecord;

/// The write of Steward's that last set something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetBy {
    /// When GitLab accepted it.
    pub at: DateTime<Utc>,
    /// The rules that caused it.
    pub rules: Vec<String>,
}

/// What Steward's accepted writes set on an issue, by what they set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// Labels Steward added and did not remove since.
    pub labels: BTreeMap<String, SetBy>,
    /// The last assignment Steward made.
    pub assignees: Option<SetBy>,
    /// The due dates Steward set, the last one per date.
    pub due_dates: BTreeMap<String, SetBy>,
    /// Owned notes Steward posted or edited, by key: the last write.
    pub notes: BTreeMap<String, SetBy>,
}

fn accepted(r: &AuditRecord) -> bool {
    r.entry
        .response_status
        .is_some_and(|s| (200..300).contains(&s))
}

/// The key between the first pair of backticks of a note entry's detail (`note 5 `key``).
fn note_key(detail: &str) -> Option<&str> {
    let (_, rest) = detail.split_once('`')?;
    Some(rest.split_once('`')?.0)
}

/// Reads `history` (oldest first). Entries GitLab did not accept are not origins.
pub fn origins(history: &[AuditRecord]) -> Origins {
    let mut o = Origins::default();
    for r in history.iter().filter(|r| accepted(r)) {
        let set = SetBy {
            at: r.entry.at,
            rules: r.entry.rule_names.clone(),
        };
        match r.entry.action.as_str() {
            "issue.edit" => edit(&mut o, &r.entry.detail, &set),
            "note.create" | "note.update" => {
                if let Some(key) = note_key(&r.entry.detail) {
                    o.notes.insert(key.to_owned(), set);
                }
            }
            _ => {}
        }
    }
    o
}

/// One issue edit's detail, as `jobs::issue_sync` writes it: parts joined by `; `
/// (`+labels a, b`, `-labels c`, `assignees [1, 2]`, `due 2027-01-02`). Label names cannot
/// hold a comma (GitLab separates them with commas).
fn edit(o: &mut Origins, detail: &str, set: &SetBy) {
    for part in detail.split("; ") {
        if let Some(list) = part.strip_prefix("+labels ") {
            for l in list.split(", ") {
                o.labels.insert(l.to_owned(), set.clone());
            }
        } else if let Some(list) = part.strip_prefix("-labels ") {
            for l in list.split(", ") {
                o.labels.remove(l);
            }
        } else if part.starts_with("assignees [") {
            o.assignees = Some(set.clone());
        } else if let Some(date) = part.strip_prefix("due ") {
            o.due_dates.insert(date.to_owned(), set.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AuditEntry, AuditId};
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 10, 0, 0).unwrap()
    }

    fn entry(day: u32, action: &str, rule: &str, status: Option<u16>, detail: &str) -> AuditRecord {
        AuditRecord {
            id: AuditId(i64::from(day)),
            entry: AuditEntry {
                at: at(day),
                job_id: None,
                delivery_id: None,
                project_id: None,
                issue_iid: None,
                actor: "steward".to_owned(),
                rule_names: vec![rule.to_owned()],
                action: action.to_owned(),
                api_call: None,
                response_status: status,
                detail: detail.to_owned(),
            },
        }
    }

    #[test]
    fn each_field_is_traced_to_the_last_accepted_write_that_set_it() {
        let history = [
            entry(
                2,
                "issue.edit",
                "speaker-intake",
                Some(200),
                "+labels advocacy::speaker, lead-time::violated; assignees [4]; due 2027-01-02",
            ),
            entry(
                3,
                "note.create",
                "lead-time",
                Some(201),
                "note 11 `lead-time`",
            ),
            entry(
                4,
                "issue.edit",
                "lead-time-cleared",
                Some(200),
                "-labels lead-time::violated; due 2027-02-20",
            ),
            entry(
                5,
                "note.update",
                "lead-time-cleared",
                Some(200),
                "note 11 `lead-time`",
            ),
            // Refused by GitLab, or never answered: not an origin.
            entry(
                6,
                "issue.edit",
                "escalate",
                Some(403),
                "+labels escalated: 403 Forbidden",
            ),
            entry(
                7,
                "issue.edit",
                "escalate",
                None,
                "+labels escalated (sent; no answer recorded)",
            ),
            entry(8, "plan.skipped", "x", None, "label `y` does not exist"),
        ];
        let o = origins(&history);
        assert_eq!(
            o.labels.keys().collect::<Vec<_>>(),
            vec!["advocacy::speaker"]
        );
        assert_eq!(o.labels["advocacy::speaker"].rules, vec!["speaker-intake"]);
        assert_eq!(o.assignees.as_ref().map(|s| s.at), Some(at(2)));
        assert_eq!(o.due_dates["2027-02-20"].rules, vec!["lead-time-cleared"]);
        assert_eq!(o.notes["lead-time"].at, at(5));
        assert_eq!(o.notes["lead-time"].rules, vec!["lead-time-cleared"]);
    }
}
