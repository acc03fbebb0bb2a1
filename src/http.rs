//! The HTTP surface: the webhook receiver, health and readiness probes, Prometheus metrics.
//! Errors become responses here and nowhere else. Handlers never call GitLab on the webhook
//! path: they authenticate, record and enqueue.

pub mod intake;
pub mod server;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;

use crate::config::WebhookSettings;
use crate::store::Store;

/// What the probes read: the store (readiness, queue depth) and the metrics recorder.
#[derive(Clone)]
pub struct Probes {
    /// The store readiness checks and whose queue depth `/metrics` reports.
    pub store: Arc<dyn Store>,
    /// Prometheus exposition; `None` when metrics are disabled.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// Builds the router with its limits: the webhook route has a request timeout (body included)
/// and its own body bounds and processing slots ([`webhook::Intake`]).
pub fn router(intake: webhook::Intake, probes: Probes) -> Router {
    let timeout = intake.receiver.webhook.request_timeout;
    let webhook = Router::new()
        .route("/webhooks/gitlab", post(webhook::receive))
        .with_state(Arc::new(intake))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Arc::new(probes))
        .merge(webhook)
}

/// The listener limits the webhook settings configure.
pub fn server_limits(webhook: &WebhookSettings) -> server::Limits {
    server::Limits {
        max_connections: webhook.max_connections,
        header_read_timeout: webhook.header_read_timeout,
    }
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// How long readiness waits for the store before answering that it is not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Readiness: whether this replica can durably accept a delivery now, i.e. the store answers
/// and can commit a write. GitLab's health is not part of it (a GitLab outage must not make
/// the balancer stop delivering webhooks): it is the `steward_gitlab_up` metric.
async fn readyz(State(state): State<Arc<Probes>>) -> Response {
    match tokio::time::timeout(READY_TIMEOUT, state.store.check_writable()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}\n")).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store: no answer within {} s\n", READY_TIMEOUT.as_secs()),
        )
            .into_response(),
    }
}

/// Prometheus exposition, with the queue depth read at scrape time.
async fn metrics(State(state): State<Arc<Probes>>) -> Response {
    let Some(handle) = &state.metrics else {
        return (StatusCode::NOT_FOUND, "metrics are disabled\n").into_response();
    };
    if let Ok(stats) = state.store.queue_stats().await {
        metrics::gauge!("steward_queue_jobs", "state" => "pending").set(stats.pending as f64);
        metrics::gauge!("steward_queue_jobs", "state" => "running").set(stats.running as f64);
        metrics::gauge!("steward_queue_jobs", "state" => "dead").set(stats.dead as f64);
        metrics::gauge!("steward_queue_jobs", "state" => "gone").set(stats.gone as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
