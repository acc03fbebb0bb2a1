//! Domain types shared by every module: ids, the issue as Steward sees it, parsed template
//! fields, and the `Plan` that rule evaluation produces.
//!
//! This module holds data only: no I/O, no parsing of GitLab's wire formats (that is
//! `gitlab::payload` / `gitlab::client`), no decisions (that is `rules`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

mod records;

pub use records::{OwnWrite, WaitSpan, Waiting};

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

macro_rules! name_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

id_newtype!(
    /// A project's global numeric id (`project.id`).
    ProjectId
);
id_newtype!(
    /// An issue's global id (`object_attributes.id`). Never use it in REST paths.
    IssueId
);
id_newtype!(
    /// An issue's project-scoped number (`iid`), the one REST paths take.
    IssueIid
);
id_newtype!(
    /// A user's stable numeric id.
    UserId
);
id_newtype!(
    /// A note's (comment's) id.
    NoteId
);
id_newtype!(
    /// A group's numeric id.
    GroupId
);
id_newtype!(
    /// An epic's group-scoped number (`iid`, the `&12` users see), not its global id.
    EpicIid
);
id_newtype!(
    /// An epic's global id: the one the epic-notes REST calls take, never its iid.
    EpicId
);

name_newtype!(
    /// A GitLab username, without the leading `@`.
    Username
);
name_newtype!(
    /// A label's title, e.g. `advocacy-program::speaker`.
    LabelName
);
name_newtype!(
    /// A description template's name: its file name without `.md`.
    TemplateName
);
name_newtype!(
    /// A program's key as declared in `rules/programs.yaml` (`speaker`, `eab`, …): the name
    /// configuration (`digest.post_to`) and reports use for it.
    ProgramKey
);

/// Lets maps keyed by program be looked up with a plain `&str` (`epics["speaker"]`).
impl std::borrow::Borrow<str> for ProgramKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl LabelName {
    /// The scope of a scoped label (`key::value` → `key`), if it is one. GitLab scopes on the
    /// last `::`, so `a::b::c` has scope `a::b`.
    pub fn scope(&self) -> Option<&str> {
        self.0.rfind("::").map(|i| &self.0[..i])
    }
}

/// A user as GitLab reports them: stable id plus current username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    /// Stable id (compare this, not the username).
    pub id: UserId,
    /// Current username.
    pub username: Username,
}

/// Whether an issue is open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    /// GitLab's `opened`.
    Opened,
    /// GitLab's `closed`.
    Closed,
}

/// The issue as rules see it: current state, read from GitLab (REST) or from a webhook payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The project the issue lives in.
    pub project_id: ProjectId,
    /// Global id.
    pub id: IssueId,
    /// Project-scoped number.
    pub iid: IssueIid,
    /// Title.
    pub title: String,
    /// Markdown description (quick-action lines already removed by GitLab); empty when none.
    pub description: String,
    /// Open or closed.
    pub state: IssueState,
    /// Current label titles.
    pub labels: BTreeSet<LabelName>,
    /// Current assignees (usernames may be unknown in old payloads: then empty strings are never
    /// used; such assignees are left out).
    pub assignees: Vec<UserRef>,
    /// The issue's author, when known.
    pub author: Option<UserRef>,
    /// When the issue was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the issue was last updated (UTC).
    pub updated_at: DateTime<Utc>,
    /// When the issue was closed (UTC), if it is.
    pub closed_at: Option<DateTime<Utc>>,
    /// Current due date.
    pub due_date: Option<NaiveDate>,
    /// Whether the issue is confidential.
    pub confidential: bool,
    /// Web URL of the issue (may be empty when unknown).
    pub web_url: String,
    /// Keys of the Steward-owned notes already present on the issue (found by marker). Rules use
    /// it to update a note that no longer needs to exist instead of creating one.
    pub owned_note_keys: BTreeSet<String>,
    /// The due date Steward itself last set on the issue (kept in the store), if any. Rules
    /// move a due date only while it is still the one Steward set: a date a person chose wins.
    pub managed_due_date: Option<NaiveDate>,
    /// When the issue has waited on its requester (kept in the store): rules pause clocks
    /// while it waits and do not count the time waited afterwards.
    pub waiting: Waiting,
    /// GitLab's count of the issue's comments (`user_notes_count`: non-system notes), when the
    /// read carried it. It tells a comment GitLab did not stamp into `updated_at` apart from
    /// nothing at all (see [`crate::activity`]).
    pub user_notes_count: Option<u64>,
    /// When someone other than Steward last acted on the issue (see [`crate::activity`]): the
    /// service fills it in from what it recorded of its own writes; `None` until then, when
    /// [`Issue::last_human_activity`] falls back to `updated_at`.
    pub last_human_activity_at: Option<DateTime<Utc>>,
    /// The work item type's name as GitLab reports it (`Issue`, `Ticket`, `Task`, a custom
    /// type such as `Speaker request`; GITLAB.md §6.1). `None` when the source did not say
    /// (GitLab before 17.2): such an item is a plain issue. Names can be renamed, so a
    /// template is recognised by its marker and fields, never by this name alone.
    pub work_item_type: Option<String>,
}

impl Issue {
    /// The work item type's name, `Issue` when GitLab did not say.
    pub fn type_name(&self) -> &str {
        self.work_item_type.as_deref().unwrap_or("Issue")
    }
}

impl Issue {
    /// When someone other than Steward last acted on the issue: the measure of every rule
    /// about inactivity. `updated_at` when the service has not worked it out.
    pub fn last_human_activity(&self) -> DateTime<Utc> {
        self.last_human_activity_at.unwrap_or(self.updated_at)
    }
}

/// A change of an issue's state that a plan asks for (rule actions `close` and `reopen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateChange {
    /// Close an open issue (GitLab's `state_event=close`).
    Close,
    /// Reopen a closed issue (`state_event=reopen`).
    Reopen,
}

/// The type of a template field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A calendar date.
    Date,
    /// A number (`1,500` → 1500).
    Number,
    /// An http(s) URL.
    Url,
    /// A GitLab username (`@user`).
    Username,
    /// One or more options ticked in a checklist.
    Choice,
    /// Yes / no.
    Boolean,
}

/// One field of a description template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSpec {
    /// Machine key used in rules (`event_date`).
    pub key: String,
    /// The label the requester sees (`Event date`).
    pub label: String,
    /// Value type.
    pub kind: FieldKind,
    /// Whether a missing value is a field error.
    pub required: bool,
    /// For `Choice`: the allowed options, as written in the template's checklist.
    pub choices: Vec<String>,
    /// For `Choice`: whether several options may be ticked.
    pub multiple: bool,
    /// For `Choice`: other words requesters use for an option (`Enterprise` for `ENT`), as
    /// `(synonym, option)`, declared in the template (`<!-- steward:synonyms Enterprise -->`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<(String, String)>,
}

/// A description template: its name, intake label and fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateSpec {
    /// File name without `.md`.
    pub name: TemplateName,
    /// Label applied by the template's quick action (used to recognise it).
    pub intake_label: LabelName,
    /// Fields in template order.
    pub fields: Vec<FieldSpec>,
}

impl TemplateSpec {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// A parsed field value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// Free text.
    Text(String),
    /// A date (serialised `YYYY-MM-DD`).
    Date(NaiveDate),
    /// A number.
    Number(f64),
    /// A URL.
    Url(String),
    /// A username without `@`.
    Username(Username),
    /// The ticked options (the template's spelling).
    Choice(Vec<String>),
    /// Yes / no.
    Boolean(bool),
}

/// A required field that is missing or a value that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's label as the requester sees it (`Event date`).
    pub field: String,
    /// What is wrong and what was found, in words for the requester.
    pub message: String,
    /// Whether the field is required. Only a required field's error holds a request up
    /// (`field_errors`); an optional field's is a warning (`field_warnings`).
    pub required: bool,
}

/// The result of parsing a filled-in description against a template.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ParsedFields {
    /// Values by field key.
    pub values: BTreeMap<String, FieldValue>,
    /// Missing or unparseable fields, in template order.
    pub errors: Vec<FieldError>,
}

/// A note Steward owns on an issue, identified by `key` (rendered into a hidden marker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedNote {
    /// Marker key, stable across evaluations (`lead-time`).
    pub key: String,
    /// Full Markdown body without the marker (the reconciler adds it).
    pub body: String,
}

/// Why a rule matched, for explanations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedRule {
    /// The rule's name.
    pub name: String,
    /// Plain-words reasons (one per condition that held, and the check outcome).
    pub reasons: Vec<String>,
}

/// The desired end state of an issue relative to its current state. Pure data: the reconciler
/// turns it into at most one issue edit plus note upserts.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Plan {
    /// Labels to add (not currently on the issue).
    pub add_labels: BTreeSet<LabelName>,
    /// Labels to remove (currently on the issue).
    pub remove_labels: BTreeSet<LabelName>,
    /// The complete desired assignee list, or `None` to leave assignees as they are.
    pub assignees: Option<Vec<Username>>,
    /// The desired due date, or `None` to leave it as it is.
    pub due_date: Option<NaiveDate>,
    /// Owned notes to create or update (by key).
    pub notes: Vec<PlannedNote>,
    /// Close or reopen the issue, or `None` to leave its state as it is. Only planned when
    /// the issue is not already in that state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateChange>,
    /// Rules that matched and why (not part of the JSON `plan` object; see `Decision`).
    #[serde(skip)]
    pub matched_rules: Vec<MatchedRule>,
}

impl Plan {
    /// True when the plan changes nothing on the issue's metadata and writes no notes.
    pub fn is_empty(&self) -> bool {
        self.add_labels.is_empty()
            && self.remove_labels.is_empty()
            && self.assignees.is_none()
            && self.due_date.is_none()
            && self.notes.is_empty()
            && self.state.is_none()
    }
}
