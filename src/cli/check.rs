//! `steward check`: loads every configuration file and lists every problem, one
//! `file:line:col: message (hint: …)` per line.
//!
//! Reporting only; the validation is `rules::Engine::load`.

use std::io::Write;

use super::{ConfigDirs, EXIT_CONFIG, EXIT_OK};
use crate::rules::Engine;

/// Validates the configuration in `dirs`; exit 0 when valid, 1 otherwise.
pub fn run(dirs: &ConfigDirs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
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
