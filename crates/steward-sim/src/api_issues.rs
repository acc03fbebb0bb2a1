//! REST handlers for users, issues (get, list with GitLab's filters and ordering, edit with
//! GitLab's parameter semantics) and project labels. Parsing and shaping only: edits are
//! applied by `ops`, webhooks queued through `webhooks`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde_json::Value;

use super::api::{Actor, ApiError, EventUuid, Params, Sh};
use super::ops::{self, Edit};
use super::state::{Issue, State as SimState};
use super::{lock, paging, render, webhooks};
use steward_core::model::{IssueState, UserId};

const PROJECT_404: &str = "404 Project Not Found";
const ISSUE_404: &str = "404 Issue Not Found";

pub(crate) async fn current_user(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let u = st
        .user(me)
        .ok_or(ApiError::NotFound("404 User Not Found"))?;
    let mut v = render::user_rest(u, &st.web_base);
    if let Some(o) = v.as_object_mut() {
        o.insert("bot".into(), Value::Bool(u.bot));
    }
    Ok(axum::Json(v).into_response())
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
    Path((id, iid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let iid = iid_of(&iid)?;
    let st = lock(&sh.state);
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
    let visible = p.issues.get(&iid).filter(|_| st.rest_visible(pid, iid)); // §6.1
    let i = visible.ok_or(ApiError::NotFound(ISSUE_404))?;
    Ok(axum::Json(render::issue_rest(&st, p, i)).into_response())
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| d.and_time(Default::default()).and_utc())
        })
        .map_err(|_| ApiError::BadRequest(format!("{s} is not a valid date-time")))
}

/// The `due_date` filter relative to the simulator clock (GITLAB.md §3.3), evaluated in UTC.
fn due_matches(filter: &str, due: Option<NaiveDate>, today: NaiveDate) -> Result<bool, ApiError> {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let sunday = monday + Days::new(6);
    Ok(match filter {
        "0" | "none" => due.is_none(),
        "any" => due.is_some(),
        "today" => due == Some(today),
        "tomorrow" => due == today.succ_opt(),
        "overdue" => due.is_some_and(|d| d < today),
        "week" => due.is_some_and(|d| d >= monday && d <= sunday),
        "month" => due.is_some_and(|d| d.year() == today.year() && d.month() == today.month()),
        "next_month_and_previous_two_weeks" => {
            due.is_some_and(|d| d >= today - Days::new(14) && d <= today + Days::new(31))
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "due_date does not have a valid value: {other}"
            )));
        }
    })
}

struct Filter {
    state: Option<IssueState>,
    labels: Option<Vec<String>>,
    not_labels: Vec<String>,
    updated_after: Option<DateTime<Utc>>,
    updated_before: Option<DateTime<Utc>>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    due: Option<String>,
}

impl Filter {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        let time = |k: &str| {
            p.get(k)
                .filter(|s| !s.is_empty())
                .map(parse_time)
                .transpose()
        };
        Ok(Self {
            state: match p.get("state") {
                Some("opened") => Some(IssueState::Opened),
                Some("closed") => Some(IssueState::Closed),
                None | Some("all") | Some("") => None,
                Some(other) => {
                    return Err(ApiError::BadRequest(format!(
                        "state does not have a valid value: {other}"
                    )));
                }
            },
            labels: p.list("labels"),
            not_labels: p.list("not[labels]").unwrap_or_default(),
            updated_after: time("updated_after")?,
            updated_before: time("updated_before")?,
            created_after: time("created_after")?,
            created_before: time("created_before")?,
            due: p
                .get("due_date")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        })
    }

    fn matches(&self, i: &Issue, today: NaiveDate) -> Result<bool, ApiError> {
        if self.state.is_some_and(|s| s != i.state) {
            return Ok(false);
        }
        if let Some(ls) = &self.labels {
            let ok = match ls.as_slice() {
                [only] if only.eq_ignore_ascii_case("none") => i.labels.is_empty(),
                [only] if only.eq_ignore_ascii_case("any") => !i.labels.is_empty(),
                _ => ls.iter().all(|l| i.labels.contains(l)),
            };
            if !ok {
                return Ok(false);
            }
        }
        if self.not_labels.iter().any(|l| i.labels.contains(l)) {
            return Ok(false);
        }
        if self.updated_after.is_some_and(|t| i.updated_at < t)
            || self.updated_before.is_some_and(|t| i.updated_at > t)
        {
            return Ok(false);
        }
        if self.created_after.is_some_and(|t| i.created_at < t)
            || self.created_before.is_some_and(|t| i.created_at > t)
        {
            return Ok(false);
        }
        match &self.due {
            Some(f) => due_matches(f, i.due_date, today),
            None => Ok(true),
        }
    }
}

pub(crate) async fn list_issues(
    State(sh): Sh,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &HeaderMap::new(), b"")?;
    let filter = Filter::parse(&params)?;
    let today = sh.now().date_naive();
    let st = lock(&sh.state);
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
    let mut hits: Vec<&Issue> = Vec::new();
    for i in p.issues.values() {
        if st.rest_visible(pid, i.iid) && filter.matches(i, today)? {
            hits.push(i);
        }
    }
    let url = format!("{}/api/v4/projects/{}/issues", st.web_base, id);
    let limits = paging::issues::Limits {
        keyset: super::version::keyset_project_issues(&sh),
        max_offset: sh.config.offset_pagination_limit,
    };
    let (page, headers) = paging::issues::page(&mut hits, &params, &url, limits)?;
    let body: Vec<Value> = page.iter().map(|i| render::issue_rest(&st, p, i)).collect();
    Ok((headers, axum::Json(body)).into_response())
}

fn edit_from_params(st: &SimState, p: &Params) -> Result<Edit, ApiError> {
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
        (Some(v), _) => Some(ids(v)?),
        (None, Some(one)) => Some(ids(vec![one.to_owned()])?),
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
        || edit.assignee_ids.is_some()
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
        st.issue(pid, iid).ok_or(ApiError::NotFound(ISSUE_404))?;
        let edit = edit_from_params(&st, &params)?;
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
