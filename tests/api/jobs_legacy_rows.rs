//! Job rows written before jobs carried a schema version (kind column plus the bare payload,
//! exactly as earlier releases wrote them) are still claimed and run after an upgrade.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward::store::{JobState, NewJob};
use steward_core::clock::Clock;

const STORY: &str = include_str!("../data/requests/customer-story-idea--clean.md");

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn start() -> Harness {
    let mut opts = HarnessOptions::shipped(at("2026-11-19T15:00:00Z"));
    // No webhook: the only work is the rows this test writes.
    opts.webhook = false;
    Harness::start(opts).await.unwrap()
}

async fn states(h: &Harness) -> Vec<(String, JobState, Option<String>)> {
    let mut jobs = h.state.store.list_jobs(None, 50).await.unwrap();
    jobs.sort_by_key(|j| j.id);
    jobs.into_iter()
        .map(|j| (j.kind, j.state, j.last_error))
        .collect()
}

#[tokio::test]
async fn an_old_issue_sync_row_is_claimed_and_reconciles_the_issue() {
    let h = start().await;
    let iid = h.file("ccs", "Story idea", STORY).await.unwrap();
    let before = h.sim.issue(h.project(), iid).unwrap().labels;
    // `serde_json::to_value(&IssueSync { .. })` under the `issue.sync` kind, coalesce key
    // `issue:PROJECT:IID`: the row an earlier webhook handler wrote.
    let payload = serde_json::json!({
        "project": h.project().0,
        "iid": iid.0,
        "event_uuid": null,
        "delivery_id": null,
    });
    h.state
        .store
        .enqueue_job(NewJob {
            kind: "issue.sync".to_owned(),
            payload,
            run_at: h.clock.now(),
            coalesce_key: Some(format!("issue:{}:{}", h.project(), iid)),
        })
        .await
        .unwrap();
    assert_eq!(h.worker.drain().await.unwrap(), 1);
    assert_eq!(
        states(&h).await,
        [("issue.sync".to_owned(), JobState::Done, None)]
    );
    let after = h.sim.issue(h.project(), iid).unwrap().labels;
    assert_ne!(
        after, before,
        "the old row ran the sync and labelled the issue"
    );
    h.stop().await;
}

#[tokio::test]
async fn old_scheduled_sweep_and_digest_rows_run_and_finish_their_slots() {
    let h = start().await;
    let slot = at("2026-11-19T07:30:00Z");
    let rows = [
        // The scheduler's full sweep and a catch-up row that asked for a full pass.
        (
            "full_sweep",
            "nightly-full-sweep",
            serde_json::json!({"full": true}),
        ),
        ("sweep", "catch-up-sweep", serde_json::json!({"full": true})),
        ("digest", "weekly-digest", serde_json::json!({"week": null})),
    ];
    for (kind, schedule, mut payload) in rows {
        assert!(
            h.state
                .store
                .claim_slot(schedule, slot, "test", slot)
                .await
                .unwrap()
        );
        payload["slot"] = serde_json::json!({"schedule": schedule, "slot": slot});
        h.state
            .store
            .enqueue_job(NewJob {
                kind: kind.to_owned(),
                payload,
                run_at: slot,
                coalesce_key: None,
            })
            .await
            .unwrap();
    }
    h.worker.drain().await.unwrap();
    for (kind, state, error) in states(&h).await {
        assert_eq!((state, error), (JobState::Done, None), "{kind}");
    }
    for schedule in ["nightly-full-sweep", "catch-up-sweep", "weekly-digest"] {
        assert_eq!(
            h.state.store.last_finished_slot(schedule).await.unwrap(),
            Some(slot),
            "{schedule}"
        );
    }
    h.stop().await;
}
