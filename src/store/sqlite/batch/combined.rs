//! The fast path of the group-commit writer: a whole batch written with a few multi-row
//! statements in one transaction, large bodies last and by value. It answers nothing itself;
//! [`super`] falls back to one delivery per savepoint when a row fails here.

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::{Reply, out_of_range};
use crate::store::convert::{self, ms};
use crate::store::error::StoreError;
use crate::store::types::{DeliveryId, JobId, NewDelivery, NewJob, RecordOutcome};

/// Rows per multi-row statement: 9 parameters a delivery stays under SQLite's historical
/// limit of 999 bound parameters.
const CHUNK: usize = 100;

/// The whole batch in one transaction with a handful of statements: one multi-row insert of
/// the deliveries (new keys only), one lookup of keys that were already recorded, one
/// multi-row insert of the new deliveries' jobs, and one update of the pending jobs they
/// coalesce into. Same outcomes as [`insert`] run once per delivery in batch order.
pub(super) async fn commit_combined(
    pool: &SqlitePool,
    batch: &mut [(NewDelivery, Reply)],
) -> Result<Vec<Result<RecordOutcome, StoreError>>, Failed> {
    // Large bodies are taken out and written last by value (see [`LARGE_BODY`]).
    let large: Vec<(usize, Vec<u8>)> = batch
        .iter_mut()
        .enumerate()
        .filter(|(_, (d, _))| d.body.len() >= LARGE_BODY)
        .map(|(i, (d, _))| (i, std::mem::take(&mut d.body)))
        .collect();
    let restore = |batch: &mut [(NewDelivery, Reply)], large: Vec<(usize, Vec<u8>)>| {
        for (i, body) in large {
            batch[i].0.body = body;
        }
    };
    let mut tx = match pool.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => {
            restore(batch, large);
            return Err(Failed::Rows(e));
        }
    };
    let (results, fresh) = match record_rows(&mut tx, batch).await {
        Ok(done) => done,
        Err(e) => {
            drop(tx);
            restore(batch, large);
            return Err(Failed::Rows(e));
        }
    };
    for (i, body) in large {
        let Some(id) = fresh[i] else {
            continue; // a duplicate: the first delivery keeps its body
        };
        sqlx::query("UPDATE deliveries SET body = ?1 WHERE id = ?2")
            .bind(body)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Failed::Batch)?;
    }
    tx.commit().await.map_err(Failed::Batch)?;
    Ok(results)
}

/// Why a combined commit failed.
#[derive(Debug)]
pub(super) enum Failed {
    /// Before any body was consumed: the batch can be written again one by one.
    Rows(sqlx::Error),
    /// While writing taken bodies or committing: a failure of the whole transaction (disk,
    /// lock, read-only file), which writing one by one would meet too.
    Batch(sqlx::Error),
}

/// Bodies at least this large are written by a statement of their own that takes the body by
/// value: bound by reference, as the multi-row insert binds, sqlx copies it, and a 24 MiB body
/// would cost 24 MiB more at the peak.
pub(super) const LARGE_BODY: usize = 1024 * 1024;

/// The statements of [`commit_combined`] inside its transaction: per delivery its outcome,
/// and its new row's id when it was inserted by this batch.
#[allow(clippy::type_complexity)]
async fn record_rows(
    tx: &mut SqliteConnection,
    batch: &[(NewDelivery, Reply)],
) -> Result<(Vec<Result<RecordOutcome, StoreError>>, Vec<Option<i64>>), sqlx::Error> {
    let ids = batch
        .iter()
        .map(|(d, _)| {
            let project = d.project_id.map(|p| convert::id_to_db(p.0)).transpose();
            let issue = d.issue_iid.map(|i| convert::id_to_db(i.0)).transpose();
            Ok((project.map_err(out_of_range)?, issue.map_err(out_of_range)?))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let inserted = insert_deliveries(tx, batch, &ids).await?;
    let existing = find_existing(tx, batch, &inserted).await?;
    // Per delivery in batch order: `Some(id)` when it is new (its key's first occurrence).
    let mut first = HashSet::with_capacity(inserted.len());
    let fresh: Vec<Option<i64>> = batch
        .iter()
        .map(|(d, _)| {
            inserted
                .get(&d.dedup_key)
                .copied()
                .filter(|_| first.insert(d.dedup_key.as_str()))
        })
        .collect();
    // Jobs of the new deliveries: inserted unless a pending, unclaimed job has the same
    // coalesce key (one inserted earlier in this statement included); those are coalesced.
    let with_job: Vec<(i64, &NewJob)> = batch
        .iter()
        .zip(&fresh)
        .filter_map(|((d, _), id)| Some(((*id)?, d.job.as_ref()?)))
        .collect();
    let job_of_delivery = insert_jobs(tx, &with_job).await?;
    let job_of_key = coalesce_jobs(tx, &with_job, &job_of_delivery).await?;
    let written = Written {
        inserted,
        existing,
        job_of_delivery,
        job_of_key,
    };
    let results = batch
        .iter()
        .zip(&fresh)
        .map(|((d, _), new)| written.outcome(d, *new).map(Ok))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((results, fresh))
}

/// Inserts the deliveries whose key is seen for the first time (the first of several equal
/// keys in the batch wins, as it would one by one); returns the new rows' ids by key.
async fn insert_deliveries(
    tx: &mut SqliteConnection,
    batch: &[(NewDelivery, Reply)],
    ids: &[(Option<i64>, Option<i64>)],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut inserted: HashMap<String, i64> = HashMap::with_capacity(batch.len());
    for chunk in batch.iter().zip(ids).collect::<Vec<_>>().chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO deliveries (dedup_key, event_name, event_uuid, project_id, issue_iid, \
             headers, body, decode_error, received_at) ",
        );
        q.push_values(chunk, |mut row, ((d, _), (project, issue))| {
            row.push_bind(&d.dedup_key)
                .push_bind(&d.event_name)
                .push_bind(&d.event_uuid)
                .push_bind(*project)
                .push_bind(*issue)
                .push_bind(&d.headers_json)
                .push_bind(&d.body)
                .push_bind(&d.decode_error)
                .push_bind(ms(d.received_at));
        });
        q.push(" ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key");
        for r in q.build().fetch_all(&mut *tx).await? {
            inserted.insert(r.try_get("dedup_key")?, r.try_get("id")?);
        }
    }
    Ok(inserted)
}

/// The ids of deliveries recorded before this batch, by key, for the keys it did not insert.
async fn find_existing(
    tx: &mut SqliteConnection,
    batch: &[(NewDelivery, Reply)],
    inserted: &HashMap<String, i64>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let known: Vec<&str> = batch
        .iter()
        .map(|(d, _)| d.dedup_key.as_str())
        .filter(|k| !inserted.contains_key(*k))
        .collect();
    let mut existing: HashMap<String, i64> = HashMap::with_capacity(known.len());
    for chunk in known.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT id, dedup_key FROM deliveries WHERE dedup_key IN (",
        );
        let mut keys = q.separated(", ");
        for k in chunk {
            keys.push_bind(*k);
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *tx).await? {
            existing.insert(r.try_get("dedup_key")?, r.try_get("id")?);
        }
    }
    Ok(existing)
}

/// Inserts the new deliveries' jobs, except those coalescing into a pending, unclaimed job;
/// returns the inserted jobs' ids by delivery id.
async fn insert_jobs(
    tx: &mut SqliteConnection,
    with_job: &[(i64, &NewJob)],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let mut job_of_delivery: HashMap<i64, i64> = HashMap::with_capacity(with_job.len());
    for chunk in with_job.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO jobs (kind, payload, state, run_at, coalesce_key, delivery_id) ",
        );
        q.push_values(chunk, |mut row, (delivery, job)| {
            row.push_bind(&job.kind)
                .push_bind(convert::payload_to_db(&job.payload))
                .push_bind("pending")
                .push_bind(ms(job.run_at))
                .push_bind(&job.coalesce_key)
                .push_bind(*delivery);
        });
        q.push(
            " ON CONFLICT (coalesce_key) WHERE state = 'pending' AND attempts = 0 \
             AND coalesce_key IS NOT NULL DO NOTHING RETURNING id, delivery_id",
        );
        for r in q.build().fetch_all(&mut *tx).await? {
            job_of_delivery.insert(r.try_get("delivery_id")?, r.try_get("id")?);
        }
    }
    Ok(job_of_delivery)
}

/// Coalesces the jobs [`insert_jobs`] skipped into the pending job of their key, which keeps
/// the earliest `run_at` (as in `jobs::enqueue`); returns that job's id by coalesce key.
async fn coalesce_jobs(
    tx: &mut SqliteConnection,
    with_job: &[(i64, &NewJob)],
    job_of_delivery: &HashMap<i64, i64>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut earliest: HashMap<&str, i64> = HashMap::new();
    for (delivery, job) in with_job {
        if job_of_delivery.contains_key(delivery) {
            continue;
        }
        // Only a coalesce-key conflict can skip the insert.
        let Some(key) = job.coalesce_key.as_deref() else {
            return Err(sqlx::Error::Protocol(
                "a job without coalesce key was not inserted".into(),
            ));
        };
        let at = ms(job.run_at);
        earliest
            .entry(key)
            .and_modify(|t| *t = (*t).min(at))
            .or_insert(at);
    }
    let mut job_of_key: HashMap<String, i64> = HashMap::with_capacity(earliest.len());
    let earliest: Vec<(&str, i64)> = earliest.into_iter().collect();
    for chunk in earliest.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "UPDATE jobs SET run_at = MIN(jobs.run_at, v.at) FROM (SELECT column1 AS k, column2 AS at FROM (",
        );
        q.push_values(chunk, |mut row, (key, at)| {
            row.push_bind(*key).push_bind(*at);
        });
        q.push(
            ")) AS v WHERE jobs.coalesce_key = v.k AND jobs.state = 'pending' \
             AND jobs.attempts = 0 RETURNING id, coalesce_key",
        );
        for r in q.build().fetch_all(&mut *tx).await? {
            job_of_key.insert(r.try_get("coalesce_key")?, r.try_get("id")?);
        }
    }
    Ok(job_of_key)
}

/// What the statements of a batch wrote and found, to answer each delivery from.
struct Written {
    /// Deliveries inserted by this batch, by key.
    inserted: HashMap<String, i64>,
    /// Deliveries recorded before this batch, by key.
    existing: HashMap<String, i64>,
    /// Jobs inserted by this batch, by delivery id.
    job_of_delivery: HashMap<i64, i64>,
    /// Pending jobs this batch's jobs coalesced into, by coalesce key.
    job_of_key: HashMap<String, i64>,
}

impl Written {
    /// The outcome of delivery `d`, with `new` its row's id when this batch inserted it.
    fn outcome(&self, d: &NewDelivery, new: Option<i64>) -> Result<RecordOutcome, sqlx::Error> {
        let Some(id) = new else {
            let id = self
                .inserted
                .get(&d.dedup_key)
                .or_else(|| self.existing.get(&d.dedup_key))
                .copied()
                .ok_or(sqlx::Error::RowNotFound)?;
            return Ok(RecordOutcome::Duplicate {
                delivery_id: DeliveryId(id),
            });
        };
        let job_id = match &d.job {
            None => None,
            Some(job) => {
                let job = self.job_of_delivery.get(&id).copied().or_else(|| {
                    job.coalesce_key
                        .as_deref()
                        .and_then(|k| self.job_of_key.get(k).copied())
                });
                let job = job.ok_or_else(|| {
                    sqlx::Error::Protocol(
                        "a delivery's job was neither inserted nor coalesced".into(),
                    )
                })?;
                Some(JobId(job))
            }
        };
        Ok(RecordOutcome::Accepted {
            delivery_id: DeliveryId(id),
            job_id,
        })
    }
}
