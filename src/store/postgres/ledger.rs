//! PostgreSQL operations of the customer ledger: asks (one row per request) and the issue links
//! Steward made between possible duplicates.

use chrono::{DateTime, Utc};
use steward_core::customers::{AccountKey, Ask};
use steward_core::model::{IssueIid, ProjectId};

use super::PgStore;
use crate::store::convert;
use crate::store::error::StoreError;
use crate::store::ledger;

impl PgStore {
    pub(super) async fn put_ask_op(&self, ask: &Ask, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customer_asks (project_id, issue_iid, account_key, filed_at, record, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, issue_iid) DO UPDATE SET \
             account_key = EXCLUDED.account_key, filed_at = EXCLUDED.filed_at, \
             record = EXCLUDED.record, updated_at = EXCLUDED.updated_at",
        )
        .bind(convert::id_to_db(ask.project.0)?)
        .bind(convert::id_to_db(ask.iid.0)?)
        .bind(ask.account.as_str())
        .bind(ask.filed_at)
        .bind(ledger::encode(ask)?)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub(super) async fn list_asks_op(
        &self,
        account: Option<&AccountKey>,
    ) -> Result<Vec<Ask>, StoreError> {
        let records: Vec<String> = sqlx::query_scalar(
            "SELECT record FROM customer_asks WHERE ($1::TEXT IS NULL OR account_key = $1) \
             ORDER BY filed_at, project_id, issue_iid",
        )
        .bind(account.map(AccountKey::as_str))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        records.iter().map(|r| ledger::decode(r)).collect()
    }

    pub(super) async fn add_issue_link_op(
        &self,
        a: (ProjectId, IssueIid),
        b: (ProjectId, IssueIid),
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for (x, y) in [(a, b), (b, a)] {
            sqlx::query(
                "INSERT INTO customer_links (project_id, issue_iid, other_project_id, other_iid, linked_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(convert::id_to_db(x.0.0)?)
            .bind(convert::id_to_db(x.1.0)?)
            .bind(convert::id_to_db(y.0.0)?)
            .bind(convert::id_to_db(y.1.0)?)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    pub(super) async fn issue_links_op(
        &self,
        project: ProjectId,
        iid: IssueIid,
    ) -> Result<Vec<(ProjectId, IssueIid)>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT other_project_id, other_iid FROM customer_links \
             WHERE project_id = $1 AND issue_iid = $2 ORDER BY other_project_id, other_iid",
        )
        .bind(convert::id_to_db(project.0)?)
        .bind(convert::id_to_db(iid.0)?)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(p, i)| {
                Ok((
                    ProjectId(convert::id_from_db(p)?),
                    IssueIid(convert::id_from_db(i)?),
                ))
            })
            .collect()
    }
}
