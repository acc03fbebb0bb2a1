//! Webhook emission like GitLab's `WebHookService`: per-project hooks, event routing (issue,
//! confidential issue, note, confidential note), recursion detection on `X-Gitlab-Event-UUID`
//! (GITLAB.md §5.3), delivery headers and Standard Webhooks signatures (§1.1, §1.2),
//! auto-disabling after 4 consecutive failures (§1.5), resends with the same `Idempotency-Key`,
//! and the duplicate/reorder faults. It never touches issue state.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio_util::sync::CancellationToken;

use super::faults::Xorshift;
use super::ops::{Event, EventKind};
use super::types::{DeliveryId, DeliveryRecord, HookConfig, HookId, HookStatus};
use super::{Shared, lock};
use crate::model::ProjectId;

/// GitLab 17.11+: disabled when failures exceed 3 (the 4th in a row), permanently past 39.
const TEMPORARY_THRESHOLD: u32 = 3;
const PERMANENT_THRESHOLD: u32 = 39;
/// GitLab forgets a recursion chain after 30 minutes (Redis TTL, GITLAB.md §5.3).
const CHAIN_TTL: TimeDelta = TimeDelta::minutes(30);
/// GitLab blocks chains of 100 hooks (GITLAB.md §1.3).
const MAX_CHAIN: usize = 100;
/// How long the sender waits for a reorder window to fill before sending what it has.
const REORDER_HOLD: Duration = Duration::from_millis(50);
/// The GitLab version the simulator claims in `User-Agent`.
pub(crate) const USER_AGENT: &str = "GitLab/19.1.0";

pub(crate) struct HookRec {
    id: HookId,
    project: ProjectId,
    cfg: HookConfig,
    recent_failures: u32,
    backoff_count: u32,
    disabled_until: Option<DateTime<Utc>>,
    permanent: bool,
}

impl HookRec {
    fn status(&self, now: DateTime<Utc>) -> HookStatus {
        if self.permanent {
            return HookStatus::PermanentlyDisabled;
        }
        match self.disabled_until {
            Some(t) if now < t => HookStatus::DisabledUntil(t),
            _ => HookStatus::Enabled,
        }
    }

    fn wants(&self, e: &Event) -> bool {
        match (e.kind, e.confidential) {
            (EventKind::Issue, false) => self.cfg.issues_events,
            (EventKind::Issue, true) => self.cfg.confidential_issues_events,
            (EventKind::Note, false) => self.cfg.note_events,
            (EventKind::Note, true) => self.cfg.confidential_note_events,
        }
    }
}

struct Delivery {
    hook: HookId,
    event: &'static str,
    body: Vec<u8>,
    record: DeliveryRecord,
}

/// Hooks, the delivery queue and the delivery log.
pub(crate) struct Hooks {
    hooks: Vec<HookRec>,
    queue: VecDeque<DeliveryId>,
    deliveries: BTreeMap<DeliveryId, Delivery>,
    /// Hooks fired per `X-Gitlab-Event-UUID`, with the chain's start time for the TTL.
    chains: HashMap<String, (DateTime<Utc>, HashSet<HookId>)>,
    uuids: Xorshift,
    delivery_rng: Xorshift,
    next_hook: u64,
    next_delivery: u64,
    flush: bool,
    prune_at: usize,
}

impl Hooks {
    pub fn new(seed: u64) -> Self {
        Self {
            hooks: Vec::new(),
            queue: VecDeque::new(),
            deliveries: BTreeMap::new(),
            chains: HashMap::new(),
            uuids: Xorshift::new(seed),
            delivery_rng: Xorshift::new(seed ^ 0xdead_beef),
            next_hook: 0,
            next_delivery: 0,
            flush: false,
            prune_at: 1024,
        }
    }

    pub fn add(&mut self, project: ProjectId, cfg: HookConfig) -> HookId {
        self.next_hook += 1;
        let id = HookId(self.next_hook);
        self.hooks.push(HookRec {
            id,
            project,
            cfg,
            recent_failures: 0,
            backoff_count: 0,
            disabled_until: None,
            permanent: false,
        });
        id
    }

    pub fn reseed(&mut self, seed: u64) {
        self.delivery_rng = Xorshift::new(seed);
    }

    pub fn status(&self, hook: HookId, now: DateTime<Utc>) -> Option<HookStatus> {
        self.hooks
            .iter()
            .find(|h| h.id == hook)
            .map(|h| h.status(now))
    }

    pub fn records(&self) -> Vec<DeliveryRecord> {
        self.deliveries.values().map(|d| d.record.clone()).collect()
    }

    pub fn fresh_uuid(&mut self) -> String {
        self.uuids.uuid()
    }
}

fn event_header(e: &Event) -> &'static str {
    match (e.kind, e.confidential) {
        (EventKind::Issue, false) => "Issue Hook",
        (EventKind::Issue, true) => "Confidential Issue Hook",
        (EventKind::Note, false) => "Note Hook",
        (EventKind::Note, true) => "Confidential Note Hook",
    }
}

/// Queues the deliveries for `events`. `event_uuid` is the `X-Gitlab-Event-UUID` of the API
/// request that caused them, if any: its chain decides recursion blocking.
pub(crate) fn enqueue(shared: &Shared, events: Vec<Event>, event_uuid: Option<String>) {
    if events.is_empty() {
        return;
    }
    let now = shared.now();
    let mut blocked = 0;
    let mut dropped = 0;
    let mut queued = 0;
    {
        let mut h = lock(&shared.hooks);
        if h.chains.len() >= h.prune_at {
            // Amortised: prune only when the map doubled since the last pruning.
            h.chains
                .retain(|_, (started, _)| now - *started < CHAIN_TTL);
            h.prune_at = (h.chains.len() * 2).max(1024);
        }
        for e in events {
            let uuid = event_uuid.clone().unwrap_or_else(|| h.fresh_uuid());
            let targets: Vec<HookId> = h
                .hooks
                .iter()
                .filter(|r| r.project == e.project && r.wants(&e))
                .map(|r| r.id)
                .collect();
            if targets.is_empty() {
                continue;
            }
            let body = serde_json::to_vec(&e.body).unwrap_or_default();
            for hook in targets {
                let (started, chain) = h
                    .chains
                    .entry(uuid.clone())
                    .or_insert_with(|| (now, HashSet::new()));
                if now - *started >= CHAIN_TTL {
                    // The chain expired: GitLab has forgotten it.
                    *started = now;
                    chain.clear();
                }
                if shared.config.recursion_detection
                    && (chain.contains(&hook) || chain.len() >= MAX_CHAIN)
                {
                    blocked += 1;
                    continue;
                }
                chain.insert(hook);
                let enabled = h
                    .hooks
                    .iter()
                    .any(|r| r.id == hook && r.status(now) == HookStatus::Enabled);
                if !enabled {
                    // GITLAB.md §1.3: dropped, not queued, while the hook is disabled.
                    dropped += 1;
                    continue;
                }
                h.next_delivery += 1;
                let id = DeliveryId(h.next_delivery);
                let key = h.uuids.uuid();
                h.deliveries.insert(
                    id,
                    Delivery {
                        hook,
                        event: event_header(&e),
                        body: body.clone(),
                        record: DeliveryRecord {
                            id,
                            hook,
                            event: event_header(&e).to_owned(),
                            idempotency_key: key,
                            event_uuid: uuid.clone(),
                            last_status: None,
                            attempts: 0,
                        },
                    },
                );
                h.queue.push_back(id);
                queued += 1;
            }
        }
        if queued > 0 {
            shared.pending.send_modify(|n| *n += queued);
        }
    }
    let mut c = lock(&shared.counters);
    c.webhooks_blocked += blocked;
    c.webhooks_dropped += dropped;
    drop(c);
    if queued > 0 {
        shared.wake.notify_one();
    }
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>` with key = base64 of the token after
/// `whsec_` (GITLAB.md §1.2). `None` when the token is not valid base64.
pub fn standard_webhooks_signature(
    signing_token: &str,
    id: &str,
    ts: i64,
    body: &[u8],
) -> Option<String> {
    let key = STANDARD
        .decode(signing_token.trim_start_matches("whsec_"))
        .ok()?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Sends one request for a delivery; returns the status (None: timeout or connection error)
/// and updates the hook's failure state and the counters.
async fn send_once(shared: &Shared, id: DeliveryId) -> Option<u16> {
    let now = shared.now();
    let prepared = {
        let mut h = lock(&shared.hooks);
        let webhook_uuid = h.fresh_uuid();
        let d = h.deliveries.get(&id)?;
        let hook = h.hooks.iter().find(|r| r.id == d.hook)?;
        (
            hook.cfg.clone(),
            d.event,
            d.body.clone(),
            d.record.clone(),
            webhook_uuid,
        )
    };
    let (cfg, event, body, record, webhook_uuid) = prepared;
    let ts = now.timestamp();
    let mut req = shared
        .client
        .post(&cfg.url)
        .timeout(shared.config.hook_timeout)
        .header("Content-Type", "application/json")
        .header("User-Agent", USER_AGENT)
        .header("X-Gitlab-Event", event)
        .header("X-Gitlab-Instance", shared.instance_url())
        .header("X-Gitlab-Webhook-UUID", webhook_uuid)
        .header("X-Gitlab-Event-UUID", record.event_uuid.as_str())
        .header("Idempotency-Key", record.idempotency_key.as_str())
        .header("webhook-id", record.idempotency_key.as_str())
        .header("webhook-timestamp", ts.to_string());
    if let Some(t) = &cfg.secret_token {
        req = req.header("X-Gitlab-Token", t.as_str());
    }
    if let Some(sig) = cfg
        .signing_token
        .as_deref()
        .and_then(|t| standard_webhooks_signature(t, &record.idempotency_key, ts, &body))
    {
        req = req.header("webhook-signature", sig);
    }
    let status = req
        .body(body)
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16());
    let ok = status.is_some_and(|s| (200..400).contains(&s));
    {
        let mut h = lock(&shared.hooks);
        if let Some(d) = h.deliveries.get_mut(&id) {
            d.record.attempts += 1;
            d.record.last_status = status;
        }
        let hook_id = record.hook;
        if let Some(r) = h.hooks.iter_mut().find(|r| r.id == hook_id) {
            if ok {
                r.recent_failures = 0;
                r.backoff_count = 0;
                r.disabled_until = None;
            } else {
                r.recent_failures += 1;
                if r.recent_failures > PERMANENT_THRESHOLD {
                    r.permanent = true;
                } else if r.recent_failures > TEMPORARY_THRESHOLD {
                    // 1 minute, doubling, at most a day (GITLAB.md §1.5).
                    let secs = 60u64
                        .saturating_mul(1u64 << r.backoff_count.min(20))
                        .min(86_400);
                    r.backoff_count += 1;
                    r.disabled_until = Some(now + TimeDelta::seconds(secs as i64));
                }
            }
        }
    }
    let mut c = lock(&shared.counters);
    if ok {
        c.webhooks_sent += 1;
    } else {
        c.webhooks_failed += 1;
    }
    status
}

/// Sends a queued delivery (dropping it if its hook was disabled meanwhile), plus a duplicate
/// when the fault draw says so.
async fn deliver(shared: &Shared, id: DeliveryId) {
    let now = shared.now();
    let (enabled, duplicate) = {
        let mut h = lock(&shared.hooks);
        let hook = h.deliveries.get(&id).map(|d| d.hook);
        let enabled = hook.is_some_and(|hk| h.status(hk, now) == Some(HookStatus::Enabled));
        let rate = lock(&shared.faults).faults.duplicate_rate;
        let duplicate = rate > 0.0 && h.delivery_rng.next_f64() < rate;
        (enabled, duplicate)
    };
    if !enabled {
        lock(&shared.counters).webhooks_dropped += 1;
        return;
    }
    send_once(shared, id).await;
    if duplicate {
        send_once(shared, id).await;
    }
}

/// Re-sends a delivery with the same body and `Idempotency-Key` (a fresh
/// `X-Gitlab-Webhook-UUID`), synchronously, like the UI's Resend Request (GITLAB.md §1.4).
pub(crate) async fn resend(shared: &Shared, id: DeliveryId) -> Option<u16> {
    send_once(shared, id).await
}

/// Takes the next batch, shuffled within the reorder window.
fn take_batch(shared: &Shared) -> Vec<DeliveryId> {
    let window = lock(&shared.faults).faults.reorder_window.max(1);
    let mut h = lock(&shared.hooks);
    let n = window.min(h.queue.len());
    let mut batch: Vec<DeliveryId> = h.queue.drain(..n).collect();
    for i in (1..batch.len()).rev() {
        let j = h.delivery_rng.below(i + 1);
        batch.swap(i, j);
    }
    batch
}

/// The background sender: delivers in queue order (or shuffled within the reorder window).
pub(crate) async fn run_sender(shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        let (len, window, flushing) = {
            let h = lock(&shared.hooks);
            let window = lock(&shared.faults).faults.reorder_window.max(1);
            (h.queue.len(), window, h.flush)
        };
        if len == 0 {
            tokio::select! {
                _ = shared.wake.notified() => continue,
                _ = stop.cancelled() => return,
            }
        }
        if len < window && !flushing {
            // Hold a partial window briefly so it can fill up and be shuffled; a wake-up (new
            // delivery or flush) re-evaluates, an expired hold sends what there is.
            let woke = tokio::select! {
                r = tokio::time::timeout(REORDER_HOLD, shared.wake.notified()) => r.is_ok(),
                _ = stop.cancelled() => return,
            };
            if woke {
                continue;
            }
        }
        let batch = take_batch(&shared);
        for id in batch {
            deliver(&shared, id).await;
            shared.pending.send_modify(|n| *n = n.saturating_sub(1));
        }
    }
}

/// Waits until every queued delivery was attempted.
pub(crate) async fn flush(shared: &Shared) {
    lock(&shared.hooks).flush = true;
    shared.wake.notify_one();
    let mut rx = shared.pending.subscribe();
    let _ = rx.wait_for(|n| *n == 0).await;
    lock(&shared.hooks).flush = false;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_documented_test_vector() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gitlab");
        let vector: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("webhook-signature-test-vector.json")).unwrap(),
        )
        .unwrap();
        let body = std::fs::read(dir.join("issue-hook-open.json")).unwrap();
        let ts: i64 = vector["webhook_timestamp"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let sig = standard_webhooks_signature(
            vector["signing_token"].as_str().unwrap(),
            vector["webhook_id"].as_str().unwrap(),
            ts,
            &body,
        );
        assert_eq!(sig.as_deref(), vector["expected_signature"].as_str());
    }
}
