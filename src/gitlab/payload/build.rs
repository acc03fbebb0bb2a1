//! From picked fields to Steward's types: the issue and note events of the full decoding, and
//! the routing trigger of the webhook receiver, both built on the same checks of the fields an
//! issue cannot do without ([`core`]), so the two never disagree on what is decodable.

use chrono::{DateTime, NaiveDate, Utc};

use super::raw::{Id, Picked, pick};
use super::{Actor, IssueEvent, NoteEvent, PayloadError, Trigger, parse_timestamp};
use steward_core::model::{
    Issue, IssueId, IssueIid, IssueState, NoteId, ProjectId, UserId, UserRef, Username,
};

/// Top-level fields of a hook body.
pub(super) const HOOK: &[&str] = &[
    "object_kind",
    "event_type",
    "user",
    "project",
    "project_id",
    "object_attributes",
    "labels",
    "assignees",
    "changes",
    "issue",
];
const USER: &[&str] = &["id", "username", "name"];
const PROJECT: &[&str] = &["id", "path_with_namespace"];
const ASSIGNEE: &[&str] = &["id", "username"];
const NOTE: &[&str] = &["id", "note", "noteable_type", "project_id"];
/// `object_attributes` of an Issue Hook, or the `issue` embedded in a Note Hook.
const ISSUE: &[&str] = &[
    "id",
    "iid",
    "project_id",
    "title",
    "description",
    "state",
    "state_id",
    "action",
    "created_at",
    "updated_at",
    "closed_at",
    "due_date",
    "author_id",
    "assignee_ids",
    "confidential",
    "url",
    "labels",
    "type",
];

/// What every decodable issue has.
struct Core {
    id: u64,
    iid: u64,
    project_id: u64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn required(id: Id, field: &'static str) -> Result<u64, PayloadError> {
    match id {
        Id::Valid(n) => Ok(n),
        Id::Absent => Err(PayloadError::MissingField { field }),
        Id::Invalid(value) => Err(PayloadError::IdOutOfRange { field, value }),
    }
}

fn core(a: &Picked<'_>, project_id: Id) -> Result<Core, PayloadError> {
    let id = required(a.id("id"), "object_attributes.id")?;
    let iid = required(a.id("iid"), "object_attributes.iid")?;
    let project_id = required(project_id, "object_attributes.project_id")?;
    let stamp = |name| a.get::<String>(name).as_deref().and_then(parse_timestamp);
    let (created_at, updated_at) = match (stamp("created_at"), stamp("updated_at")) {
        (Some(c), Some(u)) => (c, u),
        (Some(c), None) => (c, c),
        (None, Some(u)) => (u, u),
        (None, None) => {
            return Err(PayloadError::MissingField {
                field: "object_attributes.created_at",
            });
        }
    };
    Ok(Core {
        id,
        iid,
        project_id,
        created_at,
        updated_at,
    })
}

/// The project of an issue event: `project.id`, else `object_attributes.project_id`, else the
/// top-level `project_id`.
fn issue_project(hook: &Picked<'_>, attrs: &Picked<'_>) -> Id {
    hook.object("project", PROJECT)
        .map_or(Id::Absent, |p| p.id("id"))
        .or(attrs.id("project_id"))
        .or(hook.id("project_id"))
}

/// The project of a note event: the top-level `project_id`, else `project.id`, else
/// `object_attributes.project_id`. Not an error when absent; an error when out of range.
fn note_project(
    hook: &Picked<'_>,
    attrs: Option<&Picked<'_>>,
) -> Result<Option<u64>, PayloadError> {
    let id = hook
        .id("project_id")
        .or(hook
            .object("project", PROJECT)
            .map_or(Id::Absent, |p| p.id("id")))
        .or(attrs.map_or(Id::Absent, |a| a.id("project_id")));
    match id {
        Id::Absent => Ok(None),
        id => required(id, "project_id").map(Some),
    }
}

/// The routing trigger of an issue or note event (what the receiver needs, nothing else).
pub(super) fn trigger(hook: &Picked<'_>, kind: &str) -> Result<Trigger, PayloadError> {
    let object_kind = hook.get::<String>("object_kind");
    if kind == "note" {
        let attrs = hook.object("object_attributes", NOTE);
        let project = note_project(hook, attrs.as_ref())?;
        let iid = hook.object("issue", ISSUE).and_then(|i| {
            let project = i.id("project_id").or(project.map_or(Id::Absent, Id::Valid));
            core(&i, project).ok().map(|c| IssueIid(c.iid))
        });
        return Ok(Trigger::Note {
            project: project.map(ProjectId),
            iid,
        });
    }
    let attrs = hook
        .object("object_attributes", ISSUE)
        .ok_or(PayloadError::NoObjectAttributes)?;
    let c = core(&attrs, issue_project(hook, &attrs))?;
    Ok(Trigger::Issue {
        object_kind: object_kind.unwrap_or_else(|| "issue".to_owned()),
        actor: hook
            .object("user", USER)
            .and_then(|u| u.get::<u64>("id"))
            .map(UserId),
        project: ProjectId(c.project_id),
        iid: IssueIid(c.iid),
        project_path: hook
            .object("project", PROJECT)
            .and_then(|p| p.get::<String>("path_with_namespace")),
    })
}

fn actor(user: Option<&Picked<'_>>) -> Option<Actor> {
    user.map(|u| Actor {
        id: u.get::<u64>("id").map(UserId),
        username: u.get::<String>("username").map(Username),
        name: u.get::<String>("name"),
    })
}

/// The full issue event of a hook body.
pub(super) fn issue_event(hook: &Picked<'_>) -> Result<IssueEvent, PayloadError> {
    let attrs = hook
        .object("object_attributes", ISSUE)
        .ok_or(PayloadError::NoObjectAttributes)?;
    let object_kind = hook
        .get::<String>("object_kind")
        .unwrap_or_else(|| "issue".to_owned());
    let event_type = hook.get::<String>("event_type");
    let confidential_event = event_type
        .as_deref()
        .is_some_and(|t| t.starts_with("confidential_"));
    let action = attrs.get::<String>("action");
    let user = hook.object("user", USER);
    // GITLAB.md §5.3: the hook's `user` is the actor; on `open` the actor is the author. Old
    // payloads have no `user.id`, then `author_id` supplies it.
    let author_id = attrs.get::<u64>("author_id");
    let author = user.as_ref().and_then(|u| {
        let username = u.get::<String>("username")?;
        let id = u.get::<u64>("id");
        let id = if action.as_deref() == Some("open") {
            id.or(author_id)?
        } else {
            id.filter(|id| Some(*id) == author_id)?
        };
        Some(UserRef {
            id: UserId(id),
            username: Username(username),
        })
    });
    let project = issue_project(hook, &attrs);
    let labels = hook
        .label_titles("labels")
        .or_else(|| attrs.label_titles("labels"));
    let assignees = assignees(hook.array("assignees"), attrs.get("assignee_ids"));
    let issue = build_issue(
        &attrs,
        project,
        labels,
        assignees,
        author,
        confidential_event,
    )?;
    Ok(IssueEvent {
        object_kind,
        event_type,
        action,
        actor: actor(user.as_ref()),
        issue,
        changes_keys: hook.keys_of("changes"),
    })
}

/// The full note event of a hook body.
pub(super) fn note_event(hook: &Picked<'_>) -> Result<NoteEvent, PayloadError> {
    let attrs = hook.object("object_attributes", NOTE);
    let project_id = note_project(hook, attrs.as_ref())?;
    let user = hook.object("user", USER);
    // `confidential_note` also covers internal notes on public issues (GITLAB.md §5.4), so it
    // says nothing about the issue: only the embedded issue's own flag counts.
    let issue = hook.object("issue", ISSUE).and_then(|i| {
        // The embedded issue's author is only known when the commenter wrote it.
        let author_id = i.get::<u64>("author_id");
        let author = user.as_ref().and_then(|u| {
            let id = u.get::<u64>("id").filter(|id| Some(*id) == author_id)?;
            Some(UserRef {
                id: UserId(id),
                username: Username(u.get::<String>("username")?),
            })
        });
        let assignees = assignees(None, i.get("assignee_ids"));
        let project = i
            .id("project_id")
            .or(project_id.map_or(Id::Absent, Id::Valid));
        build_issue(
            &i,
            project,
            i.label_titles("labels"),
            assignees,
            author,
            false,
        )
        .ok()
    });
    let attrs = attrs.as_ref();
    Ok(NoteEvent {
        actor: actor(user.as_ref()),
        note_id: attrs.and_then(|a| a.get::<u64>("id")).map(NoteId),
        note_body: attrs
            .and_then(|a| a.get::<String>("note"))
            .unwrap_or_default(),
        noteable_type: attrs.and_then(|a| a.get::<String>("noteable_type")),
        issue,
        project_id: project_id.map(ProjectId),
    })
}

/// Assignees with both id and username. Webhook assignee objects may lack `id` (the doc
/// example does); then they are paired with `assignee_ids` when the counts agree.
fn assignees(
    objects: Option<Vec<&serde_json::value::RawValue>>,
    ids: Option<Vec<u64>>,
) -> Vec<UserRef> {
    let Some(objects) = objects else {
        return Vec::new();
    };
    let ids = ids.filter(|ids| ids.len() == objects.len());
    objects
        .iter()
        .enumerate()
        .filter_map(|(i, raw)| {
            let v = pick(raw, ASSIGNEE)?;
            let username = v.get::<String>("username")?;
            let id = v
                .get::<u64>("id")
                .or_else(|| ids.as_ref().map(|ids| ids[i]))?;
            Some(UserRef {
                id: UserId(id),
                username: Username(username),
            })
        })
        .collect()
}

fn build_issue(
    a: &Picked<'_>,
    project_id: Id,
    labels: Option<std::collections::BTreeSet<steward_core::model::LabelName>>,
    assignees: Vec<UserRef>,
    author: Option<UserRef>,
    confidential_event: bool,
) -> Result<Issue, PayloadError> {
    let c = core(a, project_id)?;
    let state = match (
        a.get::<String>("state").as_deref(),
        a.get::<u64>("state_id"),
    ) {
        (Some("closed"), _) | (None, Some(2)) => IssueState::Closed,
        _ => IssueState::Opened,
    };
    Ok(Issue {
        project_id: ProjectId(c.project_id),
        id: IssueId(c.id),
        iid: IssueIid(c.iid),
        title: a.get::<String>("title").unwrap_or_default(),
        description: a.get::<String>("description").unwrap_or_default(),
        state,
        labels: labels.unwrap_or_default(),
        assignees,
        author,
        created_at: c.created_at,
        updated_at: c.updated_at,
        due_date: a
            .get::<String>("due_date")
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()),
        confidential: a.get::<bool>("confidential").unwrap_or(false) || confidential_event,
        web_url: a.get::<String>("url").unwrap_or_default(),
        owned_note_keys: Default::default(),
        managed_due_date: None,
        waiting: Default::default(),
        user_notes_count: None,
        last_human_activity_at: None,
        work_item_type: a.get::<String>("type"),
        closed_at: a
            .get::<String>("closed_at")
            .as_deref()
            .and_then(parse_timestamp),
    })
}
