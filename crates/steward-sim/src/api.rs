//! The simulator's HTTP front: routes, and the one gate every request passes (counters,
//! latency, authentication, rate limits and injected faults, `RateLimit-*` headers), errors in
//! GitLab's shapes and parameter parsing (query, form or JSON, like GitLab's API accepts). The
//! endpoint handlers live in `api_issues`, `api_labels`, `api_links` and `api_notes`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::faults::{RateInfo, Verdict};
use super::ops::OpError;
use super::{Shared, api_issues, api_labels, api_links, api_notes, graphql, lock, version};
use steward_core::model::UserId;

/// The authenticated user of a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Actor(pub UserId);

/// The `X-Gitlab-Event-UUID` a request carried (GITLAB.md §5.3).
#[derive(Debug, Clone)]
pub(crate) struct EventUuid(pub Option<String>);

pub(crate) type Sh = State<Arc<Shared>>;

mod params;
pub(crate) use params::Params;

/// Errors in GitLab's response shapes.
#[derive(Debug)]
pub(crate) enum ApiError {
    NotFound(&'static str),
    BadRequest(String),
    /// 403: the user may not do this (a Guest managing labels).
    Forbidden,
    /// 409 with GitLab's message (`Label already exists`).
    Conflict(&'static str),
    /// 400 with a model validation error: `{"message": {"<attribute>": ["<problem>"]}}`.
    Invalid(&'static str, String),
    /// 405 with GitLab's `error!` shape (`{"error": "…"}`): a paging request GitLab refuses.
    MethodNotAllowed(String),
    /// 429 from the note-creation limit: GitLab's JSON body (`render_exceeded_limit_error!`
    /// in `lib/api/helpers/rate_limiter.rb`) with `Retry-After` (GITLAB.md §6.5).
    NoteLimit(u64),
    /// 400 `{"message": "400 Bad request - …"}` (`bad_request!`).
    Rejected(String),
    /// 202 with a body: a comment made only of quick actions (`Entities::NoteCommands`).
    Accepted(Value),
}

impl ApiError {
    pub fn from_op(e: OpError, what: &'static str) -> Self {
        match e {
            OpError::NotFound => Self::NotFound(what),
            OpError::BadRequest(m) => Self::BadRequest(m),
            OpError::Rejected(m) => Self::Rejected(m),
            OpError::CommandsOnly => {
                Self::Accepted(json!({ "commands_changes": {}, "summary": [] }))
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound(what) => (
                StatusCode::NOT_FOUND,
                axum::Json(json!({ "message": what })),
            )
                .into_response(),
            Self::BadRequest(m) => {
                (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": m }))).into_response()
            }
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                axum::Json(json!({ "message": "403 Forbidden" })),
            )
                .into_response(),
            Self::Conflict(m) => {
                (StatusCode::CONFLICT, axum::Json(json!({ "message": m }))).into_response()
            }
            Self::NoteLimit(secs) => {
                let body = json!({ "message": { "error": NOTE_LIMIT_MESSAGE } });
                let mut r = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
                r.headers_mut()
                    .insert("Retry-After", HeaderValue::from(secs));
                r
            }
            Self::Rejected(m) => {
                (StatusCode::BAD_REQUEST, axum::Json(json!({ "message": m }))).into_response()
            }
            Self::Accepted(body) => (StatusCode::ACCEPTED, axum::Json(body)).into_response(),
            Self::Invalid(attr, m) => (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "message": { attr: [m] } })),
            )
                .into_response(),
            Self::MethodNotAllowed(m) => (
                StatusCode::METHOD_NOT_ALLOWED,
                axum::Json(json!({ "error": m })),
            )
                .into_response(),
        }
    }
}

/// GitLab's wording when an application rate limit (such as `notes_create`) is exceeded.
pub(crate) const NOTE_LIMIT_MESSAGE: &str =
    "This endpoint has been requested too many times. Try again later.";

fn too_many(retry_after: u64) -> Response {
    // GITLAB.md §3.6: plain-text `Retry later` with `Retry-After` in seconds.
    let mut r = (StatusCode::TOO_MANY_REQUESTS, "Retry later").into_response();
    r.headers_mut()
        .insert("Retry-After", HeaderValue::from(retry_after));
    r
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v4/user", get(api_issues::current_user))
        .route("/api/v4/users", get(api_issues::users))
        .route("/api/v4/projects/{id}", get(api_issues::get_project))
        .route("/api/v4/groups/{id}", get(api_issues::get_group))
        .route(
            "/api/v4/projects/{id}/issues",
            get(api_issues::list_issues).post(api_issues::create_issue),
        )
        .route(
            "/api/v4/projects/{id}/issues/{iid}",
            get(api_issues::get_issue).put(api_issues::edit_issue),
        )
        .route(
            "/api/v4/projects/{id}/issues/{iid}/notes",
            get(api_notes::list_notes).post(api_notes::create_note),
        )
        .route(
            "/api/v4/projects/{id}/issues/{iid}/notes/{note}",
            get(api_notes::get_note).put(api_notes::edit_note),
        )
        .route(
            "/api/v4/projects/{id}/labels",
            get(api_issues::list_labels).post(api_labels::create_label),
        )
        .route(
            "/api/v4/projects/{id}/labels/{label}",
            get(api_labels::get_label),
        )
        .route("/api/v4/groups/{id}/epics/{iid}", get(api_notes::get_epic))
        .route(
            "/api/v4/groups/{id}/epics/{iid}/notes",
            get(api_notes::list_epic_notes).post(api_notes::create_epic_note),
        )
        .route(
            "/api/v4/groups/{id}/epics/{iid}/notes/{note}",
            get(api_notes::get_epic_note).put(api_notes::edit_epic_note),
        )
        .route(
            "/api/v4/projects/{id}/issues/{iid}/links",
            get(api_links::list_links).post(api_links::create_link),
        )
        .route("/api/graphql", post(graphql::graphql))
        .route("/api/v4/version", get(version::version))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "message": "404 Not Found" })),
    )
        .into_response()
}

/// The counter name of an endpoint, from method and path; `None` for unknown routes.
pub(crate) fn classify(method: &Method, path: &str) -> Option<&'static str> {
    if path == "/api/graphql" {
        return (method == Method::POST).then_some("graphql");
    }
    let segs: Vec<&str> = path.trim_start_matches("/api/v4/").split('/').collect();
    let m = method.as_str();
    Some(match (m, segs.as_slice()) {
        ("GET", ["user"]) => "user.get",
        ("GET", ["users"]) => "users.get",
        ("GET", ["projects", _]) => "projects.get",
        ("GET", ["groups", _]) => "groups.get",
        ("GET", ["projects", _, "issues"]) => "issues.list",
        ("POST", ["projects", _, "issues"]) => "issues.create",
        ("GET", ["projects", _, "issues", _]) => "issues.get",
        ("PUT", ["projects", _, "issues", _]) => "issues.edit",
        ("GET", ["projects", _, "issues", _, "notes"]) => "notes.list",
        ("POST", ["projects", _, "issues", _, "notes"]) => "notes.create",
        ("GET", ["projects", _, "issues", _, "notes", _]) => "notes.get",
        ("PUT", ["projects", _, "issues", _, "notes", _]) => "notes.edit",
        ("GET", ["projects", _, "labels"]) => "labels.list",
        ("POST", ["projects", _, "labels"]) => "labels.create",
        ("GET", ["groups", _, "epics", _]) => "epics.get",
        ("GET", ["groups", _, "epics", _, "notes"]) => "epic_notes.list",
        ("POST", ["groups", _, "epics", _, "notes"]) => "epic_notes.create",
        ("PUT", ["groups", _, "epics", _, "notes", _]) => "epic_notes.edit",
        ("GET", ["version"]) => "version.get",
        ("GET", ["projects", _, "issues", _, "links"]) => "links.list",
        ("POST", ["projects", _, "issues", _, "links"]) => "links.create",
        ("GET", ["groups", _, "epics", _, "notes", _]) => "epic_notes.get",
        ("GET", ["projects", _, "labels", _]) => "labels.get",
        _ => return None,
    })
}

fn is_list(endpoint: &str) -> bool {
    matches!(
        endpoint,
        "issues.list" | "notes.list" | "labels.list" | "epic_notes.list"
    )
}

fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = headers.get("PRIVATE-TOKEN").and_then(|v| v.to_str().ok()) {
        return Some(t.to_owned());
    }
    headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

fn rate_headers(r: &mut Response, info: RateInfo) {
    let h = r.headers_mut();
    h.insert(
        "RateLimit-Name",
        HeaderValue::from_static("throttle_authenticated_api"),
    );
    h.insert("RateLimit-Limit", HeaderValue::from(info.limit));
    h.insert("RateLimit-Observed", HeaderValue::from(info.observed));
    h.insert("RateLimit-Remaining", HeaderValue::from(info.remaining));
    h.insert("RateLimit-Reset", HeaderValue::from(info.reset));
    if let Some(t) = chrono::DateTime::from_timestamp(info.reset, 0)
        && let Ok(v) = HeaderValue::from_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
    {
        h.insert("RateLimit-ResetTime", v);
    }
}

/// Every request passes here: count, delay, authenticate, throttle, inject faults, then run
/// the handler and add the rate-limit headers GitLab sends on every response (§3.6).
async fn gate(State(shared): Sh, mut req: Request, next: Next) -> Response {
    let endpoint = classify(req.method(), req.uri().path());
    {
        let mut c = lock(&shared.counters);
        c.requests_total += 1;
        if req.method() == Method::GET {
            c.reads += 1;
        } else {
            c.writes += 1;
        }
        let name = endpoint.unwrap_or("unknown");
        *c.by_endpoint.entry(name.to_owned()).or_default() += 1;
        if is_list(name) {
            c.list_calls += 1;
        }
    }
    let latency = lock(&shared.faults).faults.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if endpoint.is_none() {
        return not_found().await;
    }
    let actor = token(req.headers()).and_then(|t| lock(&shared.state).user_by_token(&t));
    // Writes are logged with their user (resolved here, once: reads need no name).
    let write = (req.method() != Method::GET).then(|| {
        let username = actor
            .and_then(|a| lock(&shared.state).user(a).map(|u| u.username.clone()))
            .unwrap_or_default();
        let path = req.uri().path();
        let path = path.strip_prefix("/api/v4").unwrap_or(path).to_owned();
        (req.method().to_string(), path, username)
    });
    let Some(actor) = actor else {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "message": "401 Unauthorized" })),
        )
            .into_response();
    };
    let now = shared.now();
    let (verdict, info) = lock(&shared.faults).admit(now);
    let mut resp = match verdict {
        Verdict::TooMany { retry_after } => too_many(retry_after),
        Verdict::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "message": "500 Internal Server Error" })),
        )
            .into_response(),
        Verdict::Pass => {
            let uuid = req
                .headers()
                .get("X-Gitlab-Event-UUID")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            req.extensions_mut().insert(Actor(actor));
            req.extensions_mut().insert(EventUuid(uuid));
            next.run(req).await
        }
    };
    rate_headers(&mut resp, info);
    let status = resp.status();
    if let Some((method, path, username)) = write {
        lock(&shared.write_log).push(super::types::WriteRecord {
            method,
            path,
            endpoint: endpoint.unwrap_or("unknown").to_owned(),
            username,
            status: status.as_u16(),
        });
    }
    let mut c = lock(&shared.counters);
    if status == StatusCode::TOO_MANY_REQUESTS {
        c.status_429 += 1;
    } else if status.is_server_error() {
        c.status_5xx += 1;
    }
    resp
}

#[cfg(test)]
mod tests;
