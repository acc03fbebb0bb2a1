//! Turns a [`Plan`] into the smallest set of GitLab writes: at most one issue edit plus one
//! create-or-edit per owned note, and nothing at all when the issue already matches.
//!
//! [`diff`] is pure (tested with tables); the service's issue sync performs the writes through
//! its GitLab port and records each one in the audit log. Neither decides *what* the issue
//! should look like: that is `rules::evaluate`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::model::{Issue, IssueState, LabelName, NoteId, Plan, StateChange, UserId, Username};

/// Owned notes whose key starts with this are for the team only: Steward posts them as GitLab
/// internal notes (`internal: true`, visible to project members of Reporter and up; GITLAB.md
/// §3.2), e.g. the customer ledger's note.
pub const INTERNAL_NOTE_PREFIX: &str = "team-";

/// Whether the owned note with this key is posted as an internal note.
pub fn is_internal_note(key: &str) -> bool {
    key.starts_with(INTERNAL_NOTE_PREFIX)
}

/// The hidden marker that identifies a Steward-owned note with key `key`.
pub fn marker(key: &str) -> String {
    format!("<!-- steward:{key} -->")
}

/// Extracts the owned-note key from a note body, if it carries a Steward marker on its first line.
pub fn marker_key(body: &str) -> Option<&str> {
    let first = body.lines().next()?.trim();
    let rest = first.strip_prefix("<!-- steward:")?;
    let key = rest.strip_suffix("-->")?.trim();
    // Template markers (`steward:template=…`) and field annotations are not note markers.
    (!key.is_empty() && !key.contains('=') && !key.contains(' ')).then_some(key)
}

/// The full body Steward writes for an owned note: marker line, then the planned text, passed
/// through [`crate::untrusted::guard_body`] (no line starts a quick action, GITLAB.md §3.2; the
/// body fits in a GitLab note). New and edited notes both carry this body.
pub fn render_note(key: &str, body: &str) -> String {
    let mut out = marker(key);
    out.push('\n');
    out.push_str(body.trim_end());
    out.push('\n');
    crate::untrusted::guard_body(&out)
}

/// A stable digest of a note body, stored so that an unchanged note is not re-read or re-written.
pub fn body_hash(body: &str) -> String {
    let digest = Sha256::digest(body.trim_end().as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// An owned note that already exists on the issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingNote {
    /// Its id.
    pub id: NoteId,
    /// [`body_hash`] of its current body.
    pub body_hash: String,
}

/// The metadata part of the writes: becomes exactly one `PUT /projects/:id/issues/:iid`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssueChanges {
    /// Labels to add (all exist in the project).
    pub add_labels: Vec<LabelName>,
    /// Labels to remove (all currently on the issue).
    pub remove_labels: Vec<LabelName>,
    /// New complete assignee list, when it changes.
    pub assignee_ids: Option<Vec<UserId>>,
    /// New due date, when it changes.
    pub due_date: Option<NaiveDate>,
    /// Close or reopen, when the state changes.
    pub state: Option<StateChange>,
}

impl IssueChanges {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.add_labels.is_empty()
            && self.remove_labels.is_empty()
            && self.assignee_ids.is_none()
            && self.due_date.is_none()
            && self.state.is_none()
    }
}

/// One owned-note write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteAction {
    /// Post a new note.
    Create {
        /// Owned-note key.
        key: String,
        /// Full body including marker.
        body: String,
    },
    /// Edit an existing note in place.
    Update {
        /// Owned-note key.
        key: String,
        /// The note to edit.
        note_id: NoteId,
        /// Full body including marker.
        body: String,
    },
}

/// Something in the plan that cannot be carried out as written; recorded, never guessed around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A label the rules want does not exist in the project; adding it would create a stray
    /// project label (GITLAB.md §3.1), so it is left out.
    MissingLabel(LabelName),
    /// A username from the roster that GitLab does not know.
    UnknownUser(Username),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::MissingLabel(l) => write!(
                f,
                "label `{l}` does not exist in the project; create it in GitLab (Manage > Labels) \
                 or fix the rule — Steward never creates labels"
            ),
            Problem::UnknownUser(u) => write!(
                f,
                "user `@{u}` was not found on GitLab; fix the roster (rules/roster.yaml)"
            ),
        }
    }
}

/// Everything to write for one issue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actions {
    /// The single issue edit, if any metadata differs.
    pub edit: Option<IssueChanges>,
    /// Owned-note writes.
    pub notes: Vec<NoteAction>,
    /// Parts of the plan left out, with the reason.
    pub problems: Vec<Problem>,
}

impl Actions {
    /// True when nothing will be written.
    pub fn is_noop(&self) -> bool {
        self.edit.is_none() && self.notes.is_empty()
    }
}

/// Compares the plan with the issue's current state and returns the minimal writes.
///
/// `project_labels` is the project's label list (including group labels); `users` maps roster
/// usernames (lower-cased) to ids.
pub fn diff(
    plan: &Plan,
    issue: &Issue,
    existing_notes: &BTreeMap<String, ExistingNote>,
    project_labels: &BTreeSet<LabelName>,
    users: &HashMap<String, UserId>,
) -> Actions {
    let mut actions = Actions::default();
    let mut changes = IssueChanges::default();

    for label in &plan.add_labels {
        if issue.labels.contains(label) {
            continue;
        }
        if project_labels.contains(label) {
            changes.add_labels.push(label.clone());
        } else {
            actions.problems.push(Problem::MissingLabel(label.clone()));
        }
    }
    // A scoped label that is added replaces its sibling on GitLab's side, but saying so
    // explicitly keeps the edit correct on tiers without scoped labels.
    for label in &plan.remove_labels {
        if issue.labels.contains(label) && !changes.add_labels.contains(label) {
            changes.remove_labels.push(label.clone());
        }
    }

    if let Some(wanted) = &plan.assignees {
        let mut ids = Vec::with_capacity(wanted.len());
        for name in wanted {
            match users.get(&name.as_str().to_ascii_lowercase()) {
                Some(id) => ids.push(*id),
                None => actions.problems.push(Problem::UnknownUser(name.clone())),
            }
        }
        let current: BTreeSet<UserId> = issue.assignees.iter().map(|u| u.id).collect();
        let target: BTreeSet<UserId> = ids.iter().copied().collect();
        // Never unassign people because a roster name could not be resolved.
        if ids.len() == wanted.len() && current != target {
            changes.assignee_ids = Some(ids);
        }
    }

    if let Some(due) = plan.due_date
        && issue.due_date != Some(due)
    {
        changes.due_date = Some(due);
    }

    changes.state = plan.state.filter(|s| match s {
        StateChange::Close => issue.state != IssueState::Closed,
        StateChange::Reopen => issue.state != IssueState::Opened,
    });

    if !changes.is_empty() {
        actions.edit = Some(changes);
    }

    for note in &plan.notes {
        let body = render_note(&note.key, &note.body);
        match existing_notes.get(&note.key) {
            Some(existing) if existing.body_hash == body_hash(&body) => {}
            Some(existing) => actions.notes.push(NoteAction::Update {
                key: note.key.clone(),
                note_id: existing.id,
                body,
            }),
            None => actions.notes.push(NoteAction::Create {
                key: note.key.clone(),
                body,
            }),
        }
    }
    actions
}

#[cfg(test)]
mod tests;
