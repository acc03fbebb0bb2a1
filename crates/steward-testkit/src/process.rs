//! `steward serve` as a child process, for the tests and benchmarks that run the real binary:
//! the command configured through `STEWARD_*` variables as an operator would (no settings file
//! unless one is given), a guard that kills and reaps the process on every exit path, readiness
//! polling with short timeouts, free ports, log tails and memory readings from `/proc`.
//!
//! The binary's path is the caller's `env!("CARGO_BIN_EXE_steward")`: Cargo sets it only for
//! the root package's tests and benchmarks, not for this library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The repository root: the shipped rules, templates, request texts and fixtures.
pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A port nobody listens on right now (bound, read, released): the child is told its port,
/// because with `127.0.0.1:0` the caller could not know which one it chose.
pub fn free_port() -> std::io::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    l.local_addr()
}

/// How one `steward serve` starts: what every test and benchmark sets. Callers add their own
/// variables to the [`Command`] that [`ServeCommand::command`] returns (later values win).
#[derive(Debug, Clone)]
pub struct ServeCommand<'a> {
    /// The `steward` binary (`env!("CARGO_BIN_EXE_steward")`, or a release build).
    pub bin: &'a Path,
    /// A program and its arguments that the binary and `serve …` are appended to (e.g.
    /// `setpriv` to drop privileges); empty for none.
    pub wrapper: &'a [String],
    /// `STEWARD_LISTEN`.
    pub listen: SocketAddr,
    /// `STEWARD_GITLAB_URL`.
    pub gitlab_url: &'a str,
    /// `STEWARD_GITLAB_TOKEN`: the bot's token.
    pub token: &'a str,
    /// `STEWARD_WEBHOOK_SECRETS`.
    pub secret: &'a str,
    /// `STEWARD_DATABASE_URL`.
    pub database_url: &'a str,
    /// `STEWARD_DATABASE_SCHEMA` (PostgreSQL), when set.
    pub schema: Option<&'a str>,
    /// `STEWARD_PROJECTS`: the one served project.
    pub project: u64,
    /// `RUST_LOG`.
    pub rust_log: &'a str,
    /// A settings file (`--config`), when set.
    pub config: Option<&'a Path>,
}

impl ServeCommand<'_> {
    /// The command: `STEWARD_*` variables inherited from the caller removed, the shipped rules
    /// and templates, stdin and stdout discarded (stderr is the caller's choice).
    pub fn command(&self) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(self.bin);
                c
            }
            None => Command::new(self.bin),
        };
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
            cmd.env_remove(k);
        }
        cmd.arg("serve");
        if let Some(config) = self.config {
            cmd.arg("--config").arg(config);
        }
        let root = repo_root();
        cmd.env("STEWARD_GITLAB_URL", self.gitlab_url)
            .env("STEWARD_GITLAB_TOKEN", self.token)
            .env("STEWARD_WEBHOOK_SECRETS", self.secret)
            .env("STEWARD_DATABASE_URL", self.database_url)
            .env("STEWARD_LISTEN", self.listen.to_string())
            .env("STEWARD_RULES_DIR", root.join("rules"))
            .env("STEWARD_TEMPLATES_DIR", root.join("issue_templates"))
            .env("STEWARD_PROJECTS", self.project.to_string())
            .env("RUST_LOG", self.rust_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some(schema) = self.schema {
            cmd.env("STEWARD_DATABASE_SCHEMA", schema);
        }
        cmd
    }
}

/// A child process killed (SIGKILL) and reaped when dropped, so a failing assertion or an
/// early return never leaves one behind.
#[derive(Debug)]
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

    /// The last 20 lines of its log, for error messages.
    pub fn log_tail(&self) -> String {
        self.log
            .as_deref()
            .map(|log| log_tail(log, 20))
            .unwrap_or_default()
    }

    /// Kills and reaps it now.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last `lines` lines of the file at `log` (empty when it cannot be read).
pub fn log_tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Why [`wait_ready`] gave up.
#[derive(Debug)]
pub enum NotReady {
    /// The process exited first.
    Exited(ExitStatus),
    /// `GET /readyz` did not answer 200 before the deadline.
    TimedOut,
    /// The process's state could not be read.
    Io(std::io::Error),
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exited(status) => write!(f, "exited with {status} before it was ready"),
            Self::TimedOut => f.write_str("not ready in time"),
            Self::Io(e) => write!(f, "its state could not be read: {e}"),
        }
    }
}

impl std::error::Error for NotReady {}

/// Polls `GET http://{addr}/readyz` (500 ms timeouts) every `every` until it answers 200;
/// gives up once the process has exited or `deadline` has passed.
pub async fn wait_ready(
    child: &mut Child,
    addr: SocketAddr,
    client: &reqwest::Client,
    every: Duration,
    deadline: Instant,
) -> Result<(), NotReady> {
    let url = format!("http://{addr}/readyz");
    loop {
        if let Some(status) = child.try_wait().map_err(NotReady::Io)? {
            return Err(NotReady::Exited(status));
        }
        let ok = client
            .get(&url)
            .timeout(Duration::from_millis(500))
            .send()
            .await
            .is_ok_and(|r| r.status() == reqwest::StatusCode::OK);
        if ok {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(NotReady::TimedOut);
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

/// Reads `VmRSS` and `VmHWM` of `pid` (exact while the process is alive; a missing field
/// reads as 0).
pub fn memory(pid: u32) -> std::io::Result<Memory> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_default()
    };
    Ok(Memory {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    })
}
