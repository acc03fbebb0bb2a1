#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Posting the weekly digest against a mock GitLab over real HTTP, with a real SQLite store:
//! one note per ISO week per target, edited in place when re-run, nothing written when unchanged.

use crate::support::gitlab as support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use steward::digest_post::{PostOutcome, post_digest};
use steward::store::{self, Store, StoreOptions};
use steward_core::digest::{DigestTarget, EpicApi, IsoWeek};
use steward_core::model::{EpicIid, GroupId, IssueIid, ProjectId};
use support::*;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MARKER: &str = "<!-- steward:digest:2026-W48 -->";

fn week() -> IsoWeek {
    "2026-W48".parse().unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T14:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn note_json(id: u64, body: &str) -> Value {
    let mut note = fixture("api-epic-note-response.json");
    note["id"] = json!(id);
    note["body"] = json!(body);
    note["system"] = json!(false);
    note
}

async fn memory_store() -> Arc<dyn Store> {
    store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap()
}

async fn mount_epic(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v4/groups/7/epics/5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 30, "iid": 5, "work_item_id": 901, "group_id": 7,
            "title": "Speaking Opportunities FY27",
            "web_url": "https://gitlab.example.com/groups/adv/-/epics/5"
        })))
        .mount(server)
        .await;
}

/// The epic's work item has no notes yet (the GraphQL notes widget, one empty page).
async fn mount_no_work_item_notes(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_partial_json(
            json!({"variables": {"id": "gid://gitlab/WorkItem/901"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"workItem": {"widgets": [{"type": "NOTES", "discussions": {
                "pageInfo": {"hasNextPage": false, "endCursor": null}, "nodes": []
            }}]}}
        })))
        .mount(server)
        .await;
}

fn epic_target(api: EpicApi) -> DigestTarget {
    DigestTarget::Epic {
        group: GroupId(7),
        epic_iid: EpicIid(5),
        api: Some(api),
    }
}

fn calls(received: &[wiremock::Request]) -> Vec<String> {
    received
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn rest_epic_digest_is_created_then_edited_then_left_alone() {
    let server = MockServer::start().await;
    mount_epic(&server).await;
    // Another comment on the epic, not ours.
    Mock::given(method("GET"))
        .and(path("/api/v4/groups/7/epics/30/notes"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([note_json(302, "Looks good!")])),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/groups/7/epics/30/notes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(note_json(401, "created")))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/groups/7/epics/30/notes/401"))
        .respond_with(ResponseTemplate::new(200).set_body_json(note_json(401, "edited")))
        .mount(&server)
        .await;
    let (gl, store) = (client(&server), memory_store().await);
    let target = epic_target(EpicApi::Rest);
    let monday = format!("{MARKER}\n## Speaking Opportunities\n\n2 open requests.\n");
    let friday = format!("{MARKER}\n## Speaking Opportunities\n\n3 open requests.\n");

    let first = post_digest(&gl, store.as_ref(), &target, week(), &monday, now())
        .await
        .unwrap();
    assert_eq!(first, PostOutcome::Created);
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        calls(&received),
        [
            "GET /api/v4/groups/7/epics/5",
            "GET /api/v4/groups/7/epics/30/notes",
            "POST /api/v4/groups/7/epics/30/notes",
        ]
    );
    let posted = form(&received[2]);
    assert_eq!(posted[0].0, "body");
    assert_eq!(posted[0].1, monday);

    let second = post_digest(&gl, store.as_ref(), &target, week(), &friday, now())
        .await
        .unwrap();
    assert_eq!(second, PostOutcome::Updated);
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        calls(&received[3..]),
        ["PUT /api/v4/groups/7/epics/30/notes/401"]
    );
    assert_eq!(form(&received[3])[0].1, friday);

    let third = post_digest(&gl, store.as_ref(), &target, week(), &friday, now())
        .await
        .unwrap();
    assert_eq!(third, PostOutcome::Unchanged);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        4,
        "the re-run wrote or read"
    );

    // Both writes are in the audit log with GitLab's answers; the unchanged re-run is not.
    let audit = store
        .list_audit(&steward::store::AuditFilter::default())
        .await
        .unwrap();
    let logged: Vec<(&str, Option<&str>, Option<u16>)> = audit
        .iter()
        .rev()
        .map(|r| {
            (
                r.entry.action.as_str(),
                r.entry.api_call.as_deref(),
                r.entry.response_status,
            )
        })
        .collect();
    assert_eq!(
        logged,
        [
            (
                "note.create",
                Some("POST /groups/7/epics/30/notes"),
                Some(201)
            ),
            (
                "note.update",
                Some("PUT /groups/7/epics/30/notes/401"),
                Some(200)
            ),
        ]
    );
}

#[tokio::test]
async fn a_lost_store_finds_the_weeks_note_by_its_marker_instead_of_posting_twice() {
    let server = MockServer::start().await;
    mount_epic(&server).await;
    let old = format!("{MARKER}\nold text");
    Mock::given(method("GET"))
        .and(path("/api/v4/groups/7/epics/30/notes"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!(
                    [note_json(302, "Looks good!"), note_json(350, &old),]
                )),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/groups/7/epics/30/notes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(note_json(999, "dup")))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/groups/7/epics/30/notes/350"))
        .respond_with(ResponseTemplate::new(200).set_body_json(note_json(350, "new")))
        .expect(1)
        .mount(&server)
        .await;
    let (gl, store) = (client(&server), memory_store().await);
    // The body without its marker gets one: the same week's note is still recognised.
    let outcome = post_digest(
        &gl,
        store.as_ref(),
        &epic_target(EpicApi::Rest),
        week(),
        "new text",
        now(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, PostOutcome::Updated);
    let put = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    assert_eq!(form(&put)[0].1, format!("{MARKER}\nnew text"));
}

#[tokio::test]
async fn tracking_issue_fallback_posts_once_per_week() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/5/issues/121/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/5/issues/121/notes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(note_json(77, "x")))
        .expect(1)
        .mount(&server)
        .await;
    let (gl, store) = (client(&server), memory_store().await);
    let target = DigestTarget::Issue {
        project: ProjectId(5),
        iid: IssueIid(121),
    };
    let body = format!("{MARKER}\ndigest");
    let outcomes = [
        post_digest(&gl, store.as_ref(), &target, week(), &body, now())
            .await
            .unwrap(),
        post_digest(&gl, store.as_ref(), &target, week(), &body, now())
            .await
            .unwrap(),
    ];
    assert_eq!(outcomes, [PostOutcome::Created, PostOutcome::Unchanged]);
}

#[tokio::test]
async fn graphql_digest_is_created_on_the_work_item_and_updated_by_note_gid() {
    let server = MockServer::start().await;
    mount_epic(&server).await;
    mount_no_work_item_notes(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_partial_json(json!({"variables": {"noteableId": "gid://gitlab/WorkItem/901"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"createNote": {"note": {"id": "gid://gitlab/Note/555", "body": "b"}, "errors": []}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_partial_json(json!({"variables": {"id": "gid://gitlab/Note/555"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"updateNote": {"note": {"id": "gid://gitlab/Note/555", "body": "b2"}, "errors": []}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (gl, store) = (client(&server), memory_store().await);
    let target = epic_target(EpicApi::GraphQl);
    let mut outcomes = vec![];
    for body in ["first", "second", "second"] {
        outcomes.push(
            post_digest(&gl, store.as_ref(), &target, week(), body, now())
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        outcomes,
        [
            PostOutcome::Created,
            PostOutcome::Updated,
            PostOutcome::Unchanged
        ]
    );
}

/// The body each write carried: the form's `body` (REST) or the mutation's `variables.body`;
/// `None` for a GraphQL query (reading notes carries no body).
fn sent_body(r: &wiremock::Request) -> Option<String> {
    if r.url.path() == "/api/graphql" {
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        return v["variables"]["body"].as_str().map(str::to_owned);
    }
    Some(form(r).into_iter().find(|(k, _)| k == "body").unwrap().1)
}

#[tokio::test]
async fn every_digest_target_sends_a_body_without_quick_actions_that_fits_in_a_gitlab_note() {
    let server = MockServer::start().await;
    mount_epic(&server).await;
    for list in [
        "/api/v4/groups/7/epics/30/notes",
        "/api/v4/projects/5/issues/121/notes",
    ] {
        Mock::given(method("GET"))
            .and(path(list))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(list))
            .respond_with(ResponseTemplate::new(201).set_body_json(note_json(88, "x")))
            .mount(&server)
            .await;
    }
    mount_no_work_item_notes(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"createNote": {"note": {"id": "gid://gitlab/Note/9", "body": "b"}, "errors": []}}
        })))
        .mount(&server)
        .await;
    let (gl, store) = (client(&server), memory_store().await);
    // A renderer's mistake: a line that closes the epic, and 1.2 million characters.
    let body = format!("/close\n{}", "- a request line\n".repeat(75_000));
    let targets = [
        epic_target(EpicApi::Rest),
        epic_target(EpicApi::GraphQl),
        DigestTarget::Issue {
            project: ProjectId(5),
            iid: IssueIid(121),
        },
    ];
    for target in &targets {
        let outcome = post_digest(&gl, store.as_ref(), target, week(), &body, now())
            .await
            .unwrap();
        assert_eq!(outcome, PostOutcome::Created, "{target:?}");
    }
    let writes: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .filter_map(sent_body)
        .collect();
    assert_eq!(writes.len(), 3);
    for sent in &writes {
        assert!(sent.starts_with(MARKER), "{}", &sent[..80]);
        assert!(sent.lines().all(|l| !l.trim_start().starts_with('/')));
        assert!(sent.chars().count() <= steward_core::untrusted::BODY_BUDGET);
    }
    // REST and GraphQL carry the same guarded body.
    assert!(writes.iter().all(|w| w == &writes[0]));
}
