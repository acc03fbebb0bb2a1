//! Typed domain state: the small facts the service remembers between runs (sweep watermarks,
//! workloads, due dates Steward set, waits on requesters, note bookkeeping, epic ids, GraphQL digest notes, markers
//! of the store itself). Each kind has its own read and write operation on [`Store`]; callers
//! never build keys. Rows are stored by kind and scope in the `domain_state` table; this module
//! is the one place that turns a [`StateKey`] into its row key and a value into its column text,
//! so both backends read exactly what the other wrote.
//!
//! It decides nothing about issues and performs no I/O of its own beyond the [`Store`] calls.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use steward_core::digest::{IsoWeek, note_key};
use steward_core::model::{
    EpicId, EpicIid, GroupId, IssueIid, OwnWrite, ProjectId, Username, Waiting,
};
use steward_core::rules::Workload;

use super::{Store, StoreError};

/// Rows of pruned kinds are kept at least this long, whatever retention is asked for: a week's
/// digest note is edited while its week is current and may be re-rendered for a few weeks after.
pub const MIN_STATE_RETENTION: Duration = Duration::from_secs(8 * 7 * 24 * 60 * 60);

/// What one row of domain state is about. Rows of one kind never collide with another kind's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateKey {
    /// The GitLab `updated_at` the next catch-up sweep of a project lists from.
    SweepWatermark(ProjectId),
    /// Open issues per assignee in a project, for least-loaded routing.
    Workload(ProjectId),
    /// The due date Steward last set on an issue.
    ManagedDueDate(ProjectId, IssueIid),
    /// Whether the store holds every note Steward owns on an issue.
    NotesSynced(ProjectId, IssueIid),
    /// Since when an issue waits on its requester, and its recent finished waits.
    Waiting(ProjectId, IssueIid),
    /// An epic's global id, by group and epic iid.
    EpicId(GroupId, EpicIid),
    /// An epic's work-item global id, by group and epic iid.
    EpicWorkItem(GroupId, EpicIid),
    /// The GraphQL note holding a week's digest on an epic. Pruned by age.
    DigestGraphqlNote(GroupId, EpicIid, IsoWeek),
    /// When this store was first used by the service.
    StoreInitialisedAt,
    /// The audit log imported into this store, if any.
    AuditImported,
    /// What an issue looked like right after Steward's own last write to it.
    OwnWrite(ProjectId, IssueIid),
}

impl StateKey {
    /// The kinds whose rows are pruned by age (one row per week: they grow without bound).
    pub(crate) const PRUNED_KINDS: &'static [&'static str] = &["digest_graphql_note"];

    /// The `kind` column value.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::SweepWatermark(_) => "sweep_watermark",
            Self::Workload(_) => "workload",
            Self::ManagedDueDate(..) => "managed_due",
            Self::NotesSynced(..) => "notes_synced",
            Self::Waiting(..) => "waiting",
            Self::EpicId(..) => "epic_id",
            Self::EpicWorkItem(..) => "epic_work_item",
            Self::DigestGraphqlNote(..) => "digest_graphql_note",
            Self::StoreInitialisedAt => "store_initialised_at",
            Self::AuditImported => "audit_imported",
            Self::OwnWrite(..) => "own_write",
        }
    }

    /// The `scope` column value: what the row is about within its kind (as the migration from
    /// the key/value table spells it).
    pub(crate) fn scope(&self) -> String {
        match self {
            Self::SweepWatermark(p) | Self::Workload(p) => p.to_string(),
            Self::ManagedDueDate(p, iid)
            | Self::NotesSynced(p, iid)
            | Self::Waiting(p, iid)
            | Self::OwnWrite(p, iid) => format!("{p}:{iid}"),
            Self::EpicId(g, epic) | Self::EpicWorkItem(g, epic) => format!("{g}/{epic}"),
            Self::DigestGraphqlNote(g, epic, week) => format!("{g}/{epic}:{}", note_key(*week)),
            Self::StoreInitialisedAt | Self::AuditImported => String::new(),
        }
    }
}

/// A GraphQL note Steward posted, with the hash of the body it last sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphqlNoteRef {
    /// The note's global id.
    pub gid: String,
    /// Hash of the body last posted.
    pub body_hash: String,
}

/// What [`Store::prune_state`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatePruned {
    /// Domain-state rows of pruned kinds (weekly digest notes).
    pub state_rows: u64,
    /// Schedule slots (the latest finished slot of each schedule is always kept).
    pub schedule_slots: u64,
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Permanent(e.to_string()))
}

/// Typed operations over [`Store::read_state`] and [`Store::write_state`]. A value that does
/// not decode reads as absent, as an unset value would.
impl<'s> dyn Store + 's {
    /// Where the next catch-up sweep of `project` starts listing.
    pub async fn sweep_watermark(
        &self,
        project: ProjectId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text = self.read_state(&StateKey::SweepWatermark(project)).await?;
        Ok(text.as_deref().and_then(parse_time))
    }

    /// Records where the next catch-up sweep of `project` starts listing.
    pub async fn set_sweep_watermark(
        &self,
        project: ProjectId,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::SweepWatermark(project);
        self.write_state(&key, &at.to_rfc3339(), now).await
    }

    /// Open issues per assignee in `project` (empty when never recorded).
    pub async fn workload(&self, project: ProjectId) -> Result<Workload, StoreError> {
        let text = self.read_state(&StateKey::Workload(project)).await?;
        let open_issues = text
            .and_then(|t| serde_json::from_str::<BTreeMap<String, u32>>(&t).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|(u, n)| (Username(u), n))
            .collect();
        Ok(Workload { open_issues })
    }

    /// Records open issues per assignee (by username) in `project`.
    pub async fn set_workload(
        &self,
        project: ProjectId,
        counts: &BTreeMap<String, u32>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::Workload(project);
        self.write_state(&key, &to_json(counts)?, now).await
    }

    /// The due date Steward last set on the issue.
    pub async fn managed_due_date(
        &self,
        project: ProjectId,
        iid: IssueIid,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let text = self
            .read_state(&StateKey::ManagedDueDate(project, iid))
            .await?;
        Ok(text.and_then(|d| d.parse().ok()))
    }

    /// Records the due date Steward set on the issue.
    pub async fn set_managed_due_date(
        &self,
        project: ProjectId,
        iid: IssueIid,
        due: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::ManagedDueDate(project, iid);
        self.write_state(&key, &due.to_string(), now).await
    }

    /// How the issue has waited on its requester (empty when never recorded).
    pub async fn waiting(&self, project: ProjectId, iid: IssueIid) -> Result<Waiting, StoreError> {
        let text = self.read_state(&StateKey::Waiting(project, iid)).await?;
        Ok(text
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default())
    }

    /// Records how the issue has waited on its requester.
    pub async fn set_waiting(
        &self,
        project: ProjectId,
        iid: IssueIid,
        waiting: &Waiting,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::Waiting(project, iid);
        self.write_state(&key, &to_json(waiting)?, now).await
    }

    /// What the issue looked like right after Steward's own last write to it (`None`: Steward
    /// has not written to it since this record was kept).
    pub async fn own_write(
        &self,
        project: ProjectId,
        iid: IssueIid,
    ) -> Result<Option<OwnWrite>, StoreError> {
        let text = self.read_state(&StateKey::OwnWrite(project, iid)).await?;
        Ok(text.and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// Records what the issue looked like right after Steward's own write.
    pub async fn set_own_write(
        &self,
        project: ProjectId,
        iid: IssueIid,
        own: &OwnWrite,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::OwnWrite(project, iid);
        self.write_state(&key, &to_json(own)?, now).await
    }

    /// Whether the store holds every note Steward owns on the issue (`None`: never recorded).
    pub async fn notes_synced(
        &self,
        project: ProjectId,
        iid: IssueIid,
    ) -> Result<Option<bool>, StoreError> {
        let text = self
            .read_state(&StateKey::NotesSynced(project, iid))
            .await?;
        Ok(text.map(|v| v == "1"))
    }

    /// Records whether the store holds every note Steward owns on the issue.
    pub async fn set_notes_synced(
        &self,
        project: ProjectId,
        iid: IssueIid,
        synced: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::NotesSynced(project, iid);
        self.write_state(&key, if synced { "1" } else { "0" }, now)
            .await
    }

    /// The epic's global id, when remembered.
    pub async fn epic_id(
        &self,
        group: GroupId,
        epic_iid: EpicIid,
    ) -> Result<Option<EpicId>, StoreError> {
        let text = self.read_state(&StateKey::EpicId(group, epic_iid)).await?;
        Ok(text.and_then(|v| v.parse().ok()).map(EpicId))
    }

    /// Remembers the epic's global id.
    pub async fn set_epic_id(
        &self,
        group: GroupId,
        epic_iid: EpicIid,
        id: EpicId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::EpicId(group, epic_iid);
        self.write_state(&key, &id.to_string(), now).await
    }

    /// The epic's work-item global id, when remembered.
    pub async fn epic_work_item(
        &self,
        group: GroupId,
        epic_iid: EpicIid,
    ) -> Result<Option<String>, StoreError> {
        self.read_state(&StateKey::EpicWorkItem(group, epic_iid))
            .await
    }

    /// Remembers the epic's work-item global id.
    pub async fn set_epic_work_item(
        &self,
        group: GroupId,
        epic_iid: EpicIid,
        gid: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::EpicWorkItem(group, epic_iid);
        self.write_state(&key, gid, now).await
    }

    /// The GraphQL note holding `week`'s digest on the epic, when one was posted.
    pub async fn digest_graphql_note(
        &self,
        group: GroupId,
        epic_iid: EpicIid,
        week: IsoWeek,
    ) -> Result<Option<GraphqlNoteRef>, StoreError> {
        let key = StateKey::DigestGraphqlNote(group, epic_iid, week);
        let text = self.read_state(&key).await?;
        Ok(text.and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// Records the GraphQL note holding `week`'s digest on the epic (kept for
    /// [`Store::prune_state`]'s retention after `now`).
    pub async fn set_digest_graphql_note(
        &self,
        group: GroupId,
        epic_iid: EpicIid,
        week: IsoWeek,
        note: &GraphqlNoteRef,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = StateKey::DigestGraphqlNote(group, epic_iid, week);
        self.write_state(&key, &to_json(note)?, now).await
    }

    /// When the service first used this store: recorded as `now` on first use and returned
    /// unchanged afterwards. `None` when the recorded value does not read as a time.
    pub async fn stamp_initialised_at(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let key = StateKey::StoreInitialisedAt;
        match self.read_state(&key).await? {
            Some(text) => Ok(parse_time(&text)),
            None => {
                self.write_state(&key, &now.to_rfc3339(), now).await?;
                Ok(Some(now))
            }
        }
    }

    /// What was recorded when an audit log was imported into this store.
    pub async fn audit_imported(&self) -> Result<Option<String>, StoreError> {
        self.read_state(&StateKey::AuditImported).await
    }

    /// Records that an audit log was imported into this store.
    pub async fn set_audit_imported(
        &self,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_state(&StateKey::AuditImported, note, now).await
    }
}
