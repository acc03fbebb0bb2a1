//! Parameters GitLab refuses, filters it honours, its error wording, the note-creation limit
//! and the hooks one `PUT` fires (GITLAB.md §6.5).

use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_sim::SimConfig;

use super::support::{env, env_with};

#[tokio::test]
async fn list_parameters_gitlab_refuses_answer_400_with_its_wording() {
    let e = env().await;
    let cases = [
        ("order_by=nope", "order_by does not have a valid value"),
        ("sort=up", "sort does not have a valid value"),
        ("state=open", "state does not have a valid value"),
        ("per_page=abc", "per_page is invalid"),
        ("per_page=0", "per_page has a value not allowed"),
        ("per_page=-5", "per_page does not have a valid value"),
        ("confidential=foo", "confidential is invalid"),
        ("iids[]=x", "iids is invalid"),
    ];
    for (q, want) in cases {
        let r = e.get(&format!("/projects/{}/issues?{q}", e.project)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({ "error": want }),
            "{q}"
        );
    }
}

#[tokio::test]
async fn the_filters_steward_may_use_are_honoured() {
    let e = env().await;
    let a = e.issue("Podcast with Acme");
    let b = e.issue("Case study");
    e.put(
        &e.issue_path(b),
        json!({ "assignee_ids": [e.bot.0], "confidential": true }),
    )
    .await;
    let e = &e;
    let iids = |q: &str| {
        let path = format!("/projects/{}/issues?{q}", e.project);
        async move {
            let v: Vec<Value> = e.get(&path).await.json().await.unwrap();
            v.iter()
                .map(|i| i["iid"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(iids("search=podcast").await, vec![a.0]);
    assert_eq!(iids(&format!("assignee_id={}", e.bot.0)).await, vec![b.0]);
    assert_eq!(iids("assignee_id=None").await, vec![a.0]);
    assert_eq!(iids("author_username=alice&sort=asc").await, vec![a.0, b.0]);
    assert_eq!(iids("author_username=nobody").await, Vec::<u64>::new());
    assert_eq!(iids(&format!("iids[]={}", a.0)).await, vec![a.0]);
    assert_eq!(iids("confidential=true").await, vec![b.0]);
}

#[tokio::test]
async fn over_long_titles_and_notes_and_missing_issues_get_gitlabs_answers() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    let r = e
        .put(&e.issue_path(iid), json!({ "title": "t".repeat(256) }))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "message": { "title": ["is too long (maximum is 255 characters)"] } })
    );
    let ok = e
        .put(&e.issue_path(iid), json!({ "title": "t".repeat(255) }))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let r = e
        .post(&e.notes_path(iid), json!({ "body": "x".repeat(1_000_001) }))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let msg = r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.contains("is too long (maximum is 1000000 characters)"),
        "{msg}"
    );
    let r = e.get(&format!("/projects/{}/issues/999", e.project)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "message": "404 Not found" })
    );
}

#[tokio::test]
async fn the_note_creation_limit_answers_429_with_gitlabs_json_and_retry_after() {
    let e = env_with(SimConfig {
        notes_per_minute: Some(2),
        ..SimConfig::default()
    })
    .await;
    let iid = e.issue("Speaker request");
    for n in 0..2 {
        let r = e
            .post(&e.notes_path(iid), json!({ "body": format!("note {n}") }))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = e
        .post(&e.notes_path(iid), json!({ "body": "one too many" }))
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "message": { "error": "This endpoint has been requested too many times. Try again later." } })
    );
    assert_eq!(e.sim.notes(e.project, iid).len(), 2);
}
