//! Keeps the store from growing without bound while the service runs: once a day it deletes
//! webhook deliveries, finished jobs and per-week state older than their retention (the first
//! pass ten minutes after start-up). Dead
//! letters, the audit log, owned notes and per-issue state are never pruned here.
//!
//! The retentions are the store's floors raised to what an operator looking back needs: a
//! month of deliveries and finished jobs (to replay or explain a recent decision) and the
//! store's own minimum for per-week state.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::store::{MIN_STATE_RETENTION, StatePruned, Store, StoreError};
use steward_core::clock::Clock;

/// How often the store is pruned.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// How long after start-up the first pass runs: not during start-up itself, so a service in a
/// restart loop does not prune on every attempt, and its first minutes stay quiet.
const FIRST_PASS_AFTER: Duration = Duration::from_secs(10 * 60);
/// Deliveries and finished (`done`, `gone`) jobs are kept this long.
pub const HISTORY_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// What one pruning pass deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Webhook deliveries.
    pub deliveries: u64,
    /// Finished jobs.
    pub jobs: u64,
    /// Per-week state rows and old schedule slots.
    pub state: StatePruned,
}

/// One pruning pass as of `now`.
pub async fn prune(store: &dyn Store, now: DateTime<Utc>) -> Result<Pruned, StoreError> {
    Ok(Pruned {
        deliveries: store.prune_deliveries(now, HISTORY_RETENTION).await?,
        jobs: store.prune_done_jobs(now, HISTORY_RETENTION).await?,
        state: store.prune_state(now, MIN_STATE_RETENTION).await?,
    })
}

/// Runs [`prune`] ten minutes after start-up and then daily until `stop`; a failed pass is
/// logged and tried again the next day (nothing depends on it having run).
pub async fn run(store: Arc<dyn Store>, clock: Arc<dyn Clock>, stop: CancellationToken) {
    let mut pause = FIRST_PASS_AFTER;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        pause = EVERY;
        match prune(store.as_ref(), clock.now()).await {
            Ok(p) => tracing::info!(
                deliveries = p.deliveries,
                jobs = p.jobs,
                state_rows = p.state.state_rows,
                schedule_slots = p.state.schedule_slots,
                "pruned the store"
            ),
            Err(e) => tracing::warn!(error = %e, "pruning the store failed; trying again tomorrow"),
        }
    }
}
