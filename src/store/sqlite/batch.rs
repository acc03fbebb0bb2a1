//! Group commit for deliveries on SQLite: one writer task takes every delivery waiting in its
//! channel, records them all in one transaction (one fsync), and answers each caller only after
//! that transaction has committed. It must never answer before the commit: the webhook's 2xx
//! depends on it (DESIGN.md §2, "durable before acknowledged").

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::jobs;
use crate::store::convert::{self, ms};
use crate::store::error::{Scrubber, StoreError};
use crate::store::types::{DeliveryId, NewDelivery, RecordOutcome};

type Reply = oneshot::Sender<Result<RecordOutcome, StoreError>>;

/// The handle callers submit deliveries through. Dropping the last handle ends the writer.
pub(super) struct Batcher {
    tx: mpsc::Sender<(NewDelivery, Reply)>,
}

impl Batcher {
    /// Starts the writer task on the current Tokio runtime.
    pub(super) fn spawn(pool: SqlitePool, max_batch: usize, scrub: Scrubber) -> Self {
        // Bounded so a stalled disk pushes back on ingest instead of growing memory.
        let (tx, rx) = mpsc::channel(max_batch.saturating_mul(4).max(16));
        tokio::spawn(run(pool, rx, max_batch, scrub));
        Self { tx }
    }

    /// Records one delivery; resolves after the batch holding it has committed.
    pub(super) async fn submit(&self, d: NewDelivery) -> Result<RecordOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((d, reply))
            .await
            .map_err(|_| StoreError::Transient("the delivery writer has stopped".to_owned()))?;
        answer.await.map_err(|_| {
            StoreError::Transient("the delivery writer stopped before committing".to_owned())
        })?
    }
}

async fn run(
    pool: SqlitePool,
    mut rx: mpsc::Receiver<(NewDelivery, Reply)>,
    max_batch: usize,
    scrub: Scrubber,
) {
    let mut batch = Vec::with_capacity(max_batch);
    // recv_many waits for the first item, then takes whatever else is already queued: under
    // load batches grow by themselves, and a lone delivery is written at once.
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let results = commit(&pool, &batch, &scrub).await;
        for ((_, reply), result) in batch.drain(..).zip(results) {
            // A caller that went away (request cancelled) no longer needs the answer.
            let _ = reply.send(result);
        }
    }
}

/// Writes the batch in one transaction; each delivery in its own savepoint so one bad row
/// does not fail the others. Returns one result per delivery, all errors if the commit failed.
async fn commit(
    pool: &SqlitePool,
    batch: &[(NewDelivery, Reply)],
    scrub: &Scrubber,
) -> Vec<Result<RecordOutcome, StoreError>> {
    let all_failed = |e: sqlx::Error| {
        let err = scrub.error(e);
        batch
            .iter()
            .map(|_| Err(copy_error(&err)))
            .collect::<Vec<_>>()
    };
    let mut tx = match pool.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => return all_failed(e),
    };
    let mut results = Vec::with_capacity(batch.len());
    for (d, _) in batch {
        if let Err(e) = sqlx::query("SAVEPOINT delivery").execute(&mut *tx).await {
            return all_failed(e);
        }
        match insert(&mut tx, d).await {
            Ok(outcome) => results.push(Ok(outcome)),
            Err(e) => {
                if let Err(e) = sqlx::query("ROLLBACK TO delivery").execute(&mut *tx).await {
                    return all_failed(e);
                }
                results.push(Err(scrub.error(e)));
            }
        }
        if let Err(e) = sqlx::query("RELEASE delivery").execute(&mut *tx).await {
            return all_failed(e);
        }
    }
    match tx.commit().await {
        Ok(()) => results,
        Err(e) => all_failed(e),
    }
}

/// Inserts one delivery (and its job) unless its dedup key is already known.
async fn insert(
    conn: &mut SqliteConnection,
    d: &NewDelivery,
) -> Result<RecordOutcome, sqlx::Error> {
    let project = d
        .project_id
        .map(|p| convert::id_to_db(p.0))
        .transpose()
        .map_err(out_of_range)?;
    let issue = d
        .issue_iid
        .map(|i| convert::id_to_db(i.0))
        .transpose()
        .map_err(out_of_range)?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO deliveries (dedup_key, event_name, event_uuid, project_id, issue_iid, headers, \
         body, decode_error, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
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
    .bind(ms(d.received_at))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = inserted else {
        let existing: i64 = sqlx::query_scalar("SELECT id FROM deliveries WHERE dedup_key = ?1")
            .bind(&d.dedup_key)
            .fetch_one(&mut *conn)
            .await?;
        return Ok(RecordOutcome::Duplicate {
            delivery_id: DeliveryId(existing),
        });
    };
    let delivery_id = DeliveryId(id);
    let job_id = match &d.job {
        Some(job) => Some(jobs::enqueue(conn, job, Some(delivery_id)).await?.job_id),
        None => None,
    };
    Ok(RecordOutcome::Accepted {
        delivery_id,
        job_id,
    })
}

fn out_of_range(e: StoreError) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}

/// `StoreError` holds no `Clone` sources; rebuild the same variant for every caller.
fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Transient(m) => StoreError::Transient(m.clone()),
        other => StoreError::Permanent(other.to_string()),
    }
}
