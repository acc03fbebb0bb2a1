//! `POST /webhooks/gitlab`: authenticate (from the headers when they suffice), read the body
//! within its bounds, decode what routing needs, record the delivery and its job in one
//! commit, answer 200. GitLab disables a hook after 4 failed deliveries and counts every 4xx
//! and 5xx (GITLAB.md §1.5), so content never causes an error status: only a failed
//! authentication (401) or a store that cannot commit (503, so that GitLab's log shows the
//! delivery was not taken) do.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, Semaphore};

use super::intake;
use crate::config::WebhookSettings;
use crate::gitlab::auth;
use crate::gitlab::payload::{self, Trigger};
use crate::queue::{IssueSync, Job};
use crate::store::{NewDelivery, RecordOutcome, Store};
use steward_core::clock::Clock;
use steward_core::model::{IssueIid, ProjectId, UserId};

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

/// What the webhook receiver uses to authenticate, route and record a delivery.
pub struct Receiver {
    /// Where deliveries and their jobs are recorded.
    pub store: Arc<dyn Store>,
    /// Source of "now" (receipt time, signature replay window).
    pub clock: Arc<dyn Clock>,
    /// Body bounds and limits.
    pub webhook: WebhookSettings,
    /// Accepted secret tokens and signing tokens.
    pub auth: auth::WebhookAuthConfig,
    /// Steward's own GitLab user id: its events are echoes and are skipped.
    pub bot: UserId,
    /// Projects served; empty means every project that sends webhooks.
    pub projects: Vec<ProjectId>,
    /// Woken when a delivery queued a job (idle workers wait on it).
    pub jobs_ready: Arc<Notify>,
}

impl Receiver {
    fn serves(&self, project: ProjectId) -> bool {
        self.projects.is_empty() || self.projects.contains(&project)
    }
}

/// What the webhook route shares: the receiver, the unauthenticated-body budget and the
/// slots for decoding and recording.
pub struct Intake {
    /// What deliveries are checked against and recorded in.
    pub receiver: Receiver,
    /// Bytes of bodies read before their signature is checked, all requests together.
    pub budget: intake::BodyBudget,
    /// Deliveries decoded and recorded at once (`webhook.max_concurrency`).
    pub processing: Semaphore,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake")
            .field("projects", &self.receiver.projects)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl Intake {
    /// The route's state for `receiver`, with its configured limits.
    pub fn new(receiver: Receiver) -> Self {
        let budget = intake::BodyBudget::new(receiver.webhook.max_in_flight_bytes);
        let processing = Semaphore::new(receiver.webhook.max_concurrency.max(1));
        Self {
            receiver,
            budget,
            processing,
        }
    }
}

fn count(outcome: &'static str) {
    metrics::counter!("steward_webhook_deliveries_total", "outcome" => outcome).increment(1);
}

fn unauthorized(e: &auth::AuthError) -> StatusCode {
    count("unauthorized");
    tracing::warn!(reason = %e, "webhook rejected: not authenticated");
    StatusCode::UNAUTHORIZED
}

/// The webhook handler: headers are authenticated before the body is read; a body that only
/// a signature can authenticate is read within the shared budget and checked before use.
pub async fn receive(State(intake): State<Arc<Intake>>, request: Request) -> StatusCode {
    let state = &intake.receiver;
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let now = state.clock.now();
    let verdict = match auth::check_headers(&headers, &state.auth, now) {
        Ok(v) => v,
        Err(e) => return unauthorized(&e),
    };
    let budget = match &verdict {
        auth::HeaderVerdict::Authenticated(_) => None,
        auth::HeaderVerdict::NeedsBody(_) => Some(&intake.budget),
    };
    let declared = intake::declared_length(&headers);
    let read = intake::read(body, state.webhook.max_body_bytes, declared, budget).await;
    let body = match read {
        Ok(body) => body,
        Err(e) => {
            count("unreadable");
            tracing::warn!(reason = %e, "webhook body not read");
            return match e {
                intake::BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                intake::BodyError::Broken(_) => StatusCode::BAD_REQUEST,
                intake::BodyError::NoMemory(_) | intake::BodyError::OverBudget => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            };
        }
    };
    if let auth::HeaderVerdict::NeedsBody(pending) = &verdict
        && let Err(e) = pending.verify(&body.parts, &state.auth)
    {
        return unauthorized(&e);
    }
    let Ok(_slot) = intake.processing.acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    // The budget share stays held until the delivery is recorded: the bytes are in memory
    // until then.
    let (bytes, held) = body.into_bytes();
    let status = record(state, &headers, bytes, now).await;
    drop(held);
    status
}

/// Decodes the authenticated body, records it (and its job) and answers.
async fn record(
    state: &Receiver,
    headers: &HeaderMap,
    body: Vec<u8>,
    now: chrono::DateTime<chrono::Utc>,
) -> StatusCode {
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

    let route = route(
        state,
        payload::decode_trigger(event_name.as_deref(), &body),
        event_uuid.as_deref(),
    );
    // Without an Idempotency-Key (GitLab before 17.4), the body itself is the key: a resend
    // carries the same bytes, while two different events never do (a content key built from
    // `updated_at` would merge two edits made within the same second).
    let dedup_key = match &idempotency {
        Some(k) => format!("idem:{k}"),
        None => format!("body:{}", hex_sha256(&body)),
    };
    let outcome = outcome_label(&route.disposition);
    let job = match route.disposition {
        Disposition::Enqueue(sync) => Some(Job::IssueSync(sync).to_row(now)),
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
        project_id: route.project,
        issue_iid: route.iid,
        headers_json: serde_json::Value::Object(kept).to_string(),
        body,
        decode_error: route.decode_error,
        received_at: now,
        job,
    };
    match state.store.record_delivery(delivery).await {
        Ok(RecordOutcome::Accepted { job_id, .. }) => {
            count(outcome);
            if job_id.is_some() {
                state.jobs_ready.notify_one();
            }
            StatusCode::OK
        }
        Ok(RecordOutcome::Duplicate { .. }) => {
            count("duplicate");
            StatusCode::OK
        }
        Err(e) => {
            count("store_error");
            tracing::error!(error = %e, "could not record a webhook delivery");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Where a delivery goes, and what is recorded with it.
struct Route {
    disposition: Disposition,
    project: Option<ProjectId>,
    iid: Option<IssueIid>,
    decode_error: Option<String>,
}

fn route(
    state: &Receiver,
    decoded: Result<Trigger, payload::PayloadError>,
    event_uuid: Option<&str>,
) -> Route {
    let plain = |disposition, project, iid| Route {
        disposition,
        project,
        iid,
        decode_error: None,
    };
    match decoded {
        Ok(Trigger::Issue {
            object_kind,
            actor,
            project,
            iid,
            project_path,
        }) => {
            // Work items of any project-level type (Ticket, Task, custom types such as
            // "Speaker request") are intake like issues (GITLAB.md §6.1): templates are
            // recognised by marker and fields, never by the type's name.
            let d = if actor == Some(state.bot) {
                Disposition::Ignore("echo of Steward's own change".into())
            } else if !state.serves(project) {
                Disposition::Ignore(format!("project {project} is not served"))
            } else if object_kind != "issue" && object_kind != "work_item" {
                Disposition::Ignore(format!("event kind `{object_kind}` is not handled"))
            } else {
                Disposition::Enqueue(IssueSync {
                    project,
                    iid,
                    event_uuid: event_uuid.map(str::to_owned),
                    delivery_id: None,
                    // Only a work item may be one the Issues API does not show.
                    project_path: project_path.filter(|_| object_kind == "work_item"),
                })
            };
            plain(d, Some(project), Some(iid))
        }
        Ok(Trigger::Note { project, iid }) => plain(
            Disposition::Ignore("comments do not change rule inputs".into()),
            project,
            iid,
        ),
        Ok(Trigger::Other { object_kind }) => plain(
            Disposition::Ignore(format!("event kind `{object_kind}` is not handled")),
            None,
            None,
        ),
        Err(e) => Route {
            disposition: Disposition::Ignore("undecodable body kept for inspection".into()),
            project: None,
            iid: None,
            decode_error: Some(e.to_string()),
        },
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
