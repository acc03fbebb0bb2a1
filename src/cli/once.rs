//! `steward sweep` and `steward digest`: run one scheduled job now, against the configured
//! GitLab and store, and print what changed (or, with `--dry-run`, what would change: no
//! GitLab writes and no jobs queued).

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_CONFIG, EXIT_INPUT, EXIT_OK};
use crate::jobs::digest_job::{self, DigestJob};
use crate::jobs::sweep;
use crate::jobs::with_retries;
use crate::jobs::worker::Worker;
use steward_core::reconcile::NoteAction;

/// Arguments of `steward sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// Settings file (as for `serve`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Every open issue, not only those updated since the last sweep.
    #[arg(long)]
    pub full: bool,
    /// Print what would change; write nothing to GitLab and queue nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `steward digest`.
#[derive(Debug, Clone, clap::Args)]
pub struct DigestArgs {
    /// Settings file (as for `serve`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// ISO week, e.g. 2026-W48 (default: the last complete week in the team's time zone, as
    /// the Monday schedule posts).
    #[arg(long)]
    pub week: Option<String>,
    /// Print every program's digest and the roll-up, posted or not; post nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// A runtime for a one-shot command, or `None` (and a message) when none can start.
pub(super) fn runtime(err: &mut dyn Write, what: &str) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            let _ = writeln!(err, "steward {what}: cannot start the runtime: {e}");
            None
        }
    }
}

/// Runs one sweep.
pub fn run_sweep(args: &SweepArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    super::init_tracing(false);
    let Some(rt) = runtime(err, "sweep") else {
        return EXIT_CONFIG;
    };
    let result = rt.block_on(async {
        let state = super::serve::build_app(args.config.as_deref()).await?.state;
        if state.projects.is_empty() {
            return Err(
                "no projects configured (set `projects` or STEWARD_PROJECTS): a sweep \
                        lists the open issues of the served projects"
                    .to_owned(),
            );
        }
        let deps = state.job_deps();
        let report = with_retries(
            state.worker.max_attempts,
            || sweep::sweep(&deps, args.full, !args.dry_run),
            |e, attempt, wait| tracing::warn!(error = %e, attempt, retry_in_ms = wait.as_millis() as u64, "sweep failed; retrying"),
        )
        .await
        .map_err(|e| e.to_string())?;
        let mut ran = 0;
        if !args.dry_run {
            ran = Worker::new(deps.clone(), state.worker.lease, "cli-sweep".to_owned())
                .drain()
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok::<_, String>((report, ran))
    });
    match result {
        Ok((report, ran)) => {
            print_sweep(out, &report, ran, args.dry_run);
            EXIT_OK
        }
        Err(e) => {
            let _ = writeln!(err, "steward sweep: {e}");
            EXIT_CONFIG
        }
    }
}

/// Prints what a sweep changed (or would change) per issue, then the summary line.
fn print_sweep(out: &mut dyn Write, report: &sweep::SweepReport, ran: usize, dry_run: bool) {
    for d in &report.drift {
        let title = steward_core::untrusted::one_line(&d.title, 200);
        let _ = writeln!(out, "#{} {title}", d.iid);
        if let Some(edit) = &d.actions.edit {
            for l in &edit.add_labels {
                let _ = writeln!(out, "    + label {l}");
            }
            for l in &edit.remove_labels {
                let _ = writeln!(out, "    - label {l}");
            }
            if let Some(ids) = &edit.assignee_ids {
                let _ = writeln!(out, "    assignees → {ids:?}");
            }
            if let Some(due) = edit.due_date {
                let _ = writeln!(out, "    due date → {due}");
            }
        }
        for n in &d.actions.notes {
            let line = match n {
                NoteAction::Create { key, .. } => format!("    comment `{key}` (new)"),
                NoteAction::Update { key, .. } => format!("    comment `{key}` (edited)"),
            };
            let _ = writeln!(out, "{line}");
        }
    }
    let verb = if dry_run { "would change" } else { "changed" };
    let _ = writeln!(
        out,
        "{}; {} {verb}{}",
        report.summary(),
        report.drift.len(),
        if dry_run {
            String::new()
        } else {
            format!(" ({ran} sync jobs run)")
        }
    );
}

/// Tells the operator that a step failed transiently and when it is tried again.
fn progress(
    err: &mut dyn Write,
    step: &str,
    error: &dyn std::fmt::Display,
    attempt: u32,
    tries: u32,
    wait: std::time::Duration,
) {
    let _ = writeln!(
        err,
        "steward digest: {step} failed ({error}); trying again in {} s (attempt {} of {tries})",
        wait.as_secs(),
        attempt + 1
    );
}

/// Prints each rendered digest (saying which setting would post the ones not posted), then what
/// posting did.
fn print_digests(
    out: &mut dyn Write,
    rendered: &[digest_job::RenderedDigest],
    summary: Option<&str>,
) {
    for d in rendered {
        if d.target.is_none() {
            let _ = writeln!(
                out,
                "({}: not posted; set {} to post it)",
                d.of,
                d.of.setting()
            );
        }
        let _ = writeln!(out, "{}\n", d.body);
    }
    if let Some(s) = summary {
        let _ = writeln!(out, "{s}");
    }
}

/// Renders (and unless `--dry-run`, posts) the weekly digests and the roll-up; `--dry-run`
/// previews every program's and the roll-up. GitLab throttling (429) and other transient
/// failures are retried with the job queue's policy (`jobs::with_retries`).
pub fn run_digest(args: &DigestArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    super::init_tracing(false);
    if let Some(w) = &args.week
        && w.parse::<steward_core::digest::IsoWeek>().is_err()
    {
        let _ = writeln!(
            err,
            "steward digest: --week `{w}` is not an ISO week like 2026-W48"
        );
        return EXIT_INPUT;
    }
    let Some(rt) = runtime(err, "digest") else {
        return EXIT_CONFIG;
    };
    let result = rt.block_on(async {
        let state = super::serve::build_app(args.config.as_deref()).await?.state;
        if state.digest.is_none() && !args.dry_run {
            return Err("no `digest` section in the settings: nothing to render".to_owned());
        }
        let deps = state.job_deps();
        let job = DigestJob {
            week: args.week.clone(),
            slot: None,
        };
        let week = digest_job::week_of(&deps, &job).map_err(|e| e.to_string())?;
        let tries = state.worker.max_attempts;
        let dry_run = args.dry_run;
        let rendered = with_retries(
            tries,
            || async {
                if dry_run {
                    digest_job::preview_all(&deps, week).await
                } else {
                    digest_job::render_all(&deps, week).await
                }
            },
            |e, n, wait| progress(&mut *err, "reading the issues", e, n, tries, wait),
        )
        .await
        .map_err(|e| e.to_string())?;
        let summary = if args.dry_run {
            None
        } else {
            // Post exactly what is printed: no second pass over GitLab's issue lists. A retry
            // posts every program again; the ones already posted are found and left unchanged.
            Some(
                with_retries(
                    tries,
                    || digest_job::post_all(&deps, week, &rendered),
                    |e, n, wait| progress(&mut *err, "posting the digests", e, n, tries, wait),
                )
                .await
                .map_err(|e| e.to_string())?,
            )
        };
        Ok::<_, String>((rendered, summary))
    });
    match result {
        Ok((rendered, summary)) => {
            print_digests(out, &rendered, summary.as_deref());
            EXIT_OK
        }
        Err(e) => {
            let _ = writeln!(err, "steward digest: {e}");
            EXIT_CONFIG
        }
    }
}
