//! Bookkeeping of the notes Steward owns on an issue: which notes exist (from the store when it
//! is known to hold all of them, else listed from GitLab and found by marker), recording a
//! note written, and the per-issue flag saying whether the records are complete.

use std::collections::BTreeMap;

use super::{SyncDeps, SyncError};
use crate::gitlab::{CallContext, GitLab, Note};
use crate::store::{NoteTarget, OwnedNote, StoreError};
use steward_core::model::{Issue, IssueIid, NoteId, ProjectId};
use steward_core::reconcile::{self, ExistingNote};

fn target(project: ProjectId, iid: IssueIid) -> NoteTarget {
    NoteTarget::Issue { project, iid }
}

/// The issue's owned notes from the store, when the store is known to hold all of them: the
/// issue is newer than the store, or its notes were listed from GitLab once and every creation
/// since was recorded. `None` means "ask GitLab".
pub async fn stored_notes(
    deps: &SyncDeps,
    issue: &Issue,
) -> Result<Option<BTreeMap<String, ExistingNote>>, StoreError> {
    let flag = deps.store.notes_synced(issue.project_id, issue.iid).await?;
    let authoritative = match flag {
        Some(synced) => synced,
        None => deps.store_born.is_some_and(|born| issue.created_at >= born),
    };
    if !authoritative {
        return Ok(None);
    }
    let owned = deps
        .store
        .list_owned_notes(&target(issue.project_id, issue.iid))
        .await?;
    Ok(Some(
        owned
            .into_iter()
            .map(|(key, n)| {
                let note = ExistingNote {
                    id: n.note_id,
                    body_hash: n.body_hash,
                };
                (key, note)
            })
            .collect(),
    ))
}

/// Steward's notes on the issue, by key. The store is authoritative when it knows it holds
/// every owned note of the issue (see [`stored_notes`]). Otherwise (an issue older than the
/// store, e.g. after a database loss, or an interrupted note creation) the notes are listed
/// from GitLab and found by marker.
///
/// `work_item` is the global id of an item read through GraphQL: its notes are listed there.
pub async fn existing_notes(
    deps: &SyncDeps,
    issue: &Issue,
    ctx: &CallContext,
    work_item: Option<&str>,
) -> Result<BTreeMap<String, ExistingNote>, SyncError> {
    if let Some(known) = stored_notes(deps, issue).await? {
        return Ok(known);
    }
    let (project, iid) = (issue.project_id, issue.iid);
    let notes: Vec<Note> = match work_item {
        Some(gid) => deps.gitlab.work_item_notes(ctx, gid).await?,
        None => deps.gitlab.list_notes(ctx, project, iid).await?,
    };
    let mut found = BTreeMap::new();
    let mut all_recorded = true;
    for note in notes {
        if note.system || note.author.id != deps.bot.id {
            continue;
        }
        // The oldest note with a key wins; later duplicates (from before Steward kept records)
        // are left alone rather than guessed about.
        if let Some(key) = reconcile::marker_key(&note.body)
            && !found.contains_key(key)
        {
            let hash = reconcile::body_hash(&note.body);
            all_recorded &= record_hash(deps, project, iid, key, note.id, &hash).await;
            let existing = ExistingNote {
                id: note.id,
                body_hash: hash,
            };
            found.insert(key.to_owned(), existing);
        }
    }
    if all_recorded {
        set_notes_synced(deps, project, iid, true).await;
    }
    Ok(found)
}

/// Records that `note` now holds `body` under `key`. `false` when the store refused (the
/// issue's records are then marked incomplete).
pub async fn record_note(
    deps: &SyncDeps,
    project: ProjectId,
    iid: IssueIid,
    key: &str,
    note: NoteId,
    body: &str,
) -> bool {
    let hash = reconcile::body_hash(body);
    record_hash(deps, project, iid, key, note, &hash).await
}

async fn record_hash(
    deps: &SyncDeps,
    project: ProjectId,
    iid: IssueIid,
    key: &str,
    id: NoteId,
    hash: &str,
) -> bool {
    let note = OwnedNote {
        note_id: id,
        body_hash: hash.to_owned(),
        updated_at: deps.clock.now(),
    };
    match deps
        .store
        .put_owned_note(&target(project, iid), key, note)
        .await
    {
        Ok(()) => true,
        Err(e) => {
            // Not fatal: the issue's records are marked incomplete, so the next run lists its
            // notes and finds this one by marker. The caller must not mark them complete again.
            tracing::warn!(error = %e, key, "could not record an owned note");
            set_notes_synced(deps, project, iid, false).await;
            false
        }
    }
}

/// Marks the issue's owned-note records complete (`true`) or not. Never fatal.
pub async fn set_notes_synced(deps: &SyncDeps, project: ProjectId, iid: IssueIid, synced: bool) {
    let now = deps.clock.now();
    if let Err(e) = deps.store.set_notes_synced(project, iid, synced, now).await {
        tracing::warn!(error = %e, "could not record owned-note sync state");
    }
}
