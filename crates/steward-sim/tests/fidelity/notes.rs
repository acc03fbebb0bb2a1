//! Quick actions in new and edited comments, and what a comment does to its issue
//! (GITLAB.md §6.4, §6.5).

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_core::model::IssueState;

use super::support::{env, t0};

#[tokio::test]
async fn quick_actions_in_an_edited_note_run_and_are_stripped() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    let r = e
        .post(&e.notes_path(iid), json!({ "body": "Looking" }))
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    let r = e
        .put(
            &format!("{}/{id}", e.notes_path(iid)),
            json!({ "body": "Looking\n/label ~urgent" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["body"], "Looking");
    assert!(e.sim.issue(e.project, iid).unwrap().has_label("urgent"));
}

#[tokio::test]
async fn an_edit_that_leaves_only_commands_deletes_the_note_and_answers_202() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    let r = e
        .post(&e.notes_path(iid), json!({ "body": "Closing soon" }))
        .await;
    let id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    let r = e
        .put(
            &format!("{}/{id}", e.notes_path(iid)),
            json!({ "body": "/close" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["commands_changes"], json!({ "state_event": "close" }));
    assert_eq!(
        e.sim.issue(e.project, iid).unwrap().state,
        IssueState::Closed
    );
    assert!(e.sim.notes(e.project, iid).iter().all(|n| n.id.0 != id));
    let r = e.get(&format!("{}/{id}", e.notes_path(iid))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "message": "404 Not found" })
    );
}

#[tokio::test]
async fn a_commands_only_note_answers_202_with_the_changes_it_made() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    let r = e
        .post(
            &e.notes_path(iid),
            json!({ "body": "/Close\n/due 2027-04-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["commands_changes"],
        json!({ "state_event": "close", "due_date": "2027-04-01" })
    );
    assert_eq!(
        e.sim.issue(e.project, iid).unwrap().state,
        IssueState::Closed
    );
}

#[tokio::test]
async fn commands_run_as_gitlab_recognises_them_and_not_otherwise() {
    let cases = [
        ("~~~\n/label ~urgent\n~~~", true),
        ("```\n/label ~urgent\n```", false),
        ("<details>\n/label ~urgent\n</details>", false),
        (">>>\n/label ~urgent\n>>>", false),
        ("  /label ~urgent", false),
        ("/LaBeL ~urgent", true),
    ];
    for (body, runs) in cases {
        let e = env().await;
        let iid = e.issue("Speaker request");
        let r = e.post(&e.notes_path(iid), json!({ "body": body })).await;
        assert!(r.status().is_success(), "{body}: {}", r.status());
        let labelled = e.sim.issue(e.project, iid).unwrap().has_label("urgent");
        assert_eq!(labelled, runs, "{body:?}");
    }
}

#[tokio::test]
async fn a_note_bumps_its_issues_updated_at_without_an_issue_hook() {
    let e = env().await;
    let iid = e.issue("Speaker request");
    let later = t0() + Duration::hours(3);
    e.sim.set_now(later);
    let r = e
        .post(&e.notes_path(iid), json!({ "body": "Noted." }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(e.sim.issue(e.project, iid).unwrap().updated_at, later);
    let after = (later - Duration::minutes(1)).to_rfc3339();
    let path = format!(
        "/projects/{}/issues?updated_after={}",
        e.project,
        after.replace('+', "%2B")
    );
    let list: Vec<Value> = e.get(&path).await.json().await.unwrap();
    assert_eq!(
        list.len(),
        1,
        "the commented issue counts as recently updated"
    );
}

#[tokio::test]
async fn epic_notes_strip_quick_actions_and_a_commands_only_one_is_not_saved() {
    let e = env().await;
    let g = e.sim.add_group("customer-advocacy");
    let (epic_id, _) = e.sim.add_epic(g, 7, "Weekly digest").unwrap();
    let path = format!("/groups/{g}/epics/{epic_id}/notes");
    let r = e
        .post(&path, json!({ "body": "Digest\n/label ~urgent" }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let note: Value = r.json().await.unwrap();
    assert_eq!(note["body"], "Digest");
    let one = e.get(&format!("{path}/{}", note["id"])).await;
    assert_eq!(one.status(), StatusCode::OK);
    assert_eq!(one.json::<Value>().await.unwrap()["body"], "Digest");
    let r = e.post(&path, json!({ "body": "/label ~urgent" })).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(e.sim.epic_notes(g, epic_id).len(), 1);
}
