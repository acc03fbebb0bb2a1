//! The `status` section: where the read-only status page listens (nowhere unless set) and the
//! token that guards it. A page on an address other than loopback must have a token: the page
//! shows the team's queue and decisions, and only an authenticated viewer sees confidential
//! issues' titles. It does not check requests (that is `status::auth`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::SettingsError;
use super::sections::var;

/// The shortest status token accepted: the page is reachable by anyone who can reach its port.
pub const MIN_STATUS_TOKEN_CHARS: usize = 16;

/// The raw `status` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStatus {
    listen: Option<String>,
    token: Option<String>,
    token_file: Option<PathBuf>,
}

/// Status page settings.
#[derive(Debug, Clone, Default)]
pub struct StatusSettings {
    /// `status.listen` / `STEWARD_STATUS_LISTEN`: the page's own listen address, apart from the
    /// webhook receiver's. `None` (the default): no status page.
    pub listen: Option<SocketAddr>,
    /// `status.token` / `status.token_file` / `STEWARD_STATUS_TOKEN(_FILE)`: when set, every
    /// request must present it (`Authorization: Bearer TOKEN`, or basic auth with it as the
    /// password) and confidential titles are shown; when unset, the page answers anyone who can
    /// reach a loopback address and never shows a confidential title.
    pub token: Option<SecretString>,
}

fn invalid(key: &str, message: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// Reads and checks the section.
pub(super) fn from_raw(
    raw: RawStatus,
    env: &HashMap<String, String>,
) -> Result<StatusSettings, SettingsError> {
    let listen = match var(env, "STEWARD_STATUS_LISTEN").or(raw.listen) {
        None => None,
        Some(text) => Some(text.parse::<SocketAddr>().map_err(|_| {
            invalid(
                "status.listen",
                format!("`{text}` is not an address like 127.0.0.1:8081"),
            )
        })?),
    };
    let token = token(raw.token, raw.token_file, env)?;
    if let (Some(addr), None) = (listen, &token)
        && !addr.ip().is_loopback()
    {
        return Err(invalid(
            "status.listen",
            format!(
                "{addr} is reachable from other hosts, and the status page has no token: set \
                 status.token_file (or STEWARD_STATUS_TOKEN_FILE) to a file holding a random \
                 token of at least {MIN_STATUS_TOKEN_CHARS} characters, or listen on 127.0.0.1"
            ),
        ));
    }
    Ok(StatusSettings { listen, token })
}

fn token(
    given: Option<String>,
    file: Option<PathBuf>,
    env: &HashMap<String, String>,
) -> Result<Option<SecretString>, SettingsError> {
    let file = var(env, "STEWARD_STATUS_TOKEN_FILE")
        .map(PathBuf::from)
        .or(file);
    let text = match (var(env, "STEWARD_STATUS_TOKEN").or(given), file) {
        (Some(t), _) => t,
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map_err(|e| {
                invalid(
                    "status.token_file",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?
            .trim()
            .to_owned(),
        (None, None) => return Ok(None),
    };
    let token = SecretString::from(text);
    let chars = token.expose_secret().chars().count();
    if chars < MIN_STATUS_TOKEN_CHARS || token.expose_secret().trim() != token.expose_secret() {
        return Err(invalid(
            "status.token",
            format!(
                "is {chars} characters (or has surrounding spaces); use a random token of at \
                 least {MIN_STATUS_TOKEN_CHARS} characters, e.g. `openssl rand -hex 24`"
            ),
        ));
    }
    Ok(Some(token))
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

    #[test]
    fn the_status_page_is_off_unless_an_address_is_set() {
        let s = from_raw(RawStatus::default(), &env(&[])).unwrap();
        assert!(s.listen.is_none());
        assert!(s.token.is_none());
    }

    #[test]
    fn a_loopback_page_needs_no_token() {
        let s = from_raw(
            RawStatus::default(),
            &env(&[("STEWARD_STATUS_LISTEN", "127.0.0.1:8081")]),
        )
        .unwrap();
        assert_eq!(s.listen, Some("127.0.0.1:8081".parse().unwrap()));
    }

    #[test]
    fn an_exposed_page_without_a_token_is_refused_with_the_fix() {
        let err = from_raw(
            RawStatus::default(),
            &env(&[("STEWARD_STATUS_LISTEN", "0.0.0.0:8081")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("status.listen"), "{err}");
        assert!(err.contains("status.token_file"), "{err}");
    }

    #[test]
    fn a_short_token_is_refused_and_a_long_one_exposes_the_page() {
        let short = from_raw(
            RawStatus::default(),
            &env(&[
                ("STEWARD_STATUS_LISTEN", "0.0.0.0:8081"),
                ("STEWARD_STATUS_TOKEN", "hunter2"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(short.contains("at least 16"), "{short}");
        let s = from_raw(
            RawStatus::default(),
            &env(&[
                ("STEWARD_STATUS_LISTEN", "0.0.0.0:8081"),
                ("STEWARD_STATUS_TOKEN", "3f9c2a7e1b5d4c8a9e0f6b2d"),
            ]),
        )
        .unwrap();
        assert!(s.token.is_some());
        assert!(!format!("{s:?}").contains("3f9c2a7e"), "token leaked");
    }

    #[test]
    fn an_address_that_is_not_one_names_the_setting() {
        let err = from_raw(
            RawStatus {
                listen: Some("localhost".to_owned()),
                ..RawStatus::default()
            },
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`localhost` is not an address"), "{err}");
    }
}
