#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Contract tests of `RestGitLab` note, label, user, epic and GraphQL calls against a mock
//! GitLab over real HTTP on loopback.

use crate::support::gitlab as support;

use chrono::{TimeZone, Utc};
use serde_json::json;
use steward::gitlab::GitLab;
use steward_core::model::{
    EpicId, EpicIid, GroupId, IssueIid, LabelName, NoteId, ProjectId, UserId, Username,
};
use support::*;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn list_notes_reads_every_page_oldest_first_and_keeps_system_notes() {
    let server = MockServer::start().await;
    let notes = fixture("api-issue-notes-list-response.json");
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/5/issues/121/notes"))
        .and(query_param("page", "1"))
        .and(query_param("sort", "asc"))
        .and(query_param("order_by", "created_at"))
        .and(query_param("per_page", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([notes[0]]))
                .insert_header("x-next-page", "2"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/5/issues/121/notes"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([notes[1]]))
                .insert_header("x-next-page", ""),
        )
        .mount(&server)
        .await;
    let got = client(&server)
        .list_notes(&none(), ProjectId(5), IssueIid(121))
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, NoteId(302));
    assert_eq!(got[0].body, "closed");
    assert!(got[0].system);
    assert_eq!(got[1].body, "Text of the comment\r\n");
    assert_eq!(got[1].author.username, Username::from("pipin"));
    assert_eq!(
        got[1].created_at,
        Utc.with_ymd_and_hms(2013, 10, 2, 9, 56, 3).unwrap()
    );
}

#[tokio::test]
async fn notes_are_created_and_edited_on_the_issue_iid() {
    let server = MockServer::start().await;
    let note = fixture("api-issue-notes-list-response.json")[1].clone();
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/5/issues/121/notes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&note))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/5/issues/121/notes/305"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&note))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let body = "Thanks! <!-- steward:lead-time -->\nLine two";
    let created = gl
        .create_note(&none(), ProjectId(5), IssueIid(121), body)
        .await
        .unwrap();
    assert_eq!(created.id, NoteId(305));
    gl.edit_note(&none(), ProjectId(5), IssueIid(121), NoteId(305), "edited")
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(form(&received[0]), [("body".to_owned(), body.to_owned())]);
    assert_eq!(
        form(&received[1]),
        [("body".to_owned(), "edited".to_owned())]
    );
}

#[tokio::test]
async fn project_labels_include_ancestor_group_labels_across_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/labels"))
        .and(query_param("include_ancestor_groups", "true"))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!([{"id": 1, "name": "triage", "color": "#fff", "is_project_label": true}]),
                )
                .insert_header("x-next-page", "2"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/labels"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!([{"id": 2, "name": "advocacy::speaker", "is_project_label": false}]),
        ))
        .mount(&server)
        .await;
    let labels = client(&server)
        .project_labels(&none(), ProjectId(4))
        .await
        .unwrap();
    assert_eq!(
        labels,
        [
            LabelName::from("triage"),
            LabelName::from("advocacy::speaker")
        ]
    );
}

#[tokio::test]
async fn user_lookup_by_username_returns_the_match_or_none() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("username", "Jocelyn.HV"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"id": 77, "username": "jocelyn.hv"}])),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("username", "nobody"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let gl = client(&server);
    let found = gl
        .user_by_username(&none(), &Username::from("Jocelyn.HV"))
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.id), Some(UserId(77)));
    let missing = gl
        .user_by_username(&none(), &Username::from("nobody"))
        .await
        .unwrap();
    assert_eq!(missing, None);
}

#[tokio::test]
async fn epic_is_read_by_iid_and_its_notes_are_addressed_by_epic_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/groups/7/epics/5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 30, "iid": 5, "work_item_id": 901, "group_id": 7, "title": "Speaking Opportunities FY27",
            "web_url": "https://gitlab.example.com/groups/adv/-/epics/5"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let note = fixture("api-epic-note-response.json");
    Mock::given(method("GET"))
        .and(path("/api/v4/groups/7/epics/30/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([note])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/groups/7/epics/30/notes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&note))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/groups/7/epics/30/notes/302"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&note))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let epic = gl.get_epic(&none(), GroupId(7), EpicIid(5)).await.unwrap();
    assert_eq!(
        (epic.id, epic.iid, epic.work_item_id),
        (EpicId(30), EpicIid(5), Some(901))
    );
    assert_eq!(
        epic.work_item_gid().as_deref(),
        Some("gid://gitlab/WorkItem/901")
    );
    let notes = gl
        .list_epic_notes(&none(), GroupId(7), epic.id)
        .await
        .unwrap();
    assert_eq!(notes[0].body, "Epic note");
    assert_eq!(notes[0].id, NoteId(302));
    let created = gl
        .create_epic_note(&none(), GroupId(7), epic.id, "digest")
        .await
        .unwrap();
    assert_eq!(created.author.id, UserId(1));
    gl.edit_epic_note(&none(), GroupId(7), epic.id, NoteId(302), "digest v2")
        .await
        .unwrap();
}

#[tokio::test]
async fn work_item_notes_go_through_graphql_and_a_missing_note_is_a_permanent_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(header("PRIVATE-TOKEN", TOKEN))
        .and(body_json(json!({
            "query": "mutation StewardCreateNote($noteableId: NoteableID!, $body: String!, $internal: Boolean) { createNote(input: {noteableId: $noteableId, body: $body, internal: $internal}) { note { id body } errors } }",
            "variables": {"noteableId": "gid://gitlab/WorkItem/901", "body": "weekly digest", "internal": false}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"createNote": {"note": {"id": "gid://gitlab/Note/555", "body": "weekly digest"}, "errors": []}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"updateNote": null},
            "errors": [{"message": "The resource that you are attempting to access does not exist or you don't have permission"}]
        })))
        .mount(&server)
        .await;
    let gl = client(&server);
    let note = gl
        .work_item_create_note(&none(), "gid://gitlab/WorkItem/901", "weekly digest", false)
        .await
        .unwrap();
    assert_eq!(note.gid, "gid://gitlab/Note/555");
    let err = gl
        .work_item_update_note(&none(), "gid://gitlab/Note/1", "x")
        .await
        .unwrap_err();
    // GitLab's "does not exist" answer is a 404 to callers (a deleted digest is posted again).
    assert!(err.is_not_found(), "{err}");
    assert!(!err.is_transient());
    assert!(err.to_string().contains("does not exist"));
}

#[tokio::test]
async fn every_note_write_is_guarded_by_the_client_against_quick_actions() {
    let server = MockServer::start().await;
    let note = fixture("api-issue-notes-list-response.json")[1].clone();
    let epic_note = fixture("api-epic-note-response.json");
    for (verb, at, reply) in [
        ("POST", "/api/v4/projects/5/issues/121/notes", &note),
        ("PUT", "/api/v4/projects/5/issues/121/notes/305", &note),
        ("POST", "/api/v4/groups/7/epics/30/notes", &epic_note),
        ("PUT", "/api/v4/groups/7/epics/30/notes/305", &epic_note),
    ] {
        Mock::given(method(verb))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(reply))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"createNote": {"note": {"id": "gid://gitlab/Note/9", "body": "b"}, "errors": []}}
        })))
        .mount(&server)
        .await;
    let gl = client(&server);
    let body = "Hello\n/close\n  /label ~x";
    let (p, i, ctx) = (ProjectId(5), IssueIid(121), none());
    gl.create_note(&ctx, p, i, body).await.unwrap();
    gl.edit_note(&ctx, p, i, NoteId(305), body).await.unwrap();
    gl.create_epic_note(&ctx, GroupId(7), EpicId(30), body)
        .await
        .unwrap();
    gl.edit_epic_note(&ctx, GroupId(7), EpicId(30), NoteId(305), body)
        .await
        .unwrap();
    gl.work_item_create_note(&ctx, "gid://gitlab/WorkItem/901", body, false)
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    let sent: Vec<String> = received
        .iter()
        .map(|r| match r.url.path() {
            "/api/graphql" => {
                let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                v["variables"]["body"].as_str().unwrap().to_owned()
            }
            _ => form(r)[0].1.clone(),
        })
        .collect();
    assert_eq!(sent.len(), 5);
    for s in sent {
        assert_eq!(s, "Hello\n\\/close\n  \\/label ~x");
    }
}
