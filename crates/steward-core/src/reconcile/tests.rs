//! Tests of the reconciler's diff: one edit per issue, notes kept in place, nothing unsafe sent.

use super::*;
use crate::model::{IssueId, IssueIid, IssueState, PlannedNote, ProjectId, UserRef};
use chrono::{TimeZone, Utc};

fn issue(labels: &[&str]) -> Issue {
    Issue {
        project_id: ProjectId(1),
        id: IssueId(100),
        iid: IssueIid(7),
        title: "Speaker for DevOps Days".into(),
        description: String::new(),
        state: IssueState::Opened,
        labels: labels.iter().map(|l| LabelName::from(*l)).collect(),
        assignees: vec![],
        author: None,
        created_at: Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap(),
        updated_at: Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap(),
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

fn labels(names: &[&str]) -> BTreeSet<LabelName> {
    names.iter().map(|l| LabelName::from(*l)).collect()
}

fn users() -> HashMap<String, UserId> {
    [("jhernandez".to_owned(), UserId(11))]
        .into_iter()
        .collect()
}

#[test]
fn a_matching_issue_needs_no_write_at_all() {
    let mut i = issue(&["Customer Advocacy"]);
    i.assignees = vec![UserRef {
        id: UserId(11),
        username: Username::from("jhernandez"),
    }];
    i.due_date = NaiveDate::from_ymd_opt(2027, 1, 10);
    let body = render_note("lead-time", "Filed late.");
    let existing: BTreeMap<_, _> = [(
        "lead-time".to_owned(),
        ExistingNote {
            id: NoteId(5),
            body_hash: body_hash(&body),
        },
    )]
    .into_iter()
    .collect();
    let plan = Plan {
        add_labels: labels(&["Customer Advocacy"]),
        assignees: Some(vec![Username::from("JHernandez")]),
        due_date: NaiveDate::from_ymd_opt(2027, 1, 10),
        notes: vec![PlannedNote {
            key: "lead-time".into(),
            body: "Filed late.".into(),
        }],
        ..Plan::default()
    };
    let actions = diff(
        &plan,
        &i,
        &existing,
        &labels(&["Customer Advocacy"]),
        &users(),
    );
    assert!(actions.is_noop(), "{actions:?}");
    assert!(actions.problems.is_empty());
}

#[test]
fn every_metadata_change_goes_into_one_edit() {
    let i = issue(&["lead-time::violated"]);
    let plan = Plan {
        add_labels: labels(&["Customer Advocacy", "advocacy-program::speaker"]),
        remove_labels: labels(&["lead-time::violated", "not-on-issue"]),
        assignees: Some(vec![Username::from("jhernandez")]),
        due_date: NaiveDate::from_ymd_opt(2027, 2, 1),
        ..Plan::default()
    };
    let project = labels(&[
        "Customer Advocacy",
        "advocacy-program::speaker",
        "lead-time::violated",
    ]);
    let actions = diff(&plan, &i, &BTreeMap::new(), &project, &users());
    let edit = actions.edit.unwrap();
    assert_eq!(edit.add_labels.len(), 2);
    assert_eq!(
        edit.remove_labels,
        vec![LabelName::from("lead-time::violated")]
    );
    assert_eq!(edit.assignee_ids, Some(vec![UserId(11)]));
    assert_eq!(edit.due_date, NaiveDate::from_ymd_opt(2027, 2, 1));
}

#[test]
fn a_label_missing_from_the_project_is_never_sent() {
    let plan = Plan {
        add_labels: labels(&["Customer Advocacy", "typo::label"]),
        ..Plan::default()
    };
    let actions = diff(
        &plan,
        &issue(&[]),
        &BTreeMap::new(),
        &labels(&["Customer Advocacy"]),
        &users(),
    );
    assert_eq!(
        actions.edit.unwrap().add_labels,
        vec![LabelName::from("Customer Advocacy")]
    );
    assert_eq!(
        actions.problems,
        vec![Problem::MissingLabel(LabelName::from("typo::label"))]
    );
}

#[test]
fn an_unknown_roster_user_leaves_assignees_untouched() {
    let plan = Plan {
        assignees: Some(vec![Username::from("ghost")]),
        ..Plan::default()
    };
    let actions = diff(&plan, &issue(&[]), &BTreeMap::new(), &labels(&[]), &users());
    assert!(actions.edit.is_none());
    assert_eq!(
        actions.problems,
        vec![Problem::UnknownUser(Username::from("ghost"))]
    );
}

#[test]
fn owned_notes_are_created_once_then_edited_in_place() {
    let plan = Plan {
        notes: vec![PlannedNote {
            key: "lead-time".into(),
            body: "New text".into(),
        }],
        ..Plan::default()
    };
    let created = diff(&plan, &issue(&[]), &BTreeMap::new(), &labels(&[]), &users());
    assert!(
        matches!(created.notes.as_slice(), [NoteAction::Create { key, .. }] if key == "lead-time")
    );

    let existing: BTreeMap<_, _> = [(
        "lead-time".to_owned(),
        ExistingNote {
            id: NoteId(9),
            body_hash: body_hash(&render_note("lead-time", "Old text")),
        },
    )]
    .into_iter()
    .collect();
    let updated = diff(&plan, &issue(&[]), &existing, &labels(&[]), &users());
    assert!(matches!(
        updated.notes.as_slice(),
        [NoteAction::Update {
            note_id: NoteId(9),
            ..
        }]
    ));
}

#[test]
fn generated_lines_never_start_with_a_slash() {
    let body = render_note("k", "Hello\n/label ~x\n  /close\nfine / here");
    for line in body.lines() {
        assert!(
            !line.trim_start().starts_with('/'),
            "quick action leaked: {line}"
        );
    }
    assert!(body.contains("\\/label ~x"));
    assert!(body.starts_with("<!-- steward:k -->\n"));
}

#[test]
fn an_owned_note_never_reaches_gitlabs_length_limit() {
    let body = render_note("k", &"a planned line\n".repeat(80_000));
    assert!(body.chars().count() <= crate::untrusted::BODY_BUDGET);
    assert!(body.starts_with("<!-- steward:k -->\n"));
    assert_eq!(render_note("k", "x"), "<!-- steward:k -->\nx\n");
}

#[test]
fn marker_keys_are_read_back_but_template_markers_are_not() {
    assert_eq!(
        marker_key(&render_note("lead-time", "x")),
        Some("lead-time")
    );
    assert_eq!(
        marker_key("<!-- steward:template=customer-speaker-request -->"),
        None
    );
    assert_eq!(marker_key("plain comment"), None);
}
