//! Comments: issue notes (quick actions run and are stripped; a commands-only note is not saved,
//! GITLAB.md §2.2/§3.2), note edits, and epic notes addressed by epic id (§3.4). Returns the
//! webhook events; performs no I/O.

use chrono::{DateTime, Utc};

use super::{Event, EventKind, OpError, can_set_metadata, edit_issue, quick_edit};
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
        return Err(OpError::BadRequest(format!(
            "Note is too long (maximum is {MAX_NOTE_CHARS} characters)"
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
    pub events: Vec<Event>,
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
    let allowed = can_set_metadata(st, actor);
    let issue = st.issue(project, iid).ok_or(OpError::NotFound)?;
    let (clean, qa) = quick::extract(body, allowed);
    let mut events = Vec::new();
    if qa.commands > 0 {
        let edit = quick_edit(st, project, &issue.assignees, actor, &qa);
        let (_, ev) = edit_issue(st, project, iid, actor, edit, now, single_assignee)?;
        events.extend(ev);
    }
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

/// Edits a comment's body (system notes cannot be edited). The body is saved as sent.
pub(crate) fn edit_note(
    st: &mut State,
    project: ProjectId,
    iid: u64,
    note_id: u64,
    actor: UserId,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, OpError> {
    check_body(body)?;
    let issue = st.issue_mut(project, iid).ok_or(OpError::NotFound)?;
    let note = issue
        .notes
        .iter_mut()
        .find(|n| n.id == note_id && !n.system)
        .ok_or(OpError::NotFound)?;
    if note.body == body {
        return Ok(Vec::new());
    }
    note.body = body.to_owned();
    note.updated_at = now;
    touch(issue, now);
    Ok(note_event(st, project, iid, note_id, actor, "update"))
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

/// Edits an epic comment.
pub(crate) fn edit_epic_note(
    st: &mut State,
    group: GroupId,
    epic_id: u64,
    note_id: u64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), OpError> {
    check_body(body)?;
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
