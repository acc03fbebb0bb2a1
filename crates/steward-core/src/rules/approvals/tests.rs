use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use super::csv_field;
use crate::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, ProjectId, UserId, UserRef, Username,
};
use crate::rules::Engine;

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

fn approval(customer: &str, state: IssueState, labels: &[&str], expires: &str) -> Issue {
    let description = format!(
        "<!-- steward:template=customer-reference-approval -->\n\
         **Customer account:** {customer}\n\
         **Account owner:** @mgarcia\n\
         **Usage type:**\n- [x] Logo on website\n- [x] Customer quote\n\n\
         **Publish date:** 2026-02-01\n\
         **Written approval source:**\n- [x] License agreement\n\n\
         **Approval date:** 2026-01-05\n\
         **Approval expires:** {expires}\n"
    );
    Issue {
        project_id: ProjectId(1),
        id: IssueId(7),
        iid: IssueIid(7),
        title: "logo".to_owned(),
        description,
        state,
        labels: labels.iter().map(|l| LabelName::from(*l)).collect(),
        assignees: vec![],
        author: Some(UserRef {
            id: UserId(3),
            username: Username::from("sam.seller"),
        }),
        created_at: at("2026-01-04"),
        updated_at: at("2026-01-04"),
        due_date: None,
        confidential: false,
        web_url: "https://gitlab.example.com/team/requests/-/issues/7".to_owned(),
        owned_note_keys: Default::default(),
        managed_due_date: None,
        waiting: Default::default(),
        closed_at: None,
        user_notes_count: None,
        last_human_activity_at: None,
        work_item_type: None,
    }
}

#[test]
fn an_accepted_approval_is_a_referenceable_customer_with_its_expiry() {
    let e = engine();
    let i = approval(
        "Northwind",
        IssueState::Closed,
        &["outcome::accepted"],
        "YYYY-MM-DD",
    );
    let row = e.approval_row(&i, at("2026-12-10"), 30).unwrap();
    assert_eq!(row.customer, "Northwind");
    assert_eq!(
        row.scope, "Logo on website, Customer quote",
        "usages when no scope is given"
    );
    assert_eq!(row.source, "License agreement");
    assert_eq!(row.approved, Some(d("2026-01-05")));
    assert_eq!((row.expires, row.defaulted), (Some(d("2027-01-05")), true));
    assert_eq!(row.status, "expiring");
    assert_eq!(
        e.approval_row(&i, at("2026-11-01"), 30).unwrap().status,
        "valid"
    );
    assert_eq!(
        e.approval_row(&i, at("2027-01-06"), 30).unwrap().status,
        "expired"
    );
}

#[test]
fn only_requests_with_the_programs_success_outcome_are_listed() {
    let e = engine();
    let now = at("2026-06-01");
    let cases = [
        // Reopened for its renewal: still the customer's record until renewed.
        (IssueState::Opened, vec!["outcome::accepted"], true),
        (IssueState::Opened, vec![], false),
        (IssueState::Closed, vec![], false),
        (IssueState::Closed, vec!["outcome::declined"], false),
        (
            IssueState::Closed,
            vec!["outcome::accepted", "reference::written-approval-missing"],
            false,
        ),
        (IssueState::Closed, vec!["outcome::accepted"], true),
    ];
    for (state, labels, listed) in cases {
        let i = approval("Northwind", state, &labels, "2027-06-30");
        assert_eq!(
            e.approval_row(&i, now, 30).is_some(),
            listed,
            "{state:?} {labels:?}"
        );
    }
}

#[test]
fn customer_names_cannot_become_spreadsheet_formulas_and_csv_is_quoted() {
    let e = engine();
    for (typed, cell) in [
        (
            "=HYPERLINK(\"http://x\",\"Acme\")",
            "'=HYPERLINK(\"http://x\",\"Acme\")",
        ),
        ("+1 Corp", "'+1 Corp"),
        ("-Dash Inc", "'-Dash Inc"),
        ("@Home", "'@Home"),
        ("Acme, Inc.", "Acme, Inc."),
    ] {
        let i = approval(
            typed,
            IssueState::Closed,
            &["outcome::accepted"],
            "2027-06-30",
        );
        let row = e.approval_row(&i, at("2026-06-01"), 30).unwrap();
        assert_eq!(row.customer, cell, "{typed}");
    }
    assert_eq!(csv_field("Acme, Inc."), "\"Acme, Inc.\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("plain"), "plain");
}

#[test]
fn a_confidential_approval_shows_no_customer_name() {
    let e = engine();
    let mut i = approval(
        "Secret Bank",
        IssueState::Closed,
        &["outcome::accepted"],
        "2027-06-30",
    );
    i.confidential = true;
    let row = e.approval_row(&i, at("2026-06-01"), 30).unwrap();
    assert_eq!(row.customer, "(confidential)");
    assert!(row.scope.is_empty() && row.source.is_empty());
}
