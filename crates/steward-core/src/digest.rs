//! The weekly digest of one program: which requests to mention ([`select`]), what counts
//! toward its targets ([`Outcomes`], declared in `rules/outcomes.yaml`, for the [`Programs`] of
//! `rules/programs.yaml`) and how to say it ([`render`], Markdown). All of it is pure; posting
//! the rendered note once per ISO week is the service's `digest_post`.
//!
//! This module does not read GitLab to build its input (the job runner turns issues into
//! [`DigestIssue`]s) and does not compute fiscal periods (the calendar passes them in).

mod config;
mod input;
mod measure;
mod post_to;
mod render;
mod rollup;
mod select;
mod targets;
mod week;

pub use crate::programs::{
    OUTCOMES_FILE, Outcome, Outcomes, Program, ProgramKey, ProgramOutcomes, Programs, TargetKind,
    Tracking,
};
pub use config::{Contest, DigestConfig, DigestTarget, EpicApi, SharedTargetError};
pub use input::{
    DigestIssue, DigestScope, FiscalPeriod, LATE_FILED_LABEL, WAITING_LABEL, absences,
};
pub use measure::{Leaderboard, LeaderboardRow, TargetProgress};
pub use post_to::{PostTo, PostToError};
pub use render::{MAX_LISTED, marker, note_key, render};
pub use rollup::{
    PersonLoad, ProgramRollup, ProgramWeek, ROLLUP_LISTED, Rollup, TREND_WEEKS, render_rollup,
    rollup,
};
pub use select::{AT_RISK_DAYS, Digest, DigestItem, ItemNote, Section, select};
pub use targets::{Cohort, PerQuarter, PerYear, Targets, Verdict, elapsed_percent, pace};
pub use week::{IsoWeek, WeekError, start_of_day};
