//! GitLab REST response shapes (private) and their mapping to `model` types at the boundary.
//! Nothing outside `gitlab` sees these structs; unknown fields are ignored because GitLab adds
//! fields every month.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use steward_core::model::{
    EpicId, EpicIid, Issue, IssueId, IssueIid, IssueState, LabelName, NoteId, ProjectId, UserId,
    UserRef, Username,
};

use super::{Epic, Note};

/// A user object as REST embeds it (`author`, `assignees[]`, `GET /user`, `GET /users`).
#[derive(Debug, Deserialize)]
pub(crate) struct RestUser {
    id: u64,
    username: String,
}

impl From<RestUser> for UserRef {
    fn from(u: RestUser) -> Self {
        UserRef {
            id: UserId(u.id),
            username: Username(u.username),
        }
    }
}

/// `GET /projects/:id/issues/:iid` and list elements (GITLAB.md §3.3: labels are plain names,
/// timestamps ISO 8601 with milliseconds, `due_date` `YYYY-MM-DD`).
#[derive(Debug, Deserialize)]
pub(crate) struct RestIssue {
    id: u64,
    iid: u64,
    project_id: u64,
    title: String,
    #[serde(default)]
    description: Option<String>,
    state: String,
    // `null` is read as empty, like a missing field.
    #[serde(default)]
    labels: Option<Vec<String>>,
    #[serde(default)]
    assignees: Option<Vec<RestUser>>,
    #[serde(default)]
    author: Option<RestUser>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(default)]
    closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    due_date: Option<NaiveDate>,
    #[serde(default)]
    confidential: bool,
    #[serde(default)]
    web_url: String,
    /// Comments on the issue, system notes excluded (GITLAB.md §6.5 on why it matters).
    #[serde(default)]
    user_notes_count: Option<u64>,
    /// The base type (`issue`, `incident`, `task`, `ticket`, …); REST does not carry a
    /// renamed type's name (GITLAB.md §6.1).
    #[serde(default)]
    issue_type: Option<String>,
}

/// The default name of a base type as REST's `issue_type` spells it (GitLab's
/// `WorkItems::Type::TYPE_NAMES`); an unknown one is kept as written.
fn base_type_name(base: &str) -> String {
    match base {
        "issue" => "Issue",
        "incident" => "Incident",
        "test_case" => "Test Case",
        "requirement" => "Requirement",
        "task" => "Task",
        "ticket" => "Ticket",
        "objective" => "Objective",
        "key_result" => "Key Result",
        "epic" => "Epic",
        other => return other.to_owned(),
    }
    .to_owned()
}

impl TryFrom<RestIssue> for Issue {
    type Error = String;

    fn try_from(i: RestIssue) -> Result<Self, String> {
        let state = match i.state.as_str() {
            "opened" => IssueState::Opened,
            "closed" => IssueState::Closed,
            other => return Err(format!("issue {} has unknown state {other:?}", i.iid)),
        };
        Ok(Issue {
            project_id: ProjectId(i.project_id),
            id: IssueId(i.id),
            iid: IssueIid(i.iid),
            title: i.title,
            description: i.description.unwrap_or_default(),
            state,
            labels: i
                .labels
                .unwrap_or_default()
                .into_iter()
                .map(LabelName)
                .collect(),
            assignees: i
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(UserRef::from)
                .collect(),
            author: i.author.map(UserRef::from),
            created_at: i.created_at,
            updated_at: i.updated_at,
            due_date: i.due_date,
            confidential: i.confidential,
            web_url: i.web_url,
            // The caller fills this from the notes it owns; the issue JSON cannot know it.
            owned_note_keys: BTreeSet::new(),
            managed_due_date: None,
            waiting: Default::default(),
            user_notes_count: i.user_notes_count,
            // The service works it out from its record of its own writes (`steward_core::activity`).
            last_human_activity_at: None,
            closed_at: i.closed_at,
            work_item_type: i.issue_type.as_deref().map(base_type_name),
        })
    }
}

/// A note on an issue or an epic (`GET …/notes`, create and edit responses).
#[derive(Debug, Deserialize)]
pub(crate) struct RestNote {
    id: u64,
    #[serde(default)]
    body: String,
    author: RestUser,
    #[serde(default)]
    system: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<RestNote> for Note {
    fn from(n: RestNote) -> Self {
        Note {
            id: NoteId(n.id),
            body: n.body,
            author: n.author.into(),
            system: n.system,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

/// `GET /groups/:id/epics/:epic_iid` (GITLAB.md §3.4; `work_item_id` exists on newer GitLab).
#[derive(Debug, Deserialize)]
pub(crate) struct RestEpic {
    id: u64,
    iid: u64,
    #[serde(default)]
    work_item_id: Option<u64>,
    title: String,
    #[serde(default)]
    web_url: String,
}

impl From<RestEpic> for Epic {
    fn from(e: RestEpic) -> Self {
        Epic {
            id: EpicId(e.id),
            iid: EpicIid(e.iid),
            work_item_id: e.work_item_id,
            title: e.title,
            web_url: e.web_url,
        }
    }
}

/// `GET /projects/:id/labels` elements: only the name matters to Steward.
#[derive(Debug, Deserialize)]
pub(crate) struct RestLabel {
    name: String,
}

impl From<RestLabel> for LabelName {
    fn from(l: RestLabel) -> Self {
        LabelName(l.name)
    }
}
