//! Creating a project label over REST (`POST /projects/:id/labels`, GITLAB.md §3.5) with the
//! `gitlab` crate's endpoint builder. No retries: a write is made once, and its 409 ("Label
//! already exists") is the caller's to read.

use gitlab_api::api::projects::labels::CreateLabel;

use super::super::CallContext;
use super::super::budget::CallKind;
use super::super::error::GitLabError;
use super::RestGitLab;
use super::paging::invalid;
use steward_core::model::ProjectId;
use steward_core::rules::labels::LabelSpec;

/// Sends the creation of `label` in `project`.
pub(super) async fn create_label(
    client: &RestGitLab,
    ctx: &CallContext,
    project: ProjectId,
    label: &LabelSpec,
) -> Result<(), GitLabError> {
    let mut builder = CreateLabel::builder();
    builder
        .project(project.0)
        .name(label.name.as_str())
        .color(label.color.as_str());
    if !label.description.is_empty() {
        builder.description(label.description.as_str());
    }
    let endpoint = builder.build().map_err(|e| invalid("label", e))?;
    client
        .call(
            "labels.create",
            ctx,
            CallKind::Request,
            &endpoint,
            &[],
            None,
        )
        .await?;
    Ok(())
}
