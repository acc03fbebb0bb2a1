//! Stale requests through the simulator: inactivity is measured from the last activity by
//! someone other than Steward, so Steward's own nudges do not restart the clock; a reply does.
//! The catch-up sweep leaves an issue alone while it is as Steward's own write left it, and the
//! full sweep still keeps time-based rules true for it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::{IssueIid, IssueState, LabelName};
use steward_sim::IssueChange;

use crate::support::rules::calendar;

/// A story idea whose customer account is missing: Steward labels it needs-info.
fn incomplete_story() -> String {
    let clean = include_str!("../data/requests/customer-story-idea--clean.md");
    let text = clean.replace(
        "**Customer account:** Contoso Bank",
        "**Customer account:**",
    );
    assert_ne!(text, clean, "the request must lose its customer account");
    text
}

/// 15:00 UTC (10:00 in New York) on `date`.
fn day(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(15, 0, 0).unwrap().and_utc()
}

/// Filed Monday 2027-01-04 (after the year-end holidays).
fn filed() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()
}

fn has(h: &Harness, iid: IssueIid, label: &str) -> bool {
    let issue = h.sim.issue(h.project(), iid).unwrap();
    issue.labels.contains(&LabelName::from(label))
}

/// Steward's notes on the issue with this marker key.
fn notes(h: &Harness, iid: IssueIid, key: &str) -> usize {
    h.sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| n.author.as_str() == "steward-bot")
        .filter(|n| steward_core::reconcile::marker_key(&n.body) == Some(key))
        .count()
}

async fn start() -> (Harness, IssueIid) {
    let h = Harness::start(HarnessOptions::shipped(day(filed())))
        .await
        .unwrap();
    let iid = h
        .file("ccs", "Story idea: Contoso", &incomplete_story())
        .await
        .unwrap();
    h.settle().await.unwrap();
    assert!(has(&h, iid, "advocacy::needs-info"));
    (h, iid)
}

/// Business days (team calendar) from filing to `date`.
fn business_days_since(from: NaiveDate, date: NaiveDate) -> i64 {
    calendar().business_days_between(from, date)
}

/// Runs the nightly full sweep on each day after `from` up to `until`; returns the first day on
/// which the stale nudge and the closing were seen.
async fn nights(
    h: &Harness,
    iid: IssueIid,
    from: NaiveDate,
    until: NaiveDate,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let (mut nudged, mut closed) = (None, None);
    let mut date = from;
    while date < until {
        date += Duration::days(1);
        h.set_now(day(date));
        h.sweep(true).await.unwrap();
        if nudged.is_none() && notes(h, iid, "stale-nudge") == 1 {
            nudged = Some(date);
        }
        if closed.is_none() && h.sim.issue(h.project(), iid).unwrap().state == IssueState::Closed {
            closed = Some(date);
        }
    }
    (nudged, closed)
}

#[tokio::test]
async fn stewards_own_nudges_do_not_restart_the_clock_and_a_silent_request_closes_after_twenty_business_days()
 {
    let (h, iid) = start().await;
    let until = filed() + Duration::days(40);
    let (nudged, closed) = nights(&h, iid, filed(), until).await;

    let nudged = nudged.expect("the requester is reminded");
    assert_eq!(
        business_days_since(filed(), nudged),
        10,
        "nudged on {nudged}"
    );
    // Steward commented on the 3rd and the 10th business day (both touch the issue's
    // `updated_at` in GitLab); neither counts as activity.
    assert_eq!(notes(&h, iid, "needs-info-nudge"), 1);
    let closed = closed.expect("the silent request is closed");
    assert_eq!(
        business_days_since(filed(), closed),
        20,
        "closed on {closed}"
    );

    assert!(has(&h, iid, "outcome::no-response"));
    assert_eq!(notes(&h, iid, "stale-closed"), 1, "one closing comment");
    assert_eq!(notes(&h, iid, "stale-nudge"), 1, "one reminder");
    let closing = h
        .sim
        .notes(h.project(), iid)
        .into_iter()
        .find(|n| n.body.contains("steward:stale-closed"))
        .unwrap();
    assert!(closing.body.contains("Reopen issue"), "{}", closing.body);

    // The closing is one audited edit that names the rule, the outcome label and the close.
    let filter = steward::store::AuditFilter {
        project: Some(h.project()),
        issue: Some(iid),
        action: Some("issue.edit".to_owned()),
        ..Default::default()
    };
    let edits = h.state.store.list_audit(&filter).await.unwrap();
    let close = edits
        .iter()
        .find(|r| r.entry.detail.contains("close"))
        .expect("the close is audited");
    assert!(
        close.entry.detail.contains("+labels outcome::no-response"),
        "{}",
        close.entry.detail
    );
    assert!(
        close
            .entry
            .rule_names
            .iter()
            .any(|r| r == "intake-stale-close")
    );
    assert_eq!(close.entry.response_status, Some(200));
    h.stop().await;
}

#[tokio::test]
async fn a_reply_from_the_requester_restarts_the_clock() {
    let (h, iid) = start().await;
    // Friday 2027-01-22, after the reminder (business day 10 was Tuesday the 19th): the
    // requester writes.
    let reply = NaiveDate::from_ymd_opt(2027, 1, 22).unwrap();
    let (nudged, closed) = nights(&h, iid, filed(), reply).await;
    assert!(nudged.is_some(), "reminded before the reply");
    assert!(closed.is_none());
    let requester = h.user("ccs").unwrap();
    h.set_now(day(reply) + Duration::hours(2));
    h.sim
        .add_note(
            h.project(),
            iid,
            requester,
            "Still chasing the account name, sorry!",
        )
        .unwrap();
    h.settle().await.unwrap();

    let quiet_until = filed() + Duration::days(60);
    let (_, closed) = nights(&h, iid, reply, quiet_until).await;
    let closed = closed.expect("closed once quiet again");
    assert_eq!(
        business_days_since(reply, closed),
        20,
        "counted from the reply, not from filing (closed on {closed})"
    );
    assert!(business_days_since(filed(), closed) > 20);
    assert_eq!(
        notes(&h, iid, "stale-nudge"),
        1,
        "reminded once per request"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_reopened_stale_request_loses_its_no_response_outcome() {
    let (h, iid) = start().await;
    let (_, closed) = nights(&h, iid, filed(), filed() + Duration::days(40)).await;
    let closed = closed.unwrap();
    let requester = h.user("ccs").unwrap();
    h.set_now(day(closed) + Duration::hours(3));
    h.sim
        .update_issue(
            h.project(),
            iid,
            requester,
            IssueChange {
                state: Some(IssueState::Opened),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    let issue = h.sim.issue(h.project(), iid).unwrap();
    assert_eq!(
        issue.state,
        IssueState::Opened,
        "Steward does not close it again"
    );
    assert!(!has(&h, iid, "outcome::no-response"));
    assert!(
        has(&h, iid, "advocacy::needs-info"),
        "still waiting on the answers"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_catch_up_sweep_leaves_an_issue_as_stewards_own_write_left_it_to_the_listing_alone() {
    let (h, iid) = start().await;
    // Steward wrote (labels, checklist, assignment) after the requester filed: the issue's
    // `updated_at` is Steward's.
    h.set_now(day(filed()) + Duration::hours(1));
    h.sim.reset_counters();
    let report = h.sweep(false).await.unwrap();
    let c = h.sim.counters();
    assert_eq!(report.listed, 1);
    assert_eq!(report.unchanged_since_own_write, 1);
    assert!(report.drift.is_empty());
    assert_eq!(c.writes, 0, "{:?}", c.by_endpoint);
    assert_eq!(
        c.reads,
        c.endpoint("issues.list"),
        "nothing but the listing: {:?}",
        c.by_endpoint
    );

    // Someone else's comment is activity: the next catch-up decides the issue again.
    let requester = h.user("ccs").unwrap();
    h.sim
        .add_note(h.project(), iid, requester, "Working on the account name.")
        .unwrap();
    h.settle().await.unwrap();
    let report = h.sweep(false).await.unwrap();
    assert_eq!(report.listed, 1);
    assert_eq!(report.unchanged_since_own_write, 0);
    h.stop().await;
}

#[tokio::test]
async fn the_full_sweep_still_nudges_an_issue_the_catch_up_sweep_leaves_alone() {
    let (h, iid) = start().await;
    // Business day 3 after filing: the needs-info nudge is due, and nobody touched the issue
    // since Steward's own write.
    let third = NaiveDate::from_ymd_opt(2027, 1, 7).unwrap();
    assert_eq!(business_days_since(filed(), third), 3);
    h.set_now(day(third));
    let catch_up = h.sweep(false).await.unwrap();
    assert_eq!(catch_up.unchanged_since_own_write, 1);
    assert_eq!(
        notes(&h, iid, "needs-info-nudge"),
        0,
        "not the catch-up's job"
    );
    let full = h.sweep(true).await.unwrap();
    assert_eq!(
        full.unchanged_since_own_write, 0,
        "the full sweep skips nothing"
    );
    assert_eq!(notes(&h, iid, "needs-info-nudge"), 1);
    h.stop().await;
}
