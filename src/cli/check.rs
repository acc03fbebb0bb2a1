//! `steward check`: loads every configuration file and lists every problem, one
//! `file:line:col: message (hint: …)` per line, then any warning (a calendar that runs out
//! within a year) on stderr without failing.
//!
//! Reporting only; the validation is `rules::Engine::load`.

use std::io::Write;

use chrono::NaiveDate;

use super::{ConfigDirs, EXIT_CONFIG, EXIT_OK};
use steward_core::clock::{Clock, SystemClock};
use steward_core::rules::Engine;

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
    match Engine::load(&dirs.rules, &dirs.templates) {
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
