//! What a token's member role lets it see and change (GITLAB.md §5.4, §6.5).

use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_core::model::UserId;
use steward_sim::NewIssue;

use super::support::{BOT, GUEST, env};

#[tokio::test]
async fn a_guests_label_assignee_and_due_date_edits_are_silently_dropped() {
    let e = env().await;
    let new = NewIssue {
        title: "Guest's own request".into(),
        ..NewIssue::default()
    };
    let iid = e.sim.create_issue(e.project, e.guest, new).unwrap();
    let r = e
        .send_as(
            GUEST,
            "PUT",
            &e.issue_path(iid),
            json!({ "title": "Renamed", "add_labels": "urgent",
                    "assignee_ids": [e.guest.0], "due_date": "2027-04-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["title"], "Renamed");
    assert_eq!(body["labels"], json!([]));
    assert_eq!(body["assignees"], json!([]));
    assert_eq!(body["due_date"], Value::Null);
}

#[tokio::test]
async fn confidential_issues_are_404_to_a_guest_who_is_neither_author_nor_assignee() {
    let e = env().await;
    let new = NewIssue {
        title: "Customer escalation".into(),
        confidential: true,
        ..NewIssue::default()
    };
    let iid = e.sim.create_issue(e.project, e.alice, new).unwrap();
    let open = e.issue("Public request");
    let r = e.get_as(GUEST, &e.issue_path(iid)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "message": "404 Not found" })
    );
    let r = e.get_as(GUEST, &e.notes_path(iid)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "message": "404 Issue Not Found" })
    );
    let list: Vec<Value> = e
        .get_as(GUEST, &format!("/projects/{}/issues", e.project))
        .await
        .json()
        .await
        .unwrap();
    let seen: Vec<u64> = list.iter().map(|i| i["iid"].as_u64().unwrap()).collect();
    assert_eq!(seen, vec![open.0]);
    assert_eq!(
        e.get_as(BOT, &e.issue_path(iid)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn assignees_who_cannot_be_assigned_are_filtered_and_none_left_means_unchanged() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    let unknown = UserId(987_654);
    e.put(&e.issue_path(iid), json!({ "assignee_ids": [e.bot.0] }))
        .await;
    let r = e
        .put(&e.issue_path(iid), json!({ "assignee_ids": [unknown.0] }))
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["assignees"][0]["id"], e.bot.0, "unchanged: {body}");
    let r = e
        .put(
            &e.issue_path(iid),
            json!({ "assignee_ids": [unknown.0, e.alice.0] }),
        )
        .await;
    let ids: Vec<u64> = r.json::<Value>().await.unwrap()["assignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![e.alice.0]);
    let r = e
        .put(&e.issue_path(iid), json!({ "assignee_ids": [0] }))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["assignees"], json!([]));
}

#[tokio::test]
async fn adding_and_removing_the_same_label_in_one_put_removes_it() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    e.put(&e.issue_path(iid), json!({ "add_labels": "urgent" }))
        .await;
    let r = e
        .put(
            &e.issue_path(iid),
            json!({ "add_labels": "urgent", "remove_labels": "urgent" }),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["labels"], json!([]));
    let r = e
        .put(
            &e.issue_path(iid),
            json!({ "add_labels": "urgent,Customer Advocacy", "remove_labels": "urgent" }),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["labels"],
        json!(["Customer Advocacy"])
    );
}
