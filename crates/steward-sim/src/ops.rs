//! The simulator's write operations with GitLab's semantics: issue creation and edits (label
//! auto-creation, scoped-label exclusivity, assignee replacement, no-op edits that change
//! nothing), quick actions, system notes and the webhook events each change produces. Shared by
//! the REST handlers and the in-process UI methods; it performs no I/O.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::quick::{self, QuickActions};

mod create;
mod history;
mod notes;

use super::render;
use super::state::{DEFAULT_LABEL_COLOR, Issue, Note, State};
pub(crate) use create::{Creation, create_issue};
use history::{changes_object, system_notes};
pub(crate) use notes::{
    NoteOutcome, NoteText, create_epic_note, create_note, edit_epic_note, edit_note,
};
use steward_core::model::{IssueState, LabelName, ProjectId, UserId};

/// Which hook family an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Issue,
    Note,
}

/// A change to deliver to the project's hooks.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub project: ProjectId,
    pub kind: EventKind,
    pub confidential: bool,
    pub body: Value,
}

/// Why an operation was refused; handlers map it to GitLab's status codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpError {
    NotFound,
    BadRequest(String),
    /// 400 with GitLab's `{"message": …}` wording (a model validation the API reports whole).
    Rejected(String),
    /// A comment made only of quick actions: nothing saved (GitLab answers 202).
    CommandsOnly,
}

/// An issue edit with resolved ids (REST params, UI changes and quick actions all become one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Edit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub labels: Option<Vec<String>>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    pub assignee_ids: Option<Vec<UserId>>,
    pub due_date: Option<Option<NaiveDate>>,
    pub state: Option<IssueState>,
    pub confidential: Option<bool>,
}

impl Edit {
    /// Whether the edit names any field besides the state (GitLab's `params.present?` once
    /// `state_event` is taken out).
    fn has_fields(&self) -> bool {
        self.title.is_some()
            || self.description.is_some()
            || self.labels.is_some()
            || !self.add_labels.is_empty()
            || !self.remove_labels.is_empty()
            || self.assignee_ids.is_some()
            || self.due_date.is_some()
            || self.confidential.is_some()
    }
}

/// The fields an edit can change, compared before and after.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields {
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) labels: Vec<String>,
    pub(crate) assignees: Vec<UserId>,
    pub(crate) due: Option<NaiveDate>,
    pub(crate) state: IssueState,
    pub(crate) confidential: bool,
}

impl Fields {
    fn of(i: &Issue) -> Self {
        Self {
            title: i.title.clone(),
            description: i.description.clone(),
            labels: i.labels.clone(),
            assignees: i.assignees.clone(),
            due: i.due_date,
            state: i.state,
            confidential: i.confidential,
        }
    }
}

/// Adds a label, dropping others of the same scope (`key::value` is exclusive per key).
fn push_label(labels: &mut Vec<String>, name: &str) {
    let name = name.trim();
    if name.is_empty() {
        return;
    }
    if let Some(scope) = LabelName::from(name).scope() {
        labels.retain(|l| LabelName::from(l.as_str()).scope() != Some(scope));
    }
    if !labels.iter().any(|l| l == name) {
        labels.push(name.to_owned());
    }
}

fn apply(f: &mut Fields, e: &Edit, single_assignee: bool) {
    if let Some(t) = &e.title {
        f.title = t.clone();
    }
    if let Some(d) = &e.description {
        f.description = d.clone();
    }
    if let Some(ls) = &e.labels {
        f.labels.clear();
        for l in ls {
            push_label(&mut f.labels, l);
        }
    }
    // GitLab applies `add_labels` before `remove_labels`: naming a label in both removes it
    // (GITLAB.md §6.5).
    for l in &e.add_labels {
        push_label(&mut f.labels, l);
    }
    f.labels
        .retain(|l| !e.remove_labels.iter().any(|r| r.trim() == l));
    f.labels.sort();
    if let Some(ids) = &e.assignee_ids {
        let mut out: Vec<UserId> = Vec::new();
        for id in ids {
            if id.0 != 0 && !out.contains(id) {
                out.push(*id);
            }
        }
        // GITLAB.md §3.1: "The number of assignees is limited by one for GitLab CE".
        if single_assignee {
            out.truncate(1);
        }
        f.assignees = out;
    }
    if let Some(d) = e.due_date {
        f.due = d;
    }
    if let Some(s) = e.state {
        f.state = s;
    }
    if let Some(c) = e.confidential {
        f.confidential = c;
    }
}

/// Turns quick actions into an edit: labels must already exist (unlike `add_labels`), users must
/// exist; unknown ones are ignored like GitLab does.
pub(crate) fn quick_edit(
    st: &State,
    project: ProjectId,
    current: &[UserId],
    actor: UserId,
    qa: &QuickActions,
) -> Edit {
    let existing = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .filter(|n| st.label_exists(project, n))
            .cloned()
            .collect()
    };
    let resolve = |names: &[String]| -> Vec<UserId> {
        names
            .iter()
            .filter_map(|n| {
                if n == "me" {
                    Some(actor)
                } else {
                    st.user_by_name(n).map(|u| u.id)
                }
            })
            .collect()
    };
    let mut assignees: Option<Vec<UserId>> = None;
    if qa.unassign_all {
        assignees = Some(Vec::new());
    }
    if !qa.unassign.is_empty() {
        let gone = resolve(&qa.unassign);
        let base = assignees.clone().unwrap_or_else(|| current.to_vec());
        assignees = Some(base.into_iter().filter(|a| !gone.contains(a)).collect());
    }
    if let Some(r) = &qa.reassign {
        assignees = Some(resolve(r));
    }
    if !qa.assign.is_empty() {
        let mut base = assignees.clone().unwrap_or_else(|| current.to_vec());
        base.extend(resolve(&qa.assign));
        assignees = Some(base);
    }
    Edit {
        labels: qa.relabel.as_deref().map(existing),
        add_labels: existing(&qa.add_labels),
        remove_labels: qa.remove_labels.clone(),
        assignee_ids: assignees,
        due_date: qa.due,
        state: if qa.close {
            Some(IssueState::Closed)
        } else if qa.reopen {
            Some(IssueState::Opened)
        } else {
            None
        },
        confidential: qa.confidential.then_some(true),
        ..Edit::default()
    }
}

pub(crate) fn can_set_metadata(st: &State, actor: UserId) -> bool {
    st.user(actor).is_some_and(|u| u.can_set_metadata)
}

/// Whether `actor` may see `issue`: a confidential issue only to members who may set
/// metadata (Reporter and up), its author and its assignees (`IssuePolicy`,
/// `readable_by?`); to everyone else it does not exist (404, GITLAB.md §5.4, §6.5).
pub(crate) fn can_read_issue(st: &State, actor: UserId, issue: &Issue) -> bool {
    !issue.confidential
        || can_set_metadata(st, actor)
        || issue.author == actor
        || issue.assignees.contains(&actor)
}

impl Edit {
    /// What is left of a `PUT` from a user who may not set metadata (a Guest): GitLab's
    /// `filter_params` drops labels, assignees and the due date without an error (GITLAB.md
    /// §6.5).
    pub(crate) fn without_metadata(self) -> Self {
        Self {
            labels: None,
            add_labels: Vec::new(),
            remove_labels: Vec::new(),
            assignee_ids: None,
            due_date: None,
            ..self
        }
    }
}

fn create_missing_labels(
    st: &mut State,
    project: ProjectId,
    labels: &[String],
    now: DateTime<Utc>,
) {
    // GITLAB.md §3.1: `labels`/`add_labels` create labels that do not exist yet.
    for l in labels {
        st.ensure_label(project, l, DEFAULT_LABEL_COLOR, now);
    }
}

pub(crate) fn issue_event(
    st: &State,
    project: ProjectId,
    iid: u64,
    actor: UserId,
    action: &str,
    changes: impl FnOnce(&super::state::Project, &Issue) -> Value,
) -> Vec<Event> {
    let (Some(p), Some(a)) = (st.project(project), st.user(actor)) else {
        return Vec::new();
    };
    let Some(i) = p.issues.get(&iid) else {
        return Vec::new();
    };
    let body = render::issue_hook(st, p, i, a, action, changes(p, i));
    vec![Event {
        project,
        kind: EventKind::Issue,
        confidential: i.confidential,
        body,
    }]
}

/// Edits an issue like `PUT /projects/:id/issues/:iid`. Returns whether anything changed and
/// the Issue Hooks GitLab fires, in its order (Code: `IssuableBaseService#update`): a state
/// change runs first through `Issues::CloseService`/`ReopenService` (a `close`/`reopen` hook
/// whose `changes` carry `closed_at`), then, when any other parameter was given, the update is
/// saved and an `update` hook fires, even when it changed nothing (`changes` is then `{}` and
/// `updated_at` stays). GITLAB.md §6.5.
pub(crate) fn edit_issue(
    st: &mut State,
    project: ProjectId,
    iid: u64,
    actor: UserId,
    mut edit: Edit,
    now: DateTime<Utc>,
    single_assignee: bool,
) -> Result<(bool, Vec<Event>), OpError> {
    let allowed = can_set_metadata(st, actor);
    let issue = st.issue(project, iid).ok_or(OpError::NotFound)?;
    let before = Fields::of(issue);
    let mut qa = QuickActions::default();
    if let Some(d) = &edit.description {
        let (clean, q) = quick::extract(d, allowed);
        edit.description = Some(clean);
        qa = q;
    }
    let other_params = edit.has_fields();
    let mut after = before.clone();
    let mut to_create: Vec<String> = edit.add_labels.clone();
    to_create.extend(edit.labels.clone().unwrap_or_default());
    create_missing_labels(st, project, &to_create, now);
    apply(&mut after, &edit, single_assignee);
    let q = quick_edit(st, project, &after.assignees, actor, &qa);
    apply(&mut after, &q, single_assignee);
    let mut events = Vec::new();
    let mut mid = before.clone();
    mid.state = after.state;
    if mid != before {
        events.extend(save_step(st, project, iid, actor, &before, &mid, now)?);
    }
    if other_params || mid != after {
        events.extend(save_step(st, project, iid, actor, &mid, &after, now)?);
    }
    Ok((after != before, events))
}

/// Saves one step of an edit (`from` → `to`) with its system notes and returns its hook.
fn save_step(
    st: &mut State,
    project: ProjectId,
    iid: u64,
    actor: UserId,
    from: &Fields,
    to: &Fields,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, OpError> {
    let action = match (from.state, to.state) {
        (IssueState::Opened, IssueState::Closed) => "close",
        (IssueState::Closed, IssueState::Opened) => "reopen",
        _ => "update",
    };
    if from == to {
        // Saved with nothing to change: GitLab still fires the update hook.
        return Ok(issue_event(st, project, iid, actor, action, |_, _| {
            json!({})
        }));
    }
    let notes = system_notes(st, project, from, to);
    let note_ids: Vec<u64> = notes.iter().map(|_| st.ids.note()).collect();
    let issue = st.issue_mut(project, iid).ok_or(OpError::NotFound)?;
    let prev = (issue.updated_at, issue.updated_by);
    let prev_edit = (issue.last_edited_at, issue.last_edited_by);
    let prev_closed = (issue.closed_at, issue.closed_by);
    issue.title = to.title.clone();
    issue.description = to.description.clone();
    issue.labels = to.labels.clone();
    issue.assignees = to.assignees.clone();
    issue.due_date = to.due;
    issue.confidential = to.confidential;
    issue.updated_at = now;
    issue.updated_by = Some(actor);
    if from.title != to.title || from.description != to.description {
        issue.last_edited_at = Some(now);
        issue.last_edited_by = Some(actor);
    }
    if from.state != to.state {
        issue.state = to.state;
        let closed = to.state == IssueState::Closed;
        issue.closed_at = closed.then_some(now);
        issue.closed_by = closed.then_some(actor);
    }
    for (body, id) in notes.into_iter().zip(note_ids) {
        issue.notes.push(Note {
            id,
            body,
            author: actor,
            system: true,
            internal: false,
            created_at: now,
            updated_at: now,
        });
    }
    Ok(issue_event(st, project, iid, actor, action, |_, i| {
        let mut ch = changes_object(st, project, from, to, prev.0, i, prev.1);
        history::add_edit_and_close_changes(&mut ch, i, prev_edit, prev_closed);
        ch
    }))
}
