//! The ledger's notes: the team's internal note (the account's recent asks, the cap, possible
//! duplicates) and the requester's comments. Every value a requester typed goes through
//! [`crate::untrusted`]; issue references are Steward's own.

use std::fmt::Write as _;

use super::LedgerPlan;
use super::config::CustomerRules;
use super::ledger::Ask;
use crate::model::{FieldError, IssueIid, IssueState, ProjectId};
use crate::untrusted;

/// How many asks the team's note lists (newest first); the count says how many there are.
const LISTED: usize = 10;

/// A reference to a request from a note on a request of `here`: `#12` in the same project
/// (a live link for the team), otherwise plain words (a `#12` would point into this project).
fn reference(here: ProjectId, project: ProjectId, iid: IssueIid) -> String {
    if here == project {
        format!("#{iid}")
    } else {
        format!("issue {iid} of project {project}")
    }
}

/// The team's note when the account name cannot be read.
pub(super) fn unreadable(warning: &FieldError) -> String {
    format!(
        "**Customer ledger (team only).** Field {}: {}. Fix the field and Steward will count \
         the request.",
        untrusted::code(&warning.field),
        warning.message
    )
}

/// The team's note: the account, its recent asks, the cap and possible duplicates.
pub(super) fn ledger(
    rules: &CustomerRules,
    ask: &Ask,
    others: &[Ask],
    window_days: u32,
    plan: &LedgerPlan,
) -> String {
    let name = rules
        .directory
        .name_of(&ask.account)
        .unwrap_or(&ask.account_name);
    let mut recent: Vec<&Ask> = others
        .iter()
        .filter(|o| o.account == ask.account && o.before(ask))
        .filter(|o| {
            (ask.filed_at.date_naive() - o.filed_at.date_naive()).num_days()
                <= i64::from(window_days)
        })
        .collect();
    recent.sort_by_key(|o| std::cmp::Reverse((o.filed_at, o.project, o.iid)));
    let open = recent
        .iter()
        .filter(|o| o.state == IssueState::Opened)
        .count();
    let mut out = if recent.is_empty() {
        format!(
            "**Customer ledger (team only)** for account {}: no earlier asks in the {} days \
             before this request.\n",
            untrusted::code(name),
            window_days,
        )
    } else {
        format!(
            "**Customer ledger (team only)** for account {}: {} earlier ask(s) filed in the {} \
             days before this request, {open} still open.\n",
            untrusted::code(name),
            recent.len(),
            window_days,
        )
    };
    asks_table(&mut out, ask, &recent);
    fatigue_section(&mut out, rules, ask, plan);
    for d in &plan.duplicates {
        let value = ask
            .subjects
            .get(&d.field)
            .map_or(String::new(), |v| untrusted::code(v));
        let _ = write!(
            out,
            "\n**Possible duplicate** of {} (same account, same `{}`: {value}). Both are linked; \
             close one with `outcome::duplicate` and the other's flag clears.\n",
            reference(ask.project, d.project, d.iid),
            d.field,
        );
    }
    out
}

/// The earlier asks, newest first, at most [`LISTED`].
fn asks_table(out: &mut String, ask: &Ask, recent: &[&Ask]) {
    if !recent.is_empty() {
        out.push_str("\n| Request | Program | Filed | State | Outcome |\n|---|---|---|---|---|\n");
        for o in recent.iter().take(LISTED) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                reference(ask.project, o.project, o.iid),
                o.program.as_deref().unwrap_or("—"),
                o.filed_at.format("%Y-%m-%d"),
                if o.state == IssueState::Opened {
                    "open"
                } else {
                    "closed"
                },
                o.outcome.as_ref().map_or("—", |l| l.as_str()),
            );
        }
        if recent.len() > LISTED {
            let _ = writeln!(out, "\n…and {} older.", recent.len() - LISTED);
        }
    }
}

/// Why the request is over the cap, and the asks competing with it (at most [`LISTED`]).
fn fatigue_section(out: &mut String, rules: &CustomerRules, ask: &Ask, plan: &LedgerPlan) {
    if let (Some(check), Some(cap)) = (&plan.fatigue, &rules.fatigue)
        && check.is_over()
    {
        let mut limits = Vec::new();
        if let Some(n) = cap.open_at_once.filter(|_| check.over_open) {
            limits.push(format!("{} open at once (limit {n})", check.open.len() + 1));
        }
        if let Some(n) = cap.per_window.filter(|_| check.over_window) {
            let days = cap.window_days;
            limits.push(format!(
                "{} within {days} days (limit {n})",
                check.in_window.len() + 1
            ));
        }
        let all: std::collections::BTreeSet<_> =
            check.in_window.iter().chain(check.open.iter()).collect();
        let mut competing: Vec<String> = all
            .iter()
            .take(LISTED)
            .map(|(p, i)| reference(ask.project, *p, *i))
            .collect();
        if all.len() > LISTED {
            competing.push(format!("and {} more", all.len() - LISTED));
        }
        let _ = write!(
            out,
            "\n**Over the reference-fatigue cap:** {}. Competing asks: {}. The requester was \
             told the account is heavily asked; decide which ask goes ahead.\n",
            limits.join("; "),
            competing.join(", ")
        );
    }
}

/// The requester's one comment when the account is over the cap. Its text does not depend on
/// the counts, so it is written once and never edited.
pub(super) fn fatigue_comment() -> String {
    "Thank you for this request. This customer account has been asked for several references \
     recently, so the Customer Advocacy team will weigh this request against the others before \
     anyone reaches out to the customer, to keep the relationship warm. You do not need to do \
     anything now: the team will follow up here."
        .to_owned()
}

/// The requester's comment when the request may duplicate others, or (`others` empty) once
/// the others are closed.
pub(super) fn duplicate_comment(here: ProjectId, others: &[(ProjectId, IssueIid)]) -> String {
    if others.is_empty() {
        return "The request this one looked like a duplicate of is closed: this request goes \
                ahead on its own."
            .to_owned();
    }
    let refs: Vec<String> = others
        .iter()
        .map(|(p, i)| reference(here, *p, *i))
        .collect();
    format!(
        "This request may be a duplicate of {} (same customer account, same event, outlet or \
         nominee). The Customer Advocacy team will check and keep one; the requests are linked. \
         You do not need to do anything now.",
        refs.join(", ")
    )
}
