//! Shared helpers of the GitLab client contract tests: fixtures, a client pointed at the
//! mock server, and readers for the requests the mock received.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use secrecy::SecretString;
use serde_json::{Value, json};
use steward::gitlab::{CallContext, ClientConfig, RestGitLab};
use wiremock::{MockServer, Request};

pub const TOKEN: &str = "glpat-contract-test-token-123";

pub fn fixture(name: &str) -> Value {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/gitlab")
            .join(name),
    )
    .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(
        server.uri().parse().unwrap(),
        SecretString::from(TOKEN.to_owned()),
    )
}

pub fn client(server: &MockServer) -> RestGitLab {
    RestGitLab::new(config(server)).unwrap()
}

pub fn none() -> CallContext {
    CallContext::none()
}

/// An issue shaped like GitLab's list response with the given iid.
pub fn issue_json(iid: u64) -> Value {
    let mut v = fixture("api-issues-list-response.json")[0].clone();
    v["iid"] = json!(iid);
    v["id"] = json!(1000 + iid);
    v
}

/// The form parameters of a request body, in order (repeated keys kept).
pub fn form(req: &Request) -> Vec<(String, String)> {
    let body = String::from_utf8(req.body.clone()).unwrap();
    let url = reqwest::Url::parse(&format!("http://form.invalid/?{body}")).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn query_of(req: &Request) -> BTreeMap<String, String> {
    req.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub async fn only_request(server: &MockServer) -> Request {
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "exactly one request expected");
    received.remove(0)
}
