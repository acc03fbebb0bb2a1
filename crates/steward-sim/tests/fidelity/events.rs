//! The Issue Hooks one `PUT` fires, in GitLab's order and with its `changes` keys (Code:
//! `IssuableBaseService#update`; GITLAB.md §6.5).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use chrono::Duration;
use serde_json::{Value, json};
use steward_sim::HookConfig;

use super::support::{Env, env, t0};

type Got = Arc<Mutex<Vec<Value>>>;

async fn record(State(got): State<Got>, body: Bytes) -> &'static str {
    got.lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    "ok"
}

/// An environment whose project hook records every body it is sent.
async fn hooked() -> (Env, Got) {
    let e = env().await;
    let got: Got = Arc::default();
    let app = Router::new()
        .route("/hook", post(record))
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    e.sim.add_hook(
        e.project,
        HookConfig::all_events(format!("http://{addr}/hook")),
    );
    (e, got)
}

/// The issue hooks delivered since the last call: `(action, changes keys)`.
async fn drain(e: &Env, got: &Got) -> Vec<(String, Vec<String>)> {
    e.sim.flush_webhooks().await;
    let bodies: Vec<Value> = std::mem::take(&mut *got.lock().unwrap());
    bodies
        .iter()
        .filter(|b| b["object_kind"] == "issue")
        .map(|b| {
            let action = b["object_attributes"]["action"]
                .as_str()
                .unwrap()
                .to_owned();
            let mut keys: Vec<String> = b["changes"].as_object().unwrap().keys().cloned().collect();
            keys.sort();
            (action, keys)
        })
        .collect()
}

fn keys(k: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = k.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_put_that_closes_and_relabels_fires_close_then_update() {
    let (e, got) = hooked().await;
    let iid = e.issue("Speaker request");
    drain(&e, &got).await;
    e.sim.set_now(t0() + Duration::hours(1));
    let r = e
        .put(
            &e.issue_path(iid),
            json!({ "state_event": "close", "add_labels": "urgent", "description": "Done" }),
        )
        .await;
    assert!(r.status().is_success());
    let hooks = drain(&e, &got).await;
    assert_eq!(
        hooks,
        vec![
            (
                "close".to_owned(),
                keys(&[
                    "closed_at",
                    "closed_by_id",
                    "state_id",
                    "updated_at",
                    "updated_by_id"
                ])
            ),
            (
                "update".to_owned(),
                keys(&[
                    "description",
                    "labels",
                    "last_edited_at",
                    "last_edited_by_id",
                    "updated_at"
                ])
            ),
        ]
    );
}

#[tokio::test]
async fn a_put_that_changes_nothing_still_fires_an_update_with_empty_changes() {
    let (e, got) = hooked().await;
    let iid = e.issue("Speaker request");
    e.put(&e.issue_path(iid), json!({ "add_labels": "urgent" }))
        .await;
    drain(&e, &got).await;
    let before = e.sim.issue(e.project, iid).unwrap().updated_at;
    e.sim.set_now(t0() + Duration::hours(2));
    let r = e
        .put(&e.issue_path(iid), json!({ "add_labels": "urgent" }))
        .await;
    assert!(r.status().is_success());
    assert_eq!(
        drain(&e, &got).await,
        vec![("update".to_owned(), Vec::new())]
    );
    assert_eq!(e.sim.issue(e.project, iid).unwrap().updated_at, before);
}

#[tokio::test]
async fn a_put_that_only_closes_fires_only_close() {
    let (e, got) = hooked().await;
    let iid = e.issue("Speaker request");
    drain(&e, &got).await;
    e.put(&e.issue_path(iid), json!({ "state_event": "close" }))
        .await;
    let hooks = drain(&e, &got).await;
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].0, "close");
    assert!(hooks[0].1.contains(&"closed_at".to_owned()));
}
