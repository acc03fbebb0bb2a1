//! What GitLab records about an issue edit: the system notes (label, assignee, due-date and
//! state changes; they never reach Note Hooks, GITLAB.md §2.2) and the webhook `changes` object
//! (§2.1). Pure functions of the before/after fields.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::Fields;
use crate::render;
use crate::state::{Issue, State};
use steward_core::model::{IssueState, ProjectId, UserId};

fn label_refs(st: &State, project: ProjectId, names: &[&String]) -> String {
    let p = st.project(project);
    names
        .iter()
        .map(
            |n| match p.and_then(|p| p.labels.iter().find(|l| &l.name == *n)) {
                Some(l) => format!("~{}", l.id),
                None => format!("~\"{n}\""),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// System notes GitLab writes for metadata changes (they never reach Note Hooks, §2.2).
pub(crate) fn system_notes(
    st: &State,
    project: ProjectId,
    before: &Fields,
    after: &Fields,
) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(label_note(st, project, before, after));
    if before.assignees != after.assignees {
        out.push(assignee_note(st, before, after));
    }
    if before.due != after.due {
        out.push(match after.due {
            Some(d) => format!("changed due date to {}", d.format("%B %-d, %Y")),
            None => "removed due date".to_owned(),
        });
    }
    if before.state != after.state {
        out.push(match after.state {
            IssueState::Closed => "closed".to_owned(),
            IssueState::Opened => "reopened".to_owned(),
        });
    }
    out
}

/// The system note for label changes (`added ~a label and removed ~b`), if any.
fn label_note(st: &State, project: ProjectId, before: &Fields, after: &Fields) -> Option<String> {
    let added: Vec<&String> = after
        .labels
        .iter()
        .filter(|l| !before.labels.contains(l))
        .collect();
    let removed: Vec<&String> = before
        .labels
        .iter()
        .filter(|l| !after.labels.contains(l))
        .collect();
    let plural = |n: usize| if n == 1 { "label" } else { "labels" };
    match (added.is_empty(), removed.is_empty()) {
        (false, true) => Some(format!(
            "added {} {}",
            label_refs(st, project, &added),
            plural(added.len())
        )),
        (true, false) => Some(format!(
            "removed {} {}",
            label_refs(st, project, &removed),
            plural(removed.len())
        )),
        (false, false) => Some(format!(
            "added {} {} and removed {} {}",
            label_refs(st, project, &added),
            plural(added.len()),
            label_refs(st, project, &removed),
            plural(removed.len())
        )),
        (true, true) => None,
    }
}

/// The system note for changed assignees (`assigned to @a and unassigned @b`).
fn assignee_note(st: &State, before: &Fields, after: &Fields) -> String {
    let names = |ids: &[UserId]| {
        ids.iter()
            .map(|i| format!("@{}", st.username(*i)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let new: Vec<UserId> = after
        .assignees
        .iter()
        .filter(|a| !before.assignees.contains(a))
        .copied()
        .collect();
    let gone: Vec<UserId> = before
        .assignees
        .iter()
        .filter(|a| !after.assignees.contains(a))
        .copied()
        .collect();
    match (new.is_empty(), gone.is_empty()) {
        (false, true) => format!("assigned to {}", names(&new)),
        (true, false) => format!("unassigned {}", names(&gone)),
        _ => format!(
            "assigned to {} and unassigned {}",
            names(&new),
            names(&gone)
        ),
    }
}

pub(crate) fn changes_object(
    st: &State,
    project: ProjectId,
    before: &Fields,
    after: &Fields,
    prev_updated: DateTime<Utc>,
    i: &Issue,
    prev_by: Option<UserId>,
) -> Value {
    let mut ch = Map::new();
    let mut put = |k: &str, p: Value, c: Value| {
        ch.insert(k.to_owned(), json!({ "previous": p, "current": c }));
    };
    if before.title != after.title {
        put("title", json!(before.title), json!(after.title));
    }
    if before.description != after.description {
        put(
            "description",
            json!(before.description),
            json!(after.description),
        );
    }
    if before.labels != after.labels
        && let Some(p) = st.project(project)
    {
        put(
            "labels",
            render::labels_hook(p, &before.labels),
            render::labels_hook(p, &after.labels),
        );
    }
    if before.assignees != after.assignees {
        put(
            "assignees",
            render::users_hook(st, &before.assignees),
            render::users_hook(st, &after.assignees),
        );
    }
    if before.due != after.due {
        put(
            "due_date",
            json!(before.due.map(|d| d.to_string())),
            json!(after.due.map(|d| d.to_string())),
        );
    }
    if before.state != after.state {
        let id = |s: IssueState| if s == IssueState::Opened { 1 } else { 2 };
        put("state_id", json!(id(before.state)), json!(id(after.state)));
    }
    if before.confidential != after.confidential {
        put(
            "confidential",
            json!(before.confidential),
            json!(after.confidential),
        );
    }
    if prev_by != i.updated_by {
        put(
            "updated_by_id",
            json!(prev_by.map(|u| u.0)),
            json!(i.updated_by.map(|u| u.0)),
        );
    }
    put(
        "updated_at",
        json!(render::ts_hook(prev_updated)),
        json!(render::ts_hook(i.updated_at)),
    );
    Value::Object(ch)
}

/// The `changes` keys an edit adds beside the fields (Code: `Gitlab::HookData::IssueBuilder`
/// reports every saved attribute; GITLAB.md §6.5): `last_edited_at`/`last_edited_by_id` when the
/// title or description changed, `closed_at`/`closed_by_id` when the state did.
pub(crate) fn add_edit_and_close_changes(
    ch: &mut Value,
    i: &Issue,
    prev_edit: (Option<DateTime<Utc>>, Option<UserId>),
    prev_closed: (Option<DateTime<Utc>>, Option<UserId>),
) {
    let Some(m) = ch.as_object_mut() else { return };
    let time = |t: Option<DateTime<Utc>>| json!(t.map(render::ts_hook));
    let user = |u: Option<UserId>| json!(u.map(|u| u.0));
    let mut put = |k: &str, p: Value, c: Value| {
        if p != c {
            m.insert(k.to_owned(), json!({ "previous": p, "current": c }));
        }
    };
    put("last_edited_at", time(prev_edit.0), time(i.last_edited_at));
    put(
        "last_edited_by_id",
        user(prev_edit.1),
        user(i.last_edited_by),
    );
    put("closed_at", time(prev_closed.0), time(i.closed_at));
    put("closed_by_id", user(prev_closed.1), user(i.closed_by));
}
