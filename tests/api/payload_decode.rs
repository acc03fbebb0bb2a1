#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Webhook payload decoding against GitLab's documented example bodies, odd-but-real variants
//! and broken input.

use crate::support::checks;

use std::path::Path;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use steward::gitlab::payload::{
    PayloadError, Trigger, WebhookEvent, decode, decode_trigger, issue_from_hook, parse_timestamp,
};
use steward_core::model::{IssueState, LabelName, UserId, Username};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/gitlab")
            .join(name),
    )
    .unwrap()
}

#[test]
fn documented_issue_open_hook_decodes_to_the_issue_with_actor_as_author() {
    let WebhookEvent::Issue(ev) =
        decode(Some("Issue Hook"), &fixture("issue-hook-open.json")).unwrap()
    else {
        panic!("not an issue event");
    };
    assert_eq!(ev.object_kind, "issue");
    assert_eq!(ev.event_type.as_deref(), Some("issue"));
    assert_eq!(ev.action.as_deref(), Some("open"));
    let actor = ev.actor.unwrap();
    assert_eq!(actor.id, Some(UserId(1)));
    assert_eq!(actor.username, Some(Username::from("root")));
    let issue = ev.issue;
    assert_eq!(issue.id.0, 301);
    assert_eq!(issue.iid.0, 23);
    assert_eq!(
        issue.project_id.0, 1,
        "project.id wins over object_attributes.project_id"
    );
    assert_eq!(issue.title, "New API: create/update/delete file");
    assert_eq!(
        issue.description,
        "Create new API for manipulations with repository"
    );
    assert_eq!(issue.state, IssueState::Opened);
    assert_eq!(
        issue
            .labels
            .iter()
            .map(LabelName::as_str)
            .collect::<Vec<_>>(),
        ["API"]
    );
    assert_eq!(issue.assignees.len(), 1);
    assert_eq!(issue.assignees[0].id, UserId(51));
    assert_eq!(issue.assignees[0].username, Username::from("user1"));
    let author = issue.author.unwrap();
    assert_eq!((author.id, author.username.as_str()), (UserId(1), "root"));
    assert_eq!(
        issue.created_at,
        Utc.with_ymd_and_hms(2013, 12, 3, 17, 15, 43).unwrap()
    );
    assert_eq!(issue.due_date, None);
    assert!(!issue.confidential);
    assert_eq!(issue.web_url, "http://example.com/diaspora/issues/23");
    assert_eq!(ev.changes_keys, ["labels", "updated_at", "updated_by_id"]);
}

#[test]
fn legacy_gitlab11_issue_hook_without_user_id_takes_author_id_from_the_issue() {
    let ev = issue_from_hook(&fixture("issue-hook-open-legacy-gitlab11.json")).unwrap();
    assert_eq!(ev.event_type, None);
    assert_eq!(ev.actor.as_ref().unwrap().id, None);
    let author = ev.issue.author.unwrap();
    assert_eq!((author.id, author.username.as_str()), (UserId(51), "root"));
    assert_eq!(ev.issue.iid.0, 23);
    assert_eq!(ev.issue.state, IssueState::Opened);
}

#[test]
fn documented_note_hook_decodes_with_its_embedded_issue() {
    let WebhookEvent::Note(ev) =
        decode(Some("Note Hook"), &fixture("note-hook-issue.json")).unwrap()
    else {
        panic!("not a note event");
    };
    assert_eq!(ev.note_id.unwrap().0, 1241);
    assert_eq!(ev.note_body, "Hello world");
    assert_eq!(ev.noteable_type.as_deref(), Some("Issue"));
    assert_eq!(ev.project_id.unwrap().0, 5);
    let issue = ev.issue.unwrap();
    assert_eq!((issue.id.0, issue.iid.0, issue.project_id.0), (92, 17, 5));
    assert_eq!(issue.state, IssueState::Closed);
    assert_eq!(
        issue
            .labels
            .iter()
            .map(LabelName::as_str)
            .collect::<Vec<_>>(),
        ["Afterpod", "Element"]
    );
    assert!(issue.assignees.is_empty());
    assert_eq!(issue.author.unwrap().username.as_str(), "root");
    assert_eq!(
        issue.updated_at,
        Utc.with_ymd_and_hms(2015, 4, 26, 8, 28, 42).unwrap()
    );
}

#[test]
fn a_group_work_item_with_null_project_and_no_assignees_still_decodes() {
    let body = br#"{
        "object_kind": "work_item", "event_type": "confidential_work_item",
        "user": {"id": 7, "username": "nsmith"},
        "project": null,
        "object_attributes": {
            "id": 9001, "iid": 4, "project_id": 77, "title": "FY27 EAB cohort",
            "created_at": "2026-07-28 15:09:25 -0700", "updated_at": "2026-07-28T22:10:00.123Z",
            "state_id": 1, "action": "update", "author_id": 3, "due_date": "2026-09-01",
            "type": "Epic", "brand_new_field": {"x": 1}
        },
        "labels": [{"title": "advocacy-program::eab"}],
        "changes": {}
    }"#;
    let WebhookEvent::Issue(ev) = decode(None, body).unwrap() else {
        panic!()
    };
    assert_eq!(ev.object_kind, "work_item");
    assert_eq!(ev.issue.project_id.0, 77);
    assert!(
        ev.issue.confidential,
        "confidential event marks the issue confidential"
    );
    assert!(ev.issue.assignees.is_empty());
    assert_eq!(
        ev.issue.author, None,
        "on update the actor is not the author"
    );
    assert_eq!(
        ev.issue.created_at,
        Utc.with_ymd_and_hms(2026, 7, 28, 22, 9, 25).unwrap()
    );
    assert_eq!(
        ev.issue.due_date,
        chrono::NaiveDate::from_ymd_opt(2026, 9, 1)
    );
    assert!(ev.changes_keys.is_empty());
}

#[test]
fn fields_of_an_unexpected_type_read_as_absent_instead_of_failing() {
    let body = br#"{"object_kind":"issue","user":"someone","labels":"API",
        "object_attributes":{"id":1,"iid":2,"project_id":3,"title":42,"description":null,
        "created_at":"2026-01-02 03:04:05 UTC","due_date":"soon","confidential":"yes"}}"#;
    let ev = issue_from_hook(body).unwrap();
    assert_eq!(ev.actor, None);
    assert_eq!(ev.issue.title, "");
    assert_eq!(ev.issue.description, "");
    assert!(ev.issue.labels.is_empty());
    assert_eq!(ev.issue.due_date, None);
    assert!(!ev.issue.confidential);
    assert_eq!(ev.issue.updated_at, ev.issue.created_at);
}

#[test]
fn every_gitlab_timestamp_format_is_accepted() {
    let want = Utc.with_ymd_and_hms(2017, 9, 15, 16, 50, 55).unwrap();
    for s in [
        "2017-09-15T16:50:55Z",
        "2017-09-15T16:50:55.000Z",
        "2017-09-15 16:50:55 UTC",
        "2017-09-15 09:50:55 -0700",
        "2017-09-15T18:50:55+02:00",
    ] {
        assert_eq!(parse_timestamp(s), Some(want), "{s}");
    }
    assert_eq!(parse_timestamp("yesterday"), None);
}

#[test]
fn errors_are_one_clear_line_each() {
    let cases: [(&[u8], &str); 6] = [
        (b"{\n  \"object_kind\": \"issue\",\n  oops\n}", "not JSON (line 3 column 3: key must be a string)"),
        (b"", "not JSON (line 1 column 0: EOF while parsing a value)"),
        (b"[1,2]", "not a webhook body: expected a JSON object, found an array"),
        (br#"{"object_kind":"issue"}"#, "no `object_attributes`: this is not an Issue Hook body"),
        (br#"{"object_kind":"merge_request","object_attributes":{}}"#, "object_kind is `merge_request`, not an issue"),
        (br#"{"object_kind":"issue","object_attributes":{"id":1,"project_id":2,"created_at":"2026-01-01T00:00:00Z"}}"#,
         "`object_attributes.iid` is missing or malformed; an issue needs it"),
    ];
    for (body, want) in cases {
        let err = issue_from_hook(body).unwrap_err();
        assert_eq!(err.to_string(), want);
        assert!(!err.to_string().contains('\n'));
    }
    assert!(matches!(
        issue_from_hook(&fixture("note-hook-issue.json")),
        Err(PayloadError::NotAnIssue(k)) if k == "note"
    ));
}

#[test]
fn other_events_are_reported_as_other_not_as_errors() {
    assert_eq!(
        decode(
            Some("Push Hook"),
            br#"{"object_kind":"push","ref":"refs/heads/main"}"#
        )
        .unwrap(),
        WebhookEvent::Other {
            object_kind: "push".to_owned()
        }
    );
    assert_eq!(
        decode(Some("Emoji Hook"), b"{}").unwrap(),
        WebhookEvent::Other {
            object_kind: "Emoji Hook".to_owned()
        }
    );
    // No object_kind: the header decides.
    let body = br#"{"object_attributes":{"id":5,"note":"hi"},"project_id":8}"#;
    let WebhookEvent::Note(n) = decode(Some("Confidential Note Hook"), body).unwrap() else {
        panic!()
    };
    assert_eq!(
        (n.note_body.as_str(), n.project_id.unwrap().0, n.issue),
        ("hi", 8, None)
    );
}

#[test]
fn ids_no_gitlab_id_can_be_make_the_body_undecodable_with_the_number_in_the_reason() {
    for (iid, shown) in [
        ("9223372036854775808", "9223372036854775808"),
        ("-1", "-1"),
        ("1e30", "1e30"),
        ("2.5", "2.5"),
    ] {
        let body = format!(
            r#"{{"object_kind":"issue","object_attributes":{{"id":1,"iid":{iid},"project_id":2,
               "created_at":"2026-01-01T00:00:00Z"}}}}"#
        );
        let err = decode_trigger(None, body.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`object_attributes.iid` is {shown}, which is not a GitLab id (an integer from 0 \
                 to 9223372036854775807)"
            )
        );
        assert_eq!(decode(None, body.as_bytes()).unwrap_err(), err);
    }
    let note = br#"{"object_kind":"note","project_id":9223372036854775808}"#;
    assert!(matches!(
        decode_trigger(None, note),
        Err(PayloadError::IdOutOfRange {
            field: "project_id",
            ..
        })
    ));
}

#[test]
fn the_receivers_trigger_reads_the_fixtures_as_the_full_decoding_does() {
    let open = fixture("issue-hook-open.json");
    let Trigger::Issue { project, iid, .. } = decode_trigger(Some("Issue Hook"), &open).unwrap()
    else {
        panic!()
    };
    let WebhookEvent::Issue(ev) = decode(Some("Issue Hook"), &open).unwrap() else {
        panic!()
    };
    assert_eq!((project, iid), (ev.issue.project_id, ev.issue.iid));
    for name in [
        "issue-hook-open.json",
        "issue-hook-open-legacy-gitlab11.json",
        "note-hook-issue.json",
    ] {
        for header in [
            None,
            Some("Issue Hook"),
            Some("Note Hook"),
            Some("Push Hook"),
        ] {
            checks::trigger_agrees_with_decode(header, &fixture(name));
        }
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(Some("Issue Hook"), &bytes);
        let _ = issue_from_hook(&bytes);
    }

    #[test]
    fn random_json_objects_never_panic(
        kind in prop_oneof![Just("issue"), Just("note"), Just("work_item"), Just("x")],
        id in any::<i64>(), text in ".{0,40}", date in ".{0,30}",
    ) {
        let body = serde_json::json!({
            "object_kind": kind,
            "user": {"id": id, "username": text},
            "project": {"id": id},
            "object_attributes": {"id": id, "iid": id, "created_at": date, "due_date": date,
                                  "note": text, "labels": [text, {"title": id}]},
            "issue": {"id": id, "iid": 1, "created_at": date},
            "assignees": [{"username": text}, 3],
            "changes": {"x": null}
        });
        let _ = decode(None, body.to_string().as_bytes());
        checks::trigger_agrees_with_decode(None, body.to_string().as_bytes());
    }
}

#[test]
fn a_work_item_event_carries_its_type_name_and_the_project_path_for_graphql() {
    let body = br#"{
        "object_kind": "work_item", "event_type": "work_item",
        "user": {"id": 7, "username": "asales"},
        "project": {"id": 11, "path_with_namespace": "customer-advocacy/requests"},
        "object_attributes": {
            "id": 5001, "iid": 3, "project_id": 11, "title": "Talk",
            "created_at": "2026-11-02 10:00:00 UTC", "state": "opened", "action": "open",
            "type": "Speaker request"
        }
    }"#;
    let WebhookEvent::Issue(ev) = decode(Some("Issue Hook"), body).unwrap() else {
        panic!()
    };
    assert_eq!(ev.issue.type_name(), "Speaker request");
    let Trigger::Issue {
        object_kind,
        project_path,
        ..
    } = decode_trigger(Some("Issue Hook"), body).unwrap()
    else {
        panic!()
    };
    assert_eq!(object_kind, "work_item");
    assert_eq!(project_path.as_deref(), Some("customer-advocacy/requests"));
}
