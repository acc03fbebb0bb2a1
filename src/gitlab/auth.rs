//! Webhook authentication (GITLAB.md §1.2): the plain `X-Gitlab-Token` secret and GitLab's
//! Standard-Webhooks HMAC signature, both compared in constant time. It decides only whether a
//! request comes from GitLab; it does not parse payloads or answer HTTP.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// Standard Webhooks' replay window convention; GitLab's doc names none (GITLAB.md §1.2).
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Why a `webhook-signature` was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header the signature needs (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
    /// is absent.
    #[error("signature header {0} is missing")]
    Missing(&'static str),
    /// The timestamp is not Unix seconds, or no `v1,<base64>` entry could be read.
    #[error("signature headers are malformed: {0}")]
    Malformed(&'static str),
    /// The timestamp is outside the replay window (too old or too far in the future).
    #[error("signature timestamp is {skew_secs}s away from now, outside the replay window")]
    Expired {
        /// How far the timestamp is from now, in seconds (negative: in the future).
        skew_secs: i64,
    },
    /// No signature matches any configured signing token.
    #[error("no signature matches a configured signing token")]
    Mismatch,
}

/// How a webhook request proved it came from GitLab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A valid `webhook-signature` (signing token).
    Signature,
    /// A matching `X-Gitlab-Token` (secret token).
    SecretToken,
}

/// Why a webhook request was not authenticated (the endpoint answers 401 and stores nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Neither secret tokens nor signing tokens are configured: Steward refuses to run open.
    #[error("no webhook secret token or signing token is configured")]
    NotConfigured,
    /// No `X-Gitlab-Token` header (and no usable signature).
    #[error("X-Gitlab-Token header is missing")]
    MissingToken,
    /// `X-Gitlab-Token` matches none of the configured secrets.
    #[error("X-Gitlab-Token does not match a configured secret")]
    BadToken,
    /// The signature check failed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

/// The webhook secrets Steward accepts. Several of each allow rotation without downtime.
#[derive(Debug, Clone)]
pub struct WebhookAuthConfig {
    /// Secret tokens compared with `X-Gitlab-Token`.
    pub secret_tokens: Vec<SecretString>,
    /// Signing tokens (`whsec_<base64>`) for `webhook-signature`.
    pub signing_tokens: Vec<SecretString>,
    /// Maximum distance between `webhook-timestamp` and now, both directions.
    pub replay_window: Duration,
}

/// Whether `presented` equals one of `secrets`, in time independent of where they differ:
/// both sides are hashed first so even the lengths are not compared directly, and every secret
/// is checked.
pub fn verify_token(presented: Option<&[u8]>, secrets: &[SecretString]) -> bool {
    let Some(presented) = presented else {
        return false;
    };
    let presented = Sha256::digest(presented);
    let mut matched = Choice::from(0);
    for secret in secrets {
        let expected = Sha256::digest(secret.expose_secret().as_bytes());
        matched |= presented.as_slice().ct_eq(expected.as_slice());
    }
    matched.into()
}

/// Verifies GitLab's `webhook-signature` (Standard Webhooks, GITLAB.md §1.2): HMAC-SHA256 keyed
/// with `base64decode(token without "whsec_")` over `"{webhook_id}.{timestamp}.{body}"`, compared
/// in constant time with every `v1,<base64>` entry of the space-separated header.
pub fn verify_signature(
    signing_tokens: &[SecretString],
    webhook_id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), SignatureError> {
    verify_signature_over(
        signing_tokens,
        webhook_id,
        timestamp,
        &[body],
        header,
        now,
        window,
    )
}

/// [`verify_signature`] over a body held in parts (as it arrived), without joining them.
#[allow(clippy::too_many_arguments)] // the Standard Webhooks inputs, each distinct
pub fn verify_signature_over<B: AsRef<[u8]>>(
    signing_tokens: &[SecretString],
    webhook_id: &str,
    timestamp: &str,
    body: &[B],
    header: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), SignatureError> {
    check_timestamp(timestamp, now, window)?;
    let signatures: Vec<Vec<u8>> = header
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .collect();
    if signatures.is_empty() {
        return Err(SignatureError::Malformed(
            "webhook-signature has no v1,<base64> entry",
        ));
    }
    let mut matched = Choice::from(0);
    for token in signing_tokens {
        // Settings refuse tokens without a key; one built in code may still lack it.
        let Some(key) = crate::config::signing_key(token.expose_secret()).filter(|k| !k.is_empty())
        else {
            continue;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
            continue;
        };
        mac.update(webhook_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        for part in body {
            mac.update(part.as_ref());
        }
        let expected = mac.finalize().into_bytes();
        for signature in &signatures {
            matched |= signature.as_slice().ct_eq(expected.as_slice());
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Whether `webhook-timestamp` is Unix seconds within `window` of `now`, either way.
fn check_timestamp(
    timestamp: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), SignatureError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Malformed("webhook-timestamp is not Unix seconds"))?;
    let skew_secs = now.timestamp().saturating_sub(ts);
    let window_secs = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
    if skew_secs.unsigned_abs() > window_secs.unsigned_abs() {
        return Err(SignatureError::Expired { skew_secs });
    }
    Ok(())
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What the headers alone decide about a webhook request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderVerdict<'h> {
    /// A matching `X-Gitlab-Token`: the body comes from GitLab.
    Authenticated(AuthMethod),
    /// A signature whose timestamp is recent: it must be checked over the body, so the body
    /// has to be read before anything is known.
    NeedsBody(PendingSignature<'h>),
}

/// The signature headers of a request, checked against the body by [`PendingSignature::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignature<'h> {
    id: &'h str,
    timestamp: &'h str,
    signature: &'h str,
    now: DateTime<Utc>,
}

impl PendingSignature<'_> {
    /// Checks the signature over `body` (its parts in order) with the configured signing tokens.
    pub fn verify<B: AsRef<[u8]>>(
        &self,
        body: &[B],
        cfg: &WebhookAuthConfig,
    ) -> Result<AuthMethod, AuthError> {
        verify_signature_over(
            &cfg.signing_tokens,
            self.id,
            self.timestamp,
            body,
            self.signature,
            self.now,
            cfg.replay_window,
        )?;
        Ok(AuthMethod::Signature)
    }
}

/// Decides what the headers can decide, before any of the body is read (GITLAB.md §1.2): when
/// `webhook-signature` is present and signing tokens are configured, the signature must verify
/// (its timestamp is checked here, the HMAC over the body later); otherwise `X-Gitlab-Token`
/// must match a secret token. With nothing configured every request is refused.
pub fn check_headers<'h>(
    headers: &'h HeaderMap,
    cfg: &WebhookAuthConfig,
    now: DateTime<Utc>,
) -> Result<HeaderVerdict<'h>, AuthError> {
    if cfg.secret_tokens.is_empty() && cfg.signing_tokens.is_empty() {
        return Err(AuthError::NotConfigured);
    }
    let signature = header(headers, "webhook-signature");
    if let (Some(signature), false) = (signature, cfg.signing_tokens.is_empty()) {
        // `webhook-id` equals `Idempotency-Key` (GITLAB.md §1.1), so either names the message.
        let id = header(headers, "webhook-id")
            .or_else(|| header(headers, "idempotency-key"))
            .ok_or(SignatureError::Missing("webhook-id"))?;
        let timestamp = header(headers, "webhook-timestamp")
            .ok_or(SignatureError::Missing("webhook-timestamp"))?;
        check_timestamp(timestamp, now, cfg.replay_window)?;
        return Ok(HeaderVerdict::NeedsBody(PendingSignature {
            id,
            timestamp,
            signature,
            now,
        }));
    }
    if cfg.secret_tokens.is_empty() {
        return Err(SignatureError::Missing("webhook-signature").into());
    }
    let presented = headers.get("x-gitlab-token").map(|v| v.as_bytes());
    if presented.is_none() {
        return Err(AuthError::MissingToken);
    }
    if verify_token(presented, &cfg.secret_tokens) {
        Ok(HeaderVerdict::Authenticated(AuthMethod::SecretToken))
    } else {
        Err(AuthError::BadToken)
    }
}

/// Authenticates a whole request: [`check_headers`], then the signature over `body` when one
/// is needed.
pub fn authenticate(
    headers: &HeaderMap,
    body: &[u8],
    cfg: &WebhookAuthConfig,
    now: DateTime<Utc>,
) -> Result<AuthMethod, AuthError> {
    match check_headers(headers, cfg, now)? {
        HeaderVerdict::Authenticated(method) => Ok(method),
        HeaderVerdict::NeedsBody(pending) => pending.verify(&[body], cfg),
    }
}
