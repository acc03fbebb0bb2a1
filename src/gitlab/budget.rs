//! The outgoing rate budget that keeps Steward under GitLab's limits (GITLAB.md §3.6): one
//! bucket for all requests, one more for note creations. It only waits; it never fails a call.
//!
//! Each bucket is a GCRA quota of `n` per minute with a burst of `n` (governor): the sustained
//! rate never exceeds `n`/min. A cold bucket can spend its burst and then refill within the same
//! clock minute, so GitLab may still answer 429 in rare bursts; that surfaces as a transient
//! error and the job runner waits `Retry-After`.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// What kind of call is being budgeted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Any call other than a note creation.
    Request,
    /// A note creation (issue note, epic note, GraphQL `createNote`): GitLab.com allows 60/min.
    NoteCreation,
}

/// The two buckets. Shared by every clone of the client.
#[derive(Debug)]
pub struct Budget {
    requests: DefaultDirectRateLimiter,
    notes: DefaultDirectRateLimiter,
}

impl Budget {
    /// A budget of `requests_per_minute` calls overall and `notes_per_minute` note creations.
    pub fn new(requests_per_minute: NonZeroU32, notes_per_minute: NonZeroU32) -> Self {
        Self {
            requests: RateLimiter::direct(Quota::per_minute(requests_per_minute)),
            notes: RateLimiter::direct(Quota::per_minute(notes_per_minute)),
        }
    }

    /// Waits until the call fits the budget (notes take a token from both buckets) and returns
    /// how long it waited. Recorded as `steward_gitlab_budget_wait_seconds{budget}`.
    pub async fn acquire(&self, kind: CallKind) -> Duration {
        let mut waited = Duration::ZERO;
        if kind == CallKind::NoteCreation {
            waited += wait(&self.notes, "notes").await;
        }
        waited += wait(&self.requests, "requests").await;
        waited
    }

    /// Takes a token without waiting when the budget allows the call now; otherwise returns
    /// how long the call would have to wait (and takes nothing). Notes are checked against both
    /// buckets.
    pub fn try_acquire(&self, kind: CallKind) -> Result<(), Duration> {
        let clock = DefaultClock::default();
        if kind == CallKind::NoteCreation {
            // Check the request bucket first without consuming from the note bucket, so a
            // refusal takes nothing from either.
            if let Err(not_until) = self.requests.check() {
                return Err(not_until.wait_time_from(clock.now()));
            }
            if let Err(not_until) = self.notes.check() {
                // The request token is already spent; that errs on the side of fewer calls.
                return Err(not_until.wait_time_from(clock.now()));
            }
            return Ok(());
        }
        self.requests
            .check()
            .map_err(|not_until| not_until.wait_time_from(clock.now()))
    }
}

async fn wait(limiter: &DefaultDirectRateLimiter, budget: &'static str) -> Duration {
    if limiter.check().is_ok() {
        metrics::histogram!("steward_gitlab_budget_wait_seconds", "budget" => budget).record(0.0);
        return Duration::ZERO;
    }
    let start = Instant::now();
    limiter.until_ready().await;
    let waited = start.elapsed();
    metrics::histogram!("steward_gitlab_budget_wait_seconds", "budget" => budget)
        .record(waited.as_secs_f64());
    tracing::debug!(
        budget,
        waited_ms = waited.as_millis() as u64,
        "waited for GitLab rate budget"
    );
    waited
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn a_budget_of_two_per_minute_refuses_the_third_call_for_about_thirty_seconds() {
        let budget = Budget::new(nz(2), nz(60));
        assert_eq!(budget.try_acquire(CallKind::Request), Ok(()));
        assert_eq!(budget.try_acquire(CallKind::Request), Ok(()));
        let wait = budget.try_acquire(CallKind::Request).unwrap_err();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
    }

    #[test]
    fn note_creations_are_limited_separately_from_other_requests() {
        let budget = Budget::new(nz(100), nz(1));
        assert_eq!(budget.try_acquire(CallKind::NoteCreation), Ok(()));
        let wait = budget.try_acquire(CallKind::NoteCreation).unwrap_err();
        assert!(wait > Duration::from_secs(50), "{wait:?}");
        // Reads and edits are not held back by the exhausted note bucket.
        assert_eq!(budget.try_acquire(CallKind::Request), Ok(()));
    }

    #[tokio::test]
    async fn acquire_within_budget_does_not_wait() {
        let budget = Budget::new(nz(5), nz(5));
        for _ in 0..5 {
            assert_eq!(budget.acquire(CallKind::Request).await, Duration::ZERO);
        }
    }
}
