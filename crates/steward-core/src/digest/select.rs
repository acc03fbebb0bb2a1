//! Pure selection: from a program's issues, the week, the periods and the program's outcomes,
//! the sections of one digest. Confidential issues become counts here (in every section and on
//! the contest leaderboard), so rendering cannot leak their title, number, link, assignees or
//! owner.
//!
//! Each request appears in at most one section, the first that applies:
//!
//! 1. **Closed** during the week, with its outcome;
//! 2. **Overdue** at the week's end (open, due before the look-ahead starts);
//! 3. **At risk** in the next 14 days (open, due in them, and unassigned, waiting on the
//!    requester, or every owner out of office before it is due);
//! 4. **Due this week** (the week the look-ahead starts in);
//! 5. **Filed late** during the week (lead time violated);
//! 6. **New**: filed during the week.
//!
//! A request filed during the week but listed in an earlier section says so on its line, so the
//! "new" count in the summary adds up.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::input::{DigestIssue, DigestScope, WAITING_LABEL};
use super::measure::{self, Leaderboard, TargetProgress};
use super::targets::Targets;
use super::{IsoWeek, Outcome, Program};
use crate::model::{IssueIid, LabelName, Username};

/// How many days ahead the at-risk look goes, the look-ahead's first day included.
pub const AT_RISK_DAYS: u64 = 14;

/// What a line says about its request besides title, owners and due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemNote {
    /// How a closed request ended: its outcome label, or none recorded.
    Outcome(Option<LabelName>),
    /// Filed during the week (listed in a section before "New").
    FiledThisWeek,
    /// Filed later than its program's lead time.
    FiledLate,
    /// At risk: nobody owns it.
    Unassigned,
    /// At risk: waiting on the requester's answers.
    WaitingOnRequester,
    /// At risk: this owner is out of office from `from` to `to` before it is due.
    OwnerAway {
        /// The owner.
        owner: Username,
        /// First day away.
        from: NaiveDate,
        /// Last day away.
        to: NaiveDate,
    },
}

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
    /// Outcome, at-risk reasons and filing notes, in that order.
    pub notes: Vec<ItemNote>,
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

    pub(super) fn push(&mut self, issue: &DigestIssue, notes: Vec<ItemNote>) {
        if issue.confidential {
            self.confidential += 1;
        } else {
            self.items.push(DigestItem {
                iid: issue.iid,
                title: issue.title.clone(),
                web_url: issue.web_url.clone(),
                owners: issue.assignees.clone(),
                due_date: issue.due_date,
                notes,
            });
        }
    }

    pub(super) fn sort(&mut self) {
        self.items
            .sort_by_key(|i| (i.due_date.is_none(), i.due_date, i.iid));
    }
}

/// Everything one weekly digest says, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The program.
    pub program: Program,
    /// The week.
    pub week: IsoWeek,
    /// The moment the digest describes: the end of the week, or `now` while it is running.
    pub as_of: DateTime<Utc>,
    /// The last day reported, in the team's time zone (the week's Sunday once it is over).
    pub as_of_date: NaiveDate,
    /// Whether the week was over at `as_of`.
    pub complete: bool,
    /// The look-ahead's first day: the Monday after a complete week, else `as_of_date`.
    pub look_from: NaiveDate,
    /// The team's time zone name.
    pub time_zone: String,
    /// Requests open at `as_of`.
    pub open: usize,
    /// Requests filed during the week, whichever section lists them.
    pub filed: usize,
    /// Requests closed during the week by outcome (declared order; `None`: none recorded).
    pub closed_by_outcome: Vec<(Option<LabelName>, usize)>,
    /// The program's outcome labels, success ones first (to say how to record one).
    pub outcome_labels: Vec<LabelName>,
    /// Closed during the week.
    pub closed: Section,
    /// Open, due before `look_from`.
    pub overdue: Section,
    /// Open, due in the next [`AT_RISK_DAYS`] days, with a reason to worry.
    pub at_risk: Section,
    /// Open, due from `look_from` to that week's Sunday.
    pub due_this_week: Section,
    /// Filed during the week later than the lead time, still open.
    pub filed_late: Section,
    /// Filed during the week, still open, in no section above.
    pub new: Section,
    /// Progress against the program's targets (empty when it has none).
    pub progress: Vec<TargetProgress>,
    /// The program has targets or a leaderboard but declares no success outcome.
    pub unmeasured: bool,
    /// The contest leaderboard (contest program only).
    pub leaderboard: Option<Leaderboard>,
}

impl Digest {
    /// The last day the at-risk look covers.
    pub fn look_until(&self) -> NaiveDate {
        self.look_from + chrono::Days::new(AT_RISK_DAYS - 1)
    }

    /// The Sunday ending the week the look-ahead starts in.
    pub fn due_week_end(&self) -> NaiveDate {
        IsoWeek::of_date(self.look_from).sunday()
    }
}

/// Computes the digest of `scope.program` for `scope.week` from the program's issues.
///
/// "The week" is Monday 00:00 to the next Monday 00:00 in the team's time zone. Everything is
/// described at `as_of`, the earlier of `scope.now` and the week's end, so a past week is
/// regenerated as it stood at its end (closing times and due dates; labels and owners are the
/// current ones).
pub fn select(scope: &DigestScope, targets: &Targets, issues: &[DigestIssue]) -> Digest {
    let tz = scope.time_zone;
    let (week_start, week_end) = (scope.week.start_in(tz), scope.week.end_in(tz));
    let as_of = scope.now.min(week_end);
    let complete = as_of == week_end;
    // `as_of` at the very end of the week is the next Monday's midnight: report Sunday.
    let as_of_date = (as_of - chrono::Duration::seconds(i64::from(complete)))
        .with_timezone(&tz)
        .date_naive();
    let look_from = if complete {
        scope.week.sunday() + chrono::Days::new(1)
    } else {
        as_of_date
    };
    let in_week = |t: DateTime<Utc>| week_start <= t && t < week_end && t <= as_of;

    let mut d = Digest {
        program: scope.program.clone(),
        week: scope.week,
        as_of,
        as_of_date,
        complete,
        look_from,
        time_zone: tz.name().to_owned(),
        open: 0,
        filed: 0,
        closed_by_outcome: Vec::new(),
        outcome_labels: scope.outcomes.labels().cloned().collect(),
        closed: Section::default(),
        overdue: Section::default(),
        at_risk: Section::default(),
        due_this_week: Section::default(),
        filed_late: Section::default(),
        new: Section::default(),
        progress: Vec::new(),
        unmeasured: false,
        leaderboard: None,
    };
    let mut outcomes: BTreeMap<Option<&LabelName>, usize> = BTreeMap::new();
    for issue in issues {
        let filed = in_week(issue.created_at);
        d.filed += usize::from(filed);
        if issue.closed_time().is_some_and(in_week) {
            let outcome = scope.outcomes.of(&issue.labels);
            *outcomes.entry(outcome.label()).or_default() += 1;
            let notes = vec![ItemNote::Outcome(outcome.label().cloned())];
            d.closed.push(issue, notes);
        } else if issue.open_at(as_of) {
            d.open += 1;
            place_open(&mut d, scope, issue, filed);
        }
    }
    d.closed_by_outcome = outcome_order(scope, &outcomes);
    for s in [
        &mut d.closed,
        &mut d.overdue,
        &mut d.at_risk,
        &mut d.due_this_week,
        &mut d.filed_late,
        &mut d.new,
    ] {
        s.sort();
    }
    let (progress, unmeasured) = measure::progress(scope, as_of, targets, issues);
    d.progress = progress;
    d.unmeasured = unmeasured;
    if scope.program.leaderboard {
        d.leaderboard = Some(measure::leaderboard(scope, as_of, issues));
        d.unmeasured = !scope.outcomes.declares_success();
    }
    d
}

/// Puts an open request in the first section that applies to it (see the module docs).
fn place_open(d: &mut Digest, scope: &DigestScope, issue: &DigestIssue, filed: bool) {
    let mut filing = Vec::new();
    if filed {
        filing.push(ItemNote::FiledThisWeek);
    }
    if issue.late_filed {
        filing.push(ItemNote::FiledLate);
    }
    let due = issue.due_date;
    if due.is_some_and(|due| due < d.look_from) {
        d.overdue.push(issue, filing);
        return;
    }
    if let Some(due) = due.filter(|due| *due <= d.look_until()) {
        let mut reasons = risks(scope, issue, d.look_from, due);
        if !reasons.is_empty() {
            reasons.extend(filing);
            d.at_risk.push(issue, reasons);
            return;
        }
    }
    if due.is_some_and(|due| due <= d.due_week_end()) {
        d.due_this_week.push(issue, filing);
    } else if filed && issue.late_filed {
        d.filed_late.push(issue, Vec::new());
    } else if filed {
        d.new.push(issue, Vec::new());
    }
}

/// Why an open request due on `due` may not make it: nobody owns it, it waits on the requester,
/// or every owner is out of office at some point from `from` to `due`.
fn risks(
    scope: &DigestScope,
    issue: &DigestIssue,
    from: NaiveDate,
    due: NaiveDate,
) -> Vec<ItemNote> {
    let mut reasons = Vec::new();
    if issue.assignees.is_empty() {
        reasons.push(ItemNote::Unassigned);
    }
    if issue.has_label(WAITING_LABEL) {
        reasons.push(ItemNote::WaitingOnRequester);
    }
    let away: Vec<ItemNote> = issue
        .assignees
        .iter()
        .filter_map(|owner| {
            let ranges = scope.away.get(owner)?;
            let (start, end) = ranges
                .iter()
                .find(|(start, end)| *start <= due && from <= *end)?;
            Some(ItemNote::OwnerAway {
                owner: owner.clone(),
                from: *start,
                to: *end,
            })
        })
        .collect();
    if !issue.assignees.is_empty() && away.len() == issue.assignees.len() {
        reasons.extend(away);
    }
    reasons
}

/// Closed counts by outcome: success labels, then never-counts labels (declaration order),
/// then "none recorded".
fn outcome_order(
    scope: &DigestScope,
    counts: &BTreeMap<Option<&LabelName>, usize>,
) -> Vec<(Option<LabelName>, usize)> {
    scope
        .outcomes
        .labels()
        .map(Some)
        .chain(std::iter::once(None))
        .filter_map(|l| counts.get(&l).map(|n| (l.cloned(), *n)))
        .collect()
}

/// Whether a request counts as a success for its program (used by targets and leaderboard).
pub(super) fn succeeded(scope: &DigestScope, issue: &DigestIssue) -> bool {
    matches!(scope.outcomes.of(&issue.labels), Outcome::Success(_))
}
