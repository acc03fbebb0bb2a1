//! PostgreSQL operations behind `Store` for the audit log, owned notes,
//! schedule slots and delivery lookups. Uniqueness (slots, notes) comes from primary keys, never
//! from locks.

use chrono::{DateTime, Utc};

use super::{PgStore, rows};
use crate::store::convert;
use crate::store::error::StoreError;
use crate::store::types::*;

impl PgStore {
    pub(super) async fn get_delivery_op(
        &self,
        id: DeliveryId,
    ) -> Result<Option<StoredDelivery>, StoreError> {
        let row = sqlx::query(
            "SELECT id, dedup_key, event_name, event_uuid, project_id, issue_iid, headers, body, \
             decode_error, received_at FROM deliveries WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        row.map(|r| rows::delivery(&r)).transpose()
    }

    pub(super) async fn deliveries_per_hour_op(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<HourCount>, StoreError> {
        // Hours counted from the Unix epoch, whatever the session's time zone.
        let found: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT floor(extract(epoch FROM received_at) / 3600)::BIGINT AS hour, COUNT(*) \
             FROM deliveries WHERE received_at >= $1 AND received_at < $2 \
             GROUP BY hour ORDER BY hour",
        )
        .bind(convert::hour_start(since)?)
        .bind(until)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        found
            .into_iter()
            .map(|(hour, n)| convert::hour_count(hour, n))
            .collect()
    }

    pub(super) async fn append_audit_op(&self, entry: AuditEntry) -> Result<AuditId, StoreError> {
        sqlx::query_scalar::<_, i64>(
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
        .map(AuditId)
        .map_err(|e| self.err(e))
    }

    pub(super) async fn finish_audit_op(
        &self,
        id: AuditId,
        status: Option<u16>,
        detail: String,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE audit_log SET response_status = $1, detail = $2 WHERE id = $3")
            .bind(status.map(i32::from))
            .bind(detail)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub(super) async fn list_audit_op(
        &self,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>, StoreError> {
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
    }

    pub(super) async fn count_audit_op(&self, filter: &AuditFilter) -> Result<u64, StoreError> {
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
    }

    pub(super) async fn get_owned_note_op(
        &self,
        target: &NoteTarget,
        key: &str,
    ) -> Result<Option<OwnedNote>, StoreError> {
        let row = sqlx::query(
            "SELECT note_id, body_hash, updated_at FROM owned_notes WHERE target = $1 AND note_key = $2",
        )
        .bind(target.storage_key())
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        row.map(|r| rows::owned_note(&r)).transpose()
    }

    pub(super) async fn list_owned_notes_op(
        &self,
        target: &NoteTarget,
    ) -> Result<Vec<(String, OwnedNote)>, StoreError> {
        let rows = sqlx::query(
            "SELECT note_key, note_id, body_hash, updated_at FROM owned_notes WHERE target = $1 ORDER BY note_key",
        )
        .bind(target.storage_key())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                let key: String = sqlx::Row::try_get(r, "note_key").map_err(|e| self.err(e))?;
                Ok((key, rows::owned_note(r)?))
            })
            .collect()
    }

    pub(super) async fn put_owned_note_op(
        &self,
        target: &NoteTarget,
        key: &str,
        note: OwnedNote,
    ) -> Result<(), StoreError> {
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
    }

    pub(super) async fn claim_slot_op(
        &self,
        schedule: &str,
        slot: DateTime<Utc>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
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
    }

    pub(super) async fn finish_slot_op(
        &self,
        schedule: &str,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        outcome: &str,
    ) -> Result<bool, StoreError> {
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
    }

    pub(super) async fn last_finished_slot_op(
        &self,
        schedule: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        sqlx::query_scalar(
            "SELECT MAX(slot) FROM schedule_runs WHERE schedule = $1 AND finished_at IS NOT NULL",
        )
        .bind(schedule)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }
}
