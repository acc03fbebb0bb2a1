//! The runner: claims jobs from the store, runs each under a renewed lease and a panic
//! boundary (a panic fails that job, never the worker), and records how each ended (done,
//! retry with backoff, dead letter, gone), finishing the schedule slot of scheduled jobs.
//!
//! What a job does lives with the job: [`super::issue_sync`], [`super::sweep`],
//! [`super::digest_job`]. The runner only dispatches on [`Job`].

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info_span};

use crate::jobs::unwind::catch_panic;
use crate::jobs::{Job, JobDeps, RunOutcome, SlotRef, SyncError, backoff};
use crate::store::{ClaimedJob, StoreError};

/// How long an idle worker waits before looking for jobs again (jobs enqueued by this process
/// wake it at once; this covers other replicas and delayed retries).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// One worker task.
#[derive(Debug, Clone)]
pub struct Worker {
    deps: JobDeps,
    lease: Duration,
    id: String,
}

impl Worker {
    /// A worker with a unique id (used for leases) that claims jobs for `lease` at a time.
    pub fn new(deps: JobDeps, lease: Duration, id: String) -> Self {
        Self { deps, lease, id }
    }

    /// Runs until `shutdown`; the job in hand is finished first, the rest stay queued.
    pub async fn run(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(worker = %self.id, error = %e, "claiming a job failed"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.deps.jobs_ready.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }

    /// Claims and runs one job. `Ok(false)` when none was due.
    pub async fn run_once(&self) -> Result<bool, StoreError> {
        let now = self.deps.sync.clock.now();
        let Some(job) = self
            .deps
            .sync
            .store
            .claim_job(&self.id, now, self.lease)
            .await?
        else {
            return Ok(false);
        };
        let started = std::time::Instant::now();
        let span = info_span!("job", job_id = job.id.0, kind = %job.kind, attempt = job.attempts);
        // A panic anywhere in the job fails that job, never this worker.
        let outcome = match catch_panic(self.execute_leased(&job))
            .instrument(span)
            .await
        {
            Ok(Some(outcome)) => outcome,
            // Another worker holds the job now and will finish it; nothing to record here.
            Ok(None) => return Ok(true),
            Err(message) => {
                let outcome = RunOutcome::Fail(format!("the job panicked: {message}"));
                let slot = Job::of_claimed(&job).ok().and_then(|j| j.slot().cloned());
                self.finish_slot(slot.as_ref(), &outcome).await;
                outcome
            }
        };
        metrics::histogram!("steward_job_duration_seconds", "kind" => job.kind.clone(), "outcome" => outcome.label())
            .record(started.elapsed().as_secs_f64());
        self.finish(&job, outcome).await?;
        Ok(true)
    }

    /// Runs jobs until none is due now. Tests and the demo use it to drain the queue without
    /// sleeping. Returns how many jobs ran.
    pub async fn drain(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        while self.run_once().await? {
            n += 1;
        }
        Ok(n)
    }

    async fn finish(&self, job: &ClaimedJob, outcome: RunOutcome) -> Result<(), StoreError> {
        let store = &self.deps.sync.store;
        let now = self.deps.sync.clock.now();
        match outcome {
            RunOutcome::Done(summary) => {
                tracing::info!(job_id = job.id.0, kind = %job.kind, %summary, "job done");
                store.complete_job(job, now, &summary).await?;
            }
            RunOutcome::Retry { error, after } => {
                let wait = backoff(job.attempts, after, job.id);
                let at =
                    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
                tracing::warn!(job_id = job.id.0, %error, retry_in_ms = wait.as_millis() as u64, "job will retry");
                store.retry_job(job, now, &error, at).await?;
            }
            RunOutcome::Fail(error) => {
                tracing::error!(job_id = job.id.0, %error, "job failed permanently");
                store.fail_job(job, now, &error).await?;
            }
            RunOutcome::Gone(reason) => {
                tracing::warn!(job_id = job.id.0, %reason, "job ended: its issue is gone");
                store.mark_job_gone(job, now, &reason).await?;
            }
        }
        Ok(())
    }

    /// Runs the job while renewing its lease every third of the lease, so a slow job (GitLab
    /// latency, rate-budget waits) is never claimed by a second worker, here or on another
    /// replica, while it still runs. If a renewal finds the claim replaced (this worker stalled
    /// past its lease), the job is dropped at its next await point and `None` is returned: the
    /// new holder re-reads the issue, as after a crash.
    async fn execute_leased(&self, job: &ClaimedJob) -> Option<RunOutcome> {
        let period = (self.lease / 3).max(Duration::from_millis(100));
        let work = self.execute(job);
        tokio::pin!(work);
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Until when this worker surely holds the job: past it, another worker may have taken
        // it, so carrying on could write to GitLab twice.
        let mut held_until = job.lease_until;
        loop {
            tokio::select! {
                outcome = &mut work => return Some(outcome),
                _ = renew.tick() => {
                    held_until = self.renew(job, period, held_until).await?;
                }
            }
        }
    }

    /// Extends the lease; `None` when the job must be abandoned (the lease was lost, or could
    /// not be renewed before it runs out).
    async fn renew(
        &self,
        job: &ClaimedJob,
        period: Duration,
        held_until: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let now = self.deps.sync.clock.now();
        match self
            .deps
            .sync
            .store
            .extend_lease(job, now, self.lease)
            .await
        {
            Ok(until) => Some(until),
            Err(StoreError::LeaseLost { .. }) => {
                tracing::warn!(
                    job_id = job.id.0,
                    "lease lost to another worker; job abandoned"
                );
                None
            }
            // The lease may still run; the next tick tries again, unless it is about to
            // expire: then stop before another worker can take over.
            Err(e) if now + chrono::Duration::from_std(period).unwrap_or_default() < held_until => {
                tracing::warn!(job_id = job.id.0, error = %e, "could not renew the lease");
                Some(held_until)
            }
            Err(e) => {
                tracing::warn!(job_id = job.id.0, error = %e, "lease could not be renewed before it ran out; job abandoned");
                None
            }
        }
    }

    async fn execute(&self, job: &ClaimedJob) -> RunOutcome {
        let job = match Job::of_claimed(job) {
            Ok(job) => job,
            Err(e) => return RunOutcome::Fail(e.to_string()),
        };
        let outcome = match &job {
            Job::IssueSync(sync) => super::issue_sync::run(&self.deps.sync, sync).await,
            Job::Sweep(_) => self.run_sweep(false).await,
            Job::FullSweep(_) => self.run_sweep(true).await,
            Job::Digest(p) => match super::digest_job::run(&self.deps, p).await {
                Ok(summary) => RunOutcome::Done(summary),
                Err(e) if e.is_transient() => RunOutcome::Retry {
                    error: e.to_string(),
                    after: e.retry_after(),
                },
                Err(e) => RunOutcome::Fail(e.to_string()),
            },
        };
        self.finish_slot(job.slot(), &outcome).await;
        outcome
    }

    async fn run_sweep(&self, full: bool) -> RunOutcome {
        match super::sweep::sweep(&self.deps, full, true).await {
            Ok(report) => RunOutcome::Done(report.summary()),
            Err(SyncError::GitLab(e)) if !e.is_transient() => RunOutcome::Fail(e.to_string()),
            Err(e) => RunOutcome::Retry {
                error: e.to_string(),
                after: match &e {
                    SyncError::GitLab(g) => g.retry_after(),
                    SyncError::Store(_) => None,
                },
            },
        }
    }

    /// Marks a scheduled slot finished once its job has ended (not on a retry).
    async fn finish_slot(&self, slot: Option<&SlotRef>, outcome: &RunOutcome) {
        let Some(slot) = slot else { return };
        let text = match outcome {
            RunOutcome::Done(s) => s.clone(),
            RunOutcome::Fail(e) => format!("failed: {e}"),
            RunOutcome::Gone(e) => format!("gone: {e}"),
            RunOutcome::Retry { .. } => return,
        };
        let (store, now) = (&self.deps.sync.store, self.deps.sync.clock.now());
        if let Err(e) = store
            .finish_slot(&slot.schedule, slot.slot, now, &text)
            .await
        {
            tracing::warn!(error = %e, schedule = %slot.schedule, "could not finish a schedule slot");
        }
    }
}
