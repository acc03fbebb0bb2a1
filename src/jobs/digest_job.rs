//! The weekly digest job: gathers each configured program's issues from GitLab (open ones, and
//! those closed since the earliest period counted), turns them into digest input, and posts (or
//! updates) the week's note on the program's tracking epic or issue. Selection and rendering
//! are the pure `digest` module; posting once per week is `digest::post_digest`.

use crate::digest_post::PostOutcome;
use crate::gitlab::{CallContext, GitLab, IssueQuery};
pub use crate::queue::DigestJob;

use crate::jobs::{JobDeps, SyncError};
use steward_core::digest::{
    self, DigestIssue, DigestScope, DigestTarget, FiscalPeriod, IsoWeek, ProgramKey,
};
use steward_core::model::{IssueState, Username};

/// One program's rendered digest.
#[derive(Debug, Clone)]
pub struct RenderedDigest {
    /// The program.
    pub program: ProgramKey,
    /// Where it goes (none: a preview of a program that is not posted).
    pub target: Option<DigestTarget>,
    /// The Markdown body (with its hidden marker).
    pub body: String,
}

/// A digest job failure.
#[derive(Debug, thiserror::Error)]
pub enum DigestJobError {
    /// Reading issues failed.
    #[error(transparent)]
    Read(#[from] SyncError),
    /// Posting failed.
    #[error(transparent)]
    Post(#[from] crate::digest_post::DigestError),
    /// The week could not be read or the calendar lacks it.
    #[error("{0}")]
    Input(String),
}

impl DigestJobError {
    /// Whether retrying later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            DigestJobError::Read(SyncError::GitLab(e)) => e.is_transient(),
            DigestJobError::Read(SyncError::Store(_)) => true,
            DigestJobError::Post(e) => e.is_transient(),
            DigestJobError::Input(_) => false,
        }
    }

    /// GitLab's `Retry-After`, when GitLab throttled the job.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            DigestJobError::Read(SyncError::GitLab(e))
            | DigestJobError::Post(crate::digest_post::DigestError::GitLab(e)) => e.retry_after(),
            _ => None,
        }
    }
}

impl crate::jobs::Retryable for DigestJobError {
    fn is_transient(&self) -> bool {
        DigestJobError::is_transient(self)
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        DigestJobError::retry_after(self)
    }
}

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

/// Renders the digest of every configured program for `week`.
pub async fn render_all(
    deps: &JobDeps,
    week: IsoWeek,
) -> Result<Vec<RenderedDigest>, DigestJobError> {
    let Some(cfg) = &deps.digest else {
        return Ok(Vec::new());
    };
    let programs: Vec<_> = cfg
        .post_to
        .iter()
        .map(|(p, t)| (p.clone(), Some(t)))
        .collect();
    render_programs(deps, cfg, week, &programs).await
}

/// Renders every program's digest for `week`, posted somewhere or not (a preview: without a
/// `digest` section, with the handbook's targets).
pub async fn preview_all(
    deps: &JobDeps,
    week: IsoWeek,
) -> Result<Vec<RenderedDigest>, DigestJobError> {
    let cfg = deps.digest.clone().unwrap_or_default();
    let programs: Vec<_> = deps
        .sync
        .engine
        .programs()
        .iter()
        .map(|p| (p.key.clone(), cfg.post_to.get(&p.key)))
        .collect();
    render_programs(deps, &cfg, week, &programs).await
}

async fn render_programs(
    deps: &JobDeps,
    cfg: &digest::DigestConfig,
    week: IsoWeek,
    programs: &[(ProgramKey, Option<&DigestTarget>)],
) -> Result<Vec<RenderedDigest>, DigestJobError> {
    let now = deps.sync.clock.now();
    let tz = deps.sync.engine.calendar().time_zone();
    // Progress is measured at the end of the week, or now for the current week.
    let as_of = now.min(week.end_in(tz));
    let (quarter, year) = fiscal_periods(deps, deps.sync.engine.calendar().local_date(as_of))?;
    let contest = cfg.contest_on(deps.sync.engine.calendar().local_date(as_of));
    // Closed issues are read back to the earliest period counted (a contest may start before
    // the fiscal year).
    let since = contest
        .iter()
        .map(|c| c.first_day)
        .fold(year.first_day, Ord::min);
    let year_start = digest::start_of_day(since, tz);
    let mut out = Vec::new();
    for (program, target) in programs {
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
        let selected = digest::select(&scope, &cfg.targets, &issues);
        out.push(RenderedDigest {
            program: program.clone(),
            target: target.cloned(),
            body: digest::render(&selected),
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

/// The week a digest job covers.
pub fn week_of(deps: &JobDeps, job: &DigestJob) -> Result<IsoWeek, DigestJobError> {
    match &job.week {
        Some(w) => w
            .parse()
            .map_err(|e| DigestJobError::Input(format!("week `{w}`: {e}"))),
        None => {
            let at = job
                .slot
                .as_ref()
                .map(|s| s.slot)
                .unwrap_or(deps.sync.clock.now());
            Ok(IsoWeek::last_complete(
                at,
                deps.sync.engine.calendar().time_zone(),
            ))
        }
    }
}

/// Renders and posts every configured program's digest; returns one line per program.
pub async fn run(deps: &JobDeps, job: &DigestJob) -> Result<String, DigestJobError> {
    let week = week_of(deps, job)?;
    let rendered = render_all(deps, week).await?;
    post_all(deps, week, &rendered).await
}

/// Posts already rendered digests (once per week per target); one line per program.
pub async fn post_all(
    deps: &JobDeps,
    week: IsoWeek,
    rendered: &[RenderedDigest],
) -> Result<String, DigestJobError> {
    let mut lines = Vec::new();
    for d in rendered {
        let Some(target) = &d.target else {
            lines.push(format!(
                "{} {week}: not posted (no digest.post_to)",
                d.program
            ));
            continue;
        };
        let outcome = crate::digest_post::post_digest(
            deps.sync.gitlab.as_ref(),
            deps.sync.store.as_ref(),
            target,
            week,
            &d.body,
            deps.sync.clock.now(),
        )
        .await?;
        let word = match outcome {
            PostOutcome::Created => "posted",
            PostOutcome::Updated => "updated",
            PostOutcome::Unchanged => "unchanged",
        };
        lines.push(format!("{} {week}: {word}", d.program));
    }
    if lines.is_empty() {
        return Ok("no digest configured".to_owned());
    }
    Ok(lines.join("; "))
}
