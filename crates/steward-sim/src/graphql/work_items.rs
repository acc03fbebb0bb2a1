//! The work-item queries and `workItemUpdate` (GITLAB.md §6.1, §6.2): an item by namespace
//! path and iid (a project's issues of any type, a group's epics), an item's notes widget by
//! global id (discussions, paged), a project's labels by search term, and the labels,
//! assignees and start-and-due-date widgets of `workItemUpdate`, applied like the UI's edits
//! (system notes, webhooks).

use serde_json::{Value, json};

use super::super::api::ApiError;
use super::super::state::{Issue, Note, Project, State};
use super::super::{Shared, lock, ops, render, webhooks};
use super::parse::first_arg;
use super::{NOT_FOUND, arg, failure_json as failure, gid};
use steward_core::model::{IssueState, ProjectId, UserId};

fn user_json(st: &State, id: UserId) -> Value {
    json!({ "id": format!("gid://gitlab/User/{}", id.0), "username": st.username(id) })
}

fn note_json(st: &State, n: &Note) -> Value {
    json!({
        "id": format!("gid://gitlab/Note/{}", n.id),
        "body": n.body,
        "system": n.system,
        "internal": n.internal,
        "createdAt": render::ts_rest(n.created_at),
        "updatedAt": render::ts_rest(n.updated_at),
        "author": user_json(st, n.author),
    })
}

/// One page of an item's discussions (every note is its own discussion here). The cursor is
/// the index of the next discussion, opaque to clients.
fn discussions(st: &State, notes: &[Note], first: usize, after: Option<&str>) -> Value {
    let start: usize = after.and_then(|a| a.parse().ok()).unwrap_or(0);
    let end = (start + first).min(notes.len());
    let nodes: Vec<Value> = notes
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|n| json!({ "notes": { "nodes": [note_json(st, n)] } }))
        .collect();
    json!({
        "pageInfo": { "hasNextPage": end < notes.len(), "endCursor": end.to_string() },
        "nodes": nodes,
    })
}

fn item_json(st: &State, p: &Project, i: &Issue, notes: Value) -> Value {
    let t = st.work_items.of(&p.path, i.id);
    let labels: Vec<Value> = i
        .labels
        .iter()
        .filter_map(|l| p.labels.iter().find(|x| &x.name == l))
        .map(|l| json!({ "id": format!("gid://gitlab/ProjectLabel/{}", l.id), "title": l.name }))
        .collect();
    let assignees: Vec<Value> = i.assignees.iter().map(|a| user_json(st, *a)).collect();
    json!({
        "id": format!("gid://gitlab/WorkItem/{}", i.id),
        "iid": i.iid.to_string(),
        "title": i.title,
        "description": i.description,
        "state": match i.state { IssueState::Opened => "OPEN", IssueState::Closed => "CLOSED" },
        "confidential": i.confidential,
        "webUrl": format!("{}/{}/-/work_items/{}", st.web_base, p.path, i.iid),
        "createdAt": render::ts_rest(i.created_at),
        "updatedAt": render::ts_rest(i.updated_at),
        "closedAt": i.closed_at.map(render::ts_rest),
        "author": user_json(st, i.author),
        "workItemType": { "id": format!("gid://gitlab/WorkItems::Type/{}", t.id), "name": t.name },
        "widgets": [
            { "type": "LABELS", "labels": { "nodes": labels } },
            { "type": "ASSIGNEES", "assignees": { "nodes": assignees } },
            { "type": "START_AND_DUE_DATE", "startDate": Value::Null,
              "dueDate": i.due_date.map(|d| d.format("%Y-%m-%d").to_string()) },
            { "type": "NOTES", "discussions": notes },
        ],
    })
}

fn data(field: &str, value: Value) -> Value {
    json!({ "data": { field: value } })
}

/// `namespace(fullPath) { workItem(iid) { … } }`: a project's item of any type, or a group's
/// epic (its work item).
pub(super) fn namespace_item(sh: &Shared, query: &str, vars: &Value) -> Value {
    let (Some(path), Some(iid)) = (arg(query, vars, "fullPath"), arg(query, vars, "iid")) else {
        return failure("namespace", "fullPath and iid are required");
    };
    let iid: u64 = iid.parse().unwrap_or(0);
    let st = lock(&sh.state);
    let item = if let Some(p) = st.project_ref(&path).and_then(|id| st.project(id)) {
        p.issues
            .get(&iid)
            .map(|i| item_json(&st, p, i, discussions(&st, &i.notes, 20, None)))
    } else if let Some(g) = st.group_ref(&path).and_then(|id| st.group(id)) {
        g.epics.iter().find(|e| e.iid == iid).map(|e| {
            json!({
                "id": format!("gid://gitlab/WorkItem/{}", e.work_item_id),
                "iid": e.iid.to_string(),
                "title": e.title,
                "workItemType": { "id": "gid://gitlab/WorkItems::Type/8", "name": "Epic" },
            })
        })
    } else {
        return data("namespace", Value::Null);
    };
    data("namespace", json!({ "workItem": item }))
}

/// `workItem(id) { widgets { … discussions } }`: an item (or an epic's work item) by global id.
pub(super) fn item_by_id(sh: &Shared, query: &str, vars: &Value) -> Value {
    let Some(wi) = arg(query, vars, "id").and_then(|g| gid(&g, "WorkItem")) else {
        return data("workItem", Value::Null);
    };
    let first = first_arg(query, "discussions").unwrap_or(20).min(100);
    let after = arg(query, vars, "after");
    let st = lock(&sh.state);
    if let Some((pid, iid)) = st.issue_by_global_id(wi) {
        let (Some(p), Some(i)) = (st.project(pid), st.issue(pid, iid)) else {
            return data("workItem", Value::Null);
        };
        let notes = discussions(&st, &i.notes, first, after.as_deref());
        return data("workItem", item_json(&st, p, i, notes));
    }
    if let Some((g, epic_id)) = st.epic_by_work_item(wi) {
        let epic = st
            .group(g)
            .and_then(|g| g.epics.iter().find(|e| e.id == epic_id));
        if let Some(e) = epic {
            let notes = discussions(&st, &e.notes, first, after.as_deref());
            return data(
                "workItem",
                json!({
                    "id": format!("gid://gitlab/WorkItem/{wi}"),
                    "iid": e.iid.to_string(),
                    "title": e.title,
                    "widgets": [{ "type": "NOTES", "discussions": notes }],
                }),
            );
        }
    }
    data("workItem", Value::Null)
}

/// `project(fullPath) { labels(searchTerm) { nodes { id title } } }` (substring match).
pub(super) fn project_labels(sh: &Shared, query: &str, vars: &Value) -> Value {
    let Some(path) = arg(query, vars, "fullPath") else {
        return failure("project", "fullPath is required");
    };
    let search = arg(query, vars, "searchTerm")
        .or_else(|| arg(query, vars, "search"))
        .unwrap_or_default()
        .to_lowercase();
    let st = lock(&sh.state);
    let Some(p) = st.project_ref(&path).and_then(|id| st.project(id)) else {
        return data("project", Value::Null);
    };
    let nodes: Vec<Value> = p
        .labels
        .iter()
        .filter(|l| l.name.to_lowercase().contains(&search))
        .map(|l| json!({ "id": format!("gid://gitlab/ProjectLabel/{}", l.id), "title": l.name }))
        .collect();
    data("project", json!({ "labels": { "nodes": nodes } }))
}

fn ids_of(v: Option<&Value>, kind: &str) -> Vec<u64> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().and_then(|s| gid(s, kind)))
        .collect()
}

/// The label titles of the project's labels among `ids`; unknown ids are ignored, as GitLab's
/// widget service keeps only labels available to the item.
fn titles(p: &Project, ids: &[u64]) -> Vec<String> {
    ids.iter()
        .filter_map(|id| p.labels.iter().find(|l| l.id == *id))
        .map(|l| l.name.clone())
        .collect()
}

/// `workItemUpdate(input: $input)` with the labels, assignees and start-and-due-date widgets.
pub(super) fn update(
    sh: &Shared,
    me: UserId,
    uuid: Option<String>,
    vars: &Value,
) -> Result<Value, ApiError> {
    const F: &str = "workItemUpdate";
    let Some(input) = vars.get("input") else {
        return Ok(failure(
            F,
            "the simulator reads workItemUpdate's input from $input",
        ));
    };
    let Some(wi) = input
        .get("id")
        .and_then(Value::as_str)
        .and_then(|g| gid(g, "WorkItem"))
    else {
        return Ok(failure(F, NOT_FOUND));
    };
    let now = sh.now();
    let events = {
        let mut st = lock(&sh.state);
        let Some((pid, iid)) = st.issue_by_global_id(wi) else {
            return Ok(failure(F, NOT_FOUND));
        };
        let edit = edit_of(&st, pid, input);
        let single = sh.config.single_assignee;
        let (_, events) = ops::edit_issue(&mut st, pid, iid, me, edit, now, single)
            .map_err(|e| ApiError::from_op(e, "404 Issue Not Found"))?;
        events
    };
    webhooks::enqueue(sh, events, uuid);
    Ok(data(
        F,
        json!({ "workItem": { "id": format!("gid://gitlab/WorkItem/{wi}") }, "errors": [] }),
    ))
}

fn edit_of(st: &State, pid: ProjectId, input: &Value) -> ops::Edit {
    let mut edit = ops::Edit::default();
    if let (Some(p), Some(w)) = (st.project(pid), input.get("labelsWidget")) {
        edit.add_labels = titles(p, &ids_of(w.get("addLabelIds"), "ProjectLabel"));
        edit.remove_labels = titles(p, &ids_of(w.get("removeLabelIds"), "ProjectLabel"));
    }
    if let Some(w) = input.get("assigneesWidget") {
        let ids = ids_of(w.get("assigneeIds"), "User");
        edit.assignee_ids = Some(
            ids.into_iter()
                .map(UserId)
                .filter(|u| st.user(*u).is_some())
                .collect(),
        );
    }
    if let Some(due) = input
        .get("startAndDueDateWidget")
        .and_then(|w| w.get("dueDate"))
    {
        edit.due_date = Some(
            due.as_str()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        );
    }
    edit
}
