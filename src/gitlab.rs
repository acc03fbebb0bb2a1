//! Everything that speaks GitLab's language: webhook payloads, the REST/GraphQL client and the
//! `GitLab` trait of domain operations. GitLab's wire types stay inside this module; nothing
//! here decides what to change on an issue (that is `rules` and the reconciler).
//!
//! The rest of Steward holds an `Arc<dyn GitLab>`: [`client::RestGitLab`] talks to a real
//! GitLab (or the simulator) over HTTP; tests can put a recording fake behind the same trait.

pub mod payload;

pub mod auth;
pub mod budget;
pub mod cached;
pub mod capabilities;
pub mod client;
pub mod error;
mod graphql;
mod health;
mod page;
mod query;
mod wire;
mod work_item;

use chrono::{DateTime, Utc};

use steward_core::model::{
    EpicId, EpicIid, GroupId, Issue, IssueIid, LabelName, NoteId, ProjectId, UserRef, Username,
};
use steward_core::rules::labels::LabelSpec;

pub use client::{ClientConfig, RestGitLab};
pub use error::GitLabError;
pub use page::{InstanceVersion, Page, PageCursor};
pub use query::{DueDateEdit, DueDateFilter, IssueEdit, IssueOrderBy, IssueQuery, SortDirection};
pub use work_item::{WorkItem, WorkItemNote};

pub use crate::boxed::BoxFuture;

/// Per-call context forwarded to GitLab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallContext {
    /// The `X-Gitlab-Event-UUID` of the webhook delivery this call answers. Forwarded as the
    /// same header so GitLab suppresses the echo to the same hook (GITLAB.md §5.3). `None` for
    /// sweeps and digests.
    pub event_uuid: Option<String>,
}

impl CallContext {
    /// A context for calls not caused by a webhook (sweep, digest, start-up).
    pub fn none() -> Self {
        Self { event_uuid: None }
    }

    /// A context for calls made while handling the delivery with this `X-Gitlab-Event-UUID`.
    pub fn for_event(event_uuid: impl Into<String>) -> Self {
        Self {
            event_uuid: Some(event_uuid.into()),
        }
    }
}

/// A comment on an issue or an epic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Note id (use it to edit the note).
    pub id: NoteId,
    /// Raw Markdown body (hidden markers survive).
    pub body: String,
    /// Who wrote it.
    pub author: UserRef,
    /// System notes ("changed the due date…") are GitLab's own, never Steward's.
    pub system: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub updated_at: DateTime<Utc>,
}

/// A group epic, for the weekly digest (GITLAB.md §3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epic {
    /// Global epic id: the one the epic-notes REST calls take (not the iid).
    pub id: EpicId,
    /// Group-scoped number (the `&123` users see).
    pub iid: EpicIid,
    /// The work item behind the epic (GitLab 17+): `gid://gitlab/WorkItem/<work_item_id>`.
    pub work_item_id: Option<u64>,
    /// Title.
    pub title: String,
    /// Web URL.
    pub web_url: String,
}

impl Epic {
    /// The GraphQL global id of the epic's work item, when GitLab reported one.
    pub fn work_item_gid(&self) -> Option<String> {
        self.work_item_id
            .map(|id| format!("gid://gitlab/WorkItem/{id}"))
    }
}

/// The GitLab operations Steward performs, in domain terms. Object safe: use it as
/// `Arc<dyn GitLab>`. Implementations retry only reads, in place and briefly (a 5xx or a short
/// 429 on one page must not throw a sweep away); any other transient [`GitLabError`] goes back
/// to the job runner, which retries the job with backoff honouring
/// [`GitLabError::retry_after`].
///
/// List calls come in two forms: `list_issues_page` returns one page so a sweep over 10,000
/// issues holds one page at a time (loop while `next` is `Some`); the other list calls
/// return every page because notes, labels and users are small.
pub trait GitLab: Send + Sync {
    /// The user the token belongs to (`GET /user`): Steward's bot identity, used to skip its
    /// own echoes by user id (GITLAB.md §5.3).
    fn current_user<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<UserRef, GitLabError>>;

    /// One issue by its project-scoped iid (`GET /projects/:id/issues/:iid`).
    /// `owned_note_keys` is left empty: the caller fills it from the notes it owns.
    fn get_issue<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>>;

    /// One page (100 issues) of a project's issues matching `query`, from `cursor`. A keyset
    /// cursor on a GitLab that does not support it comes back as offset paging (GitLab before
    /// 18.3 ignores `pagination=keyset`) or as a 405 refusal.
    fn list_issues_page<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        query: &'a IssueQuery,
        cursor: &'a PageCursor,
    ) -> BoxFuture<'a, Result<Page<Issue>, GitLabError>>;

    /// Every issue matching `query` by offset paging, following `x-next-page` until it is
    /// empty (this also works past 10,000 results, where GitLab omits `x-total`; GITLAB.md
    /// §3.3). For short lists (a digest's week); the sweep pages itself.
    fn list_issues<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        query: &'a IssueQuery,
    ) -> BoxFuture<'a, Result<Vec<Issue>, GitLabError>> {
        Box::pin(async move {
            let mut all = Vec::new();
            let mut cursor = PageCursor::Offset(1);
            loop {
                let got = self.list_issues_page(ctx, project, query, &cursor).await?;
                all.extend(got.items);
                match got.next {
                    Some(next) if cursor.advances_to(&next) => cursor = next,
                    _ => return Ok(all),
                }
            }
        })
    }

    /// Applies `edit` in exactly one `PUT /projects/:id/issues/:iid` and returns the issue as
    /// GitLab stored it. An empty edit is refused without a request.
    fn edit_issue<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        edit: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>>;

    /// Every note on an issue, system notes included, oldest first.
    fn list_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>>;

    /// Posts a comment on an issue. Counts against the note-creation budget.
    fn create_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>>;

    /// Replaces the body of an existing issue comment.
    fn edit_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        note: NoteId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>>;

    /// The names of every label usable in the project, ancestor-group labels included.
    fn project_labels<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
    ) -> BoxFuture<'a, Result<Vec<LabelName>, GitLabError>>;

    /// Creates a project label with its colour and description (`POST /projects/:id/labels`).
    /// Only `steward labels --apply` calls it: rules never create labels. GitLab answers 409
    /// when a label of that name is already available to the project.
    fn create_label<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        label: &'a LabelSpec,
    ) -> BoxFuture<'a, Result<(), GitLabError>>;

    /// The user with this username (GitLab matches case-insensitively), if one exists.
    fn user_by_username<'a>(
        &'a self,
        ctx: &'a CallContext,
        username: &'a Username,
    ) -> BoxFuture<'a, Result<Option<UserRef>, GitLabError>>;

    /// A group epic by its iid (`GET /groups/:id/epics/:epic_iid`).
    fn get_epic<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_iid: EpicIid,
    ) -> BoxFuture<'a, Result<Epic, GitLabError>>;

    /// Every note on an epic. Takes the epic **id** (`Epic::id`), not its iid (GITLAB.md §3.4).
    fn list_epic_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>>;

    /// Posts a comment on an epic (by epic **id**). Counts against the note-creation budget.
    fn create_epic_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>>;

    /// Replaces the body of an epic comment (by epic **id**).
    fn edit_epic_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        note: NoteId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>>;

    /// Posts a comment on a work item through GraphQL `createNote` (the successor of epic
    /// notes). `work_item_gid` is `gid://gitlab/WorkItem/<id>`; `internal`: a note only the
    /// project's Reporters and up see (GITLAB.md §3.2).
    fn work_item_create_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        work_item_gid: &'a str,
        body: &'a str,
        internal: bool,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>>;

    /// Replaces a note's body through GraphQL `updateNote` (`note_gid` is `gid://gitlab/Note/<id>`).
    fn work_item_update_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        note_gid: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>>;

    /// The instance's version (`GET /version`, any authenticated user; doc/api/version.md):
    /// what start-up decides the paging and epic paths from (`capabilities`).
    fn version<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<InstanceVersion, GitLabError>>;

    /// Posts an internal note (`internal: true`, shown to members of Reporter and up only,
    /// GITLAB.md §3.2; counts against the note budget). [`GitLab::edit_note`] keeps it internal.
    fn create_internal_note<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>>;

    /// Links two issues as `relates_to` (`POST …/issues/:iid/links`, `lib/api/issue_links.rb`);
    /// `Ok(false)` when already linked either way (GitLab's `409 Issue(s) already assigned`).
    fn link_issues<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        target: (ProjectId, IssueIid),
    ) -> BoxFuture<'a, Result<bool, GitLabError>>;
    /// A work item by namespace path and iid, via GraphQL `namespace(fullPath) { workItem(iid) }`
    /// (GITLAB.md §6.1); missing is a 404, like REST. `project`: the project it is filed under.
    fn get_work_item<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        namespace_path: &'a str,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<WorkItem, GitLabError>>;

    /// Every note on a work item (notes widget, all pages, system notes too), oldest first.
    fn work_item_notes<'a>(
        &'a self,
        ctx: &'a CallContext,
        work_item_gid: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>>;

    /// Applies `edit` in one `workItemUpdate` (labels, assignees, due-date widgets); label names
    /// resolve to ids in the project at `namespace_path`, a missing one is an error.
    fn update_work_item<'a>(
        &'a self,
        ctx: &'a CallContext,
        namespace_path: &'a str,
        work_item_gid: &'a str,
        edit: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<(), GitLabError>>;
}
