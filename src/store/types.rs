//! Plain data exchanged with the store: what goes in (`NewDelivery`, `NewJob`, `AuditEntry`…)
//! and what comes out (`ClaimedJob`, `QueueStats`…). No database code lives here.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use steward_core::model::{EpicId, GroupId, IssueIid, NoteId, ProjectId};

/// A stored delivery's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeliveryId(pub i64);

/// A job's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub i64);

/// An audit-log entry's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AuditId(pub i64);

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A webhook delivery as received, to be recorded before GitLab gets its 2xx.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// `Idempotency-Key` when present, else a content key computed by the caller
    /// (GITLAB.md §3.7). Unique across all replicas.
    pub dedup_key: String,
    /// `X-Gitlab-Event` (`Issue Hook`…), when sent.
    pub event_name: Option<String>,
    /// `X-Gitlab-Event-UUID`, kept to forward on API calls (GITLAB.md §5.3).
    pub event_uuid: Option<String>,
    /// The project, when the body could be decoded that far.
    pub project_id: Option<ProjectId>,
    /// The issue, when the body could be decoded that far.
    pub issue_iid: Option<IssueIid>,
    /// Selected request headers as a JSON object (never the secret token).
    pub headers_json: String,
    /// The raw body, byte for byte, kept even when it could not be decoded.
    pub body: Vec<u8>,
    /// Why decoding failed, when it did.
    pub decode_error: Option<String>,
    /// When the request arrived.
    pub received_at: DateTime<Utc>,
    /// The job to enqueue with the delivery (same transaction, same coalescing as
    /// `Store::enqueue_job`), when the delivery needs work.
    pub job: Option<NewJob>,
}

/// What `Store::record_delivery` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    /// The delivery is new and committed.
    Accepted {
        /// The new delivery's id.
        delivery_id: DeliveryId,
        /// The job that will handle it (a coalesced pending job's id when one already existed);
        /// `None` when no job was given.
        job_id: Option<JobId>,
    },
    /// A delivery with the same dedup key was already recorded; nothing was written.
    Duplicate {
        /// The first delivery's id.
        delivery_id: DeliveryId,
    },
}

/// A delivery read back from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDelivery {
    /// Row id.
    pub id: DeliveryId,
    /// Dedup key.
    pub dedup_key: String,
    /// `X-Gitlab-Event`.
    pub event_name: Option<String>,
    /// `X-Gitlab-Event-UUID`.
    pub event_uuid: Option<String>,
    /// Project, when known.
    pub project_id: Option<ProjectId>,
    /// Issue, when known.
    pub issue_iid: Option<IssueIid>,
    /// Selected headers (JSON object text).
    pub headers_json: String,
    /// Raw body.
    pub body: Vec<u8>,
    /// Decode error, when decoding failed.
    pub decode_error: Option<String>,
    /// Arrival time.
    pub received_at: DateTime<Utc>,
}

/// A job row to add to the queue. The store does not read `kind` or `payload`: the service
/// writes them from a typed `queue::Job` (`Job::to_row`) and reads them back with
/// `Job::decode`, which also accepts rows of earlier payload versions.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// What the worker should do (`issue.sync`, `sweep`, `full_sweep`, `digest`).
    pub kind: String,
    /// Kind-specific arguments, with the payload schema version.
    pub payload: serde_json::Value,
    /// Not claimable before this moment.
    pub run_at: DateTime<Utc>,
    /// Jobs with the same key collapse while one is pending and unclaimed (e.g.
    /// `issue:PROJECT:IID`: many deliveries for one issue become one re-read).
    pub coalesce_key: Option<String>,
}

/// What `Store::enqueue_job` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnqueueOutcome {
    /// The new job, or the pending job it was coalesced into.
    pub job_id: JobId,
    /// True when no row was added because an unclaimed pending job had the same key.
    pub coalesced: bool,
}

/// A job's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for `run_at` (new, or scheduled for another attempt).
    Pending,
    /// Claimed by a worker holding a lease.
    Running,
    /// Finished successfully.
    Done,
    /// Failed permanently or ran out of attempts (dead letter).
    Dead,
    /// Ended because what it was about no longer exists (a deleted or moved issue): final,
    /// like `Done`, and not a dead letter.
    Gone,
}

impl JobState {
    /// The value stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
            Self::Gone => "gone",
        }
    }

    /// Parses the `state` column.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "dead" => Some(Self::Dead),
            "gone" => Some(Self::Gone),
            _ => None,
        }
    }
}

/// A job a worker holds. Every write back is fenced by `claim_token`: once the lease expires
/// and another worker claims the job, this value no longer matches and writes are refused.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// The job.
    pub id: JobId,
    /// Its kind.
    pub kind: String,
    /// Its payload.
    pub payload: serde_json::Value,
    /// Attempts so far, this one included (1 on the first claim).
    pub attempts: u32,
    /// Fencing token: incremented by every claim.
    pub claim_token: i64,
    /// The worker that claimed it.
    pub worker_id: String,
    /// When the lease runs out unless extended.
    pub lease_until: DateTime<Utc>,
    /// The delivery that caused the job, when one did.
    pub delivery_id: Option<DeliveryId>,
    /// The coalesce key it was enqueued with.
    pub coalesce_key: Option<String>,
}

/// What `Store::retry_job` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Pending again, claimable from `next_run_at`.
    Scheduled {
        /// When the next attempt may start.
        next_run_at: DateTime<Utc>,
    },
    /// `max_attempts` reached: the job is dead-lettered.
    DeadLettered,
}

/// A job as listed for inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// Row id.
    pub id: JobId,
    /// Kind.
    pub kind: String,
    /// Payload.
    pub payload: serde_json::Value,
    /// Current state.
    pub state: JobState,
    /// Attempts so far.
    pub attempts: u32,
    /// When it is (or was) due.
    pub run_at: DateTime<Utc>,
    /// Current or last lease holder.
    pub lease_owner: Option<String>,
    /// Lease expiry of the current or last claim.
    pub lease_until: Option<DateTime<Utc>>,
    /// Coalesce key.
    pub coalesce_key: Option<String>,
    /// Originating delivery.
    pub delivery_id: Option<DeliveryId>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// Summary written on completion.
    pub summary: Option<String>,
    /// When it reached `done`, `gone` or `dead`.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Job counts per state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct QueueStats {
    /// Waiting (due or not).
    pub pending: u64,
    /// Claimed (lease possibly expired).
    pub running: u64,
    /// Dead-lettered.
    pub dead: u64,
    /// Finished.
    pub done: u64,
    /// Ended because their issue no longer exists (not dead letters).
    pub gone: u64,
}

/// One action Steward took (or deliberately skipped), for the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The job that acted.
    pub job_id: Option<JobId>,
    /// The delivery that triggered it.
    pub delivery_id: Option<DeliveryId>,
    /// The project concerned.
    pub project_id: Option<ProjectId>,
    /// The issue concerned.
    pub issue_iid: Option<IssueIid>,
    /// Who acted (`steward`).
    pub actor: String,
    /// The rules that caused the action.
    pub rule_names: Vec<String>,
    /// What kind of action (`issue.edit`, `note.create`, `note.update`, `skip.echo`…).
    pub action: String,
    /// The API call made (`PUT /projects/1/issues/23`), when one was.
    pub api_call: Option<String>,
    /// GitLab's HTTP status, when a call was made.
    pub response_status: Option<u16>,
    /// Free-text detail (what changed, or why it was skipped).
    pub detail: String,
}

/// An audit entry read back, with its id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// Row id (increasing in append order).
    pub id: AuditId,
    /// The entry.
    pub entry: AuditEntry,
}

/// Which audit entries to list or count. Unset fields match everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFilter {
    /// Only this project.
    pub project: Option<ProjectId>,
    /// Only this issue (combine with `project`).
    pub issue: Option<IssueIid>,
    /// Only this action.
    pub action: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// At most this many (100 when unset).
    pub limit: Option<u32>,
}

/// What a Steward-owned note is attached to.
///
/// Weekly digests reuse owned notes rather than a table of their own: the target is the
/// tracking epic and the key names the week (`digest:2026-W48`), so posting a week's digest
/// twice edits the same note.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NoteTarget {
    /// A note on an issue.
    Issue {
        /// Project.
        project: ProjectId,
        /// Issue number.
        iid: IssueIid,
    },
    /// A note on a group epic (epic notes take the epic's `id`, GITLAB.md §3.4).
    Epic {
        /// Group.
        group: GroupId,
        /// The epic's global id.
        epic_id: EpicId,
    },
    /// Anything else, by a caller-chosen key.
    Key(String),
}

impl NoteTarget {
    /// The text stored in the `target` column: `issue:PROJECT/IID`, `epic:GROUP/ID` or
    /// `key:KEY`. Distinct targets never share a storage key.
    pub fn storage_key(&self) -> String {
        match self {
            Self::Issue { project, iid } => format!("issue:{project}/{iid}"),
            Self::Epic { group, epic_id } => format!("epic:{group}/{epic_id}"),
            Self::Key(k) => format!("key:{k}"),
        }
    }
}

/// A note Steward owns (found by marker key on its target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedNote {
    /// GitLab's note id.
    pub note_id: NoteId,
    /// Hash of the body last written, so an unchanged body is not re-sent.
    pub body_hash: String,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

/// How many webhook deliveries arrived in one hour (for the status page's chart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HourCount {
    /// The start of the hour (UTC, on the hour).
    pub hour: DateTime<Utc>,
    /// Deliveries received in `[hour, hour + 1 h)`, duplicates refused at intake excluded.
    pub deliveries: u64,
}

/// One embedded migration and whether it is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationInfo {
    /// Version number (file prefix).
    pub version: i64,
    /// Description (file name after the prefix).
    pub description: String,
    /// Whether the database has it.
    pub applied: bool,
}
