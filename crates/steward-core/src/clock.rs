//! The source of "now" for job and request paths, injected so tests and the demo control time.
//!
//! Decisions never read the clock themselves (`rules::evaluate` takes `now` as a parameter); only
//! the runners that call them do, through this trait.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// Something that tells the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// How often a loop that waits for a moment on this clock (the scheduler) should look at
    /// it again, when the clock can jump without the process noticing (a test clock moved from
    /// outside). `None`, the default: waiting for the computed instant is enough.
    fn poll_interval(&self) -> Option<std::time::Duration> {
        None
    }
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, `demo --now`).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        // A poisoned lock only means another thread panicked while holding a plain value;
        // the value itself is still valid.
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(5));
        assert_eq!(clock.now(), start + Duration::minutes(5));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
