//! `steward demo`: runs the end-to-end demonstration (see [`crate::demo`]).

use std::io::Write;

use chrono::{DateTime, Utc};

use super::{EXIT_CONFIG, EXIT_INPUT, EXIT_OK};

/// Arguments of `steward demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// The simulated "now" (RFC 3339); the scenario's dates are written for the default.
    #[arg(long, default_value = crate::demo::DEFAULT_NOW)]
    pub now: String,
    /// Keep running after the report and serve the status page (see `--status-listen`).
    #[arg(long)]
    pub serve: bool,
    /// Where the status page listens with `--serve` (port 0: any free port, printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
    pub status_listen: std::net::SocketAddr,
    /// The simulator's note-creation limit per minute (GitLab.com: 60; 0: off, the default),
    /// answered with GitLab's 429 and `Retry-After` (GITLAB.md §6.5). The scripted demo does
    /// not wait out a refusal: under about 20 per minute it stops at the first one it meets
    /// and says so (the service's jobs retry after `Retry-After`).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub notes_per_minute: u32,
}

/// Runs the demo and prints its report.
pub fn run(args: &DemoArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let now = match DateTime::parse_from_rfc3339(&args.now) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => {
            let _ = writeln!(
                err,
                "steward demo: --now `{}` is not an RFC 3339 time ({e}); e.g. {}",
                args.now,
                crate::demo::DEFAULT_NOW
            );
            return EXIT_INPUT;
        }
    };
    super::init_tracing(false);
    let serve = args.serve.then(|| crate::demo::Serve {
        listen: args.status_listen,
        until: Box::pin(super::serve::wait_for_signal()),
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "steward demo: cannot start the runtime: {e}");
            return EXIT_CONFIG;
        }
    };
    let limit = (args.notes_per_minute > 0).then_some(args.notes_per_minute);
    match runtime.block_on(crate::demo::run(now, serve, limit, out)) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "steward demo: {e}");
            EXIT_CONFIG
        }
    }
}
