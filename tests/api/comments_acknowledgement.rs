//! The acknowledgement (rules/acknowledgements.yaml): an on-time, complete speaker or press
//! request gets one short comment naming its owner and what happens next by when; a late or
//! incomplete one, or a program without an acknowledgement, gets none.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::rules::{issue, root};

use steward_core::model::{Issue, LabelName};
use steward_core::reconcile::render_note;
use steward_core::rules::{Engine, Workload};
use steward_core::untrusted::live_mentions;

const KEY: &str = "acknowledgement";

fn engine() -> Engine {
    Engine::load(&root().join("rules"), &root().join("issue_templates")).unwrap()
}

/// The clean request of `template`, filed at `filed`, with its quick action's labels applied
/// and the given description edits.
fn request(template: &str, program: &str, filed: &str, edits: &[(&str, &str)]) -> Issue {
    let path = root().join(format!("tests/data/requests/{template}--clean.md"));
    let mut description = std::fs::read_to_string(path).unwrap();
    for (from, to) in edits {
        assert!(description.contains(from), "{from}");
        description = description.replacen(from, to, 1);
    }
    let mut i = issue(filed);
    i.title = "@all please read".to_owned();
    i.description = description;
    i.labels = [
        "Customer Advocacy".to_owned(),
        format!("advocacy-program::{program}"),
    ]
    .into_iter()
    .map(LabelName)
    .collect();
    i
}

/// The acknowledgement as it would be posted, if planned.
fn acknowledgement(i: &Issue) -> Option<String> {
    let now = i.created_at + chrono::Duration::minutes(1);
    let plan = engine().decide(i, now, &Workload::default()).plan;
    plan.notes
        .iter()
        .find(|n| n.key == KEY)
        .map(|n| render_note(&n.key, &n.body))
}

#[test]
fn an_on_time_complete_request_is_acknowledged_with_its_owner_and_date() {
    // (template, program, filed, owner, due date, what it names)
    let cases = [
        (
            "customer-speaker-request",
            "speaker",
            "2027-01-15T15:00:00Z",
            "jhernandez",
            "**2027-03-22**",
            "GitLab DevSecOps World Tour Chicago",
        ),
        (
            "customer-press-request",
            "press",
            "2027-01-05T15:00:00Z",
            "nsmith",
            "**2027-02-08**",
            "The Wall Street Journal (CIO Journal)",
        ),
    ];
    for (template, program, filed, owner, due, names) in cases {
        let body = acknowledgement(&request(template, program, filed, &[]))
            .unwrap_or_else(|| panic!("{template}: no acknowledgement"));
        assert!(body.contains(&format!("@{owner} owns it")), "{body}");
        assert!(body.contains(due), "{template}: {body}");
        assert!(body.contains(&format!("`{names}`")), "{template}: {body}");
        // Only the requester and the owner are mentioned; the title is not repeated.
        assert_eq!(live_mentions(&body), ["sam.seller", owner], "{body}");
        assert!(!body.contains("@all"), "{body}");
    }
}

#[test]
fn a_late_incomplete_or_unacknowledged_request_gets_no_acknowledgement() {
    let cases = [
        // 51 days before the event: the lead-time comment instead.
        (
            "late speaker",
            request(
                "customer-speaker-request",
                "speaker",
                "2027-03-01T15:00:00Z",
                &[],
            ),
        ),
        // 10 days before the deadline.
        (
            "late press",
            request(
                "customer-press-request",
                "press",
                "2027-02-05T15:00:00Z",
                &[],
            ),
        ),
        (
            "speaker without an event date",
            request(
                "customer-speaker-request",
                "speaker",
                "2027-01-15T15:00:00Z",
                &[("**Event date:** 2027-04-21", "**Event date:** next spring")],
            ),
        ),
        (
            "third-party event",
            request(
                "customer-speaker-request",
                "speaker",
                "2027-01-15T15:00:00Z",
                &[
                    ("- [x] GitLab hosted", "- [ ] GitLab hosted"),
                    ("- [ ] Third party", "- [x] Third party"),
                ],
            ),
        ),
        (
            "a story idea",
            request("customer-story-idea", "story", "2027-01-15T15:00:00Z", &[]),
        ),
    ];
    for (what, i) in cases {
        assert_eq!(acknowledgement(&i), None, "{what}");
    }
}

#[test]
fn a_request_flagged_late_then_corrected_is_not_acknowledged_a_second_time() {
    // The lead-time comment was posted when the event was 51 days out; the requester then
    // moved the event: that comment's update says the lead time is met, and no second
    // comment follows.
    let mut i = request(
        "customer-speaker-request",
        "speaker",
        "2027-03-01T15:00:00Z",
        &[("**Event date:** 2027-04-21", "**Event date:** 2027-06-21")],
    );
    i.owned_note_keys.insert("speaker-lead-time".to_owned());
    assert_eq!(acknowledgement(&i), None);
    // The same request without that history is acknowledged.
    i.owned_note_keys.clear();
    assert!(acknowledgement(&i).is_some());
}

#[test]
fn the_acknowledgement_is_planned_on_the_same_pass_that_sets_the_due_date() {
    // A fresh request without labels yet: the intake adds them, the route sets the due date,
    // and the acknowledgement already shows that date and owner.
    let mut i = request(
        "customer-speaker-request",
        "speaker",
        "2027-01-15T15:00:00Z",
        &[],
    );
    i.labels.clear();
    let body = acknowledgement(&i).unwrap();
    assert!(
        body.contains("**2027-03-22**") && body.contains("@jhernandez"),
        "{body}"
    );
}
