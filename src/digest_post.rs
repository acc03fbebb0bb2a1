//! Posting a rendered digest: once per ISO week per target, editing that week's note when the
//! body changed and writing nothing when it did not. The digest's content is decided in
//! `steward_core::digest`; this module only performs the I/O.

use chrono::{DateTime, Utc};

use steward_core::digest::{DigestTarget, EpicApi, IsoWeek, marker, note_key};
use steward_core::model::{EpicId, EpicIid, GroupId, IssueIid, NoteId, ProjectId};
use steward_core::reconcile::body_hash;

use crate::gitlab::{CallContext, GitLab, GitLabError, Note};
use crate::store::{AuditEntry, NoteTarget, OwnedNote, Store, StoreError};

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
         (`gitlab.epics_api: rest`, or `api: rest` on the target) on this GitLab version"
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
            api: Some(EpicApi::Rest),
        } => {
            tracing::info!(%group, %epic_iid, epics_api = "rest", "posting the digest on an epic");
            let epic_id = epic_id(gitlab, store, &ctx, group, epic_iid, now).await?;
            let notes = NoteApi::Epic { group, epic_id };
            upsert(gitlab, store, &ctx, &notes, week, &body, now).await
        }
        DigestTarget::Epic {
            group,
            epic_iid,
            api: Some(EpicApi::GraphQl) | None,
        } => {
            tracing::info!(%group, %epic_iid, epics_api = "graphql", "posting the digest on an epic");
            let gid = work_item_gid(gitlab, store, &ctx, group, epic_iid, now).await?;
            let notes = NoteApi::WorkItem { gid };
            upsert(gitlab, store, &ctx, &notes, week, &body, now).await
        }
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

/// The note endpoints of a target: REST epic or issue notes, or GraphQL work-item notes.
enum NoteApi {
    Epic {
        group: GroupId,
        epic_id: EpicId,
    },
    Issue {
        project: ProjectId,
        iid: IssueIid,
    },
    /// An epic's work item (GITLAB.md §6.2). GraphQL note ids are the REST ones.
    WorkItem {
        gid: String,
    },
}

impl NoteApi {
    /// The call of a note creation (`note: None`) or edit, for the audit log.
    fn call(&self, note: Option<NoteId>) -> String {
        let base = match self {
            Self::Epic { group, epic_id } => format!("/groups/{group}/epics/{epic_id}/notes"),
            Self::Issue { project, iid } => format!("/projects/{project}/issues/{iid}/notes"),
            Self::WorkItem { gid } => {
                return match note {
                    None => format!("POST /api/graphql createNote {gid}"),
                    Some(n) => format!("POST /api/graphql updateNote gid://gitlab/Note/{n}"),
                };
            }
        };
        match note {
            None => format!("POST {base}"),
            Some(n) => format!("PUT {base}/{n}"),
        }
    }

    fn created_status(&self) -> u16 {
        match self {
            Self::WorkItem { .. } => 200,
            _ => 201,
        }
    }

    fn issue(&self) -> (Option<ProjectId>, Option<IssueIid>) {
        match *self {
            Self::Issue { project, iid } => (Some(project), Some(iid)),
            _ => (None, None),
        }
    }

    fn target(&self) -> NoteTarget {
        match self {
            Self::Epic { group, epic_id } => NoteTarget::Epic {
                group: *group,
                epic_id: *epic_id,
            },
            Self::Issue { project, iid } => NoteTarget::Issue {
                project: *project,
                iid: *iid,
            },
            Self::WorkItem { gid } => NoteTarget::Key(format!("work_item:{gid}")),
        }
    }

    async fn list(&self, gl: &dyn GitLab, ctx: &CallContext) -> Result<Vec<Note>, GitLabError> {
        match self {
            Self::Epic { group, epic_id } => gl.list_epic_notes(ctx, *group, *epic_id).await,
            Self::Issue { project, iid } => gl.list_notes(ctx, *project, *iid).await,
            Self::WorkItem { gid } => gl.work_item_notes(ctx, gid).await,
        }
    }

    async fn create(
        &self,
        gl: &dyn GitLab,
        ctx: &CallContext,
        body: &str,
    ) -> Result<NoteId, GitLabError> {
        match self {
            Self::Epic { group, epic_id } => {
                Ok(gl.create_epic_note(ctx, *group, *epic_id, body).await?.id)
            }
            Self::Issue { project, iid } => Ok(gl.create_note(ctx, *project, *iid, body).await?.id),
            Self::WorkItem { gid } => gl
                .work_item_create_note(ctx, gid, body, false)
                .await?
                .note_id(),
        }
    }

    async fn edit(
        &self,
        gl: &dyn GitLab,
        ctx: &CallContext,
        note: NoteId,
        body: &str,
    ) -> Result<NoteId, GitLabError> {
        match self {
            Self::Epic { group, epic_id } => Ok(gl
                .edit_epic_note(ctx, *group, *epic_id, note, body)
                .await?
                .id),
            Self::Issue { project, iid } => {
                Ok(gl.edit_note(ctx, *project, *iid, note, body).await?.id)
            }
            Self::WorkItem { .. } => {
                let gid = format!("gid://gitlab/Note/{note}");
                gl.work_item_update_note(ctx, &gid, body).await?.note_id()
            }
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
        api_call: api.call(None),
        project,
        iid,
        detail: format!("{what}{why}"),
        ok_status: api.created_status(),
    };
    let (note, outcome) = match known {
        Some(id) => {
            let update = Logged {
                action: "note.update",
                api_call: api.call(Some(id)),
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
    remember(store, &target, &key, note, &hash, now).await?;
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
