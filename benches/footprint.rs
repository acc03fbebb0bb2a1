//! Memory and start-up of `steward serve` (SQLite), measured on the real process from the
//! outside: time from spawning it to `/readyz` answering 200 (a fresh database file, which
//! includes the migrations, and an existing one), resident memory when idle, and the peak
//! resident memory while it sweeps 10,000 open issues. Memory comes from `/proc/<pid>/status`
//! read while the process is alive (`VmHWM` is the exact peak since it started).
//!
//! Run with `cargo bench --bench footprint`. Scale with `FOOTPRINT_STARTS` (start-ups of each
//! kind, default 10), `FOOTPRINT_IDLE_SECS` (5) and `FOOTPRINT_ISSUES` (10000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/serve.rs"]
mod support;

use std::time::{Duration, Instant};

use steward_sim::NewIssue;
use support::{ServeEnv, TempDir, env_or, loadavg, memory, mib, spawn_serve, wait_ready};

const TEXTS: &[&str] = &[
    include_str!("../tests/data/requests/customer-speaker-request--clean.md"),
    include_str!("../tests/data/requests/customer-press-request--clean.md"),
    include_str!("../tests/data/requests/customer-story-idea--messy.md"),
    include_str!("../tests/data/requests/eab-nomination--director.md"),
    include_str!("../tests/data/requests/customer-speaker-request--late-and-broken.md"),
    include_str!("../tests/data/requests/earnings-customer-reference--clean.md"),
];

/// A daily full sweep at midnight UTC with a day's grace: on a fresh database the latest
/// midnight slot is due, so the sweep starts as soon as the process is up.
const SWEEP_SETTINGS: &str = "schedules:
  - name: bench-full-sweep
    cron: \"0 0 * * *\"
    time_zone: UTC
    job: full_sweep
    grace: 1d
";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let starts: usize = env_or("FOOTPRINT_STARTS", 10_usize).max(1);
    let idle = Duration::from_secs_f64(env_or("FOOTPRINT_IDLE_SECS", 5.0));
    let issues: usize = env_or("FOOTPRINT_ISSUES", 10_000_usize);
    let load_start = loadavg();
    println!("load average at start: {load_start}");

    let (sim, seed) = support::start_sim().await?;
    let tmp = TempDir::new("footprint")?;
    let client = reqwest::Client::new();
    let env = |db: &str, log: Option<&str>| ServeEnv {
        gitlab_url: sim.base_url(),
        database_url: format!("sqlite://{}?mode=rwc", tmp.join(db).display()),
        schema: None,
        project: seed.project.0,
        // The shipped schedules, as an operator runs it.
        schedules: true,
        config: None,
        requests_per_minute: None,
        notes_per_minute: None,
        log: log.map(|l| tmp.join(l)),
        rust_log: "info",
    };

    // Start-up: spawn, then poll /readyz every 2 ms.
    let mut fresh = Vec::new();
    for i in 0..starts {
        let started = Instant::now();
        let mut child = spawn_serve(&env(&format!("fresh-{i}.db"), Some("start.log")))?;
        fresh.push(wait_ready(&mut child, &client, started, ms(2), secs(30)).await?);
        child.stop();
    }
    let mut existing = Vec::new();
    for _ in 0..starts {
        let started = Instant::now();
        let mut child = spawn_serve(&env("fresh-0.db", Some("start.log")))?;
        existing.push(wait_ready(&mut child, &client, started, ms(2), secs(30)).await?);
        child.stop();
    }

    // Idle: ready, then nothing to do for a few seconds (the start-up catch-up sweep of the
    // shipped schedules finds an empty project).
    let started = Instant::now();
    let mut child = spawn_serve(&env("idle.db", Some("idle.log")))?;
    wait_ready(&mut child, &client, started, ms(2), secs(30)).await?;
    tokio::time::sleep(idle).await;
    let idle_mem = memory(child.pid())?;
    child.stop();

    // Sweep: 10,000 open issues no webhook announced, one full sweep. The GitLab budget is
    // lifted (the simulator enforces none), otherwise the sweep's 18,000 writes and 8,000 notes
    // would take hours at GitLab.com's rates and the process would mostly wait.
    let requester = seed
        .user("asales")
        .ok_or_else(|| anyhow::anyhow!("seeded user asales"))?;
    for i in 0..issues {
        sim.create_issue(
            seed.project,
            requester,
            NewIssue {
                title: format!("Request {i}"),
                description: TEXTS[i % TEXTS.len()].to_owned(),
                ..NewIssue::default()
            },
        )?;
    }
    let config = tmp.join("sweep.yaml");
    std::fs::write(&config, SWEEP_SETTINGS)?;
    let mut sweep_env = env("sweep.db", Some("sweep.log"));
    sweep_env.config = Some(config);
    sweep_env.requests_per_minute = Some(1_000_000);
    sweep_env.notes_per_minute = Some(1_000_000);
    sim.reset_counters();
    let started = Instant::now();
    let mut child = spawn_serve(&sweep_env)?;
    wait_ready(&mut child, &client, started, ms(2), secs(30)).await?;
    let before_sweep = memory(child.pid())?;
    let metrics_url = format!("http://{}/metrics", child.addr);
    let deadline = Instant::now() + secs(env_or("FOOTPRINT_SWEEP_TIMEOUT_SECS", 900));
    let mut max_rss = 0;
    let (sweep_time, jobs, dead) = loop {
        if let Some(status) = child.child.try_wait()? {
            anyhow::bail!(
                "steward serve exited with {status} during the sweep:\n{}",
                child.log_tail()
            );
        }
        max_rss = max_rss.max(memory(child.pid())?.rss_kib);
        let text = match client.get(&metrics_url).timeout(secs(10)).send().await {
            Ok(res) => res.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let swept = metric(&text, "steward_job_duration_seconds_count", "full_sweep");
        let queued = metric(&text, "steward_queue_jobs", "\"pending\"")
            + metric(&text, "steward_queue_jobs", "\"running\"");
        if swept >= 1.0 && queued == 0.0 {
            break (
                started.elapsed(),
                metric(&text, "steward_job_duration_seconds_count", "issue.sync"),
                metric(&text, "steward_queue_jobs", "\"dead\""),
            );
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "the sweep did not finish in time (full sweeps done: {swept}, jobs queued: \
                 {queued}):\n{}",
                child.log_tail()
            );
        }
        tokio::time::sleep(ms(250)).await;
    };
    let after_sweep = memory(child.pid())?;
    child.stop();
    let counters = sim.counters();

    let stats = |v: &mut Vec<Duration>| {
        v.sort();
        (v[v.len() / 2], v[v.len() - 1], v[0])
    };
    let (f_med, f_max, f_min) = stats(&mut fresh);
    let (e_med, e_max, e_min) = stats(&mut existing);
    println!();
    println!("`steward serve` on SQLite (shipped rules; release build)");
    println!();
    println!("| measurement | figure |");
    println!("|---|---:|");
    println!(
        "| start to `/readyz` 200, fresh database file (migrations), {starts} runs | median {}, max {} (min {}) |",
        fmt_ms(f_med),
        fmt_ms(f_max),
        fmt_ms(f_min)
    );
    println!(
        "| start to `/readyz` 200, existing database file, {starts} runs | median {}, max {} (min {}) |",
        fmt_ms(e_med),
        fmt_ms(e_max),
        fmt_ms(e_min)
    );
    println!(
        "| idle, {} s after ready: resident now / peak | {} / {} |",
        idle.as_secs_f64(),
        mib(idle_mem.rss_kib),
        mib(idle_mem.hwm_kib)
    );
    println!(
        "| sweep of {issues} open issues: peak resident (VmHWM) | {} |",
        mib(after_sweep.hwm_kib)
    );
    println!(
        "| sweep: resident before it / highest sampled / after it | {} / {} / {} |",
        mib(before_sweep.rss_kib),
        mib(max_rss),
        mib(after_sweep.rss_kib)
    );
    println!();
    println!(
        "sweep wall time {:.1} s from spawn until the queue was empty; {jobs} issue.sync jobs, \
         {dead} dead-lettered; GitLab calls of that process: {} reads, {} writes, {} list calls",
        sweep_time.as_secs_f64(),
        counters.reads,
        counters.writes,
        counters.list_calls
    );
    println!();
    println!("load average at start: {load_start}; at end: {}", loadavg());
    Ok(())
}

/// The sum of a metric's samples whose labels contain `label` (Prometheus text format).
fn metric(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter_map(|l| l.strip_prefix(name))
        .filter(|rest| rest.starts_with('{') && rest.contains(label))
        .filter_map(|rest| rest.rsplit_once(' '))
        .filter_map(|(_, v)| v.trim().parse::<f64>().ok())
        .sum()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn fmt_ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
