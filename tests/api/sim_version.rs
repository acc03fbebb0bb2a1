#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The simulator pretending to be a given GitLab release, over real HTTP: `GET /version` in
//! GitLab's shape and auth rules, keyset pages of project issues (18.3+) with GitLab's `Link`,
//! GitLab's 405 past the maximum offset, and what a 17.11 does instead (GITLAB.md §6.2, §6.3).

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use steward_core::model::ProjectId;
use steward_sim::{NewIssue, SimConfig, SimHandle, Simulator};

const TOKEN: &str = "bot-token";

async fn sim(version: &str, max_offset: usize, issues: usize) -> (SimHandle, ProjectId) {
    let sim = Simulator::start(SimConfig {
        gitlab_version: version.into(),
        offset_pagination_limit: max_offset,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let bot = sim.add_user("steward-bot", "Steward");
    sim.add_token(TOKEN, bot);
    let project = sim.add_project("customer-advocacy/requests");
    for k in 0..issues {
        let new = NewIssue {
            title: format!("Request {k}"),
            ..NewIssue::default()
        };
        sim.create_issue(project, bot, new).unwrap();
    }
    (sim, project)
}

async fn get(url: &str) -> reqwest::Response {
    Client::new()
        .get(url)
        .header("PRIVATE-TOKEN", TOKEN)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn version_answers_authenticated_users_in_gitlabs_shape() {
    let (sim, _) = sim("17.11.5-ee", 50_000, 0).await;
    let url = format!("{}/api/v4/version", sim.base_url());
    let v: Value = get(&url).await.json().await.unwrap();
    assert_eq!(v["version"], "17.11.5-ee");
    assert!(v["revision"].as_str().is_some_and(|r| !r.is_empty()));
    let anonymous = Client::new().get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sim.counters().by_endpoint["version.get"], 2);
}

#[tokio::test]
async fn a_current_gitlab_pages_issues_by_keyset_and_refuses_offsets_past_the_maximum() {
    let (sim, project) = sim("19.1.0-ee", 10, 12).await;
    let base = format!("{}/api/v4/projects/{project}/issues", sim.base_url());
    let first = get(&format!(
        "{base}?pagination=keyset&per_page=5&order_by=created_at&sort=asc"
    ))
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get("x-next-page").is_none());
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let next = link
        .trim_start_matches('<')
        .split_once('>')
        .unwrap()
        .0
        .to_owned();
    assert!(
        next.starts_with(&base) && next.contains("cursor="),
        "{link}"
    );
    let page1: Vec<Value> = first.json().await.unwrap();
    let page2: Vec<Value> = get(&next).await.json().await.unwrap();
    assert_eq!(page1.len() + page2.len(), 10);
    assert!(page1.last().unwrap()["iid"].as_u64() < page2[0]["iid"].as_u64());

    let capped = get(&format!("{base}?page=3&per_page=5")).await;
    assert_eq!(capped.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = capped.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "Offset pagination has a maximum allowed offset of 10 for requests that \
            return objects of type Issue. Remaining records can be retrieved using keyset \
            pagination."})
    );
}

#[tokio::test]
async fn gitlab_17_11_ignores_keyset_has_no_offset_cap_and_no_work_item_epics() {
    let (sim, project) = sim("17.11.5-ee", 10, 12).await;
    let base = format!("{}/api/v4/projects/{project}/issues", sim.base_url());
    let r = get(&format!("{base}?pagination=keyset&per_page=5")).await;
    assert_eq!(r.headers()["x-next-page"], "2", "answered by offset");
    assert_eq!(
        get(&format!("{base}?page=3&per_page=5")).await.status(),
        StatusCode::OK
    );

    let group = sim.add_group("customer-advocacy");
    let (_, work_item) = sim.add_epic(group, 3, "Speaking Opportunities").unwrap();
    let query = format!(
        r#"mutation {{ createNote(input: {{noteableId: "gid://gitlab/WorkItem/{work_item}", body: "digest"}}) {{ note {{ id }} errors }} }}"#
    );
    let v: Value = Client::new()
        .post(format!("{}/api/graphql", sim.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["data"]["createNote"].is_null(), "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{v}"
    );
}
