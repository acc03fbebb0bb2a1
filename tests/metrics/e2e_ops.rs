//! Operations surface of a running Steward: probes, metrics, signed webhooks, and the demo.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::LabelName;

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-03-07T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn probes_answer_and_readiness_does_not_depend_on_gitlab() {
    let _serial = crate::support::serial().await;
    let h = Harness::start(HarnessOptions::shipped(now()))
        .await
        .unwrap();
    let base = format!("http://{}", h.running.addr);
    let client = reqwest::Client::new();
    let live = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = client.get(format!("{base}/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(text.contains("steward_gitlab_up 1"), "{text}");

    // GitLab gone: still alive and still ready (webhooks can still be accepted; GitLab's
    // health is a metric, not a reason for the balancer to stop delivering).
    let Harness { sim, running, .. } = h;
    sim.shutdown().await.unwrap();
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready\n");
    let live = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    running.stop().await;
}

#[tokio::test]
async fn metrics_count_deliveries_jobs_and_gitlab_calls() {
    let _serial = crate::support::serial().await;
    let h = Harness::start(HarnessOptions::shipped(now()))
        .await
        .unwrap();
    h.file("asales", "Speaker request", SPEAKER).await.unwrap();
    h.settle().await.unwrap();
    let text = reqwest::get(format!("http://{}/metrics", h.running.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "steward_webhook_deliveries_total{outcome=\"queued\"}",
        "steward_queue_jobs{state=\"pending\"}",
        "steward_gitlab_calls_total",
        "steward_job_duration_seconds",
        // The shipped calendar lists holidays until 2027-12-31: 299 days after 2027-03-07,
        // less than the year ahead the team should see (every test here runs on that day).
        "steward_calendar_coverage_days 299",
        "steward_calendar_coverage_short 1",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    h.stop().await;
}

#[tokio::test]
async fn signed_webhooks_are_accepted_and_a_forged_signature_is_refused() {
    let _serial = crate::support::serial().await;
    let mut opts = HarnessOptions::shipped(now());
    opts.signing_token = Some("whsec_Z2l0bGFiLWZpeHR1cmUtc2lnbmluZy1rZXktMzJieXQ=".to_owned());
    opts.sim.real_time_webhook_timestamps = false;
    let h = Harness::start(opts).await.unwrap();
    let iid = h.file("asales", "Speaker request", SPEAKER).await.unwrap();
    h.settle().await.unwrap();
    let issue = h.sim.issue(h.project(), iid).unwrap();
    assert!(
        issue
            .labels
            .contains(&LabelName::from("advocacy-program::speaker"))
    );

    let body = std::fs::read("tests/fixtures/gitlab/issue-hook-open.json").unwrap();
    let res = reqwest::Client::new()
        .post(format!("http://{}/webhooks/gitlab", h.running.addr))
        .header("X-Gitlab-Event", "Issue Hook")
        .header("X-Gitlab-Token", steward::harness::HOOK_SECRET)
        .header("webhook-id", "forged-1")
        .header("webhook-timestamp", now().timestamp().to_string())
        .header(
            "webhook-signature",
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        401,
        "a valid secret does not rescue a bad signature"
    );
    h.stop().await;
}
