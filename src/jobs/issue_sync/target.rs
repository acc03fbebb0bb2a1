//! Where issue sync reads and writes one item: the Issues REST API when it shows the item,
//! else the WorkItem GraphQL API (custom work item types are not in the REST issue family;
//! GITLAB.md §6.1). It only routes calls; what to write is decided elsewhere.

use crate::gitlab::{CallContext, GitLab, GitLabError, IssueEdit};
use crate::jobs::IssueSync;
use steward_core::model::{Issue, IssueIid, NoteId, ProjectId};

/// The API an item is read and edited through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// `/projects/:id/issues/:iid` and its notes.
    Rest {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
    },
    /// GraphQL on `gid://gitlab/WorkItem/<id>`, found by the project's path and the iid.
    WorkItem {
        /// The project's full path.
        path: String,
        /// The work item's global id.
        gid: String,
    },
}

impl Target {
    /// Reads the item: through REST, and when REST does not show it (404) and the webhook
    /// gave the project's path, through GraphQL. A 404 from both means the item is gone.
    pub(super) async fn read(
        gitlab: &dyn GitLab,
        job: &IssueSync,
        ctx: &CallContext,
    ) -> Result<(Issue, Target), GitLabError> {
        let (project, iid) = (job.project, job.iid);
        match gitlab.get_issue(ctx, project, iid).await {
            Ok(issue) => Ok((issue, Target::Rest { project, iid })),
            Err(e) if e.is_not_found() => {
                let Some(path) = job.project_path.as_deref() else {
                    return Err(e);
                };
                let item = match gitlab.get_work_item(ctx, project, path, iid).await {
                    Ok(item) => item,
                    // Gone from both: REST's answer says it best ("404 Issue Not Found").
                    Err(again) if again.is_not_found() => return Err(e),
                    Err(again) => return Err(again),
                };
                tracing::debug!(gid = %item.gid, "not in the Issues API; read as a work item");
                let target = Target::WorkItem {
                    path: path.to_owned(),
                    gid: item.gid,
                };
                Ok((item.issue, target))
            }
            Err(e) => Err(e),
        }
    }

    /// The work item's global id, when the item is edited through GraphQL.
    pub(super) fn work_item_gid(&self) -> Option<&str> {
        match self {
            Target::Rest { .. } => None,
            Target::WorkItem { gid, .. } => Some(gid),
        }
    }

    /// The call of an edit, as the audit log records it.
    pub(super) fn edit_call(&self) -> String {
        match self {
            Target::Rest { project, iid } => format!("PUT /projects/{project}/issues/{iid}"),
            Target::WorkItem { gid, .. } => format!("POST /api/graphql workItemUpdate {gid}"),
        }
    }

    /// The call of a note creation (`note: None`) or edit, as the audit log records it.
    pub(super) fn note_call(&self, note: Option<NoteId>) -> String {
        match (self, note) {
            (Target::Rest { project, iid }, None) => {
                format!("POST /projects/{project}/issues/{iid}/notes")
            }
            (Target::Rest { project, iid }, Some(n)) => {
                format!("PUT /projects/{project}/issues/{iid}/notes/{n}")
            }
            (Target::WorkItem { gid, .. }, None) => format!("POST /api/graphql createNote {gid}"),
            (Target::WorkItem { .. }, Some(n)) => {
                format!("POST /api/graphql updateNote gid://gitlab/Note/{n}")
            }
        }
    }

    /// The answer status the audit log records for a created note.
    pub(super) fn created_status(&self) -> u16 {
        match self {
            Target::Rest { .. } => 201,
            Target::WorkItem { .. } => 200,
        }
    }

    /// Applies the edit in one call; returns the issue as REST answered (GraphQL: `None`).
    pub(super) async fn edit(
        &self,
        gitlab: &dyn GitLab,
        ctx: &CallContext,
        edit: &IssueEdit,
    ) -> Result<Option<Issue>, GitLabError> {
        match self {
            Target::Rest { project, iid } => {
                Ok(Some(gitlab.edit_issue(ctx, *project, *iid, edit).await?))
            }
            Target::WorkItem { path, gid } => {
                gitlab.update_work_item(ctx, path, gid, edit).await?;
                Ok(None)
            }
        }
    }

    /// Posts a note (`internal`: shown to the project's Reporters and up only, GITLAB.md
    /// §3.2); returns its id.
    pub(super) async fn create_note(
        &self,
        gitlab: &dyn GitLab,
        ctx: &CallContext,
        body: &str,
        internal: bool,
    ) -> Result<NoteId, GitLabError> {
        match self {
            Target::Rest { project, iid } if internal => Ok(gitlab
                .create_internal_note(ctx, *project, *iid, body)
                .await?
                .id),
            Target::Rest { project, iid } => {
                Ok(gitlab.create_note(ctx, *project, *iid, body).await?.id)
            }
            Target::WorkItem { gid, .. } => {
                let note = gitlab
                    .work_item_create_note(ctx, gid, body, internal)
                    .await?;
                note.note_id()
            }
        }
    }

    /// Replaces a note's body; returns its id.
    pub(super) async fn edit_note(
        &self,
        gitlab: &dyn GitLab,
        ctx: &CallContext,
        note: NoteId,
        body: &str,
    ) -> Result<NoteId, GitLabError> {
        match self {
            Target::Rest { project, iid } => {
                Ok(gitlab.edit_note(ctx, *project, *iid, note, body).await?.id)
            }
            Target::WorkItem { .. } => {
                let gid = format!("gid://gitlab/Note/{note}");
                let note = gitlab.work_item_update_note(ctx, &gid, body).await?;
                note.note_id()
            }
        }
    }
}
