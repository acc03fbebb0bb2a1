#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The GitLab client's metrics as Prometheus renders them: calls by endpoint and status, and
//! the time spent waiting for the rate budget.

use metrics_exporter_prometheus::PrometheusBuilder;
use secrecy::SecretString;
use serde_json::json;
use steward::gitlab::{CallContext, ClientConfig, GitLab, RestGitLab};
use steward_core::model::{IssueIid, ProjectId};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn calls_are_counted_by_endpoint_and_status_and_budget_waits_are_recorded() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // A current-thread runtime polls every future inside the closure, so the thread-local
    // recorder sees all of the client's metrics.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(method("GET"))
                .and(path("/api/v4/user"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(json!({"id": 1, "username": "bot"})),
                )
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/api/v4/projects/4/issues/9"))
                .respond_with(
                    ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not found"})),
                )
                .mount(&server)
                .await;
            let gl = RestGitLab::new(ClientConfig::new(
                server.uri().parse().unwrap(),
                SecretString::from("glpat-metrics-token".to_owned()),
            ))
            .unwrap();
            let ctx = CallContext::none();
            gl.current_user(&ctx).await.unwrap();
            gl.current_user(&ctx).await.unwrap();
            gl.get_issue(&ctx, ProjectId(4), IssueIid(9))
                .await
                .unwrap_err();
        });
    });
    let text = handle.render();
    assert!(
        text.contains(r#"steward_gitlab_calls_total{endpoint="user.current",status="200"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"steward_gitlab_calls_total{endpoint="issues.get",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("steward_gitlab_budget_wait_seconds"),
        "{text}"
    );
    assert!(!text.contains("glpat-metrics-token"));
}
