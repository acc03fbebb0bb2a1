//! Job-queue statements for SQLite that run inside a caller's transaction (enqueue with
//! coalescing, claim). The caller holds the single write connection, so these never race.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::store::convert::{self, ms};
use crate::store::types::{DeliveryId, EnqueueOutcome, JobId, NewJob};

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
                     WHERE (state = 'pending' AND run_at <= ?3) OR (state = 'running' AND lease_until <= ?3) \
                     ORDER BY run_at, id LIMIT 1) \
         RETURNING id, kind, payload, attempts, claim_token, lease_until, delivery_id, coalesce_key",
    )
    .bind(worker_id)
    .bind(ms(lease_until))
    .bind(ms(now))
    .fetch_optional(&mut *conn)
    .await
}
