//! An [`Explanation`] as rows any renderer shows (the terminal here, the status page in
//! `status::explain_page`), and its plain-text rendering for `steward explain`. Text from the
//! issue (title, rule reasons quoting fields) is made one line and capped; nothing here
//! escapes HTML.

use std::fmt::Write as _;

use super::{Explanation, SetBy};
use steward_core::reconcile::NoteAction;
use steward_core::untrusted::one_line;

/// One thing the issue has now and who set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRow {
    /// `label`, `assignees`, `due date` or `note`.
    pub what: &'static str,
    /// The value (`advocacy::speaker`, `@alex`, `2027-01-02`, the note's key).
    pub value: String,
    /// The write of Steward's that set it; `None`: not set by Steward (or before its log).
    pub set_by: Option<SetBy>,
}

impl Explanation {
    /// Each label, the assignees, the due date and each owned note, with its origin.
    pub fn state_rows(&self) -> Vec<StateRow> {
        let (issue, o) = (&self.issue, &self.origins);
        let mut rows: Vec<StateRow> = issue
            .labels
            .iter()
            .map(|l| StateRow {
                what: "label",
                value: l.to_string(),
                set_by: o.labels.get(l.as_str()).cloned(),
            })
            .collect();
        if !issue.assignees.is_empty() {
            let names: Vec<String> = issue
                .assignees
                .iter()
                .map(|u| format!("@{}", u.username))
                .collect();
            rows.push(StateRow {
                what: "assignees",
                value: names.join(", "),
                set_by: o.assignees.clone(),
            });
        }
        if let Some(due) = issue.due_date {
            rows.push(StateRow {
                what: "due date",
                value: due.to_string(),
                set_by: o.due_dates.get(&due.to_string()).cloned(),
            });
        }
        for (key, _) in &self.owned_notes {
            rows.push(StateRow {
                what: "note",
                value: key.clone(),
                set_by: o.notes.get(key).cloned(),
            });
        }
        rows
    }

    /// What Steward would write now, one line each; empty when nothing.
    pub fn would_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(edit) = &self.would.edit {
            lines.extend(edit.add_labels.iter().map(|l| format!("add label {l}")));
            lines.extend(
                edit.remove_labels
                    .iter()
                    .map(|l| format!("remove label {l}")),
            );
            if edit.assignee_ids.is_some() {
                let names = self.decision.plan.assignees.as_deref().unwrap_or(&[]);
                let names: Vec<String> = names.iter().map(|u| format!("@{u}")).collect();
                lines.push(format!("assign {}", names.join(", ")));
            }
            if let Some(due) = edit.due_date {
                lines.push(format!("set the due date to {due}"));
            }
        }
        for n in &self.would.notes {
            lines.push(match n {
                NoteAction::Create { key, .. } => format!("post note `{key}`"),
                NoteAction::Update { key, .. } => format!("edit note `{key}`"),
            });
        }
        lines
    }
}

/// `by rule-a, rule-b at 2026-11-25 15:00 UTC`, or `not set by Steward`.
pub fn origin_text(set_by: Option<&SetBy>) -> String {
    match set_by {
        Some(s) if s.rules.is_empty() => format!("set by Steward at {}", when(s)),
        Some(s) => format!("by rule {} at {}", s.rules.join(", "), when(s)),
        None => "not set by Steward".to_owned(),
    }
}

fn when(s: &SetBy) -> String {
    s.at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The explanation for a terminal.
pub fn render_text(e: &Explanation) -> String {
    let mut s = String::new();
    let issue = &e.issue;
    let _ = writeln!(
        s,
        "{}#{}  {}{}",
        issue.project_id,
        issue.iid,
        one_line(&issue.title, 200),
        if issue.confidential {
            "  (confidential)"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "{}  ({:?})", issue.web_url, issue.state);
    let _ = writeln!(s, "\nNow:");
    let rows = e.state_rows();
    if rows.is_empty() {
        let _ = writeln!(
            s,
            "  (no labels, assignees, due date or notes of Steward's)"
        );
    }
    for r in rows {
        let _ = writeln!(
            s,
            "  {:<10} {:<32} {}",
            r.what,
            r.value,
            origin_text(r.set_by.as_ref())
        );
    }
    let _ = writeln!(s, "\nAudit log ({} entries):", e.history.len());
    for r in &e.history {
        let en = &r.entry;
        let answer = en
            .response_status
            .map_or("no answer".to_owned(), |st| format!("GitLab {st}"));
        let _ = writeln!(
            s,
            "  {}  {:<13} [{}] {} ({answer})",
            en.at.format("%Y-%m-%d %H:%M"),
            en.action,
            en.rule_names.join(", "),
            one_line(&en.detail, 300),
        );
    }
    let _ = writeln!(
        s,
        "\nDecided now ({}), template: {}",
        e.now.format("%Y-%m-%d %H:%M UTC"),
        e.decision.recognition
    );
    if e.decision.plan.matched_rules.is_empty() {
        let _ = writeln!(s, "  no rule matches");
    }
    for m in &e.decision.plan.matched_rules {
        let reasons: Vec<String> = m.reasons.iter().map(|r| one_line(r, 200)).collect();
        let _ = writeln!(s, "  rule {}: {}", m.name, reasons.join("; "));
    }
    let would = e.would_lines();
    let _ = writeln!(s, "\nWould change now (dry run, nothing written):");
    if would.is_empty() {
        let _ = writeln!(s, "  nothing");
    }
    for line in would {
        let _ = writeln!(s, "  {line}");
    }
    for p in &e.would.problems {
        let _ = writeln!(s, "  left out: {p}");
    }
    s.trim_end().to_owned()
}
