//! Pure slot arithmetic: the next firing of a schedule, and which slot should run now given the
//! last finished one. No store, no clock: `now` is a parameter.

use chrono::{DateTime, Utc};

use super::Schedule;

/// At most this many missed slots are enumerated when looking back for skipped ones (an hourly
/// schedule down for over a year); counts beyond it are reported as this number.
pub const MAX_SCANNED_SLOTS: usize = 10_000;

/// The slots of a schedule that are due at `now`, and what happens to each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DueSlots {
    /// The slot to run now: the latest slot at or before `now`, when it has not finished and is
    /// within the grace window. At most one: a run covers every missed slot before it.
    pub run: Option<DateTime<Utc>>,
    /// Missed slots within the grace window that `run` stands in for (newest first).
    pub coalesced: Vec<DateTime<Utc>>,
    /// Missed slots older than the grace window: not run, reported (newest first, at most
    /// [`MAX_SCANNED_SLOTS`] together with the others).
    pub skipped: Vec<DateTime<Utc>>,
}

impl DueSlots {
    /// True when nothing is due and nothing was missed.
    pub fn is_empty(&self) -> bool {
        self.run.is_none() && self.coalesced.is_empty() && self.skipped.is_empty()
    }
}

/// The first slot strictly after `after`, in UTC; `None` when the expression fires no more.
///
/// Time zone changes follow croner: a fixed-time slot in the skipped hour of a spring-forward
/// day runs at the first instant after the gap (the day is not skipped); a fixed-time slot in
/// the repeated hour of a fall-back day runs once, at the earlier instant. Interval expressions
/// (`0 * * * *`) fire on every real hour, so the repeated hour is one more real hour, not a
/// second run of the same one.
pub fn next_slot(schedule: &Schedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(&schedule.time_zone());
    schedule
        .cron()
        .find_next_occurrence(&local, false)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The latest slot at or before `at`.
fn slot_at_or_before(schedule: &Schedule, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = at.with_timezone(&schedule.time_zone());
    schedule
        .cron()
        .find_previous_occurrence(&local, true)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Which slot of `schedule` runs at `now`, given the latest slot whose work finished.
///
/// - The latest slot `≤ now` runs when it is later than `last_finished` and no older than
///   `now - grace`.
/// - Earlier unfinished slots within the grace window are *coalesced*: the one run covers them
///   (a sweep or digest run twice in a row would only repeat itself).
/// - Unfinished slots older than the grace window are *skipped* and reported.
/// - With no history (`last_finished` is `None`), only the grace window is looked at: a fresh
///   install does not report years of skipped slots.
pub fn due_slots(
    schedule: &Schedule,
    last_finished: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DueSlots {
    let grace = chrono::Duration::from_std(schedule.grace()).unwrap_or(chrono::Duration::MAX);
    let window_start = now
        .checked_sub_signed(grace)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let floor = last_finished.unwrap_or(window_start);
    let mut due = DueSlots::default();
    let mut cursor = now;
    for _ in 0..MAX_SCANNED_SLOTS {
        let Some(slot) = slot_at_or_before(schedule, cursor) else {
            break;
        };
        let unfinished = match last_finished {
            Some(done) => slot > done,
            None => slot >= window_start,
        };
        if !unfinished || slot < floor {
            break;
        }
        if slot >= window_start {
            if due.run.is_none() {
                due.run = Some(slot);
            } else {
                due.coalesced.push(slot);
            }
        } else {
            due.skipped.push(slot);
        }
        cursor = slot - chrono::Duration::seconds(1);
    }
    due
}
