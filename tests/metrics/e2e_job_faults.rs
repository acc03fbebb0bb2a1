//! The job paths under faults, against the simulator: a job for an issue GitLab no longer has
//! ends "gone" (not a dead letter), a job that panics fails alone while its worker goes on, and
//! a worker task that dies is restarted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::panicking;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward::jobs::worker::Worker;
use steward::startup::{self, App, StoreSource, Wiring};
use steward::store::{AuditFilter, JobState};
use steward_core::clock::{Clock, ManualClock};

const STORY: &str = include_str!("../data/requests/customer-story-idea--clean.md");

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-19T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Another Steward sharing the harness's store, settings and rules, with its own GitLab client
/// and clock.
async fn steward_with(
    h: &Harness,
    gitlab: Arc<dyn steward::gitlab::GitLab>,
    clock: Arc<dyn Clock>,
) -> App {
    let st = &h.state;
    let mut settings = h.settings.clone();
    settings.digest = None;
    let wiring = Wiring {
        clock,
        store: StoreSource::Shared(st.store.clone()),
        gitlab: Some(gitlab),
        engine: Some(st.engine.clone()),
    };
    startup::build(settings, wiring).await.unwrap()
}

async fn metrics_text(h: &Harness) -> String {
    reqwest::get(format!("http://{}/metrics", h.running.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_for_a_deleted_issue_ends_gone_and_is_not_dead_lettered() {
    let _serial = crate::support::serial().await;
    let h = Harness::start(HarnessOptions::shipped(now()))
        .await
        .unwrap();
    let iid = h.file("ccs", "Story idea", STORY).await.unwrap();
    // The webhook is recorded and its job queued; the issue is deleted before the job runs.
    h.sim.flush_webhooks().await;
    assert!(h.sim.delete_issue(h.project(), iid));
    h.settle().await.unwrap();

    let store = &h.state.store;
    let stats = store.queue_stats().await.unwrap();
    assert_eq!((stats.gone, stats.dead), (1, 0), "{stats:?}");
    let gone = store.list_jobs(Some(JobState::Gone), 10).await.unwrap();
    let summary = gone[0].summary.as_deref().unwrap_or_default();
    assert!(summary.contains(&format!("#{iid} is gone")), "{summary}");
    // GitLab's wording for a missing issue (GITLAB.md §6.5).
    assert!(summary.contains("404 Not found"), "{summary}");
    assert!(gone[0].finished_at.is_some());
    let audit = store
        .list_audit(&AuditFilter {
            action: Some("job.gone".to_owned()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].entry.response_status, Some(404));

    let text = metrics_text(&h).await;
    assert!(
        text.contains(r#"steward_queue_jobs{state="dead"} 0"#),
        "the dead-letter alert stays quiet:\n{text}"
    );
    assert!(
        text.contains(r#"steward_queue_jobs{state="gone"} 1"#),
        "the gone job is visible:\n{text}"
    );
    assert!(
        text.contains(r#"steward_job_duration_seconds_count{kind="issue.sync",outcome="gone"}"#),
        "{text}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_panics_fails_with_its_message_and_the_same_worker_runs_the_next_job() {
    let _serial = crate::support::serial().await;
    let h = Harness::start(HarnessOptions::shipped(now()))
        .await
        .unwrap();
    let broken = h
        .file("ccs", "Story idea that breaks", STORY)
        .await
        .unwrap();
    let fine = h.file("ccs", "Story idea", STORY).await.unwrap();
    h.sim.flush_webhooks().await;
    let gitlab = Arc::new(panicking::PanicsOnIssue {
        inner: h.state.gitlab.clone(),
        panic_on: broken,
    });
    let state = steward_with(&h, gitlab, h.state.clock.clone()).await.state;
    let worker = Worker::new(
        state.job_deps(),
        state.worker.lease,
        "panics-test".to_owned(),
    );

    assert!(worker.run_once().await.unwrap(), "the broken issue's job");
    assert!(
        worker.run_once().await.unwrap(),
        "the next job, on the same worker"
    );

    let store = &h.state.store;
    let dead = store.list_jobs(Some(JobState::Dead), 10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].payload["iid"], broken.0);
    let error = dead[0].last_error.as_deref().unwrap_or_default();
    assert!(error.contains("the job panicked"), "{error}");
    assert!(error.contains(panicking::PANIC_MESSAGE), "{error}");
    let done = store.list_jobs(Some(JobState::Done), 10).await.unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0].payload["iid"], fine.0);
    let labels = h.sim.issue(h.project(), fine).unwrap().labels;
    assert!(
        labels
            .iter()
            .any(|l| l.as_str() == "advocacy-program::story"),
        "{labels:?}"
    );
    h.stop().await;
}

/// A clock that, once armed, lets one more read through and panics at the next: start-up
/// reads it once (the calendar check, before any task starts), then the worker's own loop
/// reads it before claiming, outside any job.
#[derive(Debug)]
struct BreaksOnce {
    inner: ManualClock,
    armed: AtomicBool,
    let_through: std::sync::atomic::AtomicUsize,
}

impl Clock for BreaksOnce {
    fn now(&self) -> DateTime<Utc> {
        if self.armed.load(Ordering::SeqCst) {
            let left = self.let_through.load(Ordering::SeqCst);
            if left > 0 {
                self.let_through.store(left - 1, Ordering::SeqCst);
            } else if self.armed.swap(false, Ordering::SeqCst) {
                panic!("the clock broke");
            }
        }
        self.inner.now()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_task_that_dies_is_restarted_logged_and_counted() {
    let _serial = crate::support::serial().await;
    let h = Harness::start(HarnessOptions::shipped(now()))
        .await
        .unwrap();
    let iid = h.file("ccs", "Story idea", STORY).await.unwrap();
    h.sim.flush_webhooks().await;
    let clock = Arc::new(BreaksOnce {
        inner: h.clock.clone(),
        armed: AtomicBool::new(false),
        let_through: std::sync::atomic::AtomicUsize::new(1),
    });
    let app = steward_with(&h, h.state.gitlab.clone(), clock.clone()).await;
    let state = app.state.clone();
    clock.armed.store(true, Ordering::SeqCst);
    let running = app.start(1).await.unwrap();

    // The only worker dies at its first look at the clock; its replacement runs the job.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let stats = state.store.queue_stats().await.unwrap();
        if stats.done == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job never ran: {stats:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        !clock.armed.load(Ordering::SeqCst),
        "the worker did die once"
    );
    let labels = h.sim.issue(h.project(), iid).unwrap().labels;
    assert!(
        labels
            .iter()
            .any(|l| l.as_str() == "advocacy-program::story"),
        "{labels:?}"
    );
    let text = metrics_text(&h).await;
    assert!(
        text.contains(r#"steward_task_restarts_total{task="worker"} 1"#),
        "{text}"
    );
    running.stop().await;
    h.stop().await;
}
