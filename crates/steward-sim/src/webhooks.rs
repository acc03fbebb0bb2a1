//! Webhook emission like GitLab's `WebHookService`: per-project hooks, event routing (issue,
//! confidential issue, note, confidential note), recursion detection on `X-Gitlab-Event-UUID`
//! (GITLAB.md §5.3), delivery headers and Standard Webhooks signatures (§1.1, §1.2),
//! auto-disabling after 4 consecutive failures (§1.5), resends with the same `Idempotency-Key`,
//! and the duplicate/reorder faults. It never touches issue state.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

mod send;

use super::faults::Xorshift;
use super::ops::{Event, EventKind};
use super::types::{DeliveryRecord, HookConfig, HookDeliveryId, HookId, HookStatus};
use super::{Shared, lock};
pub use send::standard_webhooks_signature;
pub(crate) use send::{flush, resend, run_sender};
use steward_core::model::ProjectId;

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
    queue: VecDeque<HookDeliveryId>,
    deliveries: BTreeMap<HookDeliveryId, Delivery>,
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
                h.queue_delivery(hook, &e, body.clone(), &uuid);
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

impl Hooks {
    /// Logs a new delivery of event `e` (serialised as `body`) to `hook` and queues it; `uuid`
    /// is the `X-Gitlab-Event-UUID` it is sent with.
    fn queue_delivery(&mut self, hook: HookId, e: &Event, body: Vec<u8>, uuid: &str) {
        self.next_delivery += 1;
        let id = HookDeliveryId(self.next_delivery);
        let key = self.uuids.uuid();
        self.deliveries.insert(
            id,
            Delivery {
                hook,
                event: event_header(e),
                body,
                record: DeliveryRecord {
                    id,
                    hook,
                    event: event_header(e).to_owned(),
                    idempotency_key: key,
                    event_uuid: uuid.to_owned(),
                    last_status: None,
                    acknowledged: false,
                    attempts: 0,
                },
            },
        );
        self.queue.push_back(id);
    }
}
