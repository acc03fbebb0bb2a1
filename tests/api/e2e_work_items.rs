//! Work items end to end (GITLAB.md §6.1, §6.2): requests filed as a custom work item type, as a
//! Service Desk Ticket or under a renamed type are intake like issues, through whichever API
//! shows them; tracking-epic digests go through GraphQL work-item notes and are found again by
//! their marker after the database is lost. The simulator sends real webhooks over loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;
use steward::digest_post::{PostOutcome, post_digest};
use steward::gitlab::{ClientConfig, RestGitLab};
use steward::harness::{BOT_TOKEN, Harness, HarnessOptions};
use steward::store::{self, StoreOptions};
use steward_core::digest::{DigestTarget, EpicApi, IsoWeek};
use steward_core::model::{IssueIid, LabelName};
use steward_sim::{NewIssue, TEAM_GROUP};

const SPEAKER_CLEAN: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn harness() -> Harness {
    Harness::start(HarnessOptions::shipped(at("2027-03-07T15:00:00Z")))
        .await
        .unwrap()
}

/// Files the clean speaker request (event 45 days ahead) as an item of `type_name`.
fn file_speaker_request(h: &Harness, type_name: &str) -> IssueIid {
    let user = h.user("asales").unwrap();
    let new = NewIssue {
        title: "Customer speaker for World Tour Chicago".into(),
        // Each type's request asks for its own customer: two asks of one account for the same
        // event are possible duplicates (more comments, rules/customers.yaml).
        description: SPEAKER_CLEAN.replace(
            "Northwind Logistics",
            &format!("Northwind Logistics ({type_name})"),
        ),
        ..NewIssue::default()
    };
    h.sim
        .create_work_item(h.project(), user, type_name, new)
        .unwrap()
}

/// The request was triaged like an issue: labelled, assigned to the speaker DRI, dated, and
/// told once about the lead time.
fn assert_triaged(h: &Harness, iid: IssueIid) {
    let issue = h.sim.issue(h.project(), iid).unwrap();
    for label in [
        "advocacy-program::speaker",
        "advocacy-status::triage",
        "lead-time::violated",
    ] {
        assert!(
            issue.labels.contains(&LabelName::from(label)),
            "missing {label}: {:?}",
            issue.labels
        );
    }
    let assignees: Vec<&str> = issue.assignees.iter().map(|a| a.as_str()).collect();
    assert_eq!(assignees, ["jhernandez"]);
    assert_eq!(issue.due_date, NaiveDate::from_ymd_opt(2027, 3, 22));
    let notes: Vec<_> = h
        .sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| !n.system && n.author.as_str() == "steward-bot")
        .collect();
    assert_eq!(notes.len(), 1, "one lead-time comment: {notes:?}");
    assert!(notes[0].body.contains("45 days"), "{}", notes[0].body);
}

/// Whether the Issues REST API shows the item (as Steward's token).
async fn rest_shows(h: &Harness, iid: IssueIid) -> bool {
    let url = format!(
        "{}/api/v4/projects/{}/issues/{iid}",
        h.sim.base_url(),
        h.project()
    );
    let status = reqwest::Client::new()
        .get(url)
        .header("PRIVATE-TOKEN", BOT_TOKEN)
        .send()
        .await
        .unwrap()
        .status();
    status.is_success()
}

#[tokio::test]
async fn a_speaker_request_of_a_custom_work_item_type_is_triaged_through_graphql() {
    let h = harness().await;
    h.sim
        .create_work_item_type(TEAM_GROUP, "Speaker request")
        .unwrap();
    let iid = file_speaker_request(&h, "Speaker request");
    assert!(
        !rest_shows(&h, iid).await,
        "custom types are not in the Issues API"
    );
    h.settle().await.unwrap();
    assert_triaged(&h, iid);
    // A later event re-reads the item; nothing is written again (the note is found again).
    let before = h.sim.counters();
    h.sim
        .update_issue(
            h.project(),
            iid,
            h.user("asales").unwrap(),
            steward_sim::IssueChange {
                title: Some("Customer speaker for World Tour Chicago (confirmed)".into()),
                ..Default::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    assert_triaged(&h, iid);
    let after = h.sim.counters();
    assert_eq!(after.notes_created, before.notes_created);
    assert_eq!(after.notes_updated, before.notes_updated);
}

#[tokio::test]
async fn a_service_desk_ticket_is_triaged_like_an_issue() {
    let h = harness().await;
    let iid = file_speaker_request(&h, "Ticket");
    assert!(rest_shows(&h, iid).await, "tickets are in the Issues API");
    h.settle().await.unwrap();
    assert_triaged(&h, iid);
    assert_eq!(
        h.sim.work_item_type(h.project(), iid).as_deref(),
        Some("Ticket")
    );
}

#[tokio::test]
async fn a_request_of_a_renamed_type_is_still_recognised_by_its_template() {
    let h = harness().await;
    h.sim
        .create_work_item_type(TEAM_GROUP, "Speaker request")
        .unwrap();
    h.sim
        .rename_work_item_type(TEAM_GROUP, "Speaker request", "Talk request")
        .unwrap();
    h.sim
        .rename_work_item_type(TEAM_GROUP, "Issue", "Request")
        .unwrap();
    let custom = file_speaker_request(&h, "Talk request");
    let renamed_issue = file_speaker_request(&h, "Request");
    h.settle().await.unwrap();
    assert_triaged(&h, custom);
    assert_triaged(&h, renamed_issue);
}

fn epic_target(h: &Harness, api: Option<EpicApi>) -> DigestTarget {
    DigestTarget::Epic {
        group: h.seed.group,
        epic_iid: h.seed.epics["speaker"].iid,
        api,
    }
}

fn client(h: &Harness) -> RestGitLab {
    let config = ClientConfig::new(
        h.sim.base_url().parse().unwrap(),
        SecretString::from(BOT_TOKEN.to_owned()),
    );
    RestGitLab::new(config).unwrap()
}

fn speaker_epic_digests(h: &Harness) -> Vec<String> {
    h.sim
        .epic_notes(h.seed.group, h.seed.epics["speaker"].id)
        .into_iter()
        .filter(|n| !n.system)
        .map(|n| n.body)
        .collect()
}

#[tokio::test]
async fn a_graphql_digest_is_found_by_its_marker_after_the_database_is_lost() {
    let h = harness().await;
    let gl = client(&h);
    let week: IsoWeek = "2027-W09".parse().unwrap();
    let now = at("2027-03-07T15:00:00Z");
    let target = epic_target(&h, None);
    let first = store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap();
    let created = post_digest(&gl, first.as_ref(), &target, week, "Monday's digest", now)
        .await
        .unwrap();
    assert_eq!(created, PostOutcome::Created);
    // A fresh database, the same GitLab: the week's note is updated in place.
    let fresh = store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap();
    let again = post_digest(&gl, fresh.as_ref(), &target, week, "Friday's digest", now)
        .await
        .unwrap();
    assert_eq!(again, PostOutcome::Updated);
    let notes = speaker_epic_digests(&h);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("Friday's digest"));
    // Once more on another fresh database with the same body: nothing is written.
    let third = store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap();
    let before = h.sim.counters();
    let same = post_digest(&gl, third.as_ref(), &target, week, "Friday's digest", now)
        .await
        .unwrap();
    assert_eq!(same, PostOutcome::Unchanged);
    let after = h.sim.counters();
    assert_eq!(
        (after.notes_created, after.notes_updated),
        (before.notes_created, before.notes_updated)
    );
}

#[tokio::test]
async fn the_rest_fallback_and_graphql_post_the_same_weekly_note() {
    let h = harness().await;
    let gl = client(&h);
    let week: IsoWeek = "2027-W09".parse().unwrap();
    let now = at("2027-03-07T15:00:00Z");
    let db = store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap();
    let rest = epic_target(&h, Some(EpicApi::Rest));
    let posted = post_digest(&gl, db.as_ref(), &rest, week, "via REST", now)
        .await
        .unwrap();
    assert_eq!(posted, PostOutcome::Created);
    assert_eq!(speaker_epic_digests(&h).len(), 1);
    // Switching the instance to GraphQL later finds the REST-posted note by its marker.
    let graphql = epic_target(&h, Some(EpicApi::GraphQl));
    let switched = post_digest(&gl, db.as_ref(), &graphql, week, "via GraphQL", now)
        .await
        .unwrap();
    assert_eq!(switched, PostOutcome::Updated);
    let notes = speaker_epic_digests(&h);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("via GraphQL"));
}
