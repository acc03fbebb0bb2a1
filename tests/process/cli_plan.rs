//! `steward plan` on GitLab's documented payloads, a realistic speaker request, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn steward() -> Command {
    let mut c = Command::cargo_bin("steward").unwrap();
    c.current_dir(root());
    c
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/gitlab").join(name)
}

fn temp_file(tag: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "steward-cli-plan-{}-{tag}.json",
        std::process::id()
    ));
    std::fs::write(&p, bytes).unwrap();
    p
}

const NOW: &str = "2027-01-15T14:00:00Z";

fn plan_json(event: &Path) -> Value {
    let out = steward()
        .args(["plan", "--now", NOW, "--event"])
        .arg(event)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// The documented open-issue payload with a filled-in speaker request as its description.
fn speaker_payload(description: &str, created_at: &str) -> Vec<u8> {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(fixture("issue-hook-open.json")).unwrap()).unwrap();
    let attrs = v["object_attributes"].as_object_mut().unwrap();
    attrs.insert("description".into(), Value::String(description.to_owned()));
    attrs.insert("created_at".into(), Value::String(created_at.to_owned()));
    attrs.insert("assignee_ids".into(), Value::Array(vec![]));
    attrs.insert("labels".into(), Value::Array(vec![]));
    v["labels"] = Value::Array(vec![]);
    v.as_object_mut().unwrap().remove("assignees");
    v.as_object_mut().unwrap().remove("assignee");
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn gitlab_doc_payloads_plan_with_no_template() {
    for name in [
        "issue-hook-open.json",
        "issue-hook-open-legacy-gitlab11.json",
    ] {
        let v = plan_json(&fixture(name));
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "field_errors",
                "fields",
                "matched_rules",
                "plan",
                "template"
            ],
            "{name}"
        );
        assert_eq!(v["template"], Value::Null, "{name}");
        assert_eq!(v["matched_rules"], serde_json::json!([]), "{name}");
        let plan_keys: Vec<&str> = v["plan"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            plan_keys,
            [
                "add_labels",
                "assignees",
                "due_date",
                "notes",
                "remove_labels"
            ],
            "{name}"
        );
        assert_eq!(v["plan"]["assignees"], Value::Null);
        assert_eq!(v["plan"]["due_date"], Value::Null);
    }
}

#[test]
fn a_late_speaker_request_is_flagged_routed_and_dated() {
    let description = std::fs::read_to_string(
        root().join("tests/data/requests/customer-speaker-request--clean.md"),
    )
    .unwrap();
    // Filed 2027-03-01 for an event on 2027-04-21: 51 days, under the 60 required.
    let event = temp_file(
        "late-speaker",
        &speaker_payload(&description, "2027-03-01 15:00:00 UTC"),
    );
    let v = plan_json(&event);
    assert_eq!(v["template"], "customer-speaker-request");
    assert_eq!(v["fields"]["event_date"], "2027-04-21");
    assert_eq!(v["field_errors"], serde_json::json!([]));
    let matched: Vec<&str> = v["matched_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for r in [
        "intake-speaker",
        "intake-triage-status",
        "speaker-route",
        "speaker-lead-time",
    ] {
        assert!(matched.contains(&r), "{r} not in {matched:?}");
    }
    let add: Vec<&str> = v["plan"]["add_labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for l in [
        "Customer Advocacy",
        "advocacy-program::speaker",
        "advocacy-status::triage",
        "lead-time::violated",
    ] {
        assert!(add.contains(&l), "{l} not in {add:?}");
    }
    assert_eq!(v["plan"]["assignees"], serde_json::json!(["jhernandez"]));
    assert_eq!(v["plan"]["due_date"], "2027-03-22");
    let notes = v["plan"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["key"], "speaker-lead-time");
    let body = notes[0]["body"].as_str().unwrap();
    assert!(body.contains("**51 days**"), "{body}");
    let _ = std::fs::remove_file(event);
}

#[test]
fn an_on_time_speaker_request_is_not_flagged_and_text_format_explains() {
    let description = std::fs::read_to_string(
        root().join("tests/data/requests/customer-speaker-request--clean.md"),
    )
    .unwrap();
    let event = temp_file(
        "ontime-speaker",
        &speaker_payload(&description, "2027-01-14T15:00:00Z"),
    );
    let v = plan_json(&event);
    let add = v["plan"]["add_labels"].to_string();
    assert!(!add.contains("lead-time::violated"), "{add}");
    let out = steward()
        .args(["plan", "--format", "text", "--now", NOW, "--event"])
        .arg(&event)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("template: customer-speaker-request"),
        "{text}"
    );
    assert!(
        text.contains("speaker-route: filed from template customer-speaker-request"),
        "{text}"
    );
    assert!(text.contains("assignees: @jhernandez"), "{text}");
    let _ = std::fs::remove_file(event);
}

#[test]
fn unreadable_input_exits_2_with_one_clear_line() {
    let mr = serde_json::json!({ "object_kind": "merge_request", "object_attributes": { "id": 1, "iid": 2, "title": "x" } });
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not-json", b"this is not json {".to_vec(), "not JSON"),
        (
            "no-attrs",
            br#"{"object_kind":"issue","user":{"id":1}}"#.to_vec(),
            "object_attributes",
        ),
        (
            "merge-request",
            serde_json::to_vec(&mr).unwrap(),
            "merge_request",
        ),
        (
            "note-hook",
            std::fs::read(fixture("note-hook-issue.json")).unwrap(),
            "not an issue",
        ),
    ];
    for (tag, body, needle) in cases {
        let event = temp_file(tag, &body);
        let out = steward()
            .args(["plan", "--now", NOW, "--event"])
            .arg(&event)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{tag}: {stderr}");
        assert!(stderr.contains(needle), "{tag}: {stderr}");
        assert!(out.stdout.is_empty(), "{tag}");
        let _ = std::fs::remove_file(event);
    }
    let out = steward()
        .args(["plan", "--now", NOW, "--event", "no-such-file.json"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no-such-file.json")
    );
}

#[test]
fn a_megabyte_of_garbage_in_the_description_is_planned_quickly() {
    let mut garbage = String::with_capacity(1 << 20);
    let mut x: u32 = 12345;
    while garbage.len() < (1 << 20) {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        const ALPHABET: &[u8] = b"ab*_:[]x- \n<!>@/#{}`";
        let c = ALPHABET[(x >> 16) as usize % ALPHABET.len()] as char;
        garbage.push(c);
    }
    let event = temp_file(
        "garbage",
        &speaker_payload(&garbage, "2027-01-14T15:00:00Z"),
    );
    let start = Instant::now();
    let v = plan_json(&event);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(v["template"], Value::Null);
    let _ = std::fs::remove_file(event);
}

#[test]
fn invalid_configuration_exits_1() {
    steward()
        .args(["plan", "--now", NOW, "--rules", "no-such-rules", "--event"])
        .arg(fixture("issue-hook-open.json"))
        .assert()
        .code(1);
}
