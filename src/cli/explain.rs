//! `steward explain <issue URL | PROJECT#IID>`: why an issue looks as it does — each label,
//! assignment, due date and owned note Steward set, by which rule and when (from the audit
//! log), and what Steward would change now (a fresh decision, dry run). Writes nothing.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_CONFIG, EXIT_INPUT, EXIT_OK};
use crate::explain;

/// Arguments of `steward explain`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// The issue: its URL, PROJECT#IID (42#12 or group/project#12), or #IID when one project
    /// is served.
    #[arg(value_name = "ISSUE")]
    pub issue: String,
    /// Settings file (as for `serve`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

/// Runs `steward explain`: exit 0 with the explanation, 2 when the reference is not usable,
/// 1 when Steward cannot start or GitLab cannot be read.
pub fn run(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let reference = match explain::parse(&args.issue) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "steward explain: {e}");
            return EXIT_INPUT;
        }
    };
    super::init_tracing(false);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "steward explain: cannot start the runtime: {e}");
            return EXIT_CONFIG;
        }
    };
    let result = runtime.block_on(async {
        let app = super::serve::build_app(args.config.as_deref()).await;
        let state = app.map_err(|e| (e, EXIT_CONFIG))?.state;
        let deps = state.job_deps().sync;
        let issue = explain::resolve(deps.gitlab.as_ref(), &state.projects, &reference)
            .await
            .map_err(|e| (e.to_string(), EXIT_INPUT))?;
        explain::explain(&deps, issue)
            .await
            .map_err(|e| (e.to_string(), EXIT_CONFIG))
    });
    match result {
        Ok(e) => {
            if writeln!(out, "{}", explain::render_text(&e)).is_err() {
                return EXIT_INPUT;
            }
            EXIT_OK
        }
        Err((message, code)) => {
            let _ = writeln!(err, "steward explain: {message}");
            code
        }
    }
}
