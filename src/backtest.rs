//! Trying a rule change on past issues: the issues a project filed since a date, each decided
//! by the rules in force and by candidate rules, as of its creation and as of now, through the
//! same planning path as syncs and sweeps (`jobs::plan`), and what would differ.
//!
//! It writes nothing: not to GitLab, not to the store. Its GitLab reads are the issue list
//! pages (100 issues a call, newest first, stopping at the first issue older than the period)
//! plus the planning path's cached label and user look-ups; notes are not listed (one call per
//! issue): Steward's notes are taken from the store where it knows all of them, as the sweep
//! does, and otherwise counted as absent. Every read goes through the client's rate budget.

mod outcome;
mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::gitlab::{CallContext, GitLab, IssueOrderBy, IssueQuery, PageCursor, SortDirection};
use crate::jobs::notes::stored_notes;
use crate::jobs::plan::{fill_recorded_state, load_workload, plan_prepared};
use crate::jobs::{SyncDeps, SyncError};
use steward_core::model::{Issue, IssueIid, LabelName, ProjectId};
use steward_core::rules::{Engine, Workload};

pub use outcome::{Aspect, Moment, Outcome, as_filed, lead_time_rules, steward_labels};
pub use render::{JSON_VERSION, counted, render_json, render_text};

/// The most characters of a title a report shows.
pub const TITLE_CHARS: usize = 80;

/// What to backtest.
#[derive(Debug, Clone)]
pub struct Options {
    /// The projects whose issues are read.
    pub projects: Vec<ProjectId>,
    /// Issues created at or after this instant are read.
    pub since: DateTime<Utc>,
}

/// How far a backtest got (for progress on stderr).
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The project being read.
    pub project: ProjectId,
    /// Issue list pages read so far (all projects).
    pub pages: usize,
    /// Issues decided so far (all projects).
    pub issues: usize,
}

/// One thing that would differ on one issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// As of the issue's creation, or as of now.
    pub moment: Moment,
    /// What differs.
    pub what: Aspect,
    /// What the rules in force would write (see [`Aspect`] for the words; for labels,
    /// comments and lead-time flags only what the candidate rules would not).
    pub current: Vec<String>,
    /// What the candidate rules would write (for labels, comments and lead-time flags only
    /// what the rules in force would not).
    pub candidate: Vec<String>,
}

/// An issue on which the candidate rules would act differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedIssue {
    /// The project.
    pub project: ProjectId,
    /// The issue's number in it.
    pub iid: IssueIid,
    /// `PROJECT#IID`, as `steward explain` takes it.
    pub reference: String,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
    /// Its title as one inert code span of at most [`TITLE_CHARS`] characters (requester
    /// text); `None` for a confidential issue.
    pub title: Option<String>,
    /// Whether the issue is confidential.
    pub confidential: bool,
    /// What differs, by moment then aspect.
    pub differences: Vec<Difference>,
}

/// What a backtest found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The start of the period.
    pub since: DateTime<Utc>,
    /// "Now" for the present-day evaluation.
    pub now: DateTime<Utc>,
    /// The projects read.
    pub projects: Vec<ProjectId>,
    /// Issues filed in the period (all decided).
    pub issues: usize,
    /// Issue list pages read from GitLab.
    pub pages: usize,
    /// Issues on which the candidate rules act differently, oldest first.
    pub changed: Vec<ChangedIssue>,
}

impl Report {
    /// Issues with at least one difference of `what` at `moment`.
    pub fn count(&self, moment: Moment, what: Aspect) -> usize {
        self.changed
            .iter()
            .filter(|c| {
                c.differences
                    .iter()
                    .any(|d| d.moment == moment && d.what == what)
            })
            .count()
    }
}

/// Both engines and what the comparison reuses across issues.
struct Compare {
    current: SyncDeps,
    candidate: SyncDeps,
    current_lead: BTreeSet<String>,
    candidate_lead: BTreeSet<String>,
    steward_labels: BTreeSet<LabelName>,
}

/// Reads the issues filed since `opts.since` and decides each with the rules in `deps` and
/// with `candidate`, as of creation and as of now. Writes nothing anywhere.
pub async fn backtest(
    deps: &SyncDeps,
    candidate: Arc<Engine>,
    opts: &Options,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Report, SyncError> {
    let cmp = Compare {
        current_lead: lead_time_rules(&deps.engine),
        candidate_lead: lead_time_rules(&candidate),
        steward_labels: steward_labels(&[&deps.engine, &candidate]),
        candidate: SyncDeps {
            engine: candidate,
            ..deps.clone()
        },
        current: deps.clone(),
    };
    let mut report = Report {
        since: opts.since,
        now: deps.clock.now(),
        projects: opts.projects.clone(),
        issues: 0,
        pages: 0,
        changed: Vec::new(),
    };
    for &project in &opts.projects {
        backtest_project(&cmp, project, &mut report, progress).await?;
    }
    report
        .changed
        .sort_by_key(|c| (c.created_at, c.project, c.iid));
    Ok(report)
}

/// One project: list pages newest first until an issue is older than the period.
async fn backtest_project(
    cmp: &Compare,
    project: ProjectId,
    report: &mut Report,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), SyncError> {
    let ctx = CallContext::none();
    let query = IssueQuery {
        order_by: Some(IssueOrderBy::CreatedAt),
        sort: Some(SortDirection::Desc),
        ..IssueQuery::default()
    };
    let workload = load_workload(&cmp.current, project).await?;
    let mut seen = std::collections::HashSet::new();
    // Offset pages: a backtest reads back to its period's start, far below GitLab's maximum
    // offset (the sweep's listing handles keyset and the cap).
    let mut cursor = PageCursor::Offset(1);
    loop {
        let listed = cmp
            .current
            .gitlab
            .list_issues_page(&ctx, project, &query, &cursor)
            .await?;
        report.pages += 1;
        let mut older = false;
        for issue in listed.items {
            if issue.created_at < report.since {
                older = true;
                continue;
            }
            if !seen.insert(issue.iid) {
                continue;
            }
            report.issues += 1;
            if let Some(changed) = compare_issue(cmp, issue, &workload, report.now).await? {
                report.changed.push(changed);
            }
        }
        progress(Progress {
            project,
            pages: report.pages,
            issues: report.issues,
        });
        match listed.next {
            Some(next) if cursor.advances_to(&next) && !older => cursor = next,
            _ => break,
        }
    }
    Ok(())
}

/// One issue, both engines, both moments.
async fn compare_issue(
    cmp: &Compare,
    mut issue: Issue,
    workload: &Workload,
    now: DateTime<Utc>,
) -> Result<Option<ChangedIssue>, SyncError> {
    let filed = as_filed(&issue, &cmp.steward_labels);
    let none = BTreeMap::new();
    let mut differences = Vec::new();
    let (current, candidate) = both(cmp, &filed, &none, workload, filed.created_at).await?;
    differ(Moment::Creation, &current, &candidate, &mut differences);
    // Now: the issue as it is, with the state Steward recorded for it (as a sweep sees it).
    let existing = stored_notes(&cmp.current, &issue)
        .await?
        .unwrap_or_default();
    fill_recorded_state(&cmp.current, &mut issue, &existing).await?;
    let (current, candidate) = both(cmp, &issue, &existing, workload, now).await?;
    differ(Moment::Now, &current, &candidate, &mut differences);
    if differences.is_empty() {
        return Ok(None);
    }
    Ok(Some(ChangedIssue {
        project: issue.project_id,
        iid: issue.iid,
        reference: format!("{}#{}", issue.project_id, issue.iid),
        created_at: issue.created_at,
        title: (!issue.confidential)
            .then(|| steward_core::untrusted::code_capped(&issue.title, TITLE_CHARS)),
        confidential: issue.confidential,
        differences,
    }))
}

/// The outcome under the rules in force and under the candidate rules.
async fn both(
    cmp: &Compare,
    issue: &Issue,
    existing: &BTreeMap<String, steward_core::reconcile::ExistingNote>,
    workload: &Workload,
    at: DateTime<Utc>,
) -> Result<(Outcome, Outcome), SyncError> {
    let (d, a) = plan_prepared(&cmp.current, issue, existing, workload, at).await?;
    let current = Outcome::of(&d, &a, &cmp.current_lead);
    let (d, a) = plan_prepared(&cmp.candidate, issue, existing, workload, at).await?;
    let candidate = Outcome::of(&d, &a, &cmp.candidate_lead);
    Ok((current, candidate))
}

/// The aspects that differ. Labels, comments and lead-time flags are sets: only the words
/// one side has and the other lacks are kept; assignees and the due date are shown whole.
fn differ(moment: Moment, current: &Outcome, candidate: &Outcome, out: &mut Vec<Difference>) {
    for what in Aspect::ALL {
        let (c, n) = (current.get(what), candidate.get(what));
        if c == n {
            continue;
        }
        let (c, n) = if what.is_set() {
            let only = |a: &[String], b: &[String]| -> Vec<String> {
                a.iter().filter(|w| !b.contains(w)).cloned().collect()
            };
            (only(c, n), only(n, c))
        } else {
            (c.to_vec(), n.to_vec())
        };
        out.push(Difference {
            moment,
            what,
            current: c,
            candidate: n,
        });
    }
}
