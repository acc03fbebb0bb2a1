//! The SQLite backend: one database file in WAL mode, one writing connection (plus the
//! group-commit writer for deliveries) and a pool of readers. It must not be shared by several
//! processes for throughput (SQLite allows one writer at a time); replicas use PostgreSQL.
//!
//! Durability: every write commits with `synchronous=FULL` by default, so an acknowledged
//! delivery survives a process kill (SIGKILL) and a power loss. `synchronous=NORMAL` (optional)
//! still survives a process kill in WAL mode: a commit has been written to the WAL file through
//! the OS before `COMMIT` returns, and the OS keeps it when the process dies; only a power loss
//! or kernel crash can lose the last commits. FULL costs one fsync per commit, which the
//! group-commit writer ([`batch`]) shares among all deliveries of a batch.

mod batch;
mod jobs;
mod rows;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::convert::{self, from_ms, ms};
use super::error::{Scrubber, StoreError, redact_url};
use super::types::*;
use super::{BoxFuture, Store, StoreOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// The SQLite implementation of [`Store`].
pub(crate) struct SqliteStore {
    /// Exactly one connection: all writes are serialised in-process, so they never meet
    /// SQLITE_BUSY from each other.
    write: SqlitePool,
    /// Readers (WAL lets them run beside the writer). The same pool as `write` in memory.
    read: SqlitePool,
    batcher: batch::Batcher,
    scrub: Scrubber,
    lease: Duration,
    max_attempts: u32,
}

impl SqliteStore {
    /// Opens (creating with `mode=rwc`) the database the URL names.
    pub(crate) async fn open(url: &str, opts: &StoreOptions) -> Result<Self, StoreError> {
        let scrub = Scrubber::for_url(url);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let base = SqliteConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl {
            url: redact_url(url),
            reason: e.to_string(),
        })?;
        let sync = if opts.sqlite_synchronous_full {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let connect = base
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(sync)
            // Another process (a `steward migrate`, a backup) may hold the lock briefly.
            .busy_timeout(opts.acquire_timeout)
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            // An in-memory database lives as long as its only connection: never recycle it.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect.clone())
            .await
            .map_err(|e| scrub.error(e))?;
        let read = if in_memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(|e| scrub.error(e))?
        };
        let batcher =
            batch::Batcher::spawn(write.clone(), opts.sqlite_max_batch.max(1), scrub.clone());
        Ok(Self {
            write,
            read,
            batcher,
            scrub,
            lease: opts.lease,
            max_attempts: opts.max_attempts.max(1),
        })
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        self.scrub.error(e)
    }
}

impl Store for SqliteStore {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    fn default_lease(&self) -> Duration {
        self.lease
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&self.read)
                .await
                .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn migrate(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            MIGRATOR
                .run(&self.write)
                .await
                .map_err(|e| self.scrub.migrate_error(e))
        })
    }

    fn migration_status(&self) -> BoxFuture<'_, Result<Vec<MigrationInfo>, StoreError>> {
        Box::pin(async move {
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            )
            .fetch_one(&self.read)
            .await
            .map_err(|e| self.err(e))?;
            let applied: Vec<i64> = if exists > 0 {
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(&self.read)
                    .await
                    .map_err(|e| self.err(e))?
            } else {
                Vec::new()
            };
            Ok(super::migration_infos(&MIGRATOR, &applied))
        })
    }

    fn record_delivery(
        &self,
        delivery: NewDelivery,
    ) -> BoxFuture<'_, Result<RecordOutcome, StoreError>> {
        Box::pin(async move { self.batcher.submit(delivery).await })
    }

    fn get_delivery(
        &self,
        id: DeliveryId,
    ) -> BoxFuture<'_, Result<Option<StoredDelivery>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT id, dedup_key, event_name, event_uuid, project_id, issue_iid, headers, body, \
                 decode_error, received_at FROM deliveries WHERE id = ?1",
            )
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(|e| self.err(e))?;
            row.map(|r| rows::delivery(&r)).transpose()
        })
    }

    fn prune_deliveries(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let cutoff = super::prune_cutoff(now, retain)?;
            let done = sqlx::query("DELETE FROM deliveries WHERE received_at < ?1")
                .bind(ms(cutoff))
                .execute(&self.write)
                .await
                .map_err(|e| self.err(e))?;
            Ok(done.rows_affected())
        })
    }

    fn enqueue_job(&self, job: NewJob) -> BoxFuture<'_, Result<EnqueueOutcome, StoreError>> {
        Box::pin(async move {
            let mut tx = self
                .write
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(|e| self.err(e))?;
            let out = jobs::enqueue(&mut tx, &job, None)
                .await
                .map_err(|e| self.err(e))?;
            tx.commit().await.map_err(|e| self.err(e))?;
            Ok(out)
        })
    }

    fn claim_job<'a>(
        &'a self,
        worker_id: &'a str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<ClaimedJob>, StoreError>> {
        Box::pin(async move {
            let until = convert::add(now, lease)?;
            let mut tx = self
                .write
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(|e| self.err(e))?;
            let claimed = jobs::claim(&mut tx, worker_id, now, until, self.max_attempts).await;
            let claimed = claimed.map_err(|e| self.err(e))?;
            tx.commit().await.map_err(|e| self.err(e))?;
            claimed.map(|r| rows::claimed(&r, worker_id)).transpose()
        })
    }

    fn extend_lease<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<DateTime<Utc>, StoreError>> {
        Box::pin(async move {
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
        })
    }

    fn complete_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        summary: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE jobs SET state = 'done', summary = ?1, finished_at = ?2, lease_until = NULL \
                 WHERE id = ?3 AND claim_token = ?4 AND state = 'running'",
            )
            .bind(summary)
            .bind(ms(now))
            .bind(job.id.0)
            .bind(job.claim_token)
            .execute(&self.write)
            .await
            .map_err(|e| self.err(e))?;
            fenced(done.rows_affected(), job)
        })
    }

    fn retry_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        error: &'a str,
        next_run_at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<RetryOutcome, StoreError>> {
        Box::pin(async move {
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
            super::retry_outcome(state.as_deref(), job, next_run_at)
        })
    }

    fn fail_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        error: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
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
        })
    }

    fn requeue_dead(
        &self,
        id: JobId,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
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
        })
    }

    fn queue_stats(&self) -> BoxFuture<'_, Result<QueueStats, StoreError>> {
        Box::pin(async move {
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
            super::stats_from_counts(&pairs)
        })
    }

    fn next_run_at(&self) -> BoxFuture<'_, Result<Option<DateTime<Utc>>, StoreError>> {
        Box::pin(async move {
            let next: Option<i64> = sqlx::query_scalar(
                "SELECT MIN(t) FROM (\
                   SELECT MIN(run_at) AS t FROM jobs WHERE state = 'pending' \
                   UNION ALL SELECT MIN(lease_until) FROM jobs WHERE state = 'running')",
            )
            .fetch_one(&self.read)
            .await
            .map_err(|e| self.err(e))?;
            next.map(from_ms).transpose()
        })
    }

    fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> BoxFuture<'_, Result<Vec<JobRecord>, StoreError>> {
        Box::pin(async move {
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
        })
    }

    fn append_audit(&self, entry: AuditEntry) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO audit_log (at, job_id, delivery_id, project_id, issue_iid, actor, \
                 rule_names, action, api_call, response_status, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            )
            .bind(ms(entry.at))
            .bind(entry.job_id.map(|j| j.0))
            .bind(entry.delivery_id.map(|d| d.0))
            .bind(convert::opt_id_to_db(entry.project_id.map(|p| p.0))?)
            .bind(convert::opt_id_to_db(entry.issue_iid.map(|i| i.0))?)
            .bind(&entry.actor)
            .bind(convert::names_to_db(&entry.rule_names))
            .bind(&entry.action)
            .bind(&entry.api_call)
            .bind(entry.response_status.map(i64::from))
            .bind(&entry.detail)
            .fetch_one(&self.write)
            .await
            .map_err(|e| self.err(e))?;
            Ok(id)
        })
    }

    fn list_audit<'a>(
        &'a self,
        filter: &'a AuditFilter,
    ) -> BoxFuture<'a, Result<Vec<AuditRecord>, StoreError>> {
        Box::pin(async move {
            let limit = filter.limit.unwrap_or(convert::DEFAULT_LIST_LIMIT);
            let found = sqlx::query(
                "SELECT id, at, job_id, delivery_id, project_id, issue_iid, actor, rule_names, action, \
                 api_call, response_status, detail FROM audit_log \
                 WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR issue_iid = ?2) \
                 AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR at >= ?4) \
                 ORDER BY id DESC LIMIT ?5",
            )
            .bind(convert::opt_id_to_db(filter.project.map(|p| p.0))?)
            .bind(convert::opt_id_to_db(filter.issue.map(|i| i.0))?)
            .bind(filter.action.as_deref())
            .bind(filter.since.map(ms))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(|e| self.err(e))?;
            found.iter().map(rows::audit).collect()
        })
    }

    fn count_audit<'a>(
        &'a self,
        filter: &'a AuditFilter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log \
                 WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR issue_iid = ?2) \
                 AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR at >= ?4)",
            )
            .bind(convert::opt_id_to_db(filter.project.map(|p| p.0))?)
            .bind(convert::opt_id_to_db(filter.issue.map(|i| i.0))?)
            .bind(filter.action.as_deref())
            .bind(filter.since.map(ms))
            .fetch_one(&self.read)
            .await
            .map_err(|e| self.err(e))?;
            convert::id_from_db(n)
        })
    }

    fn get_owned_note<'a>(
        &'a self,
        target: &'a NoteTarget,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<OwnedNote>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT note_id, body_hash, updated_at FROM owned_notes WHERE target = ?1 AND note_key = ?2",
            )
            .bind(target.storage_key())
            .bind(key)
            .fetch_optional(&self.read)
            .await
            .map_err(|e| self.err(e))?;
            row.map(|r| rows::owned_note(&r)).transpose()
        })
    }

    fn put_owned_note<'a>(
        &'a self,
        target: &'a NoteTarget,
        key: &'a str,
        note: OwnedNote,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO owned_notes (target, note_key, note_id, body_hash, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (target, note_key) DO UPDATE SET \
                 note_id = excluded.note_id, body_hash = excluded.body_hash, updated_at = excluded.updated_at",
            )
            .bind(target.storage_key())
            .bind(key)
            .bind(convert::id_to_db(note.note_id.0)?)
            .bind(&note.body_hash)
            .bind(ms(note.updated_at))
            .execute(&self.write)
            .await
            .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn claim_slot<'a>(
        &'a self,
        schedule: &'a str,
        slot: DateTime<Utc>,
        owner: &'a str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO schedule_runs (schedule, slot, owner, claimed_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (schedule, slot) DO NOTHING",
            )
            .bind(schedule)
            .bind(ms(slot))
            .bind(owner)
            .bind(ms(now))
            .execute(&self.write)
            .await
            .map_err(|e| self.err(e))?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn finish_slot<'a>(
        &'a self,
        schedule: &'a str,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        outcome: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE schedule_runs SET finished_at = ?1, outcome = ?2 WHERE schedule = ?3 AND slot = ?4",
            )
            .bind(ms(now))
            .bind(outcome)
            .bind(schedule)
            .bind(ms(slot))
            .execute(&self.write)
            .await
            .map_err(|e| self.err(e))?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn last_finished_slot<'a>(
        &'a self,
        schedule: &'a str,
    ) -> BoxFuture<'a, Result<Option<DateTime<Utc>>, StoreError>> {
        Box::pin(async move {
            let slot: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(slot) FROM schedule_runs WHERE schedule = ?1 AND finished_at IS NOT NULL",
            )
            .bind(schedule)
            .fetch_one(&self.read)
            .await
            .map_err(|e| self.err(e))?;
            slot.map(from_ms).transpose()
        })
    }

    fn get_state<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT value FROM kv_state WHERE key = ?1")
                .bind(key)
                .fetch_optional(&self.read)
                .await
                .map_err(|e| self.err(e))
        })
    }

    fn set_state<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO kv_state (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&self.write)
            .await
            .map_err(|e| self.err(e))?;
            Ok(())
        })
    }
}

/// Turns "no row matched the claim token" into [`StoreError::LeaseLost`].
fn fenced(rows: u64, job: &ClaimedJob) -> Result<(), StoreError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost { job_id: job.id })
    }
}
