//! The customer ledger: every ask of every customer account across programs, the
//! reference-fatigue cap and the duplicate check, decided purely from the asks the service
//! stored. The handbook: "the Customer Advocacy team manages all approved customer
//! references" — the ledger is the part of that record Steward can keep by itself.
//!
//! | module | responsibility |
//! |---|---|
//! | [`names`] | typed account names → one [`AccountKey`] (case, punctuation, legal suffixes, aliases) |
//! | [`similar`] | how alike two typed texts are (Jaro-Winkler on words) |
//! | [`config`] | `rules/customers.yaml`, validated against templates and labels |
//! | [`ledger`] | the [`Ask`] record, the fatigue window and the duplicate decision |
//! | [`summary`] | the ledger per account (counts, a name safe to show) |
//! | `render` | the team's internal note and the requester's comments, through `untrusted` |
//!
//! It performs no I/O and never reads the clock: the service passes the stored asks in and
//! carries out the [`LedgerPlan`].

pub mod config;
pub mod ledger;
pub mod names;
mod render;
pub mod similar;
pub mod summary;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

pub use self::config::{CUSTOMERS_FILE, CustomerRules, Scope};
pub use self::ledger::{Ask, Duplicate, FatigueCheck, ask_of, duplicates, fatigue};
pub use self::names::{AccountKey, Directory};
pub use self::similar::similarity;
pub use self::summary::{AccountSummary, summarise};
use crate::model::{FieldError, Issue, IssueIid, IssueState, LabelName, PlannedNote, ProjectId};

/// The owned note holding the account's recent asks, for the team only (an internal note: its
/// key starts with [`crate::reconcile::INTERNAL_NOTE_PREFIX`]).
pub const LEDGER_NOTE: &str = "team-customer-ledger";
/// The requester's one comment when the account is over the fatigue cap.
pub const FATIGUE_NOTE: &str = "customer-fatigue";
/// The requester's one comment when the request may duplicate another.
pub const DUPLICATE_NOTE: &str = "customer-duplicate";

/// What the ledger adds to an issue's plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerPlan {
    /// Labels to add.
    pub add_labels: BTreeSet<LabelName>,
    /// Labels to remove (only ones on the issue).
    pub remove_labels: BTreeSet<LabelName>,
    /// Owned notes to create or update.
    pub notes: Vec<PlannedNote>,
    /// The fatigue check, when it ran.
    pub fatigue: Option<FatigueCheck>,
    /// Open requests this one may duplicate: each is linked (`relates_to`) to it.
    pub duplicates: Vec<Duplicate>,
}

/// Decides the ledger's part of an issue's plan. `this` is [`ask_of`]'s answer for the issue;
/// `others` are the stored asks of the same account (this issue's own row may be among them).
pub fn plan(
    rules: &CustomerRules,
    issue: &Issue,
    this: &Result<Option<Ask>, FieldError>,
    others: &[Ask],
) -> LedgerPlan {
    let mut out = LedgerPlan::default();
    let ask = match this {
        Ok(Some(ask)) => ask,
        Ok(None) => return out,
        Err(warning) => {
            if issue.state == IssueState::Opened {
                out.notes.push(PlannedNote {
                    key: LEDGER_NOTE.to_owned(),
                    body: render::unreadable(warning),
                });
            }
            return out;
        }
    };
    if issue.state == IssueState::Closed {
        return out;
    }
    out.fatigue = fatigue(rules, ask, others);
    out.duplicates = duplicates(rules, ask, others);
    let over = out.fatigue.as_ref().is_some_and(FatigueCheck::is_over);
    if let Some(cap) = &rules.fatigue {
        flag(&mut out, issue, &cap.label, over);
    }
    if let Some(check) = &rules.duplicates {
        let on = !out.duplicates.is_empty();
        flag(&mut out, issue, &check.label, on);
    }
    let window = rules.fatigue.as_ref().map_or(90, |f| f.window_days);
    // A first ask of an account has nothing to show the team: no note until there is one.
    // The note lists earlier asks only, so a later request never makes it stale.
    let has_history = others
        .iter()
        .any(|o| o.account == ask.account && o.before(ask));
    let flagged = over || !out.duplicates.is_empty();
    if has_history || flagged || issue.owned_note_keys.contains(LEDGER_NOTE) {
        let body = render::ledger(rules, ask, others, window, &out);
        out.notes.push(PlannedNote {
            key: LEDGER_NOTE.to_owned(),
            body,
        });
    }
    if over || issue.owned_note_keys.contains(FATIGUE_NOTE) {
        out.notes.push(PlannedNote {
            key: FATIGUE_NOTE.to_owned(),
            body: render::fatigue_comment(),
        });
    }
    let others_refs: Vec<(ProjectId, IssueIid)> =
        out.duplicates.iter().map(|d| (d.project, d.iid)).collect();
    if !others_refs.is_empty() || issue.owned_note_keys.contains(DUPLICATE_NOTE) {
        out.notes.push(PlannedNote {
            key: DUPLICATE_NOTE.to_owned(),
            body: render::duplicate_comment(issue.project_id, &others_refs),
        });
    }
    out
}

fn flag(out: &mut LedgerPlan, issue: &Issue, label: &LabelName, on: bool) {
    if on {
        out.add_labels.insert(label.clone());
    } else if issue.labels.contains(label) {
        out.remove_labels.insert(label.clone());
    }
}
