//! Comments: issue notes (quick actions run and are stripped; a commands-only note is not saved,
//! GITLAB.md §2.2/§3.2), note edits, and epic notes addressed by epic id (§3.4). Returns the
//! webhook events; performs no I/O.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::{Edit, Event, EventKind, OpError, can_set_metadata, edit_issue, quick_edit};
use crate::quick::{self, QuickActions};
use crate::render;
use crate::state::{Note, State};
use steward_core::model::{GroupId, ProjectId, UserId};

/// A comment's text as submitted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoteText<'a> {
    pub body: &'a str,
    pub internal: bool,
}

/// Summary lines like GitLab's quick-action response (`Added ~x label.`).
fn summary(qa: &QuickActions) -> Vec<String> {
    let mut out = Vec::new();
    if !qa.add_labels.is_empty() {
        out.push(format!("Added {} label(s).", qa.add_labels.join(" ")));
    }
    if !qa.remove_labels.is_empty() {
        out.push(format!("Removed {} label(s).", qa.remove_labels.join(" ")));
    }
    if !qa.assign.is_empty() {
        out.push(format!("Assigned {}.", qa.assign.join(" ")));
    }
    if let Some(Some(d)) = qa.due {
        out.push(format!("Set the due date to {d}."));
    }
    out
}

/// GitLab refuses a note longer than this many characters (GITLAB.md §6.5).
const MAX_NOTE_CHARS: usize = 1_000_000;

/// The checks GitLab makes on every note body, new or edited: present, and not too long.
fn check_body(body: &str) -> Result<(), OpError> {
    if body.trim().is_empty() {
        return Err(OpError::BadRequest("body is missing".into()));
    }
    if body.len() > MAX_NOTE_CHARS && body.chars().count() > MAX_NOTE_CHARS {
        // `process_note_creation_result`: `bad_request!("Note #{note.errors.messages}")`.
        return Err(OpError::Rejected(format!(
            "400 Bad request - Note {{:note=>[\"is too long (maximum is {MAX_NOTE_CHARS} characters)\"]}}"
        )));
    }
    Ok(())
}

/// What creating a note did.
pub(crate) struct NoteOutcome {
    /// The saved note, or `None` when the body was only quick actions.
    pub note_id: Option<u64>,
    /// Quick-action summary (GitLab's `202` body for command-only notes).
    pub summary: Vec<String>,
    /// Quick-action lines executed (and removed) from the body.
    pub commands: usize,
    /// GitLab's `commands_changes`: the update the commands asked for (`{"state_event":"close"}`).
    pub commands_changes: Value,
    pub events: Vec<Event>,
}

/// The label ids of `names` in `project` (GitLab's `add_label_ids`…).
fn label_ids(st: &State, project: ProjectId, names: &[String]) -> Vec<u64> {
    let Some(p) = st.project(project) else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|n| p.labels.iter().find(|l| l.name == n.trim()).map(|l| l.id))
        .collect()
}

/// GitLab's `commands_changes` for a quick-action edit: the update params its
/// `QuickActions::InterpretService` produced (Code: `Notes::CreateService`/`UpdateService` set
/// `note.commands_changes = update_params`; the API presents them in `Entities::NoteCommands`).
fn commands_changes(st: &State, project: ProjectId, e: &Edit) -> Value {
    let mut m = Map::new();
    if let Some(ls) = &e.labels {
        m.insert("label_ids".into(), json!(label_ids(st, project, ls)));
    }
    if !e.add_labels.is_empty() {
        m.insert(
            "add_label_ids".into(),
            json!(label_ids(st, project, &e.add_labels)),
        );
    }
    if !e.remove_labels.is_empty() {
        let ids = label_ids(st, project, &e.remove_labels);
        m.insert("remove_label_ids".into(), json!(ids));
    }
    if let Some(a) = &e.assignee_ids {
        let ids: Vec<u64> = a.iter().map(|u| u.0).collect();
        m.insert("assignee_ids".into(), json!(ids));
    }
    if let Some(d) = e.due_date {
        m.insert("due_date".into(), json!(d.map(|d| d.to_string())));
    }
    match e.state {
        Some(steward_core::model::IssueState::Closed) => {
            m.insert("state_event".into(), json!("close"));
        }
        Some(steward_core::model::IssueState::Opened) => {
            m.insert("state_event".into(), json!("reopen"));
        }
        None => {}
    }
    if let Some(c) = e.confidential {
        m.insert("confidential".into(), json!(c));
    }
    Value::Object(m)
}

/// Runs a comment's quick actions on its issue: the text left over, the actions, GitLab's
/// `commands_changes` and the events the edit fired.
fn run_commands(
    st: &mut State,
    project: ProjectId,
    iid: u64,
    actor: UserId,
    body: &str,
    now: DateTime<Utc>,
    single_assignee: bool,
) -> Result<(String, QuickActions, Value, Vec<Event>), OpError> {
    let allowed = can_set_metadata(st, actor);
    let issue = st.issue(project, iid).ok_or(OpError::NotFound)?;
    let (clean, qa) = quick::extract(body, allowed);
    if qa.commands == 0 {
        return Ok((clean, qa, json!({}), Vec::new()));
    }
    let edit = quick_edit(st, project, &issue.assignees, actor, &qa);
    let changes = commands_changes(st, project, &edit);
    let (_, events) = edit_issue(st, project, iid, actor, edit, now, single_assignee)?;
    Ok((clean, qa, changes, events))
}

/// Comments on an issue: quick-action lines run and are removed; a note made only of quick
/// actions is not saved (GITLAB.md §2.2, §3.2).
pub(crate) fn create_note(
    st: &mut State,
    project: ProjectId,
    iid: u64,
    actor: UserId,
    text: NoteText<'_>,
    now: DateTime<Utc>,
    single_assignee: bool,
) -> Result<NoteOutcome, OpError> {
    let NoteText { body, internal } = text;
    check_body(body)?;
    let (clean, qa, commands_changes, mut events) =
        run_commands(st, project, iid, actor, body, now, single_assignee)?;
    let mut note_id = None;
    if !clean.trim().is_empty() {
        let id = st.ids.note();
        let issue = st.issue_mut(project, iid).ok_or(OpError::NotFound)?;
        issue.notes.push(Note {
            id,
            body: clean,
            author: actor,
            system: false,
            internal,
            created_at: now,
            updated_at: now,
        });
        touch(issue, now);
        note_id = Some(id);
        events.extend(note_event(st, project, iid, id, actor, "create"));
    }
    Ok(NoteOutcome {
        note_id,
        summary: summary(&qa),
        commands: qa.commands,
        commands_changes,
        events,
    })
}

fn note_event(
    st: &State,
    project: ProjectId,
    iid: u64,
    note_id: u64,
    actor: UserId,
    action: &str,
) -> Vec<Event> {
    let (Some(p), Some(a)) = (st.project(project), st.user(actor)) else {
        return Vec::new();
    };
    let Some(i) = p.issues.get(&iid) else {
        return Vec::new();
    };
    let Some(n) = i.notes.iter().find(|n| n.id == note_id) else {
        return Vec::new();
    };
    vec![Event {
        project,
        kind: EventKind::Note,
        confidential: i.confidential || n.internal,
        body: render::note_hook(st, p, i, n, a, action),
    }]
}

/// Edits a comment's body (system notes cannot be edited). Quick actions in the new body run
/// like in a new comment, and an edit that leaves only commands deletes the note (Code:
/// `Notes::UpdateService`; GITLAB.md §6.4): `note_id` is then `None`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn edit_note(
    st: &mut State,
    project: ProjectId,
    iid: u64,
    note_id: u64,
    actor: UserId,
    body: &str,
    now: DateTime<Utc>,
    single_assignee: bool,
) -> Result<NoteOutcome, OpError> {
    check_body(body)?;
    st.issue(project, iid)
        .and_then(|i| i.notes.iter().find(|n| n.id == note_id && !n.system))
        .ok_or(OpError::NotFound)?;
    let (clean, qa, commands_changes, mut events) =
        run_commands(st, project, iid, actor, body, now, single_assignee)?;
    let outcome = |note_id, events| NoteOutcome {
        note_id,
        summary: summary(&qa),
        commands: qa.commands,
        commands_changes: commands_changes.clone(),
        events,
    };
    let issue = st.issue_mut(project, iid).ok_or(OpError::NotFound)?;
    if qa.commands > 0 && clean.is_empty() {
        issue.notes.retain(|n| n.id != note_id);
        return Ok(outcome(None, events));
    }
    let note = issue
        .notes
        .iter_mut()
        .find(|n| n.id == note_id)
        .ok_or(OpError::NotFound)?;
    if note.body != clean {
        note.body = clean;
        note.updated_at = now;
        touch(issue, now);
        events.extend(note_event(st, project, iid, note_id, actor, "update"));
    }
    Ok(outcome(Some(note_id), events))
}

/// How recently an issue may have been updated for a saved note to leave its `updated_at`
/// alone (GitLab's `ThrottledTouch::TOUCH_INTERVAL`).
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::minutes(1);

/// A saved note touches its issue (`Note` `after_save :touch_noteable`, GITLAB.md §6.5), but
/// `Issue` includes `ThrottledTouch`: the touch is skipped while the issue was updated within
/// the last minute. A touch fires no webhook and does not change who last updated the issue.
fn touch(issue: &mut crate::state::Issue, now: DateTime<Utc>) {
    if now - issue.updated_at > TOUCH_INTERVAL {
        issue.updated_at = now;
    }
}

/// Comments on an epic, addressed by its `id` (GITLAB.md §3.4). Epic events need group hooks,
/// which the simulator does not model, so nothing is delivered.
pub(crate) fn create_epic_note(
    st: &mut State,
    group: GroupId,
    epic_id: u64,
    actor: UserId,
    body: &str,
    now: DateTime<Utc>,
) -> Result<u64, OpError> {
    check_body(body)?;
    let body = &epic_note_text(st, actor, body)?;
    let id = st.ids.note();
    let g = st.group_mut(group).ok_or(OpError::NotFound)?;
    let e = g
        .epics
        .iter_mut()
        .find(|e| e.id == epic_id)
        .ok_or(OpError::NotFound)?;
    e.notes.push(Note {
        id,
        body: body.to_owned(),
        author: actor,
        system: false,
        internal: false,
        created_at: now,
        updated_at: now,
    });
    Ok(id)
}

/// Quick actions run in epic comments too and are stripped from the saved body (GITLAB.md
/// §6.4). The simulator keeps no epic metadata for them to change; a comment made only of
/// commands is not saved (`CommandsOnly`).
pub(crate) fn epic_note_text(st: &State, actor: UserId, body: &str) -> Result<String, OpError> {
    let (clean, qa) = quick::extract(body, can_set_metadata(st, actor));
    if qa.commands > 0 && clean.is_empty() {
        return Err(OpError::CommandsOnly);
    }
    Ok(clean)
}

/// Edits an epic comment (its quick actions are stripped, like a new one's).
pub(crate) fn edit_epic_note(
    st: &mut State,
    group: GroupId,
    epic_id: u64,
    note_id: u64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), OpError> {
    check_body(body)?;
    // The editor is the note's author: only an author may edit a comment.
    let author = st
        .group(group)
        .and_then(|g| g.epics.iter().find(|e| e.id == epic_id))
        .and_then(|e| e.notes.iter().find(|n| n.id == note_id))
        .map(|n| n.author)
        .ok_or(OpError::NotFound)?;
    let body = match epic_note_text(st, author, body) {
        Err(OpError::CommandsOnly) => {
            if let Some(e) = st
                .group_mut(group)
                .and_then(|g| g.epics.iter_mut().find(|e| e.id == epic_id))
            {
                e.notes.retain(|n| n.id != note_id);
            }
            return Err(OpError::CommandsOnly);
        }
        other => other?,
    };
    let body = &body;
    let g = st.group_mut(group).ok_or(OpError::NotFound)?;
    let e = g
        .epics
        .iter_mut()
        .find(|e| e.id == epic_id)
        .ok_or(OpError::NotFound)?;
    let n = e
        .notes
        .iter_mut()
        .find(|n| n.id == note_id)
        .ok_or(OpError::NotFound)?;
    n.body = body.to_owned();
    n.updated_at = now;
    Ok(())
}
