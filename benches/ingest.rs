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

#[path = "support/hooks.rs"]
mod hooks;
#[path = "support/load.rs"]
mod load;
#[path = "support/serve.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use hooks::{Deliveries, file_issues};
use load::{Outcome, closed_loop, open_loop};
use support::{ChildGuard, ServeEnv, TempDir, env_or, loadavg, memory, mib, spawn_serve};

/// Set in the environment of the re-executed bench binary: run only the bare handler.
const BARE_MODE: &str = "STEWARD_BENCH_BARE_HANDLER";

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
