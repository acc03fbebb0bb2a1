//! Weekly digests end to end: issues in the simulator, the digest job posting on each program's
//! tracking epic (REST epic notes, and GraphQL work-item notes for speakers), once per week.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_sim::{IssueChange, NewIssue};

const STORY: &str = include_str!("../data/requests/customer-story-idea--clean.md");
const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

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
                state: Some(steward_core::model::IssueState::Closed),
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

/// Queues the digest job of a schedule slot exactly as the scheduler does, and runs it.
async fn run_scheduled_digest(h: &Harness, slot: DateTime<Utc>) {
    let job = steward::jobs::Job::Digest(steward::jobs::digest_job::DigestJob {
        week: None,
        slot: Some(steward::jobs::SlotRef {
            schedule: "weekly-digest".into(),
            slot,
        }),
    });
    h.state.store.enqueue_job(job.to_row(slot)).await.unwrap();
    h.settle().await.unwrap();
}

#[tokio::test]
async fn the_monday_digest_reports_the_week_that_ended_and_a_rerun_updates_the_same_note() {
    // Tuesday of 2026-W48.
    let h = Harness::start(HarnessOptions::shipped(at("2026-11-24T15:00:00Z")))
        .await
        .unwrap();
    let story = h
        .file("ccs", "Story: Northwind's CI consolidation", STORY)
        .await
        .unwrap();
    h.settle().await.unwrap();

    // Monday 2026-11-30, 09:00 in New York: the shipped weekly-digest slot.
    let monday = at("2026-11-30T14:00:00Z");
    h.set_now(monday);
    run_scheduled_digest(&h, monday).await;
    let notes = epic_notes(&h, "story");
    assert_eq!(notes.len(), 1, "{notes:?}");
    let body = notes[0].clone();
    assert!(
        body.starts_with("<!-- steward:digest:2026-W48 -->"),
        "the week that ended, not the nine hours of W49:\n{body}"
    );
    assert!(
        body.contains("As of the end of the week, Sun 2026-11-29"),
        "{body}"
    );
    assert!(body.contains("### New this week (1)"), "{body}");
    assert!(body.contains("Northwind"), "{body}");

    // Later that Monday someone retitles the story; re-running the slot edits the same note.
    let dri = h.user("jhernandez").unwrap();
    h.sim
        .update_issue(
            h.project(),
            story,
            dri,
            IssueChange {
                title: Some("Story: Northwind consolidates CI on GitLab".into()),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    h.set_now(at("2026-11-30T20:00:00Z"));
    run_scheduled_digest(&h, monday).await;
    let notes = epic_notes(&h, "story");
    assert_eq!(notes.len(), 1, "updated in place, never a second note");
    assert!(notes[0].starts_with("<!-- steward:digest:2026-W48 -->"));
    assert!(
        notes[0].contains("Northwind consolidates CI"),
        "{}",
        notes[0]
    );
    // So does `steward digest` without `--week`.
    let summary = h.digest(None).await.unwrap();
    assert!(summary.contains("story 2026-W48: unchanged"), "{summary}");
    h.stop().await;
}

#[tokio::test]
async fn closing_with_an_outcome_label_is_what_counts_toward_a_target() {
    let h = Harness::start(HarnessOptions::shipped(at("2026-11-24T15:00:00Z")))
        .await
        .unwrap();
    let published = h.file("ccs", "Story: Northwind", STORY).await.unwrap();
    let dropped = h.file("ccs", "Story: Contoso", STORY).await.unwrap();
    let nominee = h
        .file(
            "asales",
            "EAB nomination",
            include_str!("../data/requests/eab-nomination--director.md"),
        )
        .await
        .unwrap();
    h.settle().await.unwrap();

    // The team's workflow (docs/rules.md, "Outcomes"): one comment with the outcome label and
    // `/close`. A plain `/close` records no outcome; an accepted nomination still labelled
    // below VP never counts.
    let director = h.user("nsmith").unwrap();
    let close = |iid, body: &'static str| h.sim.add_note(h.project(), iid, director, body);
    h.set_now(at("2026-11-25T15:00:00Z"));
    close(published, "/label ~\"outcome::published\"\n/close").unwrap();
    close(dropped, "/close").unwrap();
    close(nominee, "/label ~\"outcome::accepted\"\n/close").unwrap();
    h.settle().await.unwrap();

    h.set_now(at("2026-11-30T14:00:00Z"));
    h.digest(Some("2026-W48")).await.unwrap();
    let story = &epic_notes(&h, "story")[0];
    assert!(
        story.contains("Customer stories published in FY2027-Q4: **1 of 3**"),
        "{story}"
    );
    assert!(
        story.contains("2 closed this week (1 `outcome::published`, 1 with no outcome recorded)"),
        "{story}"
    );
    let eab = &epic_notes(&h, "eab")[0];
    assert!(eab.contains("`eab::below-vp`"), "{eab}");
    assert!(
        eab.contains("EAB cohort members accepted in FY2027: **0 of 12–15**"),
        "{eab}"
    );
    h.stop().await;
}
