//! The job runner against the recording fake GitLab, with a fixed clock: how each way a job can
//! end is recorded (dead letter, retry after GitLab's wait, a finished schedule slot), and that
//! one bad job never stops the worker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::fake_world::*;
use steward::jobs::{Job, SlotRef};
use steward::store::{AuditFilter, JobRecord, JobState, NewJob};
use steward_testkit::{Call, Failure};

async fn jobs(w: &World) -> Vec<JobRecord> {
    let mut jobs = w.deps.store.list_jobs(None, 50).await.unwrap();
    jobs.sort_by_key(|j| j.id);
    jobs
}

fn raw_row(kind: &str, payload: serde_json::Value) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        payload,
        run_at: now(),
        coalesce_key: None,
    }
}

#[tokio::test]
async fn rows_that_cannot_be_read_are_dead_lettered_with_the_reason_and_the_worker_goes_on() {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    let store = &w.deps.store;
    store
        .enqueue_job(raw_row("issue.reconcile", serde_json::json!({})))
        .await
        .unwrap();
    store
        .enqueue_job(raw_row("digest", serde_json::json!({"v": 99})))
        .await
        .unwrap();
    store
        .enqueue_job(Job::IssueSync(job(None)).to_row(now()))
        .await
        .unwrap();
    assert_eq!(worker(&w).drain().await.unwrap(), 3);
    let ended: Vec<_> = jobs(&w)
        .await
        .into_iter()
        .map(|j| (j.kind, j.state, j.last_error.unwrap_or_default()))
        .collect();
    assert_eq!(ended[0].1, JobState::Dead);
    assert!(
        ended[0].2.contains("unreadable `issue.reconcile`"),
        "{ended:?}"
    );
    assert_eq!(ended[1].1, JobState::Dead);
    assert!(ended[1].2.contains("schema version 99"), "{ended:?}");
    assert_eq!(
        ended[2].1,
        JobState::Done,
        "the next job ran on the same worker"
    );
    assert_eq!(w.fake.take_writes().len(), 2, "its edit and its note");
}

#[tokio::test]
async fn a_throttled_read_is_retried_no_earlier_than_gitlab_asked() {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    let wait = std::time::Duration::from_secs(120);
    w.fake
        .fail_next("get_issue", Failure::RateLimited(Some(wait)));
    let row = Job::IssueSync(job(None)).to_row(now());
    w.deps.store.enqueue_job(row).await.unwrap();
    let worker = worker(&w);
    assert!(worker.run_once().await.unwrap());
    assert_eq!(w.fake.take_calls(), [get_issue(None)]);
    let job = &jobs(&w).await[0];
    assert_eq!(job.state, JobState::Pending);
    assert!(
        job.run_at >= now() + chrono::Duration::seconds(120),
        "{job:?}"
    );
    w.clock.set(now() + chrono::Duration::seconds(119));
    assert!(!worker.run_once().await.unwrap(), "still waiting");
}

#[tokio::test]
async fn a_refused_edit_is_dead_lettered_and_audited_without_a_note() {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    w.fake.fail_next("edit_issue", Failure::Rejected(403));
    let row = Job::IssueSync(job(None)).to_row(now());
    w.deps.store.enqueue_job(row).await.unwrap();
    assert!(worker(&w).run_once().await.unwrap());
    assert_eq!(shape(w.fake.take_writes()), [edit_issue(first_edit())]);
    assert_eq!(jobs(&w).await[0].state, JobState::Dead);
    let filter = AuditFilter {
        action: Some("job.failed".into()),
        ..AuditFilter::default()
    };
    let failed = w.deps.store.list_audit(&filter).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].entry.response_status, Some(403));
}

#[tokio::test]
async fn a_scheduled_full_sweep_queues_a_sync_for_the_issue_out_of_step_and_finishes_its_slot() {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    let slot = at("2027-03-01T07:30:00Z");
    let store = &w.deps.store;
    assert!(
        store
            .claim_slot("nightly", slot, "test", slot)
            .await
            .unwrap()
    );
    let sweep = Job::full_sweep().for_slot(SlotRef {
        schedule: "nightly".into(),
        slot,
    });
    store.enqueue_job(sweep.to_row(slot)).await.unwrap();
    let worker = worker(&w);
    assert!(worker.run_once().await.unwrap());
    let methods: Vec<_> = w.fake.take_calls().iter().map(Call::method).collect();
    // The last listing: the closed accepted approvals whose expiry the rules watch.
    assert_eq!(
        methods,
        [
            "list_issues_page",
            "project_labels",
            "user_by_username",
            "list_issues_page"
        ],
        "the sweep reads, never writes"
    );
    assert_eq!(
        store.last_finished_slot("nightly").await.unwrap(),
        Some(slot)
    );
    let queued = jobs(&w).await;
    assert_eq!(
        (queued[1].kind.as_str(), queued[1].state),
        ("issue.sync", JobState::Pending)
    );
    assert!(worker.run_once().await.unwrap());
    assert_eq!(
        shape(w.fake.take_writes()),
        [edit_issue(first_edit()), create_note("speaker-lead-time")]
    );
}
