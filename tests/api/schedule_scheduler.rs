#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The scheduler against a real SQLite store: a slot runs once across replicas and restarts,
//! missed slots within grace run once, older ones are skipped and reported once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;
use steward::jobs::Job;
use steward::schedule::{Schedule, Scheduler, SlotEvent, SlotSink, WEEKLY_DIGEST};
use steward::store::{self, BoxFuture, Store, StoreOptions};
use steward_core::clock::ManualClock;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Monday 2026-11-23 09:00 New York.
const SLOT: &str = "2026-11-23T14:00:00Z";

fn digest_schedule() -> Schedule {
    Schedule::new(
        "weekly-digest",
        WEEKLY_DIGEST,
        New_York,
        Job::digest(),
        Duration::from_secs(6 * 3600),
    )
    .unwrap()
}

#[derive(Default)]
struct Recorder {
    got: Mutex<Vec<(String, DateTime<Utc>)>>,
    fail: bool,
    notify: Notify,
}

impl SlotSink for Recorder {
    fn enqueue<'a>(
        &'a self,
        schedule: &'a Schedule,
        slot: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            if self.fail {
                return Err("queue is full".to_owned());
            }
            self.got
                .lock()
                .unwrap()
                .push((schedule.name().to_owned(), slot));
            self.notify.notify_one();
            Ok(())
        })
    }
}

impl Recorder {
    fn slots(&self) -> Vec<(String, DateTime<Utc>)> {
        self.got.lock().unwrap().clone()
    }
}

async fn memory_store() -> Arc<dyn Store> {
    store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap()
}

fn scheduler(store: Arc<dyn Store>, sink: Arc<Recorder>, owner: &str) -> Scheduler {
    Scheduler::new(vec![digest_schedule()], store, sink, owner)
}

#[tokio::test]
async fn two_replicas_on_one_sqlite_file_run_a_slot_once() {
    let path = std::env::temp_dir().join(format!(
        "steward-schedule-{}-{}.db",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store_a = store::open(&url, &StoreOptions::default()).await.unwrap();
    let store_b = store::open(&url, &StoreOptions::default()).await.unwrap();
    let (sink_a, sink_b) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    let a = scheduler(store_a, sink_a.clone(), "replica-a");
    let b = scheduler(store_b, sink_b.clone(), "replica-b");

    let now = at("2026-11-23T14:00:30Z");
    let (ra, rb) = tokio::join!(a.tick(now), b.tick(now));

    let mut all = sink_a.slots();
    all.extend(sink_b.slots());
    assert_eq!(all, [("weekly-digest".to_owned(), at(SLOT))]);
    let lost: Vec<_> = ra
        .events
        .iter()
        .chain(&rb.events)
        .filter(|e| matches!(e, SlotEvent::AlreadyClaimed { .. }))
        .collect();
    assert_eq!(lost.len(), 1, "{ra:?} {rb:?}");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn restart_within_grace_runs_the_missed_slot_once() {
    let store = memory_store().await;
    // Last week's digest ran; the service was down at this Monday's 09:00.
    let last_week = at("2026-11-16T14:00:00Z");
    assert!(
        store
            .claim_slot("weekly-digest", last_week, "old", last_week)
            .await
            .unwrap()
    );
    store
        .finish_slot("weekly-digest", last_week, last_week, "ok")
        .await
        .unwrap();

    let sink = Arc::new(Recorder::default());
    let restarted = scheduler(store.clone(), sink.clone(), "replica-a");
    let report = restarted.tick(at("2026-11-23T16:00:00Z")).await;
    assert_eq!(report.enqueued(), [("weekly-digest".to_owned(), at(SLOT))]);

    // A second restart before the job finished must not enqueue it again.
    let again = scheduler(store, sink.clone(), "replica-a")
        .tick(at("2026-11-23T16:05:00Z"))
        .await;
    assert!(again.enqueued().is_empty());
    assert_eq!(sink.slots().len(), 1);
}

#[tokio::test]
async fn restart_outside_grace_skips_the_slot_and_reports_it_once() {
    let store = memory_store().await;
    let last_week = at("2026-11-16T14:00:00Z");
    store
        .claim_slot("weekly-digest", last_week, "old", last_week)
        .await
        .unwrap();
    store
        .finish_slot("weekly-digest", last_week, last_week, "ok")
        .await
        .unwrap();

    let sink = Arc::new(Recorder::default());
    let s = scheduler(store.clone(), sink.clone(), "replica-a");
    let report = s.tick(at("2026-11-23T21:00:00Z")).await;
    assert_eq!(
        report.events,
        [SlotEvent::Skipped {
            schedule: "weekly-digest".into(),
            slots: vec![at(SLOT)],
        }]
    );
    assert!(sink.slots().is_empty());
    assert_eq!(
        store.last_finished_slot("weekly-digest").await.unwrap(),
        Some(at(SLOT))
    );
    let later = s.tick(at("2026-11-23T21:05:00Z")).await;
    assert!(later.events.is_empty(), "{later:?}");
}

#[tokio::test]
async fn a_failed_enqueue_is_reported_and_recorded_not_retried_forever() {
    let store = memory_store().await;
    let sink = Arc::new(Recorder {
        fail: true,
        ..Recorder::default()
    });
    let s = scheduler(store.clone(), sink, "replica-a");
    let report = s.tick(at("2026-11-23T14:01:00Z")).await;
    assert!(matches!(
        &report.events[..],
        [SlotEvent::Failed { error, .. }] if error.contains("queue is full")
    ));
    assert_eq!(
        store.last_finished_slot("weekly-digest").await.unwrap(),
        Some(at(SLOT))
    );
    assert!(s.tick(at("2026-11-23T14:02:00Z")).await.events.is_empty());
}

#[tokio::test]
async fn run_ticks_at_start_and_stops_on_shutdown() {
    let store = memory_store().await;
    let sink = Arc::new(Recorder::default());
    let s = Arc::new(scheduler(store, sink.clone(), "replica-a"));
    let clock = Arc::new(ManualClock::new(at("2026-11-23T14:10:00Z")));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn({
        let (s, shutdown) = (s.clone(), shutdown.clone());
        async move { s.run(shutdown, clock).await }
    });
    sink.notify.notified().await;
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sink.slots(), [("weekly-digest".to_owned(), at(SLOT))]);
}
