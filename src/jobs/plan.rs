//! What an issue should look like and the writes that get it there: the one path shared by
//! webhook syncs and sweeps. Also the small state the rules read back (the workload per
//! assignee for least-loaded routing, the due date Steward set last).

use std::collections::BTreeMap;

use super::{SyncDeps, SyncError};
use crate::store::StoreError;
use steward_core::model::{Issue, IssueIid, ProjectId, Username};
use steward_core::reconcile::{self, Actions, ExistingNote};
use steward_core::rules::{Decision, Workload};

/// Decides what the issue should look like and diffs that against its current state.
/// `existing` are Steward's notes on the issue by key; they fill `issue.owned_note_keys`.
pub async fn plan_actions(
    deps: &SyncDeps,
    issue: &mut Issue,
    existing: &BTreeMap<String, ExistingNote>,
) -> Result<(Decision, Actions), SyncError> {
    issue.owned_note_keys = existing.keys().cloned().collect();
    issue.managed_due_date = deps
        .store
        .get_state(&managed_due_key(issue.project_id, issue.iid))
        .await?
        .and_then(|d| d.parse().ok());
    let workload = load_workload(deps, issue.project_id).await?;
    let decision = deps.engine.decide(issue, deps.clock.now(), &workload);
    let plan = &decision.plan;
    let directory = &deps.directory;
    let mut labels = directory.project_labels(issue.project_id, false).await?;
    if plan.add_labels.iter().any(|l| !labels.contains(l)) {
        labels = directory.project_labels(issue.project_id, true).await?;
    }
    let users = match &plan.assignees {
        Some(names) => directory.user_ids(names).await?,
        None => Default::default(),
    };
    let actions = reconcile::diff(plan, issue, existing, &labels, &users);
    Ok((decision, actions))
}

fn workload_key(project: ProjectId) -> String {
    format!("workload:{project}")
}

/// Open issues per assignee in `project`, as the last full sweep counted them plus the
/// assignments Steward made since (for least-loaded routing). Empty before the first sweep.
pub async fn load_workload(deps: &SyncDeps, project: ProjectId) -> Result<Workload, StoreError> {
    let text = deps.store.get_state(&workload_key(project)).await?;
    let open_issues = text
        .and_then(|t| serde_json::from_str::<BTreeMap<String, u32>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(u, n)| (Username(u), n))
        .collect();
    Ok(Workload { open_issues })
}

/// Stores a project's workload (see [`load_workload`]).
pub async fn save_workload(
    deps: &SyncDeps,
    project: ProjectId,
    counts: &BTreeMap<String, u32>,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(counts).unwrap_or_else(|_| "{}".to_owned());
    deps.store.set_state(&workload_key(project), &text).await
}

/// Counts the assignments Steward just made: approximate between full sweeps (which recount),
/// good enough to spread a day's new requests across a role. Never fatal.
pub async fn count_assignments(deps: &SyncDeps, project: ProjectId, assigned: &[Username]) {
    let Ok(w) = load_workload(deps, project).await else {
        return;
    };
    let mut counts: BTreeMap<String, u32> =
        w.open_issues.into_iter().map(|(u, n)| (u.0, n)).collect();
    for name in assigned {
        *counts.entry(name.as_str().to_owned()).or_default() += 1;
    }
    if let Err(e) = save_workload(deps, project, &counts).await {
        tracing::warn!(error = %e, "could not update the workload");
    }
}

/// Records the due date Steward set, so that a later run may move it (and only it). Never
/// fatal: a failure only costs the ability to move this date later.
pub async fn record_managed_due(
    deps: &SyncDeps,
    project: ProjectId,
    iid: IssueIid,
    due: chrono::NaiveDate,
) {
    let key = managed_due_key(project, iid);
    if let Err(e) = deps.store.set_state(&key, &due.to_string()).await {
        tracing::warn!(error = %e, "could not record the due date Steward set");
    }
}

fn managed_due_key(project: ProjectId, iid: IssueIid) -> String {
    format!("managed-due:{project}:{iid}")
}
