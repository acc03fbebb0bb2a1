//! `POST /webhooks/gitlab`: authenticate, decode leniently, record the delivery and its job in
//! one commit, answer 200. GitLab disables a hook after 4 failed deliveries and counts every 4xx
//! and 5xx (GITLAB.md §1.5), so content never causes an error status: only a failed
//! authentication (401) or a store that cannot commit (503, so that GitLab's log shows the
//! delivery was not taken) do.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};

use crate::gitlab::auth;
use crate::gitlab::payload::{self, WebhookEvent};
use crate::jobs::{ISSUE_SYNC, IssueSync};
use crate::service::AppState;
use crate::store::{NewDelivery, NewJob, RecordOutcome};

/// What happened to a delivery, for metrics and the delivery record.
fn outcome_label(o: &Disposition) -> &'static str {
    match o {
        Disposition::Enqueue(_) => "queued",
        Disposition::Ignore(_) => "ignored",
    }
}

enum Disposition {
    Enqueue(IssueSync),
    Ignore(String),
}

/// Headers kept with each delivery for inspection. Never the token or the signature.
const KEPT_HEADERS: &[&str] = &[
    "x-gitlab-event",
    "x-gitlab-event-uuid",
    "x-gitlab-webhook-uuid",
    "x-gitlab-instance",
    "idempotency-key",
    "webhook-id",
    "webhook-timestamp",
    "user-agent",
];

/// The webhook handler.
pub async fn receive(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let now = state.clock.now();
    if let Err(e) = auth::authenticate(&headers, &body, &state.auth, now) {
        metrics::counter!("steward_webhook_deliveries_total", "outcome" => "unauthorized")
            .increment(1);
        tracing::warn!(reason = %e, "webhook rejected: not authenticated");
        return StatusCode::UNAUTHORIZED;
    }

    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let event_name = header("x-gitlab-event");
    let event_uuid = header("x-gitlab-event-uuid");
    // `webhook-id` first: when a signature was checked, it is the signed copy of the key.
    let idempotency = header("webhook-id").or_else(|| header("idempotency-key"));

    let decoded = payload::decode(event_name.as_deref(), &body);
    let (disposition, project, iid, decode_error) = match &decoded {
        Ok(WebhookEvent::Issue(ev)) => {
            let issue = &ev.issue;
            let d = if ev.actor.as_ref().and_then(|a| a.id) == Some(state.bot.id) {
                Disposition::Ignore("echo of Steward's own change".into())
            } else if !state.serves(issue.project_id) {
                Disposition::Ignore(format!("project {} is not served", issue.project_id))
            } else if ev.object_kind != "issue" {
                Disposition::Ignore(format!("work item event (`{}`)", ev.object_kind))
            } else {
                Disposition::Enqueue(IssueSync {
                    project: issue.project_id,
                    iid: issue.iid,
                    event_uuid: event_uuid.clone(),
                    delivery_id: None,
                })
            };
            (d, Some(issue.project_id), Some(issue.iid), None)
        }
        Ok(WebhookEvent::Note(ev)) => (
            Disposition::Ignore("comments do not change rule inputs".into()),
            ev.project_id,
            ev.issue.as_ref().map(|i| i.iid),
            None,
        ),
        Ok(WebhookEvent::Other { object_kind }) => (
            Disposition::Ignore(format!("event kind `{object_kind}` is not handled")),
            None,
            None,
            None,
        ),
        Err(e) => (
            Disposition::Ignore("undecodable body kept for inspection".into()),
            None,
            None,
            Some(e.to_string()),
        ),
    };
    // Without an Idempotency-Key (GitLab before 17.4), the body itself is the key: a resend
    // carries the same bytes, while two different events never do (a content key built from
    // `updated_at` would merge two edits made within the same second).
    let dedup_key = match &idempotency {
        Some(k) => format!("idem:{k}"),
        None => format!("body:{}", hex_sha256(&body)),
    };
    let outcome = outcome_label(&disposition);
    let job = match disposition {
        Disposition::Enqueue(sync) => {
            let coalesce = IssueSync::coalesce_key(sync.project, sync.iid);
            let job = NewJob {
                kind: ISSUE_SYNC.to_owned(),
                payload: serde_json::to_value(&sync).unwrap_or_default(),
                run_at: now,
                coalesce_key: Some(coalesce),
            };
            Some(job)
        }
        Disposition::Ignore(why) => {
            tracing::debug!(reason = %why, "delivery recorded, no job");
            None
        }
    };
    let kept: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|h| header(h).map(|v| ((*h).to_owned(), serde_json::Value::String(v))))
        .collect();
    let delivery = NewDelivery {
        dedup_key,
        event_name,
        event_uuid,
        project_id: project,
        issue_iid: iid,
        headers_json: serde_json::Value::Object(kept).to_string(),
        body: body.to_vec(),
        decode_error,
        received_at: now,
        job,
    };
    match state.store.record_delivery(delivery).await {
        Ok(RecordOutcome::Accepted { job_id, .. }) => {
            metrics::counter!("steward_webhook_deliveries_total", "outcome" => outcome)
                .increment(1);
            if job_id.is_some() {
                state.jobs_ready.notify_one();
            }
            StatusCode::OK
        }
        Ok(RecordOutcome::Duplicate { .. }) => {
            metrics::counter!("steward_webhook_deliveries_total", "outcome" => "duplicate")
                .increment(1);
            StatusCode::OK
        }
        Err(e) => {
            metrics::counter!("steward_webhook_deliveries_total", "outcome" => "store_error")
                .increment(1);
            tracing::error!(error = %e, "could not record a webhook delivery");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
