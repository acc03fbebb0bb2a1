//! Shared by the client's operations: paging through a list endpoint (`x-next-page`, GITLAB.md
//! §3.3), one page of project issues by offset or by keyset (`pagination=keyset`, the `Link`
//! `rel="next"` URL; GITLAB.md §6.3), the page parameters, and the two conversions every
//! operation needs (a builder error, a wire issue to a `model` issue).

use gitlab_api::api::endpoint_prelude::Endpoint;
use serde::de::DeserializeOwned;
use steward_core::model::Issue;

use super::super::budget::CallKind;
use super::super::error::{CallSite, GitLabError};
use super::super::wire::RestIssue;
use super::super::{CallContext, IssueQuery, Page, PageCursor};
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

/// The query pairs a first page adds: `page`/`per_page`, or `pagination=keyset` with the
/// `order_by` and `sort` keyset requires (doc/api/rest/_index.md: "both mandatory"; GitLab's
/// defaults for issues are `created_at` and `desc`).
fn first_page_params(query: &IssueQuery, cursor: &PageCursor) -> Vec<(&'static str, String)> {
    match cursor {
        PageCursor::Offset(page) => page_params(*page).to_vec(),
        PageCursor::Keyset(_) => {
            let mut pairs = vec![
                ("pagination", "keyset".to_owned()),
                ("per_page", PER_PAGE.to_string()),
            ];
            if query.order_by.is_none() {
                pairs.push(("order_by", "created_at".to_owned()));
            }
            if query.sort.is_none() {
                pairs.push(("sort", "desc".to_owned()));
            }
            pairs
        }
    }
}

/// The `rel="next"` URL of a `Link` header (`<url>; rel="next", <url>; rel="first"`).
pub(crate) fn link_next(link: &str) -> Option<&str> {
    let mut rest = link;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let url = &after[..close];
        let params = &after[close + 1..];
        let params = &params[..params.find('<').unwrap_or(params.len())];
        let is_next = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
        });
        if is_next {
            return Some(url);
        }
        rest = &after[close + 1..];
    }
    None
}

impl RestGitLab {
    /// One page of issues from `endpoint` (`GET /projects/:id/issues` with the query's filters)
    /// at `cursor`. An offset answer (`x-page` or `x-next-page` present; keyset pages carry
    /// neither) continues by `x-next-page`, even to a keyset request: GitLab before 18.3
    /// ignores `pagination=keyset` and pages by offset.
    pub(super) async fn issue_page<E: Endpoint>(
        &self,
        ctx: &CallContext,
        endpoint: &E,
        query: &IssueQuery,
        cursor: &PageCursor,
    ) -> Result<Page<Issue>, GitLabError> {
        let response = match cursor {
            PageCursor::Keyset(Some(link)) => self.follow_link(ctx, endpoint, link).await?,
            first => {
                let params = first_page_params(query, first);
                self.call(
                    "issues.list",
                    ctx,
                    CallKind::Request,
                    endpoint,
                    &params,
                    None,
                )
                .await?
            }
        };
        let raw: Vec<RestIssue> = response.json()?;
        let items = raw
            .into_iter()
            .map(|i| to_issue(&response.call, i))
            .collect::<Result<Vec<_>, _>>()?;
        let offset = response.headers.contains_key("x-page")
            || response.headers.contains_key(super::NEXT_PAGE);
        let next = if offset {
            response.next_page()?.map(PageCursor::Offset)
        } else {
            response
                .headers
                .get(http::header::LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(link_next)
                .map(|url| PageCursor::Keyset(Some(url.to_owned())))
        };
        Ok(Page { items, next })
    }

    /// Follows a keyset `Link` as GitLab gave it (its query carries the cursor and every
    /// filter), on the configured GitLab: the link's host is GitLab's external URL, which may
    /// not be the address Steward reaches it at, and the token must not travel to any other
    /// host. A link to another endpoint is refused.
    async fn follow_link<E: Endpoint>(
        &self,
        ctx: &CallContext,
        endpoint: &E,
        link: &str,
    ) -> Result<super::Response, GitLabError> {
        let mut url = self.rest_url(&endpoint.endpoint())?;
        let call = CallSite {
            method: "GET".into(),
            path: url.path().to_owned(),
        };
        let given = reqwest::Url::parse(link).map_err(|e| GitLabError::Decode {
            call: call.clone(),
            message: format!("the Link rel=\"next\" is not a URL: {e}"),
        })?;
        let suffix = format!("/api/v4/{}", endpoint.endpoint());
        if !given.path().ends_with(&suffix) {
            return Err(GitLabError::Decode {
                call,
                message: format!(
                    "the Link rel=\"next\" points at {}, not at {suffix}",
                    given.path()
                ),
            });
        }
        url.set_query(given.query());
        let request = reqwest::Request::new(reqwest::Method::GET, url);
        self.send("issues.list", ctx, CallKind::Request, request, call)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::link_next;

    #[test]
    fn the_next_link_is_found_among_gitlabs_link_relations() {
        let offset = "<https://g/api/v4/projects/4/issues?page=1&per_page=100>; rel=\"prev\", \
            <https://g/api/v4/projects/4/issues?page=3&per_page=100>; rel=\"next\", \
            <https://g/api/v4/projects/4/issues?page=1&per_page=100>; rel=\"first\"";
        assert_eq!(
            link_next(offset),
            Some("https://g/api/v4/projects/4/issues?page=3&per_page=100")
        );
        let keyset = "<https://g/api/v4/projects/4/issues?cursor=eyJpZCI6IjUifQ%3D%3D&pagination=keyset>; rel=\"next\"";
        assert_eq!(
            link_next(keyset),
            Some(
                "https://g/api/v4/projects/4/issues?cursor=eyJpZCI6IjUifQ%3D%3D&pagination=keyset"
            )
        );
        assert_eq!(link_next("<https://g/x?page=1>; rel=\"first\""), None);
        assert_eq!(link_next(""), None);
        assert_eq!(link_next("<broken"), None);
    }
}
