//! Weekly digests end to end: issues in the simulator, the digest job posting on each program's
//! tracking epic (REST epic notes, and GraphQL work-item notes for speakers), once per week.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward::sim::{IssueChange, NewIssue};

const STORY: &str = include_str!("data/requests/customer-story-idea--clean.md");
const SPEAKER: &str = include_str!("data/requests/customer-speaker-request--clean.md");

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn epic_notes(h: &Harness, program: &str) -> Vec<String> {
    let epic = &h.seed.epics[program];
    h.sim
        .epic_notes(h.seed.group, epic.id)
        .into_iter()
        .filter(|n| !n.system)
        .map(|n| n.body)
        .collect()
}

#[tokio::test]
async fn the_weekly_digest_is_posted_once_per_week_and_updated_on_rerun() {
    let h = Harness::start(HarnessOptions::shipped(at("2026-11-23T14:00:00Z")))
        .await
        .unwrap();
    let public = h
        .file("ccs", "Story: Northwind's CI consolidation", STORY)
        .await
        .unwrap();
    let requester = h.user("asales").unwrap();
    let secret = h
        .sim
        .create_issue(
            h.project(),
            requester,
            NewIssue {
                title: "Story: Project Bluebird acquisition win".into(),
                description: STORY.to_owned(),
                confidential: true,
                ..NewIssue::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();

    h.set_now(at("2026-11-27T15:00:00Z"));
    let summary = h.digest(Some("2026-W48")).await.unwrap();
    assert!(summary.contains("story 2026-W48: posted"), "{summary}");
    let notes = epic_notes(&h, "story");
    assert_eq!(notes.len(), 1);
    let body = &notes[0];
    assert!(
        body.starts_with("<!-- steward:digest:2026-W48 -->"),
        "{body}"
    );
    assert!(body.contains("Northwind"), "{body}");
    assert!(
        !body.contains("Bluebird"),
        "a confidential title leaked:\n{body}"
    );
    let secret_url = h.sim.issue(h.project(), secret).unwrap();
    assert!(
        !body.contains(&format!("issues/{}", secret_url.iid)),
        "{body}"
    );
    assert!(
        body.contains("confidential"),
        "the confidential request is counted: {body}"
    );
    for line in body.lines() {
        assert!(
            !line.trim_start().starts_with('/'),
            "quick action in digest: {line}"
        );
    }

    // Same week again, nothing changed: no write at all.
    let before = h.sim.counters();
    let summary = h.digest(Some("2026-W48")).await.unwrap();
    assert!(summary.contains("story 2026-W48: unchanged"), "{summary}");
    assert_eq!(h.sim.counters().writes, before.writes);

    // The public story closes; re-running the week updates the same note.
    let dri = h.user("jhernandez").unwrap();
    h.sim
        .update_issue(
            h.project(),
            public,
            dri,
            IssueChange {
                state: Some(steward::model::IssueState::Closed),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    let summary = h.digest(Some("2026-W48")).await.unwrap();
    assert!(summary.contains("story 2026-W48: updated"), "{summary}");
    let notes = epic_notes(&h, "story");
    assert_eq!(notes.len(), 1, "updated in place, never a second note");
    assert_ne!(&notes[0], body);

    // The next week gets its own note.
    h.set_now(at("2026-12-01T15:00:00Z"));
    h.digest(Some("2026-W49")).await.unwrap();
    assert_eq!(epic_notes(&h, "story").len(), 2);
    h.stop().await;
}

#[tokio::test]
async fn the_speaker_digest_goes_through_graphql_work_item_notes() {
    let h = Harness::start(HarnessOptions::shipped(at("2026-11-23T14:00:00Z")))
        .await
        .unwrap();
    h.file("asales", "Customer speaker for World Tour Chicago", SPEAKER)
        .await
        .unwrap();
    h.settle().await.unwrap();
    h.sim.reset_counters();
    let summary = h.digest(Some("2026-W48")).await.unwrap();
    assert!(summary.contains("speaker 2026-W48: posted"), "{summary}");
    assert!(h.sim.counters().endpoint("graphql") >= 1);
    let notes = epic_notes(&h, "speaker");
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("World Tour Chicago"), "{}", notes[0]);
    h.digest(Some("2026-W48")).await.unwrap();
    assert_eq!(epic_notes(&h, "speaker").len(), 1);
    h.stop().await;
}
