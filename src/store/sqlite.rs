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
mod health;
mod jobs;
mod records;
mod rows;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::convert::ms;
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
    /// The database file as opened (`None` in memory).
    file: Option<Arc<health::FileIdentity>>,
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
        let db_path = base.get_filename().to_owned();
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
        // A local file does not go stale like a network connection: skip the ping that sqlx
        // would otherwise send before handing out every pooled connection.
        let write = SqlitePoolOptions::new()
            .test_before_acquire(false)
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
                .test_before_acquire(false)
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(|e| scrub.error(e))?
        };
        let file = if in_memory {
            None
        } else {
            let identity = health::FileIdentity::capture(&db_path).map_err(|e| {
                StoreError::Permanent(format!("cannot read {}: {e}", db_path.display()))
            })?;
            Some(Arc::new(identity))
        };
        let batcher = batch::Batcher::spawn(
            write.clone(),
            opts.sqlite_max_batch.max(1),
            scrub.clone(),
            file.clone(),
        );
        Ok(Self {
            write,
            read,
            batcher,
            file,
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

    fn check_writable(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            if let Some(file) = &self.file {
                file.check()?;
            }
            health::probe_writer(&self.write, &self.scrub).await
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
        Box::pin(self.enqueue_job_op(job))
    }

    fn claim_job<'a>(
        &'a self,
        worker_id: &'a str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<ClaimedJob>, StoreError>> {
        Box::pin(self.claim_job_op(worker_id, now, lease))
    }

    fn extend_lease<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<DateTime<Utc>, StoreError>> {
        Box::pin(self.extend_lease_op(job, now, lease))
    }

    fn complete_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        summary: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.finish_job_op(job, now, JobState::Done, summary))
    }

    fn retry_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        error: &'a str,
        next_run_at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<RetryOutcome, StoreError>> {
        Box::pin(self.retry_job_op(job, now, error, next_run_at))
    }

    fn fail_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        error: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.fail_job_op(job, now, error))
    }

    fn mark_job_gone<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.finish_job_op(job, now, JobState::Gone, reason))
    }

    fn requeue_dead(
        &self,
        id: JobId,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.requeue_dead_op(id, now))
    }

    fn prune_done_jobs(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let cutoff = super::cutoff(now, retain)?;
            let done = sqlx::query(
                "DELETE FROM jobs WHERE state IN ('done', 'gone') AND finished_at < ?1",
            )
            .bind(ms(cutoff))
            .execute(&self.write)
            .await
            .map_err(|e| self.err(e))?;
            Ok(done.rows_affected())
        })
    }

    fn queue_stats(&self) -> BoxFuture<'_, Result<QueueStats, StoreError>> {
        Box::pin(self.queue_stats_op())
    }

    fn next_run_at(&self) -> BoxFuture<'_, Result<Option<DateTime<Utc>>, StoreError>> {
        Box::pin(self.next_run_at_op())
    }

    fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> BoxFuture<'_, Result<Vec<JobRecord>, StoreError>> {
        Box::pin(self.list_jobs_op(state, limit))
    }

    fn append_audit(&self, entry: AuditEntry) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(self.append_audit_op(entry))
    }

    fn finish_audit(
        &self,
        id: i64,
        status: Option<u16>,
        detail: String,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.finish_audit_op(id, status, detail))
    }

    fn list_audit<'a>(
        &'a self,
        filter: &'a AuditFilter,
    ) -> BoxFuture<'a, Result<Vec<AuditRecord>, StoreError>> {
        Box::pin(self.list_audit_op(filter))
    }

    fn count_audit<'a>(
        &'a self,
        filter: &'a AuditFilter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.count_audit_op(filter))
    }

    fn get_owned_note<'a>(
        &'a self,
        target: &'a NoteTarget,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<OwnedNote>, StoreError>> {
        Box::pin(self.get_owned_note_op(target, key))
    }

    fn list_owned_notes<'a>(
        &'a self,
        target: &'a NoteTarget,
    ) -> BoxFuture<'a, Result<Vec<(String, OwnedNote)>, StoreError>> {
        Box::pin(self.list_owned_notes_op(target))
    }

    fn put_owned_note<'a>(
        &'a self,
        target: &'a NoteTarget,
        key: &'a str,
        note: OwnedNote,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.put_owned_note_op(target, key, note))
    }

    fn claim_slot<'a>(
        &'a self,
        schedule: &'a str,
        slot: DateTime<Utc>,
        owner: &'a str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.claim_slot_op(schedule, slot, owner, now))
    }

    fn finish_slot<'a>(
        &'a self,
        schedule: &'a str,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        outcome: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.finish_slot_op(schedule, slot, now, outcome))
    }

    fn last_finished_slot<'a>(
        &'a self,
        schedule: &'a str,
    ) -> BoxFuture<'a, Result<Option<DateTime<Utc>>, StoreError>> {
        Box::pin(self.last_finished_slot_op(schedule))
    }

    fn get_state<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(self.get_state_op(key))
    }

    fn set_state<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.set_state_op(key, value))
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
