//! End to end through the simulator (real HTTP, the shipped rules, a fixed clock): the
//! customer ledger. Two requests for one customer and one event are labelled possible
//! duplicates, linked with GitLab's issue-links API and each requester told once; the team
//! sees the account's asks in an internal note a Guest cannot read; closing one as a duplicate
//! clears the other's flag; a third open ask goes over the fatigue cap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::approvals::{close_as, file_approval};
use chrono::{DateTime, Utc};
use serde_json::Value;
use steward::harness::{Harness, HarnessOptions};
use steward_core::customers::{DUPLICATE_NOTE, FATIGUE_NOTE, LEDGER_NOTE};
use steward_core::model::{IssueIid, IssueState, LabelName};
use steward_sim::{IssueChange, SimNote};

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");
const PRESS: &str = include_str!("../data/requests/customer-press-request--clean.md");
const ACCOUNT: &str = "Northwind Logistics";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn owned(h: &Harness, iid: IssueIid, key: &str) -> Vec<SimNote> {
    let marker = steward_core::reconcile::marker(key);
    h.sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| !n.system && n.body.starts_with(&marker))
        .collect()
}

fn labels(h: &Harness, iid: IssueIid) -> Vec<LabelName> {
    h.sim.issue(h.project(), iid).unwrap().labels
}

async fn get(h: &Harness, token: &str, path: &str) -> Value {
    let url = format!("{}/api/v4/projects/{}{path}", h.sim.base_url(), h.project());
    let r = reqwest::Client::new()
        .get(url)
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

#[tokio::test]
async fn duplicate_requests_are_linked_flagged_and_cleared_and_the_team_alone_sees_the_ledger() {
    let h = Harness::start(HarnessOptions::shipped(at("2027-01-04T15:00:00Z")))
        .await
        .unwrap();
    let first = h
        .file("asales", "Speaker for Chicago", SPEAKER)
        .await
        .unwrap();
    h.settle().await.unwrap();
    assert!(
        owned(&h, first, LEDGER_NOTE).is_empty(),
        "a first ask has no history to show"
    );

    // A second rep asks for the same customer (spelt with its suffix) at the same event (typed
    // differently).
    let second_body = SPEAKER
        .replace(ACCOUNT, "NORTHWIND LOGISTICS, Inc.")
        .replace(
            "GitLab DevSecOps World Tour Chicago",
            "DevSecOps World Tour - Chicago",
        );
    let second = h
        .file("bmarketing", "Chicago speaker", &second_body)
        .await
        .unwrap();
    h.settle().await.unwrap();

    let flag = LabelName("possible-duplicate".into());
    for (iid, other) in [(first, second), (second, first)] {
        assert!(
            labels(&h, iid).contains(&flag),
            "#{iid}: {:?}",
            labels(&h, iid)
        );
        let told = owned(&h, iid, DUPLICATE_NOTE);
        assert_eq!(told.len(), 1, "#{iid} requester told once");
        assert!(!told[0].internal && told[0].body.contains(&format!("#{other}")));
        let team = owned(&h, iid, LEDGER_NOTE);
        assert_eq!(team.len(), 1, "#{iid}");
        assert!(team[0].internal, "the ledger note is an internal note");
        assert!(
            team[0].body.contains("Possible duplicate"),
            "{}",
            team[0].body
        );
    }
    h.sim.add_token("team-token", h.user("nsmith").unwrap());
    let links = get(&h, "team-token", &format!("/issues/{first}/links")).await;
    let linked: Vec<u64> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["iid"].as_u64().unwrap())
        .collect();
    assert_eq!(linked, vec![second.0]);
    assert_eq!(links[0]["link_type"], "relates_to");

    // A Guest (the requester's role) lists the notes without the internal ones.
    let guest = h.user("asales").unwrap();
    h.sim.set_can_set_metadata(guest, false);
    h.sim.add_token("guest-token", guest);
    let seen = get(&h, "guest-token", &format!("/issues/{first}/notes")).await;
    let bodies: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["body"].as_str().unwrap())
        .collect();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("steward:customer-duplicate"))
    );
    assert!(
        !bodies
            .iter()
            .any(|b| b.contains("steward:team-customer-ledger")),
        "{bodies:?}"
    );

    // The team closes the first as a duplicate: the second's flag clears, its note says so.
    let team_member = h.user("jhernandez").unwrap();
    let close = IssueChange {
        add_labels: vec!["outcome::duplicate".into()],
        state: Some(IssueState::Closed),
        ..IssueChange::default()
    };
    h.sim
        .update_issue(h.project(), first, team_member, close)
        .unwrap();
    h.settle().await.unwrap();
    assert!(
        !labels(&h, second).contains(&flag),
        "{:?}",
        labels(&h, second)
    );
    let told = owned(&h, second, DUPLICATE_NOTE);
    assert_eq!(told.len(), 1);
    assert!(told[0].body.contains("goes ahead"), "{}", told[0].body);

    // Two more open asks of the account: the third open one is over `open_at_once: 2`.
    let press = PRESS.replace("Aperture Financial", "Northwind Logistics GmbH");
    let third = h.file("ccs", "Press quote", &press).await.unwrap();
    h.settle().await.unwrap();
    let fatigue = LabelName("reference-fatigue".into());
    assert!(
        !labels(&h, third).contains(&fatigue),
        "two open asks are within the cap"
    );
    let fourth_body = SPEAKER
        .replace("GitLab DevSecOps World Tour Chicago", "KubeCon Europe 2027")
        .replace("2027-04-21", "2027-03-23");
    let fourth = h
        .file("bmarketing", "KubeCon speaker", &fourth_body)
        .await
        .unwrap();
    h.settle().await.unwrap();
    assert!(
        labels(&h, fourth).contains(&fatigue),
        "{:?}",
        labels(&h, fourth)
    );
    assert!(
        !labels(&h, fourth).contains(&flag),
        "another event on another day"
    );
    let told = owned(&h, fourth, FATIGUE_NOTE);
    assert_eq!(told.len(), 1);
    assert!(!told[0].internal && !told[0].body.contains(&format!("#{second}")));
    let team = owned(&h, fourth, LEDGER_NOTE);
    assert!(
        team[0]
            .body
            .contains(&format!("Competing asks: #{second}, #{third}")),
        "{}",
        team[0].body
    );
    // Re-syncing changes nothing: the requester is not told twice.
    h.sweep(true).await.unwrap();
    h.settle().await.unwrap();
    assert_eq!(owned(&h, fourth, FATIGUE_NOTE).len(), 1);
    h.stop().await;
}

/// No webhook reaches Steward: the team closes an accepted approval, the nightly sweep finds
/// nothing to write on it, and the ledger still learns it is closed with its outcome (before,
/// it stayed an open ask and kept counting towards the fatigue cap).
#[tokio::test]
async fn the_nightly_sweep_records_a_request_closed_while_no_webhook_arrived() {
    let mut opts = HarnessOptions::shipped(at("2026-12-01T15:00:00Z"));
    opts.webhook = false;
    let h = Harness::start(opts).await.unwrap();
    let iid = file_approval(&h, "2026-11-25").await;
    h.sweep(true).await.unwrap();
    h.settle().await.unwrap();
    let store = h.state.job_deps().sync.store.clone();
    let asks = store.list_asks(None).await.unwrap();
    let ask = asks.iter().find(|a| a.iid == iid).unwrap();
    assert_eq!(ask.state, IssueState::Opened);

    close_as(&h, iid, "outcome::accepted");
    h.set_now(at("2026-12-02T15:00:00Z"));
    let report = h.sweep(true).await.unwrap();
    h.settle().await.unwrap();
    assert!(
        report.drift.iter().all(|d| d.iid != iid),
        "nothing to write on it: {}",
        report.summary()
    );
    let asks = store.list_asks(None).await.unwrap();
    let ask = asks.iter().find(|a| a.iid == iid).unwrap();
    assert_eq!(ask.state, IssueState::Closed);
    assert_eq!(ask.outcome, Some(LabelName::from("outcome::accepted")));
    h.stop().await;
}

/// No webhook reaches Steward: a speaker request is declined and closed, and the next
/// catch-up sweep, which lists the issues closed since the last one, records the closing in
/// the ledger.
#[tokio::test]
async fn a_catch_up_sweep_records_a_request_declined_while_no_webhook_arrived() {
    let mut opts = HarnessOptions::shipped(at("2026-12-01T15:00:00Z"));
    opts.webhook = false;
    let h = Harness::start(opts).await.unwrap();
    let iid = h
        .file("asales", "Northwind speaker", SPEAKER)
        .await
        .unwrap();
    h.set_now(at("2026-12-01T15:05:00Z"));
    h.sweep(false).await.unwrap();
    h.settle().await.unwrap();
    let store = h.state.job_deps().sync.store.clone();
    let ask = |asks: Vec<steward_core::customers::Ask>| asks.into_iter().find(|a| a.iid == iid);
    let before = ask(store.list_asks(None).await.unwrap()).unwrap();
    assert_eq!(before.state, IssueState::Opened);

    h.set_now(at("2026-12-01T16:00:00Z"));
    close_as(&h, iid, "outcome::declined");
    h.set_now(at("2026-12-01T16:05:00Z"));
    h.sweep(false).await.unwrap();
    h.settle().await.unwrap();
    let after = ask(store.list_asks(None).await.unwrap()).unwrap();
    assert_eq!(after.state, IssueState::Closed);
    assert_eq!(after.outcome, Some(LabelName::from("outcome::declined")));
    h.stop().await;
}
