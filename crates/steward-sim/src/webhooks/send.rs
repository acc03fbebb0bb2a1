//! Delivery of queued webhooks: the HTTP request with GitLab's headers and Standard Webhooks
//! signature (GITLAB.md §1.1, §1.2), failure accounting and auto-disable (§1.5), duplicates,
//! reordering within the fault window, resends, and draining for `flush_webhooks`.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio_util::sync::CancellationToken;

use super::{HookRec, PERMANENT_THRESHOLD, REORDER_HOLD, TEMPORARY_THRESHOLD, USER_AGENT};
use crate::types::{HookDeliveryId, HookStatus};
use crate::{Shared, lock};

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
async fn send_once(shared: &Shared, id: HookDeliveryId) -> Option<u16> {
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
    let ts = if shared.config.real_time_webhook_timestamps {
        chrono::Utc::now().timestamp()
    } else {
        now.timestamp()
    };
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
            d.record.acknowledged |= status.is_some_and(|s| (200..300).contains(&s));
        }
        let hook_id = record.hook;
        if let Some(r) = h.hooks.iter_mut().find(|r| r.id == hook_id) {
            record_hook_health(r, ok, now);
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

/// A hook's failure state after a request that succeeded (`ok`) or not: a success clears it;
/// failures past the thresholds disable the hook for a while (backing off), then for good.
fn record_hook_health(r: &mut HookRec, ok: bool, now: DateTime<Utc>) {
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

/// Sends a queued delivery (dropping it if its hook was disabled meanwhile), plus a duplicate
/// when the fault draw says so.
async fn deliver(shared: &Shared, id: HookDeliveryId) {
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
pub(crate) async fn resend(shared: &Shared, id: HookDeliveryId) -> Option<u16> {
    send_once(shared, id).await
}

/// Takes the next batch, shuffled within the reorder window.
fn take_batch(shared: &Shared) -> Vec<HookDeliveryId> {
    let window = lock(&shared.faults).faults.reorder_window.max(1);
    let mut h = lock(&shared.hooks);
    let n = window.min(h.queue.len());
    let mut batch: Vec<HookDeliveryId> = h.queue.drain(..n).collect();
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
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("tests/fixtures/gitlab");
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
