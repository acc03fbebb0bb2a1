//! Turns a [`Plan`] into the smallest set of GitLab writes: at most one issue edit plus one
//! create-or-edit per owned note, and nothing at all when the issue already matches.
//!
//! [`diff`] is pure (tested with tables); [`apply`] performs the writes through the `GitLab`
//! trait and records each one in the audit log. Neither decides *what* the issue should look
//! like: that is `rules::evaluate`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::model::{Issue, LabelName, NoteId, Plan, UserId, Username};

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
}

impl IssueChanges {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.add_labels.is_empty()
            && self.remove_labels.is_empty()
            && self.assignee_ids.is_none()
            && self.due_date.is_none()
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
mod tests {
    use super::*;
    use crate::model::{IssueId, IssueIid, IssueState, PlannedNote, ProjectId, UserRef};
    use chrono::{TimeZone, Utc};

    fn issue(labels: &[&str]) -> Issue {
        Issue {
            project_id: ProjectId(1),
            id: IssueId(100),
            iid: IssueIid(7),
            title: "Speaker for DevOps Days".into(),
            description: String::new(),
            state: IssueState::Opened,
            labels: labels.iter().map(|l| LabelName::from(*l)).collect(),
            assignees: vec![],
            author: None,
            created_at: Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap(),
            due_date: None,
            confidential: false,
            web_url: String::new(),
            owned_note_keys: BTreeSet::new(),
            managed_due_date: None,
            closed_at: None,
        }
    }

    fn labels(names: &[&str]) -> BTreeSet<LabelName> {
        names.iter().map(|l| LabelName::from(*l)).collect()
    }

    fn users() -> HashMap<String, UserId> {
        [("jhernandez".to_owned(), UserId(11))]
            .into_iter()
            .collect()
    }

    #[test]
    fn a_matching_issue_needs_no_write_at_all() {
        let mut i = issue(&["Customer Advocacy"]);
        i.assignees = vec![UserRef {
            id: UserId(11),
            username: Username::from("jhernandez"),
        }];
        i.due_date = NaiveDate::from_ymd_opt(2027, 1, 10);
        let body = render_note("lead-time", "Filed late.");
        let existing: BTreeMap<_, _> = [(
            "lead-time".to_owned(),
            ExistingNote {
                id: NoteId(5),
                body_hash: body_hash(&body),
            },
        )]
        .into_iter()
        .collect();
        let plan = Plan {
            add_labels: labels(&["Customer Advocacy"]),
            assignees: Some(vec![Username::from("JHernandez")]),
            due_date: NaiveDate::from_ymd_opt(2027, 1, 10),
            notes: vec![PlannedNote {
                key: "lead-time".into(),
                body: "Filed late.".into(),
            }],
            ..Plan::default()
        };
        let actions = diff(
            &plan,
            &i,
            &existing,
            &labels(&["Customer Advocacy"]),
            &users(),
        );
        assert!(actions.is_noop(), "{actions:?}");
        assert!(actions.problems.is_empty());
    }

    #[test]
    fn every_metadata_change_goes_into_one_edit() {
        let i = issue(&["lead-time::violated"]);
        let plan = Plan {
            add_labels: labels(&["Customer Advocacy", "advocacy-program::speaker"]),
            remove_labels: labels(&["lead-time::violated", "not-on-issue"]),
            assignees: Some(vec![Username::from("jhernandez")]),
            due_date: NaiveDate::from_ymd_opt(2027, 2, 1),
            ..Plan::default()
        };
        let project = labels(&[
            "Customer Advocacy",
            "advocacy-program::speaker",
            "lead-time::violated",
        ]);
        let actions = diff(&plan, &i, &BTreeMap::new(), &project, &users());
        let edit = actions.edit.unwrap();
        assert_eq!(edit.add_labels.len(), 2);
        assert_eq!(
            edit.remove_labels,
            vec![LabelName::from("lead-time::violated")]
        );
        assert_eq!(edit.assignee_ids, Some(vec![UserId(11)]));
        assert_eq!(edit.due_date, NaiveDate::from_ymd_opt(2027, 2, 1));
    }

    #[test]
    fn a_label_missing_from_the_project_is_never_sent() {
        let plan = Plan {
            add_labels: labels(&["Customer Advocacy", "typo::label"]),
            ..Plan::default()
        };
        let actions = diff(
            &plan,
            &issue(&[]),
            &BTreeMap::new(),
            &labels(&["Customer Advocacy"]),
            &users(),
        );
        assert_eq!(
            actions.edit.unwrap().add_labels,
            vec![LabelName::from("Customer Advocacy")]
        );
        assert_eq!(
            actions.problems,
            vec![Problem::MissingLabel(LabelName::from("typo::label"))]
        );
    }

    #[test]
    fn an_unknown_roster_user_leaves_assignees_untouched() {
        let plan = Plan {
            assignees: Some(vec![Username::from("ghost")]),
            ..Plan::default()
        };
        let actions = diff(&plan, &issue(&[]), &BTreeMap::new(), &labels(&[]), &users());
        assert!(actions.edit.is_none());
        assert_eq!(
            actions.problems,
            vec![Problem::UnknownUser(Username::from("ghost"))]
        );
    }

    #[test]
    fn owned_notes_are_created_once_then_edited_in_place() {
        let plan = Plan {
            notes: vec![PlannedNote {
                key: "lead-time".into(),
                body: "New text".into(),
            }],
            ..Plan::default()
        };
        let created = diff(&plan, &issue(&[]), &BTreeMap::new(), &labels(&[]), &users());
        assert!(
            matches!(created.notes.as_slice(), [NoteAction::Create { key, .. }] if key == "lead-time")
        );

        let existing: BTreeMap<_, _> = [(
            "lead-time".to_owned(),
            ExistingNote {
                id: NoteId(9),
                body_hash: body_hash(&render_note("lead-time", "Old text")),
            },
        )]
        .into_iter()
        .collect();
        let updated = diff(&plan, &issue(&[]), &existing, &labels(&[]), &users());
        assert!(matches!(
            updated.notes.as_slice(),
            [NoteAction::Update {
                note_id: NoteId(9),
                ..
            }]
        ));
    }

    #[test]
    fn generated_lines_never_start_with_a_slash() {
        let body = render_note("k", "Hello\n/label ~x\n  /close\nfine / here");
        for line in body.lines() {
            assert!(
                !line.trim_start().starts_with('/'),
                "quick action leaked: {line}"
            );
        }
        assert!(body.contains("\\/label ~x"));
        assert!(body.starts_with("<!-- steward:k -->\n"));
    }

    #[test]
    fn an_owned_note_never_reaches_gitlabs_length_limit() {
        let body = render_note("k", &"a planned line\n".repeat(80_000));
        assert!(body.chars().count() <= crate::untrusted::BODY_BUDGET);
        assert!(body.starts_with("<!-- steward:k -->\n"));
        assert_eq!(render_note("k", "x"), "<!-- steward:k -->\nx\n");
    }

    #[test]
    fn marker_keys_are_read_back_but_template_markers_are_not() {
        assert_eq!(
            marker_key(&render_note("lead-time", "x")),
            Some("lead-time")
        );
        assert_eq!(
            marker_key("<!-- steward:template=customer-speaker-request -->"),
            None
        );
        assert_eq!(marker_key("plain comment"), None);
    }
}
