//! `steward sim`: runs the GitLab simulator on its own, seeded with the team's project and
//! every label the shipped rules declare, and prints a `steward.yaml` that points
//! `steward serve` at it. It announces nothing until its port is bound.

use std::io::Write;
use std::net::SocketAddr;

use tokio_util::sync::CancellationToken;

use super::{EXIT_CONFIG, EXIT_OK};
use steward_core::rules::Engine;
use steward_sim::{self, HookConfig, SimConfig, SimError, Standalone, StandaloneConfig};

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
    /// Refuse note creations beyond this many per minute with GitLab's 429 (GitLab.com: 60;
    /// 0, the default, is no limit).
    #[arg(long, default_value_t = 0)]
    pub notes_per_minute: u32,
}

/// Every label the shipped rules declare (`rules/labels.yaml`) and every other label they
/// may add, with its colour, so Steward never meets a missing label in the simulator.
fn shipped_labels() -> Result<Vec<(String, String)>, String> {
    let engine = Engine::load_from(&crate::shipped::rules(), &crate::shipped::templates())
        .map_err(|errors| format!("the shipped rules do not load: {errors:?}"))?;
    let catalog = engine.label_catalog();
    let mut labels: Vec<(String, String)> = catalog
        .iter()
        .map(|l| (l.name.as_str().to_owned(), l.color.clone()))
        .collect();
    for l in engine.labels_used() {
        if !catalog.contains(l.as_str()) {
            labels.push((l.as_str().to_owned(), "#6699cc".to_owned()));
        }
    }
    Ok(labels)
}

/// A `steward.yaml` for `steward serve` against this simulator. Values are written as JSON
/// strings, which YAML reads as they are.
fn steward_yaml(args: &SimArgs, s: &Standalone) -> String {
    let q = |v: &str| serde_json::to_string(v).unwrap_or_default();
    format!(
        "# steward.yaml for this simulator: project {project} = {path}, group {group} = {gpath}\n\
         gitlab:\n  url: {url}\n  token: {token}\n\
         webhook:\n  secrets: [{secret}]\n\
         projects: [{project}]\n",
        project = s.seed.project,
        path = steward_sim::TEAM_PROJECT,
        group = s.seed.group,
        gpath = steward_sim::TEAM_GROUP,
        url = q(&s.sim.base_url()),
        token = q(&args.token),
        secret = q(&args.hook_secret),
    )
}

/// What to say when the simulator cannot start.
fn start_error(args: &SimArgs, e: &SimError) -> String {
    match e {
        SimError::Bind { .. } => format!(
            "steward sim: {e}. Is another `steward sim` (or another server) using {}? Stop it, \
             or choose a free address with --listen.",
            args.listen
        ),
        _ => format!("steward sim: {e}"),
    }
}

/// Runs the simulator until Ctrl-C.
pub fn run(args: &SimArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    super::init_tracing(false);
    let labels = match shipped_labels() {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(err, "steward sim: {e}");
            return EXIT_CONFIG;
        }
    };
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
        sim: SimConfig {
            notes_per_minute: (args.notes_per_minute > 0).then_some(args.notes_per_minute),
            ..SimConfig::default()
        },
        labels,
    };
    let result = runtime.block_on(async {
        let started = steward_sim::start_standalone(cfg).await?;
        let _ = writeln!(
            err,
            "GitLab simulator on {} (project {}, bot token {}); steward.yaml for it:",
            started.sim.base_url(),
            steward_sim::TEAM_PROJECT,
            args.token
        );
        let _ = write!(out, "{}", steward_yaml(args, &started));
        let _ = out.flush();
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            super::serve::wait_for_signal().await;
            stop.cancel();
        });
        shutdown.cancelled().await;
        started.sim.flush_webhooks().await;
        started.sim.shutdown().await
    });
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "{}", start_error(args, &e));
            EXIT_CONFIG
        }
    }
}
