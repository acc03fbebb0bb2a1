//! Decoding SQLite rows into store types (times are Unix milliseconds there).

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::store::convert::{self, from_ms};
use crate::store::error::{Scrubber, StoreError};
use crate::store::types::*;
use steward_core::model::{IssueIid, NoteId, ProjectId};

fn get<'r, T>(row: &'r SqliteRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(col).map_err(|e| Scrubber::default().error(e))
}

fn opt_time(v: Option<i64>) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
    v.map(from_ms).transpose()
}

fn opt_u64(v: Option<i64>) -> Result<Option<u64>, StoreError> {
    v.map(convert::id_from_db).transpose()
}

/// A `deliveries` row.
pub(super) fn delivery(r: &SqliteRow) -> Result<StoredDelivery, StoreError> {
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
        received_at: from_ms(get(r, "received_at")?)?,
    })
}

/// The row `UPDATE jobs … RETURNING` gives back on a claim.
pub(super) fn claimed(r: &SqliteRow, worker_id: &str) -> Result<ClaimedJob, StoreError> {
    let payload: String = get(r, "payload")?;
    Ok(ClaimedJob {
        id: JobId(get(r, "id")?),
        kind: get(r, "kind")?,
        payload: convert::payload_from_db(&payload)?,
        attempts: convert::attempts_from_db(get(r, "attempts")?)?,
        claim_token: get(r, "claim_token")?,
        worker_id: worker_id.to_owned(),
        lease_until: from_ms(get(r, "lease_until")?)?,
        delivery_id: get::<Option<i64>>(r, "delivery_id")?.map(DeliveryId),
        coalesce_key: get(r, "coalesce_key")?,
    })
}

/// A `jobs` row for inspection.
pub(super) fn job(r: &SqliteRow) -> Result<JobRecord, StoreError> {
    let payload: String = get(r, "payload")?;
    let state: String = get(r, "state")?;
    Ok(JobRecord {
        id: JobId(get(r, "id")?),
        kind: get(r, "kind")?,
        payload: convert::payload_from_db(&payload)?,
        state: JobState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("job state {state}")))?,
        attempts: convert::attempts_from_db(get(r, "attempts")?)?,
        run_at: from_ms(get(r, "run_at")?)?,
        lease_owner: get(r, "lease_owner")?,
        lease_until: opt_time(get(r, "lease_until")?)?,
        coalesce_key: get(r, "coalesce_key")?,
        delivery_id: get::<Option<i64>>(r, "delivery_id")?.map(DeliveryId),
        last_error: get(r, "last_error")?,
        summary: get(r, "summary")?,
        finished_at: opt_time(get(r, "finished_at")?)?,
    })
}

/// An `audit_log` row.
pub(super) fn audit(r: &SqliteRow) -> Result<AuditRecord, StoreError> {
    let names: String = get(r, "rule_names")?;
    Ok(AuditRecord {
        id: AuditId(get(r, "id")?),
        entry: AuditEntry {
            at: from_ms(get(r, "at")?)?,
            job_id: get::<Option<i64>>(r, "job_id")?.map(JobId),
            delivery_id: get::<Option<i64>>(r, "delivery_id")?.map(DeliveryId),
            project_id: opt_u64(get(r, "project_id")?)?.map(ProjectId),
            issue_iid: opt_u64(get(r, "issue_iid")?)?.map(IssueIid),
            actor: get(r, "actor")?,
            rule_names: convert::names_from_db(&names)?,
            action: get(r, "action")?,
            api_call: get(r, "api_call")?,
            response_status: convert::status_from_db(get(r, "response_status")?)?,
            detail: get(r, "detail")?,
        },
    })
}

/// An `owned_notes` row.
pub(super) fn owned_note(r: &SqliteRow) -> Result<OwnedNote, StoreError> {
    Ok(OwnedNote {
        note_id: NoteId(convert::id_from_db(get(r, "note_id")?)?),
        body_hash: get(r, "body_hash")?,
        updated_at: from_ms(get(r, "updated_at")?)?,
    })
}
