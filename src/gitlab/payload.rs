//! Lenient decoding of GitLab webhook bodies (Issue, Confidential Issue, work item, Note and
//! Confidential Note Hooks) into Steward's domain types.
//!
//! Decoding only: no verification of tokens or signatures, no I/O, no decisions. Lenient by
//! design (CONVENTIONS.md habit 4): every field is optional, a field of an unexpected type is
//! treated as absent, unknown fields are ignored, because GitLab adds fields every month
//! (GITLAB.md §5.6). Never panics on any input.

mod build;
mod labels;
mod raw;

use chrono::{DateTime, NaiveDateTime, Utc};

use steward_core::model::{Issue, IssueIid, NoteId, ProjectId, UserId, Username};

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
    /// An id is a number no GitLab id can be (negative, fractional, or beyond the 64-bit
    /// signed range the store holds).
    #[error(
        "`{field}` is {value}, which is not a GitLab id (an integer from 0 to \
         9223372036854775807)"
    )]
    IdOutOfRange {
        /// JSON path of the field.
        field: &'static str,
        /// The number as written (at most 40 characters).
        value: String,
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

/// What the webhook receiver needs to route a delivery, decoded without building the rest of
/// the body (labels, descriptions, changes). Decodable exactly when [`decode`] is, with the
/// same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// An issue or work item event.
    Issue {
        /// `issue` or `work_item`.
        object_kind: String,
        /// The actor's id, when sent.
        actor: Option<UserId>,
        /// The project.
        project: ProjectId,
        /// The issue.
        iid: IssueIid,
        /// The project's full path (`project.path_with_namespace`), when sent: work items
        /// the Issues API does not show are read through GraphQL by path (GITLAB.md §6.1).
        project_path: Option<String>,
    },
    /// A comment.
    Note {
        /// The project, when known.
        project: Option<ProjectId>,
        /// The commented issue, for notes on issues.
        iid: Option<IssueIid>,
    },
    /// Any other event.
    Other {
        /// The body's `object_kind` (or the header's event name when absent).
        object_kind: String,
    },
}

/// The kind a body is decoded as: its own `object_kind`, else the one its header names; when
/// neither says, the header's text itself (or nothing) names an event Steward does not handle.
fn kind_of(hook: &raw::Picked<'_>, event_header: Option<&str>) -> Result<String, String> {
    hook.get::<String>("object_kind")
        .or_else(|| event_header.and_then(kind_from_header).map(str::to_owned))
        .ok_or_else(|| event_header.unwrap_or_default().to_owned())
}

/// Decodes a webhook body. `event_header` is `X-Gitlab-Event`, used only when the body has no
/// `object_kind`.
pub fn decode(event_header: Option<&str>, body: &[u8]) -> Result<WebhookEvent, PayloadError> {
    let hook = parse_body(body)?;
    match kind_of(&hook, event_header)
        .as_deref()
        .map_err(String::as_str)
    {
        Ok("issue" | "work_item") => Ok(WebhookEvent::Issue(build::issue_event(&hook)?)),
        Ok("note") => Ok(WebhookEvent::Note(build::note_event(&hook)?)),
        Ok(other) | Err(other) => Ok(WebhookEvent::Other {
            object_kind: other.to_owned(),
        }),
    }
}

/// Decodes what routing a delivery needs (see [`Trigger`]): memory stays near the body's own
/// size whatever the body holds.
pub fn decode_trigger(event_header: Option<&str>, body: &[u8]) -> Result<Trigger, PayloadError> {
    let hook = parse_body(body)?;
    match kind_of(&hook, event_header)
        .as_deref()
        .map_err(String::as_str)
    {
        Ok(kind @ ("issue" | "work_item" | "note")) => build::trigger(&hook, kind),
        Ok(other) | Err(other) => Ok(Trigger::Other {
            object_kind: other.to_owned(),
        }),
    }
}

/// Decodes an Issue Hook body (as `steward plan` reads one from a file). A body without
/// `object_kind` is taken as an issue if it has `object_attributes`.
pub fn issue_from_hook(body: &[u8]) -> Result<IssueEvent, PayloadError> {
    let hook = parse_body(body)?;
    match hook.get::<String>("object_kind").as_deref() {
        None | Some("issue" | "work_item") => build::issue_event(&hook),
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

fn parse_body(body: &[u8]) -> Result<raw::Picked<'_>, PayloadError> {
    let picked = raw::pick_body(body, build::HOOK).map_err(|e| {
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
    picked.map_err(PayloadError::NotAnObject)
}
