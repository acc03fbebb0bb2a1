//! What an issue should look like and the writes that get it there: the one path shared by
//! webhook syncs and sweeps. Also the small state the rules read back (the workload per
//! assignee for least-loaded routing, the due date Steward set last, the waits on the
//! requester).

use std::collections::BTreeMap;

use super::ledger::LedgerRun;
use super::{SyncDeps, SyncError};
use crate::store::StoreError;
use steward_core::activity;
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
    let (decision, actions, _) = plan_with_ledger(deps, issue, existing).await?;
    Ok((decision, actions))
}

/// [`plan_actions`], with the customer ledger's view of the issue folded into the plan (issue
/// sync records the ask and links the duplicates it found).
pub async fn plan_with_ledger(
    deps: &SyncDeps,
    issue: &mut Issue,
    existing: &BTreeMap<String, ExistingNote>,
) -> Result<(Decision, Actions, LedgerRun), SyncError> {
    fill_recorded_state(deps, issue, existing).await?;
    let workload = load_workload(deps, issue.project_id).await?;
    let mut decision = deps.engine.decide(issue, deps.clock.now(), &workload);
    let ledger = super::ledger::plan(deps, issue, &decision).await?;
    super::ledger::merge(&mut decision.plan, &ledger.plan);
    let actions = diff_decision(deps, issue, existing, &decision).await?;
    Ok((decision, actions, ledger))
}

/// Fills in what Steward recorded about the issue and the rules read back: the keys of its
/// notes (`existing`), the due date Steward set last, the waits on the requester and the last
/// activity by someone other than Steward (from the record of its own last write).
pub async fn fill_recorded_state(
    deps: &SyncDeps,
    issue: &mut Issue,
    existing: &BTreeMap<String, ExistingNote>,
) -> Result<(), StoreError> {
    issue.owned_note_keys = existing.keys().cloned().collect();
    issue.managed_due_date = deps
        .store
        .managed_due_date(issue.project_id, issue.iid)
        .await?;
    issue.waiting = deps.store.waiting(issue.project_id, issue.iid).await?;
    let own = deps.store.own_write(issue.project_id, issue.iid).await?;
    issue.last_human_activity_at = Some(activity::last_human_activity(issue, own.as_ref()));
    Ok(())
}

/// The decision and the diff for an issue whose Steward state (owned-note keys, the due date
/// Steward set, the waits) is already filled in, by `deps.engine` at `now` with `workload`:
/// the part of [`plan_actions`] that reads nothing from the store (nor the customer ledger).
/// A dry run that brings its own state (`backtest`: the issue as filed, another engine) plans
/// through it.
pub async fn plan_prepared(
    deps: &SyncDeps,
    issue: &Issue,
    existing: &BTreeMap<String, ExistingNote>,
    workload: &Workload,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Decision, Actions), SyncError> {
    let decision = deps.engine.decide(issue, now, workload);
    let actions = diff_decision(deps, issue, existing, &decision).await?;
    Ok((decision, actions))
}

/// The writes that bring `issue` to `decision`'s plan (labels and users resolved on GitLab).
async fn diff_decision(
    deps: &SyncDeps,
    issue: &Issue,
    existing: &BTreeMap<String, ExistingNote>,
    decision: &Decision,
) -> Result<Actions, SyncError> {
    let plan = &decision.plan;
    let gitlab = &deps.gitlab;
    let mut labels = gitlab.label_set(issue.project_id, false).await?;
    if plan.add_labels.iter().any(|l| !labels.contains(l)) {
        labels = gitlab.label_set(issue.project_id, true).await?;
    }
    let users = match &plan.assignees {
        Some(names) => gitlab.user_ids(names).await?,
        None => Default::default(),
    };
    Ok(reconcile::diff(plan, issue, existing, &labels, &users))
}

/// Open issues per assignee in `project`, as the last full sweep counted them plus the
/// assignments Steward made since (for least-loaded routing). Empty before the first sweep.
pub async fn load_workload(deps: &SyncDeps, project: ProjectId) -> Result<Workload, StoreError> {
    deps.store.workload(project).await
}

/// Stores a project's workload (see [`load_workload`]).
pub async fn save_workload(
    deps: &SyncDeps,
    project: ProjectId,
    counts: &BTreeMap<String, u32>,
) -> Result<(), StoreError> {
    deps.store
        .set_workload(project, counts, deps.clock.now())
        .await
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

/// Keeps the record of the issue's waits on its requester in step with the labels it carries
/// after this run (`end_labels`): a wait starts when a `waiting_on_requester` label appears
/// and ends when it goes. Never fatal: a failure only delays when the wait is counted from.
pub async fn record_waiting(
    deps: &SyncDeps,
    issue: &Issue,
    end_labels: &std::collections::BTreeSet<steward_core::model::LabelName>,
) {
    let now = deps.clock.now();
    let Some(next) = issue
        .waiting
        .update(deps.engine.is_waiting(end_labels), now)
    else {
        return;
    };
    let set = deps
        .store
        .set_waiting(issue.project_id, issue.iid, &next, now);
    if let Err(e) = set.await {
        tracing::warn!(error = %e, "could not record the wait on the requester");
    }
}

/// Records what the issue looked like right after Steward's writes (`after`, as GitLab
/// returned it), keeping the last activity by someone else that `before` carried: Steward's
/// own edits and comments then never count as activity, and the catch-up sweep leaves the
/// issue alone until someone else touches it. Never fatal: a missing record only makes
/// Steward's last write look like someone else's.
pub async fn record_own_write(deps: &SyncDeps, before: &Issue, after: &Issue) {
    let own = activity::record_own_write(before, after);
    let now = deps.clock.now();
    let set = deps
        .store
        .set_own_write(before.project_id, before.iid, &own, now);
    if let Err(e) = set.await {
        tracing::warn!(error = %e, "could not record Steward's own write");
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
    let now = deps.clock.now();
    let set = deps.store.set_managed_due_date(project, iid, due, now);
    if let Err(e) = set.await {
        tracing::warn!(error = %e, "could not record the due date Steward set");
    }
}
