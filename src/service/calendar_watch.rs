//! Keeps an eye on the calendar's coverage while the service runs: once at start-up and then
//! daily, it exports how many days the calendar still covers and logs a warning when that is
//! less than a year, so the team extends `calendar.yaml` before due dates go wrong.
//!
//! It only reports; it never changes the calendar or any decision.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use steward_core::calendar::Calendar;
use steward_core::clock::Clock;

/// How often the coverage is looked at again.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Exports the coverage metrics for `now` and logs the warning, if any; returns it.
///
/// Metrics: `steward_calendar_coverage_days` (days from today to the end of what the calendar
/// lists; absent when it lists nothing that expires) and `steward_calendar_coverage_short`
/// (1 while that is less than a year).
pub fn check(calendar: &Calendar, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let today = calendar.local_date(now);
    let coverage = calendar.coverage();
    if let Some(days) = coverage.days_left(today) {
        metrics::gauge!("steward_calendar_coverage_days").set(days as f64);
    }
    let warning = coverage.warning(today);
    metrics::gauge!("steward_calendar_coverage_short").set(if warning.is_some() {
        1.0
    } else {
        0.0
    });
    if let Some(w) = &warning {
        tracing::warn!(warning = %w, "the team's calendar needs extending");
    }
    warning
}

/// Runs [`check`] every day until `stop` (start-up runs the first check itself, before any
/// task starts, so its warning is among the first lines logged).
pub async fn run(calendar: Calendar, clock: Arc<dyn Clock>, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        check(&calendar, clock.now());
    }
}
