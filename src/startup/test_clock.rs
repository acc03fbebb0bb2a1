//! A clock read from a file, for tests that run `steward serve` as a child process through a
//! simulated season (`tests/process/season.rs`): the test writes an RFC 3339 instant into the
//! file named by [`TEST_CLOCK_VAR`] and the process's "now" follows it, its schedules included
//! (the scheduler looks at the clock every [`POLL`]).
//!
//! Test-only: it exists only with the `sim` feature, is never the default, and start-up logs a
//! warning whenever it is in use. An operator has no reason to set the variable.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use steward_core::clock::Clock;

/// The variable naming the clock file (unset: the system clock).
pub const TEST_CLOCK_VAR: &str = "STEWARD_TEST_CLOCK_FILE";

/// How often the scheduler looks at a file clock.
const POLL: Duration = Duration::from_millis(50);

/// "Now" is the instant written in a file, read on every call.
#[derive(Debug)]
pub struct FileClock {
    path: PathBuf,
    /// The last instant read, used while the file cannot be read or parsed (e.g. mid-write).
    last: Mutex<DateTime<Utc>>,
}

impl FileClock {
    /// A clock following `path`; until the file can be read it tells the system time.
    pub fn new(path: PathBuf) -> Self {
        let clock = Self {
            path,
            last: Mutex::new(Utc::now()),
        };
        if clock.read().is_none() {
            tracing::warn!(file = %clock.path.display(), "the test clock file cannot be read yet; \
                using the system time until it can");
        }
        clock
    }

    fn read(&self) -> Option<DateTime<Utc>> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let at = DateTime::parse_from_rfc3339(text.trim())
            .ok()?
            .with_timezone(&Utc);
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = at;
        Some(at)
    }
}

impl Clock for FileClock {
    fn now(&self) -> DateTime<Utc> {
        self.read()
            .unwrap_or_else(|| *self.last.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn poll_interval(&self) -> Option<Duration> {
        Some(POLL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_follows_the_file_and_keeps_the_last_instant_while_it_is_unreadable() {
        let path = std::env::temp_dir().join(format!("steward-file-clock-{}", std::process::id()));
        std::fs::write(&path, "2026-12-14T14:00:00Z\n").unwrap();
        let clock = FileClock::new(path.clone());
        let first = DateTime::parse_from_rfc3339("2026-12-14T14:00:00Z").unwrap();
        assert_eq!(clock.now(), first);
        std::fs::write(&path, "2027-01-04T09:05:00-05:00").unwrap();
        let second = DateTime::parse_from_rfc3339("2027-01-04T14:05:00Z").unwrap();
        assert_eq!(clock.now(), second);
        std::fs::write(&path, "").unwrap();
        assert_eq!(
            clock.now(),
            second,
            "a half-written file keeps the last instant"
        );
        assert_eq!(clock.poll_interval(), Some(POLL));
        let _ = std::fs::remove_file(&path);
    }
}
