//! The cache's behaviour against a mock GitLab.

use super::*;
use crate::gitlab::{ClientConfig, RestGitLab};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn gitlab() -> (MockServer, CachedGitLab) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/4/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!([{"id": 1, "name": "triage", "is_project_label": true}]),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([{"id": 77, "username": "jocelyn.hv"}])),
        )
        .mount(&server)
        .await;
    let cfg = ClientConfig::new(
        server.uri().parse().unwrap(),
        secrecy::SecretString::from("glpat-cache"),
    );
    let inner: Arc<dyn GitLab> = Arc::new(RestGitLab::new(cfg).unwrap());
    (server, CachedGitLab::new(inner))
}

#[tokio::test]
async fn labels_and_users_are_read_once_and_a_refresh_soon_after_reads_nothing() {
    let (server, gl) = gitlab().await;
    let ctx = CallContext::none();
    for _ in 0..3 {
        let labels = gl.project_labels(&ctx, ProjectId(4)).await.unwrap();
        assert_eq!(labels, [LabelName::from("triage")]);
    }
    // Read less than a minute ago: a forced refresh is served from the cache too.
    gl.refresh_labels(&ctx, ProjectId(4)).await.unwrap();
    for name in ["Jocelyn.HV", "jocelyn.hv", "JOCELYN.HV"] {
        let user = gl.user_by_username(&ctx, &Username::from(name)).await;
        assert_eq!(user.unwrap().map(|u| u.id.0), Some(77));
    }
    let requests = server.received_requests().await.unwrap();
    let count = |p: &str| requests.iter().filter(|r| r.url.path() == p).count();
    assert_eq!(count("/api/v4/projects/4/labels"), 1, "one label listing");
    assert_eq!(
        count("/api/v4/users"),
        1,
        "one lookup per username, any case"
    );
}
