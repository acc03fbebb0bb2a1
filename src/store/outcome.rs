//! What both backends conclude the same way from what their SQL returned: retention cutoffs,
//! the outcome of a fenced retry, queue statistics and migration status. No SQL lives here.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    ClaimedJob, JobState, MIN_DELIVERY_RETENTION, MigrationInfo, QueueStats, RetryOutcome,
    StoreError,
};

/// The embedded migrations with their applied flag.
pub(super) fn migration_infos(
    migrator: &sqlx::migrate::Migrator,
    applied: &[i64],
) -> Vec<MigrationInfo> {
    migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| MigrationInfo {
            version: m.version,
            description: m.description.to_string(),
            applied: applied.contains(&m.version),
        })
        .collect()
}

/// `now - retain`.
pub(super) fn cutoff(now: DateTime<Utc>, retain: Duration) -> Result<DateTime<Utc>, StoreError> {
    chrono::Duration::from_std(retain)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .ok_or_else(|| StoreError::Permanent(format!("retention {retain:?} is too long")))
}

/// `now - retain`, with `retain` raised to [`MIN_DELIVERY_RETENTION`].
pub(super) fn prune_cutoff(
    now: DateTime<Utc>,
    retain: Duration,
) -> Result<DateTime<Utc>, StoreError> {
    cutoff(now, retain.max(MIN_DELIVERY_RETENTION))
}

/// Interprets the state a fenced retry update returned (`None`: the claim was not current).
pub(super) fn retry_outcome(
    state: Option<&str>,
    job: &ClaimedJob,
    next_run_at: DateTime<Utc>,
) -> Result<RetryOutcome, StoreError> {
    match state {
        Some("pending") => Ok(RetryOutcome::Scheduled { next_run_at }),
        Some("dead") => Ok(RetryOutcome::DeadLettered),
        Some(other) => Err(StoreError::Corrupt(format!(
            "job {} left in state {other}",
            job.id
        ))),
        None => Err(StoreError::LeaseLost { job_id: job.id }),
    }
}

/// Builds [`QueueStats`] from `(state, count)` pairs.
pub(super) fn stats_from_counts(pairs: &[(String, i64)]) -> Result<QueueStats, StoreError> {
    let mut stats = QueueStats::default();
    for (state, n) in pairs {
        let n = u64::try_from(*n).map_err(|_| StoreError::Corrupt(format!("count {n}")))?;
        match JobState::parse(state) {
            Some(JobState::Pending) => stats.pending = n,
            Some(JobState::Running) => stats.running = n,
            Some(JobState::Done) => stats.done = n,
            Some(JobState::Dead) => stats.dead = n,
            Some(JobState::Gone) => stats.gone = n,
            None => return Err(StoreError::Corrupt(format!("job state {state}"))),
        }
    }
    Ok(stats)
}
