//! The director's roll-up end to end: requests in the simulator, the digest job posting every
//! program's digest on its epic and the roll-up on the team's epic (`digest.rollup_to`), once
//! per week, updated in place when the week is re-run and left alone when nothing changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::IssueState;
use steward_sim::{IssueChange, NewIssue};

use crate::digest_rollup::{mermaid_blocks, write_for_mermaid_check};

const STORY: &str = include_str!("../data/requests/customer-story-idea--clean.md");
const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn team_notes(h: &Harness) -> Vec<String> {
    h.sim
        .epic_notes(h.seed.group, h.seed.team_epic.id)
        .into_iter()
        .filter(|n| !n.system)
        .map(|n| n.body)
        .collect()
}

#[tokio::test]
async fn the_roll_up_is_posted_on_the_team_epic_once_per_week_and_updated_on_rerun() {
    let h = Harness::start(HarnessOptions::shipped(at("2026-11-23T14:00:00Z")))
        .await
        .unwrap();
    let story = h
        .file("ccs", "Story: Northwind's CI consolidation", STORY)
        .await
        .unwrap();
    h.file("asales", "Customer speaker for World Tour Chicago", SPEAKER)
        .await
        .unwrap();
    let requester = h.user("asales").unwrap();
    h.sim
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

    h.set_now(at("2026-11-30T14:00:00Z"));
    let summary = h.digest(Some("2026-W48")).await.unwrap();
    assert!(summary.contains("story 2026-W48: posted"), "{summary}");
    assert!(summary.contains("roll-up 2026-W48: posted"), "{summary}");
    let notes = team_notes(&h);
    assert_eq!(notes.len(), 1, "{notes:?}");
    let body = &notes[0];
    write_for_mermaid_check("rollup_e2e_harness", body);
    assert!(
        body.starts_with("<!-- steward:digest:2026-W48 -->\n"),
        "{body}"
    );
    assert!(
        body.contains("## Roll-up of every program — 2026-W48"),
        "{body}"
    );
    assert!(body.contains("3 filed and 0 closed this week"), "{body}");
    assert_eq!(mermaid_blocks(body).len(), 2, "{body}");
    assert!(
        !body.contains("Bluebird"),
        "a confidential title leaked:\n{body}"
    );
    assert!(
        body.contains("/-/boards?label_name%5B%5D=advocacy-program%3A%3Astory"),
        "{body}"
    );
    for (program, epic) in &h.seed.epics {
        let theirs = h.sim.epic_notes(h.seed.group, epic.id);
        assert!(
            theirs
                .iter()
                .all(|n| !n.body.contains("Roll-up of every program")),
            "the roll-up landed on the {program} epic"
        );
    }

    // Same week again, nothing changed: no write at all.
    let before = h.sim.counters();
    let summary = h.digest(Some("2026-W48")).await.unwrap();
    assert!(summary.contains("roll-up 2026-W48: unchanged"), "{summary}");
    assert_eq!(h.sim.counters().writes, before.writes);

    // The story closes within the week's reach of a re-run: the same note is edited.
    let dri = h.user("jhernandez").unwrap();
    h.set_now(at("2026-11-26T15:00:00Z"));
    h.sim
        .update_issue(
            h.project(),
            story,
            dri,
            IssueChange {
                state: Some(IssueState::Closed),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    h.set_now(at("2026-11-30T14:00:00Z"));
    let summary = h.digest(Some("2026-W48")).await.unwrap();
    assert!(summary.contains("roll-up 2026-W48: updated"), "{summary}");
    let notes = team_notes(&h);
    assert_eq!(notes.len(), 1, "updated in place, never a second note");
    assert!(
        notes[0].contains("3 filed and 1 closed this week"),
        "{}",
        notes[0]
    );

    // The next week gets its own note.
    h.set_now(at("2026-12-07T14:00:00Z"));
    let summary = h.digest(Some("2026-W49")).await.unwrap();
    assert!(summary.contains("roll-up 2026-W49: posted"), "{summary}");
    assert_eq!(team_notes(&h).len(), 2);
    h.stop().await;
}
