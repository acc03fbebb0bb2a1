//! Shared by the ingest and footprint benchmarks: the GitLab simulator seeded with the team's
//! project, `steward serve` child processes configured through `STEWARD_*` variables (killed
//! and reaped on drop, so no exit path leaves one behind), readiness polling, memory readings
//! from `/proc` and a temporary directory removed on drop.
// Each benchmark uses a different part of this module.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use steward_sim::{SimConfig, SimHandle, Simulator, TeamSeed, TeamSeedOptions, seed_team_project};

/// The bot's API token in the simulator.
pub const BOT_TOKEN: &str = "glpat-bench-bot";
/// The webhook secret token Steward is configured with.
pub const HOOK_SECRET: &str = "bench-hook-secret";

/// The repository root (rules, templates, request texts).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
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

/// A port nobody listens on right now (bound, read, released): the child is told its port,
/// because with port 0 the bench could not know which one it chose.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
}

/// A child process killed (SIGKILL) and reaped when dropped.
pub struct ChildGuard {
    /// The process.
    pub child: Child,
    /// Its HTTP address.
    pub addr: SocketAddr,
    /// Where its stderr goes (JSON logs for `steward serve`).
    pub log: Option<PathBuf>,
}

impl ChildGuard {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines of its log, for error messages.
    pub fn log_tail(&self) -> String {
        let Some(log) = &self.log else {
            return String::new();
        };
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Kills and reaps it now.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_steward"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
        cmd.env_remove(k);
    }
    cmd.arg("serve");
    if let Some(config) = &env.config {
        cmd.arg("--config").arg(config);
    }
    cmd.env("STEWARD_GITLAB_URL", &env.gitlab_url)
        .env("STEWARD_GITLAB_TOKEN", BOT_TOKEN)
        .env("STEWARD_WEBHOOK_SECRETS", HOOK_SECRET)
        .env("STEWARD_DATABASE_URL", &env.database_url)
        .env("STEWARD_LISTEN", addr.to_string())
        .env("STEWARD_RULES_DIR", root().join("rules"))
        .env("STEWARD_TEMPLATES_DIR", root().join("issue_templates"))
        .env("STEWARD_PROJECTS", env.project.to_string())
        .env("RUST_LOG", env.rust_log)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    if !env.schedules {
        cmd.env("STEWARD_SCHEDULES", "none");
    }
    if let Some(schema) = &env.schema {
        cmd.env("STEWARD_DATABASE_SCHEMA", schema);
    }
    if let Some(n) = env.requests_per_minute {
        cmd.env("STEWARD_GITLAB_REQUESTS_PER_MINUTE", n.to_string());
    }
    if let Some(n) = env.notes_per_minute {
        cmd.env("STEWARD_GITLAB_NOTES_PER_MINUTE", n.to_string());
    }
    match &env.log {
        Some(log) => cmd.stderr(std::fs::File::create(log)?),
        None => cmd.stderr(Stdio::null()),
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
    let url = format!("http://{}/readyz", child.addr);
    loop {
        if let Some(status) = child.child.try_wait()? {
            anyhow::bail!(
                "steward serve exited with {status} before it was ready:\n{}",
                child.log_tail()
            );
        }
        let ok = client
            .get(&url)
            .timeout(Duration::from_millis(500))
            .send()
            .await
            .is_ok_and(|r| r.status() == reqwest::StatusCode::OK);
        if ok {
            return Ok(since.elapsed());
        }
        if since.elapsed() > within {
            anyhow::bail!(
                "steward serve not ready within {within:?}:\n{}",
                child.log_tail()
            );
        }
        tokio::time::sleep(every).await;
    }
}

/// Resident memory of a live process from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the peak resident set since the process started.
    pub hwm_kib: u64,
}

/// Reads `VmRSS` and `VmHWM` of `pid` (exact while the process is alive).
pub fn memory(pid: u32) -> anyhow::Result<Memory> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    Ok(Memory {
        rss_kib: field("VmRSS:").unwrap_or_default(),
        hwm_kib: field("VmHWM:").unwrap_or_default(),
    })
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
