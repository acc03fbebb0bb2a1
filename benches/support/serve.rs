//! Shared by the ingest and footprint benchmarks: the GitLab simulator seeded with the team's
//! project, `steward serve` child processes configured through `STEWARD_*` variables (killed
//! and reaped on drop, so no exit path leaves one behind), readiness polling, memory readings
//! from `/proc` and a temporary directory removed on drop.
// Each benchmark uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use steward_sim::{SimConfig, SimHandle, Simulator, TeamSeed, TeamSeedOptions, seed_team_project};
pub use steward_testkit::process::{ChildGuard, Memory};
use steward_testkit::process::{ServeCommand, repo_root};

/// The bot's API token in the simulator.
pub const BOT_TOKEN: &str = "glpat-bench-bot";
/// The webhook secret token Steward is configured with.
pub const HOOK_SECRET: &str = "bench-hook-secret";

/// The repository root (rules, templates, request texts).
pub fn root() -> &'static Path {
    repo_root()
}

/// The simulator with the team's project, people and every label the shipped rules use.
pub async fn start_sim() -> anyhow::Result<(SimHandle, TeamSeed)> {
    let sim = Simulator::start(SimConfig::default()).await?;
    let seed = seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: BOT_TOKEN.to_owned(),
            hook: None,
        },
    )?;
    let engine =
        steward_core::rules::Engine::load(&root().join("rules"), &root().join("issue_templates"))
            .map_err(|e| anyhow::anyhow!("shipped rules do not load: {e:?}"))?;
    for label in engine.labels_used() {
        sim.add_label(seed.project, label.as_str(), "#428bca");
    }
    Ok((sim, seed))
}

/// A directory under the system temp dir, removed with its content on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Creates `steward-bench-<name>-<pid>-<nanos>`.
    pub fn new(name: &str) -> anyhow::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "steward-bench-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port nobody listens on right now (bound, read, released).
pub fn free_port() -> anyhow::Result<std::net::SocketAddr> {
    Ok(steward_testkit::process::free_port()?)
}

/// How one `steward serve` is configured (all through `STEWARD_*`, as an operator would).
pub struct ServeEnv {
    /// Simulator base URL.
    pub gitlab_url: String,
    /// `sqlite://…?mode=rwc` or `postgres://…`.
    pub database_url: String,
    /// PostgreSQL schema.
    pub schema: Option<String>,
    /// Served project.
    pub project: u64,
    /// `STEWARD_SCHEDULES=none` when false; a settings file may supply schedules instead.
    pub schedules: bool,
    /// A settings file (`--config`).
    pub config: Option<PathBuf>,
    /// GitLab request budget per minute (`None`: Steward's default of 1,800).
    pub requests_per_minute: Option<u32>,
    /// GitLab note budget per minute (`None`: Steward's default of 50).
    pub notes_per_minute: Option<u32>,
    /// Where stderr goes; `None` discards it.
    pub log: Option<PathBuf>,
    /// `RUST_LOG` of the process.
    pub rust_log: &'static str,
}

/// Spawns `steward serve` on a free port; does not wait for readiness.
pub fn spawn_serve(env: &ServeEnv) -> anyhow::Result<ChildGuard> {
    let addr = free_port()?;
    let mut cmd = ServeCommand {
        bin: env!("CARGO_BIN_EXE_steward").as_ref(),
        wrapper: &[],
        listen: addr,
        gitlab_url: &env.gitlab_url,
        token: BOT_TOKEN,
        secret: HOOK_SECRET,
        database_url: &env.database_url,
        schema: env.schema.as_deref(),
        project: env.project,
        rust_log: env.rust_log,
        config: env.config.as_deref(),
    }
    .command();
    if !env.schedules {
        cmd.env("STEWARD_SCHEDULES", "none");
    }
    if let Some(n) = env.requests_per_minute {
        cmd.env("STEWARD_GITLAB_REQUESTS_PER_MINUTE", n.to_string());
    }
    if let Some(n) = env.notes_per_minute {
        cmd.env("STEWARD_GITLAB_NOTES_PER_MINUTE", n.to_string());
    }
    match &env.log {
        Some(log) => cmd.stderr(std::fs::File::create(log)?),
        None => cmd.stderr(std::process::Stdio::null()),
    };
    let child = cmd.spawn()?;
    Ok(ChildGuard {
        child,
        addr,
        log: env.log.clone(),
    })
}

/// Polls `GET /readyz` every `every` until it answers 200; returns the time from `since`.
/// Fails at once if the process exited.
pub async fn wait_ready(
    child: &mut ChildGuard,
    client: &reqwest::Client,
    since: Instant,
    every: Duration,
    within: Duration,
) -> anyhow::Result<Duration> {
    let (addr, deadline) = (child.addr, since + within);
    match steward_testkit::process::wait_ready(&mut child.child, addr, client, every, deadline)
        .await
    {
        Ok(()) => Ok(since.elapsed()),
        Err(e) => anyhow::bail!(
            "steward serve {e} (within {within:?}):\n{}",
            child.log_tail()
        ),
    }
}

/// Reads `VmRSS` and `VmHWM` of `pid` (exact while the process is alive).
pub fn memory(pid: u32) -> anyhow::Result<Memory> {
    Ok(steward_testkit::process::memory(pid)?)
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// The machine's load averages (`/proc/loadavg`, first three fields).
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Reads a numeric environment variable, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}
