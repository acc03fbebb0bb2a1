//! `steward serve`: loads settings, validates the configuration and GitLab connectivity, then
//! runs the webhook receiver and the workers until SIGINT/SIGTERM (graceful: in-flight jobs
//! finish, the rest stay queued).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::{EXIT_CONFIG, EXIT_OK};
use crate::config::Settings;
use crate::gitlab::{ClientConfig, GitLab, RestGitLab};
use crate::service::{self, AppState, Parts};
use crate::store::{self, StoreOptions};
use steward_core::clock::{Clock, SystemClock};
use steward_core::rules::Engine;

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

/// Loads settings and configuration, opens the store, connects to GitLab: everything `serve`,
/// `sweep` and `digest` share. Every failure is one readable message.
pub(crate) async fn build_state(
    config: Option<&std::path::Path>,
) -> Result<(Settings, AppState), String> {
    let settings = Settings::load(config).map_err(|e| e.to_string())?;
    let engine = Engine::load(&settings.rules_dir, &settings.templates_dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!(
            "the configuration is invalid ({} errors; `steward check` shows the same):\n{}",
            lines.len(),
            lines.join("\n")
        )
    })?;
    let schedules = match settings.schedules.clone() {
        Some(list) => list,
        None => crate::schedule::shipped(engine.calendar().time_zone())
            .map_err(|e| format!("shipped schedules: {e}"))?,
    };
    let store = store::open(
        &settings.database_url,
        &StoreOptions {
            max_connections: settings.database_max_connections,
            lease: settings.worker.lease,
            max_attempts: settings.worker.max_attempts,
            postgres_schema: settings.database_schema.clone(),
            ..StoreOptions::default()
        },
    )
    .await
    .map_err(|e| format!("database: {e}"))?;
    let base = reqwest::Url::parse(&settings.gitlab.url)
        .map_err(|e| format!("gitlab.url `{}`: {e}", settings.gitlab.url))?;
    let mut client = ClientConfig::new(base, settings.gitlab.token.clone());
    client.timeout = settings.gitlab.timeout;
    client.requests_per_minute = nonzero(settings.gitlab.requests_per_minute);
    client.notes_per_minute = nonzero(settings.gitlab.notes_per_minute);
    let gitlab: Arc<dyn GitLab> =
        Arc::new(RestGitLab::new(client).map_err(|e| format!("GitLab client: {e}"))?);
    let state = AppState::assemble(Parts {
        store,
        gitlab,
        engine: Arc::new(engine),
        clock: Arc::new(SystemClock) as Arc<dyn Clock>,
        webhook: settings.webhook.clone(),
        worker: settings.worker.clone(),
        projects: settings.projects.clone(),
        digest: settings.digest.clone(),
        schedules,
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok((settings, state))
}

async fn serve(args: &ServeArgs) -> Result<(), String> {
    let (settings, state) = build_state(args.config.as_deref()).await?;
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
    let running = service::start(
        Arc::new(state),
        settings.listen,
        settings.worker.concurrency,
    )
    .await
    .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    tracing::info!(addr = %running.addr, "listening: POST /webhooks/gitlab, GET /healthz /readyz /metrics");
    wait_for_signal().await;
    tracing::info!("shutting down: finishing in-flight jobs");
    running.stop().await;
    Ok(())
}

fn nonzero(n: u32) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN)
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
