//! The HTTP transport to GitLab: our own `gitlab_api::api::AsyncClient` over reqwest, with
//! timeouts, the token header, the outgoing rate budget, metrics and one tracing span per call.
//! Reads (GET) that fail transiently are retried in place a few times with short waits, so one
//! 500 among the hundred pages of a sweep does not throw the sweep away; writes are never
//! retried here (the job runner retries the whole job with backoff, after re-reading the
//! issue). It follows no redirects (a redirect to another host would carry `PRIVATE-TOKEN`
//! with it).
//!
//! Requests are described with the `gitlab` crate's endpoint builders and executed here, so
//! the response headers (pagination, `Retry-After`) stay visible: the crate's own async client
//! has no timeouts and its paged queries hide 429s (DESIGN.md §6).

mod build;
mod crate_client;
mod epics;
mod labels;
mod links;
mod ops;
mod paging;
mod response;
mod version;

mod work_items;

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use gitlab_api::api::Endpoint;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use super::CallContext;
use super::budget::{Budget, CallKind};
use super::error::{CallSite, GitLabError};
pub(crate) use response::Response;
use response::{classify, retried_in_place, status_word};

/// GitLab's maximum page size (GITLAB.md §3.3).
pub(crate) const PER_PAGE: u32 = 100;

const PRIVATE_TOKEN: HeaderName = HeaderName::from_static("private-token");
const EVENT_UUID: HeaderName = HeaderName::from_static("x-gitlab-event-uuid");
const NEXT_PAGE: &str = "x-next-page";

/// Everything needed to talk to one GitLab instance.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Instance URL, e.g. `https://gitlab.com` (the client appends `/api/v4/`).
    pub base_url: Url,
    /// Personal, project or group access token with `api` scope. Sent as `PRIVATE-TOKEN`;
    /// redacted from `Debug` and never logged.
    pub token: SecretString,
    /// Whole-request timeout (connect, send, and read the full body).
    pub timeout: Duration,
    /// Connection-establishment timeout.
    pub connect_timeout: Duration,
    /// Outgoing budget for all calls (GitLab.com allows 2,000 per minute per user).
    pub requests_per_minute: NonZeroU32,
    /// Outgoing budget for note creations (GitLab.com allows 60 per minute).
    pub notes_per_minute: NonZeroU32,
    /// `User-Agent` sent on every call.
    pub user_agent: String,
}

impl ClientConfig {
    /// A configuration with Steward's defaults: 30 s request and 5 s connect timeouts,
    /// 2,000 requests and 60 note creations per minute.
    pub fn new(base_url: Url, token: SecretString) -> Self {
        Self {
            base_url,
            token,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            requests_per_minute: NonZeroU32::new(2_000).unwrap_or(NonZeroU32::MIN),
            notes_per_minute: NonZeroU32::new(60).unwrap_or(NonZeroU32::MIN),
            user_agent: concat!("steward/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// The REST/GraphQL implementation of [`super::GitLab`]. Cheap to clone; clones share the
/// connection pool and the rate budget.
#[derive(Clone)]
pub struct RestGitLab {
    http: reqwest::Client,
    api_base: Url,
    graphql_url: Url,
    token: SecretString,
    timeout: Duration,
    budget: Arc<Budget>,
}

impl fmt::Debug for RestGitLab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestGitLab")
            .field("api_base", &self.api_base.as_str())
            .field("token", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RestGitLab {
    /// Builds the client. Fails on a base URL that cannot carry paths or a token that is not a
    /// valid header value.
    pub fn new(config: ClientConfig) -> Result<Self, GitLabError> {
        let mut base = config.base_url.clone();
        if base.cannot_be_a_base() {
            return Err(GitLabError::Config(format!(
                "base URL {base} cannot hold API paths"
            )));
        }
        // Keep a relative-root install (`https://host/gitlab`) under its prefix when joining.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        let api_base = base
            .join("api/v4/")
            .map_err(|e| GitLabError::Config(format!("base URL {base}: {e}")))?;
        let graphql_url = base
            .join("api/graphql")
            .map_err(|e| GitLabError::Config(format!("base URL {base}: {e}")))?;
        HeaderValue::from_str(config.token.expose_secret()).map_err(|_| {
            GitLabError::Config(
                "the GitLab token contains characters not allowed in a header".into(),
            )
        })?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| GitLabError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            api_base,
            graphql_url,
            token: config.token,
            timeout: config.timeout,
            budget: Arc::new(Budget::new(
                config.requests_per_minute,
                config.notes_per_minute,
            )),
        })
    }

    /// The shared rate budget (exposed so tests and `/readyz` can inspect it).
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Executes a `gitlab` crate endpoint (plus `extra_query` pairs such as pagination) and
    /// returns the 2xx response; any other status becomes a [`GitLabError`].
    pub(crate) async fn call<E: Endpoint>(
        &self,
        name: &'static str,
        ctx: &CallContext,
        kind: CallKind,
        endpoint: &E,
        extra_query: &[(&str, String)],
        extra_form: Option<&str>,
    ) -> Result<Response, GitLabError> {
        let mut url = self.rest_url(&endpoint.endpoint())?;
        endpoint.parameters().add_to_url(&mut url);
        if !extra_query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in extra_query {
                pairs.append_pair(k, v);
            }
        }
        let method = endpoint.method();
        let call = CallSite {
            method: method.to_string(),
            path: url.path().to_owned(),
        };
        let mut body = endpoint
            .body()
            .map_err(|e| GitLabError::InvalidRequest(format!("{call}: {e}")))?;
        if let Some(extra) = extra_form {
            // For form parameters the crate's builders cannot express (e.g. an empty
            // `due_date` to clear it): appended to the url-encoded form body.
            match &mut body {
                Some((_, data)) if !data.is_empty() => {
                    data.push(b'&');
                    data.extend_from_slice(extra.as_bytes());
                }
                _ => {
                    body = Some((
                        "application/x-www-form-urlencoded",
                        extra.as_bytes().to_vec(),
                    ))
                }
            }
        }
        let mut request = reqwest::Request::new(method, url);
        if let Some((mime, data)) = body {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(mime));
            *request.body_mut() = Some(data.into());
        }
        self.send(name, ctx, kind, request, call).await
    }

    /// Sends a request and maps the status to success or a [`GitLabError`]. A GET answered
    /// 5xx or 429, or refused at connection, is sent again up to [`READ_RETRIES`] times, after
    /// GitLab's `Retry-After` or a short backoff. When GitLab asks for a longer wait than
    /// [`MAX_IN_PLACE_WAIT`], or the call timed out (GitLab is overloaded; more load will not
    /// help), the error is returned at once and the job runner reschedules the job instead of
    /// holding a worker.
    pub(crate) async fn send(
        &self,
        name: &'static str,
        ctx: &CallContext,
        kind: CallKind,
        mut request: reqwest::Request,
        call: CallSite,
    ) -> Result<Response, GitLabError> {
        let is_read = request.method() == reqwest::Method::GET;
        let mut attempt: u32 = 0;
        loop {
            let again = if is_read { request.try_clone() } else { None };
            let outcome = self.send_once(name, ctx, kind, request, call.clone()).await;
            let (e, next) = match (outcome, again) {
                (Err(e), Some(next)) if attempt < READ_RETRIES && retried_in_place(&e) => (e, next),
                (outcome, _) => return outcome,
            };
            let wait = e.retry_after().unwrap_or(READ_BACKOFF * 2u32.pow(attempt));
            if wait > MAX_IN_PLACE_WAIT {
                return Err(e);
            }
            tracing::debug!(error = %e, attempt, ?wait, "GitLab read failed; retrying");
            tokio::time::sleep(wait).await;
            request = next;
            attempt += 1;
        }
    }

    /// Sends one request once: waits for the budget, adds the token and event headers, records
    /// the metric and maps the status to success or a [`GitLabError`].
    async fn send_once(
        &self,
        name: &'static str,
        ctx: &CallContext,
        kind: CallKind,
        mut request: reqwest::Request,
        call: CallSite,
    ) -> Result<Response, GitLabError> {
        let span = tracing::info_span!(
            "gitlab_call",
            endpoint = name,
            method = %call.method,
            path = %call.path,
            event_uuid = ctx.event_uuid.as_deref(),
            status = tracing::field::Empty,
        );
        async move {
            self.budget.acquire(kind).await;
            let headers = request.headers_mut();
            let mut token = HeaderValue::from_str(self.token.expose_secret()).map_err(|_| {
                GitLabError::Config("the GitLab token is not a valid header".into())
            })?;
            // Keeps the token out of any Debug output of the request or its headers.
            token.set_sensitive(true);
            headers.insert(PRIVATE_TOKEN, token);
            if let Some(uuid) = ctx.event_uuid.as_deref() {
                match HeaderValue::from_str(uuid) {
                    Ok(v) => {
                        headers.insert(EVENT_UUID, v);
                    }
                    Err(_) => {
                        tracing::warn!("event UUID is not a valid header value; not forwarded")
                    }
                }
            }
            let result = self.http.execute(request).await;
            let outcome = classify(result, &call, self.timeout).await;
            let status = match &outcome {
                Ok(response) => response.status.as_u16().to_string(),
                Err(e) => e
                    .status()
                    .map_or_else(|| status_word(e).to_owned(), |s| s.to_string()),
            };
            tracing::Span::current().record("status", status.as_str());
            metrics::counter!("steward_gitlab_calls_total", "endpoint" => name, "status" => status)
                .increment(1);
            super::health::record(&outcome);
            if let Err(e) = &outcome {
                tracing::debug!(error = %e, transient = e.is_transient(), "GitLab call failed");
            }
            outcome
        }
        .instrument(span)
        .await
    }

    fn rest_url(&self, endpoint: &str) -> Result<Url, GitLabError> {
        self.api_base
            .join(endpoint)
            .map_err(|e| GitLabError::InvalidRequest(format!("endpoint {endpoint}: {e}")))
    }
}

/// How many times a failed GET is sent again before its error is returned.
pub const READ_RETRIES: u32 = 3;
/// The first wait before a GET is sent again (doubling after each try) when GitLab gave no
/// `Retry-After`.
const READ_BACKOFF: Duration = Duration::from_millis(200);
/// The longest `Retry-After` a read waits out in place.
pub const MAX_IN_PLACE_WAIT: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base: &str, token: &str) -> ClientConfig {
        ClientConfig::new(base.parse().unwrap(), SecretString::from(token.to_owned()))
    }

    #[test]
    fn a_relative_root_install_keeps_its_prefix_for_rest_and_graphql() {
        for base in [
            "https://git.example.com/gitlab",
            "https://git.example.com/gitlab/",
        ] {
            let gl = RestGitLab::new(config(base, "t")).unwrap();
            assert_eq!(
                gl.rest_url("projects/4/issues/15").unwrap().as_str(),
                "https://git.example.com/gitlab/api/v4/projects/4/issues/15"
            );
            assert_eq!(
                gl.graphql_url.as_str(),
                "https://git.example.com/gitlab/api/graphql"
            );
        }
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_a_configuration_error_that_does_not_echo_it() {
        let err = RestGitLab::new(config("https://gitlab.com", "glpat-abc\ndef")).unwrap_err();
        assert!(matches!(err, GitLabError::Config(_)));
        assert!(!err.to_string().contains("glpat-abc"));
    }
}
