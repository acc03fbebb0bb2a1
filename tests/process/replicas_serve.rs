//! One `steward serve` process (SQLite) as an operator runs it, with the default `info` logs,
//! fed by the GitLab simulator. It must keep handling webhooks while its worker tasks write log
//! lines (it used to stop at the first one: the command held the stderr lock for its whole run),
//! and a job slower than its lease must still run once (workers used to let the lease lapse, so
//! an idle worker claimed the job again while it was still running).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::cluster;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use cluster::{Cluster, ReplicaEnv, wait_ready};
use steward_core::model::IssueIid;
use steward_sim::{
    Faults, HookConfig, NewIssue, SimConfig, SimHandle, Simulator, TeamSeed, TeamSeedOptions,
    seed_team_project,
};

const BOT_TOKEN: &str = "glpat-serve-bot";
const HOOK_SECRET: &str = "serve-hook-secret";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Setup {
    sim: SimHandle,
    seed: TeamSeed,
    cluster: Cluster,
    db: PathBuf,
}

impl Setup {
    /// The simulator with the team's project and labels, and one ready `steward serve`.
    async fn start(lease_secs: u64, concurrency: usize) -> Self {
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
        let engine = steward_core::rules::Engine::load(
            &root().join("rules"),
            &root().join("issue_templates"),
        )
        .unwrap();
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
                lease_secs,
                concurrency,
                rust_log: "info",
                settings_file: None,
            },
        );
        wait_ready(replica, Duration::from_secs(30)).await;
        let mut hook = HookConfig::all_events(format!("http://{}/webhooks/gitlab", replica.addr));
        hook.secret_token = Some(HOOK_SECRET.to_owned());
        sim.add_hook(seed.project, hook);
        Self {
            sim,
            seed,
            cluster,
            db,
        }
    }

    /// Files `n` speaker requests 45 days before their event (so each gets a lead-time
    /// comment) and delivers their webhooks.
    async fn file_speaker_requests(&self, n: usize) -> Vec<IssueIid> {
        let event = Utc::now().date_naive() + chrono::Duration::days(45);
        let speaker = std::fs::read_to_string(
            root().join("tests/data/requests/customer-speaker-request--clean.md"),
        )
        .unwrap()
        .replace("2027-04-21", &event.format("%Y-%m-%d").to_string());
        let requester = self.seed.user("asales").unwrap();
        let iids = (0..n)
            .map(|i| {
                self.sim
                    .create_issue(
                        self.seed.project,
                        requester,
                        NewIssue {
                            title: format!("Customer speaker #{i}"),
                            // One customer per request: identical asks of one account are
                            // duplicates the ledger links and re-syncs (more jobs).
                            description: speaker.replace(
                                "Northwind Logistics",
                                &format!("Northwind Logistics Unit {i}"),
                            ),
                            ..NewIssue::default()
                        },
                    )
                    .unwrap()
            })
            .collect();
        self.sim.flush_webhooks().await;
        iids
    }

    /// Polls (with a deadline, no blind sleep) until every issue has its program label.
    async fn wait_labelled(&self, iids: &[IssueIid], within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let labelled = iids
                .iter()
                .filter(|iid| {
                    self.sim
                        .issue(self.seed.project, **iid)
                        .is_some_and(|i| i.has_label("advocacy-program::speaker"))
                })
                .count();
            if labelled == iids.len() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "only {labelled} of {} issues were handled; the process stalled:\n{}",
                iids.len(),
                self.cluster.replicas[0].log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls until the log shows `n` finished jobs (the labels land before the comment, so a
    /// labelled issue's job may still be running).
    async fn wait_jobs_done(&self, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self
            .log()
            .iter()
            .filter(|v| v["message"] == "job done" && v["kind"] == "issue.sync")
            .count()
            < n
        {
            assert!(
                Instant::now() < deadline,
                "jobs did not finish: {:#?}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The process's JSON log lines.
    fn log(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.cluster.replicas[0].log)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    async fn stop(self) {
        let Setup {
            sim, cluster, db, ..
        } = self;
        drop(cluster);
        let _ = sim.shutdown().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_info_logs_handles_every_request_and_logs_each_job_as_json() {
    let s = Setup::start(60, 2).await;
    let iids = s.file_speaker_requests(10).await;
    s.wait_labelled(&iids, Duration::from_secs(30)).await;
    s.wait_jobs_done(iids.len(), Duration::from_secs(10)).await;

    let addr = s.cluster.replicas[0].addr;
    let ready = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200, "still answering");
    let log = s.log();
    // Issue syncs only: the scheduler's start-up catch-up sweep is a job too.
    let done: Vec<&serde_json::Value> = log
        .iter()
        .filter(|v| v["message"] == "job done" && v["kind"] == "issue.sync")
        .collect();
    assert_eq!(done.len(), iids.len(), "one line per job: {log:#?}");
    assert!(
        done.iter()
            .all(|v| v["level"] == "INFO" && v["job_id"].is_number())
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_slower_than_its_lease_is_run_once_while_other_workers_are_idle() {
    // Lease 2 s; every GitLab call takes 1 s, so one issue's job (read, edit, comment, user
    // lookup) takes about 4 s. Two of the four workers have nothing to do.
    let s = Setup::start(2, 4).await;
    s.sim.set_faults(Faults {
        latency: Duration::from_secs(1),
        ..Faults::default()
    });
    s.sim.reset_counters();
    let iids = s.file_speaker_requests(2).await;
    s.wait_labelled(&iids, Duration::from_secs(40)).await;
    s.wait_jobs_done(iids.len(), Duration::from_secs(20)).await;

    let c = s.sim.counters();
    assert_eq!(
        c.endpoint("issues.get"),
        2,
        "each issue read once: {:?}",
        c.by_endpoint
    );
    assert_eq!(c.endpoint("issues.edit"), 2, "{:?}", c.by_endpoint);
    assert_eq!(c.endpoint("notes.create"), 2, "{:?}", c.by_endpoint);
    let log = s.log();
    let lost: Vec<&serde_json::Value> = log
        .iter()
        .filter(|v| v["level"] == "WARN" || v["level"] == "ERROR")
        .filter(|v| v.to_string().contains("lease"))
        .collect();
    assert!(lost.is_empty(), "leases lapsed: {lost:#?}");
    for iid in &iids {
        let notes: Vec<_> = s
            .sim
            .notes(s.seed.project, *iid)
            .into_iter()
            .filter(|n| !n.system && n.author.as_str() == "steward-bot")
            .collect();
        assert_eq!(notes.len(), 1, "#{iid}: {notes:?}");
    }
    s.stop().await;
}
