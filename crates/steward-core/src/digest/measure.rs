//! Pure measurement: progress toward the program's targets in their fiscal periods, and the
//! contest leaderboard in the contest's own dates. Only successes count (closed with one of the
//! program's success outcomes, no never-counts label); confidential ones are counted and never
//! attributed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::TargetKind;
use super::input::{DigestIssue, DigestScope, FiscalPeriod};
use super::select::succeeded;
use super::targets::{Targets, Verdict, elapsed_percent, pace};
use super::week::start_of_day;
use crate::model::Username;

/// Progress toward one target in its period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetProgress {
    /// What is counted (`Customer stories published`).
    pub what: String,
    /// The period's name (`FY27-Q4`).
    pub period: String,
    /// How many count so far.
    pub done: u32,
    /// The target (for a cohort, its minimum).
    pub target: u32,
    /// For a cohort: the cap.
    pub cap: Option<u32>,
    /// How many the straight line expects by now (see [`pace`]).
    pub expected: u32,
    /// Share of the period elapsed, in percent.
    pub elapsed_percent: u32,
    /// The verdict.
    pub verdict: Verdict,
}

/// One account owner's accepted contest entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderboardRow {
    /// The account owner.
    pub owner: Username,
    /// Entries accepted during the contest.
    pub entries: u32,
}

/// The contest leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaderboard {
    /// The contest counted; none when no contest has started (or none is configured).
    pub contest: Option<FiscalPeriod>,
    /// Whether the contest was over at the digest's moment (final standings).
    pub ended: bool,
    /// Most entries first; ties by username.
    pub rows: Vec<LeaderboardRow>,
    /// Accepted entries that name no account owner.
    pub without_owner: u32,
    /// Accepted entries from confidential requests: counted, never attributed to their owner.
    pub confidential: u32,
}

/// Bounds of a period as instants in the team's time zone (end exclusive).
fn bounds(period: &FiscalPeriod, scope: &DigestScope) -> (DateTime<Utc>, DateTime<Utc>) {
    let tz = scope.time_zone;
    (
        start_of_day(period.first_day, tz),
        start_of_day(period.last_day + chrono::Days::new(1), tz),
    )
}

/// Successes closed in `period` by `as_of`.
fn successes_in<'a>(
    period: &FiscalPeriod,
    scope: &'a DigestScope,
    as_of: DateTime<Utc>,
    issues: &'a [DigestIssue],
) -> impl Iterator<Item = &'a DigestIssue> + 'a {
    let (start, end) = bounds(period, scope);
    issues.iter().filter(move |i| {
        i.closed_time()
            .is_some_and(|t| start <= t && t < end && t <= as_of)
            && succeeded(scope, i)
    })
}

/// Progress lines of the program's targets, measured at `as_of`, and whether the program has
/// targets but no success outcome to count them with.
pub(super) fn progress(
    scope: &DigestScope,
    as_of: DateTime<Utc>,
    targets: &Targets,
    issues: &[DigestIssue],
) -> (Vec<TargetProgress>, bool) {
    let count = |period: &FiscalPeriod, label: Option<&str>| -> u32 {
        let n = successes_in(period, scope, as_of, issues)
            .filter(|i| label.is_none_or(|l| i.has_label(l)))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let line = |what: &str, period: &FiscalPeriod, done: u32, target: u32, cap: Option<u32>| {
        let (start, end) = bounds(period, scope);
        let (mut verdict, expected) = pace(done, target, start, end, as_of);
        if cap.is_some_and(|cap| done > cap) {
            verdict = Verdict::OverCap;
        }
        TargetProgress {
            what: what.to_owned(),
            period: period.name.clone(),
            done,
            target,
            cap,
            expected,
            elapsed_percent: elapsed_percent(start, end, as_of),
            verdict,
        }
    };
    let (q, y) = (&scope.quarter, &scope.year);
    let lines: Vec<TargetProgress> = scope
        .program
        .targets
        .iter()
        .filter_map(|kind| match kind {
            TargetKind::Story => Some(line(
                scope.program.target_name(TargetKind::Story),
                q,
                count(q, None),
                targets.story.per_quarter,
                None,
            )),
            TargetKind::MarqueeVideo => Some(line(
                scope.program.target_name(TargetKind::MarqueeVideo),
                y,
                count(y, Some(targets.marquee_video.label.as_str())),
                targets.marquee_video.per_year,
                None,
            )),
            TargetKind::Earnings => targets.earnings.as_ref().map(|t| {
                line(
                    scope.program.target_name(TargetKind::Earnings),
                    q,
                    count(q, None),
                    t.per_quarter,
                    None,
                )
            }),
            TargetKind::Eab => Some(line(
                scope.program.target_name(TargetKind::Eab),
                y,
                count(y, None),
                targets.eab.cohort_min,
                Some(targets.eab.cohort_max),
            )),
        })
        .collect();
    if scope.outcomes.declares_success() {
        (lines, false)
    } else {
        // Nothing can count: a row of zeros would read as "at risk" when it is "not measured".
        let unmeasured = !lines.is_empty();
        (Vec::new(), unmeasured)
    }
}

/// The leaderboard of the contest in `scope.contest`: entries filed and accepted within its
/// dates, by `as_of`.
pub(super) fn leaderboard(
    scope: &DigestScope,
    as_of: DateTime<Utc>,
    issues: &[DigestIssue],
) -> Leaderboard {
    let mut board = Leaderboard {
        contest: scope.contest.clone(),
        ended: false,
        rows: Vec::new(),
        without_owner: 0,
        confidential: 0,
    };
    let Some(contest) = &scope.contest else {
        return board;
    };
    let (start, end) = bounds(contest, scope);
    board.ended = as_of >= end;
    let mut by_owner: BTreeMap<&Username, u32> = BTreeMap::new();
    let entered = |i: &&DigestIssue| start <= i.created_at && i.created_at < end;
    for issue in successes_in(contest, scope, as_of, issues).filter(entered) {
        // Naming a confidential entry's owner would say who is behind it (GITLAB.md §5.4).
        if issue.confidential {
            board.confidential += 1;
            continue;
        }
        match &issue.account_owner {
            Some(owner) => *by_owner.entry(owner).or_default() += 1,
            None => board.without_owner += 1,
        }
    }
    board.rows = by_owner
        .into_iter()
        .map(|(owner, entries)| LeaderboardRow {
            owner: owner.clone(),
            entries,
        })
        .collect();
    // BTreeMap order is by name; a stable sort by count keeps ties in name order.
    board.rows.sort_by_key(|r| std::cmp::Reverse(r.entries));
    board
}
