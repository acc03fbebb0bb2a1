//! Internal notes and issue links over REST, with the `gitlab` crate's endpoint builders:
//! `POST /projects/:id/issues/:iid/notes` with `internal=true` (GITLAB.md §3.2) and
//! `POST /projects/:id/issues/:iid/links` (GitLab's `lib/api/issue_links.rb`). No retries: a
//! write is made once; a link GitLab already has (409) is reported as "not new", not an error.

use gitlab_api::api::projects::issues::links::{CreateIssueLink, IssueLinkType};
use gitlab_api::api::projects::issues::notes::CreateIssueNote;

use super::super::budget::CallKind;
use super::super::error::GitLabError;
use super::super::wire::RestNote;
use super::super::{CallContext, Note};
use super::RestGitLab;
use super::paging::invalid;
use steward_core::model::{IssueIid, ProjectId};

/// Posts `body` as an internal note on the issue.
pub(super) async fn create_internal_note(
    client: &RestGitLab,
    ctx: &CallContext,
    project: ProjectId,
    iid: IssueIid,
    body: &str,
) -> Result<Note, GitLabError> {
    // The last line of defence, as for every note: guarding is idempotent.
    let body = steward_core::untrusted::guard_body(body);
    let endpoint = CreateIssueNote::builder()
        .project(project.0)
        .issue(iid.0)
        .body(body.as_str())
        .internal(true)
        .build()
        .map_err(|e| invalid("note", e))?;
    let response = client
        .call(
            "notes.create",
            ctx,
            CallKind::NoteCreation,
            &endpoint,
            &[],
            None,
        )
        .await?;
    Ok(response.json::<RestNote>()?.into())
}

/// Links the issue to `target` as `relates_to`; `false` when GitLab already had the link.
pub(super) async fn link_issues(
    client: &RestGitLab,
    ctx: &CallContext,
    project: ProjectId,
    iid: IssueIid,
    (target_project, target_iid): (ProjectId, IssueIid),
) -> Result<bool, GitLabError> {
    let endpoint = CreateIssueLink::builder()
        .project(project.0)
        .issue(iid.0)
        .target_project(target_project.0)
        .target_issue(target_iid.0)
        .link_type(IssueLinkType::RelatesTo)
        .build()
        .map_err(|e| invalid("issue link", e))?;
    let sent = client
        .call("links.create", ctx, CallKind::Request, &endpoint, &[], None)
        .await;
    match sent {
        Ok(_) => Ok(true),
        Err(e) if e.status() == Some(409) => Ok(false),
        Err(e) => Err(e),
    }
}
