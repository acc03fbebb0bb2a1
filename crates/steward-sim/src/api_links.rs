//! REST handlers for issue links (`POST`/`GET /projects/:id/issues/:iid/links`), shaped like
//! GitLab's `lib/api/issue_links.rb` and `IssuableLinks::CreateService`: a link is one record
//! seen from both issues; linking a pair already linked (either way) is `409 Issue(s) already
//! assigned`; a Guest (who may not update both issues) gets 403; an issue linked to itself 422;
//! a missing target 404. Creating a link writes a system note on both issues, never a webhook.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{Actor, ApiError, Params, Sh};
use super::api_notes::ISSUE_404;
use super::state::{IssueLink, Note, State as SimState};
use super::{lock, ops, render};
use steward_core::model::ProjectId;

const PROJECT_404: &str = "404 Project Not Found";
const LINK_TYPES: [&str; 3] = ["relates_to", "blocks", "is_blocked_by"];

fn issue_at(st: &SimState, id: &str, iid: &str) -> Result<(ProjectId, u64), ApiError> {
    let pid = st.project_ref(id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let iid: u64 = iid.parse().map_err(|_| ApiError::NotFound(ISSUE_404))?;
    st.issue(pid, iid).ok_or(ApiError::NotFound(ISSUE_404))?;
    Ok((pid, iid))
}

fn message(status: StatusCode, text: String) -> Response {
    (status, axum::Json(json!({ "message": text }))).into_response()
}

/// GitLab's reference to an issue from a note on an issue of `here`.
fn reference(st: &SimState, here: ProjectId, (pid, iid): (ProjectId, u64)) -> String {
    match st.project(pid) {
        Some(p) if pid != here => format!("{}#{iid}", p.path),
        _ => format!("#{iid}"),
    }
}

fn link_json(st: &SimState, l: &IssueLink) -> Value {
    let issue = |(pid, iid): (ProjectId, u64)| {
        let p = st.project(pid);
        match (p, st.issue(pid, iid)) {
            (Some(p), Some(i)) => render::issue_rest(st, p, i),
            _ => Value::Null,
        }
    };
    json!({
        "id": l.id,
        "source_issue": issue(l.source),
        "target_issue": issue(l.target),
        "link_type": l.link_type,
        "created_at": render::ts_rest(l.created_at),
        "updated_at": render::ts_rest(l.created_at),
    })
}

/// `POST /projects/:id/issues/:iid/links`.
pub(crate) async fn create_link(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Path((id, iid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let now = sh.now();
    let mut st = lock(&sh.state);
    let source = issue_at(&st, &id, &iid)?;
    let target_project = params
        .get("target_project_id")
        .ok_or_else(|| ApiError::BadRequest("target_project_id is missing".into()))?
        .to_owned();
    let target_iid = params
        .get("target_issue_iid")
        .ok_or_else(|| ApiError::BadRequest("target_issue_iid is missing".into()))?
        .to_owned();
    let link_type = params.get("link_type").unwrap_or("relates_to").to_owned();
    if !LINK_TYPES.contains(&link_type.as_str()) {
        return Err(ApiError::BadRequest(
            "link_type does not have a valid value".into(),
        ));
    }
    let target = issue_at(&st, &target_project, &target_iid)?;
    let linked = |l: &IssueLink| {
        (l.source == source && l.target == target) || (l.source == target && l.target == source)
    };
    if st.links.iter().any(linked) {
        return Ok(message(
            StatusCode::CONFLICT,
            "Issue(s) already assigned".into(),
        ));
    }
    if !ops::can_set_metadata(&st, me) {
        let text =
            "Couldn't link issue. You must have at least the Reporter role in both projects.";
        return Ok(message(StatusCode::FORBIDDEN, text.into()));
    }
    if source == target {
        let text = format!("#{} cannot be added: cannot be related to itself", source.1);
        return Ok(message(StatusCode::UNPROCESSABLE_ENTITY, text));
    }
    let link = IssueLink {
        id: st.links.len() as u64 + 1,
        source,
        target,
        link_type,
        created_at: now,
    };
    for (on, other) in [(source, target), (target, source)] {
        let body = format!(
            "marked this issue as related to {}",
            reference(&st, on.0, other)
        );
        let note_id = st.ids.note();
        if let Some(issue) = st.issue_mut(on.0, on.1) {
            issue.notes.push(Note {
                id: note_id,
                body,
                author: me,
                system: true,
                internal: false,
                created_at: now,
                updated_at: now,
            });
        }
    }
    let json = link_json(&st, &link);
    st.links.push(link);
    Ok((StatusCode::CREATED, axum::Json(json)).into_response())
}

/// `GET /projects/:id/issues/:iid/links`: the issues linked to this one, oldest link first,
/// each with `issue_link_id` and the link type as seen from this issue.
pub(crate) async fn list_links(
    State(sh): Sh,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let this = issue_at(&st, &id, &iid)?;
    let mut out = Vec::new();
    for l in &st.links {
        let (other, link_type) = if l.source == this {
            (l.target, l.link_type.as_str())
        } else if l.target == this {
            let seen = match l.link_type.as_str() {
                "blocks" => "is_blocked_by",
                "is_blocked_by" => "blocks",
                t => t,
            };
            (l.source, seen)
        } else {
            continue;
        };
        let (Some(p), Some(i)) = (st.project(other.0), st.issue(other.0, other.1)) else {
            continue;
        };
        let mut v = render::issue_rest(&st, p, i);
        if let Value::Object(o) = &mut v {
            o.insert("issue_link_id".into(), json!(l.id));
            o.insert("link_type".into(), json!(link_type));
            o.insert(
                "link_created_at".into(),
                json!(render::ts_rest(l.created_at)),
            );
            o.insert(
                "link_updated_at".into(),
                json!(render::ts_rest(l.created_at)),
            );
        }
        out.push(v);
    }
    Ok(axum::Json(out).into_response())
}
