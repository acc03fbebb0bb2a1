//! SQLite operations behind `Store` for domain-state rows and for retention (deliveries,
//! finished jobs, per-week state, schedule slots). Writes go through the single writing
//! connection.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::SqliteStore;
use crate::store::convert::ms;
use crate::store::error::StoreError;
use crate::store::{MIN_STATE_RETENTION, StateKey, StatePruned, cutoff, prune_cutoff};

impl SqliteStore {
    pub(super) async fn read_state_op(&self, key: &StateKey) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM domain_state WHERE kind = ?1 AND scope = ?2")
            .bind(key.kind())
            .bind(key.scope())
            .fetch_optional(&self.read)
            .await
            .map_err(|e| self.err(e))
    }

    pub(super) async fn write_state_op(
        &self,
        key: &StateKey,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO domain_state (kind, scope, value, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (kind, scope) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at",
        )
        .bind(key.kind())
        .bind(key.scope())
        .bind(value)
        .bind(ms(now))
        .execute(&self.write)
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub(super) async fn prune_state_op(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> Result<StatePruned, StoreError> {
        let before = ms(cutoff(now, retain.max(MIN_STATE_RETENTION))?);
        let mut pruned = StatePruned::default();
        for kind in StateKey::PRUNED_KINDS {
            let done = sqlx::query("DELETE FROM domain_state WHERE kind = ?1 AND updated_at < ?2")
                .bind(*kind)
                .bind(before)
                .execute(&self.write)
                .await
                .map_err(|e| self.err(e))?;
            pruned.state_rows += done.rows_affected();
        }
        let done = sqlx::query(
            "DELETE FROM schedule_runs WHERE claimed_at < ?1 AND slot < \
             (SELECT MAX(r.slot) FROM schedule_runs r \
              WHERE r.schedule = schedule_runs.schedule AND r.finished_at IS NOT NULL)",
        )
        .bind(before)
        .execute(&self.write)
        .await
        .map_err(|e| self.err(e))?;
        pruned.schedule_slots = done.rows_affected();
        Ok(pruned)
    }

    pub(super) async fn prune_deliveries_op(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM deliveries WHERE received_at < ?1")
            .bind(ms(prune_cutoff(now, retain)?))
            .execute(&self.write)
            .await
            .map_err(|e| self.err(e))?;
        Ok(done.rows_affected())
    }

    pub(super) async fn prune_done_jobs_op(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM jobs WHERE state IN ('done', 'gone') AND finished_at < ?1")
                .bind(ms(cutoff(now, retain)?))
                .execute(&self.write)
                .await
                .map_err(|e| self.err(e))?;
        Ok(done.rows_affected())
    }
}
