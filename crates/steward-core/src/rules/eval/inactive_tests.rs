//! `inactive_business_days` (measured from the last activity by someone other than Steward)
//! and the `close` / `reopen` actions, on a fixed clock.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc, Weekday};

use crate::calendar::{Calendar, NumericDateOrder};
use crate::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, ParsedFields, Plan, ProjectId, StateChange,
};
use crate::rules::{Roster, RuleSet, Workload, evaluate};

const RULES: &str = r#"
rules:
  - name: stale-nudge
    conditions: { state: opened, labels: ["needs-info"], inactive_business_days: 10 }
    actions:
      comment: { key: stale-nudge, body: "Still there?" }
  - name: stale-close
    conditions: { state: opened, labels: ["needs-info"], inactive_business_days: 20 }
    actions:
      close: "outcome::no-response"
      comment: { key: stale-closed, body: "Closed for now." }
  - name: reopen-when-asked
    conditions: { state: closed, labels: ["reopen-me"] }
    actions: { reopen: true, remove_labels: ["reopen-me"] }
"#;

fn rules() -> RuleSet {
    let roster = Roster::from_yaml("roster.yaml", "roles: {}\nmembers: {}\n").unwrap();
    RuleSet::from_yaml(&[("rules.yaml".to_owned(), RULES.to_owned())], &[], &roster).unwrap()
}

fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 15, 0, 0).unwrap()
}

/// Filed Monday 2026-11-02; labelled by Steward the same day.
fn issue(labels: &[&str], state: IssueState, human: Option<DateTime<Utc>>) -> Issue {
    Issue {
        project_id: ProjectId(1),
        id: IssueId(10),
        iid: IssueIid(1),
        title: "t".into(),
        description: String::new(),
        state,
        labels: labels.iter().map(|l| LabelName::from(*l)).collect(),
        assignees: vec![],
        author: None,
        created_at: at(11, 2),
        // Steward's own writes keep bumping `updated_at`; only the human date matters.
        updated_at: at(12, 1),
        closed_at: None,
        due_date: None,
        confidential: false,
        web_url: String::new(),
        owned_note_keys: Default::default(),
        managed_due_date: None,
        waiting: Default::default(),
        user_notes_count: Some(1),
        last_human_activity_at: human,
        work_item_type: None,
    }
}

fn plan(issue: &Issue, now: DateTime<Utc>) -> Plan {
    let calendar = Calendar::new(
        chrono_tz::UTC,
        &[Weekday::Sat, Weekday::Sun],
        BTreeMap::new(),
        2,
        BTreeMap::new(),
        NumericDateOrder::MonthFirst,
    )
    .unwrap();
    let roster = Roster::from_yaml("roster.yaml", "roles: {}\nmembers: {}\n").unwrap();
    evaluate(
        &rules(),
        issue,
        None,
        &ParsedFields::default(),
        now,
        &calendar,
        &roster,
        &Workload::default(),
    )
}

fn keys(p: &Plan) -> Vec<&str> {
    p.notes.iter().map(|n| n.key.as_str()).collect()
}

#[test]
fn inactivity_counts_business_days_since_the_last_human_activity() {
    let filed = Some(at(11, 2));
    // (what, last human activity, now, notes planned, state change)
    type Case<'a> = (
        &'a str,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
        &'a [&'a str],
        Option<StateChange>,
    );
    let cases: [Case<'_>; 6] = [
        ("9 business days: nothing yet", filed, at(11, 13), &[], None),
        (
            "10 business days: the nudge",
            filed,
            at(11, 16),
            &["stale-nudge"],
            None,
        ),
        (
            "20 business days: closed with its comment",
            filed,
            at(11, 30),
            &["stale-nudge", "stale-closed"],
            Some(StateChange::Close),
        ),
        (
            "a reply on the 20th restarts the count",
            Some(at(11, 20)),
            at(11, 30),
            &[],
            None,
        ),
        (
            "a reply on the 13th: nudged again 10 business days later, not closed",
            Some(at(11, 13)),
            at(11, 30),
            &["stale-nudge"],
            None,
        ),
        (
            "unknown human activity falls back to `updated_at`",
            None,
            at(12, 2),
            &[],
            None,
        ),
    ];
    for (what, human, now, notes, state) in cases {
        let p = plan(&issue(&["needs-info"], IssueState::Opened, human), now);
        assert_eq!(keys(&p), notes, "{what}");
        assert_eq!(p.state, state, "{what}");
    }
}

#[test]
fn closing_adds_the_outcome_label_and_says_why() {
    let p = plan(
        &issue(&["needs-info"], IssueState::Opened, Some(at(11, 2))),
        at(11, 30),
    );
    assert!(
        p.add_labels
            .contains(&LabelName::from("outcome::no-response"))
    );
    let why = &p
        .matched_rules
        .iter()
        .find(|r| r.name == "stale-close")
        .unwrap()
        .reasons;
    assert!(
        why.iter()
            .any(|r| r == "nobody but Steward has acted on it since 2026-11-02 (20 business days)"),
        "{why:?}"
    );
}

#[test]
fn a_state_change_is_planned_only_when_the_issue_is_not_already_there() {
    let closed = issue(&["reopen-me"], IssueState::Closed, Some(at(11, 2)));
    assert_eq!(plan(&closed, at(11, 3)).state, Some(StateChange::Reopen));
    let open = issue(&["reopen-me"], IssueState::Opened, Some(at(11, 2)));
    assert_eq!(plan(&open, at(11, 3)).state, None);
}

#[test]
fn close_needs_an_outcome_label_and_excludes_reopen() {
    let roster = Roster::from_yaml("roster.yaml", "roles: {}\nmembers: {}\n").unwrap();
    let bad = |body: &str| {
        let text = format!(
            "rules:\n  - name: r\n    conditions: {{ state: opened }}\n    actions: {body}\n"
        );
        let errs = RuleSet::from_yaml(&[("rules.yaml".to_owned(), text)], &[], &roster)
            .err()
            .unwrap();
        errs.iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    };
    assert!(bad("{ close: done }").contains("needs an outcome label"));
    assert!(bad(r#"{ close: "outcome::x", reopen: true }"#).contains("both `close` and `reopen`"));
}
