//! End to end: a requester files hostile text through the GitLab simulator (webhooks over
//! loopback, the shipped rules, a fixed clock); the comment and the weekly digest Steward posts
//! mention only the people the rules name, show the text as data and fit in a GitLab note.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::IssueIid;
use steward_core::untrusted::{live_mentions, outside_code};

const SPEAKER_CLEAN: &str = include_str!("../data/requests/customer-speaker-request--clean.md");
const EVENT: &str = "GitLab DevSecOps World Tour Chicago";
const HOSTILE: &str = "@all <script>alert(1)</script> [go](javascript:alert(1)) #1";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Sunday 2027-03-07, 45 days before the event: the request is late and gets a comment.
async fn harness() -> Harness {
    Harness::start(HarnessOptions::shipped(at("2027-03-07T15:00:00Z")))
        .await
        .unwrap()
}

fn bot_notes(h: &Harness, iid: IssueIid) -> Vec<String> {
    h.sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| !n.system && n.author.as_str() == "steward-bot")
        .map(|n| n.body)
        .collect()
}

#[tokio::test]
async fn a_hostile_title_and_event_name_reach_nobody_through_the_comment_or_the_digest() {
    let h = harness().await;
    let iid = h
        .file(
            "asales",
            &format!("{HOSTILE} Speaker for Chicago"),
            &SPEAKER_CLEAN.replace(EVENT, HOSTILE),
        )
        .await
        .unwrap();
    h.settle().await.unwrap();

    let notes = bot_notes(&h, iid);
    assert_eq!(notes.len(), 1, "{notes:?}");
    // The requester (the issue's author) and the speaker DRIs, as the rule says; no `@all`.
    assert_eq!(
        live_mentions(&notes[0]),
        ["asales", "jhernandez", "rlurie"],
        "{}",
        notes[0]
    );
    for markup in ["<script", "javascript:", "#1"] {
        assert!(!outside_code(&notes[0]).contains(markup), "{}", notes[0]);
    }
    assert_eq!(h.sim.counters().quick_actions, 0);

    // The speaker digest (GraphQL work-item notes) lists the request by its title, inertly.
    h.digest(Some("2027-W09")).await.unwrap();
    let epic = &h.seed.epics["speaker"];
    let digests: Vec<String> = h
        .sim
        .epic_notes(h.seed.group, epic.id)
        .into_iter()
        .filter(|n| !n.system)
        .map(|n| n.body)
        .collect();
    assert_eq!(digests.len(), 1);
    let digest = &digests[0];
    assert!(
        digest.contains(&format!("`{HOSTILE} Speaker for Chicago`")),
        "{digest}"
    );
    assert!(live_mentions(digest).is_empty(), "{digest}");
    assert!(!outside_code(digest).contains("<script"), "{digest}");
    h.stop().await;
}

#[tokio::test]
async fn a_one_megabyte_event_name_still_gets_a_short_comment_posted() {
    let h = harness().await;
    let huge = "@all ".repeat(200_000);
    let iid = h
        .file(
            "asales",
            "Speaker for Chicago",
            &SPEAKER_CLEAN.replace(EVENT, huge.trim_end()),
        )
        .await
        .unwrap();
    h.settle().await.unwrap();

    let notes = bot_notes(&h, iid);
    assert_eq!(notes.len(), 1, "the lead-time comment was not posted");
    let chars = notes[0].chars().count();
    assert!(chars < 5_000, "{chars} characters");
    assert_eq!(live_mentions(&notes[0]), ["asales", "jhernandez", "rlurie"]);
    h.stop().await;
}
