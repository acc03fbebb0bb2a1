//! Shared by the client's operations: paging through a list endpoint (`x-next-page`, GITLAB.md
//! §3.3), the page parameters, and the two conversions every operation needs (a builder error,
//! a wire issue to a `model` issue).

use gitlab_api::api::endpoint_prelude::Endpoint;
use serde::de::DeserializeOwned;
use steward_core::model::Issue;

use super::super::CallContext;
use super::super::budget::CallKind;
use super::super::error::{CallSite, GitLabError};
use super::super::wire::RestIssue;
use super::{PER_PAGE, RestGitLab};

pub(super) fn invalid(what: &str, e: impl std::fmt::Display) -> GitLabError {
    GitLabError::InvalidRequest(format!("{what}: {e}"))
}

pub(super) fn to_issue(call: &CallSite, raw: RestIssue) -> Result<Issue, GitLabError> {
    Issue::try_from(raw).map_err(|message| GitLabError::Decode {
        call: call.clone(),
        message,
    })
}

pub(super) fn page_params(page: u32) -> [(&'static str, String); 2] {
    [
        ("page", page.to_string()),
        ("per_page", PER_PAGE.to_string()),
    ]
}

impl RestGitLab {
    /// Every page of a list endpoint, following `x-next-page`.
    pub(super) async fn all_pages<E, W>(
        &self,
        name: &'static str,
        ctx: &CallContext,
        endpoint: &E,
    ) -> Result<Vec<W>, GitLabError>
    where
        E: Endpoint,
        W: DeserializeOwned,
    {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let response = self
                .call(
                    name,
                    ctx,
                    CallKind::Request,
                    endpoint,
                    &page_params(page),
                    None,
                )
                .await?;
            all.extend(response.json::<Vec<W>>()?);
            match response.next_page()? {
                // A page number that does not advance would loop forever: treat it as the end.
                Some(next) if next > page => page = next,
                _ => return Ok(all),
            }
        }
    }
}
