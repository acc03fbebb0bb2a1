//! The PostgreSQL backend, shared by several Steward replicas: jobs are claimed with
//! `FOR UPDATE SKIP LOCKED` and leases, deliveries and schedule slots are deduplicated by unique
//! keys, so each runs once across replicas. It must not rely on any in-process state for
//! correctness: every guarantee comes from a constraint or a row lock.

mod rows;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Row};

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

/// Inserts the job or coalesces it into the pending never-claimed job with the same key.
async fn enqueue(
    conn: &mut PgConnection,
    job: &NewJob,
    delivery: Option<DeliveryId>,
) -> Result<Option<EnqueueOutcome>, sqlx::Error> {
    for _ in 0..RACE_RETRIES {
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO jobs (kind, payload, state, run_at, coalesce_key, delivery_id) \
             VALUES ($1, $2, 'pending', $3, $4, $5) \
             ON CONFLICT (coalesce_key) WHERE state = 'pending' AND attempts = 0 AND coalesce_key IS NOT NULL \
             DO NOTHING RETURNING id",
        )
        .bind(&job.kind)
        .bind(convert::payload_to_db(&job.payload))
        .bind(job.run_at)
        .bind(&job.coalesce_key)
        .bind(delivery.map(|d| d.0))
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = inserted {
            return Ok(Some(EnqueueOutcome {
                job_id: JobId(id),
                coalesced: false,
            }));
        }
        let existing: Option<i64> = sqlx::query_scalar(
            "UPDATE jobs SET run_at = LEAST(run_at, $1) \
             WHERE coalesce_key = $2 AND state = 'pending' AND attempts = 0 RETURNING id",
        )
        .bind(job.run_at)
        .bind(&job.coalesce_key)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = existing {
            return Ok(Some(EnqueueOutcome {
                job_id: JobId(id),
                coalesced: true,
            }));
        }
        // The conflicting job was claimed between the two statements: try the insert again.
    }
    Ok(None)
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
                    Some(job) => match enqueue(&mut tx, job, Some(delivery_id))
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

    fn get_delivery(
        &self,
        id: DeliveryId,
    ) -> BoxFuture<'_, Result<Option<StoredDelivery>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT id, dedup_key, event_name, event_uuid, project_id, issue_iid, headers, body, \
                 decode_error, received_at FROM deliveries WHERE id = $1",
            )
            .bind(id.0)
            .fetch_optional(&self.pool)
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
            let done = sqlx::query("DELETE FROM deliveries WHERE received_at < $1")
                .bind(cutoff)
                .execute(&self.pool)
                .await
                .map_err(|e| self.err(e))?;
            Ok(done.rows_affected())
        })
    }

    fn enqueue_job(&self, job: NewJob) -> BoxFuture<'_, Result<EnqueueOutcome, StoreError>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await.map_err(|e| self.err(e))?;
            enqueue(&mut conn, &job, None)
                .await
                .map_err(|e| self.err(e))?
                .ok_or_else(|| race_lost("enqueueing the job"))
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
            // A job that keeps killing its worker would otherwise be re-claimed forever.
            sqlx::query(
                "UPDATE jobs SET state = 'dead', finished_at = $1, lease_until = NULL, \
                 last_error = COALESCE(last_error || '; ', '') || 'lease expired on the last allowed attempt' \
                 WHERE state = 'running' AND lease_until <= $1 AND attempts >= $2",
            )
            .bind(now)
            .bind(i64::from(self.max_attempts))
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
            let row = sqlx::query(
                "WITH next AS (\
                   SELECT id FROM jobs \
                   WHERE (state = 'pending' AND run_at <= $3) OR (state = 'running' AND lease_until <= $3) \
                   ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, \
                   claim_token = j.claim_token + 1, lease_owner = $1, lease_until = $2 \
                 FROM next WHERE j.id = next.id \
                 RETURNING j.id, j.kind, j.payload, j.attempts, j.claim_token, j.lease_until, \
                   j.delivery_id, j.coalesce_key",
            )
            .bind(worker_id)
            .bind(until)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
            row.map(|r| rows::claimed(&r, worker_id)).transpose()
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
                "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND claim_token = $3 AND state = 'running'",
            )
            .bind(until)
            .bind(job.id.0)
            .bind(job.claim_token)
            .execute(&self.pool)
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
                "UPDATE jobs SET state = 'done', summary = $1, finished_at = $2, lease_until = NULL \
                 WHERE id = $3 AND claim_token = $4 AND state = 'running'",
            )
            .bind(summary)
            .bind(now)
            .bind(job.id.0)
            .bind(job.claim_token)
            .execute(&self.pool)
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
                   state = CASE WHEN attempts >= $1 THEN 'dead' ELSE 'pending' END, \
                   finished_at = CASE WHEN attempts >= $1 THEN $2 ELSE NULL END, \
                   run_at = $3, last_error = $4, lease_until = NULL \
                 WHERE id = $5 AND claim_token = $6 AND state = 'running' RETURNING state",
            )
            .bind(i64::from(self.max_attempts))
            .bind(now)
            .bind(next_run_at)
            .bind(error)
            .bind(job.id.0)
            .bind(job.claim_token)
            .fetch_optional(&self.pool)
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
                "UPDATE jobs SET state = 'dead', last_error = $1, finished_at = $2, lease_until = NULL \
                 WHERE id = $3 AND claim_token = $4 AND state = 'running'",
            )
            .bind(error)
            .bind(now)
            .bind(job.id.0)
            .bind(job.claim_token)
            .execute(&self.pool)
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
                "UPDATE jobs SET state = 'pending', attempts = 0, run_at = $1, finished_at = NULL, \
                 lease_owner = NULL, lease_until = NULL, coalesce_key = NULL WHERE id = $2 AND state = 'dead'",
            )
            .bind(now)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn queue_stats(&self) -> BoxFuture<'_, Result<QueueStats, StoreError>> {
        Box::pin(async move {
            let counts = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
                .fetch_all(&self.pool)
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
            sqlx::query_scalar(
                "SELECT LEAST(\
                   (SELECT MIN(run_at) FROM jobs WHERE state = 'pending'), \
                   (SELECT MIN(lease_until) FROM jobs WHERE state = 'running'))",
            )
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))
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
                 WHERE $1::TEXT IS NULL OR state = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(state.map(JobState::as_str))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
            found.iter().map(rows::job).collect()
        })
    }

    fn append_audit(&self, entry: AuditEntry) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(async move {
            sqlx::query_scalar(
                "INSERT INTO audit_log (at, job_id, delivery_id, project_id, issue_iid, actor, \
                 rule_names, action, api_call, response_status, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(entry.at)
            .bind(entry.job_id.map(|j| j.0))
            .bind(entry.delivery_id.map(|d| d.0))
            .bind(convert::opt_id_to_db(entry.project_id.map(|p| p.0))?)
            .bind(convert::opt_id_to_db(entry.issue_iid.map(|i| i.0))?)
            .bind(&entry.actor)
            .bind(convert::names_to_db(&entry.rule_names))
            .bind(&entry.action)
            .bind(&entry.api_call)
            .bind(entry.response_status.map(i32::from))
            .bind(&entry.detail)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))
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
                 WHERE ($1::BIGINT IS NULL OR project_id = $1) AND ($2::BIGINT IS NULL OR issue_iid = $2) \
                 AND ($3::TEXT IS NULL OR action = $3) AND ($4::TIMESTAMPTZ IS NULL OR at >= $4) \
                 ORDER BY id DESC LIMIT $5",
            )
            .bind(convert::opt_id_to_db(filter.project.map(|p| p.0))?)
            .bind(convert::opt_id_to_db(filter.issue.map(|i| i.0))?)
            .bind(filter.action.as_deref())
            .bind(filter.since)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
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
                 WHERE ($1::BIGINT IS NULL OR project_id = $1) AND ($2::BIGINT IS NULL OR issue_iid = $2) \
                 AND ($3::TEXT IS NULL OR action = $3) AND ($4::TIMESTAMPTZ IS NULL OR at >= $4)",
            )
            .bind(convert::opt_id_to_db(filter.project.map(|p| p.0))?)
            .bind(convert::opt_id_to_db(filter.issue.map(|i| i.0))?)
            .bind(filter.action.as_deref())
            .bind(filter.since)
            .fetch_one(&self.pool)
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
                "SELECT note_id, body_hash, updated_at FROM owned_notes WHERE target = $1 AND note_key = $2",
            )
            .bind(target.storage_key())
            .bind(key)
            .fetch_optional(&self.pool)
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
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (target, note_key) DO UPDATE SET \
                 note_id = EXCLUDED.note_id, body_hash = EXCLUDED.body_hash, updated_at = EXCLUDED.updated_at",
            )
            .bind(target.storage_key())
            .bind(key)
            .bind(convert::id_to_db(note.note_id.0)?)
            .bind(&note.body_hash)
            .bind(note.updated_at)
            .execute(&self.pool)
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
                "INSERT INTO schedule_runs (schedule, slot, owner, claimed_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (schedule, slot) DO NOTHING",
            )
            .bind(schedule)
            .bind(slot)
            .bind(owner)
            .bind(now)
            .execute(&self.pool)
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
                "UPDATE schedule_runs SET finished_at = $1, outcome = $2 WHERE schedule = $3 AND slot = $4",
            )
            .bind(now)
            .bind(outcome)
            .bind(schedule)
            .bind(slot)
            .execute(&self.pool)
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
            sqlx::query_scalar(
                "SELECT MAX(slot) FROM schedule_runs WHERE schedule = $1 AND finished_at IS NOT NULL",
            )
            .bind(schedule)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))
        })
    }

    fn get_state<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT value FROM kv_state WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
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
                "INSERT INTO kv_state (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            )
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
            Ok(())
        })
    }
}
