//! Decoding PostgreSQL rows into store types.

use sqlx::Row;
use sqlx::postgres::PgRow;

use chrono::{DateTime, Utc};
use steward_core::model::{IssueIid, NoteId, ProjectId};

use crate::store::convert;
use crate::store::error::{Scrubber, StoreError};
use crate::store::types::*;

fn get<'r, T>(row: &'r PgRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(col).map_err(|e| Scrubber::default().error(e))
}

fn time(r: &PgRow, col: &str) -> Result<DateTime<Utc>, StoreError> {
    get(r, col)
}

fn attempts(r: &PgRow) -> Result<u32, StoreError> {
    convert::attempts_from_db(i64::from(get::<i32>(r, "attempts")?))
}

fn opt_u64(v: Option<i64>) -> Result<Option<u64>, StoreError> {
    v.map(convert::id_from_db).transpose()
}

/// A `deliveries` row.
pub(super) fn delivery(r: &PgRow) -> Result<StoredDelivery, StoreError> {
    Ok(StoredDelivery {
        id: DeliveryId(get(r, "id")?),
        dedup_key: get(r, "dedup_key")?,
        event_name: get(r, "event_name")?,
        event_uuid: get(r, "event_uuid")?,
        project_id: opt_u64(get(r, "project_id")?)?.map(ProjectId),
        issue_iid: opt_u64(get(r, "issue_iid")?)?.map(IssueIid),
        headers_json: get(r, "headers")?,
        body: get(r, "body")?,
        decode_error: get(r, "decode_error")?,
        received_at: time(r, "received_at")?,
    })
}

/// The row `UPDATE jobs … RETURNING` gives back on a claim.
pub(super) fn claimed(r: &PgRow, worker_id: &str) -> Result<ClaimedJob, StoreError> {
    let payload: String = get(r, "payload")?;
    Ok(ClaimedJob {
        id: JobId(get(r, "id")?),
        kind: get(r, "kind")?,
        payload: convert::payload_from_db(&payload)?,
        attempts: attempts(r)?,
        claim_token: get(r, "claim_token")?,
        worker_id: worker_id.to_owned(),
        lease_until: time(r, "lease_until")?,
        delivery_id: get::<Option<i64>>(r, "delivery_id")?.map(DeliveryId),
        coalesce_key: get(r, "coalesce_key")?,
    })
}

/// A `jobs` row for inspection.
pub(super) fn job(r: &PgRow) -> Result<JobRecord, StoreError> {
    let payload: String = get(r, "payload")?;
    let state: String = get(r, "state")?;
    Ok(JobRecord {
        id: JobId(get(r, "id")?),
        kind: get(r, "kind")?,
        payload: convert::payload_from_db(&payload)?,
        state: JobState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("job state {state}")))?,
        attempts: attempts(r)?,
        run_at: time(r, "run_at")?,
        lease_owner: get(r, "lease_owner")?,
        lease_until: get(r, "lease_until")?,
        coalesce_key: get(r, "coalesce_key")?,
        delivery_id: get::<Option<i64>>(r, "delivery_id")?.map(DeliveryId),
        last_error: get(r, "last_error")?,
        summary: get(r, "summary")?,
        finished_at: get(r, "finished_at")?,
    })
}

/// An `audit_log` row.
pub(super) fn audit(r: &PgRow) -> Result<AuditRecord, StoreError> {
    let names: String = get(r, "rule_names")?;
    Ok(AuditRecord {
        id: AuditId(get(r, "id")?),
        entry: AuditEntry {
            at: time(r, "at")?,
            job_id: get::<Option<i64>>(r, "job_id")?.map(JobId),
            delivery_id: get::<Option<i64>>(r, "delivery_id")?.map(DeliveryId),
            project_id: opt_u64(get(r, "project_id")?)?.map(ProjectId),
            issue_iid: opt_u64(get(r, "issue_iid")?)?.map(IssueIid),
            actor: get(r, "actor")?,
            rule_names: convert::names_from_db(&names)?,
            action: get(r, "action")?,
            api_call: get(r, "api_call")?,
            response_status: convert::status_from_db(
                get::<Option<i32>>(r, "response_status")?.map(i64::from),
            )?,
            detail: get(r, "detail")?,
        },
    })
}

/// An `owned_notes` row.
pub(super) fn owned_note(r: &PgRow) -> Result<OwnedNote, StoreError> {
    Ok(OwnedNote {
        note_id: NoteId(convert::id_from_db(get(r, "note_id")?)?),
        body_hash: get(r, "body_hash")?,
        updated_at: time(r, "updated_at")?,
    })
}
