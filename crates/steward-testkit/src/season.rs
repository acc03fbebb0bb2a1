//! The season scenario (docs/QUALITY.md): a generated quarter of the team's life, its ground
//! truth, and the figures measured against it.
//!
//! - [`plan`]: a seeded generator of requests (every program, late and early, typos, a wrong
//!   year, edits that fix and break things, closures with every outcome) and of the team's
//!   actions, as a time-ordered list of [`Action`]s. Same seed, same season.
//! - [`truth`]: what the generator intended, asked at any instant (the program, whether the
//!   request is late by the handbook's lead times, whether it waits on its requester, who is
//!   out of office, what each weekly digest should count). It never reads Steward's output.
//! - [`measure`]: Steward's output in the simulator (labels, due dates, notes, digests)
//!   compared with that truth, into a [`SeasonReport`] whose [`SeasonReport::gates`] a test
//!   asserts.
//!
//! Every date is pinned: the season starts on the Monday [`SeasonConfig::start`] names, in the
//! team's time zone (America/New_York, which keeps UTC−5 from November to mid-March, so the
//! generator writes instants as local time + 5 hours).

pub mod markdown;
pub mod measure;
pub mod plan;
pub mod report;
pub mod rng;
pub mod text;
pub mod truth;

pub use measure::Observer;
pub use plan::{Action, ActionKind, Season};
pub use report::{Gate, SeasonReport};
pub use truth::{Planned, Program, Version};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// The team's UTC offset for the whole season (EST).
pub const TEAM_UTC_OFFSET_HOURS: i64 = -5;

/// How big a season is and where it starts.
#[derive(Debug, Clone, Copy)]
pub struct SeasonConfig {
    /// The generator's seed.
    pub seed: u64,
    /// The first day (a Monday) in the team's time zone.
    pub start: NaiveDate,
    /// Weeks simulated.
    pub weeks: u32,
    /// Requests filed over the season.
    pub requests: usize,
}

impl SeasonConfig {
    /// The CI run: five weeks over the holidays (Christmas, New Year, a DRI out of office),
    /// 75 requests. Seed 5 is a season in which every gate the current rules fail is met at
    /// least once, so each rule change shows in the short run too.
    pub fn short() -> Self {
        Self {
            seed: 5,
            start: date(2026, 11, 30),
            weeks: 5,
            requests: 75,
        }
    }

    /// The quarter: 13 weeks from November to January, 320 requests.
    pub fn full() -> Self {
        Self {
            seed: 2026,
            start: date(2026, 11, 2),
            weeks: 13,
            requests: 320,
        }
    }

    /// The day after the last simulated day (its Monday digest closes the season).
    pub fn end(&self) -> NaiveDate {
        self.start + Duration::weeks(i64::from(self.weeks))
    }

    /// Every simulated day, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let start = self.start;
        (0..i64::from(self.weeks) * 7).map(move |d| start + Duration::days(d))
    }
}

/// `y-m-d`, for the season's pinned dates (an impossible date is a bug in this module).
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The instant of `day` at `hour:minute` in the team's time zone.
pub fn local(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN);
    Utc.from_utc_datetime(&day.and_time(time)) - Duration::hours(TEAM_UTC_OFFSET_HOURS)
}

/// The team's local date of `instant`.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    (instant + Duration::hours(TEAM_UTC_OFFSET_HOURS)).date_naive()
}
