//! The checks behind Steward's fuzz targets: each function feeds one input to a public entry
//! point and asserts what must hold for every input (no panic, and cheap output invariants).
//!
//! Shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and by the replay test
//! (`tests/api/fuzz_regressions.rs`, which includes this file by path), so a seed or a crash input
//! runs through exactly the same code in CI as under the fuzzer. It must not do I/O beyond
//! reading the shipped templates and roster once.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use sha2::Sha256;
use steward::gitlab::auth::{
    AuthError, AuthMethod, DEFAULT_REPLAY_WINDOW, SignatureError, WebhookAuthConfig, authenticate,
    verify_signature,
};
use steward::gitlab::payload::{
    PayloadError, Trigger, WebhookEvent, decode, decode_trigger, issue_from_hook,
};
use steward_core::model::{FieldKind, FieldValue, LabelName, TemplateSpec};
use steward_core::rules::{Roster, RuleSet};
use steward_core::templates::{
    DateOrder, ParseOptions, Recognition, TemplateSet, parse_date, parse_fields,
};

/// The repository root: this file is compiled both from `fuzz/` (the fuzz crate) and from the
/// repository itself (the replay test), so look for the shipped directories in either place.
fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if here.join("issue_templates").is_dir() {
        here
    } else {
        here.join("..")
    }
}

/// The shipped templates, loaded once per process.
pub fn shipped_templates() -> &'static TemplateSet {
    static SET: OnceLock<TemplateSet> = OnceLock::new();
    SET.get_or_init(
        || match TemplateSet::load_dir(&repo_root().join("issue_templates")) {
            Ok(set) => set,
            Err(errors) => panic!("the shipped templates must load: {errors:?}"),
        },
    )
}

/// The shipped templates' specs, as the rule loader takes them.
pub fn shipped_specs() -> &'static [TemplateSpec] {
    static SPECS: OnceLock<Vec<TemplateSpec>> = OnceLock::new();
    SPECS.get_or_init(|| shipped_templates().iter().cloned().collect())
}

/// The shipped roster (`rules/roster.yaml`), loaded once per process.
pub fn shipped_roster() -> &'static Roster {
    static ROSTER: OnceLock<Roster> = OnceLock::new();
    ROSTER.get_or_init(|| {
        let path = repo_root().join("rules/roster.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        match Roster::from_yaml("roster.yaml", &text) {
            Ok(r) => r,
            Err(errors) => panic!("the shipped roster must load: {errors:?}"),
        }
    })
}

// -------------------------------------------------------------------------------------------
// webhook_payload

/// Event headers tried when the input does not name one.
const EVENT_HEADERS: [Option<&str>; 6] = [
    None,
    Some("Issue Hook"),
    Some("Confidential Issue Hook"),
    Some("Note Hook"),
    Some("Confidential Note Hook"),
    Some("Push Hook"),
];

/// `decode` with every event header and `issue_from_hook` on one body. An input starting with
/// `X-Gitlab-Event: NAME\n` uses NAME as the header and the rest as the body; any other input is
/// a body, decoded under each of [`EVENT_HEADERS`].
///
/// Invariants: nothing panics; when the body names its own `object_kind` as an issue or note,
/// the header changes nothing; `issue_from_hook` agrees with `decode` under `Issue Hook`.
pub fn webhook_payload(data: &[u8]) {
    let (header, body): (Option<String>, &[u8]) = match data.strip_prefix(b"X-Gitlab-Event: ") {
        Some(rest) => {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let name = String::from_utf8_lossy(&rest[..end]).into_owned();
            (Some(name), rest.get(end + 1..).unwrap_or_default())
        }
        None => (None, data),
    };
    if let Some(h) = &header {
        let event = decode(Some(h), body);
        let _ = format!("{event:?}");
    }
    let bare = decode(None, body);
    if let Err(e) = &bare {
        // Error messages are shown to people: they must render.
        assert!(!e.to_string().is_empty());
    }
    for h in EVENT_HEADERS {
        let event = decode(h, body);
        if matches!(bare, Ok(WebhookEvent::Issue(_) | WebhookEvent::Note(_))) {
            assert_eq!(
                event, bare,
                "a body with its own object_kind ignores the header {h:?}"
            );
        }
    }
    for h in EVENT_HEADERS {
        trigger_agrees_with_decode(h, body);
    }
    let as_issue = decode(Some("Issue Hook"), body);
    match (issue_from_hook(body), as_issue) {
        (Ok(a), Ok(WebhookEvent::Issue(b))) => assert_eq!(a, b),
        (Ok(a), other) => panic!("issue_from_hook accepted {a:?} but decode gave {other:?}"),
        (Err(a), Err(b)) => assert_eq!(a, b),
        // The body names another kind, which wins over the header.
        (
            Err(PayloadError::NotAnIssue(_)),
            Ok(WebhookEvent::Note(_) | WebhookEvent::Other { .. }),
        ) => {}
        (Err(a), Ok(b)) => panic!("issue_from_hook refused ({a}) but decode gave {b:?}"),
    }
}

/// The receiver's lean decoding accepts exactly what the full decoding accepts, with the same
/// routing values and the same errors.
pub fn trigger_agrees_with_decode(header: Option<&str>, body: &[u8]) {
    match (decode(header, body), decode_trigger(header, body)) {
        (
            Ok(WebhookEvent::Issue(ev)),
            Ok(Trigger::Issue {
                object_kind,
                actor,
                project,
                iid,
                ..
            }),
        ) => assert_eq!(
            (
                ev.object_kind,
                ev.actor.and_then(|a| a.id),
                ev.issue.project_id,
                ev.issue.iid
            ),
            (object_kind, actor, project, iid)
        ),
        (Ok(WebhookEvent::Note(n)), Ok(Trigger::Note { project, iid })) => {
            assert_eq!((n.project_id, n.issue.map(|i| i.iid)), (project, iid))
        }
        (Ok(WebhookEvent::Other { object_kind: a }), Ok(Trigger::Other { object_kind: b })) => {
            assert_eq!(a, b)
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (full, lean) => panic!("decode gave {full:?} but decode_trigger gave {lean:?}"),
    }
}

// -------------------------------------------------------------------------------------------
// description_fields

/// Recognises the input (as UTF-8, lossily) as an issue description and parses it with every
/// shipped template in both date orders.
///
/// Invariants: nothing panics; a recognised template exists; every value sits under one of the
/// template's keys with that field's type; dates round-trip through `YYYY-MM-DD`; numbers are
/// finite and not negative; URLs are http(s) without spaces; usernames are bare; ticked choices
/// are the template's options; every error names one of the template's labels.
pub fn description_fields(data: &[u8]) {
    let set = shipped_templates();
    let description = String::from_utf8_lossy(data);
    let no_labels = BTreeSet::new();
    check_recognition(set, &set.recognise(&description, &no_labels));
    // One intake label picked by the input, so the label path is exercised too.
    if let Some(spec) = set.iter().nth(data.len() % set.len().max(1)) {
        let labels: BTreeSet<LabelName> = [spec.intake_label.clone()].into();
        check_recognition(set, &set.recognise(&description, &labels));
    }
    for spec in set.iter() {
        for date_order in [DateOrder::MonthFirst, DateOrder::DayFirst] {
            let parsed = parse_fields(spec, &description, &ParseOptions { date_order });
            for (key, value) in &parsed.values {
                let Some(field) = spec.field(key) else {
                    panic!("value under unknown key `{key}` for {}", spec.name);
                };
                check_value(field.kind, &field.choices, value, date_order);
            }
            for e in &parsed.errors {
                assert!(
                    spec.fields.iter().any(|f| f.label == e.field),
                    "error for unknown field `{}` in {}",
                    e.field,
                    spec.name
                );
                assert!(!e.message.is_empty());
            }
        }
    }
}

fn check_recognition(set: &TemplateSet, r: &Recognition) {
    match r {
        Recognition::Found { template, .. } => assert!(set.get(template).is_some()),
        Recognition::Ambiguous { candidates, .. } => {
            assert!(
                candidates.len() >= 2,
                "ambiguous needs two candidates: {candidates:?}"
            );
            assert!(candidates.iter().all(|c| set.get(c).is_some()));
        }
        Recognition::Unknown => {}
    }
    let _ = r.to_string();
}

fn check_value(kind: FieldKind, choices: &[String], value: &FieldValue, order: DateOrder) {
    match (kind, value) {
        (FieldKind::Text, FieldValue::Text(_)) | (FieldKind::Boolean, FieldValue::Boolean(_)) => {}
        (FieldKind::Date, FieldValue::Date(d)) => {
            let shown = d.format("%Y-%m-%d").to_string();
            assert_eq!(NaiveDate::parse_from_str(&shown, "%Y-%m-%d").ok(), Some(*d));
            assert_eq!(
                parse_date(&shown, order),
                Some(*d),
                "{shown} must read back"
            );
        }
        (FieldKind::Number, FieldValue::Number(n)) => {
            assert!(n.is_finite() && *n >= 0.0, "number {n}");
        }
        (FieldKind::Url, FieldValue::Url(u)) => {
            let lower = u.to_ascii_lowercase();
            assert!(
                lower.starts_with("http://") || lower.starts_with("https://"),
                "url {u}"
            );
            assert!(!u.contains(char::is_whitespace), "url {u:?}");
        }
        (FieldKind::Username, FieldValue::Username(u)) => {
            let s = u.as_str();
            assert!(
                !s.is_empty() && !s.starts_with(['@', '-', '.']),
                "username {s:?}"
            );
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')),
                "username {s:?}"
            );
        }
        (FieldKind::Choice, FieldValue::Choice(ticked)) => {
            assert!(
                ticked.iter().all(|t| choices.contains(t)),
                "choices {ticked:?}"
            );
        }
        (kind, value) => panic!("a {kind:?} field holds {value:?}"),
    }
}

// -------------------------------------------------------------------------------------------
// rule_loader

/// Loads the input (as UTF-8, lossily) as a rule file against the shipped templates and roster;
/// also as a roster and as a calendar, since those files go through the same YAML reader.
///
/// Invariants: nothing panics or hangs; every error renders with the file name and a message.
pub fn rule_loader(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let files = [("fuzz.yaml".to_owned(), text)];
    let text = &files[0].1;
    let check_errors = |errors: &[steward_core::rules::ConfigError]| {
        assert!(!errors.is_empty(), "a refusal must say why");
        for e in errors {
            assert!(e.to_string().starts_with("fuzz.yaml:"), "{e}");
            assert!(!e.message.is_empty());
        }
    };
    match RuleSet::from_yaml(&files, shipped_specs(), shipped_roster()) {
        Ok(rules) => {
            let _ = rules.labels_added();
            for r in rules.rules() {
                let _ = format!("{r:?}");
            }
        }
        Err(errors) => check_errors(&errors),
    }
    if let Err(errors) = Roster::from_yaml("fuzz.yaml", text) {
        check_errors(&errors);
    }
    if let Err(errors) = steward_core::calendar::Calendar::from_yaml("fuzz.yaml", text) {
        check_errors(&errors);
    }
}

// -------------------------------------------------------------------------------------------
// signature

/// The signing token of `tests/fixtures/gitlab/webhook-signature-test-vector.json`.
pub const SIGNING_TOKEN: &str = "whsec_Z2l0bGFiLWZpeHR1cmUtc2lnbmluZy1rZXktMzJieXQ=";
/// The secret token the `signature` target configures.
pub const SECRET_TOKEN: &str = "fuzz-secret";
/// `now` for the `signature` target: the test vector's timestamp.
pub const NOW_UNIX: i64 = 1_744_578_123;

fn expected_signature(webhook_id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let key = match STANDARD.decode(&SIGNING_TOKEN["whsec_".len()..]) {
        Ok(k) => k,
        Err(e) => panic!("the test vector's token is base64: {e}"),
    };
    let mut mac = match Hmac::<Sha256>::new_from_slice(&key) {
        Ok(m) => m,
        Err(e) => panic!("HMAC takes any key length: {e}"),
    };
    mac.update(webhook_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Splits the input into `webhook-id`, `webhook-timestamp`, `webhook-signature`,
/// `X-Gitlab-Token` (one line each) and the body (the rest), then runs `verify_signature` and
/// `authenticate` against the test vector's signing token and a secret token.
///
/// Invariants: nothing panics; `verify_signature` accepts exactly when a `v1,` entry of the
/// header is the HMAC computed here (in a timely request); adding the right entry to any
/// timely header makes it pass; `authenticate` never accepts what the verifier refuses, and
/// accepts a token only when it is the configured one.
pub fn signature(data: &[u8]) {
    let mut parts = data.splitn(5, |&b| b == b'\n');
    let id_raw = parts.next().unwrap_or_default();
    let ts_raw = parts.next().unwrap_or_default();
    let sig_raw = parts.next().unwrap_or_default();
    let token_raw = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let id = String::from_utf8_lossy(id_raw);
    let ts = String::from_utf8_lossy(ts_raw);
    let sig = String::from_utf8_lossy(sig_raw);
    let now = DateTime::<Utc>::from_timestamp(NOW_UNIX, 0).unwrap_or_default();
    let signing = vec![
        SecretString::from(SIGNING_TOKEN),
        // A misconfigured token must be skipped, not trusted or fatal.
        SecretString::from("whsec_not base64!"),
    ];
    let expected = expected_signature(&id, &ts, body);
    let header_has_expected = sig
        .split_whitespace()
        .filter_map(|e| e.strip_prefix("v1,"))
        .filter_map(|b| STANDARD.decode(b).ok())
        .any(|s| s == expected);
    for window in [
        DEFAULT_REPLAY_WINDOW,
        Duration::ZERO,
        Duration::from_secs(u64::MAX),
    ] {
        let verdict = verify_signature(&signing, &id, &ts, body, &sig, now, window);
        match &verdict {
            Ok(()) => assert!(
                header_has_expected,
                "accepted a header without the right HMAC"
            ),
            Err(SignatureError::Mismatch) => {
                assert!(!header_has_expected, "refused the right HMAC")
            }
            Err(_) => {}
        }
        if matches!(verdict, Ok(()) | Err(SignatureError::Mismatch)) {
            let fixed = format!("{sig} v1,{}", STANDARD.encode(&expected));
            assert_eq!(
                verify_signature(&signing, &id, &ts, body, &fixed, now, window),
                Ok(()),
                "the right HMAC next to other entries must pass"
            );
        }
    }

    let mut headers = HeaderMap::new();
    for (name, raw) in [
        ("webhook-id", id_raw),
        ("webhook-timestamp", ts_raw),
        ("webhook-signature", sig_raw),
        ("x-gitlab-token", token_raw),
    ] {
        // An empty line means the header is absent; bytes HTTP forbids cannot arrive at all.
        if !raw.is_empty()
            && let Ok(v) = HeaderValue::from_bytes(raw)
        {
            headers.insert(name, v);
        }
    }
    let configs = [
        (vec![SecretString::from(SECRET_TOKEN)], signing.clone()),
        (vec![SecretString::from(SECRET_TOKEN)], Vec::new()),
        (Vec::new(), signing.clone()),
        (Vec::new(), Vec::new()),
    ];
    for (secret_tokens, signing_tokens) in configs {
        let cfg = WebhookAuthConfig {
            secret_tokens,
            signing_tokens,
            replay_window: DEFAULT_REPLAY_WINDOW,
        };
        let outcome = authenticate(&headers, body, &cfg, now);
        match &outcome {
            Ok(AuthMethod::Signature) => {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                };
                assert_eq!(
                    verify_signature(
                        &cfg.signing_tokens,
                        h("webhook-id"),
                        h("webhook-timestamp"),
                        body,
                        h("webhook-signature"),
                        now,
                        cfg.replay_window,
                    ),
                    Ok(())
                );
            }
            Ok(AuthMethod::SecretToken) => {
                assert_eq!(token_raw, SECRET_TOKEN.as_bytes(), "accepted a wrong token");
            }
            Err(AuthError::NotConfigured) => {
                assert!(cfg.secret_tokens.is_empty() && cfg.signing_tokens.is_empty());
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
