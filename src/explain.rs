//! Why an issue looks as it does: from the audit log, each label, assignment, due date and
//! owned note Steward set, by which rule and when; and from a fresh decision (a dry run through
//! the same path as webhook syncs), which rules match now and what Steward would change.
//! Shared by `steward explain` and the status page.
//!
//! It writes nothing: not to GitLab, not to the store (not even the owned-note records a sync
//! would keep). It decides nothing itself: the engine decides, `jobs::plan` diffs.

mod issue_ref;
mod origin;
mod text;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::gitlab::{CallContext, GitLab};
use crate::jobs::notes::stored_notes;
use crate::jobs::plan::plan_actions;
use crate::jobs::{SyncDeps, SyncError};
use crate::store::{AuditFilter, AuditRecord, NoteTarget, OwnedNote};
use steward_core::model::Issue;
use steward_core::reconcile::{self, Actions, ExistingNote};
use steward_core::rules::Decision;

pub use issue_ref::{IssueRef, ProjectPart, RefError, parse, resolve};
pub use origin::{Origins, SetBy, origins};
pub use text::{StateRow, origin_text, render_text};

/// The most audit entries read for one issue (newest kept).
pub const HISTORY_LIMIT: u32 = 500;

/// Everything known about why an issue looks as it does.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The issue as GitLab has it now.
    pub issue: Issue,
    /// Its audit log, oldest first (at most [`HISTORY_LIMIT`] entries, the newest).
    pub history: Vec<AuditRecord>,
    /// What Steward's accepted writes set.
    pub origins: Origins,
    /// The notes Steward owns on it, by key.
    pub owned_notes: Vec<(String, OwnedNote)>,
    /// The decision made now.
    pub decision: Decision,
    /// What Steward would write now (nothing is written).
    pub would: Actions,
    /// When the decision was made.
    pub now: DateTime<Utc>,
}

/// Explains `issue` (read from GitLab by the caller).
pub async fn explain(deps: &SyncDeps, mut issue: Issue) -> Result<Explanation, SyncError> {
    let (project, iid) = (issue.project_id, issue.iid);
    let filter = AuditFilter {
        project: Some(project),
        issue: Some(iid),
        limit: Some(HISTORY_LIMIT),
        ..AuditFilter::default()
    };
    let mut history = deps.store.list_audit(&filter).await?;
    history.reverse();
    let owned_notes = deps
        .store
        .list_owned_notes(&NoteTarget::Issue { project, iid })
        .await?;
    let existing = existing_notes(deps, &issue).await?;
    let now = deps.clock.now();
    let (decision, would) = plan_actions(deps, &mut issue, &existing).await?;
    Ok(Explanation {
        origins: origins(&history),
        issue,
        history,
        owned_notes,
        decision,
        would,
        now,
    })
}

/// Steward's notes on the issue by key: from the store when it holds all of them, else listed
/// from GitLab and found by marker (as a sync does, but recording nothing).
async fn existing_notes(
    deps: &SyncDeps,
    issue: &Issue,
) -> Result<BTreeMap<String, ExistingNote>, SyncError> {
    if let Some(known) = stored_notes(deps, issue).await? {
        return Ok(known);
    }
    let notes = deps
        .gitlab
        .list_notes(&CallContext::none(), issue.project_id, issue.iid)
        .await?;
    let mut found = BTreeMap::new();
    for note in notes {
        if note.system || note.author.id != deps.bot.id {
            continue;
        }
        if let Some(key) = reconcile::marker_key(&note.body)
            && !found.contains_key(key)
        {
            let existing = ExistingNote {
                id: note.id,
                body_hash: reconcile::body_hash(&note.body),
            };
            found.insert(key.to_owned(), existing);
        }
    }
    Ok(found)
}
