//! REST handlers for issue notes and group epics (get by iid, notes by epic **id**, GITLAB.md
//! §3.4), and the GraphQL `createNote`/`updateNote` mutations on work items. Parsing and
//! shaping only: changes go through `ops`, webhooks through `webhooks`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{Actor, ApiError, EventUuid, Params, Sh};
use super::state::State as SimState;
use super::{Shared, lock, ops, paging, render, webhooks};
use steward_core::model::{GroupId, ProjectId, UserId};

/// The notes routes find their issue with `find_noteable`, which says `not_found!("Issue")`.
pub(crate) const ISSUE_404: &str = "404 Issue Not Found";
/// A missing note: `noteable.notes.find` raises `RecordNotFound` → `404 Not found` (Code:
/// `API::Helpers::NotesHelpers`).
pub(crate) const NOTE_404: &str = "404 Not found";
pub(crate) const EPIC_404: &str = "404 Not found";
const GROUP_404: &str = "404 Group Not Found";

fn num(raw: &str, what: &'static str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what))
}

/// Finds the issue of a notes route, as `find_noteable` does: missing or not readable by
/// `me` (a confidential issue) is `404 Issue Not Found`.
fn issue_ref(st: &SimState, me: UserId, id: &str, iid: &str) -> Result<(ProjectId, u64), ApiError> {
    let iid = num(iid, ISSUE_404)?;
    let pid = st
        .project_ref(id)
        .ok_or(ApiError::NotFound("404 Project Not Found"))?;
    st.issue(pid, iid)
        .filter(|i| ops::can_read_issue(st, me, i))
        .ok_or(ApiError::NotFound(ISSUE_404))?;
    Ok((pid, iid))
}

pub(crate) fn issue_note_json(
    st: &SimState,
    pid: ProjectId,
    iid: u64,
    note: u64,
) -> Result<Value, ApiError> {
    let i = st.issue(pid, iid).ok_or(ApiError::NotFound(ISSUE_404))?;
    let n = i
        .notes
        .iter()
        .find(|n| n.id == note)
        .ok_or(ApiError::NotFound(NOTE_404))?;
    Ok(render::note_rest(st, n, "Issue", i.id, i.iid, Some(pid.0)))
}

fn sort_notes(notes: &mut Vec<&super::state::Note>, params: &Params) {
    let by_updated = params.get("order_by") == Some("updated_at");
    notes.sort_by_key(|n| {
        (
            if by_updated {
                n.updated_at
            } else {
                n.created_at
            },
            n.id,
        )
    });
    if params.get("sort") != Some("asc") {
        notes.reverse();
    }
}

pub(crate) async fn list_notes(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Path((id, iid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &HeaderMap::new(), b"")?;
    let st = lock(&sh.state);
    let (pid, iid) = issue_ref(&st, me, &id, &iid)?;
    let i = st.issue(pid, iid).ok_or(ApiError::NotFound(ISSUE_404))?;
    // Internal notes are for project members of Reporter and up (a Guest does not see them).
    let sees_internal = ops::can_set_metadata(&st, me);
    let mut notes: Vec<&super::state::Note> = i
        .notes
        .iter()
        .filter(|n| sees_internal || !n.internal)
        .collect();
    sort_notes(&mut notes, &params);
    let url = format!(
        "{}/api/v4/projects/{}/issues/{}/notes",
        st.web_base, id, iid
    );
    let (page, headers) = paging::paginate(&notes, &params, &url);
    let body: Vec<Value> = page
        .iter()
        .map(|n| render::note_rest(&st, n, "Issue", i.id, i.iid, Some(pid.0)))
        .collect();
    Ok((headers, axum::Json(body)).into_response())
}

pub(crate) async fn get_note(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Path((id, iid, note)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let (pid, iid) = issue_ref(&st, me, &id, &iid)?;
    let hidden = st
        .issue(pid, iid)
        .and_then(|i| i.notes.iter().find(|n| n.id.to_string() == note))
        .is_some_and(|n| n.internal && !ops::can_set_metadata(&st, me));
    if hidden {
        return Err(ApiError::NotFound(NOTE_404));
    }
    Ok(axum::Json(issue_note_json(&st, pid, iid, num(&note, NOTE_404)?)?).into_response())
}

/// Creates an issue note, returning `(status, body)`; shared by REST and GraphQL.
pub(crate) fn create_issue_note(
    sh: &Shared,
    me: UserId,
    uuid: Option<String>,
    pid: ProjectId,
    iid: u64,
    body: &str,
    internal: bool,
) -> Result<(StatusCode, Value, Option<u64>), ApiError> {
    let now = sh.now();
    lock(&sh.faults)
        .take_note(now)
        .map_err(ApiError::NoteLimit)?;
    let (outcome, json) = {
        let mut st = lock(&sh.state);
        let outcome = ops::create_note(
            &mut st,
            pid,
            iid,
            me,
            ops::NoteText { body, internal },
            now,
            sh.config.single_assignee,
        )
        .map_err(|e| ApiError::from_op(e, ISSUE_404))?;
        let json = match outcome.note_id {
            Some(n) => issue_note_json(&st, pid, iid, n)?,
            None => commands_json(&outcome),
        };
        (outcome, json)
    };
    {
        let mut c = lock(&sh.counters);
        if outcome.note_id.is_some() {
            c.notes_created += 1;
        }
        c.quick_actions += outcome.commands as u64;
    }
    webhooks::enqueue(sh, outcome.events, uuid);
    // GitLab answers 202 for a note made only of quick actions: nothing was saved (§3.2).
    let status = if outcome.note_id.is_none() && outcome.commands > 0 {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    Ok((status, json, outcome.note_id))
}

pub(crate) async fn create_note(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Extension(EventUuid(uuid)): Extension<EventUuid>,
    Path((id, iid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let text = params.get("body").unwrap_or("").to_owned();
    let internal = params.get("internal").or(params.get("confidential")) == Some("true");
    let (pid, iid) = issue_ref(&lock(&sh.state), me, &id, &iid)?;
    let (status, json, _) = create_issue_note(&sh, me, uuid, pid, iid, &text, internal)?;
    Ok((status, axum::Json(json)).into_response())
}

/// GitLab's `Entities::NoteCommands`, the 202 body of a commands-only comment.
fn commands_json(outcome: &ops::NoteOutcome) -> Value {
    json!({ "commands_changes": outcome.commands_changes, "summary": outcome.summary })
}

/// Edits an issue note; quick actions in the new body run. A commands-only edit deletes the
/// note and answers 202 with `commands_changes`, like a commands-only new note (Code:
/// `API::Helpers::NotesHelpers#update_note` → `process_note_creation_result`).
pub(crate) fn edit_issue_note(
    sh: &Shared,
    me: UserId,
    uuid: Option<String>,
    pid: ProjectId,
    iid: u64,
    note: u64,
    body: &str,
) -> Result<Value, ApiError> {
    let now = sh.now();
    let (outcome, json) = {
        let mut st = lock(&sh.state);
        let single = sh.config.single_assignee;
        let outcome = ops::edit_note(&mut st, pid, iid, note, me, body, now, single)
            .map_err(|e| ApiError::from_op(e, NOTE_404))?;
        let json = match outcome.note_id {
            Some(n) => issue_note_json(&st, pid, iid, n)?,
            None => commands_json(&outcome),
        };
        (outcome, json)
    };
    {
        let mut c = lock(&sh.counters);
        c.notes_updated += 1;
        c.quick_actions += outcome.commands as u64;
    }
    webhooks::enqueue(sh, outcome.events, uuid);
    if outcome.note_id.is_none() {
        return Err(ApiError::Accepted(json));
    }
    Ok(json)
}

pub(crate) async fn edit_note(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Extension(EventUuid(uuid)): Extension<EventUuid>,
    Path((id, iid, note)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let (pid, iid) = issue_ref(&lock(&sh.state), me, &id, &iid)?;
    let json = edit_issue_note(
        &sh,
        me,
        uuid,
        pid,
        iid,
        num(&note, NOTE_404)?,
        params.get("body").unwrap_or(""),
    )?;
    Ok(axum::Json(json).into_response())
}

/// `GET /groups/:id/epics/:epic_iid` (by iid).
pub(crate) async fn get_epic(
    State(sh): Sh,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let iid = num(&iid, EPIC_404)?;
    let st = lock(&sh.state);
    let gid = st.group_ref(&id).ok_or(ApiError::NotFound(GROUP_404))?;
    let g = st.group(gid).ok_or(ApiError::NotFound(GROUP_404))?;
    let e = g
        .epics
        .iter()
        .find(|e| e.iid == iid)
        .ok_or(ApiError::NotFound(EPIC_404))?;
    Ok(axum::Json(render::epic_rest(&st, g, e)).into_response())
}

/// Resolves `/groups/:id/epics/:epic_id` by epic **id**; an iid that is not also an id is 404,
/// like GitLab (GITLAB.md §3.4).
fn epic_ref(st: &SimState, id: &str, epic: &str) -> Result<(GroupId, u64), ApiError> {
    let epic_id = num(epic, EPIC_404)?;
    let gid = st.group_ref(id).ok_or(ApiError::NotFound(GROUP_404))?;
    let g = st.group(gid).ok_or(ApiError::NotFound(GROUP_404))?;
    g.epics
        .iter()
        .find(|e| e.id == epic_id)
        .ok_or(ApiError::NotFound(EPIC_404))?;
    Ok((gid, epic_id))
}

pub(crate) fn epic_note_json(
    st: &SimState,
    gid: GroupId,
    epic_id: u64,
    note: u64,
) -> Result<Value, ApiError> {
    let e = st
        .group(gid)
        .and_then(|g| g.epics.iter().find(|e| e.id == epic_id))
        .ok_or(ApiError::NotFound(EPIC_404))?;
    let n = e
        .notes
        .iter()
        .find(|n| n.id == note)
        .ok_or(ApiError::NotFound(NOTE_404))?;
    Ok(render::note_rest(st, n, "Epic", e.id, e.iid, None))
}

pub(crate) async fn list_epic_notes(
    State(sh): Sh,
    Path((id, epic)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &HeaderMap::new(), b"")?;
    let st = lock(&sh.state);
    let (gid, epic_id) = epic_ref(&st, &id, &epic)?;
    let e = st
        .group(gid)
        .and_then(|g| g.epics.iter().find(|e| e.id == epic_id))
        .ok_or(ApiError::NotFound(EPIC_404))?;
    let mut notes: Vec<&super::state::Note> = e.notes.iter().collect();
    sort_notes(&mut notes, &params);
    let url = format!(
        "{}/api/v4/groups/{}/epics/{}/notes",
        st.web_base, id, epic_id
    );
    let (page, headers) = paging::paginate(&notes, &params, &url);
    let body: Vec<Value> = page
        .iter()
        .map(|n| render::note_rest(&st, n, "Epic", e.id, e.iid, None))
        .collect();
    Ok((headers, axum::Json(body)).into_response())
}

/// `GET /groups/:id/epics/:epic_id/notes/:note_id` (by epic **id**, GITLAB.md §3.4).
pub(crate) async fn get_epic_note(
    State(sh): Sh,
    Path((id, epic, note)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let (gid, epic_id) = epic_ref(&st, &id, &epic)?;
    let json = epic_note_json(&st, gid, epic_id, num(&note, NOTE_404)?)?;
    Ok(axum::Json(json).into_response())
}

pub(crate) fn create_epic_note_at(
    sh: &Shared,
    me: UserId,
    gid: GroupId,
    epic_id: u64,
    body: &str,
) -> Result<(Value, u64), ApiError> {
    let now = sh.now();
    lock(&sh.faults)
        .take_note(now)
        .map_err(ApiError::NoteLimit)?;
    let mut st = lock(&sh.state);
    let id = ops::create_epic_note(&mut st, gid, epic_id, me, body, now)
        .map_err(|e| ApiError::from_op(e, EPIC_404))?;
    let json = epic_note_json(&st, gid, epic_id, id)?;
    lock(&sh.counters).notes_created += 1;
    Ok((json, id))
}

pub(crate) async fn create_epic_note(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Path((id, epic)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let (gid, epic_id) = epic_ref(&lock(&sh.state), &id, &epic)?;
    let (json, _) = create_epic_note_at(&sh, me, gid, epic_id, params.get("body").unwrap_or(""))?;
    Ok((StatusCode::CREATED, axum::Json(json)).into_response())
}

pub(crate) async fn edit_epic_note(
    State(sh): Sh,
    Path((id, epic, note)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let note = num(&note, NOTE_404)?;
    let now = sh.now();
    let mut st = lock(&sh.state);
    let (gid, epic_id) = epic_ref(&st, &id, &epic)?;
    ops::edit_epic_note(
        &mut st,
        gid,
        epic_id,
        note,
        params.get("body").unwrap_or(""),
        now,
    )
    .map_err(|e| ApiError::from_op(e, NOTE_404))?;
    let json = epic_note_json(&st, gid, epic_id, note)?;
    lock(&sh.counters).notes_updated += 1;
    Ok(axum::Json(json).into_response())
}
