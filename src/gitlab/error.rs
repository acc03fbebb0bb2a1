//! The one error type of the GitLab boundary and its transient/permanent split; it decides
//! nothing about retrying (the job runner does, with backoff honouring `retry_after`).

use std::fmt;
use std::time::Duration;

/// Longest GitLab error message kept in an error (GitLab can echo large validation objects).
const MAX_MESSAGE_CHARS: usize = 300;

/// Which call failed: HTTP method and URL path, never the query string or headers (so no
/// token and no user input can reach logs through an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// HTTP method, e.g. `PUT`.
    pub method: String,
    /// URL path, e.g. `/api/v4/projects/4/issues/15`.
    pub path: String,
}

impl fmt::Display for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// A failed GitLab call. `is_transient()` tells the job runner whether retrying can help.
#[derive(Debug, thiserror::Error)]
pub enum GitLabError {
    /// No complete answer within the configured request timeout.
    #[error("{call}: GitLab did not answer within {timeout:?}")]
    Timeout {
        /// The call.
        call: CallSite,
        /// The configured request timeout.
        timeout: Duration,
    },
    /// The connection could not be made or broke while sending or reading.
    #[error("{call}: could not reach GitLab: {message}")]
    Connect {
        /// The call.
        call: CallSite,
        /// What the HTTP stack reported.
        message: String,
    },
    /// GitLab throttled the call (`429 Too Many Requests`, GITLAB.md §3.6).
    #[error("{call}: GitLab rate limit hit (429){}", fmt_retry_after(*retry_after))]
    RateLimited {
        /// The call.
        call: CallSite,
        /// GitLab's `Retry-After`, when it sent one in seconds.
        retry_after: Option<Duration>,
    },
    /// GitLab answered with a 5xx status.
    #[error("{call}: GitLab failed with {status}: {message}")]
    Server {
        /// The call.
        call: CallSite,
        /// HTTP status code.
        status: u16,
        /// GitLab's message, truncated.
        message: String,
    },
    /// GitLab refused the call (401, 403, 404, 400, 409, 422, …): retrying will not help.
    #[error("{call}: GitLab refused with {status}: {message}")]
    Rejected {
        /// The call.
        call: CallSite,
        /// HTTP status code.
        status: u16,
        /// GitLab's message, truncated.
        message: String,
    },
    /// A 2xx answer whose body or headers did not have the expected shape.
    #[error("{call}: unexpected answer from GitLab: {message}")]
    Decode {
        /// The call.
        call: CallSite,
        /// What did not match.
        message: String,
    },
    /// A GraphQL mutation answered 200 with `errors` (GraphQL reports failures in the body).
    #[error("GraphQL {operation} failed: {message}")]
    GraphQl {
        /// The mutation name, e.g. `createNote`.
        operation: &'static str,
        /// The joined error messages, truncated.
        message: String,
    },
    /// The client configuration is unusable (bad base URL, token not a valid header value…).
    #[error("invalid GitLab client configuration: {0}")]
    Config(String),
    /// The caller asked for something that cannot be sent (e.g. an issue edit changing nothing).
    #[error("invalid GitLab request: {0}")]
    InvalidRequest(String),
}

fn fmt_retry_after(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {}s", d.as_secs()),
        None => String::new(),
    }
}

impl GitLabError {
    /// Whether retrying later can succeed: timeouts, connection errors, 429, 408 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Connect { .. } | Self::RateLimited { .. } => true,
            Self::Server { .. } => true,
            // 408 Request Timeout is GitLab (or a proxy) giving up on us: same as a timeout.
            Self::Rejected { status, .. } => *status == 408,
            Self::Decode { .. }
            | Self::GraphQl { .. }
            | Self::Config(_)
            | Self::InvalidRequest(_) => false,
        }
    }

    /// GitLab's `Retry-After`, when the call was throttled and GitLab said how long to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether GitLab answered 404: what the call names does not exist for Steward's token
    /// (deleted, moved, in another project, or hidden from it). Retrying will not bring it back.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The HTTP status GitLab answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::RateLimited { .. } => Some(429),
            Self::Server { status, .. } | Self::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// GitLab's error text from a response body: the `message` (string or validation object) or
/// `error` field of its JSON, else the raw text; truncated to a readable length.
pub(crate) fn error_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => {
            let field = map.get("message").or_else(|| map.get("error"));
            match field {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => serde_json::Value::Object(map).to_string(),
            }
        }
        Ok(other) => other.to_string(),
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    };
    truncate(&text, MAX_MESSAGE_CHARS)
}

/// `s` cut to at most `max` characters (on a char boundary), with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((idx, _)) => format!("{}…", &s[..idx]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallSite {
        CallSite {
            method: "PUT".into(),
            path: "/api/v4/projects/4/issues/15".into(),
        }
    }

    #[test]
    fn transient_and_permanent_errors_are_told_apart_by_status() {
        let cases = [
            (429, true),
            (500, true),
            (502, true),
            (503, true),
            (408, true),
            (400, false),
            (401, false),
            (403, false),
            (404, false),
            (409, false),
            (422, false),
        ];
        for (status, transient) in cases {
            let err = if status == 429 {
                GitLabError::RateLimited {
                    call: call(),
                    retry_after: None,
                }
            } else if status >= 500 {
                GitLabError::Server {
                    call: call(),
                    status,
                    message: String::new(),
                }
            } else {
                GitLabError::Rejected {
                    call: call(),
                    status,
                    message: String::new(),
                }
            };
            assert_eq!(err.is_transient(), transient, "status {status}");
            assert_eq!(err.status(), Some(status));
            assert_eq!(err.is_not_found(), status == 404, "status {status}");
        }
    }

    #[test]
    fn gitlab_validation_messages_are_extracted_from_json_objects() {
        assert_eq!(
            error_message(br#"{"message":"404 Project Not Found"}"#),
            "404 Project Not Found"
        );
        assert_eq!(
            error_message(br#"{"message":{"labels":["is invalid"]}}"#),
            r#"{"labels":["is invalid"]}"#
        );
        assert_eq!(
            error_message(br#"{"error":"insufficient_scope"}"#),
            "insufficient_scope"
        );
        assert_eq!(error_message(b"Retry later\n"), "Retry later");
    }

    #[test]
    fn long_messages_are_truncated_on_a_char_boundary() {
        let long = "é".repeat(1000);
        let cut = error_message(long.as_bytes());
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn display_names_the_call_and_gitlabs_message() {
        let err = GitLabError::Rejected {
            call: call(),
            status: 403,
            message: "403 Forbidden".into(),
        };
        assert_eq!(
            err.to_string(),
            "PUT /api/v4/projects/4/issues/15: GitLab refused with 403: 403 Forbidden"
        );
        let throttled = GitLabError::RateLimited {
            call: call(),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert!(throttled.to_string().ends_with("retry after 7s"));
    }
}
