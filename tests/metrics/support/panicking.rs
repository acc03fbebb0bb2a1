//! A GitLab that behaves like the one it wraps except that reading one chosen issue panics, as
//! a bug in parsing that issue would: the panic happens inside the job that syncs it.

use std::sync::Arc;

use steward::gitlab::{
    BoxFuture, CallContext, Epic, GitLab, GitLabError, InstanceVersion, IssueEdit, IssueQuery,
    Note, Page, PageCursor, WorkItem, WorkItemNote,
};
use steward_core::model::{
    EpicId, EpicIid, GroupId, Issue, IssueIid, LabelName, NoteId, ProjectId, UserRef, Username,
};

/// Delegates every call to `inner`; `get_issue` of `panic_on` panics with [`PANIC_MESSAGE`].
pub struct PanicsOnIssue {
    pub inner: Arc<dyn GitLab>,
    pub panic_on: IssueIid,
}

/// What the panic says.
pub const PANIC_MESSAGE: &str = "index out of range while parsing the issue's description";

impl GitLab for PanicsOnIssue {
    fn current_user<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<UserRef, GitLabError>> {
        self.inner.current_user(ctx)
    }

    fn get_issue<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>> {
        Box::pin(async move {
            let issue = self.inner.get_issue(ctx, project, iid).await?;
            if iid == self.panic_on {
                panic!("{PANIC_MESSAGE}");
            }
            Ok(issue)
        })
    }

    fn list_issues_page<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        query: &'a IssueQuery,
        cursor: &'a PageCursor,
    ) -> BoxFuture<'a, Result<Page<Issue>, GitLabError>> {
        self.inner.list_issues_page(ctx, project, query, cursor)
    }

    fn edit_issue<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        edit: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>> {
        self.inner.edit_issue(ctx, project, iid, edit)
    }

    fn list_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        self.inner.list_notes(ctx, project, iid)
    }

    fn create_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        self.inner.create_note(ctx, project, iid, body)
    }

    fn edit_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        note: NoteId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        self.inner.edit_note(ctx, project, iid, note, body)
    }

    fn project_labels<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
    ) -> BoxFuture<'a, Result<Vec<LabelName>, GitLabError>> {
        self.inner.project_labels(ctx, project)
    }

    fn create_label<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        label: &'a steward_core::rules::labels::LabelSpec,
    ) -> BoxFuture<'a, Result<(), GitLabError>> {
        self.inner.create_label(ctx, project, label)
    }

    fn user_by_username<'a>(
        &'a self,
        ctx: &'a CallContext,
        username: &'a Username,
    ) -> BoxFuture<'a, Result<Option<UserRef>, GitLabError>> {
        self.inner.user_by_username(ctx, username)
    }

    fn get_epic<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_iid: EpicIid,
    ) -> BoxFuture<'a, Result<Epic, GitLabError>> {
        self.inner.get_epic(ctx, group, epic_iid)
    }

    fn list_epic_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        self.inner.list_epic_notes(ctx, group, epic_id)
    }

    fn create_epic_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        self.inner.create_epic_note(ctx, group, epic_id, body)
    }

    fn edit_epic_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        note: NoteId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        self.inner.edit_epic_note(ctx, group, epic_id, note, body)
    }

    fn work_item_create_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        work_item_gid: &'a str,
        body: &'a str,
        internal: bool,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>> {
        self.inner
            .work_item_create_note(ctx, work_item_gid, body, internal)
    }

    fn work_item_update_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        note_gid: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>> {
        self.inner.work_item_update_note(ctx, note_gid, body)
    }

    fn version<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<InstanceVersion, GitLabError>> {
        self.inner.version(ctx)
    }

    fn create_internal_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<steward::gitlab::Note, GitLabError>> {
        self.inner.create_internal_note(ctx, project, iid, body)
    }

    fn link_issues<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        target: (ProjectId, IssueIid),
    ) -> BoxFuture<'a, Result<bool, GitLabError>> {
        self.inner.link_issues(ctx, project, iid, target)
    }

    fn get_work_item<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        namespace_path: &'a str,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<WorkItem, GitLabError>> {
        self.inner.get_work_item(ctx, project, namespace_path, iid)
    }

    fn work_item_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        work_item_gid: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        self.inner.work_item_notes(ctx, work_item_gid)
    }

    fn update_work_item<'a>(
        &'a self,
        ctx: &'a CallContext,
        namespace_path: &'a str,
        work_item_gid: &'a str,
        edit: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<(), GitLabError>> {
        self.inner
            .update_work_item(ctx, namespace_path, work_item_gid, edit)
    }
}
