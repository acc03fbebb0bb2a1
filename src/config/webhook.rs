//! The `webhook` section of the settings: accepted secrets and signing tokens, and the limits of
//! the HTTP listener that receives deliveries. It refuses any secret that would let a request
//! through without proof (empty, whitespace, a signing token with no key) and reports weak ones
//! as warnings; it does not authenticate requests (that is `gitlab::auth`).

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::SettingsError;

/// Secrets shorter than this are accepted with a warning: a short secret can be guessed.
pub const MIN_SECRET_CHARS: usize = 16;
/// GitLab's largest webhook body (`REQUEST_BODY_SIZE_LIMIT = 25.megabytes`, GITLAB.md §1.3).
pub const DEFAULT_MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// Bodies read before their signature could be checked, all requests together: room for two
/// of GitLab's largest bodies, and a bound on what forged signed requests can make us hold.
pub const DEFAULT_MAX_IN_FLIGHT_BYTES: usize = 64 * 1024 * 1024;
/// A client must have sent its request headers within this time, or the connection is closed
/// (GitLab sends them at once; a client dribbling them holds a connection for nothing).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections held open at once; further clients wait in the listen backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 2048;

/// The raw `webhook` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    #[serde(default)]
    secrets: Vec<String>,
    #[serde(default)]
    signing_tokens: Vec<String>,
    replay_window_secs: Option<u64>,
    max_body_bytes: Option<usize>,
    request_timeout_secs: Option<u64>,
    max_concurrency: Option<usize>,
    max_in_flight_bytes: Option<usize>,
    header_read_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
}

/// Webhook receiver settings.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Accepted `X-Gitlab-Token` values (several during rotation).
    pub secrets: Vec<SecretString>,
    /// Accepted signing tokens (`whsec_…`, GitLab 19.0+).
    pub signing_tokens: Vec<SecretString>,
    /// How old (or how far in the future) a signed `webhook-timestamp` may be.
    pub replay_window: Duration,
    /// Largest accepted body (GitLab sends at most 25 MB; GITLAB.md §1.3).
    pub max_body_bytes: usize,
    /// Time limit for one webhook request, body included (GitLab waits 10 s; GITLAB.md §1.3).
    pub request_timeout: Duration,
    /// Deliveries decoded and recorded at once (reading bodies is not counted here).
    pub max_concurrency: usize,
    /// Bytes of bodies held before their signature is verified, all requests together.
    pub max_in_flight_bytes: usize,
    /// Time a client has to send its request headers (also closes idle kept-alive connections).
    pub header_read_timeout: Duration,
    /// Connections held open at once.
    pub max_connections: usize,
}

impl WebhookSettings {
    /// The shipped limits around the given secrets (what a settings file without limits gets).
    pub fn with_secrets(secrets: Vec<SecretString>, signing_tokens: Vec<SecretString>) -> Self {
        Self {
            secrets,
            signing_tokens,
            replay_window: Duration::from_secs(300),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: Duration::from_secs(8),
            max_concurrency: 256,
            max_in_flight_bytes: DEFAULT_MAX_IN_FLIGHT_BYTES,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }

    /// What an operator should fix but that does not stop start-up: secrets short enough to
    /// guess. Never contains a secret.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, s) in self.secrets.iter().enumerate() {
            let chars = s.expose_secret().chars().count();
            if chars < MIN_SECRET_CHARS {
                out.push(format!(
                    "webhook secret #{} is {chars} characters long, shorter than \
                     {MIN_SECRET_CHARS}: a short secret can be guessed; use a long random one \
                     (e.g. `openssl rand -hex 32`) in GitLab and here",
                    i + 1
                ));
            }
        }
        for (i, t) in self.signing_tokens.iter().enumerate() {
            let key = signing_key(t.expose_secret()).map_or(0, |k| k.len());
            if key < MIN_SECRET_CHARS {
                out.push(format!(
                    "webhook signing token #{} has a {key}-byte key, shorter than \
                     {MIN_SECRET_CHARS} bytes: generate a new signing token in GitLab",
                    i + 1
                ));
            }
        }
        out
    }
}

/// The HMAC key of a signing token: `base64decode(token without "whsec_")` (GITLAB.md §1.2).
pub fn signing_key(token: &str) -> Option<Vec<u8>> {
    let encoded = token.trim().strip_prefix("whsec_").unwrap_or(token.trim());
    STANDARD.decode(encoded).ok()
}

/// Builds the webhook settings from the file's section and the `STEWARD_*` variables.
pub(super) fn from_raw(
    raw: RawWebhook,
    env: &HashMap<String, String>,
) -> Result<WebhookSettings, SettingsError> {
    let secrets = list(
        "webhook.secrets",
        "STEWARD_WEBHOOK_SECRETS",
        raw.secrets,
        env,
    )?;
    let signing = list(
        "webhook.signing_tokens",
        "STEWARD_WEBHOOK_SIGNING_TOKENS",
        raw.signing_tokens,
        env,
    )?;
    if secrets.is_empty() && signing.is_empty() {
        return Err(SettingsError::Invalid {
            key: "webhook.secrets".into(),
            message: "no webhook secret or signing token: Steward refuses to accept \
                      unauthenticated webhooks. Set webhook.secrets (the hook's secret token) \
                      or webhook.signing_tokens (whsec_…), or STEWARD_WEBHOOK_SECRETS"
                .into(),
        });
    }
    for (i, (token, from)) in signing.iter().enumerate() {
        if signing_key(token).is_none_or(|k| k.is_empty()) {
            return Err(entry_error(
                from,
                i,
                "is not a signing token: expected `whsec_` followed by the base64 key GitLab \
                 showed when it generated the token",
            ));
        }
    }
    let mut s = WebhookSettings::with_secrets(
        secrets.into_iter().map(|(s, _)| s.into()).collect(),
        signing.into_iter().map(|(s, _)| s.into()).collect(),
    );
    if let Some(v) = raw.replay_window_secs {
        s.replay_window = Duration::from_secs(v);
    }
    if let Some(v) = raw.request_timeout_secs {
        s.request_timeout = Duration::from_secs(v.max(1));
    }
    s.max_body_bytes = raw.max_body_bytes.unwrap_or(s.max_body_bytes).max(1);
    s.max_concurrency = raw.max_concurrency.unwrap_or(s.max_concurrency).max(1);
    s.max_connections = raw.max_connections.unwrap_or(s.max_connections).max(1);
    if let Some(v) = raw.header_read_timeout_secs {
        s.header_read_timeout = Duration::from_secs(v.max(1));
    }
    s.max_in_flight_bytes = raw.max_in_flight_bytes.unwrap_or(s.max_in_flight_bytes);
    if s.max_in_flight_bytes < s.max_body_bytes {
        return Err(SettingsError::Invalid {
            key: "webhook.max_in_flight_bytes".into(),
            message: format!(
                "{} is smaller than webhook.max_body_bytes ({}): the largest accepted body \
                 could never be read; raise it or lower webhook.max_body_bytes",
                s.max_in_flight_bytes, s.max_body_bytes
            ),
        });
    }
    Ok(s)
}

/// Where a secret came from, for error messages.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    File(&'a str),
    Env(&'a str),
}

/// The list from the variable when it is set (comma-separated), else from the file. An empty
/// or whitespace-only entry stops start-up: as a secret it would match a request that sends
/// an empty `X-Gitlab-Token`.
fn list<'a>(
    key: &'a str,
    var: &'a str,
    file: Vec<String>,
    env: &HashMap<String, String>,
) -> Result<Vec<(String, Source<'a>)>, SettingsError> {
    let (items, from): (Vec<String>, Source<'a>) = match env.get(var) {
        Some(text) => {
            if text.trim().is_empty() {
                return Err(SettingsError::Env {
                    name: var.to_owned(),
                    message: "is set but empty: an empty secret would accept requests without \
                              one. Set it to the hook's secret (comma-separated while rotating) \
                              or unset it"
                        .to_owned(),
                });
            }
            (
                text.split(',').map(|s| s.trim().to_owned()).collect(),
                Source::Env(var),
            )
        }
        None => (file, Source::File(key)),
    };
    for (i, item) in items.iter().enumerate() {
        if item.trim().is_empty() {
            return Err(entry_error(
                &from,
                i,
                "is empty or only whitespace: it would accept requests whose token is empty. \
                 Put the hook's secret there or remove the entry",
            ));
        }
    }
    Ok(items.into_iter().map(|s| (s, from)).collect())
}

fn entry_error(from: &Source<'_>, index: usize, what: &str) -> SettingsError {
    match from {
        Source::File(key) => SettingsError::Invalid {
            key: format!("{key}[{index}]"),
            message: what.to_owned(),
        },
        Source::Env(var) => SettingsError::Env {
            name: (*var).to_owned(),
            message: format!("entry {} {what}", index + 1),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn raw(secrets: &[&str], signing: &[&str]) -> RawWebhook {
        RawWebhook {
            secrets: secrets.iter().map(|s| (*s).to_owned()).collect(),
            signing_tokens: signing.iter().map(|s| (*s).to_owned()).collect(),
            ..RawWebhook::default()
        }
    }

    const KEY: &str = "whsec_Z2l0bGFiLWZpeHR1cmUtc2lnbmluZy1rZXktMzJieXQ=";

    #[test]
    fn empty_or_blank_secrets_and_tokens_are_refused_wherever_they_come_from() {
        // (file secrets, file signing tokens, environment, text the error must contain)
        type Case<'a> = (
            &'a [&'a str],
            &'a [&'a str],
            &'a [(&'a str, &'a str)],
            &'a str,
        );
        let cases: [Case; 8] = [
            (&[""], &[], &[], "webhook.secrets[0]"),
            (&["good-secret", "  "], &[], &[], "webhook.secrets[1]"),
            (&[], &["\t"], &[], "webhook.signing_tokens[0]"),
            (&[], &["whsec_"], &[], "not a signing token"),
            (&[], &["not base64!"], &[], "not a signing token"),
            (
                &["s"],
                &[],
                &[("STEWARD_WEBHOOK_SECRETS", " ")],
                "set but empty",
            ),
            (&[], &[], &[("STEWARD_WEBHOOK_SECRETS", "a,,b")], "entry 2"),
            (
                &["s"],
                &[],
                &[("STEWARD_WEBHOOK_SIGNING_TOKENS", "")],
                "set but empty",
            ),
        ];
        for (secrets, signing, vars, want) in cases {
            let err = from_raw(raw(secrets, signing), &env(vars)).unwrap_err();
            assert!(err.to_string().contains(want), "{want}: {err}");
        }
    }

    #[test]
    fn short_secrets_are_accepted_with_a_warning_that_does_not_show_them() {
        let s = from_raw(raw(&["tiny", &"x".repeat(16)], &[KEY]), &env(&[])).unwrap();
        let warnings = s.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("#1 is 4 characters"), "{warnings:?}");
        assert!(!warnings[0].contains("tiny"), "{warnings:?}");
        let short_key = from_raw(raw(&[], &["whsec_c2hvcnQ="]), &env(&[])).unwrap();
        assert!(short_key.warnings()[0].contains("5-byte key"));
    }

    #[test]
    fn the_in_flight_budget_must_hold_the_largest_body() {
        let mut r = raw(&["a-long-enough-secret"], &[]);
        r.max_in_flight_bytes = Some(1024);
        let err = from_raw(r, &env(&[])).unwrap_err();
        assert!(
            err.to_string().contains("webhook.max_in_flight_bytes"),
            "{err}"
        );
    }
}
