#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Contract tests of `RestGitLab`'s transport: error mapping, timeouts, the rate budget, token
//! hygiene and the `gitlab` crate's `query_async` over our client.

use crate::support::gitlab as support;

use std::num::NonZeroU32;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use steward::gitlab::budget::CallKind;
use steward::gitlab::{ClientConfig, GitLab, GitLabError, RestGitLab};
use steward_core::model::{IssueIid, ProjectId};
use support::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn status_codes_map_to_transient_or_permanent_errors_with_gitlabs_message() {
    let server = MockServer::start().await;
    let cases = [
        (
            1,
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_string("Retry later\n"),
        ),
        (
            2,
            ResponseTemplate::new(500)
                .set_body_json(json!({"message": "500 Internal Server Error"})),
        ),
        (
            3,
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not found"})),
        ),
        (
            4,
            ResponseTemplate::new(403).set_body_json(json!({"message": "403 Forbidden"})),
        ),
        (
            5,
            ResponseTemplate::new(422)
                .set_body_json(json!({"message": {"due_date": ["is invalid"]}})),
        ),
        (
            6,
            ResponseTemplate::new(401).set_body_json(json!({"message": "401 Unauthorized"})),
        ),
    ];
    for (iid, template) in cases {
        Mock::given(method("GET"))
            .and(path(format!("/api/v4/projects/4/issues/{iid}")))
            .respond_with(template)
            .mount(&server)
            .await;
    }
    let gl = client(&server);
    let get = |iid| {
        let gl = gl.clone();
        async move {
            gl.get_issue(&none(), ProjectId(4), IssueIid(iid))
                .await
                .unwrap_err()
        }
    };

    let throttled = get(1).await;
    assert!(throttled.is_transient());
    assert_eq!(throttled.retry_after(), Some(Duration::from_secs(7)));

    let server_error = get(2).await;
    assert!(server_error.is_transient());
    assert_eq!(server_error.status(), Some(500));

    for (iid, status, message) in [
        (3, 404, "404 Not found"),
        (4, 403, "403 Forbidden"),
        (5, 422, r#"{"due_date":["is invalid"]}"#),
        (6, 401, "401 Unauthorized"),
    ] {
        let err = get(iid).await;
        assert!(!err.is_transient(), "{status} must be permanent");
        assert_eq!(err.status(), Some(status));
        let text = err.to_string();
        assert!(
            text.contains(&format!("GET /api/v4/projects/4/issues/{iid}")),
            "{text}"
        );
        assert!(text.contains(message), "{text}");
        assert!(!text.contains(TOKEN));
    }
}

#[tokio::test]
async fn a_read_that_fails_transiently_is_sent_again_in_place_but_a_write_is_not() {
    let server = MockServer::start().await;
    let issue = json!({
        "id": 90, "iid": 9, "project_id": 4, "title": "Speaker request", "description": "",
        "state": "opened", "labels": [], "assignees": [], "author": {"id": 7, "username": "sam"},
        "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z",
        "due_date": null, "confidential": false, "web_url": "https://gitlab.example.com/x/-/issues/9"
    });
    // A 500, then a 429 with a short Retry-After, then the issue.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/9"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "500"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/9"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue))
        .mount(&server)
        .await;
    // Writes fail once and are not repeated by the client.
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/4/issues/9/notes"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "500"})))
        .mount(&server)
        .await;
    // A read GitLab throttles for a minute is handed back to the job runner at once.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/10"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "60"))
        .mount(&server)
        .await;
    let gl = client(&server);

    let got = gl
        .get_issue(&none(), ProjectId(4), IssueIid(9))
        .await
        .unwrap();
    assert_eq!(got.title, "Speaker request");
    let err = gl
        .create_note(&none(), ProjectId(4), IssueIid(9), "hello")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    let err = gl
        .get_issue(&none(), ProjectId(4), IssueIid(10))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));

    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        sent,
        [
            "GET /api/v4/projects/4/issues/9",
            "GET /api/v4/projects/4/issues/9",
            "GET /api/v4/projects/4/issues/9",
            "POST /api/v4/projects/4/issues/9/notes",
            "GET /api/v4/projects/4/issues/10",
        ]
    );
}

#[tokio::test]
async fn a_slow_gitlab_is_a_transient_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 1, "username": "bot"}))
                .set_delay(Duration::from_millis(400)),
        )
        .mount(&server)
        .await;
    let gl = RestGitLab::new(ClientConfig {
        timeout: Duration::from_millis(100),
        ..config(&server)
    })
    .unwrap();
    let err = gl.current_user(&none()).await.unwrap_err();
    assert!(matches!(err, GitLabError::Timeout { .. }), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn an_unreachable_gitlab_is_a_transient_connection_error() {
    // Bind then drop a listener so the port is known to be closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gl = RestGitLab::new(ClientConfig::new(
        format!("http://127.0.0.1:{port}").parse().unwrap(),
        SecretString::from(TOKEN.to_owned()),
    ))
    .unwrap();
    let err = gl.current_user(&none()).await.unwrap_err();
    assert!(matches!(err, GitLabError::Connect { .. }), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn the_token_never_appears_in_debug_output() {
    let server = MockServer::start().await;
    let cfg = config(&server);
    let gl = RestGitLab::new(cfg.clone()).unwrap();
    assert!(!format!("{cfg:?}").contains(TOKEN));
    assert!(!format!("{gl:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_budget_of_two_calls_per_minute_holds_back_the_third_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "username": "bot"})))
        .mount(&server)
        .await;
    let gl = RestGitLab::new(ClientConfig {
        requests_per_minute: NonZeroU32::new(2).unwrap(),
        ..config(&server)
    })
    .unwrap();
    gl.current_user(&none()).await.unwrap();
    gl.current_user(&none()).await.unwrap();
    // The third call is still waiting for the budget well after the first two finished…
    let third = tokio::time::timeout(Duration::from_millis(150), gl.current_user(&none())).await;
    assert!(third.is_err(), "the third call must wait for the budget");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // …and the budget says for how long: about 30 s at 2 per minute.
    let wait = gl.budget().try_acquire(CallKind::Request).unwrap_err();
    assert!(wait > Duration::from_secs(20), "{wait:?}");
}

#[tokio::test]
async fn the_gitlab_crate_query_async_runs_over_our_transport() {
    use gitlab_api::api::AsyncQuery;
    use gitlab_api::api::users::CurrentUser;

    #[derive(serde::Deserialize)]
    struct Me {
        username: String,
    }

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .and(header("PRIVATE-TOKEN", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "username": "bot"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/15"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    let gl = client(&server);
    let me: Me = CurrentUser::builder()
        .build()
        .unwrap()
        .query_async(&gl)
        .await
        .unwrap();
    assert_eq!(me.username, "bot");

    // A 429 keeps its Retry-After instead of disappearing into the crate's own handling.
    let endpoint = gitlab_api::api::projects::issues::Issue::builder()
        .project(4)
        .issue(15)
        .build()
        .unwrap();
    let result: Result<Value, _> = endpoint.query_async(&gl).await;
    match result {
        Err(gitlab_api::api::ApiError::Client { source }) => {
            assert_eq!(source.retry_after(), Some(Duration::from_secs(7)));
        }
        other => panic!("expected our 429 error, got {other:?}"),
    }
}

#[tokio::test]
async fn note_creations_have_their_own_smaller_budget() {
    let server = MockServer::start().await;
    let note = fixture("api-issue-notes-list-response.json")[1].clone();
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/5/issues/121/notes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&note))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "username": "bot"})))
        .mount(&server)
        .await;
    let gl = RestGitLab::new(ClientConfig {
        notes_per_minute: NonZeroU32::new(1).unwrap(),
        ..config(&server)
    })
    .unwrap();
    gl.create_note(&none(), ProjectId(5), IssueIid(121), "first")
        .await
        .unwrap();
    let second = tokio::time::timeout(
        Duration::from_millis(150),
        gl.create_note(&none(), ProjectId(5), IssueIid(121), "second"),
    )
    .await;
    assert!(
        second.is_err(),
        "the second note must wait for the note budget"
    );
    // Reads are not held back by the exhausted note budget.
    gl.current_user(&none()).await.unwrap();
    let posts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1);
}
