//! `steward backtest --rules DIR [--since 90d] [--project ID] [--format json]`: the issues
//! filed in the period, decided by the rules in force and by the candidate rules in DIR, as of
//! each issue's creation and as of now; prints what would differ. Reads GitLab, writes
//! nothing (the decisions are `crate::backtest`'s, through the planning path).
//!
//! Exit 0 with the report, 1 when the candidate rules are invalid (the errors `steward check`
//! prints; GitLab is not read) or Steward cannot start or read GitLab, 2 for unusable
//! arguments.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::{EXIT_CONFIG, EXIT_INPUT, EXIT_OK};
use crate::backtest::{self, Options, Progress};
use crate::config::Settings;
use crate::startup::{self, Wiring};
use steward_core::model::ProjectId;
use steward_core::rules::Engine;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BacktestFormat {
    /// A summary table and the changed issues.
    Text,
    /// The JSON shape documented in docs/operations.md.
    Json,
}

/// The start of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This many days before now.
    Days(u32),
    /// Midnight UTC of this day.
    Date(NaiveDate),
}

impl Since {
    fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Since::Days(n) => now - chrono::Duration::days(i64::from(n)),
            Since::Date(d) => d.and_time(chrono::NaiveTime::MIN).and_utc(),
        }
    }
}

fn parse_since(s: &str) -> Result<Since, String> {
    if let Some(days) = s.strip_suffix('d')
        && let Ok(n) = days.parse::<u32>()
    {
        return Ok(Since::Days(n));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Since::Date)
        .map_err(|_| format!("`{s}` is neither a number of days (90d) nor a date (2026-09-01)"))
}

/// Arguments of `steward backtest`.
#[derive(Debug, Clone, clap::Args)]
pub struct BacktestArgs {
    /// The candidate rules directory (roster.yaml, calendar.yaml and the rule files).
    #[arg(long, value_name = "DIR")]
    pub rules: PathBuf,
    /// The candidate templates directory (default: the templates in force).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The period: issues filed in the last N days (90d) or since a date (2026-09-01).
    #[arg(long, default_value = "90d", value_parser = parse_since)]
    pub since: Since,
    /// The project to read (default: every served project).
    #[arg(long, value_name = "ID")]
    pub project: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BacktestFormat::Text)]
    pub format: BacktestFormat,
    /// Settings file (as for `serve`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

/// Runs `steward backtest`.
pub fn run(args: &BacktestArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let settings = match Settings::load(args.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "steward backtest: {e}");
            return EXIT_CONFIG;
        }
    };
    let Some(candidate) = load_candidate(args, &settings, err) else {
        return EXIT_CONFIG;
    };
    let projects = match args.project {
        Some(id) => vec![ProjectId(id)],
        None => settings.projects.clone(),
    };
    if projects.is_empty() {
        let _ = writeln!(
            err,
            "steward backtest: no project to read: give --project ID or set `projects`"
        );
        return EXIT_INPUT;
    }
    super::init_tracing(false);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "steward backtest: cannot start the runtime: {e}");
            return EXIT_CONFIG;
        }
    };
    let result = runtime.block_on(read_and_compare(settings, candidate, projects, args.since));
    let (report, calls) = match result {
        Ok(r) => r,
        Err(message) => {
            let _ = writeln!(err, "steward backtest: {message}");
            return EXIT_CONFIG;
        }
    };
    let _ = writeln!(
        err,
        "done: {}, {}, {}",
        backtest::counted(report.issues, "issue"),
        backtest::counted(report.pages, "list page"),
        calls.map_or("GitLab API calls uncounted".to_owned(), |n| {
            backtest::counted(n as usize, "GitLab API call")
        })
    );
    let text = match args.format {
        BacktestFormat::Text => backtest::render_text(&report, calls),
        BacktestFormat::Json => match backtest::render_json(&report, calls) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "steward backtest: cannot render the report: {e}");
                return EXIT_INPUT;
            }
        },
    };
    if writeln!(out, "{text}").is_err() {
        return EXIT_INPUT;
    }
    EXIT_OK
}

/// The candidate engine, or its errors printed as `steward check` prints them.
fn load_candidate(
    args: &BacktestArgs,
    settings: &Settings,
    err: &mut dyn Write,
) -> Option<Arc<Engine>> {
    let templates = args.templates.as_ref().unwrap_or(&settings.templates_dir);
    match Engine::load(&args.rules, templates) {
        Ok(engine) => Some(Arc::new(engine)),
        Err(errors) => {
            for e in &errors {
                let _ = writeln!(err, "{e}");
            }
            let _ = writeln!(
                err,
                "{} configuration error{} in the candidate rules {} / {}; nothing was read \
                 from GitLab",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                args.rules.display(),
                templates.display()
            );
            None
        }
    }
}

/// Starts Steward (store, GitLab, the rules in force) and runs the backtest; returns the
/// report and the GitLab calls it made (start-up's own calls not included).
async fn read_and_compare(
    settings: Settings,
    candidate: Arc<Engine>,
    projects: Vec<ProjectId>,
    since: Since,
) -> Result<(backtest::Report, Option<u64>), String> {
    let app = startup::build(settings, Wiring::system())
        .await
        .map_err(|e| e.to_string())?;
    let state = app.state;
    let deps = state.job_deps().sync;
    let opts = Options {
        projects,
        since: since.resolve(deps.clock.now()),
    };
    let before = gitlab_calls(&state);
    let mut stderr = std::io::stderr();
    let mut progress = |p: Progress| {
        let _ = writeln!(
            stderr,
            "project {}: {} read ({})",
            p.project,
            backtest::counted(p.issues, "issue"),
            backtest::counted(p.pages, "list page")
        );
    };
    let report = backtest::backtest(&deps, candidate, &opts, &mut progress)
        .await
        .map_err(|e| e.to_string())?;
    let calls = gitlab_calls(&state)
        .zip(before)
        .map(|(a, b)| a.saturating_sub(b));
    Ok((report, calls))
}

/// GitLab calls made so far by this process (`steward_gitlab_calls_total`), when metrics are on.
fn gitlab_calls(state: &crate::service::AppState) -> Option<u64> {
    let text = state.metrics.as_ref()?.render();
    Some(
        text.lines()
            .filter(|l| l.starts_with("steward_gitlab_calls_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .map(|v| v as u64)
            .sum(),
    )
}
