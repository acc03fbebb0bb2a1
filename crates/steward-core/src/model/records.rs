//! What the service records about an issue between runs and hands to the rules with it: its
//! waits on the requester and what Steward's own last write left. Data only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long an issue has waited on its requester (a label the catalogue marks
/// `waiting_on_requester`, e.g. `advocacy::needs-info`), as the service recorded it. The
/// service writes it; rules only read it, so evaluation stays pure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    /// When the current wait began, while the issue waits.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Waits that ended, oldest first (the service keeps the most recent few).
    #[serde(default)]
    pub past: Vec<WaitSpan>,
}

/// One finished wait on the requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitSpan {
    /// When the wait began.
    pub from: DateTime<Utc>,
    /// When it ended (the requester answered).
    pub to: DateTime<Utc>,
}

impl Waiting {
    /// How many finished waits the service keeps: older ones no longer move any threshold.
    pub const KEPT: usize = 8;

    /// The record once the issue is (`waiting`) or is not waiting at `now`; `None` when it
    /// does not change.
    pub fn update(&self, waiting: bool, now: DateTime<Utc>) -> Option<Waiting> {
        match (self.since, waiting) {
            (None, true) => Some(Waiting {
                since: Some(now),
                past: self.past.clone(),
            }),
            (Some(from), false) => {
                let mut past = self.past.clone();
                past.push(WaitSpan { from, to: now });
                let excess = past.len().saturating_sub(Self::KEPT);
                past.drain(..excess);
                Some(Waiting { since: None, past })
            }
            _ => None,
        }
    }
}

/// What Steward saw of an issue right after its own last write, kept in the store, so that
/// its own edits and comments (which bump GitLab's `updated_at`, GITLAB.md §6.5) are not taken
/// for someone else's activity. The service writes it; [`crate::activity`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnWrite {
    /// The issue's `updated_at` as GitLab returned it after Steward's last write.
    pub updated_at: DateTime<Utc>,
    /// The issue's `user_notes_count` then, when known.
    #[serde(default)]
    pub user_notes_count: Option<u64>,
    /// The last activity by someone else, as known just before that write.
    pub human_activity_at: DateTime<Utc>,
}
