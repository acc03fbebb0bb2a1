//! The PostgreSQL backend, shared by several Steward replicas: jobs are claimed with
//! `FOR UPDATE SKIP LOCKED` and leases, deliveries and schedule slots are deduplicated by unique
//! keys, so each runs once across replicas. It must not rely on any in-process state for
//! correctness: every guarantee comes from a constraint or a row lock.

mod jobs;
mod ledger;
mod records;
mod rows;
mod state;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection};

use super::convert;
use super::error::{Scrubber, StoreError, redact_url};
use super::types::*;
use super::{BoxFuture, Store, StoreOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How often an insert racing with a concurrent delete/claim is retried before giving up.
const RACE_RETRIES: usize = 5;

/// The PostgreSQL implementation of [`Store`].
pub(crate) struct PgStore {
    pool: PgPool,
    scrub: Scrubber,
    lease: Duration,
    max_attempts: u32,
}

/// Accepts only plain identifiers, so the schema name can be quoted into SQL safely.
fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

impl PgStore {
    /// Connects the pool (creating the configured schema first when missing).
    pub(crate) async fn open(url: &str, opts: &StoreOptions) -> Result<Self, StoreError> {
        let scrub = Scrubber::for_url(url);
        let connect = PgConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl {
            url: redact_url(url),
            reason: scrub.error(e).to_string(),
        })?;
        let search_path: Option<Arc<str>> = match &opts.postgres_schema {
            None => None,
            Some(schema) if valid_schema(schema) => {
                create_schema(&connect, schema, &scrub).await?;
                Some(format!("SET search_path TO \"{schema}\"").into())
            }
            Some(schema) => {
                return Err(StoreError::InvalidUrl {
                    url: redact_url(url),
                    reason: format!(
                        "schema `{schema}` must be lowercase letters, digits and `_` (at most 63)"
                    ),
                });
            }
        };
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .after_connect(move |conn, _meta| {
                let sql = search_path.clone();
                Box::pin(async move {
                    if let Some(sql) = sql {
                        sqlx::query(AssertSqlSafe(sql)).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect)
            .await
            .map_err(|e| scrub.error(e))?;
        Ok(Self {
            pool,
            scrub,
            lease: opts.lease,
            max_attempts: opts.max_attempts.max(1),
        })
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        self.scrub.error(e)
    }
}

async fn create_schema(
    connect: &PgConnectOptions,
    schema: &str,
    scrub: &Scrubber,
) -> Result<(), StoreError> {
    let mut conn = PgConnection::connect_with(connect)
        .await
        .map_err(|e| scrub.error(e))?;
    let created = sqlx::query(AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
    )))
    .execute(&mut conn)
    .await;
    let _ = conn.close().await;
    match created {
        Ok(_) => Ok(()),
        // Two replicas starting together: the loser sees the winner's schema as a conflict.
        Err(sqlx::Error::Database(db))
            if matches!(db.code().as_deref(), Some("23505" | "42P06")) =>
        {
            Ok(())
        }
        Err(e) => Err(scrub.error(e)),
    }
}

fn race_lost(what: &str) -> StoreError {
    StoreError::Transient(format!(
        "{what} kept racing with concurrent writers; try again"
    ))
}

fn fenced(rows: u64, job: &ClaimedJob) -> Result<(), StoreError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost { job_id: job.id })
    }
}

impl Store for PgStore {
    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    fn default_lease(&self) -> Duration {
        self.lease
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&self.pool)
                .await
                .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn check_writable(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            // Inserts no row, but PostgreSQL still refuses it on a standby, in a read-only
            // database and without the privilege a delivery's insert needs.
            sqlx::query("INSERT INTO deliveries (dedup_key) SELECT '' WHERE false")
                .execute(&self.pool)
                .await
                .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn migrate(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            MIGRATOR
                .run(&self.pool)
                .await
                .map_err(|e| self.scrub.migrate_error(e))
        })
    }

    fn migration_status(&self) -> BoxFuture<'_, Result<Vec<MigrationInfo>, StoreError>> {
        Box::pin(async move {
            // to_regclass follows search_path, so a per-schema migrations table is found.
            let exists: bool =
                sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(|e| self.err(e))?;
            let applied: Vec<i64> = if exists {
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| self.err(e))?
            } else {
                Vec::new()
            };
            Ok(super::migration_infos(&MIGRATOR, &applied))
        })
    }

    fn record_delivery(&self, d: NewDelivery) -> BoxFuture<'_, Result<RecordOutcome, StoreError>> {
        Box::pin(async move {
            let project = convert::opt_id_to_db(d.project_id.map(|p| p.0))?;
            let issue = convert::opt_id_to_db(d.issue_iid.map(|i| i.0))?;
            for _ in 0..RACE_RETRIES {
                let mut tx = self.pool.begin().await.map_err(|e| self.err(e))?;
                // A concurrent insert of the same key waits here until the first commits.
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO deliveries (dedup_key, event_name, event_uuid, project_id, issue_iid, \
                     headers, body, decode_error, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                )
                .bind(&d.dedup_key)
                .bind(&d.event_name)
                .bind(&d.event_uuid)
                .bind(project)
                .bind(issue)
                .bind(&d.headers_json)
                .bind(&d.body)
                .bind(&d.decode_error)
                .bind(d.received_at)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
                let Some(id) = inserted else {
                    let existing: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM deliveries WHERE dedup_key = $1")
                            .bind(&d.dedup_key)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(|e| self.err(e))?;
                    match existing {
                        Some(id) => {
                            return Ok(RecordOutcome::Duplicate {
                                delivery_id: DeliveryId(id),
                            });
                        }
                        // Pruned between the two statements: insert again.
                        None => continue,
                    }
                };
                let delivery_id = DeliveryId(id);
                let job_id = match &d.job {
                    Some(job) => match jobs::enqueue(&mut tx, job, Some(delivery_id))
                        .await
                        .map_err(|e| self.err(e))?
                    {
                        Some(out) => Some(out.job_id),
                        None => return Err(race_lost("enqueueing the delivery's job")),
                    },
                    None => None,
                };
                tx.commit().await.map_err(|e| self.err(e))?;
                return Ok(RecordOutcome::Accepted {
                    delivery_id,
                    job_id,
                });
            }
            Err(race_lost("recording the delivery"))
        })
    }

    store_forwarders!();
}
