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
mod ledger;
mod records;
mod rows;
mod state;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

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

    store_forwarders!();
}

/// Turns "no row matched the claim token" into [`StoreError::LeaseLost`].
fn fenced(rows: u64, job: &ClaimedJob) -> Result<(), StoreError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost { job_id: job.id })
    }
}
