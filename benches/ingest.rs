//! Ingest benchmark: `POST /webhooks/gitlab` over loopback with realistic Issue Hook bodies
//! (about 4 KB) and a unique `Idempotency-Key` per delivery, against (a) `steward serve` on
//! SQLite, (b) `steward serve` on PostgreSQL and (c) a bare axum handler that reads the body and
//! answers 200, all three separate processes started by this run. Prints accepted deliveries/s,
//! p50/p99 acknowledgement latency and the ratio to the bare handler at fixed concurrency
//! (closed loop), then an open-loop run at a fixed rate on SQLite whose latency is measured from
//! each delivery's scheduled send time (no coordinated omission).
//!
//! Run with `cargo bench --bench ingest`. Scale with `INGEST_SECS` (measured seconds per run,
//! default 10), `INGEST_WARMUP_SECS` (3), `INGEST_CONCURRENCY` (`16,64`), `INGEST_RATE` (500),
//! `INGEST_OPEN_SECS` (20), `INGEST_ISSUES` (300) and `STEWARD_BENCH_DATABASE_URL`
//! (`postgres://postgres@127.0.0.1:5432/test`; unreachable: the PostgreSQL rows are skipped);
//! `INGEST_TARGETS` (`bare,sqlite,postgres`) runs a subset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/serve.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use steward::model::IssueIid;
use steward::sim::{NewIssue, SimHandle, TeamSeed};
use support::{ChildGuard, ServeEnv, TempDir, env_or, loadavg, memory, mib, spawn_serve};

/// Set in the environment of the re-executed bench binary: run only the bare handler.
const BARE_MODE: &str = "STEWARD_BENCH_BARE_HANDLER";

const FIXTURE: &str = include_str!("../tests/fixtures/gitlab/issue-hook-open.json");
const REQUESTS: &[&str] = &[
    include_str!("../tests/data/requests/customer-speaker-request--clean.md"),
    include_str!("../tests/data/requests/customer-press-request--clean.md"),
    include_str!("../tests/data/requests/customer-story-idea--clean.md"),
    include_str!("../tests/data/requests/customer-reference-approval--clean.md"),
    include_str!("../tests/data/requests/analyst-participation-request--clean.md"),
    include_str!("../tests/data/requests/eab-nomination--clean.md"),
    include_str!("../tests/data/requests/earnings-customer-reference--clean.md"),
    include_str!("../tests/data/requests/reference-contest-entry--clean.md"),
    include_str!("../tests/data/requests/customer-speaker-request--messy.md"),
    include_str!("../tests/data/requests/customer-story-idea--messy.md"),
];

fn main() -> anyhow::Result<()> {
    if std::env::var_os(BARE_MODE).is_some() {
        return bare_handler();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(bench())
}

/// The reference: an axum server that reads the body and answers 200, nothing else. Prints its
/// port on stdout, then serves until killed. Same runtime shape as `steward serve` (Tokio
/// multi-thread, one worker per core).
fn bare_handler() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let mut out = std::io::stdout();
        writeln!(out, "{port}")?;
        out.flush()?;
        let app = axum::Router::new().route(
            "/webhooks/gitlab",
            axum::routing::post(|body: Bytes| async move {
                std::hint::black_box(body.len());
                axum::http::StatusCode::OK
            }),
        );
        axum::serve(listener, app).await?;
        Ok(())
    })
}

/// Pre-built bodies (one per issue) and the delivery counter for unique keys.
struct Deliveries {
    bodies: Vec<Bytes>,
    instance: String,
    nonce: u64,
    next: AtomicU64,
}

impl Deliveries {
    /// A UUID-shaped id unique to this run and delivery number.
    fn uuid(&self, n: u64, salt: u64) -> String {
        let a = splitmix(self.nonce ^ n.wrapping_mul(0x9e37_79b9) ^ salt);
        let b = splitmix(a ^ n);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// The next delivery: the request GitLab would send for an edit of one of the issues.
    fn request(&self, client: &reqwest::Client, url: &str) -> reqwest::RequestBuilder {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let key = self.uuid(n, 1);
        let body =
            self.bodies[(splitmix(n ^ self.nonce) % self.bodies.len() as u64) as usize].clone();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        client
            .post(url)
            .header("Content-Type", "application/json")
            .header("User-Agent", "GitLab/18.6.0")
            .header("X-Gitlab-Event", "Issue Hook")
            .header("X-Gitlab-Token", support::HOOK_SECRET)
            .header("X-Gitlab-Instance", &self.instance)
            .header("X-Gitlab-Webhook-UUID", self.uuid(n, 2))
            .header("X-Gitlab-Event-UUID", self.uuid(n, 3))
            .header("Idempotency-Key", &key)
            .header("webhook-id", &key)
            .header("webhook-timestamp", now.to_string())
            .body(body)
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Files `n` requests in the simulator as a requester and returns the Issue Hook body GitLab
/// sends when each is edited (the fixture's shape, with the issue's real fields).
fn file_issues(sim: &SimHandle, seed: &TeamSeed, n: usize) -> anyhow::Result<Vec<Bytes>> {
    let requester = seed.user("asales").context("seeded user asales")?;
    let template: serde_json::Value = serde_json::from_str(FIXTURE)?;
    let base = sim.base_url();
    let mut bodies = Vec::with_capacity(n);
    for i in 0..n {
        let iid = sim.create_issue(
            seed.project,
            requester,
            NewIssue {
                title: format!("Customer request #{i}"),
                description: REQUESTS[i % REQUESTS.len()].to_owned(),
                // The team's intake label, chosen in the form.
                labels: vec!["Customer Advocacy".to_owned()],
                ..NewIssue::default()
            },
        )?;
        let issue = sim
            .issue(seed.project, iid)
            .context("the simulator lost an issue")?;
        bodies.push(Bytes::from(hook_body(
            &template,
            &base,
            seed,
            requester.0,
            &issue,
            iid,
        )?));
    }
    Ok(bodies)
}

fn hook_body(
    template: &serde_json::Value,
    base: &str,
    seed: &TeamSeed,
    requester: u64,
    issue: &steward::sim::SimIssue,
    iid: IssueIid,
) -> anyhow::Result<Vec<u8>> {
    use serde_json::json;
    let gitlab_time =
        |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let project_url = format!("{base}/{}", steward::sim::TEAM_PROJECT);
    let mut v = template.clone();
    v["user"] = json!({
        "id": requester,
        "name": "Avery Sales",
        "username": "asales",
        "avatar_url": "https://secure.gravatar.com/avatar/8f2a1c0b7e4d?s=80&d=identicon",
        "email": "[REDACTED]"
    });
    let p = &mut v["project"];
    p["id"] = json!(seed.project.0);
    p["name"] = json!("requests");
    p["description"] = json!("Intake for customer advocacy requests");
    p["web_url"] = json!(project_url);
    p["namespace"] = json!("customer-advocacy");
    p["path_with_namespace"] = json!(steward::sim::TEAM_PROJECT);
    p["homepage"] = json!(project_url);
    for k in ["git_ssh_url", "ssh_url"] {
        p[k] = json!(format!(
            "git@example.com:{}.git",
            steward::sim::TEAM_PROJECT
        ));
    }
    for k in ["git_http_url", "url", "http_url"] {
        p[k] = json!(format!("{project_url}.git"));
    }
    let a = &mut v["object_attributes"];
    a["id"] = json!(issue.id.0);
    a["iid"] = json!(iid.0);
    a["project_id"] = json!(seed.project.0);
    a["title"] = json!(issue.title);
    a["description"] = json!(issue.description);
    a["author_id"] = json!(requester);
    a["updated_by_id"] = json!(requester);
    a["assignee_ids"] = json!([]);
    a["assignee_id"] = json!(null);
    a["created_at"] = json!(gitlab_time(issue.created_at));
    a["updated_at"] = json!(gitlab_time(issue.updated_at));
    a["url"] = json!(format!("{project_url}/-/issues/{}", iid.0));
    a["action"] = json!("update");
    let labels: Vec<serde_json::Value> = issue
        .labels
        .iter()
        .enumerate()
        .map(|(n, l)| {
            json!({
                "id": 1000 + n,
                "title": l.as_str(),
                "color": "#6699cc",
                "project_id": seed.project.0,
                "created_at": gitlab_time(issue.created_at),
                "updated_at": gitlab_time(issue.created_at),
                "template": false,
                "description": null,
                "type": "ProjectLabel",
                "group_id": null
            })
        })
        .collect();
    a["labels"] = json!(labels);
    v["repository"]["name"] = json!("requests");
    v["repository"]["url"] = json!(format!("{project_url}.git"));
    v["repository"]["homepage"] = json!(project_url);
    v["assignees"] = json!([]);
    if let Some(o) = v.as_object_mut() {
        o.remove("assignee");
    }
    v["labels"] = json!(labels);
    v["changes"] = json!({
        "title": {"previous": format!("{} (draft)", issue.title), "current": issue.title},
        "updated_by_id": {"previous": null, "current": requester},
        "updated_at": {
            "previous": gitlab_time(issue.created_at),
            "current": gitlab_time(issue.updated_at)
        }
    });
    Ok(serde_json::to_vec(&v)?)
}

/// What one measured run saw.
#[derive(Default)]
struct Outcome {
    /// 2xx answers to deliveries sent in the measured window.
    accepted: u64,
    /// Other statuses, by status.
    rejected: BTreeMap<u16, u64>,
    /// Transport errors (refused, reset, timeout).
    errors: u64,
    /// Acknowledgement latencies of the accepted deliveries, microseconds.
    latencies: Vec<u32>,
    /// Length of the measured window.
    window: Duration,
}

impl Outcome {
    fn add(&mut self, result: Result<u16, ()>, latency: Duration) {
        match result {
            Ok(s) if (200..300).contains(&s) => {
                self.accepted += 1;
                self.latencies
                    .push(latency.as_micros().min(u128::from(u32::MAX)) as u32);
            }
            Ok(s) => *self.rejected.entry(s).or_insert(0) += 1,
            Err(()) => self.errors += 1,
        }
    }

    fn merge(&mut self, other: Outcome) {
        self.accepted += other.accepted;
        for (k, v) in other.rejected {
            *self.rejected.entry(k).or_insert(0) += v;
        }
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
    }

    fn per_sec(&self) -> f64 {
        self.accepted as f64 / self.window.as_secs_f64()
    }

    fn percentile(&mut self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies.sort_unstable();
        let rank =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        Duration::from_micros(u64::from(self.latencies[rank - 1]))
    }

    fn failures(&self) -> String {
        let mut parts: Vec<String> = self
            .rejected
            .iter()
            .map(|(s, n)| format!("{n}×{s}"))
            .collect();
        if self.errors > 0 {
            parts.push(format!("{}×transport error", self.errors));
        }
        if parts.is_empty() {
            "0".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

async fn send(req: reqwest::RequestBuilder) -> Result<u16, ()> {
    match req.timeout(Duration::from_secs(15)).send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            // Read the (empty) body so the connection goes back to the pool.
            let _ = res.bytes().await;
            Ok(status)
        }
        Err(_) => Err(()),
    }
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .build()?)
}

/// `concurrency` senders, each sending its next delivery as soon as the previous one is
/// answered; latencies of deliveries sent after the warm-up are kept.
async fn closed_loop(
    url: &str,
    deliveries: &Arc<Deliveries>,
    concurrency: usize,
    warmup: Duration,
    measure: Duration,
) -> anyhow::Result<Outcome> {
    let client = client()?;
    let start = Instant::now();
    let measure_from = start + warmup;
    let until = measure_from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_owned();
        let deliveries = deliveries.clone();
        tasks.spawn(async move {
            let mut out = Outcome::default();
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let result = send(deliveries.request(&client, &url)).await;
                if sent >= measure_from {
                    out.add(result, sent.elapsed());
                }
            }
            out
        });
    }
    let mut total = Outcome {
        window: measure,
        ..Outcome::default()
    };
    while let Some(done) = tasks.join_next().await {
        total.merge(done?);
    }
    Ok(total)
}

/// Deliveries sent on a fixed schedule (`rate` per second) whatever the answers; each latency
/// runs from the delivery's scheduled send time, so a stall counts against every delivery that
/// should have gone out during it.
async fn open_loop(
    url: &str,
    deliveries: &Arc<Deliveries>,
    rate: f64,
    warmup: Duration,
    measure: Duration,
) -> anyhow::Result<(Outcome, Duration)> {
    let client = client()?;
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now() + Duration::from_millis(10);
    let measure_from = start + warmup;
    let until = measure_from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    let mut worst_lag = Duration::ZERO;
    let mut out = Outcome {
        window: measure,
        ..Outcome::default()
    };
    let mut collect = |done: (bool, Result<u16, ()>, Duration)| {
        let (measured, result, latency) = done;
        if measured {
            out.add(result, latency);
        }
    };
    for i in 0u32.. {
        let at = start + period * i;
        if at >= until {
            break;
        }
        tokio::time::sleep_until(at).await;
        worst_lag = worst_lag.max(tokio::time::Instant::now() - at);
        let req = deliveries.request(&client, url);
        let measured = at >= measure_from;
        tasks.spawn(async move {
            let result = send(req).await;
            (measured, result, tokio::time::Instant::now() - at)
        });
        // Collect the answered ones as we go so the set stays small.
        while let Some(done) = tasks.try_join_next() {
            collect(done?);
        }
    }
    while let Some(done) = tasks.join_next().await {
        collect(done?);
    }
    Ok((out, worst_lag))
}

/// Starts this binary again as the bare handler and reads the port it prints.
fn spawn_bare() -> anyhow::Result<ChildGuard> {
    let mut child = Command::new(std::env::current_exe()?)
        .env(BARE_MODE, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child.stdout.take();
    // Guard first, so the child is killed even if its port cannot be read.
    let mut guard = ChildGuard {
        child,
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        log: None,
    };
    let mut line = String::new();
    std::io::BufReader::new(stdout.context("bare handler stdout")?).read_line(&mut line)?;
    let port: u16 = line
        .trim()
        .parse()
        .with_context(|| format!("bare handler printed `{}`", line.trim()))?;
    guard.addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    Ok(guard)
}

/// One line of the table.
struct Row {
    target: &'static str,
    load: String,
    out: Outcome,
}

/// The measured runs of one target against `url`: one closed-loop run per concurrency.
async fn closed_runs(
    target: &'static str,
    url: &str,
    deliveries: &Arc<Deliveries>,
    plan: &Plan,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    for &c in &plan.concurrency {
        let out = closed_loop(url, deliveries, c, plan.warmup, plan.measure).await?;
        eprintln!("  {target}, {c} in flight: {:.0} accepted/s", out.per_sec());
        rows.push(Row {
            target,
            load: format!("closed loop, {c} in flight"),
            out,
        });
    }
    Ok(())
}

struct Plan {
    warmup: Duration,
    measure: Duration,
    concurrency: Vec<usize>,
    rate: f64,
    open_measure: Duration,
}

/// Delivery outcomes counted by Steward itself (`steward_webhook_deliveries_total`).
async fn steward_outcomes(addr: std::net::SocketAddr) -> String {
    let Ok(res) = reqwest::Client::new()
        .get(format!("http://{addr}/metrics"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
    else {
        return "metrics unavailable".to_owned();
    };
    let text = res.text().await.unwrap_or_default();
    let mut parts = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("steward_webhook_deliveries_total{") else {
            continue;
        };
        if let Some((labels, value)) = rest.split_once("} ") {
            parts.push(format!("{} {}", labels.trim(), value.trim()));
        }
    }
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("steward_queue_jobs{") {
            parts.push(format!("queue {}", rest.replace("} ", " ")));
        }
    }
    parts.join("; ")
}

/// Steward (SQLite or PostgreSQL) as a child process: wait until ready, run the closed loops
/// (and the open loop when `open` is set), report its peak memory. The process is killed on
/// return, whatever happened.
#[allow(clippy::too_many_arguments)]
async fn steward_runs(
    target: &'static str,
    env: &ServeEnv,
    deliveries: &Arc<Deliveries>,
    plan: &Plan,
    open: bool,
    rows: &mut Vec<Row>,
    open_rows: &mut Vec<(Row, Duration)>,
    memories: &mut Vec<(&'static str, support::Memory)>,
) -> anyhow::Result<()> {
    let mut child = spawn_serve(env)?;
    support::wait_ready(
        &mut child,
        &reqwest::Client::new(),
        Instant::now(),
        Duration::from_millis(20),
        Duration::from_secs(60),
    )
    .await?;
    let url = format!("http://{}/webhooks/gitlab", child.addr);
    closed_runs(target, &url, deliveries, plan, rows).await?;
    if open {
        let (out, lag) =
            open_loop(&url, deliveries, plan.rate, plan.warmup, plan.open_measure).await?;
        eprintln!(
            "  {target}, open loop at {}/s: {:.0} accepted/s",
            plan.rate,
            out.per_sec()
        );
        open_rows.push((
            Row {
                target,
                load: format!("open loop, {}/s", plan.rate),
                out,
            },
            lag,
        ));
    }
    memories.push((target, memory(child.pid())?));
    eprintln!("  {target}: {}", steward_outcomes(child.addr).await);
    if let Some(status) = child.child.try_wait()? {
        anyhow::bail!(
            "{target} exited with {status} during the run:\n{}",
            child.log_tail()
        );
    }
    child.stop();
    Ok(())
}

async fn bench() -> anyhow::Result<()> {
    let plan = Plan {
        warmup: Duration::from_secs_f64(env_or("INGEST_WARMUP_SECS", 3.0)),
        measure: Duration::from_secs_f64(env_or("INGEST_SECS", 10.0)),
        concurrency: std::env::var("INGEST_CONCURRENCY")
            .unwrap_or_else(|_| "16,64".to_owned())
            .split(',')
            .filter_map(|c| c.trim().parse().ok())
            .filter(|&c| c > 0)
            .collect(),
        rate: env_or("INGEST_RATE", 500.0_f64).max(1.0),
        open_measure: Duration::from_secs_f64(env_or("INGEST_OPEN_SECS", 20.0)),
    };
    let issues: usize = env_or("INGEST_ISSUES", 300_usize).max(1);
    let pg_url = std::env::var("STEWARD_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let targets =
        std::env::var("INGEST_TARGETS").unwrap_or_else(|_| "bare,sqlite,postgres".to_owned());
    let wanted = |t: &str| targets.split(',').any(|x| x.trim() == t);
    let load_start = loadavg();
    println!("load average at start: {load_start}");

    let (sim, seed) = support::start_sim().await?;
    let bodies = file_issues(&sim, &seed, issues)?;
    let mean = bodies.iter().map(Bytes::len).sum::<usize>() / bodies.len();
    let (min, max) = (
        bodies.iter().map(Bytes::len).min().unwrap_or(0),
        bodies.iter().map(Bytes::len).max().unwrap_or(0),
    );
    println!(
        "{issues} issues filed in the simulator; Issue Hook bodies {min}–{max} bytes (mean {mean})"
    );
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
        ^ u64::from(std::process::id());
    let deliveries = Arc::new(Deliveries {
        bodies,
        instance: sim.base_url(),
        nonce,
        next: AtomicU64::new(0),
    });
    let tmp = TempDir::new("ingest")?;
    let mut rows = Vec::new();
    let mut open_rows = Vec::new();
    let mut memories = Vec::new();

    // (c) the reference.
    if wanted("bare") {
        eprintln!("bare axum handler…");
        let bare = spawn_bare()?;
        let url = format!("http://{}/webhooks/gitlab", bare.addr);
        closed_runs("bare axum", &url, &deliveries, &plan, &mut rows).await?;
        memories.push(("bare axum", memory(bare.pid())?));
        bare.stop();
    }

    let serve_env = |database_url: String, schema: Option<String>, log: &str| ServeEnv {
        gitlab_url: sim.base_url(),
        database_url,
        schema,
        project: seed.project.0,
        schedules: false,
        config: None,
        requests_per_minute: None,
        notes_per_minute: None,
        log: Some(tmp.join(log)),
        rust_log: "info",
    };

    // (a) SQLite, with the open-loop run.
    if wanted("sqlite") {
        eprintln!("steward serve, SQLite…");
        let sqlite = serve_env(
            format!("sqlite://{}?mode=rwc", tmp.join("steward.db").display()),
            None,
            "sqlite.log",
        );
        steward_runs(
            "Steward, SQLite",
            &sqlite,
            &deliveries,
            &plan,
            true,
            &mut rows,
            &mut open_rows,
            &mut memories,
        )
        .await?;
    }

    // (b) PostgreSQL in a schema of its own, dropped afterwards whatever happened.
    let mut pg_note = None;
    match pg_reachable(&pg_url).await {
        _ if !wanted("postgres") => {}
        Err(e) => {
            pg_note = Some(format!(
                "PostgreSQL at {} is unreachable ({e}); the PostgreSQL rows are skipped",
                redact(&pg_url)
            ));
        }
        Ok(()) => {
            eprintln!("steward serve, PostgreSQL…");
            let schema = format!("steward_bench_{}_{}", std::process::id(), nonce % 1_000_000);
            let pg = serve_env(pg_url.clone(), Some(schema.clone()), "postgres.log");
            let ran = steward_runs(
                "Steward, PostgreSQL",
                &pg,
                &deliveries,
                &plan,
                false,
                &mut rows,
                &mut open_rows,
                &mut memories,
            )
            .await;
            if let Err(e) = drop_schema(&pg_url, &schema).await {
                eprintln!("could not drop schema {schema}: {e}");
            }
            ran?;
        }
    }

    // The table.
    let bare_rate: BTreeMap<String, f64> = rows
        .iter()
        .filter(|r| r.target == "bare axum")
        .map(|r| (r.load.clone(), r.out.per_sec()))
        .collect();
    println!();
    println!(
        "Ingest: {} s measured after {} s warm-up per run; loopback; Steward with the shipped \
         rules, 4 workers, default GitLab budget",
        plan.measure.as_secs_f64(),
        plan.warmup.as_secs_f64()
    );
    println!();
    println!(
        "| target | load | accepted deliveries | accepted/s | p50 | p99 | not accepted | ratio to bare |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for r in &mut rows {
        let ratio = bare_rate
            .get(&r.load)
            .filter(|b| **b > 0.0)
            .map(|b| format!("{:.0}%", 100.0 * r.out.per_sec() / b))
            .unwrap_or_else(|| "—".to_owned());
        let (p50, p99) = (r.out.percentile(0.50), r.out.percentile(0.99));
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {ratio} |",
            r.target,
            r.load,
            r.out.accepted,
            r.out.per_sec(),
            ms(p50),
            ms(p99),
            r.out.failures()
        );
    }
    for (r, lag) in &mut open_rows {
        let (p50, p99, p999) = (
            r.out.percentile(0.50),
            r.out.percentile(0.99),
            r.out.percentile(0.999),
        );
        let max = r.out.percentile(1.0);
        println!();
        println!(
            "Open loop, {}: {} deliveries scheduled at {}/s over {} s; accepted {} ({:.0}/s), \
             not accepted {}; latency from scheduled send time p50 {} p99 {} p99.9 {} max {}; \
             sender's worst lag behind schedule {}",
            r.target,
            r.out.accepted + r.out.rejected.values().sum::<u64>() + r.out.errors,
            plan.rate,
            plan.open_measure.as_secs_f64(),
            r.out.accepted,
            r.out.per_sec(),
            r.out.failures(),
            ms(p50),
            ms(p99),
            ms(p999),
            ms(max),
            ms(*lag)
        );
    }
    println!();
    for (target, m) in &memories {
        println!(
            "peak RSS after its runs, {target}: {} (now {})",
            mib(m.hwm_kib),
            mib(m.rss_kib)
        );
    }
    if let Some(note) = pg_note {
        println!("{note}");
    }
    println!();
    println!("load average at start: {load_start}; at end: {}", loadavg());
    drop(sim);
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn pg_reachable(url: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let conn = tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(url))
        .await
        .context("no answer within 5 s")??;
    conn.close().await?;
    Ok(())
}

async fn drop_schema(url: &str, schema: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await?;
    Ok(())
}
