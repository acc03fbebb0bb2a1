//! A recording fake GitLab: issues, notes, labels and users held in memory, every call recorded
//! in order with its arguments, and any call made to fail on demand. It implements
//! [`steward::gitlab::GitLab`], so Steward's jobs run against it unchanged; tests then assert
//! the exact calls made.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use steward::gitlab::error::CallSite;
use steward::gitlab::{
    BoxFuture, DueDateEdit, GitLabError, IssueEdit, IssueOrderBy, IssueQuery, Note, Page,
    PageCursor, SortDirection,
};
use steward_core::model::{
    Issue, IssueIid, IssueState, LabelName, NoteId, ProjectId, StateChange, UserId, UserRef,
    Username,
};

/// One call Steward made, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `GET /user`.
    CurrentUser,
    /// `GET /projects/:id/issues/:iid`.
    GetIssue {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
        /// The forwarded `X-Gitlab-Event-UUID`.
        event_uuid: Option<String>,
    },
    /// One page of `GET /projects/:id/issues`.
    ListIssuesPage {
        /// Project.
        project: ProjectId,
        /// Filters.
        query: IssueQuery,
        /// Where the page starts (offset page or keyset link).
        cursor: PageCursor,
    },
    /// `PUT /projects/:id/issues/:iid`.
    EditIssue {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
        /// The edit sent.
        edit: IssueEdit,
    },
    /// `GET /projects/:id/issues/:iid/notes`.
    ListNotes {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
    },
    /// `POST /projects/:id/issues/:iid/notes`.
    CreateNote {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
        /// Body.
        body: String,
    },
    /// `PUT /projects/:id/issues/:iid/notes/:note_id`.
    EditNote {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
        /// The note.
        note: NoteId,
        /// New body.
        body: String,
    },
    /// `GET /projects/:id/labels`.
    ProjectLabels {
        /// Project.
        project: ProjectId,
    },
    /// `POST /projects/:id/labels`.
    CreateLabel {
        /// Project.
        project: ProjectId,
        /// The label's name.
        name: LabelName,
        /// Its colour.
        color: String,
    },
    /// `GET /users?username=`.
    UserByUsername {
        /// The name asked for.
        username: Username,
    },
    /// Any epic or work-item call (the fake holds no epics: they answer 404).
    Epic {
        /// The trait method called.
        method: &'static str,
    },
    /// `GET /version`.
    Version,
    /// `POST /projects/:id/issues/:iid/notes` with `internal=true`.
    CreateInternalNote {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
        /// Body.
        body: String,
    },
    /// `POST /projects/:id/issues/:iid/links` (`relates_to`).
    LinkIssues {
        /// Project.
        project: ProjectId,
        /// Issue.
        iid: IssueIid,
        /// The other issue's project.
        target_project: ProjectId,
        /// The other issue.
        target_iid: IssueIid,
    },
}

impl Call {
    /// The trait method's name (`edit_issue`, `create_note`…), as [`FakeGitLab::fail_next`]
    /// takes it.
    pub fn method(&self) -> &'static str {
        match self {
            Call::CurrentUser => "current_user",
            Call::GetIssue { .. } => "get_issue",
            Call::ListIssuesPage { .. } => "list_issues_page",
            Call::EditIssue { .. } => "edit_issue",
            Call::ListNotes { .. } => "list_notes",
            Call::CreateNote { .. } => "create_note",
            Call::EditNote { .. } => "edit_note",
            Call::ProjectLabels { .. } => "project_labels",
            Call::CreateLabel { .. } => "create_label",
            Call::UserByUsername { .. } => "user_by_username",
            Call::Epic { method } => method,
            Call::Version => "version",
            Call::CreateInternalNote { .. } => "create_internal_note",
            Call::LinkIssues { .. } => "link_issues",
        }
    }

    /// Whether the call changes something in GitLab.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Call::EditIssue { .. }
                | Call::CreateNote { .. }
                | Call::EditNote { .. }
                | Call::CreateLabel { .. }
                | Call::CreateInternalNote { .. }
                | Call::LinkIssues { .. }
        )
    }
}

/// How a call made to fail fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A 5xx answer (transient).
    Server(u16),
    /// A refusal such as 403 or 404 (permanent).
    Rejected(u16),
    /// A 429 with an optional `Retry-After`.
    RateLimited(Option<Duration>),
}

impl Failure {
    fn error(self, method: &str, path: String) -> GitLabError {
        let call = CallSite {
            method: method.to_owned(),
            path,
        };
        let message = "injected by the fake".to_owned();
        match self {
            Failure::Server(status) => GitLabError::Server {
                call,
                status,
                message,
            },
            Failure::Rejected(status) => GitLabError::Rejected {
                call,
                status,
                message,
            },
            Failure::RateLimited(retry_after) => GitLabError::RateLimited { call, retry_after },
        }
    }
}

#[derive(Debug)]
struct World {
    now: DateTime<Utc>,
    bot: UserRef,
    issues: BTreeMap<(ProjectId, IssueIid), Issue>,
    notes: BTreeMap<(ProjectId, IssueIid), Vec<Note>>,
    labels: BTreeMap<ProjectId, Vec<LabelName>>,
    users: Vec<UserRef>,
    calls: Vec<Call>,
    failures: Vec<(&'static str, Failure)>,
    next_note: u64,
    version: String,
    /// Linked pairs, smaller first (a link is seen from both issues).
    links: std::collections::BTreeSet<((ProjectId, IssueIid), (ProjectId, IssueIid))>,
}

/// The recording fake. Build it with [`FakeGitLab::new`], fill it, hand it to Steward as
/// `Arc<dyn GitLab>`, then read [`FakeGitLab::calls`].
#[derive(Debug)]
pub struct FakeGitLab {
    world: Mutex<World>,
}

mod behaviour;

impl FakeGitLab {
    /// An empty GitLab whose token belongs to `bot`, at `now` (stamped on writes).
    pub fn new(bot: UserRef, now: DateTime<Utc>) -> Self {
        let world = World {
            now,
            users: vec![bot.clone()],
            bot,
            issues: BTreeMap::new(),
            notes: BTreeMap::new(),
            labels: BTreeMap::new(),
            calls: Vec::new(),
            failures: Vec::new(),
            next_note: 1000,
            version: "19.1.0-ee".to_owned(),
            links: Default::default(),
        };
        Self {
            world: Mutex::new(world),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A test that panicked while holding the lock has failed already; carry on reading.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a user.
    pub fn add_user(&self, id: u64, username: &str) -> UserRef {
        let user = UserRef {
            id: UserId(id),
            username: Username(username.to_owned()),
        };
        self.world().users.push(user.clone());
        user
    }

    /// Sets a project's labels.
    pub fn set_labels(&self, project: ProjectId, labels: &[&str]) {
        let labels = labels.iter().map(|l| LabelName::from(*l)).collect();
        self.world().labels.insert(project, labels);
    }

    /// Adds or replaces an issue.
    pub fn put_issue(&self, issue: Issue) {
        self.world()
            .issues
            .insert((issue.project_id, issue.iid), issue);
    }

    /// The issue as GitLab holds it now.
    pub fn issue(&self, project: ProjectId, iid: IssueIid) -> Option<Issue> {
        self.world().issues.get(&(project, iid)).cloned()
    }

    /// Changes an issue as a person would (bumping `updated_at`).
    pub fn edit_as_person(
        &self,
        project: ProjectId,
        iid: IssueIid,
        change: impl FnOnce(&mut Issue),
    ) {
        let mut w = self.world();
        let now = w.now;
        if let Some(issue) = w.issues.get_mut(&(project, iid)) {
            change(issue);
            issue.updated_at = now;
        }
    }

    /// The issue's notes, oldest first.
    pub fn notes(&self, project: ProjectId, iid: IssueIid) -> Vec<Note> {
        self.world()
            .notes
            .get(&(project, iid))
            .cloned()
            .unwrap_or_default()
    }

    /// Deletes a note, as a person would.
    pub fn delete_note(&self, project: ProjectId, iid: IssueIid, note: NoteId) {
        if let Some(notes) = self.world().notes.get_mut(&(project, iid)) {
            notes.retain(|n| n.id != note);
        }
    }

    /// Moves the fake's clock (stamped on notes and edits).
    pub fn set_now(&self, now: DateTime<Utc>) {
        self.world().now = now;
    }

    /// The version `GET /version` reports (`19.1.0-ee` unless set).
    pub fn set_version(&self, version: &str) {
        self.world().version = version.to_owned();
    }

    /// Makes the next call of `method` (a [`Call::method`] name) fail with `failure`. The
    /// failing call is recorded like any other. Several failures queue up in order.
    pub fn fail_next(&self, method: &'static str, failure: Failure) {
        self.world().failures.push((method, failure));
    }

    /// Every call made so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.world().calls.clone()
    }

    /// The calls made so far, forgetting them.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.world().calls)
    }

    /// Records `call`; fails it when a failure is queued for its method.
    fn record(
        &self,
        call: Call,
        method: &str,
        path: impl FnOnce() -> String,
    ) -> Result<(), GitLabError> {
        let mut w = self.world();
        let name = call.method();
        w.calls.push(call);
        match w.failures.iter().position(|(m, _)| *m == name) {
            Some(i) => Err(w.failures.remove(i).1.error(method, path())),
            None => Ok(()),
        }
    }

    /// The writes among the calls made so far, forgetting every call.
    pub fn take_writes(&self) -> Vec<Call> {
        self.take_calls()
            .into_iter()
            .filter(Call::is_write)
            .collect()
    }
}

fn issue_path(project: ProjectId, iid: IssueIid) -> String {
    format!("/api/v4/projects/{project}/issues/{iid}")
}

fn not_found(method: &str, path: String) -> GitLabError {
    Failure::Rejected(404).error(method, path)
}

fn apply_edit(issue: &mut Issue, edit: &IssueEdit, users: &[UserRef], now: DateTime<Utc>) {
    for l in &edit.remove_labels {
        issue.labels.remove(l);
    }
    issue.labels.extend(edit.add_labels.iter().cloned());
    if let Some(ids) = &edit.assignee_ids {
        issue.assignees = ids
            .iter()
            .filter_map(|id| users.iter().find(|u| u.id == *id).cloned())
            .collect();
    }
    match edit.due_date {
        Some(DueDateEdit::Set(d)) => issue.due_date = Some(d),
        Some(DueDateEdit::Clear) => issue.due_date = None,
        None => {}
    }
    match edit.state_event {
        Some(StateChange::Close) => {
            issue.state = IssueState::Closed;
            issue.closed_at = Some(now);
        }
        Some(StateChange::Reopen) => {
            issue.state = IssueState::Opened;
            issue.closed_at = None;
        }
        None => {}
    }
    issue.updated_at = now;
}

/// The fake's keyset links: `fake://keyset/<index of the next issue>`.
const FAKE_KEYSET: &str = "fake://keyset/";

fn listed(issues: Vec<Issue>, query: &IssueQuery, cursor: &PageCursor) -> Page<Issue> {
    let mut items: Vec<Issue> = issues
        .into_iter()
        .filter(|i| query.state.is_none_or(|s| i.state == s))
        .filter(|i| query.labels.iter().all(|l| i.labels.contains(l)))
        .filter(|i| query.updated_after.is_none_or(|t| i.updated_at > t))
        .filter(|i| query.updated_before.is_none_or(|t| i.updated_at <= t))
        .collect();
    if query.order_by == Some(IssueOrderBy::UpdatedAt) {
        items.sort_by_key(|i| i.updated_at);
    }
    if query.sort != Some(SortDirection::Asc) {
        items.reverse();
    }
    const PER_PAGE: usize = 100;
    let start = match cursor {
        PageCursor::Offset(page) => (page.max(&1) - 1) as usize * PER_PAGE,
        PageCursor::Keyset(None) => 0,
        PageCursor::Keyset(Some(link)) => link
            .strip_prefix(FAKE_KEYSET)
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX),
    };
    let more = items.len() > start.saturating_add(PER_PAGE);
    let next = more.then(|| match cursor {
        PageCursor::Offset(page) => PageCursor::Offset(page + 1),
        PageCursor::Keyset(_) => {
            PageCursor::Keyset(Some(format!("{FAKE_KEYSET}{}", start + PER_PAGE)))
        }
    });
    let items = items.into_iter().skip(start).take(PER_PAGE).collect();
    Page { items, next }
}

fn epic_call<'a, T: Send + 'a>(
    fake: &'a FakeGitLab,
    method: &'static str,
    path: String,
) -> BoxFuture<'a, Result<T, GitLabError>> {
    Box::pin(async move {
        fake.record(Call::Epic { method }, method, || path.clone())?;
        Err(not_found(method, path))
    })
}
