//! Group commit for deliveries on SQLite: one writer task takes every delivery waiting in its
//! channel, records them all in one transaction (one fsync), and answers each caller only after
//! that transaction has committed. It must never answer before the commit: the webhook's 2xx
//! depends on it (DESIGN.md §2, "durable before acknowledged").
//!
//! A batch is written with a few multi-row statements ([`commit_combined`]) rather than several
//! statements per delivery: every statement is a round trip to sqlx's connection thread (two
//! thread wake-ups), and those round trips, not the fsync, bounded ingest. When a combined
//! statement fails, the batch is rolled back and written again one delivery per savepoint, so
//! that one bad row fails only its own delivery.

use std::sync::Arc;

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

mod combined;

use combined::{Failed, commit_combined};

use super::health::{self, FileIdentity};
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
    pub(super) fn spawn(
        pool: SqlitePool,
        max_batch: usize,
        scrub: Scrubber,
        file: Option<Arc<FileIdentity>>,
    ) -> Self {
        // Bounded so a stalled disk pushes back on ingest instead of growing memory.
        let (tx, rx) = mpsc::channel(max_batch.saturating_mul(4).max(16));
        tokio::spawn(run(pool, rx, max_batch, scrub, file));
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
    file: Option<Arc<FileIdentity>>,
) {
    let mut batch = Vec::with_capacity(max_batch);
    // recv_many waits for the first item, then takes whatever else is already queued: under
    // load batches grow by themselves, and a lone delivery is written at once.
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let mut results = commit(&pool, &mut batch, &scrub).await;
        // Checked after the commit: a commit into a file that is no longer the database is
        // lost, so it must not be acknowledged.
        if let Some(Err(lost)) = file.as_deref().map(FileIdentity::check) {
            results = batch.iter().map(|_| Err(copy_error(&lost))).collect();
        } else if results.iter().any(Result::is_err) {
            // A writer opened read-only is reopened, so the next batch sees a fixed file.
            let _ = health::probe_writer(&pool, &scrub).await;
        }
        for ((_, reply), result) in batch.drain(..).zip(results) {
            // A caller that went away (request cancelled) no longer needs the answer.
            let _ = reply.send(result);
        }
    }
}

/// Writes the batch in one transaction and returns one result per delivery, all errors if the
/// commit failed: first with multi-row statements, and when that fails, again with each
/// delivery in its own savepoint so one bad row does not fail the others.
async fn commit(
    pool: &SqlitePool,
    batch: &mut [(NewDelivery, Reply)],
    scrub: &Scrubber,
) -> Vec<Result<RecordOutcome, StoreError>> {
    match commit_combined(pool, batch).await {
        Ok(results) => return results,
        Err(Failed::Rows(e)) => {
            // The transaction was rolled back; each delivery's own error is reported below.
            tracing::debug!(error = %scrub.error(e), "batched delivery insert failed; retrying one by one");
        }
        Err(Failed::Batch(e)) => {
            let err = scrub.error(e);
            return batch.iter().map(|_| Err(copy_error(&err))).collect();
        }
    }
    commit_each(pool, batch, scrub).await
}

/// Writes the batch in one transaction, each delivery in its own savepoint so one bad row
/// does not fail the others.
async fn commit_each(
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::combined::LARGE_BODY;
    use super::*;
    use crate::store::StoreOptions;
    use crate::store::sqlite::SqliteStore;
    use crate::store::types::NewJob;
    use steward_core::model::{IssueIid, ProjectId};

    fn delivery(key: &str, project: u64, coalesce: Option<&str>, minute: u32) -> NewDelivery {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 9, minute, 0).unwrap();
        NewDelivery {
            dedup_key: key.to_owned(),
            event_name: Some("Issue Hook".to_owned()),
            event_uuid: None,
            project_id: Some(ProjectId(project)),
            issue_iid: Some(IssueIid(1)),
            headers_json: "{}".to_owned(),
            body: key.as_bytes().to_vec(),
            decode_error: None,
            received_at: at,
            job: coalesce.map(|c| NewJob {
                kind: "issue.sync".to_owned(),
                payload: serde_json::json!({ "key": key }),
                run_at: at,
                coalesce_key: (!c.is_empty()).then(|| c.to_owned()),
            }),
        }
    }

    /// A batch mixing every case: new keys, a key repeated within the batch, a key recorded by
    /// an earlier batch, jobs coalescing with a pending job and with each other, a job without
    /// coalesce key, a delivery without job, and a project id no BIGINT holds.
    fn batch(with_bad_row: bool) -> Vec<(NewDelivery, Reply)> {
        let mut ds = vec![
            delivery("a", 7, Some("issue:7:1"), 5),
            delivery("b", 7, Some("issue:7:1"), 3),
            delivery("a", 7, Some("issue:7:1"), 1),
            delivery("old", 7, Some("issue:7:2"), 1),
            delivery("c", 7, Some("issue:7:2"), 2),
            delivery("d", 7, Some(""), 4),
            delivery("e", 7, None, 4),
            delivery("f", 7, Some("issue:7:3"), 4),
            delivery("g", 7, Some("issue:7:3"), 8),
        ];
        if with_bad_row {
            ds.insert(3, delivery("bad", u64::MAX, Some("issue:x"), 4));
        }
        ds.into_iter().map(|d| (d, oneshot::channel().0)).collect()
    }

    async fn store() -> SqliteStore {
        let store = SqliteStore::open("sqlite::memory:", &StoreOptions::default())
            .await
            .unwrap();
        crate::store::Store::migrate(&store).await.unwrap();
        // An earlier batch: the key `old` and a pending job for issue 2.
        let earlier = vec![(
            delivery("old", 7, Some("issue:7:2"), 9),
            oneshot::channel().0,
        )];
        commit_each(&store.write, &earlier, &store.scrub).await;
        store
    }

    async fn jobs(store: &SqliteStore) -> Vec<(i64, Option<String>, i64, Option<i64>)> {
        sqlx::query_as("SELECT id, coalesce_key, run_at, delivery_id FROM jobs ORDER BY id")
            .fetch_all(&store.write)
            .await
            .unwrap()
    }

    fn shown(results: Vec<Result<RecordOutcome, StoreError>>) -> Vec<String> {
        results
            .into_iter()
            .map(|r| match r {
                Ok(o) => format!("{o:?}"),
                Err(_) => "error".to_owned(),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_combined_batch_records_what_one_by_one_inserts_record() {
        let (one_by_one, combined) = (store().await, store().await);
        let expected =
            shown(commit_each(&one_by_one.write, &batch(false), &one_by_one.scrub).await);
        let got = shown(
            commit_combined(&combined.write, &mut batch(false))
                .await
                .unwrap(),
        );
        assert_eq!(got, expected);
        assert_eq!(jobs(&combined).await, jobs(&one_by_one).await);
        assert!(expected[2].starts_with("Duplicate"), "{expected:?}");
        assert!(expected[3].starts_with("Duplicate"), "{expected:?}");
    }

    #[tokio::test]
    async fn large_bodies_are_kept_byte_for_byte_and_a_duplicate_keeps_the_first() {
        let s = store().await;
        let big = |key: &str, fill: u8| NewDelivery {
            body: vec![fill; LARGE_BODY + 7],
            ..delivery(key, 7, None, 1)
        };
        let mut b: Vec<(NewDelivery, Reply)> =
            [big("big", b'a'), big("big", b'b'), big("other", b'c')]
                .into_iter()
                .map(|d| (d, oneshot::channel().0))
                .collect();
        let got = shown(commit(&s.write, &mut b, &s.scrub).await);
        assert!(got[1].starts_with("Duplicate"), "{got:?}");
        for (key, fill) in [("big", b'a'), ("other", b'c')] {
            let body: Vec<u8> =
                sqlx::query_scalar("SELECT body FROM deliveries WHERE dedup_key = ?1")
                    .bind(key)
                    .fetch_one(&s.write)
                    .await
                    .unwrap();
            assert_eq!(body, vec![fill; LARGE_BODY + 7], "{key}");
        }
    }

    #[tokio::test]
    async fn a_bad_row_fails_only_its_own_delivery() {
        let (one_by_one, mixed) = (store().await, store().await);
        let expected =
            shown(commit_each(&one_by_one.write, &batch(false), &one_by_one.scrub).await);
        let mut got = shown(commit(&mixed.write, &mut batch(true), &mixed.scrub).await);
        assert_eq!(got.remove(3), "error");
        assert_eq!(got, expected);
        assert_eq!(jobs(&mixed).await, jobs(&one_by_one).await);
    }
}
