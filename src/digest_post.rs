//! Posting a rendered digest: once per ISO week per target, editing that week's note when the
//! body changed and writing nothing when it did not. The digest's content is decided in
//! `steward_core::digest`; this module only performs the I/O.

use chrono::{DateTime, Utc};

use steward_core::digest::{DigestTarget, EpicApi, IsoWeek, marker, note_key};
use steward_core::model::{EpicId, EpicIid, GroupId, IssueIid, NoteId, ProjectId};
use steward_core::reconcile::body_hash;

use crate::gitlab::{CallContext, GitLab, GitLabError, Note};
use crate::store::{AuditEntry, GraphqlNoteRef, NoteTarget, OwnedNote, Store, StoreError};

/// What posting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostOutcome {
    /// The week's first digest note was created.
    Created,
    /// The week's note existed and its body was replaced.
    Updated,
    /// The week's note already had this body: nothing was written.
    Unchanged,
}

/// A failed post.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// GitLab failed or refused.
    #[error("posting the digest: {0}")]
    GitLab(#[from] GitLabError),
    /// The store failed.
    #[error("remembering the digest note: {0}")]
    Store(#[from] StoreError),
    /// GraphQL posting needs the epic's work item, which GitLab did not report.
    #[error(
        "epic &{epic_iid} of group {group} has no work item id; post through the REST API \
         (`api: rest`) on this GitLab version"
    )]
    NoWorkItem {
        /// Group.
        group: GroupId,
        /// Epic iid.
        epic_iid: EpicIid,
    },
}

impl DigestError {
    /// Whether retrying later can help.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::GitLab(e) => e.is_transient(),
            Self::Store(e) => e.is_transient(),
            Self::NoWorkItem { .. } => false,
        }
    }
}

/// Posts `body` as `week`'s digest on `target`, or updates that week's note. The marker line is
/// added when `body` lacks it, and the body is guarded (no quick action, within GitLab's note
/// limit) whoever rendered it. Re-running with the same body writes nothing.
pub async fn post_digest(
    gitlab: &dyn GitLab,
    store: &dyn Store,
    target: &DigestTarget,
    week: IsoWeek,
    body: &str,
    now: DateTime<Utc>,
) -> Result<PostOutcome, DigestError> {
    let body = with_marker(week, body);
    let ctx = CallContext::none();
    match *target {
        DigestTarget::Epic {
            group,
            epic_iid,
            api: EpicApi::Rest,
        } => {
            let epic_id = epic_id(gitlab, store, &ctx, group, epic_iid, now).await?;
            let notes = NoteApi::Epic { group, epic_id };
            upsert(gitlab, store, &ctx, &notes, week, &body, now).await
        }
        DigestTarget::Epic {
            group,
            epic_iid,
            api: EpicApi::GraphQl,
        } => post_graphql(gitlab, store, &ctx, (group, epic_iid), week, &body, now).await,
        DigestTarget::Issue { project, iid } => {
            let notes = NoteApi::Issue { project, iid };
            upsert(gitlab, store, &ctx, &notes, week, &body, now).await
        }
    }
}

/// The body as sent on every path (REST epic notes, GraphQL work-item notes, tracking issues;
/// new and edited alike): the week's marker first, then [`steward_core::untrusted::guard_body`].
fn with_marker(week: IsoWeek, body: &str) -> String {
    let marker = marker(week);
    if body.lines().next().map(str::trim) == Some(marker.as_str()) {
        steward_core::untrusted::guard_body(body)
    } else {
        steward_core::untrusted::guard_body(&format!("{marker}\n{body}"))
    }
}

/// The epic's global id, looked up once and remembered: epic notes take the id, not the iid
/// (GITLAB.md §3.4).
async fn epic_id(
    gitlab: &dyn GitLab,
    store: &dyn Store,
    ctx: &CallContext,
    group: GroupId,
    epic_iid: EpicIid,
    now: DateTime<Utc>,
) -> Result<EpicId, DigestError> {
    if let Some(id) = store.epic_id(group, epic_iid).await? {
        return Ok(id);
    }
    let epic = gitlab.get_epic(ctx, group, epic_iid).await?;
    store.set_epic_id(group, epic_iid, epic.id, now).await?;
    Ok(epic.id)
}

/// The REST note endpoints of an epic or an issue.
enum NoteApi {
    Epic { group: GroupId, epic_id: EpicId },
    Issue { project: ProjectId, iid: IssueIid },
}

impl NoteApi {
    /// The REST path of the notes (or of one note), for the audit log.
    fn path(&self, note: Option<NoteId>) -> String {
        let base = match *self {
            Self::Epic { group, epic_id } => format!("/groups/{group}/epics/{epic_id}/notes"),
            Self::Issue { project, iid } => format!("/projects/{project}/issues/{iid}/notes"),
        };
        note.map_or(base.clone(), |n| format!("{base}/{n}"))
    }

    fn issue(&self) -> (Option<ProjectId>, Option<IssueIid>) {
        match *self {
            Self::Epic { .. } => (None, None),
            Self::Issue { project, iid } => (Some(project), Some(iid)),
        }
    }

    fn target(&self) -> NoteTarget {
        match *self {
            Self::Epic { group, epic_id } => NoteTarget::Epic { group, epic_id },
            Self::Issue { project, iid } => NoteTarget::Issue { project, iid },
        }
    }

    async fn list(&self, gl: &dyn GitLab, ctx: &CallContext) -> Result<Vec<Note>, GitLabError> {
        match *self {
            Self::Epic { group, epic_id } => gl.list_epic_notes(ctx, group, epic_id).await,
            Self::Issue { project, iid } => gl.list_notes(ctx, project, iid).await,
        }
    }

    async fn create(
        &self,
        gl: &dyn GitLab,
        ctx: &CallContext,
        body: &str,
    ) -> Result<Note, GitLabError> {
        match *self {
            Self::Epic { group, epic_id } => gl.create_epic_note(ctx, group, epic_id, body).await,
            Self::Issue { project, iid } => gl.create_note(ctx, project, iid, body).await,
        }
    }

    async fn edit(
        &self,
        gl: &dyn GitLab,
        ctx: &CallContext,
        note: NoteId,
        body: &str,
    ) -> Result<Note, GitLabError> {
        match *self {
            Self::Epic { group, epic_id } => {
                gl.edit_epic_note(ctx, group, epic_id, note, body).await
            }
            Self::Issue { project, iid } => gl.edit_note(ctx, project, iid, note, body).await,
        }
    }
}

async fn upsert(
    gitlab: &dyn GitLab,
    store: &dyn Store,
    ctx: &CallContext,
    api: &NoteApi,
    week: IsoWeek,
    body: &str,
    now: DateTime<Utc>,
) -> Result<PostOutcome, DigestError> {
    let target = api.target();
    let key = note_key(week);
    let hash = body_hash(body);
    let known = match store.get_owned_note(&target, &key).await? {
        Some(owned) if owned.body_hash == hash => return Ok(PostOutcome::Unchanged),
        Some(owned) => Some(owned.note_id),
        None => {
            // The store lost track (new database, another replica's crash): find the week's
            // note by its marker before posting a second one.
            let marker = marker(week);
            let found = api.list(gitlab, ctx).await?.into_iter().find(|n| {
                !n.system && n.body.lines().next().map(str::trim) == Some(marker.as_str())
            });
            match found {
                Some(note) if body_hash(&note.body) == hash => {
                    remember(store, &target, &key, note.id, &hash, now).await?;
                    return Ok(PostOutcome::Unchanged);
                }
                Some(note) => Some(note.id),
                None => None,
            }
        }
    };
    let (project, iid) = api.issue();
    let what = format!("weekly digest `{key}`");
    let create = |why: &'static str| Logged {
        action: "note.create",
        api_call: format!("POST {}", api.path(None)),
        project,
        iid,
        detail: format!("{what}{why}"),
        ok_status: 201,
    };
    let (note, outcome) = match known {
        Some(id) => {
            let update = Logged {
                action: "note.update",
                api_call: format!("PUT {}", api.path(Some(id))),
                project,
                iid,
                detail: format!("{what}, note {id}"),
                ok_status: 200,
            };
            match logged(store, now, update, api.edit(gitlab, ctx, id, body)).await {
                Ok(note) => (note, PostOutcome::Updated),
                // Someone deleted the week's note: post it again rather than fail every re-run.
                Err(DigestError::GitLab(e)) if e.status() == Some(404) => {
                    let again = create(" (the previous one was deleted)");
                    let note = logged(store, now, again, api.create(gitlab, ctx, body)).await?;
                    (note, PostOutcome::Created)
                }
                Err(e) => return Err(e),
            }
        }
        None => {
            let note = logged(store, now, create(""), api.create(gitlab, ctx, body)).await?;
            (note, PostOutcome::Created)
        }
    };
    remember(store, &target, &key, note.id, &hash, now).await?;
    Ok(outcome)
}

/// A digest write, as the audit log records it.
struct Logged {
    action: &'static str,
    api_call: String,
    project: Option<ProjectId>,
    iid: Option<IssueIid>,
    detail: String,
    ok_status: u16,
}

/// Makes the call `send` with its audit entry written ahead ([`crate::audit::logged`]).
async fn logged<T>(
    store: &dyn Store,
    now: DateTime<Utc>,
    call: Logged,
    send: impl Future<Output = Result<T, GitLabError>>,
) -> Result<T, DigestError> {
    let entry = AuditEntry {
        at: now,
        job_id: None,
        delivery_id: None,
        project_id: call.project,
        issue_iid: call.iid,
        actor: "steward".to_owned(),
        rule_names: Vec::new(),
        action: call.action.to_owned(),
        api_call: Some(call.api_call),
        response_status: None,
        detail: call.detail.clone(),
    };
    let detail = call.detail;
    Ok(crate::audit::logged(store, entry, call.ok_status, send, |_| detail).await??)
}

async fn remember(
    store: &dyn Store,
    target: &NoteTarget,
    key: &str,
    note_id: NoteId,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let note = OwnedNote {
        note_id,
        body_hash: hash.to_owned(),
        updated_at: now,
    };
    store.put_owned_note(target, key, note).await
}

/// GraphQL work-item notes cannot be listed through the `GitLab` trait, so the note's global
/// id is remembered in the store under the epic and week.
async fn post_graphql(
    gitlab: &dyn GitLab,
    store: &dyn Store,
    ctx: &CallContext,
    (group, epic_iid): (GroupId, EpicIid),
    week: IsoWeek,
    body: &str,
    now: DateTime<Utc>,
) -> Result<PostOutcome, DigestError> {
    let what = format!(
        "weekly digest `{}` on epic &{epic_iid} of group {group}",
        note_key(week)
    );
    let hash = body_hash(body);
    let known = store.digest_graphql_note(group, epic_iid, week).await?;
    let (gid, outcome) = match known {
        Some(note) if note.body_hash == hash => return Ok(PostOutcome::Unchanged),
        Some(note) => {
            let call = Logged {
                action: "note.update",
                api_call: "POST /graphql updateNote".to_owned(),
                project: None,
                iid: None,
                detail: format!("{what}, note {}", note.gid),
                ok_status: 200,
            };
            let send = gitlab.work_item_update_note(ctx, &note.gid, body);
            let updated = logged(store, now, call, send).await?;
            (updated.gid, PostOutcome::Updated)
        }
        None => {
            let work_item = work_item_gid(gitlab, store, ctx, group, epic_iid, now).await?;
            let call = Logged {
                action: "note.create",
                api_call: "POST /graphql createNote".to_owned(),
                project: None,
                iid: None,
                detail: what,
                ok_status: 200,
            };
            let send = gitlab.work_item_create_note(ctx, &work_item, body);
            let created = logged(store, now, call, send).await?;
            (created.gid, PostOutcome::Created)
        }
    };
    let note = GraphqlNoteRef {
        gid,
        body_hash: hash,
    };
    store
        .set_digest_graphql_note(group, epic_iid, week, &note, now)
        .await?;
    Ok(outcome)
}

async fn work_item_gid(
    gitlab: &dyn GitLab,
    store: &dyn Store,
    ctx: &CallContext,
    group: GroupId,
    epic_iid: EpicIid,
    now: DateTime<Utc>,
) -> Result<String, DigestError> {
    if let Some(gid) = store.epic_work_item(group, epic_iid).await? {
        return Ok(gid);
    }
    let epic = gitlab.get_epic(ctx, group, epic_iid).await?;
    let gid = epic
        .work_item_gid()
        .ok_or(DigestError::NoWorkItem { group, epic_iid })?;
    store.set_epic_work_item(group, epic_iid, &gid, now).await?;
    Ok(gid)
}
