#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Contract tests of `RestGitLab`'s keyset paging and `GET /version` against a mock GitLab:
//! the first keyset request's parameters, the `Link: rel="next"` followed on the configured
//! host (never the link's own), an old GitLab's offset answer to a keyset request, and a link
//! to another endpoint refused (GITLAB.md §6.3).

use crate::support::gitlab as support;

use serde_json::json;
use steward::gitlab::{GitLab, GitLabError, IssueOrderBy, IssueQuery, PageCursor, SortDirection};
use steward_core::model::{IssueIid, ProjectId};
use support::*;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn by_update() -> IssueQuery {
    IssueQuery {
        order_by: Some(IssueOrderBy::UpdatedAt),
        sort: Some(SortDirection::Desc),
        ..IssueQuery::default()
    }
}

#[tokio::test]
async fn a_keyset_listing_asks_for_keyset_and_follows_the_next_link_on_the_configured_host() {
    let server = MockServer::start().await;
    // GitLab writes its external URL into the link, not the address Steward uses.
    let next = "https://gitlab.example.com/api/v4/projects/4/issues?cursor=eyJpZCI6IjUifQ%3D%3D\
                &order_by=updated_at&pagination=keyset&per_page=100&sort=desc";
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues"))
        .and(query_param("pagination", "keyset"))
        .and(query_param_is_missing("cursor"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([issue_json(1), issue_json(2)]))
                .insert_header("link", format!("<{next}>; rel=\"next\"").as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues"))
        .and(query_param("cursor", "eyJpZCI6IjUifQ=="))
        .and(header("PRIVATE-TOKEN", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([issue_json(3)])))
        .expect(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let query = by_update();
    let first = gl
        .list_issues_page(&none(), ProjectId(4), &query, &PageCursor::Keyset(None))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.next, Some(PageCursor::Keyset(Some(next.to_owned()))));
    let q = query_of(&server.received_requests().await.unwrap()[0]);
    for (k, v) in [
        ("pagination", "keyset"),
        ("per_page", "100"),
        ("order_by", "updated_at"),
        ("sort", "desc"),
    ] {
        assert_eq!(q.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert!(!q.contains_key("page"), "no page number on keyset requests");
    let last = gl
        .list_issues_page(&none(), ProjectId(4), &query, first.next.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(last.items[0].iid, IssueIid(3));
    assert_eq!(last.next, None, "no Link: the last page");
}

#[tokio::test]
async fn an_old_gitlab_answering_a_keyset_request_by_offset_continues_by_page_number() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/issues"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([issue_json(1)]))
                .insert_header("x-page", "1")
                .insert_header("x-next-page", "2")
                .insert_header(
                    "link",
                    "<https://g/api/v4/projects/4/issues?page=2&pagination=keyset>; rel=\"next\"",
                ),
        )
        .mount(&server)
        .await;
    let page = client(&server)
        .list_issues_page(
            &none(),
            ProjectId(4),
            &by_update(),
            &PageCursor::Keyset(None),
        )
        .await
        .unwrap();
    assert_eq!(page.next, Some(PageCursor::Offset(2)));
}

#[tokio::test]
async fn a_next_link_to_another_endpoint_is_refused_without_a_request() {
    let server = MockServer::start().await;
    let elsewhere = PageCursor::Keyset(Some(
        "https://gitlab.example.com/api/v4/projects/9/issues?cursor=abc".into(),
    ));
    let err = client(&server)
        .list_issues_page(&none(), ProjectId(4), &by_update(), &elsewhere)
        .await
        .unwrap_err();
    assert!(matches!(err, GitLabError::Decode { .. }), "{err}");
    assert!(
        err.to_string().contains("/api/v4/projects/4/issues"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_version_is_read_from_get_version() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/version"))
        .and(header("PRIVATE-TOKEN", TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"version": "19.1.0-ee", "revision": "4e963fe"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let v = client(&server).version(&none()).await.unwrap();
    assert_eq!(
        (v.version.as_str(), v.revision.as_str()),
        ("19.1.0-ee", "4e963fe")
    );
}
