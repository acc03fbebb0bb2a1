//! Issue sync: re-read one issue (the webhook is only a trigger), decide what it should look
//! like (the rules engine), diff that against what it is (`steward_core::reconcile`), write the
//! difference to GitLab, and keep the owned-note records and the audit log.
//!
//! It never decides what an issue should look like and never computes diffs; it sequences reads
//! and writes and says how the run ended. It knows nothing of the queue: the runner
//! ([`super::worker`]) claims the job and records the [`RunOutcome`].

mod links;
mod target;

use std::sync::Arc;

use target::Target;
use tracing::{Instrument, info_span};

use super::notes::{existing_notes, record_note, set_notes_synced};
use super::plan::{
    count_assignments, plan_with_ledger, record_managed_due, record_own_write, record_waiting,
};
use super::{IssueSync, RunOutcome, SyncError};
use crate::audit;
use crate::gitlab::cached::CachedGitLab;
use crate::gitlab::{CallContext, DueDateEdit, GitLab, IssueEdit};
use crate::store::{AuditEntry, DeliveryId, Store};
use steward_core::clock::Clock;
use steward_core::model::{Issue, NoteId, StateChange, UserRef, Username};
use steward_core::reconcile::{self, Actions, NoteAction};
use steward_core::rules::Engine;

/// Exactly what issue sync uses.
#[derive(Clone)]
pub struct SyncDeps {
    /// The store: owned notes, audit log, workload and managed due dates.
    pub store: Arc<dyn Store>,
    /// GitLab, behind the cache of project labels and user ids.
    pub gitlab: Arc<CachedGitLab>,
    /// Templates, rules, roster and calendar.
    pub engine: Arc<Engine>,
    /// Source of "now".
    pub clock: Arc<dyn Clock>,
    /// Steward's own GitLab user (its notes are the owned ones).
    pub bot: UserRef,
    /// When this store was first used: owned-note records are complete for issues created
    /// after it (see [`super::notes::stored_notes`]).
    pub store_born: Option<chrono::DateTime<chrono::Utc>>,
}

impl std::fmt::Debug for SyncDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncDeps")
            .field("bot", &self.bot)
            .field("store_born", &self.store_born)
            .finish_non_exhaustive()
    }
}

/// Re-reads the issue, decides and reconciles. Safe to run any number of times: a run over an
/// issue already in line with the rules writes nothing.
pub async fn run(deps: &SyncDeps, job: &IssueSync) -> RunOutcome {
    let span =
        info_span!("sync", project = %job.project, iid = %job.iid, delivery_id = job.delivery_id);
    let sync = Sync::new(deps, job);
    async {
        match sync.try_sync().await {
            Ok(summary) => RunOutcome::Done(summary),
            Err(SyncError::GitLab(e)) if e.is_transient() => RunOutcome::Retry {
                error: e.to_string(),
                after: e.retry_after(),
            },
            Err(SyncError::GitLab(e)) if e.is_not_found() => {
                let reason = format!(
                    "issue {}#{} is gone (deleted, moved or not in that project): {e}",
                    job.project, job.iid
                );
                sync.audit("job.gone", e.status(), &reason, &[]).await;
                RunOutcome::Gone(reason)
            }
            Err(SyncError::GitLab(e)) => {
                sync.audit("job.failed", e.status(), &e.to_string(), &[])
                    .await;
                RunOutcome::Fail(e.to_string())
            }
            // The store being unavailable is never the issue's fault: try again later.
            Err(SyncError::Store(e)) => RunOutcome::Retry {
                error: format!("store: {e}"),
                after: None,
            },
        }
    }
    .instrument(span)
    .await
}

/// One run of one sync job.
struct Sync<'a> {
    deps: &'a SyncDeps,
    job: &'a IssueSync,
    ctx: CallContext,
}

impl<'a> Sync<'a> {
    fn new(deps: &'a SyncDeps, job: &'a IssueSync) -> Self {
        Self {
            deps,
            job,
            ctx: CallContext {
                event_uuid: job.event_uuid.clone(),
            },
        }
    }

    async fn try_sync(&self) -> Result<String, SyncError> {
        let (deps, job) = (self.deps, self.job);
        let (mut issue, to) = Target::read(deps.gitlab.as_ref(), job, &self.ctx).await?;
        let existing = existing_notes(deps, &issue, &self.ctx, to.work_item_gid()).await?;
        let (decision, actions, ledger) = plan_with_ledger(deps, &mut issue, &existing).await?;
        let rules: Vec<String> = decision
            .plan
            .matched_rules
            .iter()
            .map(|r| r.name.clone())
            .collect();
        for problem in &actions.problems {
            self.audit("plan.skipped", None, &problem.to_string(), &rules)
                .await;
        }
        super::ledger::record(deps, &ledger).await;
        let mut summary = self.link_duplicates(&ledger, &rules).await?;
        if actions.is_noop() {
            record_waiting(deps, &issue, &issue.labels).await;
            if summary.is_empty() {
                return Ok("no change".to_owned());
            }
            return Ok(summary.join("; "));
        }
        let assigned = decision.plan.assignees.as_deref();
        let mut end_labels = issue.labels.clone();
        let mut edited = None;
        if let Some(changes) = &actions.edit {
            let (detail, after) = self.apply_edit(&to, changes, &rules, assigned).await?;
            summary.push(detail);
            edited = after;
            end_labels.retain(|l| !changes.remove_labels.contains(l));
            end_labels.extend(changes.add_labels.iter().cloned());
        }
        record_waiting(deps, &issue, &end_labels).await;
        let created = self
            .apply_notes(&to, &actions, &rules, &mut summary)
            .await?;
        if matches!(to, Target::Rest { .. }) {
            self.record_own_write(&issue, edited, !actions.notes.is_empty(), created)
                .await;
        }
        Ok(summary.join("; "))
    }

    /// Records the issue as Steward's writes left it (`created`: comments it posted).
    ///
    /// After an edit, its answer is the issue: the comments posted right after it do not move
    /// its `updated_at` (GitLab stamps a note into its issue only when the issue was updated
    /// more than a minute before, `ThrottledTouch`, see `steward_core::activity`), only its
    /// comment count. A run that only comments has no such answer (a note's answer is the
    /// note), so the issue is read once more. Should a comment come later than that minute
    /// after the edit, GitLab's later stamp reads as someone else's activity: the clock
    /// restarts and the catch-up decides the issue once more, never the other way round. A
    /// failed read only costs the record.
    async fn record_own_write(
        &self,
        before: &Issue,
        edited: Option<Issue>,
        noted: bool,
        created: u64,
    ) {
        let (deps, job) = (self.deps, self.job);
        let after = match edited {
            Some(mut after) => {
                after.user_notes_count = after.user_notes_count.map(|n| n + created);
                after
            }
            None if !noted => return,
            None => match deps.gitlab.get_issue(&self.ctx, job.project, job.iid).await {
                Ok(after) => after,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the issue after Steward's writes");
                    return;
                }
            },
        };
        record_own_write(deps, before, &after).await;
    }

    /// Edits the issue (labels, assignees, due date, state) in one call; returns what changed
    /// and the issue as GitLab answered (REST answers with it; GraphQL's `workItemUpdate` is
    /// not read back).
    async fn apply_edit(
        &self,
        to: &Target,
        changes: &reconcile::IssueChanges,
        rules: &[String],
        assigned: Option<&[Username]>,
    ) -> Result<(String, Option<Issue>), SyncError> {
        let (deps, job) = (self.deps, self.job);
        let edit = IssueEdit {
            add_labels: changes.add_labels.iter().cloned().collect(),
            remove_labels: changes.remove_labels.iter().cloned().collect(),
            assignee_ids: changes.assignee_ids.clone(),
            due_date: changes.due_date.map(DueDateEdit::Set),
            state_event: changes.state,
        };
        let detail = describe_edit(changes);
        let entry = self.write_entry("issue.edit", to.edit_call(), &detail, rules);
        let send = to.edit(deps.gitlab.as_ref(), &self.ctx, &edit);
        let after =
            audit::logged(deps.store.as_ref(), entry, 200, send, |_| detail.clone()).await??;
        if changes.assignee_ids.is_some()
            && let Some(names) = assigned
        {
            count_assignments(deps, job.project, names).await;
        }
        if let Some(due) = changes.due_date {
            record_managed_due(deps, job.project, job.iid, due).await;
        }
        Ok((detail, after))
    }

    /// Creates and updates Steward's notes; a note someone deleted is posted again. Returns how
    /// many notes it posted.
    async fn apply_notes(
        &self,
        to: &Target,
        actions: &Actions,
        rules: &[String],
        summary: &mut Vec<String>,
    ) -> Result<u64, SyncError> {
        let (deps, job) = (self.deps, self.job);
        let mut created = 0;
        for action in &actions.notes {
            let (key, note_id, body) = match action {
                NoteAction::Create { key, body } => {
                    self.create_owned_note(to, key, body, rules, "").await?;
                    summary.push(format!("created note `{key}`"));
                    created += 1;
                    continue;
                }
                NoteAction::Update { key, note_id, body } => (key, note_id, body),
            };
            let detail = format!("note {note_id} `{key}`");
            let api_call = to.note_call(Some(*note_id));
            let entry = self.write_entry("note.update", api_call, &detail, rules);
            let send = to.edit_note(deps.gitlab.as_ref(), &self.ctx, *note_id, body);
            match audit::logged(deps.store.as_ref(), entry, 200, send, |_| detail).await? {
                Ok(note) => {
                    record_note(deps, job.project, job.iid, key, note, body).await;
                    summary.push(format!("updated note `{key}`"));
                }
                Err(e) if e.status() == Some(404) => {
                    // Someone deleted Steward's note: post it again.
                    let why = " (the previous one was deleted)";
                    self.create_owned_note(to, key, body, rules, why).await?;
                    summary.push(format!("re-created deleted note `{key}`"));
                    created += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(created)
    }

    /// Posts an owned note and records it. The issue's note records are marked incomplete
    /// first: if the process dies after GitLab created the note but before it is recorded, the
    /// next run lists the issue's notes and finds it by marker instead of posting a second one.
    async fn create_owned_note(
        &self,
        to: &Target,
        key: &str,
        body: &str,
        rules: &[String],
        why: &str,
    ) -> Result<(), SyncError> {
        let (deps, job) = (self.deps, self.job);
        set_notes_synced(deps, job.project, job.iid, false).await;
        let planned = format!("note `{key}`{why}");
        let entry = self.write_entry("note.create", to.note_call(None), &planned, rules);
        // Team-only notes (the customer ledger's) are GitLab internal notes (GITLAB.md §3.2).
        let internal = reconcile::is_internal_note(key);
        let send = to.create_note(deps.gitlab.as_ref(), &self.ctx, body, internal);
        let created = |n: &NoteId| format!("note {n} `{key}`{why}");
        let status = to.created_status();
        let note = audit::logged(deps.store.as_ref(), entry, status, send, created).await??;
        if record_note(deps, job.project, job.iid, key, note, body).await {
            set_notes_synced(deps, job.project, job.iid, true).await;
        }
        Ok(())
    }

    /// The audit entry of a write, with the change it plans (see [`audit::logged`]).
    fn write_entry(
        &self,
        action: &str,
        api_call: String,
        detail: &str,
        rules: &[String],
    ) -> AuditEntry {
        AuditEntry {
            api_call: Some(api_call),
            detail: detail.to_owned(),
            ..self.audit_entry(action, rules)
        }
    }

    /// An entry about this job with no call, status or detail yet.
    fn audit_entry(&self, action: &str, rules: &[String]) -> AuditEntry {
        AuditEntry {
            at: self.deps.clock.now(),
            job_id: None,
            delivery_id: self.job.delivery_id.map(DeliveryId),
            project_id: Some(self.job.project),
            issue_iid: Some(self.job.iid),
            actor: "steward".to_owned(),
            rule_names: rules.to_vec(),
            action: action.to_owned(),
            api_call: None,
            response_status: None,
            detail: String::new(),
        }
    }

    /// Records something Steward decided without writing to GitLab (a skipped plan, a failed
    /// job).
    async fn audit(&self, action: &str, status: Option<u16>, detail: &str, rules: &[String]) {
        let entry = AuditEntry {
            response_status: status,
            detail: detail.to_owned(),
            ..self.audit_entry(action, rules)
        };
        if let Err(e) = self.deps.store.append_audit(entry).await {
            tracing::error!(error = %e, action, "could not write the audit log");
        }
    }
}

fn describe_edit(c: &reconcile::IssueChanges) -> String {
    let mut parts = Vec::new();
    if !c.add_labels.is_empty() {
        let l: Vec<&str> = c.add_labels.iter().map(|l| l.as_str()).collect();
        parts.push(format!("+labels {}", l.join(", ")));
    }
    if !c.remove_labels.is_empty() {
        let l: Vec<&str> = c.remove_labels.iter().map(|l| l.as_str()).collect();
        parts.push(format!("-labels {}", l.join(", ")));
    }
    if let Some(ids) = &c.assignee_ids {
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        parts.push(format!("assignees [{}]", ids.join(", ")));
    }
    if let Some(d) = c.due_date {
        parts.push(format!("due {d}"));
    }
    match c.state {
        Some(StateChange::Close) => parts.push("close".to_owned()),
        Some(StateChange::Reopen) => parts.push("reopen".to_owned()),
        None => {}
    }
    parts.join("; ")
}
