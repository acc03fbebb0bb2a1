//! `steward serve`: loads settings, validates the configuration and GitLab connectivity, then
//! runs the webhook receiver and the workers until SIGINT/SIGTERM (graceful: in-flight jobs
//! finish, the rest stay queued).

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_CONFIG, EXIT_OK};
use crate::config::Settings;
use crate::startup::{self, App, Wiring};

/// Arguments of `steward serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Settings file (YAML); `STEWARD_*` environment variables override it.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

/// Runs the service; exit 1 when start-up fails (with the reason on stderr).
pub fn run(args: &ServeArgs, err: &mut dyn Write) -> i32 {
    super::init_tracing(true);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "steward serve: cannot start the runtime: {e}");
            return EXIT_CONFIG;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => EXIT_OK,
        Err(message) => {
            tracing::error!(%message, "start-up failed");
            let _ = writeln!(err, "steward serve: {message}");
            EXIT_CONFIG
        }
    }
}

/// Loads settings, then builds the app the one way ([`startup::build`]): everything `serve`,
/// `sweep` and `digest` share. Every failure is one readable message.
pub(crate) async fn build_app(config: Option<&std::path::Path>) -> Result<App, String> {
    let settings = Settings::load(config).map_err(|e| e.to_string())?;
    startup::build(settings, Wiring::system())
        .await
        .map_err(|e| e.to_string())
}

async fn serve(args: &ServeArgs) -> Result<(), String> {
    let app = build_app(args.config.as_deref()).await?;
    let (settings, state) = (&app.settings, &app.state);
    for warning in settings.webhook.warnings() {
        tracing::warn!(%warning, "weak webhook secret");
    }
    if let Err(e) = state.store.check_writable().await {
        // Not fatal: readiness reports it, and a store fixed later works without a restart.
        tracing::error!(error = %e, "the database does not accept writes; /readyz answers 503 \
            and deliveries are refused until it does");
    }
    if state.projects.is_empty() {
        tracing::warn!(
            "no `projects` configured: webhooks from any project are handled, but sweeps and \
             digests have no project to list; set `projects` (or STEWARD_PROJECTS)"
        );
    }
    tracing::info!(bot = %state.bot.username, backend = state.store.backend_name(), "connected");
    let running = app
        .start(settings.worker.concurrency)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    tracing::info!(addr = %running.addr, "listening: POST /webhooks/gitlab, GET /healthz /readyz /metrics");
    if let Some(addr) = running.status_addr {
        let token = settings.status.token.is_some();
        tracing::info!(%addr, token, "status page: GET /status");
    }
    wait_for_signal().await;
    tracing::info!("shutting down: finishing in-flight jobs");
    running.stop().await;
    Ok(())
}

/// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
