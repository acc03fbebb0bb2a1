//! What comes back from GitLab: a 2xx [`Response`] (its JSON body and `x-next-page`), and how
//! a transport result and status become that or a [`GitLabError`] (429 with `Retry-After`,
//! redirects refused, server errors apart from refusals).

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::super::error::{CallSite, GitLabError, error_message, truncate};
use super::NEXT_PAGE;

/// A response GitLab answered with a 2xx status.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) call: CallSite,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Response {
    /// The body decoded as `T`, or a `Decode` error naming the call.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, GitLabError> {
        serde_json::from_slice(&self.body).map_err(|e| GitLabError::Decode {
            call: self.call.clone(),
            message: truncate(&e.to_string(), 300),
        })
    }

    /// `x-next-page`: empty or absent on the last page, even past 10,000 results where GitLab
    /// omits `x-total` (GITLAB.md §3.3).
    pub(crate) fn next_page(&self) -> Result<Option<u32>, GitLabError> {
        let Some(value) = self.headers.get(NEXT_PAGE) else {
            return Ok(None);
        };
        let text = value.to_str().unwrap_or("").trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<u32>()
            .map(Some)
            .map_err(|_| GitLabError::Decode {
                call: self.call.clone(),
                message: format!("x-next-page is not a page number: {text:?}"),
            })
    }
}

pub(super) fn retried_in_place(e: &GitLabError) -> bool {
    matches!(
        e,
        GitLabError::Server { .. } | GitLabError::RateLimited { .. } | GitLabError::Connect { .. }
    )
}

pub(super) fn status_word(e: &GitLabError) -> &'static str {
    match e {
        GitLabError::Timeout { .. } => "timeout",
        GitLabError::Connect { .. } => "connect_error",
        GitLabError::Decode { .. } => "decode_error",
        GitLabError::GraphQl { .. } => "graphql_error",
        _ => "error",
    }
}

/// Maps the transport result and status to a 2xx [`Response`] or an error.
pub(super) async fn classify(
    result: Result<reqwest::Response, reqwest::Error>,
    call: &CallSite,
    timeout: Duration,
) -> Result<Response, GitLabError> {
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            GitLabError::Timeout {
                call: call.clone(),
                timeout,
            }
        } else {
            GitLabError::Connect {
                call: call.clone(),
                // Without the URL: reqwest's Display would repeat it, query string included.
                message: truncate(&e.without_url().to_string(), 300),
            }
        }
    };
    let response = result.map_err(transport)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return Ok(Response {
            call: call.clone(),
            status,
            headers,
            body,
        });
    }
    Err(status_error(status, &headers, &body, call))
}

pub(super) fn status_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    call: &CallSite,
) -> GitLabError {
    if status == StatusCode::TOO_MANY_REQUESTS {
        // GITLAB.md §3.6: `Retry-After` is in seconds.
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return GitLabError::RateLimited {
            call: call.clone(),
            retry_after,
        };
    }
    let message = if status.is_redirection() {
        let location = headers
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        format!("redirected to {location:?}; configure the final GitLab URL")
    } else {
        error_message(body)
    };
    if status.is_server_error() {
        GitLabError::Server {
            call: call.clone(),
            status: status.as_u16(),
            message,
        }
    } else {
        GitLabError::Rejected {
            call: call.clone(),
            status: status.as_u16(),
            message,
        }
    }
}
