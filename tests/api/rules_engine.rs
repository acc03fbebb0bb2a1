//! The engine end to end (recognise → parse → evaluate) with the shipped templates and rules on
//! the realistic requests in `tests/data/requests/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Test tables are tuples spelled out where they are used.
#![allow(clippy::type_complexity)]

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use steward_core::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, ProjectId, UserId, UserRef, Username,
};
use steward_core::rules::{Engine, Workload};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn engine() -> Engine {
    Engine::load(&root().join("rules"), &root().join("issue_templates")).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn request(file: &str, created: &str) -> Issue {
    Issue {
        project_id: ProjectId(1),
        id: IssueId(500),
        iid: IssueIid(42),
        title: file.to_owned(),
        description: std::fs::read_to_string(
            root()
                .join("tests/data/requests")
                .join(format!("{file}.md")),
        )
        .unwrap(),
        state: IssueState::Opened,
        labels: BTreeSet::new(),
        assignees: Vec::new(),
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
        user_notes_count: None,
        last_human_activity_at: None,
        work_item_type: None,
        closed_at: None,
    }
}

#[test]
fn engine_is_shareable_across_worker_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
}

#[test]
fn realistic_requests_get_the_handbook_treatment() {
    let engine = engine();
    // (request file, created, template, rules that must fire, rules that must not, labels added)
    let cases: Vec<(&str, &str, &str, Vec<&str>, Vec<&str>, Vec<&str>)> = vec![
        (
            "customer-speaker-request--clean",
            "2027-01-14T15:00:00Z",
            "customer-speaker-request",
            vec!["intake-speaker", "intake-triage-status", "speaker-route"],
            vec!["speaker-lead-time", "intake-needs-info"],
            vec![
                "Customer Advocacy",
                "advocacy-program::speaker",
                "advocacy-status::triage",
            ],
        ),
        (
            "customer-speaker-request--clean",
            "2027-03-01T15:00:00Z",
            "customer-speaker-request",
            vec!["speaker-lead-time"],
            vec![],
            vec!["lead-time::violated"],
        ),
        (
            "customer-speaker-request--late-and-broken",
            "2027-01-14T15:00:00Z",
            "customer-speaker-request",
            vec!["intake-needs-info"],
            vec!["speaker-lead-time"],
            vec!["advocacy::needs-info"],
        ),
        (
            "customer-press-request--messy",
            "2027-01-02T15:00:00Z",
            "customer-press-request",
            vec!["press-route", "press-lead-time"],
            vec![],
            vec!["lead-time::violated", "advocacy-program::press"],
        ),
        (
            "customer-reference-approval--no-approval-yet",
            "2026-11-02T15:00:00Z",
            "customer-reference-approval",
            vec!["reference-written-approval"],
            vec![],
            vec!["reference::written-approval-missing"],
        ),
        (
            "eab-nomination--director",
            "2027-01-14T15:00:00Z",
            "eab-nomination",
            vec!["eab-below-vp", "eab-route"],
            vec![],
            vec!["eab::below-vp"],
        ),
        (
            "earnings-customer-reference--messy",
            "2026-09-20T15:00:00Z",
            "earnings-customer-reference",
            vec!["earnings-first-order"],
            vec!["earnings-growth"],
            vec!["earnings::first-order"],
        ),
        (
            "analyst-participation-request--messy",
            "2027-01-04T15:00:00Z",
            "analyst-participation-request",
            vec!["analyst-lead-time"],
            vec![],
            vec!["lead-time::violated", "advocacy-program::analyst"],
        ),
        (
            "reference-contest-entry--missing-evidence",
            "2027-01-04T15:00:00Z",
            "reference-contest-entry",
            vec!["intake-needs-info", "contest-route"],
            vec![],
            vec!["advocacy::needs-info"],
        ),
    ];
    for (file, created, template, fire, not_fire, add) in cases {
        let d = engine.decide(&request(file, created), at(created), &Workload::default());
        assert_eq!(
            d.template.as_ref().map(|t| t.as_str()),
            Some(template),
            "{file}: {}",
            d.recognition
        );
        for r in &fire {
            assert!(
                d.matched_rules.iter().any(|m| m == r),
                "{file}: {r} did not fire: {:?} (errors {:?})",
                d.matched_rules,
                d.field_errors
            );
        }
        for r in &not_fire {
            assert!(
                !d.matched_rules.iter().any(|m| m == r),
                "{file}: {r} fired: {:?}",
                d.matched_rules
            );
        }
        for l in &add {
            assert!(
                d.plan.add_labels.contains(&LabelName::from(*l)),
                "{file}: {l} not added: {:?}",
                d.plan.add_labels
            );
        }
        for n in &d.plan.notes {
            assert!(
                n.body.lines().all(|l| !l.trim_start().starts_with('/')),
                "{file}: {}",
                n.body
            );
        }
    }
}

#[test]
fn every_label_the_engine_may_add_is_declared_in_labels_used() {
    let engine = engine();
    let used = engine.labels_used();
    let dir = root().join("tests/data/requests");
    for e in std::fs::read_dir(&dir).unwrap() {
        let file = e
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        for created in ["2026-06-01T15:00:00Z", "2027-03-01T15:00:00Z"] {
            let d = engine.decide(&request(&file, created), at(created), &Workload::default());
            for l in &d.plan.add_labels {
                assert!(
                    used.contains(l),
                    "{file}: {l} is added but not in labels_used"
                );
            }
        }
    }
    assert!(used.contains(&LabelName::from("lead-time::violated")));
}

#[test]
fn every_outcome_label_the_team_closes_with_is_in_labels_used() {
    // `steward serve` reports the labels in `labels_used` missing from the project, and the
    // harness and simulator create them: an outcome label must be there to be usable.
    let used = engine().labels_used();
    for label in [
        "outcome::published",
        "outcome::accepted",
        "outcome::delivered",
        "outcome::declined",
        "outcome::duplicate",
    ] {
        assert!(used.contains(&LabelName::from(label)), "{label} missing");
    }
}

#[test]
fn decisions_serialise_to_the_plan_command_shape() {
    let engine = engine();
    let d = engine.decide(
        &request("customer-speaker-request--clean", "2027-03-01T15:00:00Z"),
        at("2027-03-01T15:00:00Z"),
        &Workload::default(),
    );
    let v = serde_json::to_value(&d).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "field_errors",
            "fields",
            "matched_rules",
            "plan",
            "template"
        ]
    );
    assert_eq!(v["fields"]["event_date"], "2027-04-21");
    assert_eq!(v["plan"]["due_date"], "2027-03-22");
    assert_eq!(v["plan"]["assignees"], serde_json::json!(["jhernandez"]));
}

/// The clean speaker request with one line replaced.
fn clean_speaker_with(line_start: &str, replacement: &str, created: &str) -> Issue {
    let mut issue = request("customer-speaker-request--clean", created);
    issue.description = issue
        .description
        .lines()
        .map(|l| {
            if l.starts_with(line_start) {
                replacement.to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    issue
}

#[test]
fn an_unreadable_optional_answer_is_a_warning_never_needs_info() {
    let engine = engine();
    let created = "2026-11-02T15:00:00Z";
    let issue = clean_speaker_with(
        "**Event URL:**",
        "**Event URL:** see the event site",
        created,
    );
    let d = engine.decide(&issue, at(created), &Workload::default());
    let needs_info = LabelName::from("advocacy::needs-info");
    assert!(
        !d.plan.add_labels.contains(&needs_info),
        "{:?}",
        d.plan.add_labels
    );
    assert!(d.plan.notes.iter().all(|n| n.key != "needs-info"));
    let note = d
        .plan
        .notes
        .iter()
        .find(|n| n.key == "field-warnings")
        .expect("one note about the optional answer");
    assert!(
        note.body.contains("has everything the team needs to start"),
        "{}",
        note.body
    );
    assert!(
        note.body.contains(
            "- (optional, not needed to start) **Event URL**: found `see the event site`"
        ),
        "{}",
        note.body
    );

    // With a required answer missing as well, both are in the one checklist.
    let mut issue = issue;
    issue.description = issue.description.replace("**Location:**", "**Venue:**");
    let d = engine.decide(&issue, at(created), &Workload::default());
    assert!(d.plan.add_labels.contains(&needs_info));
    let checklist = d.plan.notes.iter().find(|n| n.key == "needs-info").unwrap();
    assert!(
        checklist.body.contains("- [ ] **Location**"),
        "{}",
        checklist.body
    );
    assert!(
        checklist
            .body
            .contains("- (optional, not needed to start) **Event URL**"),
        "{}",
        checklist.body
    );
    assert!(d.plan.notes.iter().all(|n| n.key != "field-warnings"));
}

#[test]
fn an_unreadable_event_date_says_the_lead_time_waits_for_it() {
    let engine = engine();
    let created = "2026-11-02T15:00:00Z";
    let issue = clean_speaker_with("**Event date:**", "**Event date:** next spring", created);
    let d = engine.decide(&issue, at(created), &Workload::default());
    let checklist = d.plan.notes.iter().find(|n| n.key == "needs-info").unwrap();
    assert!(
        checklist
            .body
            .contains("the lead time is checked as soon as this date can be read"),
        "{}",
        checklist.body
    );
    // A field no lead time measures gets no such sentence.
    let issue = clean_speaker_with("**Location:**", "**Location:** <city>", created);
    let d = engine.decide(&issue, at(created), &Workload::default());
    let checklist = d.plan.notes.iter().find(|n| n.key == "needs-info").unwrap();
    assert!(
        !checklist.body.contains("lead time is checked"),
        "{}",
        checklist.body
    );
}

#[test]
fn an_event_date_before_filing_is_a_field_error_with_the_likely_year_not_a_negative_lead_time() {
    let engine = engine();
    let created = "2026-11-02T15:00:00Z";
    // (typed event date, expected hint)
    let cases = [
        (
            "2026-03-28",
            "2026-03-28 is before this request was filed (2026-11-02); did you mean 2027-03-28?",
        ),
        (
            "2025-12-18",
            "2025-12-18 is before this request was filed (2026-11-02); did you mean 2026-12-18?",
        ),
    ];
    for (typed, want) in cases {
        let issue = clean_speaker_with(
            "**Event date:**",
            &format!("**Event date:** {typed}"),
            created,
        );
        let d = engine.decide(&issue, at(created), &Workload::default());
        assert!(
            d.plan
                .add_labels
                .contains(&LabelName::from("advocacy::needs-info")),
            "{typed}: {:?}",
            d.plan.add_labels
        );
        assert!(
            !d.plan
                .add_labels
                .contains(&LabelName::from("lead-time::violated")),
            "{typed}: no lead-time verdict on a date that cannot be meant"
        );
        assert_eq!(d.plan.due_date, None, "{typed}: no due date in the past");
        let checklist = d.plan.notes.iter().find(|n| n.key == "needs-info").unwrap();
        assert!(
            checklist.body.contains(want),
            "{typed}:\n{}",
            checklist.body
        );
        assert!(!checklist.body.contains("-249 days"), "{}", checklist.body);
    }
}
