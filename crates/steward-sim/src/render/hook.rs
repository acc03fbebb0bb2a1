//! Webhook bodies: the `project`, `repository` and issue attributes of Issue and Note Hooks.

use serde_json::{Value, json};

use super::{
    description, issue_web_url, labels_hook, opt, state_str, ts_hook, user_hook, users_hook,
};
use crate::state::{Issue, Note, Project, State, User};
use steward_core::model::IssueState;

/// `project.hook_attrs` (GITLAB.md §2.1).
pub(crate) fn project_hook(p: &Project, base: &str) -> Value {
    let host = base
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let namespace = p.path.rsplit_once('/').map(|(n, _)| n).unwrap_or("");
    json!({
        "id": p.id.0,
        "name": p.name,
        "description": "",
        "web_url": format!("{base}/{}", p.path),
        "avatar_url": Value::Null,
        "git_ssh_url": format!("git@{host}:{}.git", p.path),
        "git_http_url": format!("{base}/{}.git", p.path),
        "namespace": namespace,
        "visibility_level": 0,
        "path_with_namespace": p.path,
        "default_branch": "main",
        "ci_config_path": Value::Null,
        "homepage": format!("{base}/{}", p.path),
        "url": format!("git@{host}:{}.git", p.path),
        "ssh_url": format!("git@{host}:{}.git", p.path),
        "http_url": format!("{base}/{}.git", p.path),
    })
}

/// `project.repository` of a webhook body (its legacy repository object).
fn repository_hook(p: &Project, base: &str) -> Value {
    json!({
        "name": p.name,
        "url": format!("{base}/{}.git", p.path),
        "description": "",
        "homepage": format!("{base}/{}", p.path),
    })
}

/// `IssueBuilder#build` attributes, without `action` (GITLAB.md §2.1).
pub(crate) fn issue_hook_attrs(st: &State, p: &Project, i: &Issue) -> Value {
    let ids: Vec<u64> = i.assignees.iter().map(|a| a.0).collect();
    json!({
        "id": i.id,
        "iid": i.iid,
        "title": i.title,
        "description": description(&i.description),
        "state": state_str(i.state),
        "state_id": match i.state { IssueState::Opened => 1, IssueState::Closed => 2 },
        "created_at": ts_hook(i.created_at),
        "updated_at": ts_hook(i.updated_at),
        "closed_at": opt(i.closed_at, |t| json!(ts_hook(t))),
        "last_edited_at": opt(i.last_edited_at, |t| json!(ts_hook(t))),
        "due_date": opt(i.due_date, |d| json!(d.format("%Y-%m-%d").to_string())),
        "author_id": i.author.0,
        "updated_by_id": i.updated_by.map(|u| u.0),
        "last_edited_by_id": i.last_edited_by.map(|u| u.0),
        "assignee_ids": ids,
        "assignee_id": ids.first(),
        "milestone_id": Value::Null,
        "project_id": p.id.0,
        "confidential": i.confidential,
        "discussion_locked": Value::Null,
        "moved_to_id": Value::Null,
        "duplicated_to_id": Value::Null,
        "relative_position": Value::Null,
        "time_estimate": 0,
        "total_time_spent": 0,
        "time_change": 0,
        "human_total_time_spent": Value::Null,
        "human_time_estimate": Value::Null,
        "human_time_change": Value::Null,
        "url": issue_web_url(&st.web_base, p, i.iid),
        // The type's current name (GITLAB.md §2.1, 17.2+): "Ticket", "Speaker request", …
        "type": st.work_items.of(&p.path, i.id).name,
        "labels": labels_hook(p, &i.labels),
        "severity": "unknown",
        "weight": Value::Null,
        "health_status": Value::Null,
        "customer_relations_contacts": [],
    })
}

/// A whole Issue Hook body. `changes` is GitLab's `{attr: {previous, current}}` object.
pub(crate) fn issue_hook(
    st: &State,
    p: &Project,
    i: &Issue,
    actor: &User,
    action: &str,
    changes: Value,
) -> Value {
    let base = &st.web_base;
    let mut attrs = issue_hook_attrs(st, p, i);
    if let Some(o) = attrs.as_object_mut() {
        o.insert("action".into(), json!(action));
    }
    // GITLAB.md §6.1: `work_item` for every type but Issue (renamed or not), never per type.
    let kind = st.work_items.of(&p.path, i.id).object_kind();
    let mut body = json!({
        "object_kind": kind,
        "event_type": if i.confidential { format!("confidential_{kind}") } else { kind.to_owned() },
        "user": user_hook(actor),
        "project": project_hook(p, base),
        "object_attributes": attrs,
        "labels": labels_hook(p, &i.labels),
        "changes": changes,
        "repository": repository_hook(p, base),
    });
    // GITLAB.md §5.6: `assignees` is absent, not `[]`, when nobody is assigned.
    if !i.assignees.is_empty()
        && let Some(o) = body.as_object_mut()
    {
        o.insert("assignees".into(), users_hook(st, &i.assignees));
        // Deprecated single `assignee` (the first), still in GitLab's payloads.
        if let Some(first) = i.assignees.first().and_then(|a| st.user(*a)) {
            o.insert("assignee".into(), user_hook(first));
        }
    }
    body
}

/// A whole Note Hook body for a comment on an issue (fixture `note-hook-issue.json`).
pub(crate) fn note_hook(
    st: &State,
    p: &Project,
    i: &Issue,
    n: &Note,
    actor: &User,
    action: &str,
) -> Value {
    let base = &st.web_base;
    let confidential = i.confidential || n.internal;
    json!({
        "object_kind": "note",
        "event_type": if confidential { "confidential_note" } else { "note" },
        "user": user_hook(actor),
        "project_id": p.id.0,
        "project": project_hook(p, base),
        "repository": repository_hook(p, base),
        "object_attributes": {
            "id": n.id,
            "internal": n.internal,
            "note": n.body,
            "description": n.body,
            "noteable_type": "Issue",
            "noteable_id": i.id,
            "author_id": n.author.0,
            "created_at": ts_hook(n.created_at),
            "updated_at": ts_hook(n.updated_at),
            "updated_by_id": Value::Null,
            "project_id": p.id.0,
            "attachment": Value::Null,
            "line_code": Value::Null,
            "commit_id": "",
            "discussion_id": format!("{:040x}", n.id),
            "system": n.system,
            "st_diff": Value::Null,
            "type": Value::Null,
            "action": action,
            "url": format!("{}#note_{}", issue_web_url(base, p, i.iid), n.id),
        },
        "issue": issue_hook_attrs(st, p, i),
    })
}
