//! Lenient decoding of GitLab webhook bodies (Issue, Confidential Issue, work item, Note and
//! Confidential Note Hooks) into Steward's domain types.
//!
//! Decoding only: no verification of tokens or signatures, no I/O, no decisions. Lenient by
//! design (CONVENTIONS.md habit 4): every field is optional, a field of an unexpected type is
//! treated as absent, unknown fields are ignored, because GitLab adds fields every month
//! (GITLAB.md §5.6). Never panics on any input.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, NoteId, ProjectId, UserId, UserRef, Username,
};

/// Why a webhook body could not be decoded. Each message is one line for the person running
/// `steward plan` or reading the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The body is not JSON at all.
    #[error("not JSON (line {line} column {column}: {message})")]
    NotJson {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// What the JSON parser expected.
        message: String,
    },
    /// The body is JSON but not an object.
    #[error("not a webhook body: expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    /// An issue event without its `object_attributes`.
    #[error("no `object_attributes`: this is not an Issue Hook body")]
    NoObjectAttributes,
    /// `issue_from_hook` was given another kind of event.
    #[error("object_kind is `{0}`, not an issue")]
    NotAnIssue(String),
    /// A field Steward cannot do without is missing or malformed.
    #[error("`{field}` is missing or malformed; an issue needs it")]
    MissingField {
        /// JSON path of the field (`object_attributes.iid`).
        field: &'static str,
    },
}

/// Who made the change (the hook's `user`). Old GitLab versions omit the id (GITLAB.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// Stable id, when sent.
    pub id: Option<UserId>,
    /// Username, when sent.
    pub username: Option<Username>,
    /// Display name, when sent.
    pub name: Option<String>,
}

/// An Issue Hook (or Confidential Issue Hook, or work item) event.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueEvent {
    /// `issue` or `work_item`.
    pub object_kind: String,
    /// `issue`, `confidential_issue`, `work_item`, `confidential_work_item`, when sent.
    pub event_type: Option<String>,
    /// `open`, `close`, `reopen` or `update`, when sent.
    pub action: Option<String>,
    /// Who made the change.
    pub actor: Option<Actor>,
    /// The issue as the payload describes it (a trigger only: re-read it before acting).
    pub issue: Issue,
    /// The keys of `changes` (`labels`, `description`, `updated_at`, …), sorted.
    pub changes_keys: Vec<String>,
}

/// A Note Hook (or Confidential Note Hook) event.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteEvent {
    /// Who wrote or edited the note.
    pub actor: Option<Actor>,
    /// The note's id, when sent.
    pub note_id: Option<NoteId>,
    /// The note's Markdown body (empty when absent).
    pub note_body: String,
    /// `Issue`, `MergeRequest`, `Commit`, `Snippet`, when sent.
    pub noteable_type: Option<String>,
    /// The commented issue, for notes on issues.
    pub issue: Option<Issue>,
    /// The project, when known.
    pub project_id: Option<ProjectId>,
}

/// A decoded webhook body.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    /// An issue or work item was opened, updated, closed or reopened.
    Issue(IssueEvent),
    /// A comment was created or edited.
    Note(NoteEvent),
    /// Any other event (push, merge request, …); Steward ignores these.
    Other {
        /// The body's `object_kind` (or the header's event name when absent).
        object_kind: String,
    },
}

/// Decodes a webhook body. `event_header` is `X-Gitlab-Event`, used only when the body has no
/// `object_kind`.
pub fn decode(event_header: Option<&str>, body: &[u8]) -> Result<WebhookEvent, PayloadError> {
    let raw = parse_raw(body)?;
    let kind = raw
        .object_kind
        .clone()
        .or_else(|| event_header.and_then(kind_from_header).map(str::to_owned));
    match kind.as_deref() {
        Some("issue" | "work_item") => Ok(WebhookEvent::Issue(issue_event(raw)?)),
        Some("note") => Ok(WebhookEvent::Note(note_event(raw))),
        Some(other) => Ok(WebhookEvent::Other {
            object_kind: other.to_owned(),
        }),
        None => Ok(WebhookEvent::Other {
            object_kind: event_header.unwrap_or_default().to_owned(),
        }),
    }
}

/// Decodes an Issue Hook body (as `steward plan` reads one from a file). A body without
/// `object_kind` is taken as an issue if it has `object_attributes`.
pub fn issue_from_hook(body: &[u8]) -> Result<IssueEvent, PayloadError> {
    let raw = parse_raw(body)?;
    match raw.object_kind.as_deref() {
        None | Some("issue" | "work_item") => issue_event(raw),
        Some(other) => Err(PayloadError::NotAnIssue(other.to_owned())),
    }
}

/// Parses the timestamp formats GitLab sends (GITLAB.md §1.7): RFC 3339
/// (`2013-12-03T17:15:43Z`, with or without milliseconds), `2017-09-15 16:50:55 UTC`, and
/// `2026-07-28 15:09:25 -0700` from non-UTC self-managed instances.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Some(naive) = s.strip_suffix(" UTC").or_else(|| s.strip_suffix('Z')) {
        for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(naive, fmt) {
                return Some(t.and_utc());
            }
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

fn kind_from_header(header: &str) -> Option<&'static str> {
    match header.trim() {
        "Issue Hook" | "Confidential Issue Hook" => Some("issue"),
        "Note Hook" | "Confidential Note Hook" => Some("note"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Raw wire types. Every field goes through `lenient`, so a wrong type reads as absent.

fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawHook {
    #[serde(deserialize_with = "lenient")]
    object_kind: Option<String>,
    #[serde(deserialize_with = "lenient")]
    event_type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    user: Option<RawUser>,
    #[serde(deserialize_with = "lenient")]
    project: Option<RawProject>,
    #[serde(deserialize_with = "lenient")]
    project_id: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    object_attributes: Option<Map<String, Value>>,
    #[serde(deserialize_with = "lenient")]
    labels: Option<Vec<Value>>,
    #[serde(deserialize_with = "lenient")]
    assignees: Option<Vec<Value>>,
    #[serde(deserialize_with = "lenient")]
    changes: Option<Map<String, Value>>,
    #[serde(deserialize_with = "lenient")]
    issue: Option<RawIssue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawUser {
    #[serde(deserialize_with = "lenient")]
    id: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    username: Option<String>,
    #[serde(deserialize_with = "lenient")]
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawProject {
    #[serde(deserialize_with = "lenient")]
    id: Option<u64>,
}

/// `object_attributes` of an Issue Hook, or the `issue` embedded in a Note Hook.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawIssue {
    #[serde(deserialize_with = "lenient")]
    id: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    iid: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    project_id: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    title: Option<String>,
    #[serde(deserialize_with = "lenient")]
    description: Option<String>,
    #[serde(deserialize_with = "lenient")]
    state: Option<String>,
    #[serde(deserialize_with = "lenient")]
    state_id: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    action: Option<String>,
    #[serde(deserialize_with = "lenient")]
    created_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    updated_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    closed_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    due_date: Option<String>,
    #[serde(deserialize_with = "lenient")]
    author_id: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    assignee_ids: Option<Vec<u64>>,
    #[serde(deserialize_with = "lenient")]
    confidential: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    url: Option<String>,
    #[serde(deserialize_with = "lenient")]
    labels: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNote {
    #[serde(deserialize_with = "lenient")]
    id: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    note: Option<String>,
    #[serde(deserialize_with = "lenient")]
    noteable_type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    project_id: Option<u64>,
}

fn parse_raw(body: &[u8]) -> Result<RawHook, PayloadError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; the position is reported separately.
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        PayloadError::NotJson {
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    let kind = match &value {
        Value::Object(_) => None,
        Value::Null => Some("null"),
        Value::Bool(_) => Some("a boolean"),
        Value::Number(_) => Some("a number"),
        Value::String(_) => Some("a string"),
        Value::Array(_) => Some("an array"),
    };
    if let Some(kind) = kind {
        return Err(PayloadError::NotAnObject(kind));
    }
    // Every field is lenient, so an object always converts.
    Ok(serde_json::from_value(value).unwrap_or_default())
}

fn actor(raw: &Option<RawUser>) -> Option<Actor> {
    raw.as_ref().map(|u| Actor {
        id: u.id.map(UserId),
        username: u.username.clone().map(Username),
        name: u.name.clone(),
    })
}

fn issue_event(raw: RawHook) -> Result<IssueEvent, PayloadError> {
    let attrs_map = raw
        .object_attributes
        .ok_or(PayloadError::NoObjectAttributes)?;
    let attrs: RawIssue = serde_json::from_value(Value::Object(attrs_map)).unwrap_or_default();
    let object_kind = raw
        .object_kind
        .clone()
        .unwrap_or_else(|| "issue".to_owned());
    let confidential_event = raw
        .event_type
        .as_deref()
        .is_some_and(|t| t.starts_with("confidential_"));
    let action = attrs.action.clone();
    // GITLAB.md §5.3: the hook's `user` is the actor; on `open` the actor is the author. Old
    // payloads have no `user.id`, then `author_id` supplies it.
    let author = raw.user.as_ref().and_then(|u| {
        let username = u.username.clone()?;
        let id = if action.as_deref() == Some("open") {
            u.id.or(attrs.author_id)?
        } else {
            u.id.filter(|id| Some(*id) == attrs.author_id)?
        };
        Some(UserRef {
            id: UserId(id),
            username: Username(username),
        })
    });
    let project_id = raw
        .project
        .as_ref()
        .and_then(|p| p.id)
        .or(attrs.project_id)
        .or(raw.project_id);
    let labels = raw.labels.as_ref().or(attrs.labels.as_ref());
    let assignees = assignees(raw.assignees.as_deref(), attrs.assignee_ids.as_deref());
    let issue = build_issue(
        &attrs,
        project_id,
        labels,
        assignees,
        author,
        confidential_event,
    )?;
    let mut changes_keys: Vec<String> = raw
        .changes
        .map(|c| c.into_iter().map(|(k, _)| k).collect())
        .unwrap_or_default();
    changes_keys.sort();
    Ok(IssueEvent {
        object_kind,
        event_type: raw.event_type,
        action,
        actor: actor(&raw.user),
        issue,
        changes_keys,
    })
}

fn note_event(raw: RawHook) -> NoteEvent {
    let attrs: RawNote = raw
        .object_attributes
        .map(|m| serde_json::from_value(Value::Object(m)).unwrap_or_default())
        .unwrap_or_default();
    let project_id = raw
        .project_id
        .or(raw.project.as_ref().and_then(|p| p.id))
        .or(attrs.project_id);
    // `confidential_note` also covers internal notes on public issues (GITLAB.md §5.4), so it
    // says nothing about the issue: only the embedded issue's own flag counts.
    let issue = raw.issue.as_ref().and_then(|i| {
        // The embedded issue's author is only known when the commenter wrote it.
        let author = raw.user.as_ref().and_then(|u| {
            let id = u.id.filter(|id| Some(*id) == i.author_id)?;
            Some(UserRef {
                id: UserId(id),
                username: Username(u.username.clone()?),
            })
        });
        let assignees = assignees(None, i.assignee_ids.as_deref());
        build_issue(
            i,
            i.project_id.or(project_id),
            i.labels.as_ref(),
            assignees,
            author,
            false,
        )
        .ok()
    });
    NoteEvent {
        actor: actor(&raw.user),
        note_id: attrs.id.map(NoteId),
        note_body: attrs.note.unwrap_or_default(),
        noteable_type: attrs.noteable_type,
        issue,
        project_id: project_id.map(ProjectId),
    }
}

/// Assignees with both id and username. Webhook assignee objects may lack `id` (the doc
/// example does); then they are paired with `assignee_ids` when the counts agree.
fn assignees(objects: Option<&[Value]>, ids: Option<&[u64]>) -> Vec<UserRef> {
    let Some(objects) = objects else {
        return Vec::new();
    };
    let ids = ids.filter(|ids| ids.len() == objects.len());
    objects
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let username = v.get("username")?.as_str()?;
            let id = v
                .get("id")
                .and_then(Value::as_u64)
                .or_else(|| ids.map(|ids| ids[i]))?;
            Some(UserRef {
                id: UserId(id),
                username: Username(username.to_owned()),
            })
        })
        .collect()
}

fn label_titles(labels: Option<&Vec<Value>>) -> BTreeSet<LabelName> {
    labels
        .into_iter()
        .flatten()
        .filter_map(|l| match l {
            // Webhooks send label objects with `title`; REST sends plain names (§2.1).
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("title").and_then(Value::as_str),
            _ => None,
        })
        .map(LabelName::from)
        .collect()
}

fn build_issue(
    a: &RawIssue,
    project_id: Option<u64>,
    labels: Option<&Vec<Value>>,
    assignees: Vec<UserRef>,
    author: Option<UserRef>,
    confidential_event: bool,
) -> Result<Issue, PayloadError> {
    let id = a.id.ok_or(PayloadError::MissingField {
        field: "object_attributes.id",
    })?;
    let iid = a.iid.ok_or(PayloadError::MissingField {
        field: "object_attributes.iid",
    })?;
    let project_id = project_id.ok_or(PayloadError::MissingField {
        field: "object_attributes.project_id",
    })?;
    let created = a.created_at.as_deref().and_then(parse_timestamp);
    let updated = a.updated_at.as_deref().and_then(parse_timestamp);
    let (created_at, updated_at) = match (created, updated) {
        (Some(c), Some(u)) => (c, u),
        (Some(c), None) => (c, c),
        (None, Some(u)) => (u, u),
        (None, None) => {
            return Err(PayloadError::MissingField {
                field: "object_attributes.created_at",
            });
        }
    };
    let state = match (a.state.as_deref(), a.state_id) {
        (Some("closed"), _) | (None, Some(2)) => IssueState::Closed,
        _ => IssueState::Opened,
    };
    Ok(Issue {
        project_id: ProjectId(project_id),
        id: IssueId(id),
        iid: IssueIid(iid),
        title: a.title.clone().unwrap_or_default(),
        description: a.description.clone().unwrap_or_default(),
        state,
        labels: label_titles(labels),
        assignees,
        author,
        created_at,
        updated_at,
        due_date: a
            .due_date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()),
        confidential: a.confidential.unwrap_or(false) || confidential_event,
        web_url: a.url.clone().unwrap_or_default(),
        owned_note_keys: BTreeSet::new(),
        managed_due_date: None,
        closed_at: a.closed_at.as_deref().and_then(parse_timestamp),
    })
}
