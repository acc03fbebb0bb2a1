//! The sweep with a fixed clock: deadlines kept true as days pass (across weekends and
//! holidays), reminders not repeated within their interval, escalation after the threshold, and
//! a sweep over unchanged issues that writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::approvals::{close_as, file_approval};
use chrono::{DateTime, NaiveDate, Utc};
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::{IssueIid, IssueState, LabelName};
use steward_sim::IssueChange;

const STORY: &str = include_str!("../data/requests/customer-story-idea--clean.md");

/// 15:00 UTC (10:00 in New York) on `date`.
fn day(date: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{date}T15:00:00Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn has(h: &Harness, iid: IssueIid, label: &str) -> bool {
    h.sim
        .issue(h.project(), iid)
        .unwrap()
        .labels
        .contains(&LabelName::from(label))
}

/// Bot notes whose marker key starts with `prefix`.
fn notes(h: &Harness, iid: IssueIid, prefix: &str) -> Vec<String> {
    h.sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| n.author.as_str() == "steward-bot")
        .filter_map(|n| steward_core::reconcile::marker_key(&n.body).map(str::to_owned))
        .filter(|k| k.starts_with(prefix))
        .collect()
}

async fn at(h: &Harness, date: &str) {
    h.set_now(day(date));
    h.sweep(true).await.unwrap();
}

#[tokio::test]
async fn a_request_becomes_due_soon_then_overdue_across_a_holiday_weekend_and_escalates_once() {
    let h = Harness::start(HarnessOptions::shipped(day("2026-11-19")))
        .await
        .unwrap();
    let iid = h.file("ccs", "Story idea", STORY).await.unwrap();
    h.settle().await.unwrap();
    // The DRI agrees a due date of Monday 2026-11-30 with the requester.
    let dri = h.user("jhernandez").unwrap();
    h.sim
        .update_issue(
            h.project(),
            iid,
            dri,
            IssueChange {
                due_date: Some(NaiveDate::from_ymd_opt(2026, 11, 30)),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    assert!(
        !has(&h, iid, "deadline::due-soon"),
        "11 days ahead is not due soon"
    );

    // Tuesday 11-24: Thanksgiving (26th), the day after (27th) and the weekend leave only
    // Wednesday 25th between now and Monday 30th: due within 3 business days.
    at(&h, "2026-11-24").await;
    assert!(has(&h, iid, "deadline::due-soon"));
    assert_eq!(notes(&h, iid, "reminder-due-soon").len(), 1);
    at(&h, "2026-11-25").await;
    assert_eq!(
        notes(&h, iid, "reminder-due-soon").len(),
        1,
        "no second reminder within a week"
    );

    // Tuesday 12-01: overdue replaces due soon; one overdue reminder.
    at(&h, "2026-12-01").await;
    assert!(has(&h, iid, "deadline::overdue"));
    assert!(!has(&h, iid, "deadline::due-soon"));
    assert_eq!(notes(&h, iid, "reminder-overdue").len(), 1);
    assert!(notes(&h, iid, "escalation-overdue").is_empty());

    // Friday 12-04 is 4 business days overdue: no escalation yet, no new reminder.
    at(&h, "2026-12-04").await;
    assert!(notes(&h, iid, "escalation-overdue").is_empty());
    assert_eq!(notes(&h, iid, "reminder-overdue").len(), 1);

    // Monday 12-07 is the 5th business day overdue: escalated to the director, once.
    at(&h, "2026-12-07").await;
    let escalations = h
        .sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| n.body.contains("steward:escalation-overdue"))
        .collect::<Vec<_>>();
    assert_eq!(escalations.len(), 1);
    assert!(
        escalations[0].body.contains("@nsmith"),
        "{}",
        escalations[0].body
    );
    assert_eq!(
        notes(&h, iid, "reminder-overdue").len(),
        1,
        "the weekly reminder is not due yet"
    );

    // Tuesday 12-08 and a week later: once escalated, the lead and the label have it; the
    // assignee gets no more weekly reminders, and the escalation is not repeated.
    at(&h, "2026-12-08").await;
    at(&h, "2026-12-15").await;
    assert_eq!(notes(&h, iid, "reminder-overdue").len(), 1);
    assert_eq!(notes(&h, iid, "escalation-overdue").len(), 1);
    assert!(has(&h, iid, "escalation::overdue"));

    // Closing the issue ends it all: no labels are touched on closed issues by the sweep.
    h.stop().await;
}

#[tokio::test]
async fn an_unassigned_general_request_is_escalated_after_three_business_days() {
    // A general request (no template, so no routing rule) filed on Thursday 12-03.
    let h = Harness::start(HarnessOptions::shipped(day("2026-12-03")))
        .await
        .unwrap();
    let requester = h.user("ccs").unwrap();
    let iid = h
        .sim
        .create_issue(
            h.project(),
            requester,
            steward_sim::NewIssue {
                title: "Can we get a customer for our webinar?".into(),
                description: "Looking for a customer to join a webinar in February.".into(),
                labels: vec!["Customer Advocacy".into()],
                ..Default::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    assert!(h.sim.issue(h.project(), iid).unwrap().assignees.is_empty());

    at(&h, "2026-12-07").await; // Monday: 2 business days (Fri, Mon)
    assert!(notes(&h, iid, "escalation-unassigned").is_empty());
    at(&h, "2026-12-08").await; // Tuesday: 3 business days
    assert_eq!(notes(&h, iid, "escalation-unassigned").len(), 1);
    at(&h, "2026-12-09").await;
    assert_eq!(
        notes(&h, iid, "escalation-unassigned").len(),
        1,
        "escalated once"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_sweep_over_a_thousand_unchanged_issues_makes_no_writes() {
    let h = Harness::start(HarnessOptions::shipped(day("2026-11-19")))
        .await
        .unwrap();
    // Each request names its own customer account (as a real project's do): a thousand asks of
    // five accounts would be a fatigue and duplicate storm, which is not what this measures.
    let texts = [
        (
            include_str!("../data/requests/customer-speaker-request--clean.md"),
            "Northwind Logistics",
        ),
        (
            include_str!("../data/requests/customer-press-request--clean.md"),
            "Aperture Financial",
        ),
        (
            include_str!("../data/requests/customer-story-idea--messy.md"),
            "Lumen Robotics",
        ),
        (
            include_str!("../data/requests/eab-nomination--director.md"),
            "Vantage Retail Group",
        ),
        (
            include_str!("../data/requests/customer-speaker-request--late-and-broken.md"),
            "Contoso Bank",
        ),
    ];
    for n in 0..1_000 {
        let (text, account) = texts[n % texts.len()];
        assert!(text.contains(account), "{account}");
        let own = text.replace(account, &format!("{account} Unit {n}"));
        h.file("asales", &format!("Request {n}"), &own)
            .await
            .unwrap();
    }
    h.settle().await.unwrap();
    h.sim.reset_counters();
    let report = h.sweep(true).await.unwrap();
    let c = h.sim.counters();
    assert_eq!(report.listed, 1_000);
    assert!(report.drift.is_empty(), "{:?}", report.drift.first());
    assert_eq!(c.writes, 0, "{:?}", c.by_endpoint);
    // ceil(1000 / 100) pages of open issues, and one of the closed accepted approvals whose
    // expiry the rules watch (rules/references.yaml).
    assert_eq!(
        c.endpoint("issues.list"),
        11,
        "ceil(1000 / 100) + 1 list calls"
    );
    assert_eq!(
        c.reads, 11,
        "nothing but the list pages: {:?}",
        c.by_endpoint
    );
    h.stop().await;
}

#[tokio::test]
async fn story_ideas_are_spread_across_the_advocacy_pmms_by_open_workload() {
    let h = Harness::start(HarnessOptions::shipped(day("2026-12-01")))
        .await
        .unwrap();
    let mut owners = Vec::new();
    for n in 0..4 {
        let iid = h
            .file("ccs", &format!("Story idea {n}"), STORY)
            .await
            .unwrap();
        h.settle().await.unwrap();
        let issue = h.sim.issue(h.project(), iid).unwrap();
        owners.push(issue.assignees[0].as_str().to_owned());
    }
    let first = owners.iter().filter(|o| *o == "jhernandez").count();
    let second = owners.iter().filter(|o| *o == "rlurie").count();
    assert_eq!(
        (first, second),
        (2, 2),
        "least-loaded routing alternates: {owners:?}"
    );
    h.stop().await;
}

#[tokio::test]
async fn an_accepted_approval_is_reminded_then_flagged_and_reopened_once_by_the_nightly_sweep() {
    let h = Harness::start(HarnessOptions::shipped(day("2026-12-01")))
        .await
        .unwrap();
    // Approved 2026-01-25 with no stated expiry: valid through 2027-01-25 (365 days).
    let iid = file_approval(&h, "2026-01-25").await;
    close_as(&h, iid, "outcome::accepted");
    h.settle().await.unwrap();
    // 35 business days before the expiry (the holidays skipped): nothing yet.
    assert!(!has(&h, iid, "approval::expiring"));
    // Nobody touches the closed request; the nightly sweeps keep its expiry true.
    // (date, expiring, expired, Steward's approval notes by then)
    let cases: [(&str, bool, bool, &[&str]); 3] = [
        ("2026-12-10", true, false, &["approval-expiring-30"]),
        (
            "2027-01-14",
            true,
            false,
            &["approval-expiring-30", "approval-expiring-7"],
        ),
        (
            "2027-01-27",
            false,
            true,
            &[
                "approval-expired",
                "approval-expiring-30",
                "approval-expiring-7",
            ],
        ),
    ];
    for (date, expiring, expired, keys) in cases {
        at(&h, date).await;
        h.settle().await.unwrap();
        assert_eq!(has(&h, iid, "approval::expiring"), expiring, "{date}");
        assert_eq!(has(&h, iid, "approval::expired"), expired, "{date}");
        let mut posted = notes(&h, iid, "approval-");
        posted.sort();
        assert_eq!(
            posted, *keys,
            "{date}: one note per reminder, never repeated"
        );
    }
    // Expired: reopened once for the renewal, due 10 business days after the last valid day
    // (not the old publish date's, which would start it overdue), still accepted and flagged.
    let reopened = h.sim.issue(h.project(), iid).unwrap();
    assert_eq!(reopened.state, IssueState::Opened);
    assert_eq!(
        reopened.due_date,
        Some(NaiveDate::from_ymd_opt(2027, 2, 8).unwrap())
    );
    assert!(has(&h, iid, "outcome::accepted") && has(&h, iid, "approval::expired"));
    assert!(!has(&h, iid, "deadline::overdue"));
    // The team decides not to renew and closes it again: it stays closed and flagged.
    let director = h.user("nsmith").unwrap();
    h.sim
        .add_note(h.project(), iid, director, "/close")
        .unwrap();
    h.settle().await.unwrap();
    at(&h, "2027-02-01").await;
    h.settle().await.unwrap();
    let closed = h.sim.issue(h.project(), iid).unwrap();
    assert_eq!(closed.state, IssueState::Closed, "reopened once only");
    assert!(has(&h, iid, "approval::expired"));
    assert_eq!(notes(&h, iid, "approval-expired").len(), 1);
    h.stop().await;
}
