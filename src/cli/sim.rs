//! `steward sim`: runs the GitLab simulator on its own, seeded with the team's project, for
//! trying `steward serve` by hand.

use std::io::Write;
use std::net::SocketAddr;

use tokio_util::sync::CancellationToken;

use super::{EXIT_CONFIG, EXIT_OK};
use steward_sim::{self, HookConfig, SimConfig, StandaloneConfig};

/// Arguments of `steward sim`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8929")]
    pub listen: SocketAddr,
    /// API token accepted for the bot user `steward-bot`.
    #[arg(long, default_value = "glpat-steward-sim")]
    pub token: String,
    /// Where the project's webhook sends events (e.g. http://127.0.0.1:8080/webhooks/gitlab).
    #[arg(long)]
    pub hook_url: Option<String>,
    /// The webhook's secret token.
    #[arg(long, default_value = "sim-secret")]
    pub hook_secret: String,
}

/// Runs the simulator until Ctrl-C.
pub fn run(args: &SimArgs, err: &mut dyn Write) -> i32 {
    super::init_tracing(false);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "steward sim: cannot start the runtime: {e}");
            return EXIT_CONFIG;
        }
    };
    let hook = args.hook_url.as_ref().map(|url| {
        let mut h = HookConfig::all_events(url.clone());
        h.secret_token = Some(args.hook_secret.clone());
        h
    });
    let cfg = StandaloneConfig {
        listen: args.listen,
        bot_token: args.token.clone(),
        hook,
        sim: SimConfig::default(),
    };
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let result = runtime.block_on(async move {
        tokio::spawn(async move {
            super::serve::wait_for_signal().await;
            stop.cancel();
        });
        eprintln!(
            "GitLab simulator on http://{} (project {}, bot token {})",
            args.listen,
            steward_sim::TEAM_PROJECT,
            args.token
        );
        steward_sim::run_standalone(cfg, shutdown).await
    });
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "steward sim: {e}");
            EXIT_CONFIG
        }
    }
}
