//! GitLab's JSON shapes: REST resources (ISO 8601 with millis, labels as strings, `type:
//! "ISSUE"`) and webhook bodies (async-delivery timestamps, label objects, `assignees` only when
//! non-empty), compared field by field with `tests/fixtures/gitlab/`. Pure functions of state.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::state::{Epic, Group, Issue, Label, Note, Project, State, User};
use steward_core::model::{IssueState, UserId};

mod hook;

pub(crate) use hook::{issue_hook, note_hook};

/// REST timestamp: ISO 8601 with milliseconds (GITLAB.md §1.7).
pub(crate) fn ts_rest(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Webhook timestamp as real asynchronous deliveries send it (GITLAB.md §1.7).
pub(crate) fn ts_hook(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn opt<T, F: Fn(T) -> Value>(v: Option<T>, f: F) -> Value {
    v.map(f).unwrap_or(Value::Null)
}

/// GitLab stores a missing description as `null`, not `""`.
fn description(d: &str) -> Value {
    if d.is_empty() { Value::Null } else { json!(d) }
}

fn state_str(s: IssueState) -> &'static str {
    match s {
        IssueState::Opened => "opened",
        IssueState::Closed => "closed",
    }
}

/// A user as GitLab nests it (`Entities::UserBasic`): the six keys the v4 schemas allow
/// (`issue.json` forbids others in `assignees`). `avatar_url` is a string there, the Gravatar
/// URL GitLab falls back to when the user uploaded none.
pub(crate) fn user_rest(u: &User, base: &str) -> Value {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(format!("{}@example.com", u.username).as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "id": u.id.0,
        "username": u.username,
        "name": u.name,
        "state": "active",
        "avatar_url": format!("https://www.gravatar.com/avatar/{hex}?s=80&d=identicon"),
        "web_url": format!("{base}/{}", u.username),
    })
}

/// `GET /user` (`Entities::UserPublic`): every key `user/public.json` requires. The simulator
/// has no sign-in history, so the sign-in times are `now`.
pub(crate) fn user_public(u: &User, base: &str, now: DateTime<Utc>) -> Value {
    let mut v = user_rest(u, base);
    let now = ts_rest(now);
    let more = json!({
        "locked": false,
        "bot": u.bot,
        "email": format!("{}@example.com", u.username),
        "public_email": Value::Null,
        "created_at": now,
        "bio": "",
        "location": "",
        "skype": "",
        "linkedin": "",
        "twitter": "",
        "discord": "",
        "website_url": "",
        "organization": "",
        "job_title": "",
        "last_sign_in_at": now,
        "confirmed_at": now,
        "last_activity_on": Value::Null,
        "color_scheme_id": 1,
        "theme_id": 1,
        "projects_limit": 0,
        "current_sign_in_at": now,
        "identities": [],
        "can_create_group": false,
        "can_create_project": false,
        "two_factor_enabled": false,
        "external": false,
        "private_profile": false,
    });
    if let (Some(o), Value::Object(m)) = (v.as_object_mut(), more) {
        o.extend(m);
    }
    v
}

fn user_rest_id(st: &State, id: UserId) -> Value {
    opt(st.user(id), |u| user_rest(u, &st.web_base))
}

/// `User#hook_attrs` (GITLAB.md §2.1): email redacted when not public.
pub(crate) fn user_hook(u: &User) -> Value {
    json!({
        "id": u.id.0,
        "name": u.name,
        "username": u.username,
        "avatar_url": Value::Null,
        "email": "[REDACTED]",
    })
}

pub(crate) fn label_rest(l: &Label) -> Value {
    json!({
        "id": l.id,
        "name": l.name,
        "color": l.color,
        "text_color": "#FFFFFF",
        "description": l.description,
        "description_html": l.description.clone().unwrap_or_default(),
        // `Entities::LabelBasic` (GITLAB.md §6.5).
        "remove_on_close": false,
        "priority": Value::Null,
        "is_project_label": true,
        "subscribed": false,
    })
}

pub(crate) fn label_hook(p: &Project, name: &str) -> Value {
    match p.labels.iter().find(|l| l.name == name) {
        Some(l) => json!({
            "id": l.id,
            "title": l.name,
            "color": l.color,
            "project_id": p.id.0,
            "created_at": ts_hook(l.created_at),
            "updated_at": ts_hook(l.created_at),
            "template": false,
            "description": l.description,
            "type": "ProjectLabel",
            "group_id": Value::Null,
        }),
        None => json!({ "title": name }),
    }
}

pub(crate) fn labels_hook(p: &Project, names: &[String]) -> Value {
    Value::Array(names.iter().map(|n| label_hook(p, n)).collect())
}

pub(crate) fn users_hook(st: &State, ids: &[UserId]) -> Value {
    Value::Array(
        ids.iter()
            .filter_map(|id| st.user(*id))
            .map(user_hook)
            .collect(),
    )
}

pub(crate) fn issue_web_url(base: &str, p: &Project, iid: u64) -> String {
    format!("{base}/{}/-/issues/{iid}", p.path)
}

pub(crate) fn issue_rest(st: &State, p: &Project, i: &Issue) -> Value {
    let base = &st.web_base;
    // REST names the base type only (GITLAB.md §5.6: `type` upper case, `issue_type` lower).
    let base_type = st.work_items.of(&p.path, i.id).base.unwrap_or("issue");
    let api = format!("{base}/api/v4/projects/{}/issues/{}", p.id, i.iid);
    let assignees: Vec<Value> = i.assignees.iter().map(|a| user_rest_id(st, *a)).collect();
    json!({
        "id": i.id,
        "iid": i.iid,
        "project_id": p.id.0,
        "title": i.title,
        "description": description(&i.description),
        "state": state_str(i.state),
        "created_at": ts_rest(i.created_at),
        "updated_at": ts_rest(i.updated_at),
        "closed_at": opt(i.closed_at, |t| json!(ts_rest(t))),
        "closed_by": opt(i.closed_by, |u| user_rest_id(st, u)),
        "labels": i.labels,
        "milestone": Value::Null,
        "assignees": assignees,
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "author": user_rest_id(st, i.author),
        "type": base_type.to_uppercase(),
        "user_notes_count": i.notes.iter().filter(|n| !n.system).count(),
        "merge_requests_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": opt(i.due_date, |d| json!(d.format("%Y-%m-%d").to_string())),
        "confidential": i.confidential,
        "discussion_locked": Value::Null,
        "issue_type": base_type,
        "web_url": issue_web_url(base, p, i.iid),
        "time_stats": {
            "time_estimate": 0, "total_time_spent": 0,
            "human_time_estimate": Value::Null, "human_total_time_spent": Value::Null
        },
        "task_completion_status": { "count": 0, "completed_count": 0 },
        "has_tasks": false,
        "task_status": "0 of 0 checklist items completed",
        "imported": false,
        "imported_from": "none",
        "_links": {
            "self": api,
            "notes": format!("{api}/notes"),
            "award_emoji": format!("{api}/award_emoji"),
            "project": format!("{base}/api/v4/projects/{}", p.id),
            "closed_as_duplicate_of": Value::Null
        },
        "references": {
            "short": format!("#{}", i.iid),
            "relative": format!("#{}", i.iid),
            "full": format!("{}#{}", p.path, i.iid)
        },
        "severity": "UNKNOWN",
        "subscribed": false,
        "moved_to_id": Value::Null,
        "service_desk_reply_to": Value::Null,
    })
}

/// A note as `GET …/notes` returns it (fixture `api-issue-notes-list-response.json`).
pub(crate) fn note_rest(
    st: &State,
    n: &Note,
    noteable_type: &str,
    noteable_id: u64,
    noteable_iid: u64,
    project_id: Option<u64>,
) -> Value {
    json!({
        "id": n.id,
        "type": Value::Null,
        "body": n.body,
        "attachment": Value::Null,
        "author": user_rest_id(st, n.author),
        "created_at": ts_rest(n.created_at),
        "updated_at": ts_rest(n.updated_at),
        "system": n.system,
        "noteable_id": noteable_id,
        "noteable_type": noteable_type,
        "project_id": project_id,
        "noteable_iid": noteable_iid,
        "resolvable": false,
        "confidential": n.internal,
        "internal": n.internal,
        "imported": false,
        "imported_from": "none",
    })
}

pub(crate) fn epic_rest(st: &State, g: &Group, e: &Epic) -> Value {
    let base = &st.web_base;
    json!({
        "id": e.id,
        "iid": e.iid,
        "work_item_id": e.work_item_id,
        "group_id": g.id.0,
        "parent_id": Value::Null,
        "title": e.title,
        "description": "",
        "state": "opened",
        "confidential": false,
        "web_url": format!("{base}/groups/{}/-/epics/{}", g.path, e.iid),
        "reference": format!("&{}", e.iid),
        "references": {
            "short": format!("&{}", e.iid),
            "relative": format!("&{}", e.iid),
            "full": format!("{}&{}", g.path, e.iid)
        },
        "author": user_rest_id(st, e.author),
        "start_date": Value::Null,
        "end_date": Value::Null,
        "due_date": Value::Null,
        "created_at": ts_rest(e.created_at),
        "updated_at": ts_rest(e.created_at),
        "closed_at": Value::Null,
        "labels": [],
        "upvotes": 0,
        "downvotes": 0,
        "_links": {
            "self": format!("{base}/api/v4/groups/{}/epics/{}", g.id, e.iid),
            "epic_issues": format!("{base}/api/v4/groups/{}/epics/{}/issues", g.id, e.iid),
            "group": format!("{base}/api/v4/groups/{}", g.id),
        },
    })
}

/// `GET /projects/:id` (the fields a client needs to resolve and link a project).
pub(crate) fn project_rest(p: &Project, base: &str) -> Value {
    let (namespace, path) = p.path.rsplit_once('/').unwrap_or(("", p.path.as_str()));
    json!({
        "id": p.id.0,
        "name": p.name,
        "path": path,
        "path_with_namespace": p.path,
        "name_with_namespace": p.path.replace('/', " / "),
        "description": "",
        "default_branch": "main",
        "visibility": "private",
        "web_url": format!("{base}/{}", p.path),
        "namespace": { "name": namespace, "path": namespace, "full_path": namespace, "kind": "group" },
        "issues_enabled": true,
        "archived": false,
    })
}

/// `GET /groups/:id`.
pub(crate) fn group_rest(g: &Group, base: &str) -> Value {
    let name = g.path.rsplit('/').next().unwrap_or(&g.path);
    json!({
        "id": g.id.0,
        "name": name,
        "path": name,
        "full_path": g.path,
        "full_name": g.path.replace('/', " / "),
        "web_url": format!("{base}/groups/{}", g.path),
        "visibility": "private",
        "parent_id": Value::Null,
    })
}
