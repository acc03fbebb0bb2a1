//! The HTTP surface: the webhook receiver, health and readiness probes, Prometheus metrics.
//! Errors become responses here and nowhere else. Handlers never call GitLab on the webhook
//! path: they authenticate, record and enqueue.

pub mod webhook;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::gitlab::CallContext;
use crate::service::AppState;

/// Builds the router with its limits (body size, request timeout, concurrency).
pub fn router(state: Arc<AppState>) -> Router {
    let webhook = Router::new()
        .route("/webhooks/gitlab", post(webhook::receive))
        .layer(DefaultBodyLimit::max(state.webhook.max_body_bytes))
        .layer(GlobalConcurrencyLimitLayer::new(
            state.webhook.max_concurrency,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.webhook.request_timeout,
        ));
    Router::new()
        .merge(webhook)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers and GitLab answers (`GET /user`).
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if let Err(e) = state.store.ping().await {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}\n")).into_response();
    }
    if let Err(e) = state.gitlab.current_user(&CallContext::none()).await {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("gitlab: {e}\n")).into_response();
    }
    (StatusCode::OK, "ready\n").into_response()
}

/// Prometheus exposition, with the queue depth read at scrape time.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let Some(handle) = &state.metrics else {
        return (StatusCode::NOT_FOUND, "metrics are disabled\n").into_response();
    };
    if let Ok(stats) = state.store.queue_stats().await {
        metrics::gauge!("steward_queue_jobs", "state" => "pending").set(stats.pending as f64);
        metrics::gauge!("steward_queue_jobs", "state" => "running").set(stats.running as f64);
        metrics::gauge!("steward_queue_jobs", "state" => "dead").set(stats.dead as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
