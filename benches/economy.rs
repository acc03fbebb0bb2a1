//! API economy report: GitLab calls (reads / writes / notes) Steward makes for typical events,
//! counted by the simulator. Run with `cargo bench --bench economy`; prints a table.
//!
//! Counts, not times: they are exact and repeatable on any machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_sim::{Counters, SimConfig};

const SPEAKER: &str = include_str!("../tests/data/requests/customer-speaker-request--clean.md");
const TEXTS: &[&str] = &[
    include_str!("../tests/data/requests/customer-speaker-request--clean.md"),
    include_str!("../tests/data/requests/customer-press-request--clean.md"),
    include_str!("../tests/data/requests/customer-story-idea--messy.md"),
    include_str!("../tests/data/requests/eab-nomination--director.md"),
    include_str!("../tests/data/requests/customer-speaker-request--late-and-broken.md"),
    include_str!("../tests/data/requests/earnings-customer-reference--clean.md"),
];

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-03-07T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn row(name: &str, before: &Counters, after: &Counters) {
    let d = |f: fn(&Counters) -> u64| f(after) - f(before);
    println!(
        "| {name:<58} | {:>6} | {:>6} | {:>6} | {:>6} |",
        d(|c| c.reads),
        d(|c| c.writes),
        d(|c| c.notes_created + c.notes_updated),
        d(|c| c.list_calls),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("ECONOMY_ISSUES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    println!("| scenario | reads | writes | notes | list calls |");
    println!("|---|---:|---:|---:|---:|");

    // 1. A newly opened late request (needs labels, assignee, due date and one comment), then
    //    the same delivery re-sent, then Steward's own edits echoed back.
    let mut opts = HarnessOptions::shipped(now());
    opts.sim = SimConfig {
        recursion_detection: false,
        ..SimConfig::default()
    };
    let h = Harness::start(opts).await.unwrap();
    let c0 = h.sim.counters();
    h.file("asales", "Speaker request", SPEAKER).await.unwrap();
    h.sim.flush_webhooks().await;
    let open_delivery = h.sim.deliveries()[0].id;
    h.worker.drain().await.unwrap();
    let c1 = h.sim.counters();
    row("opened request needing a comment", &c0, &c1);
    h.sim.flush_webhooks().await;
    h.worker.drain().await.unwrap();
    let c2 = h.sim.counters();
    row("Steward's own edits echoed back (2 deliveries)", &c1, &c2);
    h.sim.resend(open_delivery).await.unwrap();
    h.settle().await.unwrap();
    let c3 = h.sim.counters();
    row("re-delivered event", &c2, &c3);
    h.stop().await;

    // 2. A sweep of N open issues that no webhook ever announced, then a second pass.
    let mut opts = HarnessOptions::shipped(now());
    opts.webhook = false;
    let h = Harness::start(opts).await.unwrap();
    for i in 0..n {
        h.file("asales", &format!("Request {i}"), TEXTS[i % TEXTS.len()])
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    let c0 = h.sim.counters();
    h.sweep(true).await.unwrap();
    let c1 = h.sim.counters();
    row(&format!("sweep of {n} open issues, first pass"), &c0, &c1);
    let first = started.elapsed();
    let started = std::time::Instant::now();
    h.sweep(true).await.unwrap();
    let c2 = h.sim.counters();
    row(
        &format!("sweep of {n} open issues, second pass (no changes)"),
        &c1,
        &c2,
    );
    let second = started.elapsed();

    // 3. One weekly digest per program (8 tracking epics), then the same week again.
    h.digest(Some("2027-W10")).await.unwrap();
    let c3 = h.sim.counters();
    row("weekly digests, 8 programs, first post", &c2, &c3);
    h.digest(Some("2027-W10")).await.unwrap();
    let c4 = h.sim.counters();
    row("weekly digests, same week again (unchanged)", &c3, &c4);
    println!();
    println!(
        "sweep wall time (this machine, this build): first pass {:.1} s, second pass {:.2} s",
        first.as_secs_f64(),
        second.as_secs_f64()
    );
    h.stop().await;
}
