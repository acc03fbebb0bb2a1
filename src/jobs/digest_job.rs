//! The weekly digest job: gathers each configured program's issues from GitLab (open ones, and
//! those closed since the earliest period counted), turns them into digest input, and posts (or
//! updates) the week's note on the program's tracking epic or issue, and the director's
//! roll-up of every program on the team's epic or issue (`digest.rollup_to`). Selection and
//! rendering are the pure `digest` module; posting once per week is `digest_post`.

use crate::digest_post::PostOutcome;
pub use crate::queue::DigestJob;

use crate::jobs::{JobDeps, SyncError};
use read::read_programs;
use steward_core::digest::{self, DigestTarget, IsoWeek, ProgramKey, ProgramWeek};

mod read;

/// What a rendered note reports on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestOf {
    /// One program's digest.
    Program(ProgramKey),
    /// The director's roll-up of every program.
    Rollup,
}

impl DigestOf {
    /// The setting that says where it is posted (`digest.post_to.story`, `digest.rollup_to`).
    pub fn setting(&self) -> String {
        match self {
            Self::Program(key) => format!("digest.post_to.{key}"),
            Self::Rollup => "digest.rollup_to".to_owned(),
        }
    }
}

impl std::fmt::Display for DigestOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Program(key) => write!(f, "{key}"),
            Self::Rollup => f.write_str("roll-up"),
        }
    }
}

/// One rendered digest: a program's, or the roll-up.
#[derive(Debug, Clone)]
pub struct RenderedDigest {
    /// What it reports on.
    pub of: DigestOf,
    /// Where it goes (none: a preview of a digest that is not posted).
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

/// Renders the digest of every configured program for `week`, then the roll-up when
/// `digest.rollup_to` is set.
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
    let rollup = cfg.rollup_to.as_ref().map(Some);
    render_programs(deps, cfg, week, &programs, rollup).await
}

/// Renders every program's digest for `week`, posted somewhere or not, and the roll-up (a
/// preview: without a `digest` section, with the handbook's targets).
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
    render_programs(deps, &cfg, week, &programs, Some(cfg.rollup_to.as_ref())).await
}

/// Renders the digests of `programs` and, when `rollup` is given (with its target, if any),
/// the roll-up of every declared program.
async fn render_programs(
    deps: &JobDeps,
    cfg: &digest::DigestConfig,
    week: IsoWeek,
    programs: &[(ProgramKey, Option<&DigestTarget>)],
    rollup: Option<Option<&DigestTarget>>,
) -> Result<Vec<RenderedDigest>, DigestJobError> {
    let keys: Vec<ProgramKey> = match rollup {
        Some(_) => deps
            .sync
            .engine
            .programs()
            .iter()
            .map(|p| p.key.clone())
            .collect(),
        None => programs.iter().map(|(k, _)| k.clone()).collect(),
    };
    let read = read_programs(deps, cfg, week, &keys, rollup.is_some()).await?;
    let mut out = Vec::new();
    for (program, target) in programs {
        let Some(r) = read.iter().find(|r| r.key == *program) else {
            continue;
        };
        let selected = digest::select(&r.scope, &cfg.targets, &r.issues);
        out.push(RenderedDigest {
            of: DigestOf::Program(program.clone()),
            target: target.cloned(),
            body: digest::render(&selected),
        });
    }
    if let Some(target) = rollup {
        let weeks: Vec<ProgramWeek<'_>> = read
            .iter()
            .map(|r| ProgramWeek {
                scope: &r.scope,
                issues: &r.issues,
            })
            .collect();
        let rolled = digest::rollup(week, &weeks, &cfg.targets, deps.sync.engine.roster());
        out.push(RenderedDigest {
            of: DigestOf::Rollup,
            target: target.cloned(),
            body: digest::render_rollup(&rolled),
        });
    }
    Ok(out)
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
                "{} {week}: not posted (no {})",
                d.of,
                d.of.setting()
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
        lines.push(format!("{} {week}: {word}", d.of));
    }
    if lines.is_empty() {
        return Ok("no digest configured".to_owned());
    }
    Ok(lines.join("; "))
}
