//! Job kinds, their payloads and the retry policy. The worker loop that runs them is
//! [`worker`]; what each job does to GitLab is decided by `rules` and carried out by `reconcile`.

pub mod digest_job;
pub mod sweep;
pub mod worker;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::{IssueIid, ProjectId};

/// Job kind: re-read one issue and reconcile it with the rules.
pub const ISSUE_SYNC: &str = "issue.sync";

/// Payload of an [`ISSUE_SYNC`] job.
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
    pub slot: chrono::DateTime<chrono::Utc>,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; the summary says what was written.
    Done(String),
    /// Try again later (transient failure), no earlier than `after`.
    Retry {
        /// Why.
        error: String,
        /// Minimum wait (e.g. from `Retry-After`).
        after: Option<Duration>,
    },
    /// Will never succeed as is (403, 404, bad payload): dead-lettered with the reason.
    Fail(String),
}

/// Backoff before attempt `attempts + 1`: exponential from 2 s, capped at 10 minutes, never
/// shorter than the server's `Retry-After`, with a small deterministic jitter per job so that
/// many jobs failing together do not retry in lockstep.
pub fn backoff(attempts: u32, retry_after: Option<Duration>, job_id: i64) -> Duration {
    let exp = 2u64.saturating_pow(attempts.min(16)).saturating_mul(2);
    let base = Duration::from_secs(exp.min(600));
    let jitter = Duration::from_millis((job_id.unsigned_abs() * 7919) % 1000);
    base.max(retry_after.unwrap_or_default()) + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let first = backoff(0, None, 1);
        let third = backoff(2, None, 1);
        assert!(third > first);
        assert!(backoff(40, None, 1) <= Duration::from_secs(601));
        assert!(backoff(0, Some(Duration::from_secs(30)), 1) >= Duration::from_secs(30));
    }

    #[test]
    fn issue_sync_payload_round_trips_without_optional_fields() {
        let p: IssueSync = serde_json::from_str(r#"{"project":1,"iid":23}"#).unwrap();
        assert_eq!(p.iid, IssueIid(23));
        assert_eq!(IssueSync::coalesce_key(p.project, p.iid), "issue:1:23");
    }
}
