//! `GET /projects/:id/issues`: GitLab's list parameters, validated like Grape does, its
//! filters (state, labels, times, due dates, search, assignee, author, iids, confidential)
//! and its orderings.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde_json::Value;

use super::PROJECT_404;
use crate::api::{Actor, ApiError, Params, Sh};
use crate::state::{Issue, State as SimState};
use crate::{lock, paging, render};
use steward_core::model::{IssueState, UserId};

pub(super) fn parse_time(s: &str) -> Result<DateTime<Utc>, ApiError> {
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
        _ => {
            return Err(ApiError::BadRequest(
                "due_date does not have a valid value".into(),
            ));
        }
    })
}

/// Grape's answers to list parameters it cannot take (`order_by` and `sort` are checked with
/// the ordering, in `paging::issues`) (`values:` → "does not have a valid
/// value", a failed coercion → "is invalid", `except_values` → "has a value not allowed";
/// Code: `lib/api/issues.rb`, `lib/api/pagination_params.rb`; GITLAB.md §6.5).
fn check_list_params(p: &Params) -> Result<(), ApiError> {
    let bad = |m: String| Err(ApiError::BadRequest(m));
    for key in ["page", "per_page"] {
        match p.get(key).map(str::parse::<i64>) {
            None => {}
            Some(Err(_)) => return bad(format!("{key} is invalid")),
            Some(Ok(0)) if key == "per_page" => {
                return bad(format!("{key} has a value not allowed"));
            }
            Some(Ok(n)) if n < 1 => return bad(format!("{key} does not have a valid value")),
            Some(Ok(_)) => {}
        }
    }
    if let Some(c) = p.get("confidential")
        && !matches!(c, "true" | "false")
    {
        return bad("confidential is invalid".into());
    }
    if let Some(ids) = p.list("iids")
        && ids.iter().any(|i| i.parse::<u64>().is_err())
    {
        return bad("iids is invalid".into());
    }
    Ok(())
}

/// `assignee_id`: a user id, `None` (unassigned) or `Any` (GITLAB.md §3.3).
#[derive(Debug, Clone, Copy)]
enum AssigneeFilter {
    None,
    Any,
    User(UserId),
}

struct Filter {
    state: Option<IssueState>,
    search: Option<String>,
    assignee: Option<AssigneeFilter>,
    author: Option<Option<UserId>>,
    iids: Option<Vec<u64>>,
    confidential: Option<bool>,
    labels: Option<Vec<String>>,
    not_labels: Vec<String>,
    updated_after: Option<DateTime<Utc>>,
    updated_before: Option<DateTime<Utc>>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    due: Option<String>,
}

impl Filter {
    fn parse(p: &Params, st: &SimState) -> Result<Self, ApiError> {
        check_list_params(p)?;
        let assignee = match p.get("assignee_id") {
            None | Some("") => None,
            Some(v) if v.eq_ignore_ascii_case("none") => Some(AssigneeFilter::None),
            Some(v) if v.eq_ignore_ascii_case("any") => Some(AssigneeFilter::Any),
            Some(v) => Some(AssigneeFilter::User(UserId(v.parse().map_err(|_| {
                ApiError::BadRequest("assignee_id should be an integer, none or any".into())
            })?))),
        };
        // An unknown author matches nothing rather than everything.
        let author = match (p.get("author_id"), p.get("author_username")) {
            (Some(id), _) => Some(id.parse().ok().map(UserId)),
            (None, Some(name)) => Some(st.user_by_name(name).map(|u| u.id)),
            (None, None) => None,
        };
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
                Some(_) => {
                    return Err(ApiError::BadRequest(
                        "state does not have a valid value".into(),
                    ));
                }
            },
            search: p
                .get("search")
                .filter(|s| !s.is_empty())
                .map(str::to_lowercase),
            assignee,
            author,
            iids: p
                .list("iids")
                .map(|v| v.iter().filter_map(|i| i.parse().ok()).collect()),
            confidential: p.get("confidential").map(|c| c == "true"),
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
        if self.state.is_some_and(|s| s != i.state)
            || self.confidential.is_some_and(|c| c != i.confidential)
            || self.iids.as_ref().is_some_and(|ids| !ids.contains(&i.iid))
            || self.author.is_some_and(|a| a != Some(i.author))
        {
            return Ok(false);
        }
        let assigned = match self.assignee {
            None => true,
            Some(AssigneeFilter::None) => i.assignees.is_empty(),
            Some(AssigneeFilter::Any) => !i.assignees.is_empty(),
            Some(AssigneeFilter::User(u)) => i.assignees.contains(&u),
        };
        // `search` looks in titles and descriptions (`in=title,description`, the default).
        let found = self.search.as_ref().is_none_or(|q| {
            i.title.to_lowercase().contains(q) || i.description.to_lowercase().contains(q)
        });
        if !assigned || !found {
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
    Extension(Actor(me)): Extension<Actor>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &HeaderMap::new(), b"")?;
    let today = sh.now().date_naive();
    let st = lock(&sh.state);
    let filter = Filter::parse(&params, &st)?;
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
    let mut hits: Vec<&Issue> = Vec::new();
    for i in p.issues.values() {
        if crate::ops::can_read_issue(&st, me, i)
            && st.rest_visible(pid, i.iid)
            && filter.matches(i, today)?
        {
            hits.push(i);
        }
    }
    let url = format!("{}/api/v4/projects/{}/issues", st.web_base, id);
    let limits = paging::issues::Limits {
        keyset: crate::version::keyset_project_issues(&sh),
        max_offset: sh.config.offset_pagination_limit,
    };
    let (page, headers) = paging::issues::page(&mut hits, &params, &url, limits)?;
    let body: Vec<Value> = page.iter().map(|i| render::issue_rest(&st, p, i)).collect();
    Ok((headers, axum::Json(body)).into_response())
}
