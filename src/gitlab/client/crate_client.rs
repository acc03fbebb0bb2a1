//! The `gitlab` crate's client traits implemented over [`RestGitLab`]'s transport, so the
//! crate's `query_async` works with the same token, timeouts, budget and metrics. It adds no
//! behaviour of its own.

use std::pin::Pin;

use bytes::Bytes;
use gitlab_api::api::{self as glapi, ApiError};
use http::Method;
use reqwest::Url;

use super::super::CallContext;
use super::super::budget::CallKind;
use super::super::error::{CallSite, GitLabError};
use super::RestGitLab;
// The `gitlab` crate's client traits, so its `query_async` runs over this transport (with the
// same token, timeouts, budget and metrics) for endpoints the `GitLab` trait does not wrap.
// Errors come back as `ApiError::Client { source: GitLabError }`, 429 included with its
// `Retry-After`, instead of the crate's own opaque handling.
impl glapi::RestClient for RestGitLab {
    type Error = GitLabError;

    fn rest_endpoint(&self, endpoint: &str) -> Result<Url, ApiError<Self::Error>> {
        self.rest_url(endpoint).map_err(ApiError::client)
    }

    fn instance_endpoint(&self, endpoint: &str) -> Result<Url, ApiError<Self::Error>> {
        let mut root = self.api_base.clone();
        root.set_path(self.api_base.path().trim_end_matches("api/v4/"));
        root.join(endpoint)
            .map_err(|e| ApiError::client(GitLabError::InvalidRequest(format!("{endpoint}: {e}"))))
    }
}

// `AsyncClient` is declared with `#[async_trait]`; this is the signature that macro expands to,
// written out so Steward needs no `async-trait` dependency of its own.
impl glapi::AsyncClient for RestGitLab {
    fn rest_async<'life0, 'async_trait>(
        &'life0 self,
        request: http::request::Builder,
        body: Vec<u8>,
    ) -> Pin<
        Box<
            dyn Future<Output = Result<http::Response<Bytes>, ApiError<Self::Error>>>
                + Send
                + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let request = request
                .body(body)
                .map_err(|e| ApiError::client(GitLabError::InvalidRequest(e.to_string())))?;
            let request = reqwest::Request::try_from(request)
                .map_err(|e| ApiError::client(GitLabError::InvalidRequest(e.to_string())))?;
            let call = CallSite {
                method: request.method().to_string(),
                path: request.url().path().to_owned(),
            };
            let kind = if request.method() == Method::POST && call.path.ends_with("/notes") {
                CallKind::NoteCreation
            } else {
                CallKind::Request
            };
            let response = self
                .send("query_async", &CallContext::none(), kind, request, call)
                .await
                .map_err(ApiError::client)?;
            let mut out = http::Response::new(response.body);
            *out.status_mut() = response.status;
            *out.headers_mut() = response.headers;
            Ok(out)
        })
    }
}
