//! `GitLab` trait operations of [`RestGitLab`]: each one builds its request with the `gitlab`
//! crate's endpoint builders (epics and GraphQL, which the crate lacks, are in `epics`) and
//! maps the private wire types to `model` types. No retries, no decisions.

use gitlab_api::api::common::SortOrder;
use gitlab_api::api::projects::issues::Issue as IssueEndpoint;
use gitlab_api::api::projects::issues::notes::{
    CreateIssueNote, EditIssueNote, IssueNotes, NoteOrderBy,
};
use gitlab_api::api::projects::labels::Labels;
use gitlab_api::api::users::{CurrentUser, Users};

use super::super::budget::CallKind;
use super::super::error::GitLabError;
use super::super::wire::{RestLabel, RestNote, RestUser};
use super::super::{
    BoxFuture, CallContext, Epic, GitLab, InstanceVersion, IssueEdit, IssueQuery, Note, Page,
    PageCursor, WorkItem, WorkItemNote,
};
use super::RestGitLab;
use super::build::{issue_edit_endpoint, issue_list_endpoint};
use super::epics::NoteMutation;
use super::paging::{invalid, to_issue};
use steward_core::model::{
    EpicId, EpicIid, GroupId, Issue, IssueIid, LabelName, NoteId, ProjectId, UserRef, Username,
};
use steward_core::rules::labels::LabelSpec;

impl GitLab for RestGitLab {
    fn current_user<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<UserRef, GitLabError>> {
        Box::pin(async move {
            let endpoint = CurrentUser::builder()
                .build()
                .map_err(|e| invalid("user", e))?;
            let response = self
                .call("user.current", ctx, CallKind::Request, &endpoint, &[], None)
                .await?;
            Ok(response.json::<RestUser>()?.into())
        })
    }

    fn get_issue<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>> {
        Box::pin(async move {
            let endpoint = IssueEndpoint::builder()
                .project(project.0)
                .issue(iid.0)
                .build()
                .map_err(|e| invalid("issue", e))?;
            let response = self
                .call("issues.get", ctx, CallKind::Request, &endpoint, &[], None)
                .await?;
            to_issue(&response.call, response.json()?)
        })
    }

    fn list_issues_page<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        query: &'a IssueQuery,
        cursor: &'a PageCursor,
    ) -> BoxFuture<'a, Result<Page<Issue>, GitLabError>> {
        Box::pin(async move {
            let endpoint = issue_list_endpoint(project, query)?;
            self.issue_page(ctx, &endpoint, query, cursor).await
        })
    }

    fn edit_issue<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        edit: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>> {
        Box::pin(async move {
            if edit.is_empty() {
                return Err(GitLabError::InvalidRequest(format!(
                    "edit of issue {project}#{iid} changes nothing; no request sent"
                )));
            }
            let (endpoint, clear_due) = issue_edit_endpoint(project, iid, edit)?;
            let response = self
                .call(
                    "issues.edit",
                    ctx,
                    CallKind::Request,
                    &endpoint,
                    &[],
                    clear_due,
                )
                .await?;
            to_issue(&response.call, response.json()?)
        })
    }

    fn list_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        Box::pin(async move {
            let endpoint = IssueNotes::builder()
                .project(project.0)
                .issue(iid.0)
                .order_by(NoteOrderBy::CreatedAt)
                .sort(SortOrder::Ascending)
                .build()
                .map_err(|e| invalid("issue notes", e))?;
            let raw: Vec<RestNote> = self.all_pages("notes.list", ctx, &endpoint).await?;
            Ok(raw.into_iter().map(Note::from).collect())
        })
    }

    fn create_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        Box::pin(async move {
            // The last line of defence; callers send guarded bodies, and guarding is idempotent.
            let body = steward_core::untrusted::guard_body(body);
            let endpoint = CreateIssueNote::builder()
                .project(project.0)
                .issue(iid.0)
                .body(body.as_str())
                .build()
                .map_err(|e| invalid("note", e))?;
            let response = self
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
        })
    }

    fn edit_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        note: NoteId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        Box::pin(async move {
            let body = steward_core::untrusted::guard_body(body);
            let endpoint = EditIssueNote::builder()
                .project(project.0)
                .issue(iid.0)
                .note(note.0)
                .body(body.as_str())
                .build()
                .map_err(|e| invalid("note edit", e))?;
            let response = self
                .call("notes.edit", ctx, CallKind::Request, &endpoint, &[], None)
                .await?;
            Ok(response.json::<RestNote>()?.into())
        })
    }

    fn project_labels<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
    ) -> BoxFuture<'a, Result<Vec<LabelName>, GitLabError>> {
        Box::pin(async move {
            // Group labels are usable on the project's issues too, so they count as existing.
            let endpoint = Labels::builder()
                .project(project.0)
                .include_ancestor_groups(true)
                .build()
                .map_err(|e| invalid("labels", e))?;
            let raw: Vec<RestLabel> = self.all_pages("labels.list", ctx, &endpoint).await?;
            Ok(raw.into_iter().map(LabelName::from).collect())
        })
    }

    fn create_label<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        label: &'a LabelSpec,
    ) -> BoxFuture<'a, Result<(), GitLabError>> {
        Box::pin(super::labels::create_label(self, ctx, project, label))
    }

    fn user_by_username<'a>(
        &'a self,
        ctx: &'a CallContext,
        username: &'a Username,
    ) -> BoxFuture<'a, Result<Option<UserRef>, GitLabError>> {
        Box::pin(async move {
            let endpoint = Users::builder()
                .username(username.as_str())
                .build()
                .map_err(|e| invalid("users", e))?;
            let response = self
                .call(
                    "users.by_username",
                    ctx,
                    CallKind::Request,
                    &endpoint,
                    &[],
                    None,
                )
                .await?;
            // GITLAB.md §3.5: an array of 0 or 1 users; the match is case-insensitive.
            let users: Vec<RestUser> = response.json()?;
            Ok(users.into_iter().next().map(UserRef::from))
        })
    }

    fn get_epic<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_iid: EpicIid,
    ) -> BoxFuture<'a, Result<Epic, GitLabError>> {
        Box::pin(self.epic(ctx, group, epic_iid))
    }

    fn list_epic_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        Box::pin(self.epic_notes(ctx, group, epic_id))
    }

    fn create_epic_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        Box::pin(self.epic_note_write(ctx, group, epic_id, None, body))
    }

    fn edit_epic_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        note: NoteId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        Box::pin(self.epic_note_write(ctx, group, epic_id, Some(note), body))
    }

    fn work_item_create_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        work_item_gid: &'a str,
        body: &'a str,
        internal: bool,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>> {
        let mutation = NoteMutation::Create { internal };
        Box::pin(self.graphql_note(ctx, mutation, work_item_gid, body))
    }

    fn work_item_update_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        note_gid: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>> {
        Box::pin(self.graphql_note(ctx, NoteMutation::Update, note_gid, body))
    }

    fn version<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<InstanceVersion, GitLabError>> {
        Box::pin(self.instance_version(ctx))
    }

    fn create_internal_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        Box::pin(super::links::create_internal_note(
            self, ctx, project, iid, body,
        ))
    }

    fn link_issues<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        target: (ProjectId, IssueIid),
    ) -> BoxFuture<'a, Result<bool, GitLabError>> {
        Box::pin(super::links::link_issues(self, ctx, project, iid, target))
    }

    fn get_work_item<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        namespace_path: &'a str,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<WorkItem, GitLabError>> {
        Box::pin(self.read_work_item(ctx, project, namespace_path, iid))
    }

    fn work_item_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        work_item_gid: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        Box::pin(self.read_work_item_notes(ctx, work_item_gid))
    }

    fn update_work_item<'a>(
        &'a self,
        ctx: &'a CallContext,
        namespace_path: &'a str,
        work_item_gid: &'a str,
        edit: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<(), GitLabError>> {
        Box::pin(self.write_work_item(ctx, namespace_path, work_item_gid, edit))
    }
}
