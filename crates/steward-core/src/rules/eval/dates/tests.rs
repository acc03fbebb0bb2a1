//! The shipped rules on the company calendar: quiet periods, embargoes, approvals that expire
//! and the question after the event, each decided with a fixed `now`.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, ProjectId, UserId, UserRef, Username,
};
use crate::rules::{Decision, Engine, Workload};

fn engine() -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Engine::load(&root.join("rules"), &root.join("issue_templates")).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}T15:00:00Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn issue(description: String, created: &str, state: IssueState, labels: &[&str]) -> Issue {
    Issue {
        project_id: ProjectId(1),
        id: IssueId(500),
        iid: IssueIid(42),
        title: "request".to_owned(),
        description,
        state,
        labels: labels.iter().map(|l| LabelName::from(*l)).collect(),
        assignees: vec![UserRef {
            id: UserId(9),
            username: Username::from("rlurie"),
        }],
        author: Some(UserRef {
            id: UserId(3),
            username: Username::from("sam.seller"),
        }),
        created_at: at(created),
        updated_at: at(created),
        due_date: None,
        confidential: false,
        web_url: String::new(),
        owned_note_keys: BTreeSet::new(),
        managed_due_date: None,
        waiting: Default::default(),
        closed_at: None,
        user_notes_count: None,
        last_human_activity_at: None,
        work_item_type: None,
    }
}

fn press(deadline: &str, publish: &str, embargo: &str) -> String {
    format!(
        "<!-- steward:template=customer-press-request -->\n\
         **Customer account:** Aperture Financial\n\
         **Account owner:** @tnguyen\n\
         **Outlet:** CIO Journal\n\
         **Deadline:** {deadline}\n\
         **Type:**\n- [x] Media interview\n\n\
         **Publish or interview date:** {publish}\n\
         **Embargo date:** {embargo}\n"
    )
}

fn approval(date: &str, expires: &str) -> String {
    format!(
        "<!-- steward:template=customer-reference-approval -->\n\
         **Customer account:** Northwind Logistics\n\
         **Account owner:** @mgarcia\n\
         **Usage type:**\n- [x] Logo on website\n\n\
         **Publish date:** 2026-02-01\n\
         **Written approval source:**\n- [x] Email\n\n\
         **Approval date:** {date}\n\
         **Approval scope:** logo on the website\n\
         **Approval expires:** {expires}\n"
    )
}

fn decide(e: &Engine, i: &Issue, now: &str) -> Decision {
    e.decide(i, at(now), &Workload::default())
}

fn note(dec: &Decision, key: &str) -> Option<String> {
    dec.plan
        .notes
        .iter()
        .find(|n| n.key == key)
        .map(|n| n.body.clone())
}

#[test]
fn a_press_date_in_the_quiet_period_is_flagged_with_the_periods_dates() {
    let e = engine();
    // FY2027-Q4 ends 2027-01-31, its call is 2027-03-04 (calendar.yaml).
    let cases = [
        ("2027-01-30", false),
        ("2027-01-31", true),
        ("2027-03-04", true),
        ("2027-03-05", false),
    ];
    for (publish, flagged) in cases {
        let i = issue(
            press("2027-03-20", publish, "YYYY-MM-DD"),
            "2026-12-01",
            IssueState::Opened,
            &[],
        );
        let dec = decide(&e, &i, "2026-12-01");
        let label = LabelName::from("calendar::quiet-period");
        assert_eq!(dec.plan.add_labels.contains(&label), flagged, "{publish}");
        let body = note(&dec, "press-quiet-period");
        assert_eq!(body.is_some(), flagged, "{publish}");
        if let Some(body) = body {
            assert!(
                body.contains("FY2027-Q4") && body.contains("2027-01-31 through 2027-03-04"),
                "{body}"
            );
        }
    }
}

#[test]
fn an_interview_for_an_earnings_reference_in_the_quiet_period_is_flagged() {
    let e = engine();
    let body = "<!-- steward:template=earnings-customer-reference -->\n\
        **Customer account:** Northwind\n**Account owner:** @mgarcia\n\
        **Segment:**\n- [x] ENT\n\n**Reference category:**\n- [x] Growth\n\n\
        **Quarter:** FY2028-Q1\n**Customer interview or publish date:** 2027-05-20\n\
        **Customer agreed to be named:** yes\n";
    let i = issue(body.to_owned(), "2027-04-01", IssueState::Opened, &[]);
    let dec = decide(&e, &i, "2027-04-01");
    // FY2028-Q1 ends 2027-04-30, its call is 2027-06-03: 2027-05-20 is quiet.
    let n = note(&dec, "earnings-quiet-period").unwrap();
    assert!(n.contains("2027-04-30 through 2027-06-03"), "{n}");
}

#[test]
fn the_press_due_date_is_never_before_the_embargo() {
    let e = engine();
    // Deadline 2027-03-20 (Sat): 5 business days before is Monday 2027-03-15.
    let cases = [
        (
            "YYYY-MM-DD",
            "2027-03-15",
            "no embargo: deadline minus 5 business days",
        ),
        (
            "2027-03-01",
            "2027-03-15",
            "an embargo before that changes nothing",
        ),
        (
            "2027-03-17",
            "2027-03-17",
            "an embargo after it is the due date",
        ),
        (
            "2027-03-20",
            "2027-03-22",
            "a Saturday embargo: the Monday after it lifts",
        ),
    ];
    for (embargo, due, why) in cases {
        let i = issue(
            press("2027-03-20", "2027-04-20", embargo),
            "2027-01-04",
            IssueState::Opened,
            &[],
        );
        let dec = decide(&e, &i, "2027-01-04");
        assert_eq!(dec.plan.due_date, Some(d(due)), "{why}");
    }
}

#[test]
fn the_owner_is_told_once_when_the_embargo_lifts() {
    let e = engine();
    let i = issue(
        press("2027-03-20", "2027-04-20", "2027-03-16"),
        "2027-01-04",
        IssueState::Opened,
        &[],
    );
    assert_eq!(
        note(&decide(&e, &i, "2027-03-15"), "press-embargo-lifted"),
        None
    );
    let n = note(&decide(&e, &i, "2027-03-16"), "press-embargo-lifted").unwrap();
    assert!(n.contains("@rlurie") && n.contains("2027-03-16"), "{n}");
    // One note under one key while the window lasts; after it, nothing more is planned.
    assert!(note(&decide(&e, &i, "2027-03-23"), "press-embargo-lifted").is_some());
    assert_eq!(
        note(&decide(&e, &i, "2027-03-25"), "press-embargo-lifted"),
        None
    );
}

#[test]
fn an_accepted_approval_is_reminded_then_flagged_when_it_expires() {
    let e = engine();
    // Approved 2026-01-05 with no stated expiry: it holds 365 days, through 2027-01-05.
    let accepted = ["outcome::accepted"];
    let i = issue(
        approval("2026-01-05", "YYYY-MM-DD"),
        "2026-01-04",
        IssueState::Closed,
        &accepted,
    );
    let expiring = LabelName::from("approval::expiring");
    let expired = LabelName::from("approval::expired");
    // (today, labelled expiring, labelled expired, notes posted)
    let cases: [(&str, bool, bool, &[&str]); 4] = [
        ("2026-11-02", false, false, &[]),
        ("2026-11-20", true, false, &["approval-expiring-30"]),
        // Seven business days before, across Christmas and New Year's Day.
        (
            "2026-12-23",
            true,
            false,
            &["approval-expiring-30", "approval-expiring-7"],
        ),
        ("2027-01-06", false, true, &["approval-expired"]),
    ];
    for (today, is_expiring, is_expired, notes) in cases {
        let dec = decide(&e, &i, today);
        assert_eq!(
            dec.plan.add_labels.contains(&expiring),
            is_expiring,
            "{today}"
        );
        assert_eq!(
            dec.plan.add_labels.contains(&expired),
            is_expired,
            "{today}"
        );
        let keys: Vec<&str> = dec
            .plan
            .notes
            .iter()
            .map(|n| n.key.as_str())
            .filter(|k| k.starts_with("approval-"))
            .collect();
        assert_eq!(keys, *notes, "{today}");
    }
    let n = note(&decide(&e, &i, "2026-12-23"), "approval-expiring-7").unwrap();
    assert!(
        n.contains("**2027-01-05**") && n.contains("in 6 business days"),
        "{n}"
    );
}

#[test]
fn a_stated_expiry_wins_over_the_default_and_an_open_request_is_not_reminded() {
    let e = engine();
    let i = issue(
        approval("2026-01-05", "2026-06-30"),
        "2026-01-04",
        IssueState::Closed,
        &["outcome::accepted"],
    );
    let dec = decide(&e, &i, "2026-07-01");
    assert!(
        note(&dec, "approval-expired")
            .unwrap()
            .contains("2026-06-30")
    );
    let open = issue(
        approval("2026-01-05", "2026-06-30"),
        "2026-01-04",
        IssueState::Opened,
        &[],
    );
    assert_eq!(
        note(&decide(&e, &open, "2026-07-01"), "approval-expired"),
        None
    );
}

#[test]
fn an_expired_approval_is_reopened_once_for_its_renewal_and_stays_flagged_while_open() {
    use crate::model::StateChange;
    let e = engine();
    // Approved 2026-01-05 with no stated expiry: last valid day 2027-01-05.
    let accepted = ["outcome::accepted"];
    let mut closed = issue(
        approval("2026-01-05", "YYYY-MM-DD"),
        "2026-01-04",
        IssueState::Closed,
        &accepted,
    );
    closed.due_date = Some(d("2026-01-16"));
    closed.managed_due_date = closed.due_date;
    let first = decide(&e, &closed, "2027-01-06");
    assert_eq!(first.plan.state, Some(StateChange::Reopen));
    // Due 10 business days after the last valid day (the renewal's date, not the old
    // publish date's; 2027-01-18 is a holiday), so the reopened request does not start overdue.
    assert_eq!(first.plan.due_date, Some(d("2027-01-20")));
    assert!(note(&first, "approval-expired").is_some());

    // Reopened: still flagged, not re-routed (no new assignee, no due date from the publish
    // date), nothing reopened again.
    let mut reopened = closed.clone();
    reopened.state = IssueState::Opened;
    reopened.labels.insert(LabelName::from("approval::expired"));
    reopened
        .owned_note_keys
        .insert("approval-expired".to_owned());
    reopened.due_date = Some(d("2027-01-20"));
    reopened.managed_due_date = reopened.due_date;
    let open = decide(&e, &reopened, "2027-01-07");
    assert!(
        !open
            .plan
            .remove_labels
            .contains(&LabelName::from("approval::expired"))
    );
    assert_eq!(open.plan.state, None);
    assert_eq!(open.plan.due_date, None, "{:?}", open.plan.due_date);
    assert_eq!(open.plan.assignees, None);

    // Closed again without renewing: flagged, and not reopened a second time.
    let mut closed_again = reopened.clone();
    closed_again.state = IssueState::Closed;
    let again = decide(&e, &closed_again, "2027-02-01");
    assert_eq!(again.plan.state, None);

    // Renewed (new approval date): the flag goes, whatever the state.
    let mut renewed = reopened.clone();
    renewed.description = approval("2027-01-10", "YYYY-MM-DD");
    let dec = decide(&e, &renewed, "2027-01-12");
    assert!(
        dec.plan
            .remove_labels
            .contains(&LabelName::from("approval::expired"))
    );
}

#[test]
fn after_the_event_the_owner_is_asked_once_for_the_outcome() {
    let e = engine();
    let body = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/requests/customer-speaker-request--clean.md"),
    )
    .unwrap();
    let event = decide(
        &e,
        &issue(body.clone(), "2027-01-14", IssueState::Opened, &[]),
        "2027-01-14",
    )
    .fields
    .get("event_date")
    .map(crate::rules::show_value)
    .unwrap();
    let event = d(&event);
    let i = issue(body.clone(), "2027-01-14", IssueState::Opened, &[]);
    let before = decide(&e, &i, &event.to_string());
    assert_eq!(note(&before, "after-event"), None, "not on the event day");
    let after = (event + chrono::Duration::days(1)).to_string();
    let n = note(&decide(&e, &i, &after), "after-event").unwrap();
    assert!(
        n.contains("@rlurie") && n.contains("outcome::no-show"),
        "{n}"
    );
    let closed_with_outcome = issue(
        body,
        "2027-01-14",
        IssueState::Opened,
        &["outcome::happened"],
    );
    assert_eq!(
        note(&decide(&e, &closed_with_outcome, &after), "after-event"),
        None
    );
}
