//! `/readyz` of a real `steward serve` (SQLite) says whether this process can durably accept a
//! delivery now, and nothing else: it stays ready while GitLab fails, it is not ready (and
//! deliveries get 503) while the database file is read-only or gone, and a file made writable
//! again works without a restart. Deliveries whose ids no GitLab id can be are kept as
//! undecodable with a 200, never refused with a 503 (which counts toward GitLab disabling the
//! hook).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::cluster;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cluster::{Cluster, Extra, Replica, ReplicaEnv, wait_ready};
use steward::store::{self, DeliveryId, StoreOptions};
use steward_sim::{Burst429, Faults, SimConfig, SimHandle, Simulator, TeamSeedOptions};

const BOT_TOKEN: &str = "glpat-readiness-bot";
const SECRET: &str = "readiness-webhook-secret";

/// A fresh directory for one test's database.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "steward-readiness-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn simulator() -> (SimHandle, u64) {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let seed = steward_sim::seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: BOT_TOKEN.to_owned(),
            hook: None,
        },
    )
    .unwrap();
    (sim, seed.project.0)
}

fn env(sim: &SimHandle, project: u64, db: &Path) -> ReplicaEnv {
    ReplicaEnv {
        gitlab_url: sim.base_url(),
        token: BOT_TOKEN.to_owned(),
        secret: SECRET.to_owned(),
        database_url: format!("sqlite://{}?mode=rwc", db.display()),
        schema: None,
        project,
        lease_secs: 60,
        concurrency: 1,
        rust_log: "info",
        settings_file: None,
    }
}

async fn try_get(replica: &Replica, path: &str) -> Result<(u16, String), reqwest::Error> {
    let res = reqwest::Client::new()
        .get(format!("http://{}{path}", replica.addr))
        .timeout(Duration::from_secs(5))
        .send()
        .await?;
    Ok((res.status().as_u16(), res.text().await.unwrap_or_default()))
}

async fn get(replica: &Replica, path: &str) -> (u16, String) {
    try_get(replica, path)
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}\n{}", replica.log_tail()))
}

/// Posts `body` as an Issue Hook delivery with its own `Idempotency-Key`; the status.
async fn deliver(replica: &Replica, body: &[u8]) -> u16 {
    static N: AtomicU64 = AtomicU64::new(0);
    let key = format!(
        "readiness-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    reqwest::Client::new()
        .post(format!("http://{}/webhooks/gitlab", replica.addr))
        .header("X-Gitlab-Event", "Issue Hook")
        .header("X-Gitlab-Token", SECRET)
        .header("Idempotency-Key", key)
        .body(body.to_vec())
        .timeout(Duration::from_secs(9))
        .send()
        .await
        .unwrap_or_else(|e| panic!("delivery: {e}\n{}", replica.log_tail()))
        .status()
        .as_u16()
}

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gitlab/issue-hook-open.json"
    ))
    .unwrap()
}

/// Polls `path` until it answers `status` (bounded).
async fn wait_for(replica: &Replica, path: &str, status: u16, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let answer = try_get(replica, path).await;
        if let Ok((got, text)) = &answer
            && *got == status
        {
            return text.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{path} still answers {answer:?} after {within:?}:\n{}",
            replica.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_stays_ready_while_gitlab_answers_500_or_429() {
    let (sim, project) = simulator().await;
    let dir = temp_dir("gitlab");
    let mut cluster = Cluster::default();
    let replica = cluster.spawn("gitlab-down", &env(&sim, project, &dir.join("s.db")));
    wait_ready(replica, Duration::from_secs(30)).await;
    let faults = [
        Faults {
            error_rate_5xx: 1.0,
            ..Faults::default()
        },
        Faults {
            burst_429: Some(Burst429 {
                every_n: 1,
                len: 1,
                retry_after_secs: 30,
            }),
            ..Faults::default()
        },
    ];
    for fault in faults {
        sim.set_faults(fault.clone());
        for _ in 0..3 {
            let (status, text) = get(&cluster.replicas[0], "/readyz").await;
            assert_eq!((status, text.as_str()), (200, "ready\n"), "{fault:?}");
        }
        assert_eq!(deliver(&cluster.replicas[0], &fixture()).await, 200);
    }
    drop(cluster);
    let _ = sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_file_is_not_ready_and_recovers_once_writable_without_a_restart() {
    let (sim, project) = simulator().await;
    let dir = temp_dir("read-only");
    let db = dir.join("s.db");
    let env = env(&sim, project, &db);
    let mut cluster = Cluster::default();
    // A first run creates and migrates the database, as a deployment would have.
    wait_ready(cluster.spawn("first", &env), Duration::from_secs(30)).await;
    cluster.kill(0);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();

    // The restarted process runs without the power to override file modes (the tests run as
    // root, which ignores them), so it meets the file as a service user would.
    let unprivileged = Extra {
        wrapper: [
            "setpriv",
            "--inh-caps=-all",
            "--bounding-set=-dac_override,-dac_read_search",
            "--",
        ]
        .map(str::to_owned)
        .to_vec(),
        ..Extra::default()
    };
    let replica = cluster.spawn_with("read-only", &env, &unprivileged);
    wait_for(replica, "/healthz", 200, Duration::from_secs(30)).await;
    let text = wait_for(replica, "/readyz", 503, Duration::from_secs(5)).await;
    assert!(text.starts_with("store:"), "{text}");
    assert_eq!(
        deliver(replica, &fixture()).await,
        503,
        "never acknowledged"
    );

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    wait_for(replica, "/readyz", 200, Duration::from_secs(10)).await;
    assert_eq!(
        deliver(replica, &fixture()).await,
        200,
        "{}",
        replica.log_tail()
    );
    drop(cluster);
    let _ = sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_file_deleted_under_a_running_process_refuses_deliveries_and_names_the_file() {
    let (sim, project) = simulator().await;
    let dir = temp_dir("deleted");
    let db = dir.join("s.db");
    let mut cluster = Cluster::default();
    let replica = cluster.spawn("deleted", &env(&sim, project, &db));
    wait_ready(replica, Duration::from_secs(30)).await;
    assert_eq!(deliver(replica, &fixture()).await, 200);

    std::fs::remove_file(&db).unwrap();
    assert_eq!(deliver(replica, &fixture()).await, 503, "not acknowledged");
    let (status, text) = get(replica, "/readyz").await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("deleted"), "{text}");
    let log = std::fs::read_to_string(&replica.log).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("\"ERROR\"") && l.contains(&db.display().to_string()))
        .unwrap_or_else(|| panic!("no error naming {}:\n{log}", db.display()));
    assert!(line.contains("deleted"), "{line}");
    drop(cluster);
    let _ = sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_with_ids_beyond_what_the_store_holds_are_answered_200_and_kept_as_undecodable()
{
    let (sim, project) = simulator().await;
    let dir = temp_dir("ids");
    let db = dir.join("s.db");
    let mut cluster = Cluster::default();
    let replica = cluster.spawn("ids", &env(&sim, project, &db));
    wait_ready(replica, Duration::from_secs(30)).await;
    let body = |iid: &str, project: &str| {
        format!(
            r#"{{"object_kind":"issue","project":{{"id":{project}}},"object_attributes":{{"id":5,"iid":{iid},"project_id":{project},"created_at":"2026-11-25T12:00:00Z"}}}}"#
        )
    };
    let cases = [
        (
            body("9223372036854775808", "7"),
            "`object_attributes.iid` is 9223372036854775808",
        ),
        (body("-1", "7"), "`object_attributes.iid` is -1"),
        (body("1e30", "7"), "`object_attributes.iid` is 1e30"),
        (
            body("3", "18446744073709551615"),
            "`object_attributes.project_id` is 18446744073709551615",
        ),
    ];
    for (text, _) in &cases {
        assert_eq!(deliver(replica, text.as_bytes()).await, 200, "{text}");
    }
    let s = store::open(
        &format!("sqlite://{}", db.display()),
        &StoreOptions {
            migrate_on_open: false,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    for (i, (text, why)) in cases.iter().enumerate() {
        let stored = s
            .get_delivery(DeliveryId(i as i64 + 1))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("delivery {} was not kept", i + 1));
        assert_eq!(stored.body, text.as_bytes(), "kept byte for byte");
        let reason = stored.decode_error.unwrap_or_default();
        assert!(
            reason.contains(why) && reason.contains("not a GitLab id"),
            "{reason}"
        );
        assert_eq!((stored.project_id, stored.issue_iid), (None, None));
    }
    drop(cluster);
    let _ = sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}
