//! A [`GitLab`] that remembers slow-changing answers of the one it wraps, so a webhook costs one
//! issue read: a project's labels for ten minutes, a username's user for the life of the process.
//! Every other call goes straight through. Start-up wraps the client; all hold an `Arc<dyn GitLab>`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::RwLock;

use super::capabilities::SharedCapabilities;
use super::{
    BoxFuture, CallContext, Epic, GitLab, GitLabError, InstanceVersion, IssueEdit, IssueQuery,
    Note, Page, PageCursor, WorkItem, WorkItemNote,
};
use steward_core::model::{
    EpicId, EpicIid, GroupId, Issue, IssueIid, LabelName, NoteId, ProjectId, UserId, UserRef,
    Username,
};
use steward_core::rules::labels::LabelSpec;

/// How long a project's label list is trusted before it is read again.
pub const LABEL_CACHE_TTL: Duration = Duration::from_secs(600);
/// The shortest interval between two forced re-reads of a project's labels.
pub const LABEL_REFRESH_MIN: Duration = Duration::from_secs(60);

/// Read-through caches of project labels and user lookups around another [`GitLab`].
pub struct CachedGitLab {
    inner: Arc<dyn GitLab>,
    labels: RwLock<HashMap<ProjectId, (Vec<LabelName>, Instant)>>,
    users: RwLock<HashMap<String, Option<UserRef>>>,
    capabilities: SharedCapabilities,
}

impl std::fmt::Debug for CachedGitLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedGitLab").finish_non_exhaustive()
    }
}

impl CachedGitLab {
    /// Empty caches in front of `inner`.
    pub fn new(inner: Arc<dyn GitLab>) -> Self {
        Self {
            inner,
            labels: RwLock::default(),
            users: RwLock::default(),
            capabilities: SharedCapabilities::default(),
        }
    }

    /// What the instance supports (probed at start-up, see `capabilities`).
    pub fn capabilities(&self) -> &SharedCapabilities {
        &self.capabilities
    }

    /// The project's labels read again, unless they were read within [`LABEL_REFRESH_MIN`]:
    /// for when the rules want a label the cached list lacks (it may have been created since),
    /// while a label that is really missing costs at most one listing a minute, not one per
    /// issue.
    pub async fn refresh_labels(
        &self,
        ctx: &CallContext,
        project: ProjectId,
    ) -> Result<Vec<LabelName>, GitLabError> {
        self.labels_within(ctx, project, LABEL_REFRESH_MIN).await
    }

    /// The project's labels as a set; `refresh` is [`Self::refresh_labels`] (the rules want a
    /// label the cached list lacks), otherwise the list cached for [`LABEL_CACHE_TTL`].
    pub async fn label_set(
        &self,
        project: ProjectId,
        refresh: bool,
    ) -> Result<BTreeSet<LabelName>, GitLabError> {
        let ctx = CallContext::none();
        let labels = if refresh {
            self.refresh_labels(&ctx, project).await?
        } else {
            self.labels_within(&ctx, project, LABEL_CACHE_TTL).await?
        };
        Ok(labels.into_iter().collect())
    }

    /// Ids of the given usernames (lower-cased keys); unknown users are left out. Each
    /// username is looked up once per process.
    pub async fn user_ids(
        &self,
        usernames: &[Username],
    ) -> Result<HashMap<String, UserId>, GitLabError> {
        let mut out = HashMap::new();
        for name in usernames {
            let key = name.as_str().to_ascii_lowercase();
            if let Some(user) = self
                .user_by_username(&CallContext::none(), &Username(key.clone()))
                .await?
            {
                out.insert(key, user.id);
            }
        }
        Ok(out)
    }

    async fn labels_within(
        &self,
        ctx: &CallContext,
        project: ProjectId,
        fresh_enough: Duration,
    ) -> Result<Vec<LabelName>, GitLabError> {
        if let Some((labels, at)) = self.labels.read().await.get(&project)
            && at.elapsed() < fresh_enough
        {
            return Ok(labels.clone());
        }
        let labels = self.inner.project_labels(ctx, project).await?;
        self.labels
            .write()
            .await
            .insert(project, (labels.clone(), Instant::now()));
        Ok(labels)
    }

    async fn user(
        &self,
        ctx: &CallContext,
        username: &Username,
    ) -> Result<Option<UserRef>, GitLabError> {
        // GitLab matches usernames case-insensitively: one entry per lower-cased name.
        let key = username.as_str().to_ascii_lowercase();
        if let Some(found) = self.users.read().await.get(&key) {
            return Ok(found.clone());
        }
        let found = self
            .inner
            .user_by_username(ctx, &Username(key.clone()))
            .await?;
        self.users.write().await.insert(key, found.clone());
        Ok(found)
    }
}

impl GitLab for CachedGitLab {
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
        self.inner.get_issue(ctx, project, iid)
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

    fn list_issues<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        query: &'a IssueQuery,
    ) -> BoxFuture<'a, Result<Vec<Issue>, GitLabError>> {
        self.inner.list_issues(ctx, project, query)
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

    /// Served from the cache while it is younger than [`LABEL_CACHE_TTL`].
    fn project_labels<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
    ) -> BoxFuture<'a, Result<Vec<LabelName>, GitLabError>> {
        Box::pin(self.labels_within(ctx, project, LABEL_CACHE_TTL))
    }

    /// Passed through; the project's cached label list is dropped, so the next read sees the
    /// new label.
    fn create_label<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        label: &'a LabelSpec,
    ) -> BoxFuture<'a, Result<(), GitLabError>> {
        Box::pin(async move {
            let result = self.inner.create_label(ctx, project, label).await;
            self.labels.write().await.remove(&project);
            result
        })
    }

    /// Each username (case-insensitively) is looked up once per process, found or not.
    fn user_by_username<'a>(
        &'a self,
        ctx: &'a CallContext,
        username: &'a Username,
    ) -> BoxFuture<'a, Result<Option<UserRef>, GitLabError>> {
        Box::pin(self.user(ctx, username))
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
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
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

#[cfg(test)]
mod tests;
