//! Pure selection: from a program's issues, the week and the fiscal periods, the sections of
//! one digest. Confidential issues become counts here (in every section and on the contest
//! leaderboard), so rendering cannot leak their title, number, link, assignees or owner.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::IsoWeek;
use super::input::{DigestIssue, DigestScope, FiscalPeriod, Program};
use super::targets::{Targets, Verdict, elapsed_percent, pace};
use super::week::start_of_day;
use crate::model::{IssueIid, Username};

/// One request shown in a section (never a confidential one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    /// Issue number.
    pub iid: IssueIid,
    /// Title.
    pub title: String,
    /// Link.
    pub web_url: String,
    /// Assignees.
    pub owners: Vec<Username>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
}

/// A digest section: the requests it names and how many confidential ones it only counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// Named requests, ordered by due date then number.
    pub items: Vec<DigestItem>,
    /// Confidential requests in the section (counted, never named).
    pub confidential: usize,
}

impl Section {
    /// All requests in the section.
    pub fn total(&self) -> usize {
        self.items.len() + self.confidential
    }

    fn push(&mut self, issue: &DigestIssue) {
        if issue.confidential {
            self.confidential += 1;
        } else {
            self.items.push(DigestItem {
                iid: issue.iid,
                title: issue.title.clone(),
                web_url: issue.web_url.clone(),
                owners: issue.assignees.clone(),
                due_date: issue.due_date,
            });
        }
    }

    fn sort(&mut self) {
        self.items
            .sort_by_key(|i| (i.due_date.is_none(), i.due_date, i.iid));
    }
}

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

/// One account owner's accepted contest entries in the quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderboardRow {
    /// The account owner.
    pub owner: Username,
    /// Entries closed (accepted) in the quarter.
    pub entries: u32,
}

/// The contest leaderboard for the fiscal quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaderboard {
    /// The quarter's name.
    pub quarter: String,
    /// Most entries first; ties by username.
    pub rows: Vec<LeaderboardRow>,
    /// Accepted entries that name no account owner.
    pub without_owner: u32,
    /// Accepted entries from confidential requests: counted, never attributed to their owner.
    pub confidential: u32,
}

/// Everything one weekly digest says, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The program.
    pub program: Program,
    /// The week.
    pub week: IsoWeek,
    /// The moment the digest describes: `now`, or the end of a past week.
    pub as_of: DateTime<Utc>,
    /// `as_of` as a local date in the team's time zone.
    pub as_of_date: NaiveDate,
    /// The team's time zone name.
    pub time_zone: String,
    /// Filed this week.
    pub new: Section,
    /// Open at `as_of`.
    pub open: Section,
    /// Open, due from `as_of_date` to the week's Sunday.
    pub due_this_week: Section,
    /// Open, due before `as_of_date`.
    pub overdue: Section,
    /// Open and filed later than the program's lead time.
    pub late_filed: Section,
    /// Closed this week.
    pub closed: Section,
    /// Progress against the program's targets (empty when it has none).
    pub progress: Vec<TargetProgress>,
    /// The contest leaderboard (contest program only).
    pub leaderboard: Option<Leaderboard>,
}

/// Computes the digest of `scope.program` for `scope.week` from the program's issues.
///
/// "This week" is Monday 00:00 to the next Monday 00:00 in the team's time zone. The state
/// sections describe `as_of`, the earlier of `scope.now` and the week's end, so a past week
/// can be regenerated as it stood.
pub fn select(scope: &DigestScope, targets: &Targets, issues: &[DigestIssue]) -> Digest {
    let tz = scope.time_zone;
    let (week_start, week_end) = (scope.week.start_in(tz), scope.week.end_in(tz));
    let as_of = scope.now.min(week_end);
    // `as_of` at the very end of the week is the next Monday's midnight: report Sunday.
    let as_of_date = (as_of - chrono::Duration::seconds(i64::from(as_of == week_end)))
        .with_timezone(&tz)
        .date_naive();
    let in_week = |t: DateTime<Utc>| week_start <= t && t < week_end && t <= as_of;

    let mut d = Digest {
        program: scope.program,
        week: scope.week,
        as_of,
        as_of_date,
        time_zone: tz.name().to_owned(),
        new: Section::default(),
        open: Section::default(),
        due_this_week: Section::default(),
        overdue: Section::default(),
        late_filed: Section::default(),
        closed: Section::default(),
        progress: Vec::new(),
        leaderboard: None,
    };
    for issue in issues {
        if in_week(issue.created_at) {
            d.new.push(issue);
        }
        if issue.closed_time().is_some_and(in_week) {
            d.closed.push(issue);
        }
        if !issue.open_at(as_of) {
            continue;
        }
        d.open.push(issue);
        if issue.late_filed {
            d.late_filed.push(issue);
        }
        match issue.due_date {
            Some(due) if due < as_of_date => d.overdue.push(issue),
            Some(due) if due <= scope.week.sunday() => d.due_this_week.push(issue),
            _ => {}
        }
    }
    for s in [
        &mut d.new,
        &mut d.open,
        &mut d.due_this_week,
        &mut d.overdue,
        &mut d.late_filed,
        &mut d.closed,
    ] {
        s.sort();
    }
    d.progress = progress(scope, targets, issues);
    if scope.program == Program::Contest {
        d.leaderboard = Some(leaderboard(scope, targets, issues));
    }
    d
}

/// Bounds of a fiscal period as instants in the team's time zone (end exclusive).
fn bounds(period: &FiscalPeriod, scope: &DigestScope) -> (DateTime<Utc>, DateTime<Utc>) {
    let tz = scope.time_zone;
    (
        start_of_day(period.first_day, tz),
        start_of_day(period.last_day + chrono::Days::new(1), tz),
    )
}

/// Requests accepted in `period`: closed in it and not closed as declined.
fn accepted_in<'a>(
    period: &FiscalPeriod,
    scope: &DigestScope,
    targets: &'a Targets,
    issues: &'a [DigestIssue],
) -> impl Iterator<Item = &'a DigestIssue> + 'a {
    let (start, end) = bounds(period, scope);
    let now = scope.now;
    issues.iter().filter(move |i| {
        i.closed_time()
            .is_some_and(|t| start <= t && t < end && t <= now)
            && !targets
                .declined_labels
                .iter()
                .any(|l| i.has_label(l.as_str()))
    })
}

fn progress(scope: &DigestScope, targets: &Targets, issues: &[DigestIssue]) -> Vec<TargetProgress> {
    let count = |period: &FiscalPeriod, label: Option<&str>| -> u32 {
        let n = accepted_in(period, scope, targets, issues)
            .filter(|i| label.is_none_or(|l| i.has_label(l)))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let line = |what: &str, period: &FiscalPeriod, done: u32, target: u32, cap: Option<u32>| {
        let (start, end) = bounds(period, scope);
        let (mut verdict, expected) = pace(done, target, start, end, scope.now);
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
            elapsed_percent: elapsed_percent(start, end, scope.now),
            verdict,
        }
    };
    let (q, y) = (&scope.quarter, &scope.year);
    match scope.program {
        Program::Story => vec![
            line(
                "Customer stories published",
                q,
                count(q, None),
                targets.story.per_quarter,
                None,
            ),
            line(
                "Marquee videos",
                y,
                count(y, Some(targets.marquee_video.label.as_str())),
                targets.marquee_video.per_year,
                None,
            ),
        ],
        Program::Earnings => vec![line(
            "Earnings references secured",
            q,
            count(q, None),
            targets.earnings.per_quarter,
            None,
        )],
        Program::Eab => vec![line(
            "EAB cohort members accepted",
            y,
            count(y, None),
            targets.eab.cohort_min,
            Some(targets.eab.cohort_max),
        )],
        _ => Vec::new(),
    }
}

fn leaderboard(scope: &DigestScope, targets: &Targets, issues: &[DigestIssue]) -> Leaderboard {
    let mut by_owner: BTreeMap<&Username, u32> = BTreeMap::new();
    let (mut without_owner, mut confidential) = (0, 0);
    for issue in accepted_in(&scope.quarter, scope, targets, issues) {
        // Naming a confidential entry's owner would say who is behind it (GITLAB.md §5.4).
        if issue.confidential {
            confidential += 1;
            continue;
        }
        match &issue.account_owner {
            Some(owner) => *by_owner.entry(owner).or_default() += 1,
            None => without_owner += 1,
        }
    }
    let mut rows: Vec<LeaderboardRow> = by_owner
        .into_iter()
        .map(|(owner, entries)| LeaderboardRow {
            owner: owner.clone(),
            entries,
        })
        .collect();
    // BTreeMap order is by name; a stable sort by count keeps ties in name order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.entries));
    Leaderboard {
        quarter: scope.quarter.name.clone(),
        rows,
        without_owner,
        confidential,
    }
}
