//! What the job queue carries: the one job type [`Job`] and its payloads, how a job is written
//! to a job row (`kind` column plus a JSON payload with a schema version) and how a row is read
//! back, including rows written before payloads carried a version. Plain data: what each job
//! does is `jobs`; schedules name a [`Job`] and `jobs` runs it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{ClaimedJob, NewJob};
use steward_core::model::{IssueIid, ProjectId};

/// What a [`Job::IssueSync`] carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueSync {
    /// The project.
    pub project: ProjectId,
    /// The issue.
    pub iid: IssueIid,
    /// `X-Gitlab-Event-UUID` of the delivery that triggered it, forwarded on API calls so that
    /// GitLab suppresses the echo to the same hook (GITLAB.md §5.3).
    #[serde(default)]
    pub event_uuid: Option<String>,
    /// The delivery that triggered it (for the audit log).
    #[serde(default)]
    pub delivery_id: Option<i64>,
    /// The project's full path, for a work item event (`object_kind: work_item`) that sent
    /// it: an item the Issues API does not show (a custom work item type) is read and edited
    /// through GraphQL by path (GITLAB.md §6.1). `None` for issues and for sweeps, which only
    /// find what the Issues API lists.
    #[serde(default)]
    pub project_path: Option<String>,
}

impl IssueSync {
    /// The coalescing key: pending syncs of one issue collapse into one re-read.
    pub fn coalesce_key(project: ProjectId, iid: IssueIid) -> String {
        format!("issue:{project}:{iid}")
    }
}

/// The schedule slot a scheduled job runs for; the job finishes the slot when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRef {
    /// Schedule name.
    pub schedule: String,
    /// The slot's instant.
    pub slot: DateTime<Utc>,
}

/// What a [`Job::Sweep`] or [`Job::FullSweep`] carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepJob {
    /// The schedule slot that enqueued it, if any (finished when the job ends).
    #[serde(default)]
    pub slot: Option<SlotRef>,
}

/// What a [`Job::Digest`] carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestJob {
    /// The ISO week (`2026-W48`); default: the last complete week at the slot (or now).
    #[serde(default)]
    pub week: Option<String>,
    /// The schedule slot that enqueued it, if any.
    #[serde(default)]
    pub slot: Option<SlotRef>,
}

/// The payload schema version this code writes. Version 1 is the payload of rows written
/// before the version was recorded (no `v` field; a `sweep` row could carry `"full": true`).
pub const JOB_SCHEMA_VERSION: u32 = 2;

/// A unit of work the queue carries. Its serde form is internally tagged by `kind`, whose
/// values are the job row's `kind` column (`issue.sync`, `sweep`, `full_sweep`, `digest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Job {
    /// Re-read one issue and reconcile it with the rules.
    #[serde(rename = "issue.sync")]
    IssueSync(IssueSync),
    /// The catch-up sweep: issues updated since the newest update the last sweep saw.
    #[serde(rename = "sweep")]
    Sweep(SweepJob),
    /// A full sweep of every open issue (time-based rules, workload recount).
    #[serde(rename = "full_sweep")]
    FullSweep(SweepJob),
    /// The weekly digest of each configured program.
    #[serde(rename = "digest")]
    Digest(DigestJob),
}

/// The jobs a schedule may name, by the name written in the configuration.
pub const SCHEDULABLE: [&str; 3] = ["sweep", "full_sweep", "digest"];

/// The stored payload: the job's fields with the schema version.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default = "legacy_version")]
    v: u32,
    #[serde(flatten)]
    job: Job,
}

fn legacy_version() -> u32 {
    1
}

/// Why a job row could not be read as a [`Job`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobDecodeError {
    /// The payload is not a JSON object.
    #[error("`{kind}` job payload is not a JSON object")]
    NotAnObject {
        /// The row's kind.
        kind: String,
    },
    /// A newer Steward wrote the row.
    #[error(
        "`{kind}` job payload has schema version {version}; this Steward reads up to {JOB_SCHEMA_VERSION}"
    )]
    TooNew {
        /// The row's kind.
        kind: String,
        /// The version it carries.
        version: u64,
    },
    /// Unknown kind, or fields that do not fit it.
    #[error("unreadable `{kind}` job: {reason}")]
    Unreadable {
        /// The row's kind.
        kind: String,
        /// What serde reported.
        reason: String,
    },
}

impl Job {
    /// A catch-up sweep not tied to a schedule slot.
    pub fn sweep() -> Self {
        Self::Sweep(SweepJob::default())
    }

    /// A full sweep not tied to a schedule slot.
    pub fn full_sweep() -> Self {
        Self::FullSweep(SweepJob::default())
    }

    /// The digest of the last complete week, not tied to a schedule slot.
    pub fn digest() -> Self {
        Self::Digest(DigestJob::default())
    }

    /// The job a schedule names in the configuration (one of [`SCHEDULABLE`]).
    pub fn from_schedule_name(name: &str) -> Option<Self> {
        match name {
            "sweep" => Some(Self::sweep()),
            "full_sweep" => Some(Self::full_sweep()),
            "digest" => Some(Self::digest()),
            _ => None,
        }
    }

    /// The row's `kind` column, also the name schedules use.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::IssueSync(_) => "issue.sync",
            Self::Sweep(_) => "sweep",
            Self::FullSweep(_) => "full_sweep",
            Self::Digest(_) => "digest",
        }
    }

    /// The schedule slot the job runs for, if a schedule enqueued it.
    pub fn slot(&self) -> Option<&SlotRef> {
        match self {
            Self::IssueSync(_) => None,
            Self::Sweep(s) | Self::FullSweep(s) => s.slot.as_ref(),
            Self::Digest(d) => d.slot.as_ref(),
        }
    }

    /// The same job, run for `slot` (issue syncs are never scheduled and stay as they are).
    pub fn for_slot(mut self, slot: SlotRef) -> Self {
        match &mut self {
            Self::IssueSync(_) => {}
            Self::Sweep(s) | Self::FullSweep(s) => s.slot = Some(slot),
            Self::Digest(d) => d.slot = Some(slot),
        }
        self
    }

    /// The coalescing key: pending syncs of one issue collapse into one re-read; other jobs
    /// never coalesce (each scheduled slot's job finishes its own slot).
    pub fn coalesce_key(&self) -> Option<String> {
        match self {
            Self::IssueSync(s) => Some(IssueSync::coalesce_key(s.project, s.iid)),
            _ => None,
        }
    }

    /// The job row to enqueue, claimable from `run_at`.
    pub fn to_row(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: self.kind().to_owned(),
            payload: self.payload(),
            run_at,
            coalesce_key: self.coalesce_key(),
        }
    }

    /// The row's payload: the job's fields and `v` (the kind is in its own column).
    pub fn payload(&self) -> serde_json::Value {
        let stored = Stored {
            v: JOB_SCHEMA_VERSION,
            job: self.clone(),
        };
        let mut value = serde_json::to_value(stored).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("kind");
        }
        value
    }

    /// Reads a job row. Rows of every earlier schema version are accepted: version 1 rows have
    /// no `v`, and a version 1 `sweep` with `"full": true` is a full sweep.
    pub fn decode(kind: &str, payload: &serde_json::Value) -> Result<Self, JobDecodeError> {
        let Some(fields) = payload.as_object() else {
            return Err(JobDecodeError::NotAnObject {
                kind: kind.to_owned(),
            });
        };
        let version = fields.get("v").and_then(|v| v.as_u64()).unwrap_or(1);
        if version > u64::from(JOB_SCHEMA_VERSION) {
            return Err(JobDecodeError::TooNew {
                kind: kind.to_owned(),
                version,
            });
        }
        let mut fields = fields.clone();
        let legacy_full = version == 1
            && kind == "sweep"
            && fields.get("full").and_then(|f| f.as_bool()) == Some(true);
        fields.remove("full");
        let kind = if legacy_full { "full_sweep" } else { kind };
        fields.insert("kind".to_owned(), kind.into());
        serde_json::from_value::<Stored>(serde_json::Value::Object(fields))
            .map(|s| s.job)
            .map_err(|e| JobDecodeError::Unreadable {
                kind: kind.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Reads a claimed job; an issue sync without a delivery id takes the row's.
    pub fn of_claimed(claimed: &ClaimedJob) -> Result<Self, JobDecodeError> {
        let mut job = Self::decode(&claimed.kind, &claimed.payload)?;
        if let Self::IssueSync(sync) = &mut job {
            sync.delivery_id = sync.delivery_id.or(claimed.delivery_id.map(|d| d.0));
        }
        Ok(job)
    }
}

/// Serde helpers for a schedule's `job:` field, written as the job's name (`digest`).
pub mod schedule_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::{Job, SCHEDULABLE};

    /// Writes the job's name.
    pub fn serialize<S: Serializer>(job: &Job, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(job.kind())
    }

    /// Reads a name from [`SCHEDULABLE`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Job, D::Error> {
        let name = String::deserialize(d)?;
        Job::from_schedule_name(&name).ok_or_else(|| {
            D::Error::custom(format!(
                "unknown job `{name}`; a schedule runs one of: {}",
                SCHEDULABLE.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slot() -> SlotRef {
        SlotRef {
            schedule: "nightly".into(),
            slot: "2026-11-25T02:30:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn issue_sync_payload_round_trips_without_optional_fields() {
        let p: IssueSync = serde_json::from_str(r#"{"project":1,"iid":23}"#).unwrap();
        assert_eq!(p.iid, IssueIid(23));
        assert_eq!(IssueSync::coalesce_key(p.project, p.iid), "issue:1:23");
    }

    #[test]
    fn every_job_round_trips_through_its_row_with_the_schema_version() {
        let jobs = [
            Job::IssueSync(IssueSync {
                project: ProjectId(1),
                iid: IssueIid(23),
                event_uuid: Some("u".into()),
                delivery_id: Some(4),
                project_path: None,
            }),
            Job::sweep().for_slot(slot()),
            Job::full_sweep(),
            Job::Digest(DigestJob {
                week: Some("2026-W48".into()),
                slot: Some(slot()),
            }),
        ];
        for job in jobs {
            let row = job.to_row(slot().slot);
            assert_eq!(row.kind, job.kind());
            assert_eq!(row.payload["v"], json!(JOB_SCHEMA_VERSION));
            assert!(
                row.payload.get("kind").is_none(),
                "the kind has its own column"
            );
            assert_eq!(Job::decode(&row.kind, &row.payload), Ok(job));
        }
    }

    #[test]
    fn rows_written_before_the_schema_version_still_decode() {
        let table = [
            (
                "issue.sync",
                json!({"project": 1, "iid": 23, "event_uuid": null, "delivery_id": null}),
                Job::IssueSync(IssueSync {
                    project: ProjectId(1),
                    iid: IssueIid(23),
                    event_uuid: None,
                    delivery_id: None,
                    project_path: None,
                }),
            ),
            ("sweep", json!({"full": false, "slot": null}), Job::sweep()),
            ("sweep", json!({"full": true}), Job::full_sweep()),
            (
                "full_sweep",
                json!({"full": true, "slot": null}),
                Job::full_sweep(),
            ),
            ("digest", json!({"week": null, "slot": null}), Job::digest()),
        ];
        for (kind, payload, want) in table {
            assert_eq!(Job::decode(kind, &payload), Ok(want), "{kind} {payload}");
        }
    }

    #[test]
    fn unknown_kinds_newer_versions_and_bad_fields_are_errors_that_say_so() {
        let cases = [
            ("issue.reconcile", json!({}), "unreadable `issue.reconcile`"),
            ("digest", json!({"v": 9}), "schema version 9"),
            (
                "issue.sync",
                json!({"project": "x"}),
                "unreadable `issue.sync`",
            ),
            ("sweep", json!([1]), "not a JSON object"),
        ];
        for (kind, payload, needle) in cases {
            let message = Job::decode(kind, &payload).unwrap_err().to_string();
            assert!(message.contains(needle), "{message} lacks {needle}");
        }
    }

    #[test]
    fn schedules_name_the_jobs_they_may_run() {
        for name in SCHEDULABLE {
            assert_eq!(Job::from_schedule_name(name).map(|j| j.kind()), Some(name));
        }
        assert_eq!(Job::from_schedule_name("issue.sync"), None);
    }
}
