//! SQLite durability and group-commit throughput: an acknowledged delivery survives SIGKILL of
//! the process that recorded it, and many concurrent deliveries share commits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use steward::store::{self, NewDelivery, NewJob, RecordOutcome, Store, StoreOptions};

const CHILD_ENV: &str = "STEWARD_STORE_CHILD_DB";

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let path =
        std::env::temp_dir().join(format!("steward_{name}_{}_{nanos}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    (path, url)
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn delivery(key: String) -> NewDelivery {
    NewDelivery {
        dedup_key: key,
        event_name: Some("Issue Hook".to_owned()),
        event_uuid: None,
        project_id: None,
        issue_iid: None,
        headers_json: "{}".to_owned(),
        body: vec![b'x'; 2048],
        decode_error: None,
        received_at: Utc::now(),
        job: Some(NewJob {
            kind: "issue.reconcile".to_owned(),
            payload: serde_json::json!({}),
            run_at: Utc::now(),
            coalesce_key: None,
        }),
    }
}

/// Records deliveries from 16 tasks and prints `ACK <key>` after each acknowledgement, until
/// killed (bounded to 60 s in case the parent dies first). Only runs as the child of
/// `acknowledged_deliveries_survive_sigkill_of_the_writer`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "helper process for acknowledged_deliveries_survive_sigkill_of_the_writer"]
async fn child_writer() {
    // Not a test by itself: outside the SIGKILL test (e.g. `cargo test -- --include-ignored`)
    // there is nothing to do.
    let Ok(url) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = store::open(&url, &StoreOptions::default()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let key = format!("k-{t}-{n}");
                    if let RecordOutcome::Accepted { .. } =
                        store.record_delivery(delivery(key.clone())).await.unwrap()
                    {
                        println!("ACK {key}");
                    }
                    n += 1;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_deliveries_survive_sigkill_of_the_writer() {
    let (path, url) = temp_db("sigkill");
    // Create the schema first so the child only writes deliveries.
    drop(store::open(&url, &StoreOptions::default()).await.unwrap());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "store_sqlite_durability::child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut acked = Vec::new();
    while acked.len() < 500 {
        let line = lines
            .next()
            .expect("the child stopped before 500 acknowledgements")
            .unwrap();
        if let Some(key) = line.strip_prefix("ACK ") {
            acked.push(key.to_owned());
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no flush, no checkpoint
    child.wait().unwrap();
    // Acknowledgements already written to the pipe before the kill count too.
    for line in lines {
        if let Some(key) = line.unwrap().strip_prefix("ACK ") {
            acked.push(key.to_owned());
        }
    }

    let store = store::open(&url, &StoreOptions::default()).await.unwrap();
    let mut lost = Vec::new();
    for key in &acked {
        if let RecordOutcome::Accepted { .. } =
            store.record_delivery(delivery(key.clone())).await.unwrap()
        {
            lost.push(key.clone());
        }
    }
    remove_db(&path);
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged deliveries were lost: {lost:?}",
        lost.len(),
        acked.len()
    );
}

async fn record_concurrently(
    store: &Arc<dyn Store>,
    tasks: usize,
    each: usize,
    tag: &str,
) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let store = store.clone();
            let tag = tag.to_owned();
            tokio::spawn(async move {
                for n in 0..each {
                    let out = store
                        .record_delivery(delivery(format!("{tag}-{t}-{n}")))
                        .await
                        .unwrap();
                    assert!(matches!(out, RecordOutcome::Accepted { .. }));
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    start.elapsed()
}

/// Prints deliveries per second for one submitter and for 64 concurrent submitters (as under a
/// burst of webhooks), with `synchronous=FULL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: run with --ignored --nocapture"]
async fn group_commit_throughput_is_measured() {
    let (path, url) = temp_db("throughput");
    let store = store::open(&url, &StoreOptions::default()).await.unwrap();
    let serial = record_concurrently(&store, 1, 300, "serial").await;
    let burst = record_concurrently(&store, 64, 50, "burst").await;
    let serial_rate = 300.0 / serial.as_secs_f64();
    let burst_rate = 3200.0 / burst.as_secs_f64();
    println!(
        "one submitter: {serial_rate:.0} deliveries/s; 64 submitters: {burst_rate:.0} deliveries/s"
    );
    assert_eq!(store.queue_stats().await.unwrap().pending, 3500);
    remove_db(&path);

    // The same burst with one delivery per transaction, for comparison.
    let (path, url) = temp_db("throughput_unbatched");
    let opts = StoreOptions {
        sqlite_max_batch: 1,
        ..StoreOptions::default()
    };
    let store = store::open(&url, &opts).await.unwrap();
    let unbatched = record_concurrently(&store, 64, 50, "burst").await;
    let rate = 3200.0 / unbatched.as_secs_f64();
    println!("64 submitters, one commit per delivery: {rate:.0} deliveries/s");
    remove_db(&path);
}
