//! REST handlers for users, issues (get, list with GitLab's filters and ordering, edit with
//! GitLab's parameter semantics) and project labels. Parsing and shaping only: edits are
//! applied by `ops`, webhooks queued through `webhooks`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::Value;

use super::api::{Actor, ApiError, EventUuid, Params, Sh};
use super::ops::{self, Edit};
use super::state::State as SimState;
use super::{lock, paging, render, webhooks};
use steward_core::model::{IssueState, UserId};

mod list;

pub(crate) use list::list_issues;
use list::parse_time;

const PROJECT_404: &str = "404 Project Not Found";
/// A missing issue on the issue routes: `find_project_issue` raises `RecordNotFound`, which the
/// API renders as `404 Not found` (GITLAB.md §6.5).
const ISSUE_404: &str = "404 Not found";

pub(crate) async fn current_user(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let u = st
        .user(me)
        .ok_or(ApiError::NotFound("404 User Not Found"))?;
    Ok(axum::Json(render::user_public(u, &st.web_base, sh.now())).into_response())
}

/// `GET /users?username=` returns an array; the match is case-insensitive (GITLAB.md §3.5).
pub(crate) async fn users(State(sh): Sh, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &HeaderMap::new(), b"")?;
    let st = lock(&sh.state);
    let found: Vec<Value> = match params.get("username") {
        Some(name) => st
            .user_by_name(name)
            .map(|u| render::user_rest(u, &st.web_base))
            .into_iter()
            .collect(),
        None => st
            .users
            .iter()
            .map(|u| render::user_rest(u, &st.web_base))
            .collect(),
    };
    Ok(axum::Json(found).into_response())
}

pub(crate) async fn get_project(
    State(sh): Sh,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
    Ok(axum::Json(render::project_rest(p, &st.web_base)).into_response())
}

pub(crate) async fn get_group(State(sh): Sh, Path(id): Path<String>) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let gid = st
        .group_ref(&id)
        .ok_or(ApiError::NotFound("404 Group Not Found"))?;
    let g = st
        .group(gid)
        .ok_or(ApiError::NotFound("404 Group Not Found"))?;
    Ok(axum::Json(render::group_rest(g, &st.web_base)).into_response())
}

fn iid_of(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(ISSUE_404))
}

pub(crate) async fn get_issue(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let iid = iid_of(&iid)?;
    let st = lock(&sh.state);
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
    let i = p
        .issues
        .get(&iid)
        .filter(|i| ops::can_read_issue(&st, me, i))
        .filter(|_| st.rest_visible(pid, iid)) // §6.1
        .ok_or(ApiError::NotFound(ISSUE_404))?;
    Ok(axum::Json(render::issue_rest(&st, p, i)).into_response())
}

/// GitLab's title limit (`Issuable` validates `length: { maximum: 255 }`, GITLAB.md §6.5).
const MAX_TITLE_CHARS: usize = 255;

fn check_title(p: &Params) -> Result<(), ApiError> {
    match p.get("title") {
        Some(t) if t.chars().count() > MAX_TITLE_CHARS => Err(ApiError::Invalid(
            "title",
            format!("is too long (maximum is {MAX_TITLE_CHARS} characters)"),
        )),
        _ => Ok(()),
    }
}

/// `filter_assignees_using_checks` (Code: `IssuableBaseService`; GITLAB.md §6.5): users who
/// cannot be assigned are dropped, and when the request named some but none remain, the
/// assignees are left as they are. `0` or an empty list still unassigns.
fn assignable(kept: Vec<UserId>, asked: usize) -> Option<Vec<UserId>> {
    if asked > 0 && kept.is_empty() {
        None
    } else {
        Some(kept)
    }
}

fn edit_from_params(st: &SimState, p: &Params) -> Result<Edit, ApiError> {
    check_title(p)?;
    if let Some(c) = p.get("confidential")
        && !matches!(c, "true" | "false")
    {
        return Err(ApiError::BadRequest("confidential is invalid".into()));
    }
    let ids = |vals: Vec<String>| -> Result<Vec<UserId>, ApiError> {
        vals.iter()
            .map(|v| {
                v.parse::<u64>()
                    .map(UserId)
                    .map_err(|_| ApiError::BadRequest("assignee_ids is invalid".into()))
            })
            .filter(|r| {
                r.as_ref()
                    .map(|u| st.user(*u).is_some() || u.0 == 0)
                    .unwrap_or(true)
            })
            .collect()
    };
    let assignee_ids = match (p.list("assignee_ids"), p.get("assignee_id")) {
        (Some(v), _) => assignable(ids(v.clone())?, v.len()),
        (None, Some(one)) => assignable(ids(vec![one.to_owned()])?, 1),
        (None, None) => None,
    };
    let due_date = match p.get("due_date") {
        None => None,
        Some("") => Some(None),
        Some(d) => Some(Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ApiError::BadRequest("due_date is invalid".into()))?,
        )),
    };
    let state = match p.get("state_event") {
        None => None,
        Some("close") => Some(IssueState::Closed),
        Some("reopen") => Some(IssueState::Opened),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "state_event does not have a valid value".into(),
            ));
        }
    };
    let edit = Edit {
        title: p.get("title").map(str::to_owned),
        description: p.get("description").map(str::to_owned),
        labels: p.list("labels"),
        add_labels: p.list("add_labels").unwrap_or_default(),
        remove_labels: p.list("remove_labels").unwrap_or_default(),
        assignee_ids,
        due_date,
        state,
        confidential: p.get("confidential").map(|v| v == "true"),
    };
    let any = edit.title.is_some()
        || edit.description.is_some()
        || edit.labels.is_some()
        || p.get("add_labels").is_some()
        || p.get("remove_labels").is_some()
        || p.get("assignee_ids").is_some()
        || p.get("assignee_id").is_some()
        || edit.due_date.is_some()
        || edit.state.is_some()
        || edit.confidential.is_some();
    if !any {
        return Err(ApiError::BadRequest(
            "assignee_id, assignee_ids, confidential, created_at, description, discussion_locked, due_date, labels, \
             add_labels, remove_labels, milestone_id, state_event, title are missing, at least one parameter must be provided"
                .into(),
        ));
    }
    Ok(edit)
}

/// `PUT /projects/:id/issues/:iid` with GitLab's semantics (GITLAB.md §3.1).
pub(crate) async fn edit_issue(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Extension(EventUuid(uuid)): Extension<EventUuid>,
    Path((id, iid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let iid = iid_of(&iid)?;
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let now = sh.now();
    let (events, json) = {
        let mut st = lock(&sh.state);
        let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
        st.issue(pid, iid)
            .filter(|i| ops::can_read_issue(&st, me, i))
            .ok_or(ApiError::NotFound(ISSUE_404))?;
        let mut edit = edit_from_params(&st, &params)?;
        if !ops::can_set_metadata(&st, me) {
            edit = edit.without_metadata();
        }
        let (_, events) =
            ops::edit_issue(&mut st, pid, iid, me, edit, now, sh.config.single_assignee)
                .map_err(|e| ApiError::from_op(e, ISSUE_404))?;
        let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
        let i = p.issues.get(&iid).ok_or(ApiError::NotFound(ISSUE_404))?;
        (events, render::issue_rest(&st, p, i))
    };
    webhooks::enqueue(&sh, events, uuid);
    Ok(axum::Json(json).into_response())
}

/// `POST /projects/:id/issues`: quick actions in the description run at creation (§4.4).
pub(crate) async fn create_issue(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Extension(EventUuid(uuid)): Extension<EventUuid>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let now = sh.now();
    let (events, json) = {
        let mut st = lock(&sh.state);
        let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
        // Creation needs no edit field besides the title, so "at least one parameter" is fine.
        let edit = match edit_from_params(&st, &params) {
            Ok(e) => e,
            Err(ApiError::BadRequest(m)) if m.contains("at least one parameter") => {
                ops::Edit::default()
            }
            Err(e) => return Err(e),
        };
        let created_at = params
            .get("created_at")
            .filter(|s| !s.is_empty())
            .map(parse_time)
            .transpose()?;
        let c = ops::Creation {
            title: params.get("title").unwrap_or("").to_owned(),
            description: params.get("description").unwrap_or("").to_owned(),
            labels: edit.labels.unwrap_or_default(),
            assignees: edit.assignee_ids.unwrap_or_default(),
            due_date: edit.due_date.flatten(),
            confidential: edit.confidential.unwrap_or(false),
            created_at,
        };
        let (iid, events) = ops::create_issue(&mut st, pid, me, c, now, sh.config.single_assignee)
            .map_err(|e| ApiError::from_op(e, PROJECT_404))?;
        let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
        let i = p.issues.get(&iid).ok_or(ApiError::NotFound(ISSUE_404))?;
        (events, render::issue_rest(&st, p, i))
    };
    webhooks::enqueue(&sh, events, uuid);
    Ok((axum::http::StatusCode::CREATED, axum::Json(json)).into_response())
}

pub(crate) async fn list_labels(
    State(sh): Sh,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &HeaderMap::new(), b"")?;
    let st = lock(&sh.state);
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
    let mut labels: Vec<&super::state::Label> = p.labels.iter().collect();
    labels.sort_by_key(|l| l.name.to_lowercase());
    let url = format!("{}/api/v4/projects/{}/labels", st.web_base, id);
    let (page, headers) = paging::paginate(&labels, &params, &url);
    let body: Vec<Value> = page.iter().map(|l| render::label_rest(l)).collect();
    Ok((headers, axum::Json(body)).into_response())
}
