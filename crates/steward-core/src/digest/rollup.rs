//! The director's roll-up: one weekly note across every program, computed from each program's
//! digest input. Per program, the requests filed and closed in each of the last
//! [`TREND_WEEKS`] weeks, what waits on requesters, what is at risk or overdue, progress toward
//! its targets and where its board is; for the team, each person's open requests against the
//! capacity in the roster. Pure: the service gathers the issues, and [`render_rollup`] turns a
//! [`Rollup`] into Markdown with Mermaid charts and a text table beside each.
//!
//! Confidential requests reach it as counts only (in the trend, the load and every list), the
//! same way they reach a program's digest.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::input::{DigestIssue, DigestScope, WAITING_LABEL};
use super::measure::TargetProgress;
use super::select::{Section, select};
use super::{IsoWeek, Program, Targets};
use crate::model::Username;
use crate::rules::Roster;

mod chart;
mod render;

pub use render::{ROLLUP_LISTED, render_rollup};

/// How many weeks the intake and closure trend covers, the reported week included.
pub const TREND_WEEKS: usize = 8;

/// One program's week as the roll-up reads it: the scope its digest is computed in and its
/// issues.
#[derive(Debug, Clone, Copy)]
pub struct ProgramWeek<'a> {
    /// The scope of the program's digest (same week, time zone and moment for every program).
    pub scope: &'a DigestScope,
    /// The program's issues.
    pub issues: &'a [DigestIssue],
}

/// Everything the roll-up says, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollup {
    /// The reported week.
    pub week: IsoWeek,
    /// The trend's weeks, oldest first, ending with `week`.
    pub weeks: Vec<IsoWeek>,
    /// The last day reported, in the team's time zone.
    pub as_of_date: NaiveDate,
    /// Whether the week was over when the roll-up was computed.
    pub complete: bool,
    /// The team's time zone name.
    pub time_zone: String,
    /// One entry per program, in declaration order.
    pub programs: Vec<ProgramRollup>,
    /// Each person's open requests against capacity, most loaded first.
    pub load: Vec<PersonLoad>,
}

/// One program's part of the roll-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramRollup {
    /// The program.
    pub program: Program,
    /// Requests filed in each of [`Rollup::weeks`].
    pub filed: Vec<usize>,
    /// Requests closed in each of [`Rollup::weeks`].
    pub closed: Vec<usize>,
    /// Requests open at the roll-up's moment.
    pub open: usize,
    /// Open requests waiting on their requester ([`WAITING_LABEL`]).
    pub waiting: Section,
    /// Open requests overdue at the roll-up's moment.
    pub overdue: Section,
    /// Open requests due in the look-ahead with a reason to worry (the digest's "at risk").
    pub at_risk: Section,
    /// Progress toward the program's targets.
    pub progress: Vec<TargetProgress>,
    /// The program has targets but declares no success outcome.
    pub unmeasured: bool,
    /// The web addresses of the projects its requests are in (for board links), sorted.
    pub projects: Vec<String>,
}

/// One person's load: the open requests they own against their roster capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLoad {
    /// Their GitLab username.
    pub username: Username,
    /// Their name in the roster (none: not in the roster).
    pub name: Option<String>,
    /// Open requests assigned to them, across every program (confidential ones included, as a
    /// number).
    pub open: usize,
    /// Open requests they can own at once (none: unlimited or not in the roster).
    pub capacity: Option<u32>,
}

impl PersonLoad {
    /// Load as a whole percentage of capacity (none without a capacity).
    pub fn percent(&self) -> Option<u64> {
        let cap = u64::from(self.capacity?);
        let open = u64::try_from(self.open).unwrap_or(u64::MAX);
        Some(open.saturating_mul(100) / cap.max(1))
    }

    /// Whether they own more than their capacity.
    pub fn over_capacity(&self) -> bool {
        self.capacity
            .is_some_and(|c| self.open > usize::try_from(c).unwrap_or(usize::MAX))
    }
}

/// Computes the roll-up of `week` from every program's week. Each program's digest selection
/// ([`select`]) supplies its open count, at-risk and overdue requests and target progress, so
/// the roll-up and the program digests cannot disagree.
pub fn rollup(
    week: IsoWeek,
    programs: &[ProgramWeek<'_>],
    targets: &Targets,
    roster: &Roster,
) -> Rollup {
    let weeks: Vec<IsoWeek> = std::iter::successors(Some(week), |w| Some(w.previous()))
        .take(TREND_WEEKS)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut out = Rollup {
        week,
        weeks,
        as_of_date: week.sunday(),
        complete: true,
        time_zone: String::new(),
        programs: Vec::new(),
        load: Vec::new(),
    };
    for p in programs {
        let digest = select(p.scope, targets, p.issues);
        out.as_of_date = digest.as_of_date;
        out.complete = digest.complete;
        out.time_zone = digest.time_zone.clone();
        let tz = p.scope.time_zone;
        let in_week = |w: &IsoWeek, t: DateTime<Utc>| {
            w.start_in(tz) <= t && t < w.end_in(tz) && t <= digest.as_of
        };
        let count = |when: &dyn Fn(&DigestIssue) -> Option<DateTime<Utc>>| -> Vec<usize> {
            out.weeks
                .iter()
                .map(|w| {
                    p.issues
                        .iter()
                        .filter(|i| when(i).is_some_and(|t| in_week(w, t)))
                        .count()
                })
                .collect()
        };
        let filed = count(&|i| Some(i.created_at));
        let closed = count(&DigestIssue::closed_time);
        let mut waiting = Section::default();
        for issue in p.issues {
            if issue.open_at(digest.as_of) && issue.has_label(WAITING_LABEL) {
                waiting.push(issue, Vec::new());
            }
        }
        waiting.sort();
        let projects: BTreeSet<String> = p
            .issues
            .iter()
            .filter_map(|i| i.web_url.split_once("/-/issues/"))
            .map(|(base, _)| base.to_owned())
            .collect();
        out.programs.push(ProgramRollup {
            program: digest.program,
            filed,
            closed,
            open: digest.open,
            waiting,
            overdue: digest.overdue,
            at_risk: digest.at_risk,
            progress: digest.progress,
            unmeasured: digest.unmeasured,
            projects: projects.into_iter().collect(),
        });
    }
    out.load = load(programs, roster);
    out
}

/// Each roster member's and each other assignee's open requests at the roll-up's moment, most
/// loaded first (a request in two programs counts once).
fn load(programs: &[ProgramWeek<'_>], roster: &Roster) -> Vec<PersonLoad> {
    let mut open: BTreeMap<Username, usize> = BTreeMap::new();
    for u in roster.role_names().filter_map(|r| roster.role(r)).flatten() {
        open.entry(u.clone()).or_default();
    }
    let mut seen: BTreeSet<(&str, u64)> = BTreeSet::new();
    for p in programs {
        let tz = p.scope.time_zone;
        let as_of = p.scope.now.min(p.scope.week.end_in(tz));
        for issue in p.issues.iter().filter(|i| i.open_at(as_of)) {
            if !seen.insert((issue.web_url.as_str(), issue.iid.0)) {
                continue;
            }
            for u in &issue.assignees {
                *open.entry(u.clone()).or_default() += 1;
            }
        }
    }
    let mut rows: Vec<PersonLoad> = open
        .into_iter()
        .map(|(username, open)| {
            let member = roster.member(&username);
            PersonLoad {
                name: member.map(|m| m.name.clone()),
                capacity: member.and_then(|m| m.capacity),
                username,
                open,
            }
        })
        .collect();
    // Over capacity first, then by share of capacity, then by count; ties in name order.
    rows.sort_by_key(|r| {
        (
            std::cmp::Reverse(r.over_capacity()),
            std::cmp::Reverse(r.percent().unwrap_or(0)),
            std::cmp::Reverse(r.open),
        )
    });
    rows
}

#[cfg(test)]
mod tests;
