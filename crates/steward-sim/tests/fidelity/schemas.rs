//! The simulator's REST responses against GitLab's own v4 response schemas (vendored; see
//! `tests/fixtures/gitlab-schemas/README.md` for sources and the reading of each file).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::schema_check::violations;
use super::support::{GUEST, env};

/// Keys GitLab returns on notes today that the vendored `notes.json` revision does not list
/// (the real response `tests/fixtures/gitlab/api-issue-notes-list-response.json` has them).
const NOTE_KEYS_NEWER_THAN_SCHEMA: &[&str] = &["project_id", "imported", "imported_from"];

/// Keys `Entities::ProjectLabel` adds to `Entities::LabelBasic` (`label_basic.json` is closed).
const PROJECT_LABEL_KEYS: &[&str] = &["priority", "is_project_label", "subscribed"];

fn assert_valid(file: &str, v: &Value, extra: &[&str]) {
    let problems = violations(file, v, extra);
    assert!(
        problems.is_empty(),
        "{file}:\n{}\n{v:#}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn issues_single_and_listed_satisfy_gitlabs_issue_schemas() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    let r = e
        .put(
            &e.issue_path(iid),
            json!({ "assignee_ids": [e.bot.0], "add_labels": "urgent", "due_date": "2027-04-01",
                    "state_event": "close" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_valid("issue.json", &r.json().await.unwrap(), &[]);
    let one: Value = e.get(&e.issue_path(iid)).await.json().await.unwrap();
    assert_valid("issue.json", &one, &[]);
    e.issue("Another");
    let list: Value = e
        .get(&format!("/projects/{}/issues", e.project))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_valid("issues.json", &list, &[]);
}

#[tokio::test]
async fn notes_satisfy_gitlabs_notes_schema() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    e.put(&e.issue_path(iid), json!({ "add_labels": "urgent" }))
        .await;
    let r = e
        .post(&e.notes_path(iid), json!({ "body": "Thanks" }))
        .await;
    let note: Value = r.json().await.unwrap();
    assert_valid("notes.json", &json!([note]), NOTE_KEYS_NEWER_THAN_SCHEMA);
    let list: Value = e.get(&e.notes_path(iid)).await.json().await.unwrap();
    assert!(list.as_array().unwrap().iter().any(|n| n["system"] == true));
    assert_valid("notes.json", &list, NOTE_KEYS_NEWER_THAN_SCHEMA);
    let g = e.sim.add_group("customer-advocacy");
    let (epic_id, _) = e.sim.add_epic(g, 3, "Digest").unwrap();
    let r = e
        .post(
            &format!("/groups/{g}/epics/{epic_id}/notes"),
            json!({ "body": "Week 9" }),
        )
        .await;
    let note: Value = r.json().await.unwrap();
    assert_valid("notes.json", &json!([note]), NOTE_KEYS_NEWER_THAN_SCHEMA);
}

#[tokio::test]
async fn labels_listed_and_single_satisfy_gitlabs_label_schemas() {
    let e = env().await;
    let list: Value = e
        .get(&format!("/projects/{}/labels", e.project))
        .await
        .json()
        .await
        .unwrap();
    for l in list.as_array().unwrap() {
        assert_valid("labels/project_label.json", l, &[]);
        assert_valid("label_basic.json", l, PROJECT_LABEL_KEYS);
    }
    let id = list[0]["id"].as_u64().unwrap();
    let by_id = e.get(&format!("/projects/{}/labels/{id}", e.project)).await;
    assert_eq!(by_id.status(), StatusCode::OK);
    let by_id: Value = by_id.json().await.unwrap();
    assert_eq!(by_id["id"], id);
    assert_valid("label_basic.json", &by_id, PROJECT_LABEL_KEYS);
    let by_name = e
        .get(&format!(
            "/projects/{}/labels/advocacy-status%3A%3Atriage",
            e.project
        ))
        .await;
    assert_eq!(
        by_name.json::<Value>().await.unwrap()["name"],
        "advocacy-status::triage"
    );
    let missing = e.get(&format!("/projects/{}/labels/nope", e.project)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        json!({ "message": "404 Label Not Found" })
    );
}

#[tokio::test]
async fn users_satisfy_gitlabs_user_schemas() {
    let e = env().await;
    for token in [super::support::BOT, GUEST] {
        let me: Value = e.get_as(token, "/user").await.json().await.unwrap();
        assert_valid("user/public.json", &me, &[]);
        assert_valid("user/basic.json", &me, &[]);
    }
    let found: Value = e.get("/users?username=ALICE").await.json().await.unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_valid("user/basic.json", &found[0], &[]);
}
