//! The read-only status page, on its own listener (`status.listen`; off by default): queue and
//! dead letters, recent decisions per issue, schedules, missing labels, GitLab's health,
//! deliveries per hour, and each issue's explanation ([`crate::explain`]), searched by
//! reference. HTML rendered here with one escaping function; no script is served, and the
//! Content-Security-Policy forbids any.
//!
//! It must not write anything (to GitLab or the store) and must not show a confidential
//! issue's title to a viewer without the token ([`auth`]).

pub mod auth;
pub mod chart;
mod customers;
mod explain_page;
pub mod gather;
pub mod html;
mod page;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use secrecy::SecretString;

use crate::explain;
use crate::jobs::SyncDeps;
use crate::schedule::Schedule;
use auth::Viewer;
use steward_core::model::ProjectId;

/// What the status page reads.
#[derive(Clone)]
pub struct StatusDeps {
    /// Store, GitLab (through its caches), engine and clock, as a sync job has them.
    pub sync: SyncDeps,
    /// Served projects.
    pub projects: Vec<ProjectId>,
    /// Schedules this process runs.
    pub schedules: Arc<Vec<Schedule>>,
    /// The metrics recorder (GitLab's health), when metrics are enabled.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// The token every request must carry; `None`: anonymous viewers only (loopback).
    pub token: Option<SecretString>,
}

impl std::fmt::Debug for StatusDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusDeps")
            .field("projects", &self.projects)
            .field("token", &self.token.as_ref().map(|_| "set"))
            .finish_non_exhaustive()
    }
}

/// The status listener's routes.
pub fn router(deps: StatusDeps) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/status") }))
        .route("/status", get(overview))
        .route("/status/explain", get(explain_issue))
        .with_state(Arc::new(deps))
}

/// No script may run, nothing may be framed or embedded, nothing is cached.
fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    let set = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in set {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

fn refused() -> Response {
    let mut r = html(
        StatusCode::UNAUTHORIZED,
        html::page(
            "Steward status",
            "<p>This page needs the status token: sign in with any user name and the token as \
             password, or send <code>Authorization: Bearer TOKEN</code>.</p>",
        ),
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"steward status\", charset=\"UTF-8\""),
    );
    r
}

fn viewer(deps: &StatusDeps, headers: &HeaderMap) -> Option<Viewer> {
    auth::viewer(headers, deps.token.as_ref()).ok()
}

async fn overview(State(deps): State<Arc<StatusDeps>>, headers: HeaderMap) -> Response {
    if viewer(&deps, &headers).is_none() {
        return refused();
    }
    let o = gather::overview(&deps).await;
    html(StatusCode::OK, page::render(&o))
}

async fn explain_issue(
    State(deps): State<Arc<StatusDeps>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(who) = viewer(&deps, &headers) else {
        return refused();
    };
    let problem = |status: StatusCode, message: String| {
        let body = format!(
            "<p class=\"bad\" id=\"problem\">{}</p>",
            html::escape(&message)
        );
        html(status, html::page("Steward: explain", &body))
    };
    let text = query.get("issue").map(String::as_str).unwrap_or("");
    let reference = match explain::parse(text) {
        Ok(r) => r,
        Err(e) => return problem(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let gitlab = deps.sync.gitlab.as_ref();
    let issue = match explain::resolve(gitlab, &deps.projects, &reference).await {
        Ok(issue) => issue,
        Err(e) => {
            use explain::RefError;
            let status = match &e {
                RefError::Syntax(_) | RefError::Ambiguous(..) => StatusCode::BAD_REQUEST,
                RefError::NotServed(_) => StatusCode::NOT_FOUND,
                RefError::GitLab(g) if g.status() == Some(404) => StatusCode::NOT_FOUND,
                RefError::GitLab(_) => StatusCode::BAD_GATEWAY,
            };
            return problem(status, e.to_string());
        }
    };
    match explain::explain(&deps.sync, issue).await {
        Ok(e) => html(StatusCode::OK, explain_page::render(&e, who)),
        Err(e) => problem(
            StatusCode::BAD_GATEWAY,
            format!("could not explain {text}: {e}"),
        ),
    }
}
