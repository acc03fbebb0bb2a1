//! Support for the multi-replica tests: `steward serve` child processes that are killed on
//! every exit path, a round-robin load balancer in front of them, and polling helpers that wait
//! with short timeouts instead of fixed sleeps.
// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use steward_testkit::process::{ServeCommand, log_tail};
use tokio_util::sync::CancellationToken;

/// A port nobody listens on right now (bound, read, released). `listen: 127.0.0.1:0` would not
/// tell the test which port the child chose.
pub fn free_port() -> SocketAddr {
    steward_testkit::process::free_port().unwrap()
}

/// One `steward serve` process.
pub struct Replica {
    /// Short name for messages (`A`, `B`).
    pub name: &'static str,
    /// Its HTTP address.
    pub addr: SocketAddr,
    /// The process.
    pub child: Child,
    /// Where its stderr (JSON logs) goes.
    pub log: PathBuf,
}

impl Replica {
    /// The prefix of its workers' ids (`pid1234-`), as stored in `jobs.lease_owner`.
    pub fn worker_prefix(&self) -> String {
        format!("pid{}-", self.child.id())
    }

    /// The last lines of its log, for failure messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log, 30)
    }
}

/// Every replica of a test; dropping it SIGKILLs and reaps each one that still runs, so a
/// failing assertion never leaves a process behind.
#[derive(Default)]
pub struct Cluster {
    /// The replicas, in start order.
    pub replicas: Vec<Replica>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for r in &mut self.replicas {
            let _ = r.child.kill();
            let _ = r.child.wait();
        }
    }
}

/// Environment of one replica (everything through `STEWARD_*`, no settings file).
pub struct ReplicaEnv {
    /// Simulator base URL.
    pub gitlab_url: String,
    /// Bot token.
    pub token: String,
    /// Webhook secret.
    pub secret: String,
    /// Database URL (PostgreSQL for replicas; SQLite for one process).
    pub database_url: String,
    /// PostgreSQL schema shared by the replicas of one test.
    pub schema: Option<String>,
    /// Served project.
    pub project: u64,
    /// Job lease in seconds.
    pub lease_secs: u64,
    /// Worker tasks per replica.
    pub concurrency: usize,
    /// `RUST_LOG` of the process.
    pub rust_log: &'static str,
    /// A settings file (`--config`) whose schedules the process runs; without one it runs no
    /// schedules (`STEWARD_SCHEDULES=none`).
    pub settings_file: Option<PathBuf>,
}

/// What a test adds to a replica's start: more `STEWARD_*` variables, and a command the
/// process runs under (e.g. `setpriv` to drop privileges).
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Further environment variables (they override the ones from [`ReplicaEnv`]).
    pub env: Vec<(String, String)>,
    /// A program and its arguments that `steward serve …` is appended to.
    pub wrapper: Vec<String>,
}

impl Cluster {
    /// Spawns `steward serve` with `env` on a free port; does not wait for readiness.
    pub fn spawn(&mut self, name: &'static str, env: &ReplicaEnv) -> &mut Replica {
        self.spawn_with(name, env, &Extra::default())
    }

    /// [`Cluster::spawn`] with extra variables or a wrapper command.
    pub fn spawn_with(
        &mut self,
        name: &'static str,
        env: &ReplicaEnv,
        extra: &Extra,
    ) -> &mut Replica {
        let replica = Self::start_process(name, env, free_port(), extra);
        self.replicas.push(replica);
        self.replicas.last_mut().unwrap()
    }

    /// SIGKILLs replica `index` (no shutdown of any kind) and reaps it.
    pub fn kill(&mut self, index: usize) {
        let r = &mut self.replicas[index];
        r.child.kill().unwrap();
        r.child.wait().unwrap();
    }

    /// Starts a new process in place of replica `index`, with the same name, environment and
    /// address (a restarted container keeps its port); does not wait for readiness.
    pub fn restart(&mut self, index: usize, env: &ReplicaEnv) -> &mut Replica {
        let (name, addr) = (self.replicas[index].name, self.replicas[index].addr);
        self.replicas[index] = Self::start_process(name, env, addr, &Extra::default());
        &mut self.replicas[index]
    }

    fn start_process(
        name: &'static str,
        env: &ReplicaEnv,
        addr: SocketAddr,
        extra: &Extra,
    ) -> Replica {
        // One log per process, restarts included.
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let log = std::env::temp_dir().join(format!(
            "steward-replica-{name}-{}-{}-{}.log",
            std::process::id(),
            addr.port(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        let mut cmd = ServeCommand {
            bin: env!("CARGO_BIN_EXE_steward").as_ref(),
            wrapper: &extra.wrapper,
            listen: addr,
            gitlab_url: &env.gitlab_url,
            token: &env.token,
            secret: &env.secret,
            database_url: &env.database_url,
            schema: env.schema.as_deref(),
            project: env.project,
            rust_log: env.rust_log,
            config: env.settings_file.as_deref(),
        }
        .command();
        cmd.env("STEWARD_DATABASE_MAX_CONNECTIONS", "6")
            .env("STEWARD_WORKER_LEASE_SECS", env.lease_secs.to_string())
            .env("STEWARD_WORKER_CONCURRENCY", env.concurrency.to_string())
            // The simulator enforces no budget; keep the client's out of the way too.
            .env("STEWARD_GITLAB_REQUESTS_PER_MINUTE", "1000000")
            .env("STEWARD_GITLAB_NOTES_PER_MINUTE", "1000000")
            .stderr(std::fs::File::create(&log).unwrap());
        // Most tests are about webhooks and leases; the scheduler's start-up sweep would add
        // reads they do not expect (scheduling is tested in schedule_scheduler.rs).
        if env.settings_file.is_none() {
            cmd.env("STEWARD_SCHEDULES", "none");
        }
        for (k, v) in &extra.env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        Replica {
            name,
            addr,
            child,
            log,
        }
    }
}

/// Polls `GET /readyz` (short timeouts) until it answers 200; fails at once if the process
/// exited, with its log.
pub async fn wait_ready(replica: &mut Replica, within: Duration) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + within;
    let every = Duration::from_millis(50);
    let ready = steward_testkit::process::wait_ready(
        &mut replica.child,
        replica.addr,
        &client,
        every,
        deadline,
    )
    .await;
    if let Err(e) = ready {
        panic!(
            "replica {} {e} (within {within:?}):\n{}",
            replica.name,
            replica.log_tail()
        );
    }
}

/// What the balancer saw.
#[derive(Debug, Default)]
pub struct BalancerStats {
    /// Requests received from GitLab.
    pub received: AtomicU64,
    /// Requests answered by each backend.
    pub per_backend: [AtomicU64; 2],
    /// Requests a backend could not take (refused or dropped) that went to the other one.
    pub failovers: AtomicU64,
}

/// A round-robin HTTP load balancer with passive failover, like a typical reverse proxy in
/// front of replicas.
pub struct Balancer {
    /// Where GitLab sends webhooks.
    pub addr: SocketAddr,
    /// Counters.
    pub stats: Arc<BalancerStats>,
    stop: CancellationToken,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

struct Upstreams {
    urls: [String; 2],
    next: AtomicUsize,
    stats: Arc<BalancerStats>,
    client: reqwest::Client,
}

impl Balancer {
    /// Listens on a free port and forwards `POST /webhooks/gitlab` alternately to `a` and `b`.
    pub async fn start(a: SocketAddr, b: SocketAddr) -> Self {
        let stats = Arc::new(BalancerStats::default());
        let upstreams = Arc::new(Upstreams {
            urls: [a, b].map(|addr| format!("http://{addr}/webhooks/gitlab")),
            next: AtomicUsize::new(0),
            stats: stats.clone(),
            client: reqwest::Client::new(),
        });
        let app = axum::Router::new()
            .route("/webhooks/gitlab", axum::routing::post(forward))
            .with_state(upstreams);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let until = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(until.cancelled_owned())
                .await;
        });
        Self { addr, stats, stop }
    }
}

/// Sends the request to the next backend; on a transport error (refused, reset: the replica is
/// down) it tries the other one. Retrying a POST is safe here because the request carries
/// GitLab's `Idempotency-Key`: if the first replica did commit it, the second records a
/// duplicate and does nothing.
async fn forward(State(up): State<Arc<Upstreams>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    up.stats.received.fetch_add(1, Ordering::Relaxed);
    let mut headers = headers;
    headers.remove(header::HOST);
    headers.remove(header::CONTENT_LENGTH);
    let first = up.next.fetch_add(1, Ordering::Relaxed) % 2;
    for i in [first, 1 - first] {
        let sent = up
            .client
            .post(&up.urls[i])
            .headers(headers.clone())
            .body(body.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        match sent {
            Ok(res) => {
                up.stats.per_backend[i].fetch_add(1, Ordering::Relaxed);
                return StatusCode::from_u16(res.status().as_u16())
                    .unwrap_or(StatusCode::BAD_GATEWAY);
            }
            Err(_) => {
                up.stats.failovers.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    StatusCode::BAD_GATEWAY
}

/// `steward_webhook_deliveries_total` by outcome, scraped from a replica's `/metrics`.
pub async fn delivery_outcomes(addr: SocketAddr) -> std::collections::BTreeMap<String, u64> {
    let text = reqwest::Client::new()
        .get(format!("http://{addr}/metrics"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("steward_webhook_deliveries_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.split_once("} ") else {
            continue;
        };
        let outcome = labels
            .split(',')
            .find_map(|l| l.strip_prefix("outcome=\""))
            .map(|o| o.trim_end_matches('"').to_owned())
            .unwrap_or_default();
        let n: f64 = value.trim().parse().unwrap_or(0.0);
        *out.entry(outcome).or_insert(0) += n as u64;
    }
    out
}
