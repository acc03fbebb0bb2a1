//! `steward check`: loads every configuration file and lists every problem, one
//! `file:line:col: message (hint: …)` per line, then any warning (a calendar that runs out
//! within a year) on stderr without failing.
//!
//! Without `--rules` / `--templates` and with no `rules/` or `issue_templates/` in the current
//! directory, the configuration built into the binary is checked (and a note says so).
//!
//! Reporting only; the validation is `steward_core::loader`.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use super::{ConfigDirs, EXIT_CONFIG, EXIT_OK};
use steward_core::clock::{Clock, SystemClock};
use steward_core::loader::Files;
use steward_core::rules::Engine;

/// The directory to read, or the built-in set when `dir` is the default and does not exist.
pub(super) fn source(
    dir: &Path,
    default: &str,
    shipped: fn() -> Files,
    err: &mut dyn Write,
) -> Files {
    if dir == Path::new(default) && !dir.exists() {
        let _ = writeln!(
            err,
            "note: no `{default}/` here; checking the {default} built into steward \
             (give --rules / --templates to check your own)"
        );
        return shipped();
    }
    Files::dir(dir)
}

/// Arguments of `steward check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Where the configuration lives.
    #[command(flatten)]
    pub dirs: ConfigDirs,
    /// The day the calendar's coverage is judged from (YYYY-MM-DD); default: today in the
    /// team's time zone.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
}

/// Validates the configuration in `dirs`; exit 0 when valid, 1 otherwise.
pub fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let dirs = &args.dirs;
    let rules = source(&dirs.rules, "rules", crate::shipped::rules, err);
    let templates = source(
        &dirs.templates,
        "issue_templates",
        crate::shipped::templates,
        err,
    );
    match Engine::load_from(&rules, &templates) {
        Ok(engine) => {
            let roles = engine.roster().role_names().count();
            let _ = writeln!(
                out,
                "ok: {} templates, {} rules, {} roles; {} labels may be added",
                engine.templates().len(),
                engine.rules().rules().len(),
                roles,
                engine.labels_used().len()
            );
            let calendar = engine.calendar();
            let today = args
                .today
                .unwrap_or_else(|| calendar.local_date(SystemClock.now()));
            if let Some(w) = calendar.coverage().warning(today) {
                let _ = writeln!(
                    err,
                    "warning: {}/{w}",
                    dirs.rules.display().to_string().trim_end_matches('/')
                );
            }
            EXIT_OK
        }
        Err(errors) => {
            for e in &errors {
                let _ = writeln!(err, "{e}");
            }
            let n = errors.len();
            let _ = writeln!(
                err,
                "{n} configuration error{} in {} / {}",
                if n == 1 { "" } else { "s" },
                dirs.rules.display(),
                dirs.templates.display()
            );
            EXIT_CONFIG
        }
    }
}
