#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Contract tests of `RestGitLab` issue calls against a mock GitLab over real HTTP on loopback:
//! method, path (iid, never id), parameters, headers, pagination and the decoding of GitLab's
//! documented REST responses.

use crate::support::gitlab as support;

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;
use steward::gitlab::{
    CallContext, DueDateEdit, DueDateFilter, GitLab, GitLabError, IssueEdit, IssueOrderBy,
    IssueQuery, PageCursor, SortDirection,
};
use steward_core::model::{IssueIid, IssueState, LabelName, ProjectId, UserId, UserRef, Username};
use support::*;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn current_user_reads_the_bot_identity_with_the_private_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .and(header("PRIVATE-TOKEN", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 42, "username": "project_4_bot_abc", "name": "Steward", "state": "active"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let me = client(&server).current_user(&none()).await.unwrap();
    assert_eq!(
        me,
        UserRef {
            id: UserId(42),
            username: Username::from("project_4_bot_abc")
        }
    );
}

#[tokio::test]
async fn get_issue_addresses_the_iid_and_decodes_gitlabs_documented_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/15"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("api-issue-edit-response.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let issue = client(&server)
        .get_issue(&none(), ProjectId(4), IssueIid(15))
        .await
        .unwrap();
    assert_eq!(issue.iid, IssueIid(15));
    assert_eq!(issue.id.0, 85);
    assert_eq!(issue.project_id, ProjectId(4));
    assert_eq!(issue.state, IssueState::Closed);
    assert_eq!(issue.title, "Issues with auth");
    assert_eq!(issue.description, "", "a null description reads as empty");
    assert_eq!(issue.labels, BTreeSet::from([LabelName::from("bug")]));
    assert!(issue.assignees.is_empty());
    assert_eq!(
        issue.author,
        Some(UserRef {
            id: UserId(18),
            username: Username::from("eileen.lowe")
        })
    );
    assert_eq!(issue.due_date, NaiveDate::from_ymd_opt(2016, 7, 22));
    assert_eq!(
        issue.created_at,
        Utc.with_ymd_and_hms(2016, 1, 7, 12, 46, 1).unwrap() + chrono::Duration::milliseconds(410)
    );
    assert_eq!(
        issue.updated_at,
        Utc.with_ymd_and_hms(2016, 1, 7, 12, 55, 16).unwrap() + chrono::Duration::milliseconds(213)
    );
    assert_eq!(
        issue.web_url,
        "http://gitlab.example.com/my-group/my-project/issues/15"
    );
    assert!(issue.owned_note_keys.is_empty());
}

#[tokio::test]
async fn list_issues_sends_the_filters_and_follows_next_page_across_three_pages() {
    let server = MockServer::start().await;
    for (page, next, iids) in [("1", "2", [1, 2]), ("2", "3", [3, 4]), ("3", "", [5, 6])] {
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/4/issues"))
            .and(query_param("page", page))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([issue_json(iids[0]), issue_json(iids[1])]))
                    .insert_header("x-next-page", next)
                    .insert_header("x-total", "6")
                    .insert_header("x-page", page),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let query = IssueQuery {
        state: Some(IssueState::Opened),
        labels: vec![
            LabelName::from("advocacy::speaker"),
            LabelName::from("triage"),
        ],
        updated_after: Some(Utc.with_ymd_and_hms(2026, 3, 1, 8, 30, 0).unwrap()),
        due_date: Some(DueDateFilter::Overdue),
        order_by: Some(IssueOrderBy::UpdatedAt),
        sort: Some(SortDirection::Asc),
        updated_before: None,
    };
    let issues = client(&server)
        .list_issues(&none(), ProjectId(4), &query)
        .await
        .unwrap();
    let iids: Vec<u64> = issues.iter().map(|i| i.iid.0).collect();
    assert_eq!(iids, [1, 2, 3, 4, 5, 6]);
    assert_eq!(
        issues[0].labels,
        BTreeSet::from([LabelName::from("foo"), LabelName::from("bar")])
    );
    assert_eq!(issues[0].assignees[0].username, Username::from("root"));

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    let q = query_of(&received[0]);
    let expected = [
        ("state", "opened"),
        ("labels", "advocacy::speaker,triage"),
        ("updated_after", "2026-03-01T08:30:00Z"),
        ("due_date", "overdue"),
        ("order_by", "updated_at"),
        ("sort", "asc"),
        ("per_page", "100"),
        ("page", "1"),
    ];
    for (k, v) in expected {
        assert_eq!(q.get(k).map(String::as_str), Some(v), "query parameter {k}");
    }
}

#[tokio::test]
async fn listing_more_than_ten_thousand_issues_relies_on_next_page_alone() {
    // GITLAB.md §3.3: past 10,000 matches GitLab omits x-total, x-total-pages and rel="last".
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues"))
        .and(query_param("page", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([issue_json(9_901)]))
                .insert_header("x-next-page", "101")
                .insert_header("x-page", "100"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues"))
        .and(query_param("page", "101"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([issue_json(10_001)]))
                .insert_header("x-next-page", ""),
        )
        .mount(&server)
        .await;
    let gl = client(&server);
    let query = IssueQuery::default();
    let page = gl
        .list_issues_page(&none(), ProjectId(4), &query, &PageCursor::Offset(100))
        .await
        .unwrap();
    assert_eq!(page.items[0].iid, IssueIid(9_901));
    assert_eq!(page.next, Some(PageCursor::Offset(101)));
    let last = gl
        .list_issues_page(&none(), ProjectId(4), &query, &PageCursor::Offset(101))
        .await
        .unwrap();
    assert_eq!(last.items[0].iid, IssueIid(10_001));
    assert_eq!(last.next, None);
}

#[tokio::test]
async fn edit_issue_sends_one_put_with_label_assignee_and_due_date_changes() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/4/issues/15"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("api-issue-edit-response.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let edit = IssueEdit {
        add_labels: BTreeSet::from([
            LabelName::from("lead-time::late"),
            LabelName::from("advocacy::speaker"),
        ]),
        remove_labels: BTreeSet::from([LabelName::from("triage")]),
        assignee_ids: Some(vec![UserId(9), UserId(12)]),
        due_date: Some(DueDateEdit::Set(
            NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(),
        )),
        state_event: None,
    };
    let ctx = CallContext::for_event("13792a34-cac6-4fda-95a8-c58e00a3954e");
    let issue = client(&server)
        .edit_issue(&ctx, ProjectId(4), IssueIid(15), &edit)
        .await
        .unwrap();
    assert_eq!(issue.iid, IssueIid(15));

    let req = only_request(&server).await;
    assert_eq!(req.headers.get("private-token").unwrap(), TOKEN);
    assert_eq!(
        req.headers.get("x-gitlab-event-uuid").unwrap(),
        "13792a34-cac6-4fda-95a8-c58e00a3954e"
    );
    let params = form(&req);
    let get = |k: &str| {
        params
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(get("add_labels"), ["advocacy::speaker,lead-time::late"]);
    assert_eq!(get("remove_labels"), ["triage"]);
    assert_eq!(get("assignee_ids[]"), ["9", "12"]);
    assert_eq!(get("due_date"), ["2026-05-04"]);
}

#[tokio::test]
async fn edit_issue_can_unassign_everyone_and_clear_the_due_date() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v4/projects/4/issues/15"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("api-issue-edit-response.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let edit = IssueEdit {
        assignee_ids: Some(vec![]),
        due_date: Some(DueDateEdit::Clear),
        ..IssueEdit::default()
    };
    client(&server)
        .edit_issue(&none(), ProjectId(4), IssueIid(15), &edit)
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert!(
        req.headers.get("x-gitlab-event-uuid").is_none(),
        "no UUID without a delivery"
    );
    let params = form(&req);
    assert!(
        params.contains(&("assignee_ids[]".into(), "0".into())),
        "{params:?}"
    );
    assert!(
        params.contains(&("due_date".into(), String::new())),
        "{params:?}"
    );
}

#[tokio::test]
async fn edit_issue_closes_and_reopens_with_state_event() {
    for (change, sent) in [
        (steward_core::model::StateChange::Close, "close"),
        (steward_core::model::StateChange::Reopen, "reopen"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path("/api/v4/projects/4/issues/15"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("api-issue-edit-response.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        let edit = IssueEdit {
            add_labels: BTreeSet::from([LabelName::from("outcome::no-response")]),
            state_event: Some(change),
            ..IssueEdit::default()
        };
        client(&server)
            .edit_issue(&none(), ProjectId(4), IssueIid(15), &edit)
            .await
            .unwrap();
        let params = form(&only_request(&server).await);
        assert!(
            params.contains(&("state_event".into(), sent.into())),
            "{params:?}"
        );
        assert!(
            params.contains(&("add_labels".into(), "outcome::no-response".into())),
            "one PUT carries the outcome label and the state change: {params:?}"
        );
    }
}

#[tokio::test]
async fn an_edit_that_changes_nothing_sends_no_request() {
    let server = MockServer::start().await;
    let err = client(&server)
        .edit_issue(&none(), ProjectId(4), IssueIid(15), &IssueEdit::default())
        .await
        .unwrap_err();
    assert!(matches!(err, GitLabError::InvalidRequest(_)));
    assert!(!err.is_transient());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_event_uuid_is_forwarded_only_when_the_call_answers_a_delivery() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/15"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("api-issue-edit-response.json")),
        )
        .mount(&server)
        .await;
    let gl = client(&server);
    gl.get_issue(
        &CallContext::for_event("uuid-1"),
        ProjectId(4),
        IssueIid(15),
    )
    .await
    .unwrap();
    gl.get_issue(&none(), ProjectId(4), IssueIid(15))
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received[0].headers.get("x-gitlab-event-uuid").unwrap(),
        "uuid-1"
    );
    assert!(received[1].headers.get("x-gitlab-event-uuid").is_none());
    assert!(
        query_of(&received[0]).is_empty(),
        "a single issue read has no parameters"
    );
}

#[tokio::test]
async fn the_client_works_behind_a_shared_trait_object_across_tasks() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues/15"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("api-issue-edit-response.json")),
        )
        .expect(2)
        .mount(&server)
        .await;
    let gl: std::sync::Arc<dyn GitLab> = std::sync::Arc::new(client(&server));
    let other = gl.clone();
    let task = tokio::spawn(async move {
        other
            .get_issue(&CallContext::none(), ProjectId(4), IssueIid(15))
            .await
            .map(|i| i.title)
    });
    let here = gl
        .get_issue(&none(), ProjectId(4), IssueIid(15))
        .await
        .unwrap();
    assert_eq!(task.await.unwrap().unwrap(), here.title);
}
