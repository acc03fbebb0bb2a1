//! `steward serve` (SQLite) under hostile and heavy clients, measured on the real process from
//! the outside over loopback: peak resident memory (`VmHWM` from `/proc/<pid>/status`) under
//! 64 concurrent 25 MiB uploads without valid credentials (a wrong token, then a forged
//! signature), peak and settled memory for one authenticated 24 MiB label-heavy delivery, how
//! long a client sending its headers a byte at a time stays connected, and how long an
//! authenticated delivery takes while 600 connections dribble their bodies. Each scenario gets
//! a fresh process, so each peak is its own.
//!
//! Run with `cargo bench --bench hostile`. `HOSTILE_BIN=path/to/steward` measures another
//! build of Steward (e.g. an older one) with the same clients.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use steward_testkit::hostile;
#[path = "support/serve.rs"]
mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hostile::{SlowBody, label_heavy_body, memory, mib};
use support::{BOT_TOKEN, ChildGuard, HOOK_SECRET, TempDir, free_port, loadavg, root, wait_ready};

const SIGNING_TOKEN: &str = "whsec_Z2l0bGFiLWZpeHR1cmUtc2lnbmluZy1rZXktMzJieXQ=";
const MIB: usize = 1024 * 1024;

struct Bench {
    binary: PathBuf,
    sim_url: String,
    project: u64,
    tmp: TempDir,
    client: reqwest::Client,
    runs: usize,
}

impl Bench {
    /// A fresh `steward serve` on a fresh database, ready.
    async fn serve(&mut self, name: &str) -> anyhow::Result<ChildGuard> {
        self.runs += 1;
        let addr = free_port()?;
        let db = self.tmp.join(&format!("{name}-{}.db", self.runs));
        let log = self.tmp.join(&format!("{name}-{}.log", self.runs));
        let mut cmd = Command::new(&self.binary);
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
            cmd.env_remove(k);
        }
        cmd.arg("serve")
            .env("STEWARD_GITLAB_URL", &self.sim_url)
            .env("STEWARD_GITLAB_TOKEN", BOT_TOKEN)
            .env("STEWARD_WEBHOOK_SECRETS", HOOK_SECRET)
            .env("STEWARD_WEBHOOK_SIGNING_TOKENS", SIGNING_TOKEN)
            .env(
                "STEWARD_DATABASE_URL",
                format!("sqlite://{}?mode=rwc", db.display()),
            )
            .env("STEWARD_LISTEN", addr.to_string())
            .env("STEWARD_RULES_DIR", root().join("rules"))
            .env("STEWARD_TEMPLATES_DIR", root().join("issue_templates"))
            .env("STEWARD_PROJECTS", self.project.to_string())
            .env("STEWARD_SCHEDULES", "none")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?);
        let mut child = ChildGuard {
            child: cmd.spawn()?,
            addr,
            log: Some(log),
        };
        let started = Instant::now();
        wait_ready(&mut child, &self.client, started, ms(20), secs(60)).await?;
        Ok(child)
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn forged() -> Vec<(String, String)> {
    let now = chrono::Utc::now().timestamp();
    vec![
        ("webhook-id".into(), format!("forged-{now}")),
        ("webhook-timestamp".into(), now.to_string()),
        (
            "webhook-signature".into(),
            "v1,Zm9yZ2VkLXNpZ25hdHVyZQ==".into(),
        ),
    ]
}

fn authenticated(key: &str) -> Vec<(String, String)> {
    vec![
        ("X-Gitlab-Event".into(), "Issue Hook".into()),
        ("X-Gitlab-Token".into(), HOOK_SECRET.into()),
        ("Idempotency-Key".into(), key.into()),
    ]
}

fn refs(h: &[(String, String)]) -> Vec<(&str, &str)> {
    h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// 64 concurrent 25 MiB uploads with `headers`; peak RSS, idle RSS, wall time and statuses.
async fn uploads(b: &mut Bench, what: &str, headers: Vec<(String, String)>) -> anyhow::Result<()> {
    let child = b.serve("uploads").await?;
    let idle = memory(child.pid());
    let body = bytes::Bytes::from(vec![b' '; 25 * MIB]);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let (body, headers, addr) = (body.clone(), headers.clone(), child.addr);
        tasks.spawn(async move { hostile::upload(addr, &refs(&headers), body, secs(30)).await });
    }
    let statuses = tasks.join_all().await;
    let took = started.elapsed();
    let peak = memory(child.pid());
    let mut counts = std::collections::BTreeMap::new();
    for s in &statuses {
        *counts
            .entry(s.map_or_else(|| "no answer".to_owned(), |c| c.to_string()))
            .or_insert(0) += 1;
    }
    println!(
        "| 64 × 25 MiB uploads, {what} | peak RSS {:.1} MiB (idle {:.1}) | {:.1} s | {counts:?} |",
        mib(peak.hwm_kib),
        mib(idle.rss_kib),
        took.as_secs_f64()
    );
    Ok(())
}

async fn label_heavy(b: &mut Bench) -> anyhow::Result<()> {
    let child = b.serve("labels").await?;
    let body = label_heavy_body(24 * MIB, 999_999);
    let size = body.len() as f64 / MIB as f64;
    let idle = memory(child.pid());
    let headers = authenticated("label-heavy");
    let (status, took) = hostile::post(child.addr, &refs(&headers), &body, secs(120)).await;
    let peak = memory(child.pid());
    tokio::time::sleep(secs(5)).await;
    let settled = memory(child.pid());
    println!(
        "| authenticated {size:.1} MiB label-heavy delivery | peak RSS {:.1} MiB ({:.2}× the body) \
         | RSS idle {:.1} → 5 s after {:.1} MiB | answered {status:?} in {:.2} s |",
        mib(peak.hwm_kib),
        mib(peak.hwm_kib) / size,
        mib(idle.rss_kib),
        mib(settled.rss_kib),
        took.as_secs_f64()
    );
    Ok(())
}

async fn slow_headers(b: &mut Bench) -> anyhow::Result<()> {
    let child = b.serve("slow-headers").await?;
    let held = hostile::slow_headers(child.addr, ms(500), secs(30)).await;
    let shown = held.map_or_else(
        || "still connected after 30 s".to_owned(),
        |d| format!("disconnected after {:.1} s", d.as_secs_f64()),
    );
    println!("| a client sending one header byte every 0.5 s | {shown} |");
    Ok(())
}

async fn slow_bodies(b: &mut Bench) -> anyhow::Result<()> {
    let child = b.serve("slow-bodies").await?;
    let forged = forged();
    let mut slow = Vec::new();
    for _ in 0..600 {
        if let Some(c) = SlowBody::open(child.addr, &refs(&forged), MIB).await {
            slow.push(c);
        }
    }
    for c in &mut slow {
        c.trickle().await;
    }
    let body = std::fs::read(root().join("tests/fixtures/gitlab/issue-hook-open.json"))?;
    let mut times = Vec::new();
    let mut statuses = Vec::new();
    for i in 0..5 {
        let headers = authenticated(&format!("slow-bodies-{i}"));
        let (status, took) = hostile::post(child.addr, &refs(&headers), &body, secs(15)).await;
        times.push(took);
        statuses.push(status);
        for c in &mut slow {
            c.trickle().await;
        }
    }
    let mut open = 0;
    for c in &mut slow {
        open += usize::from(c.still_open().await);
    }
    times.sort();
    println!(
        "| authenticated delivery with {} slow-body connections opened ({open} still open at the \
         end) | median {:.3} s, max {:.3} s over 5 | statuses {statuses:?} |",
        slow.len(),
        times[2].as_secs_f64(),
        times[4].as_secs_f64()
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let binary = std::env::var_os("HOSTILE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_steward")));
    println!("binary: {}", binary.display());
    println!("load average at start: {}", loadavg());
    let (sim, seed) = support::start_sim().await?;
    let mut b = Bench {
        binary,
        sim_url: sim.base_url(),
        project: seed.project.0,
        tmp: TempDir::new("hostile")?,
        client: reqwest::Client::new(),
        runs: 0,
    };
    uploads(
        &mut b,
        "wrong X-Gitlab-Token",
        vec![("X-Gitlab-Token".into(), "guess".into())],
    )
    .await?;
    uploads(&mut b, "forged webhook-signature", forged()).await?;
    label_heavy(&mut b).await?;
    slow_headers(&mut b).await?;
    slow_bodies(&mut b).await?;
    println!("load average at end: {}", loadavg());
    let _ = sim.shutdown().await;
    Ok(())
}
