//! One `steward serve` process (SQLite) as an operator runs it, with the default `info` logs:
//! it must keep handling webhooks while its worker tasks write log lines. (It used to stop at
//! the first log line written from a runtime thread: the command held the stderr lock for its
//! whole run.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "replicas_support/cluster.rs"]
mod cluster;

use std::time::{Duration, Instant};

use chrono::Utc;
use cluster::{Cluster, ReplicaEnv, wait_ready};
use steward::sim::{HookConfig, NewIssue, SimConfig, Simulator, TeamSeedOptions, seed_team_project};

const BOT_TOKEN: &str = "glpat-serve-bot";
const HOOK_SECRET: &str = "serve-hook-secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_info_logs_handles_every_request_and_logs_each_job_as_json() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let seed = seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: BOT_TOKEN.to_owned(),
            hook: None,
        },
    )
    .unwrap();
    // The team created every label its rules use (`serve` reports missing ones).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine =
        steward::rules::Engine::load(&root.join("rules"), &root.join("issue_templates")).unwrap();
    for label in engine.labels_used() {
        sim.add_label(seed.project, label.as_str(), "#428bca");
    }
    let db = std::env::temp_dir().join(format!(
        "steward-serve-{}-{}.db",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let mut cluster = Cluster::default();
    let replica = cluster.spawn(
        "serve",
        &ReplicaEnv {
            gitlab_url: sim.base_url(),
            token: BOT_TOKEN.to_owned(),
            secret: HOOK_SECRET.to_owned(),
            database_url: format!("sqlite://{}?mode=rwc", db.display()),
            schema: None,
            project: seed.project.0,
            lease_secs: 60,
            concurrency: 2,
            rust_log: "info",
        },
    );
    wait_ready(replica, Duration::from_secs(30)).await;
    let mut hook = HookConfig::all_events(format!("http://{}/webhooks/gitlab", replica.addr));
    hook.secret_token = Some(HOOK_SECRET.to_owned());
    sim.add_hook(seed.project, hook);

    let speaker =
        std::fs::read_to_string(root.join("tests/data/requests/customer-speaker-request--clean.md"))
            .unwrap();
    let requester = seed.user("asales").unwrap();
    let iids: Vec<_> = (0..10)
        .map(|i| {
            sim.create_issue(
                seed.project,
                requester,
                NewIssue {
                    title: format!("Customer speaker #{i}"),
                    description: speaker.clone(),
                    ..NewIssue::default()
                },
            )
            .unwrap()
        })
        .collect();
    sim.flush_webhooks().await;

    // Every request gets its program label; poll with a deadline rather than sleeping blindly.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let labelled = iids
            .iter()
            .filter(|iid| {
                sim.issue(seed.project, **iid)
                    .is_some_and(|i| i.has_label("advocacy-program::speaker"))
            })
            .count();
        if labelled == iids.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {labelled} of {} issues were handled; the process stalled:\n{}",
            iids.len(),
            replica.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Still answering, and each job left one JSON log line.
    let ready = reqwest::get(format!("http://{}/readyz", replica.addr))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let log = std::fs::read_to_string(&replica.log).unwrap();
    let done: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "job done")
        .collect();
    assert_eq!(done.len(), iids.len(), "log:\n{log}");
    assert!(done.iter().all(|v| v["level"] == "INFO" && v["job_id"].is_number()));

    drop(cluster);
    let _ = sim.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
