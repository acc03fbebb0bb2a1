#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The simulator's webhooks and faults, received by a real axum receiver over loopback:
//! GitLab's headers and body shapes, Standard Webhooks signatures, resends and duplicates with
//! the same `Idempotency-Key`, recursion blocking, auto-disabling, reordering, 429 bursts and a
//! seeded 5xx rate. No sleeps: `flush_webhooks` drains the queue.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use steward_core::model::{IssueIid, ProjectId, UserId};
use steward_sim::{
    Burst429, Faults, HookConfig, HookStatus, NewIssue, SimConfig, SimHandle, Simulator,
};

const TOKEN: &str = "bot-token";
const SIGNING: &str = "whsec_c2ltdWxhdG9yLXNpZ25pbmcta2V5LTMyLWJ5dGVzISE=";

/// One received request: headers and raw body bytes.
type Received = (HeaderMap, Vec<u8>);

#[derive(Clone)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    fn requests(&self) -> Vec<(HeaderMap, Value)> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(h, b)| (h.clone(), serde_json::from_slice(b).unwrap()))
            .collect()
    }
    fn raw(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

async fn record(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.got.lock().unwrap().push((headers, body.to_vec()));
    StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap()
}

async fn receiver() -> (String, Receiver) {
    let r = Receiver {
        got: Arc::default(),
        status: Arc::new(AtomicU16::new(200)),
    };
    let app = Router::new()
        .route("/hook", post(record))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), r)
}

struct Env {
    sim: SimHandle,
    rx: Receiver,
    project: ProjectId,
    bot: UserId,
    alice: UserId,
    hook: steward_sim::HookId,
    now: DateTime<Utc>,
}

async fn env(config: SimConfig, hook: impl FnOnce(String) -> HookConfig) -> Env {
    let (url, rx) = receiver().await;
    let sim = Simulator::start(config).await.unwrap();
    let now: DateTime<Utc> = "2026-11-25T10:00:00Z".parse().unwrap();
    sim.set_now(now);
    let bot = sim.add_user("steward-bot", "Steward");
    let alice = sim.add_user("alice", "Alice Requester");
    sim.add_token(TOKEN, bot);
    let project = sim.add_project("customer-advocacy/requests");
    sim.add_label(project, "Customer Advocacy", "#428bca");
    let hook = sim.add_hook(project, hook(url));
    Env {
        sim,
        rx,
        project,
        bot,
        alice,
        hook,
        now,
    }
}

impl Env {
    fn file(&self, title: &str) -> IssueIid {
        self.sim
            .create_issue(
                self.project,
                self.alice,
                NewIssue {
                    title: title.into(),
                    ..NewIssue::default()
                },
            )
            .unwrap()
    }
    async fn put(&self, iid: IssueIid, body: Value, event_uuid: Option<&str>) -> reqwest::Response {
        let mut req = reqwest::Client::new()
            .put(format!(
                "{}/api/v4/projects/{}/issues/{iid}",
                self.sim.base_url(),
                self.project
            ))
            .header("PRIVATE-TOKEN", TOKEN)
            .json(&body);
        if let Some(u) = event_uuid {
            req = req.header("X-Gitlab-Event-UUID", u);
        }
        req.send().await.unwrap()
    }
}

fn h<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

fn verify(token: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let key = STANDARD.decode(token.trim_start_matches("whsec_")).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.",
            h(headers, "webhook-id"),
            h(headers, "webhook-timestamp")
        )
        .as_bytes(),
    );
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    h(headers, "webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

fn is_hook_time(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S UTC").is_ok()
}

#[tokio::test]
async fn issue_hooks_carry_gitlab_headers_shape_and_a_verifiable_signature() {
    let e = env(SimConfig::default(), |url| HookConfig {
        secret_token: Some("s3cret".into()),
        signing_token: Some(SIGNING.into()),
        ..HookConfig::all_events(url)
    })
    .await;
    let iid = e
        .sim
        .create_issue(
            e.project,
            e.alice,
            NewIssue {
                title: "Speaker".into(),
                description: "Body\n/label ~\"Customer Advocacy\"".into(),
                ..NewIssue::default()
            },
        )
        .unwrap();
    e.sim.flush_webhooks().await;
    let raw = e.rx.raw();
    assert_eq!(raw.len(), 1);
    let (headers, bytes) = &raw[0];
    assert_eq!(h(headers, "content-type"), "application/json");
    assert_eq!(h(headers, "user-agent"), "GitLab/19.1.0");
    assert_eq!(h(headers, "x-gitlab-event"), "Issue Hook");
    assert_eq!(h(headers, "x-gitlab-token"), "s3cret");
    assert_eq!(h(headers, "x-gitlab-instance"), e.sim.base_url());
    assert_eq!(h(headers, "idempotency-key"), h(headers, "webhook-id"));
    assert_eq!(
        h(headers, "webhook-timestamp"),
        e.now.timestamp().to_string()
    );
    for name in [
        "x-gitlab-webhook-uuid",
        "x-gitlab-event-uuid",
        "idempotency-key",
    ] {
        assert_eq!(h(headers, name).len(), 36, "{name}");
    }
    assert!(verify(SIGNING, headers, bytes));
    assert!(!verify("whsec_b3RoZXIta2V5", headers, bytes));

    let body: Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(body["object_kind"], "issue");
    assert_eq!(body["event_type"], "issue");
    assert_eq!(body["user"]["username"], "alice");
    assert_eq!(
        body["project"]["path_with_namespace"],
        "customer-advocacy/requests"
    );
    let attrs = &body["object_attributes"];
    assert_eq!(
        (
            attrs["action"].clone(),
            attrs["iid"].clone(),
            attrs["type"].clone()
        ),
        (json!("open"), json!(iid.0), json!("Issue"))
    );
    assert_eq!(attrs["description"], "Body");
    assert!(is_hook_time(&attrs["created_at"]) && is_hook_time(&attrs["updated_at"]));
    assert_eq!(body["labels"][0]["title"], "Customer Advocacy");
    assert!(
        body.get("assignees").is_none(),
        "assignees is absent when nobody is assigned"
    );

    // The bot's own API edit is delivered too, with the bot as actor and a real `changes`.
    e.sim.set_now(e.now + TimeDelta::minutes(5));
    e.put(
        iid,
        json!({ "assignee_ids": [e.bot.0], "due_date": "2027-01-01" }),
        None,
    )
    .await;
    e.sim.flush_webhooks().await;
    let reqs = e.rx.requests();
    assert_eq!(reqs.len(), 2);
    let upd = &reqs[1].1;
    assert_eq!(upd["user"]["id"], e.bot.0);
    assert_eq!(upd["object_attributes"]["action"], "update");
    assert_eq!(
        upd["changes"]["due_date"],
        json!({ "previous": null, "current": "2027-01-01" })
    );
    assert_eq!(
        upd["changes"]["assignees"]["current"][0]["username"],
        "steward-bot"
    );
    assert!(is_hook_time(&upd["changes"]["updated_at"]["previous"]));
    assert_eq!(upd["assignees"][0]["username"], "steward-bot");
    assert_ne!(
        h(&reqs[0].0, "idempotency-key"),
        h(&reqs[1].0, "idempotency-key")
    );
    e.sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn notes_and_confidential_issues_use_their_own_hook_names_and_switches() {
    let e = env(SimConfig::default(), |url| HookConfig {
        confidential_note_events: false,
        ..HookConfig::all_events(url)
    })
    .await;
    let iid = e.file("Press");
    e.sim
        .add_note(e.project, iid, e.alice, "Any update?")
        .unwrap();
    let secret = e
        .sim
        .create_issue(
            e.project,
            e.alice,
            NewIssue {
                title: "EAB".into(),
                confidential: true,
                ..NewIssue::default()
            },
        )
        .unwrap();
    e.sim
        .add_note(e.project, secret, e.alice, "confidential comment")
        .unwrap();
    e.sim.flush_webhooks().await;
    let reqs = e.rx.requests();
    let events: Vec<&str> = reqs.iter().map(|(hd, _)| h(hd, "x-gitlab-event")).collect();
    assert_eq!(
        events,
        ["Issue Hook", "Note Hook", "Confidential Issue Hook"]
    );
    let note = &reqs[1].1;
    assert_eq!(note["object_kind"], "note");
    assert_eq!(note["object_attributes"]["note"], "Any update?");
    assert_eq!(note["object_attributes"]["noteable_type"], "Issue");
    assert_eq!(note["object_attributes"]["action"], "create");
    assert_eq!(note["issue"]["iid"], iid.0);
    assert_ne!(note["object_attributes"]["noteable_id"], json!(iid.0));
    assert_eq!(reqs[2].1["event_type"], "confidential_issue");
}

#[tokio::test]
async fn resends_and_duplicates_reuse_the_idempotency_key() {
    let e = env(SimConfig::default(), HookConfig::all_events).await;
    e.file("one");
    e.sim.flush_webhooks().await;
    let first = e.sim.deliveries()[0].clone();
    assert_eq!(e.sim.resend(first.id).await.unwrap(), Some(200));
    e.sim.set_faults(Faults {
        duplicate_rate: 1.0,
        seed: 3,
        ..Faults::default()
    });
    e.file("two");
    e.sim.flush_webhooks().await;
    let reqs = e.rx.requests();
    assert_eq!(reqs.len(), 4);
    let keys: Vec<&str> = reqs
        .iter()
        .map(|(hd, _)| h(hd, "idempotency-key"))
        .collect();
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[0], first.idempotency_key);
    assert_eq!(keys[2], keys[3]);
    assert_ne!(keys[1], keys[2]);
    assert_ne!(
        h(&reqs[0].0, "x-gitlab-webhook-uuid"),
        h(&reqs[1].0, "x-gitlab-webhook-uuid")
    );
    assert_eq!(e.sim.deliveries()[1].attempts, 2);
    assert_eq!(e.sim.counters().webhooks_sent, 4);
}

#[tokio::test]
async fn a_forwarded_event_uuid_blocks_the_echo_to_the_same_hook() {
    let e = env(SimConfig::default(), HookConfig::all_events).await;
    let iid = e.file("Speaker");
    e.sim.flush_webhooks().await;
    let uuid = h(&e.rx.requests()[0].0, "x-gitlab-event-uuid").to_owned();
    let r = e
        .put(
            iid,
            json!({ "add_labels": "Customer Advocacy" }),
            Some(&uuid),
        )
        .await;
    assert_eq!(r.status(), 200);
    e.sim.flush_webhooks().await;
    assert_eq!(e.rx.requests().len(), 1, "the echo was blocked");
    assert_eq!(e.sim.counters().webhooks_blocked, 1);
    // GitLab forgets a chain after 30 minutes.
    e.sim.set_now(e.now + TimeDelta::minutes(31));
    e.put(iid, json!({ "title": "Speaker (renamed)" }), Some(&uuid))
        .await;
    e.sim.flush_webhooks().await;
    assert_eq!(
        e.rx.requests().len(),
        2,
        "an expired chain no longer blocks"
    );
    // Without the header (a sweep edit) the change echoes normally.
    e.put(iid, json!({ "due_date": "2027-02-02" }), None).await;
    e.sim.flush_webhooks().await;
    assert_eq!(e.rx.requests().len(), 3);

    let off = env(
        SimConfig {
            recursion_detection: false,
            ..SimConfig::default()
        },
        HookConfig::all_events,
    )
    .await;
    let iid = off.file("x");
    off.sim.flush_webhooks().await;
    let uuid = h(&off.rx.requests()[0].0, "x-gitlab-event-uuid").to_owned();
    off.put(
        iid,
        json!({ "add_labels": "Customer Advocacy" }),
        Some(&uuid),
    )
    .await;
    off.sim.flush_webhooks().await;
    let reqs = off.rx.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(h(&reqs[1].0, "x-gitlab-event-uuid"), uuid);
}

#[tokio::test]
async fn four_consecutive_failures_disable_the_hook_and_drop_events_until_it_heals() {
    let e = env(SimConfig::default(), HookConfig::all_events).await;
    e.rx.status.store(500, Ordering::SeqCst);
    for i in 0..3 {
        e.file(&format!("fail {i}"));
    }
    e.sim.flush_webhooks().await;
    assert_eq!(
        e.sim.hook_status(e.hook),
        Some(HookStatus::Enabled),
        "3 failures are tolerated"
    );
    e.rx.status.store(404, Ordering::SeqCst); // 4xx counts too (GitLab 17.11+)
    e.file("fail 3");
    e.sim.flush_webhooks().await;
    assert_eq!(
        e.sim.hook_status(e.hook),
        Some(HookStatus::DisabledUntil(e.now + TimeDelta::minutes(1)))
    );
    e.rx.status.store(200, Ordering::SeqCst);
    e.file("dropped 1");
    e.file("dropped 2");
    e.sim.flush_webhooks().await;
    let c = e.sim.counters();
    assert_eq!(
        (c.webhooks_failed, c.webhooks_dropped, c.webhooks_sent),
        (4, 2, 0)
    );
    assert_eq!(e.rx.requests().len(), 4);

    e.sim.set_now(e.now + TimeDelta::seconds(61));
    e.file("healed");
    e.sim.flush_webhooks().await;
    assert_eq!(e.sim.hook_status(e.hook), Some(HookStatus::Enabled));
    assert_eq!(e.sim.counters().webhooks_sent, 1);
    assert_eq!(
        e.rx.requests().last().unwrap().1["object_attributes"]["title"],
        "healed"
    );
}

#[tokio::test]
async fn deliveries_are_shuffled_within_the_reorder_window_deterministically() {
    let mut orders = Vec::new();
    for _ in 0..2 {
        let e = env(SimConfig::default(), HookConfig::all_events).await;
        e.sim.set_faults(Faults {
            reorder_window: 6,
            seed: 7,
            ..Faults::default()
        });
        for i in 0..6 {
            e.file(&format!("{i}"));
        }
        e.sim.flush_webhooks().await;
        let titles: Vec<String> =
            e.rx.requests()
                .iter()
                .map(|(_, b)| b["object_attributes"]["title"].as_str().unwrap().to_owned())
                .collect();
        orders.push(titles);
    }
    let mut sorted = orders[0].clone();
    sorted.sort();
    assert_eq!(sorted, ["0", "1", "2", "3", "4", "5"]);
    assert_ne!(orders[0], sorted, "seed 7 reorders");
    assert_eq!(orders[0], orders[1], "same seed, same order");
}

async fn get_user(sim: &SimHandle) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/api/v4/user", sim.base_url()))
        .header("PRIVATE-TOKEN", TOKEN)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn bursts_of_429_carry_retry_after_and_every_response_has_rate_limit_headers() {
    let e = env(SimConfig::default(), HookConfig::all_events).await;
    e.sim.set_faults(Faults {
        burst_429: Some(Burst429 {
            every_n: 3,
            len: 1,
            retry_after_secs: 7,
        }),
        ..Faults::default()
    });
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = get_user(&e.sim).await;
        assert_eq!(r.headers()["ratelimit-limit"], "2000");
        assert_eq!(r.headers()["ratelimit-name"], "throttle_authenticated_api");
        assert!(
            r.headers().contains_key("ratelimit-remaining")
                && r.headers().contains_key("ratelimit-reset")
        );
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert_eq!(r.headers()["retry-after"], "7");
            assert_eq!(r.text().await.unwrap(), "Retry later");
        }
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    assert_eq!(e.sim.counters().status_429, 2);
}

#[tokio::test]
async fn an_enforced_limit_refuses_requests_until_the_minute_ends() {
    let e = env(
        SimConfig {
            requests_per_minute: Some(2),
            notes_per_minute: Some(1),
            ..SimConfig::default()
        },
        HookConfig::all_events,
    )
    .await;
    let statuses = [
        get_user(&e.sim).await.status(),
        get_user(&e.sim).await.status(),
    ];
    assert_eq!(statuses, [200, 200]);
    let r = get_user(&e.sim).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "60");
    assert_eq!(r.headers()["ratelimit-remaining"], "0");
    e.sim.set_now(e.now + TimeDelta::minutes(1));
    let iid = e.file("notes");
    let post = || {
        reqwest::Client::new()
            .post(format!(
                "{}/api/v4/projects/{}/issues/{iid}/notes",
                e.sim.base_url(),
                e.project
            ))
            .header("PRIVATE-TOKEN", TOKEN)
            .json(&json!({ "body": "hi" }))
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 201);
    assert_eq!(post().await.unwrap().status(), 429, "one note per minute");
}

#[tokio::test]
async fn the_5xx_rate_is_reproducible_with_a_fixed_seed() {
    let e = env(SimConfig::default(), HookConfig::all_events).await;
    let faults = Faults {
        error_rate_5xx: 0.3,
        seed: 42,
        ..Faults::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        e.sim.set_faults(faults.clone());
        let mut s = Vec::new();
        for _ in 0..40 {
            s.push(get_user(&e.sim).await.status().as_u16());
        }
        runs.push(s);
    }
    assert_eq!(runs[0], runs[1]);
    let errors = runs[0].iter().filter(|s| **s == 500).count();
    assert!((4..=20).contains(&errors), "{errors} errors of 40 at 30%");
    assert_eq!(e.sim.counters().status_5xx, 2 * errors as u64);
    let iid = e.file("untouched");
    // A refused edit changes nothing.
    e.sim.set_faults(Faults {
        error_rate_5xx: 1.0,
        ..Faults::default()
    });
    assert_eq!(
        e.put(iid, json!({ "add_labels": "x" }), None)
            .await
            .status(),
        500
    );
    assert!(e.sim.issue(e.project, iid).unwrap().labels.is_empty());
}

#[tokio::test]
async fn a_receiver_slower_than_the_hook_timeout_counts_as_a_failure() {
    // A receiver that accepts the connection and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(std::future::pending::<StatusCode>));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = SimConfig {
        hook_timeout: std::time::Duration::from_millis(200),
        ..SimConfig::default()
    };
    let e = env(config, |_| {
        HookConfig::all_events(format!("http://{addr}/hook"))
    })
    .await;
    e.file("slow");
    e.sim.flush_webhooks().await;
    let c = e.sim.counters();
    assert_eq!((c.webhooks_sent, c.webhooks_failed), (0, 1));
    assert_eq!(e.sim.deliveries()[0].last_status, None);
}

#[tokio::test]
async fn injected_latency_delays_every_api_response() {
    let e = env(SimConfig::default(), HookConfig::all_events).await;
    let latency = std::time::Duration::from_millis(120);
    e.sim.set_faults(Faults {
        latency,
        ..Faults::default()
    });
    let started = std::time::Instant::now();
    assert_eq!(get_user(&e.sim).await.status(), 200);
    assert!(started.elapsed() >= latency);
}

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gitlab")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Keys of `gitlab` missing from `ours`, ignoring `except`.
fn missing_keys(gitlab: &Value, ours: &Value, except: &[&str]) -> Vec<String> {
    gitlab
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !except.contains(&k.as_str()) && ours.get(k.as_str()).is_none())
        .cloned()
        .collect()
}

#[tokio::test]
async fn rest_and_webhook_bodies_have_every_key_of_gitlabs_documented_examples() {
    let e = env(SimConfig::default(), HookConfig::all_events).await;
    let iid = e
        .sim
        .create_issue(
            e.project,
            e.alice,
            NewIssue {
                title: "Shape".into(),
                assignees: vec!["alice".into()],
                labels: vec!["Customer Advocacy".into()],
                ..NewIssue::default()
            },
        )
        .unwrap();
    e.sim
        .add_note(e.project, iid, e.alice, "A comment")
        .unwrap();
    e.sim.flush_webhooks().await;
    let rest: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v4/projects/{}/issues/{iid}",
            e.sim.base_url(),
            e.project
        ))
        .header("PRIVATE-TOKEN", TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for f in [
        "api-issue-edit-response.json",
        "api-project-issues-list-response.json",
        "api-issues-list-response.json",
    ] {
        let doc = fixture(f);
        let doc = doc.as_array().map(|a| a[0].clone()).unwrap_or(doc);
        assert_eq!(missing_keys(&doc, &rest, &[]), Vec::<String>::new(), "{f}");
    }
    let reqs = e.rx.requests();
    let (issue_hook, note_hook) = (&reqs[0].1, &reqs[1].1);
    let doc = fixture("issue-hook-open.json");
    assert_eq!(missing_keys(&doc, issue_hook, &[]), Vec::<String>::new());
    // Escalation fields exist only for incidents.
    let incident_only = ["escalation_status", "escalation_policy"];
    assert_eq!(
        missing_keys(
            &doc["object_attributes"],
            &issue_hook["object_attributes"],
            &incident_only
        ),
        Vec::<String>::new()
    );
    let doc = fixture("note-hook-issue.json");
    assert_eq!(missing_keys(&doc, note_hook, &[]), Vec::<String>::new());
    assert_eq!(
        missing_keys(
            &doc["object_attributes"],
            &note_hook["object_attributes"],
            &[]
        ),
        Vec::<String>::new()
    );
    // `position` and `branch_name` are leftovers of old GitLab versions in the doc example.
    assert_eq!(
        missing_keys(
            &doc["issue"],
            &note_hook["issue"],
            &["position", "branch_name"]
        ),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn webhook_timestamps_can_follow_real_time_while_the_clock_is_moved() {
    let e = env(
        SimConfig {
            real_time_webhook_timestamps: true,
            ..SimConfig::default()
        },
        |url| HookConfig {
            signing_token: Some(SIGNING.into()),
            ..HookConfig::all_events(url)
        },
    )
    .await;
    e.file("now");
    e.sim.flush_webhooks().await;
    let (headers, body) = e.rx.raw().remove(0);
    let ts: i64 = h(&headers, "webhook-timestamp").parse().unwrap();
    assert!((Utc::now().timestamp() - ts).abs() < 60);
    assert_ne!(ts, e.now.timestamp());
    assert!(verify(SIGNING, &headers, &body));
}
