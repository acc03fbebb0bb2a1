//! End to end: the GitLab simulator sends real webhooks over loopback to a running Steward
//! (SQLite store, shipped rules); the queue is drained explicitly, time is a fixed clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, NaiveDate, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_core::clock::Clock;
use steward_core::model::{IssueIid, LabelName};
use steward_sim::{Faults, IssueChange, SimConfig};

const SPEAKER_CLEAN: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The clean speaker request with its event on `event_date`.
fn speaker_request(event_date: &str) -> String {
    SPEAKER_CLEAN.replace("2027-04-21", event_date)
}

async fn harness_with(sim: SimConfig) -> Harness {
    let mut opts = HarnessOptions::shipped(at("2027-03-07T15:00:00Z"));
    opts.sim = sim;
    Harness::start(opts).await.unwrap()
}

async fn harness() -> Harness {
    harness_with(SimConfig::default()).await
}

fn bot_notes(h: &Harness, iid: IssueIid) -> Vec<steward_sim::SimNote> {
    h.sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| !n.system && n.author.as_str() == "steward-bot")
        .collect()
}

fn has(h: &Harness, iid: IssueIid, label: &str) -> bool {
    let issue = h.sim.issue(h.project(), iid).unwrap();
    issue.labels.contains(&LabelName::from(label))
}

#[tokio::test]
async fn speaker_request_filed_45_days_ahead_is_labelled_assigned_dated_and_flagged_once() {
    let h = harness().await;
    // 2027-03-07 → 2027-04-21 is 45 days: 15 short of the 60 the handbook asks for.
    let iid = h
        .file(
            "asales",
            "Customer speaker for World Tour Chicago",
            &speaker_request("2027-04-21"),
        )
        .await
        .unwrap();
    h.settle().await.unwrap();

    let issue = h.sim.issue(h.project(), iid).unwrap();
    for label in [
        "Customer Advocacy",
        "advocacy-program::speaker",
        "advocacy-status::triage",
        "lead-time::violated",
    ] {
        assert!(has(&h, iid, label), "missing {label}: {:?}", issue.labels);
    }
    assert_eq!(issue.assignees.len(), 1);
    assert_eq!(issue.assignees[0].as_str(), "jhernandez");
    assert_eq!(issue.due_date, NaiveDate::from_ymd_opt(2027, 3, 22));
    let notes = bot_notes(&h, iid);
    assert_eq!(notes.len(), 1, "exactly one lead-time comment: {notes:?}");
    assert!(notes[0].body.contains("45 days"), "{}", notes[0].body);
    assert!(notes[0].body.contains("<!-- steward:"));
    assert_eq!(
        h.sim.counters().quick_actions,
        0,
        "Steward wrote a quick action"
    );
    // Nothing was created that the project did not already have.
    assert!(
        !h.sim
            .project_label_names(h.project())
            .iter()
            .any(|l| l.contains("typo"))
    );
    h.stop().await;
}

#[tokio::test]
async fn moving_the_event_date_90_days_out_removes_the_flag_and_updates_the_same_comment() {
    let h = harness().await;
    let iid = h
        .file(
            "asales",
            "Customer speaker for World Tour Chicago",
            &speaker_request("2027-04-21"),
        )
        .await
        .unwrap();
    h.settle().await.unwrap();
    let first = bot_notes(&h, iid);
    assert_eq!(first.len(), 1);

    let requester = h.user("asales").unwrap();
    h.sim
        .update_issue(
            h.project(),
            iid,
            requester,
            IssueChange {
                description: Some(speaker_request("2027-06-05")),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();

    assert!(!has(&h, iid, "lead-time::violated"));
    let after = bot_notes(&h, iid);
    assert_eq!(after.len(), 1, "the comment is updated, not duplicated");
    assert_eq!(after[0].id, first[0].id);
    assert_ne!(after[0].body, first[0].body);
    assert!(after[0].body.contains("90 days"), "{}", after[0].body);
    // The due date Steward set follows the event date (30 days before it).
    let issue = h.sim.issue(h.project(), iid).unwrap();
    assert_eq!(issue.due_date, NaiveDate::from_ymd_opt(2027, 5, 6));
    h.stop().await;
}

#[tokio::test]
async fn a_due_date_a_person_chose_is_kept_when_the_event_moves() {
    let h = harness().await;
    let iid = h
        .file("asales", "Speaker request", &speaker_request("2027-05-21"))
        .await
        .unwrap();
    h.settle().await.unwrap();
    let dri = h.user("jhernandez").unwrap();
    let chosen = NaiveDate::from_ymd_opt(2027, 4, 1);
    h.sim
        .update_issue(
            h.project(),
            iid,
            dri,
            IssueChange {
                due_date: Some(chosen),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    let requester = h.user("asales").unwrap();
    h.sim
        .update_issue(
            h.project(),
            iid,
            requester,
            IssueChange {
                description: Some(speaker_request("2027-06-21")),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    assert_eq!(h.sim.issue(h.project(), iid).unwrap().due_date, chosen);
    h.stop().await;
}

#[tokio::test]
async fn the_same_delivery_sent_five_times_changes_the_issue_once() {
    let h = harness().await;
    let iid = h
        .file("asales", "Speaker request", &speaker_request("2027-04-21"))
        .await
        .unwrap();
    h.sim.flush_webhooks().await;
    let open_delivery = h.sim.deliveries()[0].id;
    for _ in 0..4 {
        h.sim.resend(open_delivery).await.unwrap();
    }
    h.settle().await.unwrap();
    let c = h.sim.counters();
    assert_eq!(c.endpoint("issues.edit"), 1, "{:?}", c.by_endpoint);
    assert_eq!(c.notes_created, 1);
    assert_eq!(bot_notes(&h, iid).len(), 1);

    // Resending again later changes nothing either.
    let before = h.sim.counters();
    h.sim.resend(open_delivery).await.unwrap();
    h.settle().await.unwrap();
    let after = h.sim.counters();
    assert_eq!(after.writes, before.writes);
    assert_eq!(
        after.reads, before.reads,
        "a duplicate is dropped before any API call"
    );
    h.stop().await;
}

#[tokio::test]
async fn stewards_own_edits_echoed_back_cause_no_further_writes() {
    // Without GitLab's recursion detection the bot's own edits come back as webhooks.
    let h = harness_with(SimConfig {
        recursion_detection: false,
        ..SimConfig::default()
    })
    .await;
    let iid = h
        .file("asales", "Speaker request", &speaker_request("2027-04-21"))
        .await
        .unwrap();
    h.settle().await.unwrap();
    let c = h.sim.counters();
    assert!(c.webhooks_sent >= 3, "the echo deliveries happened: {c:?}");
    assert_eq!(c.endpoint("issues.edit"), 1);
    assert_eq!(c.notes_created, 1);
    assert_eq!(c.notes_updated, 0);
    assert_eq!(
        c.endpoint("issues.get"),
        1,
        "echoes are skipped without re-reading the issue"
    );
    assert_eq!(bot_notes(&h, iid).len(), 1);
    h.stop().await;
}

#[tokio::test]
async fn a_newly_opened_request_costs_one_read_one_edit_and_one_note() {
    let h = harness().await;
    h.sim.reset_counters();
    h.file("asales", "Speaker request", &speaker_request("2027-04-21"))
        .await
        .unwrap();
    h.settle().await.unwrap();
    let c = h.sim.counters();
    assert_eq!(c.endpoint("issues.get"), 1, "{:?}", c.by_endpoint);
    assert_eq!(c.endpoint("issues.edit"), 1);
    assert_eq!(c.endpoint("notes.create"), 1);
    assert_eq!(
        c.endpoint("notes.list"),
        0,
        "the store knows a new issue has no owned notes"
    );
    assert_eq!(
        c.reads, 1,
        "labels and users were read at start-up: {:?}",
        c.by_endpoint
    );
    assert_eq!(c.writes, 2, "one edit and one note: {:?}", c.by_endpoint);
    h.stop().await;
}

/// Files a late speaker request while GitLab fails every call with `faults`, checks the job was
/// kept for a retry (and not before `min_wait`), then lets GitLab recover and checks the end state.
async fn converges_after(faults: Faults, min_wait: chrono::Duration) {
    let h = harness().await;
    let iid = h
        .file("asales", "Speaker request", &speaker_request("2027-04-21"))
        .await
        .unwrap();
    h.sim.flush_webhooks().await;
    h.sim.set_faults(faults);
    h.settle().await.unwrap();
    let c = h.sim.counters();
    assert!(c.status_5xx + c.status_429 > 0, "GitLab refused: {c:?}");
    assert!(!has(&h, iid, "lead-time::violated"), "nothing applied yet");
    let jobs = h.state.store.list_jobs(None, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].state,
        steward::store::JobState::Pending,
        "kept for a retry"
    );
    assert!(
        jobs[0].run_at >= h.clock.now() + min_wait,
        "retry honours the wait: {jobs:?}"
    );

    h.sim.set_faults(Faults::default());
    h.set_now(h.clock.now() + chrono::Duration::minutes(5));
    h.settle().await.unwrap();
    assert!(has(&h, iid, "lead-time::violated"));
    assert!(has(&h, iid, "advocacy-program::speaker"));
    assert_eq!(
        bot_notes(&h, iid).len(),
        1,
        "the retry does not duplicate anything"
    );
    let jobs = h.state.store.list_jobs(None, 10).await.unwrap();
    assert_eq!(jobs[0].state, steward::store::JobState::Done);
    h.stop().await;
}

#[tokio::test]
async fn gitlab_answering_500_then_200_ends_in_the_same_state() {
    converges_after(
        Faults {
            error_rate_5xx: 1.0,
            seed: 7,
            ..Faults::default()
        },
        chrono::Duration::seconds(2),
    )
    .await;
}

#[tokio::test]
async fn gitlab_answering_429_with_retry_after_is_retried_no_earlier_than_asked() {
    converges_after(
        Faults {
            burst_429: Some(steward_sim::Burst429 {
                every_n: 1,
                len: 1,
                retry_after_secs: 90,
            }),
            seed: 7,
            ..Faults::default()
        },
        chrono::Duration::seconds(90),
    )
    .await;
}

#[tokio::test]
async fn a_wrong_token_gets_401_and_nothing_is_stored() {
    let h = harness().await;
    let url = format!("http://{}/webhooks/gitlab", h.running.addr);
    let body = std::fs::read("tests/fixtures/gitlab/issue-hook-open.json").unwrap();
    let client = reqwest::Client::new();
    let res = client
        .post(&url)
        .header("X-Gitlab-Event", "Issue Hook")
        .header("X-Gitlab-Token", "not-the-secret")
        .header("Idempotency-Key", "wrong-token-1")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = client
        .post(&url)
        .header("X-Gitlab-Event", "Issue Hook")
        .header("Idempotency-Key", "no-token-1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let stats = h.state.store.queue_stats().await.unwrap();
    assert_eq!(stats.pending + stats.running + stats.done + stats.dead, 0);
    h.stop().await;
}

#[tokio::test]
async fn a_malformed_body_from_a_valid_sender_gets_2xx_and_is_kept() {
    let h = harness().await;
    let url = format!("http://{}/webhooks/gitlab", h.running.addr);
    let res = reqwest::Client::new()
        .post(&url)
        .header("X-Gitlab-Event", "Issue Hook")
        .header("X-Gitlab-Token", steward::harness::HOOK_SECRET)
        .header("Idempotency-Key", "garbage-1")
        .body("{ this is not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let stored = h
        .state
        .store
        .get_delivery(steward::store::DeliveryId(1))
        .await
        .unwrap()
        .expect("the delivery is recorded");
    assert_eq!(stored.body, b"{ this is not json");
    assert!(stored.decode_error.is_some());
    h.stop().await;
}

#[tokio::test]
async fn a_worker_killed_between_claim_and_finish_loses_no_job() {
    let h = harness().await;
    let iid = h
        .file("asales", "Speaker request", &speaker_request("2027-04-21"))
        .await
        .unwrap();
    h.sim.flush_webhooks().await;
    // Another worker claims the job and dies without finishing it.
    let lease = std::time::Duration::from_secs(60);
    let claimed = h
        .state
        .store
        .claim_job("doomed-worker", h.clock.now(), lease)
        .await
        .unwrap()
        .expect("the delivery enqueued a job");
    assert_eq!(
        h.worker.drain().await.unwrap(),
        0,
        "the lease protects it meanwhile"
    );
    assert!(!has(&h, iid, "lead-time::violated"));

    h.set_now(h.clock.now() + chrono::Duration::seconds(61));
    h.settle().await.unwrap();
    assert!(has(&h, iid, "lead-time::violated"));
    assert_eq!(bot_notes(&h, iid).len(), 1);
    // The dead worker coming back cannot overwrite the result.
    let late = h
        .state
        .store
        .complete_job(&claimed, h.clock.now(), "late")
        .await;
    assert!(late.is_err(), "a lost lease is refused: {late:?}");
    h.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_job_in_hand_and_leaves_the_rest_queued() {
    let h = harness().await;
    for n in 0..3 {
        h.file(
            "asales",
            &format!("Speaker request {n}"),
            &speaker_request("2027-04-21"),
        )
        .await
        .unwrap();
    }
    h.sim.flush_webhooks().await;
    // Slow GitLab, so that the first job is still in flight when shutdown is asked for.
    h.sim.set_faults(Faults {
        latency: std::time::Duration::from_millis(150),
        ..Faults::default()
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let worker = h.worker.clone();
    let token = stop.clone();
    let task = tokio::spawn(async move { worker.run(token).await });
    // Wait (polling the store, no fixed sleep) until a job is claimed, then ask to stop.
    loop {
        if h.state.store.queue_stats().await.unwrap().running == 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
    stop.cancel();
    task.await.unwrap();
    let stats = h.state.store.queue_stats().await.unwrap();
    assert_eq!(stats.done, 1, "the job in hand was finished: {stats:?}");
    assert_eq!(stats.running, 0, "nothing left half-done: {stats:?}");
    assert_eq!(stats.pending, 2, "the rest stay queued: {stats:?}");
    h.sim.set_faults(Faults::default());
    h.stop().await;
}

#[tokio::test]
async fn a_deleted_lead_time_comment_is_posted_again_on_the_next_change() {
    let h = harness().await;
    let iid = h
        .file("asales", "Speaker request", &speaker_request("2027-04-21"))
        .await
        .unwrap();
    h.settle().await.unwrap();
    let first = bot_notes(&h, iid);
    assert_eq!(first.len(), 1);
    assert!(h.sim.delete_note(h.project(), iid, first[0].id));

    // The requester moves the event date; the note's text changes with it, so
    // Steward tries to edit the deleted note, gets 404, and posts it again.
    let requester = h.user("asales").unwrap();
    h.sim
        .update_issue(
            h.project(),
            iid,
            requester,
            IssueChange {
                description: Some(speaker_request("2027-04-25")),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    let after = bot_notes(&h, iid);
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(after[0].body.contains("49 days"), "{}", after[0].body);
    let jobs = h.state.store.list_jobs(None, 10).await.unwrap();
    assert!(
        jobs.iter()
            .all(|j| j.state != steward::store::JobState::Dead),
        "no job failed: {jobs:?}"
    );
    h.stop().await;
}
