//! Reading a week's digest input from GitLab: each program's issues (open ones, and those
//! closed since the earliest period counted) and the scope its digest is computed in. No
//! selection or rendering here (that is `steward_core::digest`).

use crate::gitlab::{CallContext, GitLab, IssueQuery};
use crate::jobs::{JobDeps, SyncError};
use steward_core::digest::{self, DigestIssue, DigestScope, FiscalPeriod, IsoWeek, ProgramKey};
use steward_core::model::{IssueState, Username};

use super::DigestJobError;

/// The fiscal quarter and year containing `date`, as digest periods.
fn fiscal_periods(
    deps: &JobDeps,
    date: chrono::NaiveDate,
) -> Result<(FiscalPeriod, FiscalPeriod), DigestJobError> {
    let cal = deps.sync.engine.calendar();
    let q = cal.fiscal_quarter(date);
    let start = |year: i32, quarter: u8| {
        cal.quarter_start(steward_core::calendar::FiscalQuarter { year, quarter })
            .ok_or_else(|| DigestJobError::Input(format!("no start date for FY{year}-Q{quarter}")))
    };
    let (next_year, next_q) = if q.quarter == 4 {
        (q.year + 1, 1)
    } else {
        (q.year, q.quarter + 1)
    };
    let day = chrono::Duration::days(1);
    let quarter = FiscalPeriod {
        name: q.to_string(),
        first_day: start(q.year, q.quarter)?,
        last_day: start(next_year, next_q)? - day,
    };
    let year = FiscalPeriod {
        name: format!("FY{}", q.year),
        first_day: start(q.year, 1)?,
        last_day: start(q.year + 1, 1)? - day,
    };
    Ok((quarter, year))
}

/// One program's week, read from GitLab.
pub(super) struct ProgramRead {
    pub(super) key: ProgramKey,
    pub(super) scope: DigestScope,
    pub(super) issues: Vec<DigestIssue>,
}

/// Reads the issues of each program in `keys` and the scope its digest is computed in. With
/// `trend`, closed issues are read back to the roll-up's first trend week as well.
pub(super) async fn read_programs(
    deps: &JobDeps,
    cfg: &digest::DigestConfig,
    week: IsoWeek,
    keys: &[ProgramKey],
    trend: bool,
) -> Result<Vec<ProgramRead>, DigestJobError> {
    let now = deps.sync.clock.now();
    let tz = deps.sync.engine.calendar().time_zone();
    // Progress is measured at the end of the week, or now for the current week.
    let as_of = now.min(week.end_in(tz));
    let (quarter, year) = fiscal_periods(deps, deps.sync.engine.calendar().local_date(as_of))?;
    let contest = cfg.contest_on(deps.sync.engine.calendar().local_date(as_of));
    // Closed issues are read back to the earliest period counted (a contest may start before
    // the fiscal year; the roll-up's trend may start before either).
    let trend_start = trend.then(|| {
        let back = u64::try_from(digest::TREND_WEEKS.saturating_sub(1)).unwrap_or(0);
        week.monday() - chrono::Days::new(7 * back)
    });
    let since = contest
        .iter()
        .map(|c| c.first_day)
        .chain(trend_start)
        .fold(year.first_day, Ord::min);
    let year_start = digest::start_of_day(since, tz);
    let mut out = Vec::new();
    for program in keys {
        let spec = declared(deps, program)?;
        let issues = program_issues(deps, &spec.label, year_start).await?;
        let scope = DigestScope {
            program: spec.clone(),
            week,
            time_zone: tz,
            now,
            quarter: quarter.clone(),
            year: year.clone(),
            contest: contest.clone(),
            outcomes: deps.sync.engine.outcomes().program(program),
            away: digest::absences(deps.sync.engine.roster(), &issues),
        };
        out.push(ProgramRead {
            key: program.clone(),
            scope,
            issues,
        });
    }
    Ok(out)
}

/// The issues labelled `label` in the served projects: every open one, and those closed since
/// `since`, each with the account owner its request names.
async fn program_issues(
    deps: &JobDeps,
    label: &steward_core::model::LabelName,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<DigestIssue>, DigestJobError> {
    let ctx = CallContext::none();
    let now = deps.sync.clock.now();
    let mut issues = Vec::new();
    for project in &deps.projects {
        let open = IssueQuery {
            state: Some(IssueState::Opened),
            labels: vec![label.clone()],
            ..IssueQuery::default()
        };
        let closed = IssueQuery {
            state: Some(IssueState::Closed),
            labels: vec![label.clone()],
            updated_after: Some(since),
            ..IssueQuery::default()
        };
        for query in [open, closed] {
            let listed = deps
                .sync
                .gitlab
                .list_issues(&ctx, *project, &query)
                .await
                .map_err(SyncError::from)?;
            for issue in listed {
                let decision =
                    deps.sync
                        .engine
                        .decide(&issue, now, &steward_core::rules::Workload::default());
                let owner = match decision.fields.get("account_owner") {
                    Some(steward_core::model::FieldValue::Username(u)) => Some(u.clone()),
                    Some(steward_core::model::FieldValue::Text(t)) => {
                        Some(Username(t.trim_start_matches('@').to_owned()))
                    }
                    _ => None,
                };
                issues.push(DigestIssue::from_issue(&issue, issue.closed_at, owner));
            }
        }
    }
    Ok(issues)
}

/// The declaration of `program` (a `digest.post_to` key not declared cannot be rendered).
fn declared<'a>(
    deps: &'a JobDeps,
    program: &ProgramKey,
) -> Result<&'a digest::Program, DigestJobError> {
    deps.sync
        .engine
        .programs()
        .get(program.as_str())
        .ok_or_else(|| {
            DigestJobError::Input(format!(
                "digest.post_to.{program}: no such program is declared in rules/programs.yaml"
            ))
        })
}
