//! Schedules: cron expressions in a time zone, each naming a job, and the slot logic that decides
//! which slot runs now (missed slots within a grace window coalesce into one run).
//!
//! Slot arithmetic ([`next_slot`], [`due_slots`]) is pure: `now` is a parameter. The
//! [`Scheduler`] claims each due slot in the store (unique per `(schedule, slot)` across
//! replicas) before handing it to a [`SlotSink`]; this module never runs a job itself and never
//! talks to GitLab.

use crate::queue::Job;

mod config;
mod runner;
mod slots;

pub use config::{DEFAULT_GRACE, RawSchedule, Schedule, ScheduleError, parse_schedules};
pub use runner::{Scheduler, SlotEvent, SlotSink, TickReport};
pub use slots::{DueSlots, MAX_SCANNED_SLOTS, due_slots, next_slot};

/// Every hour on the hour: the catch-up sweep (`updated_after` the last successful sweep), the
/// safety net for webhooks GitLab dropped.
pub const HOURLY: &str = "0 * * * *";

/// Every weekday at 09:00: the morning sweep that refreshes due-soon and overdue labels and
/// sends reminders before the team starts work.
pub const WEEKDAY_MORNINGS: &str = "0 9 * * MON-FRI";

/// Every Monday at 09:00: the weekly digest on each program's tracking epic.
pub const WEEKLY_DIGEST: &str = "0 9 * * MON";

/// Every night at 02:30: the full sweep over every open issue (not only recently updated ones).
/// 02:30 falls inside the skipped hour of spring-forward days in America/New_York and inside
/// the repeated hour of autumn days in Europe/Berlin; croner runs it once on both.
pub const NIGHTLY_FULL_SWEEP: &str = "30 2 * * *";

/// The schedules Steward ships with, in the team's time zone: hourly catch-up sweep, nightly
/// full sweep and the Monday digest.
pub fn shipped(time_zone: chrono_tz::Tz) -> Result<Vec<Schedule>, ScheduleError> {
    let six_hours = std::time::Duration::from_secs(6 * 3600);
    Ok(vec![
        Schedule::new(
            "catch-up-sweep",
            HOURLY,
            time_zone,
            Job::sweep(),
            std::time::Duration::from_secs(3600),
        )?,
        Schedule::new(
            "nightly-full-sweep",
            NIGHTLY_FULL_SWEEP,
            time_zone,
            Job::full_sweep(),
            six_hours,
        )?,
        Schedule::new(
            "weekly-digest",
            WEEKLY_DIGEST,
            time_zone,
            Job::digest(),
            six_hours,
        )?,
    ])
}
