//! Replays the fuzzers' committed corpus (`fuzz/corpus/<target>/`) and every crash they found
//! through the same checks the fuzz targets run (`fuzz/src/lib.rs`), so CI keeps them fixed
//! without a fuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::checks;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use steward::gitlab::auth::{DEFAULT_REPLAY_WINDOW, SignatureError, verify_signature};
use steward::gitlab::payload::{WebhookEvent, decode, issue_from_hook};
use steward_core::templates::Recognition;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file of a target's committed corpus; fails when it is missing or empty, so a renamed
/// directory cannot silently turn the replay into a no-op.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = root().join("fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no seeds", dir.display());
    files
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/gitlab").join(name)).unwrap()
}

#[test]
fn every_webhook_payload_seed_decodes_without_panicking_and_consistently() {
    for (path, bytes) in corpus("webhook_payload") {
        eprintln!("{}", path.display());
        checks::webhook_payload(&bytes);
    }
}

#[test]
fn every_description_seed_parses_with_every_template_within_the_invariants() {
    for (path, bytes) in corpus("description_fields") {
        eprintln!("{}", path.display());
        checks::description_fields(&bytes);
    }
}

#[test]
fn every_rule_file_seed_loads_or_is_refused_with_located_errors() {
    for (path, bytes) in corpus("rule_loader") {
        eprintln!("{}", path.display());
        checks::rule_loader(&bytes);
    }
}

#[test]
fn every_signature_seed_is_judged_exactly_by_its_hmac() {
    for (path, bytes) in corpus("signature") {
        eprintln!("{}", path.display());
        checks::signature(&bytes);
    }
}

#[test]
fn the_seed_fixtures_still_decode_as_the_events_they_are() {
    for (file, header) in [
        ("issue-hook-open.json", "Issue Hook"),
        ("issue-hook-open-legacy-gitlab11.json", "Issue Hook"),
    ] {
        let body = fixture(file);
        let Ok(WebhookEvent::Issue(event)) = decode(Some(header), &body) else {
            panic!("{file} must decode as an issue event");
        };
        assert_eq!(event.action.as_deref(), Some("open"), "{file}");
        assert_eq!(issue_from_hook(&body).unwrap(), event, "{file}");
    }
    let note = decode(Some("Note Hook"), &fixture("note-hook-issue.json")).unwrap();
    let WebhookEvent::Note(note) = note else {
        panic!("note-hook-issue.json must decode as a note, got {note:?}");
    };
    assert!(note.issue.is_some(), "the note's issue is decoded");
}

#[test]
fn every_shipped_request_is_recognised_as_the_template_it_was_written_for() {
    let set = checks::shipped_templates();
    for entry in std::fs::read_dir(root().join("tests/data/requests")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let template = stem.split("--").next().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let r = set.recognise(&text, &Default::default());
        assert!(
            matches!(&r, Recognition::Found { template: t, .. } if t.as_str() == template),
            "{stem}: {r}"
        );
    }
}

#[test]
fn the_signature_seed_vector_passes_and_one_changed_body_byte_fails() {
    let v: serde_json::Value =
        serde_json::from_slice(&fixture("webhook-signature-test-vector.json")).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    assert_eq!(s("signing_token"), checks::SIGNING_TOKEN);
    let tokens = [SecretString::from(s("signing_token"))];
    let now = DateTime::<Utc>::from_timestamp(checks::NOW_UNIX, 0).unwrap();
    let mut body = fixture(&s("body_file"));
    let verify = |body: &[u8]| {
        verify_signature(
            &tokens,
            &s("webhook_id"),
            &s("webhook_timestamp"),
            body,
            &s("expected_signature"),
            now,
            DEFAULT_REPLAY_WINDOW,
        )
    };
    assert_eq!(verify(&body), Ok(()));
    body[0] ^= 1;
    assert_eq!(verify(&body), Err(SignatureError::Mismatch));
}

#[test]
fn every_shipped_rule_file_loads_on_its_own_through_the_fuzzed_entry_point() {
    let mut loaded = 0;
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if steward_core::loader::NOT_RULE_FILES.contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let rules = steward_core::rules::RuleSet::from_yaml(
            &[(name.clone(), text)],
            checks::shipped_specs(),
            checks::shipped_roster(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(!rules.rules().is_empty(), "{name} defines rules");
        loaded += 1;
    }
    assert!(loaded >= 10, "only {loaded} rule files found");
}

/// Crash 1 (`description_fields`): a count followed by an en dash (`5 –3`, `1000–2000`) made
/// the number reader slice inside the three-byte `–` and panic, on the path of every issue
/// evaluation. Fixed in `templates/values.rs`; the range is now refused like `1000-2000`.
#[test]
fn a_count_followed_by_an_en_dash_is_read_or_refused_without_panicking() {
    checks::description_fields("**Number of users:** 5 \u{2013}3\n".as_bytes());
    let spec = checks::shipped_templates()
        .get(&"customer-story-idea".into())
        .unwrap();
    let cases: [(&str, Option<f64>); 5] = [
        ("5 \u{2013}3", None),
        ("1000\u{2013}2000", None),
        ("1000-2000", None),
        ("1500 \u{2013} give or take", Some(1500.0)),
        ("2,000+", Some(2000.0)),
    ];
    for (typed, want) in cases {
        let description = format!("**Number of users:** {typed}\n");
        let parsed = steward_core::templates::parse_fields(spec, &description, &Default::default());
        let got = parsed.values.get("user_count").map(|v| match v {
            steward_core::model::FieldValue::Number(n) => *n,
            other => panic!("user_count holds {other:?}"),
        });
        assert_eq!(got, want, "{typed}");
        if want.is_none() {
            assert!(
                parsed.errors.iter().any(|e| e.field == "Number of users"),
                "{typed}: an unreadable count is reported to the requester"
            );
        }
    }
}
