//! SQLite job-queue operations behind `Store`: enqueue with coalescing, claim, lease-fenced
//! completion, retry and dead-lettering, inspection. Writes run on the single writing
//! connection, so a claim's select-then-update never races with another claim.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{SqliteStore, fenced, rows};
use crate::store::convert::{self, from_ms, ms};
use crate::store::error::StoreError;
use crate::store::types::*;

/// Inserts the job, or returns the pending never-claimed job with the same coalesce key (moving
/// its `run_at` earlier when the new job is due sooner).
pub(super) async fn enqueue(
    conn: &mut SqliteConnection,
    job: &NewJob,
    delivery: Option<DeliveryId>,
) -> Result<EnqueueOutcome, sqlx::Error> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, state, run_at, coalesce_key, delivery_id) \
         VALUES (?1, ?2, 'pending', ?3, ?4, ?5) \
         ON CONFLICT (coalesce_key) WHERE state = 'pending' AND attempts = 0 AND coalesce_key IS NOT NULL \
         DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind(convert::payload_to_db(&job.payload))
    .bind(ms(job.run_at))
    .bind(&job.coalesce_key)
    .bind(delivery.map(|d| d.0))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok(EnqueueOutcome {
            job_id: JobId(id),
            coalesced: false,
        });
    }
    // Only a coalesce-key conflict can skip the insert; that row exists in this transaction.
    let id: i64 = sqlx::query_scalar(
        "UPDATE jobs SET run_at = MIN(run_at, ?1) \
         WHERE coalesce_key = ?2 AND state = 'pending' AND attempts = 0 RETURNING id",
    )
    .bind(ms(job.run_at))
    .bind(&job.coalesce_key)
    .fetch_one(&mut *conn)
    .await?;
    Ok(EnqueueOutcome {
        job_id: JobId(id),
        coalesced: true,
    })
}

/// Dead-letters exhausted jobs whose lease expired, then claims the earliest due job.
pub(super) async fn claim(
    conn: &mut SqliteConnection,
    worker_id: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    max_attempts: u32,
) -> Result<Option<SqliteRow>, sqlx::Error> {
    // A job that keeps killing its worker would otherwise be re-claimed forever.
    sqlx::query(
        "UPDATE jobs SET state = 'dead', finished_at = ?1, lease_until = NULL, \
         last_error = COALESCE(last_error || '; ', '') || 'lease expired on the last allowed attempt' \
         WHERE state = 'running' AND lease_until <= ?1 AND attempts >= ?2",
    )
    .bind(ms(now))
    .bind(i64::from(max_attempts))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, claim_token = claim_token + 1, \
         lease_owner = ?1, lease_until = ?2 \
         WHERE id = (SELECT id FROM jobs \
                     WHERE ((state = 'pending' AND run_at <= ?3 \
                              AND (coalesce_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs r \
                                   WHERE r.coalesce_key = jobs.coalesce_key AND r.state = 'running'))) \
                            OR (state = 'running' AND lease_until <= ?3)) \
                     ORDER BY run_at, id LIMIT 1) \
         RETURNING id, kind, payload, attempts, claim_token, lease_until, delivery_id, coalesce_key",
    )
    .bind(worker_id)
    .bind(ms(lease_until))
    .bind(ms(now))
    .fetch_optional(&mut *conn)
    .await
}

impl SqliteStore {
    pub(super) async fn enqueue_job_op(&self, job: NewJob) -> Result<EnqueueOutcome, StoreError> {
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| self.err(e))?;
        let out = enqueue(&mut tx, &job, None)
            .await
            .map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(out)
    }

    pub(super) async fn claim_job_op(
        &self,
        worker_id: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        let until = convert::add(now, lease)?;
        let mut tx = self
            .write
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| self.err(e))?;
        let claimed = claim(&mut tx, worker_id, now, until, self.max_attempts).await;
        let claimed = claimed.map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        claimed.map(|r| rows::claimed(&r, worker_id)).transpose()
    }

    pub(super) async fn extend_lease_op(
        &self,
        job: &ClaimedJob,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<DateTime<Utc>, StoreError> {
        let until = convert::add(now, lease)?;
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND claim_token = ?3 AND state = 'running'",
        )
        .bind(ms(until))
        .bind(job.id.0)
        .bind(job.claim_token)
        .execute(&self.write)
        .await
        .map_err(|e| self.err(e))?;
        fenced(done.rows_affected(), job)?;
        Ok(until)
    }

    /// Ends the job as `done` or `gone` with its summary (fenced by the claim token).
    pub(super) async fn finish_job_op(
        &self,
        job: &ClaimedJob,
        now: DateTime<Utc>,
        state: JobState,
        summary: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = ?1, summary = ?2, finished_at = ?3, lease_until = NULL \
             WHERE id = ?4 AND claim_token = ?5 AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(summary)
        .bind(ms(now))
        .bind(job.id.0)
        .bind(job.claim_token)
        .execute(&self.write)
        .await
        .map_err(|e| self.err(e))?;
        fenced(done.rows_affected(), job)
    }

    pub(super) async fn retry_job_op(
        &self,
        job: &ClaimedJob,
        now: DateTime<Utc>,
        error: &str,
        next_run_at: DateTime<Utc>,
    ) -> Result<RetryOutcome, StoreError> {
        let state: Option<String> = sqlx::query_scalar(
            "UPDATE jobs SET \
               state = CASE WHEN attempts >= ?1 THEN 'dead' ELSE 'pending' END, \
               finished_at = CASE WHEN attempts >= ?1 THEN ?2 ELSE NULL END, \
               run_at = ?3, last_error = ?4, lease_until = NULL \
             WHERE id = ?5 AND claim_token = ?6 AND state = 'running' RETURNING state",
        )
        .bind(i64::from(self.max_attempts))
        .bind(ms(now))
        .bind(ms(next_run_at))
        .bind(error)
        .bind(job.id.0)
        .bind(job.claim_token)
        .fetch_optional(&self.write)
        .await
        .map_err(|e| self.err(e))?;
        crate::store::retry_outcome(state.as_deref(), job, next_run_at)
    }

    pub(super) async fn fail_job_op(
        &self,
        job: &ClaimedJob,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'dead', last_error = ?1, finished_at = ?2, lease_until = NULL \
             WHERE id = ?3 AND claim_token = ?4 AND state = 'running'",
        )
        .bind(error)
        .bind(ms(now))
        .bind(job.id.0)
        .bind(job.claim_token)
        .execute(&self.write)
        .await
        .map_err(|e| self.err(e))?;
        fenced(done.rows_affected(), job)
    }

    pub(super) async fn requeue_dead_op(
        &self,
        id: JobId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?1, finished_at = NULL, \
             lease_owner = NULL, lease_until = NULL, coalesce_key = NULL WHERE id = ?2 AND state = 'dead'",
        )
        .bind(ms(now))
        .bind(id.0)
        .execute(&self.write)
        .await
        .map_err(|e| self.err(e))?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn queue_stats_op(&self) -> Result<QueueStats, StoreError> {
        let counts = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(&self.read)
            .await
            .map_err(|e| self.err(e))?;
        let mut pairs = Vec::with_capacity(counts.len());
        for r in &counts {
            let state: String = r.try_get("state").map_err(|e| self.err(e))?;
            let n: i64 = r.try_get("n").map_err(|e| self.err(e))?;
            pairs.push((state, n));
        }
        crate::store::stats_from_counts(&pairs)
    }

    pub(super) async fn next_run_at_op(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(t) FROM (\
               SELECT MIN(run_at) AS t FROM jobs WHERE state = 'pending' \
               UNION ALL SELECT MIN(lease_until) FROM jobs WHERE state = 'running')",
        )
        .fetch_one(&self.read)
        .await
        .map_err(|e| self.err(e))?;
        next.map(from_ms).transpose()
    }

    pub(super) async fn list_jobs_op(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let found = sqlx::query(
            "SELECT id, kind, payload, state, attempts, run_at, lease_owner, lease_until, \
             coalesce_key, delivery_id, last_error, summary, finished_at FROM jobs \
             WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(state.map(JobState::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(|e| self.err(e))?;
        found.iter().map(rows::job).collect()
    }
}
