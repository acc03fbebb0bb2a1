//! Jobs ([`Job`]), how a run ends ([`RunOutcome`]) and the retry policy. The worker loop that runs them is
//! [`worker`]; what each job does to GitLab is decided by `rules` and carried out by `reconcile`.

pub mod digest_job;
pub mod issue_sync;
pub mod ledger;
pub mod notes;
pub mod plan;
pub mod supervisor;
pub mod sweep;
pub mod unwind;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use steward_core::model::ProjectId;

pub use crate::queue::{
    DigestJob, IssueSync, JOB_SCHEMA_VERSION, Job, JobDecodeError, SlotRef, SweepJob,
};
pub use issue_sync::SyncDeps;

use crate::gitlab::GitLabError;
use crate::store::JobId;

/// What the job runner and the sweep and digest jobs use: issue sync's dependencies plus the
/// served projects, the digest configuration and the queue's wake-up signal.
#[derive(Clone)]
pub struct JobDeps {
    /// What issue sync uses (store, GitLab, engine, clock, lookups, bot user).
    pub sync: SyncDeps,
    /// Projects served (the sweep and the digest read these).
    pub projects: Vec<ProjectId>,
    /// Weekly digest targets, when digests are configured.
    pub digest: Option<steward_core::digest::DigestConfig>,
    /// Wakes idle workers when a job is enqueued.
    pub jobs_ready: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for JobDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobDeps")
            .field("projects", &self.projects)
            .finish_non_exhaustive()
    }
}

/// Why a sync or sweep stopped early.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// GitLab refused or failed.
    #[error(transparent)]
    GitLab(#[from] GitLabError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// Done; the summary says what was written.
    Done(String),
    /// Try again later (transient failure), no earlier than `after`.
    Retry {
        /// Why.
        error: String,
        /// Minimum wait (e.g. from `Retry-After`).
        after: Option<Duration>,
    },
    /// Will never succeed as is (403, bad payload, a panic): dead-lettered with the reason.
    Fail(String),
    /// What the job was about no longer exists (GitLab answers 404 for the issue: deleted,
    /// moved, or not in that project): ended as `gone` with the reason, not dead-lettered.
    Gone(String),
}

impl RunOutcome {
    /// The `outcome` label of the job metrics.
    pub fn label(&self) -> &'static str {
        match self {
            RunOutcome::Done(_) => "done",
            RunOutcome::Retry { .. } => "retry",
            RunOutcome::Fail(_) => "failed",
            RunOutcome::Gone(_) => "gone",
        }
    }
}

/// Backoff before attempt `attempts + 1`: exponential from 2 s, capped at 10 minutes, never
/// shorter than the server's `Retry-After`, with a small deterministic jitter per job so that
/// many jobs failing together do not retry in lockstep.
pub fn backoff(attempts: u32, retry_after: Option<Duration>, job: JobId) -> Duration {
    let exp = 2u64.saturating_pow(attempts.min(16)).saturating_mul(2);
    let base = Duration::from_secs(exp.min(600));
    let jitter = Duration::from_millis((job.0.unsigned_abs() * 7919) % 1000);
    base.max(retry_after.unwrap_or_default()) + jitter
}

/// What the retry policy needs to know about an error.
pub trait Retryable {
    /// Whether trying again later may succeed.
    fn is_transient(&self) -> bool;
    /// The wait GitLab asked for (`Retry-After`), if any.
    fn retry_after(&self) -> Option<Duration>;
}

impl Retryable for SyncError {
    fn is_transient(&self) -> bool {
        match self {
            SyncError::GitLab(e) => e.is_transient(),
            SyncError::Store(e) => e.is_transient(),
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::GitLab(e) => e.retry_after(),
            SyncError::Store(_) => None,
        }
    }
}

/// Runs `run` until it succeeds, fails permanently, or has been tried `max_attempts` times,
/// waiting [`backoff`] (which honours `Retry-After`) between tries: the queue's retry policy,
/// for work done outside the queue (`steward digest`, `steward sweep`). `on_retry` is told of
/// each wait, with the attempt that failed, so a command can show progress.
pub async fn with_retries<T, E, Fut>(
    max_attempts: u32,
    mut run: impl FnMut() -> Fut,
    mut on_retry: impl FnMut(&E, u32, Duration),
) -> Result<T, E>
where
    E: Retryable,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        match run().await {
            Err(e) if e.is_transient() && attempts < max_attempts => {
                let wait = backoff(attempts, e.retry_after(), JobId(0));
                on_retry(&e, attempts, wait);
                tokio::time::sleep(wait).await;
            }
            outcome => return outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let first = backoff(0, None, JobId(1));
        let third = backoff(2, None, JobId(1));
        assert!(third > first);
        assert!(backoff(40, None, JobId(1)) <= Duration::from_secs(601));
        assert!(backoff(0, Some(Duration::from_secs(30)), JobId(1)) >= Duration::from_secs(30));
    }

    #[derive(Debug, PartialEq)]
    struct Throttled(bool);

    impl Retryable for Throttled {
        fn is_transient(&self) -> bool {
            self.0
        }
        fn retry_after(&self) -> Option<Duration> {
            Some(Duration::from_secs(30))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn work_outside_the_queue_is_retried_with_the_queue_backoff_and_bounded() {
        let mut calls = 0;
        let mut waits = Vec::new();
        let out: Result<u32, Throttled> = with_retries(
            8,
            || {
                calls += 1;
                let n = calls;
                async move { if n < 3 { Err(Throttled(true)) } else { Ok(n) } }
            },
            |_, attempt, wait| waits.push((attempt, wait)),
        )
        .await;
        assert_eq!(out, Ok(3));
        assert_eq!(
            waits,
            [(1, Duration::from_secs(30)), (2, Duration::from_secs(30))],
            "Retry-After wins over a shorter backoff"
        );

        let mut calls = 0;
        let out: Result<(), Throttled> = with_retries(
            3,
            || {
                calls += 1;
                async { Err(Throttled(true)) }
            },
            |_, _, _| {},
        )
        .await;
        assert_eq!(
            (out, calls),
            (Err(Throttled(true)), 3),
            "at most max_attempts tries"
        );

        let mut calls = 0;
        let out: Result<(), Throttled> = with_retries(
            3,
            || {
                calls += 1;
                async { Err(Throttled(false)) }
            },
            |_, _, _| {},
        )
        .await;
        assert_eq!(
            (out, calls),
            (Err(Throttled(false)), 1),
            "a refusal is not retried"
        );
    }
}
