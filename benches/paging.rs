//! Paging report: GitLab list calls for one dry-run sweep of a project with N open issues, by
//! keyset (GitLab 18.3+) and by offset (older GitLab, or before the version probe succeeded),
//! with the maximum offset set low so that offset paging has to open `updated_before` windows.
//! Run with `cargo bench --bench paging` (`PAGING_ISSUES` sets N, `PAGING_MAX_OFFSET` the cap);
//! prints a table. Counts, not times: they are exact and repeatable on any machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use chrono::{DateTime, Duration, Utc};
use steward::gitlab::capabilities::Capabilities;
use steward::harness::{Harness, HarnessOptions};
use steward_sim::{NewIssue, SimConfig};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = env("PAGING_ISSUES", 3_000);
    let cap = env("PAGING_MAX_OFFSET", 1_000);
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-02T14:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut opts = HarnessOptions::shipped(start);
    opts.sim = SimConfig {
        offset_pagination_limit: cap,
        ..SimConfig::default()
    };
    opts.webhook = false;
    let h = Harness::start(opts).await.unwrap();
    let author = h.user("jhernandez").unwrap();
    for k in 0..n {
        h.sim.set_now(start + Duration::minutes(k as i64));
        let new = NewIssue {
            title: format!("Request {k}"),
            description: "Plain text.".into(),
            ..NewIssue::default()
        };
        h.sim.create_issue(h.project(), author, new).unwrap();
    }
    println!("{n} open issues, maximum offset {cap}, 100 issues a page");
    println!("| paging | issues listed | list calls | refused (405) | windows |");
    println!("|---|---:|---:|---:|---:|");
    for (name, caps) in [
        ("keyset (18.3+)", Capabilities::from_version("19.1.0-ee")),
        ("offset (before 18.3)", Capabilities::default()),
    ] {
        h.state.gitlab_cache.capabilities().set(caps);
        h.sim.reset_counters();
        let report = steward::jobs::sweep::sweep(&h.state.job_deps(), true, false)
            .await
            .unwrap();
        let calls = h
            .sim
            .counters()
            .by_endpoint
            .get("issues.list")
            .copied()
            .unwrap_or(0);
        let pages = report.paging.keyset_pages + report.paging.offset_pages;
        println!(
            "| {name} | {} | {calls} | {} | {} |",
            report.listed,
            calls as usize - pages,
            report.paging.windows
        );
    }
    h.stop().await;
}
