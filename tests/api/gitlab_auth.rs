#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Webhook authentication against GitLab's documented scheme, using the synthetic signature
//! vector computed over the exact bytes of `issue-hook-open.json`.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use http::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use steward::gitlab::auth::{
    AuthError, AuthMethod, DEFAULT_REPLAY_WINDOW, SignatureError, WebhookAuthConfig, authenticate,
    verify_signature, verify_token,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/gitlab")
            .join(name),
    )
    .unwrap()
}

struct Vector {
    token: SecretString,
    id: String,
    ts: String,
    signature: String,
    multi: String,
    body: Vec<u8>,
}

fn vector() -> Vector {
    let v: serde_json::Value =
        serde_json::from_slice(&fixture("webhook-signature-test-vector.json")).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    Vector {
        token: SecretString::from(s("signing_token")),
        id: s("webhook_id"),
        ts: s("webhook_timestamp"),
        signature: s("expected_signature"),
        multi: s("webhook_signature_header_multi"),
        body: fixture(&s("body_file")),
    }
}

/// "Now" a minute after the vector was signed.
fn now(v: &Vector) -> DateTime<Utc> {
    Utc.timestamp_opt(v.ts.parse::<i64>().unwrap() + 60, 0)
        .unwrap()
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[test]
fn gitlabs_signature_over_the_fixture_body_verifies() {
    let v = vector();
    for header in [&v.signature, &v.multi] {
        assert_eq!(
            verify_signature(
                std::slice::from_ref(&v.token),
                &v.id,
                &v.ts,
                &v.body,
                header,
                now(&v),
                DEFAULT_REPLAY_WINDOW
            ),
            Ok(()),
            "header {header}"
        );
    }
}

#[test]
fn a_rotated_signing_token_list_still_accepts_the_current_token() {
    let v = vector();
    let tokens = [
        secret("whsec_b2xkLXJvdGF0ZWQtb3V0LXNpZ25pbmcta2V5"),
        v.token.clone(),
    ];
    let result = verify_signature(
        &tokens,
        &v.id,
        &v.ts,
        &v.body,
        &v.signature,
        now(&v),
        DEFAULT_REPLAY_WINDOW,
    );
    assert_eq!(result, Ok(()));
}

#[test]
fn a_tampered_body_wrong_token_or_other_message_id_is_a_mismatch() {
    let v = vector();
    let mut tampered = v.body.clone();
    let pos = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[pos] = b'2';
    let wrong = secret("whsec_d3JvbmctdG9rZW4tZm9yLXRoZS10ZXN0LXZlY3Rvcg==");
    let cases: [(&str, &[SecretString], &str, &[u8]); 3] = [
        (
            "tampered body",
            std::slice::from_ref(&v.token),
            v.id.as_str(),
            &tampered,
        ),
        (
            "wrong token",
            std::slice::from_ref(&wrong),
            v.id.as_str(),
            &v.body,
        ),
        (
            "other webhook-id",
            std::slice::from_ref(&v.token),
            "another-id",
            &v.body,
        ),
    ];
    for (name, tokens, id, body) in cases {
        let result = verify_signature(
            tokens,
            id,
            &v.ts,
            body,
            &v.signature,
            now(&v),
            DEFAULT_REPLAY_WINDOW,
        );
        assert_eq!(result, Err(SignatureError::Mismatch), "{name}");
    }
}

#[test]
fn timestamps_outside_the_window_are_expired_in_both_directions() {
    let v = vector();
    let signed = v.ts.parse::<i64>().unwrap();
    for (offset, expect_ok) in [(-400, false), (-299, true), (299, true), (400, false)] {
        let now = Utc.timestamp_opt(signed + offset, 0).unwrap();
        let result = verify_signature(
            std::slice::from_ref(&v.token),
            &v.id,
            &v.ts,
            &v.body,
            &v.signature,
            now,
            Duration::from_secs(300),
        );
        if expect_ok {
            assert_eq!(result, Ok(()), "offset {offset}");
        } else {
            assert_eq!(
                result,
                Err(SignatureError::Expired { skew_secs: offset }),
                "offset {offset}"
            );
        }
    }
}

#[test]
fn unreadable_signature_headers_are_malformed() {
    let v = vector();
    let verify = |ts: &str, header: &str| {
        verify_signature(
            std::slice::from_ref(&v.token),
            &v.id,
            ts,
            &v.body,
            header,
            now(&v),
            DEFAULT_REPLAY_WINDOW,
        )
    };
    assert!(matches!(
        verify("yesterday", &v.signature),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        verify(&v.ts, "v2,abc"),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        verify(&v.ts, "v1,%%%not-base64"),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn secret_tokens_match_exactly_any_configured_secret() {
    let secrets = [secret("old-secret"), secret("new-secret")];
    assert!(verify_token(Some(b"old-secret"), &secrets));
    assert!(verify_token(Some(b"new-secret"), &secrets));
    assert!(!verify_token(Some(b"new-secre"), &secrets));
    assert!(!verify_token(Some(b"new-secret "), &secrets));
    assert!(!verify_token(Some(b""), &secrets));
    assert!(!verify_token(None, &secrets));
    assert!(!verify_token(Some(b"anything"), &[]));
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    map
}

#[test]
fn authenticate_follows_gitlabs_migration_advice() {
    let v = vector();
    let both = WebhookAuthConfig {
        secret_tokens: vec![secret("plain-secret")],
        signing_tokens: vec![v.token.clone()],
        replay_window: DEFAULT_REPLAY_WINDOW,
    };
    let token_only = WebhookAuthConfig {
        signing_tokens: vec![],
        ..both.clone()
    };
    let signing_only = WebhookAuthConfig {
        secret_tokens: vec![],
        ..both.clone()
    };
    let nothing = WebhookAuthConfig {
        secret_tokens: vec![],
        signing_tokens: vec![],
        ..both.clone()
    };
    let signed = headers(&[
        ("webhook-id", &v.id),
        ("webhook-timestamp", &v.ts),
        ("webhook-signature", &v.signature),
        ("x-gitlab-token", "plain-secret"),
    ]);
    let badly_signed = headers(&[
        ("webhook-id", &v.id),
        ("webhook-timestamp", &v.ts),
        (
            "webhook-signature",
            "v1,wYue8hX9Ub/BHyaNw6Laq8t6YPmGwR6CtAu/vO4NuLA=",
        ),
        ("x-gitlab-token", "plain-secret"),
    ]);
    let signed_via_idempotency_key = headers(&[
        ("idempotency-key", &v.id),
        ("webhook-timestamp", &v.ts),
        ("webhook-signature", &v.signature),
    ]);
    let token = headers(&[("x-gitlab-token", "plain-secret")]);
    let wrong_token = headers(&[("x-gitlab-token", "guess")]);
    let bare = HeaderMap::new();

    let cases: [(
        &str,
        &HeaderMap,
        &WebhookAuthConfig,
        Result<AuthMethod, AuthError>,
    ); 9] = [
        (
            "signature wins when present",
            &signed,
            &both,
            Ok(AuthMethod::Signature),
        ),
        (
            "a bad signature is not rescued by a good token",
            &badly_signed,
            &both,
            Err(AuthError::Signature(SignatureError::Mismatch)),
        ),
        (
            "webhook-id may come as Idempotency-Key",
            &signed_via_idempotency_key,
            &signing_only,
            Ok(AuthMethod::Signature),
        ),
        (
            "no signature header falls back to the token",
            &token,
            &both,
            Ok(AuthMethod::SecretToken),
        ),
        (
            "signature ignored when no signing token is configured",
            &signed,
            &token_only,
            Ok(AuthMethod::SecretToken),
        ),
        (
            "wrong token",
            &wrong_token,
            &token_only,
            Err(AuthError::BadToken),
        ),
        (
            "no credentials at all",
            &bare,
            &token_only,
            Err(AuthError::MissingToken),
        ),
        (
            "signing only requires a signature",
            &token,
            &signing_only,
            Err(AuthError::Signature(SignatureError::Missing(
                "webhook-signature",
            ))),
        ),
        (
            "nothing configured refuses everything",
            &signed,
            &nothing,
            Err(AuthError::NotConfigured),
        ),
    ];
    for (name, hdrs, cfg, expected) in cases {
        assert_eq!(
            authenticate(hdrs, &v.body, cfg, now(&v)),
            expected,
            "{name}"
        );
    }
}

#[test]
fn secrets_do_not_appear_in_the_debug_output_of_the_auth_config() {
    let cfg = WebhookAuthConfig {
        secret_tokens: vec![secret("plain-secret-value")],
        signing_tokens: vec![vector().token],
        replay_window: DEFAULT_REPLAY_WINDOW,
    };
    let debug = format!("{cfg:?}");
    assert!(!debug.contains("plain-secret-value"));
    assert!(!debug.contains("whsec_"));
}
