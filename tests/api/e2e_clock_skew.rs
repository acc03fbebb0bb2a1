//! The catch-up sweep with GitLab's clock hours apart from Steward's: its watermark comes from
//! GitLab's own `updated_at` timestamps, so an edit whose webhook was lost is found by the next
//! catch-up whichever way the clocks are skewed, and an issue left alone is not listed again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::{IssueIid, LabelName};
use steward_sim::IssueChange;

const STORY: &str = include_str!("../data/requests/customer-story-idea--clean.md");
const PROGRAM_LABEL: &str = "advocacy-program::story";

/// Steward's clock: 15:00 UTC on a fixed Thursday, plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-19T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + Duration::minutes(minutes)
}

fn has_program_label(h: &Harness, iid: IssueIid) -> bool {
    h.sim
        .issue(h.project(), iid)
        .unwrap()
        .labels
        .contains(&LabelName::from(PROGRAM_LABEL))
}

/// GitLab's clock runs `skew` ahead of Steward's (negative: behind). No webhook reaches
/// Steward (as while GitLab has the hook disabled): only sweeps see the issues.
async fn lost_edit_is_caught_by_the_next_catch_up(skew: Duration) {
    let mut opts = HarnessOptions::shipped(at(0));
    opts.webhook = false;
    let h = Harness::start(opts).await.unwrap();
    h.sim.set_clock_offset(skew);

    // An early request, brought in line by the first catch-up and left alone afterwards.
    let early = h.file("ccs", "Early story idea", STORY).await.unwrap();
    h.set_now(at(1));
    let first = h.sweep(false).await.unwrap();
    assert_eq!(first.listed, 1, "{}", first.summary());
    assert!(has_program_label(&h, early));

    // Half an hour later a second request, brought in line by the next catch-up.
    h.set_now(at(30));
    let late = h.file("ccs", "Late story idea", STORY).await.unwrap();
    h.set_now(at(31));
    let second = h.sweep(false).await.unwrap();
    assert!(
        second.drift.iter().any(|d| d.iid == late),
        "{}",
        second.summary()
    );
    assert!(has_program_label(&h, late));

    // An hour later someone removes the program label from the late request; the webhook
    // for that edit is lost.
    h.set_now(at(91));
    let person = h.user("jhernandez").unwrap();
    h.sim
        .update_issue(
            h.project(),
            late,
            person,
            IssueChange {
                remove_labels: vec![PROGRAM_LABEL.to_owned()],
                ..IssueChange::default()
            },
        )
        .unwrap();
    assert!(!has_program_label(&h, late));

    h.set_now(at(92));
    let third = h.sweep(false).await.unwrap();
    let found: Vec<IssueIid> = third.drift.iter().map(|d| d.iid).collect();
    assert_eq!(
        found,
        [late],
        "the edited issue is out of step: {}",
        third.summary()
    );
    assert!(
        has_program_label(&h, late),
        "the catch-up restored the label"
    );
    assert_eq!(
        third.listed,
        1,
        "only the issue GitLab shows as updated since the last catch-up is listed: {}",
        third.summary()
    );
    h.stop().await;
}

#[tokio::test]
async fn a_lost_edit_is_caught_by_the_next_catch_up_with_gitlab_two_hours_behind() {
    lost_edit_is_caught_by_the_next_catch_up(-Duration::hours(2)).await;
}

#[tokio::test]
async fn a_lost_edit_is_caught_by_the_next_catch_up_with_gitlab_two_hours_ahead() {
    lost_edit_is_caught_by_the_next_catch_up(Duration::hours(2)).await;
}

#[tokio::test]
async fn a_lost_edit_is_caught_by_the_next_catch_up_with_both_clocks_agreeing() {
    lost_edit_is_caught_by_the_next_catch_up(Duration::zero()).await;
}
