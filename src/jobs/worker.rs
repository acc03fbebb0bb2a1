//! The worker: claims jobs from the store, runs them, and records how each ended. One job is one
//! issue sync: re-read the issue (the webhook is only a trigger), decide, reconcile.
//!
//! It never decides what an issue should look like (`rules`) and never computes diffs
//! (`reconcile::diff`); it sequences reads and writes, retries and audit entries.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info_span};

use crate::audit;
use crate::gitlab::{CallContext, DueDateEdit, GitLabError, IssueEdit, Note};
use crate::jobs::unwind::catch_panic;
use crate::jobs::{IssueSync, Job, RunOutcome, SlotRef, backoff};
use crate::service::AppState;
use crate::store::{AuditEntry, ClaimedJob, NoteTarget};
use steward_core::model::{Issue, IssueIid, ProjectId};
use steward_core::reconcile::{self, Actions, ExistingNote, NoteAction};

/// How long an idle worker waits before looking for jobs again (jobs enqueued by this process
/// wake it at once; this covers other replicas and delayed retries).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// State key prefix saying whether the store's owned-note records for an issue are complete.
const NOTES_SYNCED: &str = "notes-synced";
/// State key holding when this store was first used (see [`Worker::existing_notes`]).
pub const STORE_INITIALISED_AT: &str = "store.initialised_at";

/// One worker task.
#[derive(Debug, Clone)]
pub struct Worker {
    state: Arc<AppState>,
    id: String,
}

impl Worker {
    /// A worker with a unique id (used for leases).
    pub fn new(state: Arc<AppState>, id: String) -> Self {
        Self { state, id }
    }

    /// Runs until `shutdown`; the job in hand is finished first, the rest stay queued.
    pub async fn run(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(worker = %self.id, error = %e, "claiming a job failed"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.state.jobs_ready.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }

    /// Claims and runs one job. `Ok(false)` when none was due.
    pub async fn run_once(&self) -> Result<bool, crate::store::StoreError> {
        let now = self.state.clock.now();
        let Some(job) = self
            .state
            .store
            .claim_job(&self.id, now, self.state.worker.lease)
            .await?
        else {
            return Ok(false);
        };
        let started = std::time::Instant::now();
        let span = info_span!("job", job_id = job.id.0, kind = %job.kind, attempt = job.attempts);
        // A panic anywhere in the job fails that job, never this worker.
        let outcome = match catch_panic(self.execute_leased(&job))
            .instrument(span)
            .await
        {
            Ok(Some(outcome)) => outcome,
            // Another worker holds the job now and will finish it; nothing to record here.
            Ok(None) => return Ok(true),
            Err(message) => {
                let outcome = RunOutcome::Fail(format!("the job panicked: {message}"));
                self.finish_slot(slot_of(&job).as_ref(), &outcome).await;
                outcome
            }
        };
        metrics::histogram!("steward_job_duration_seconds", "kind" => job.kind.clone(), "outcome" => outcome.label())
            .record(started.elapsed().as_secs_f64());
        self.finish(&job, outcome).await?;
        Ok(true)
    }

    /// Runs jobs until none is due now. Tests and the demo use it to drain the queue without
    /// sleeping. Returns how many jobs ran.
    pub async fn drain(&self) -> Result<usize, crate::store::StoreError> {
        let mut n = 0;
        while self.run_once().await? {
            n += 1;
        }
        Ok(n)
    }

    async fn finish(
        &self,
        job: &ClaimedJob,
        outcome: RunOutcome,
    ) -> Result<(), crate::store::StoreError> {
        let store = &self.state.store;
        match outcome {
            RunOutcome::Done(summary) => {
                tracing::info!(job_id = job.id.0, kind = %job.kind, %summary, "job done");
                store
                    .complete_job(job, self.state.clock.now(), &summary)
                    .await?;
            }
            RunOutcome::Retry { error, after } => {
                let wait = backoff(job.attempts, after, job.id.0);
                let at = self.state.clock.now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
                tracing::warn!(job_id = job.id.0, %error, retry_in_ms = wait.as_millis() as u64, "job will retry");
                store
                    .retry_job(job, self.state.clock.now(), &error, at)
                    .await?;
            }
            RunOutcome::Fail(error) => {
                tracing::error!(job_id = job.id.0, %error, "job failed permanently");
                store.fail_job(job, self.state.clock.now(), &error).await?;
            }
            RunOutcome::Gone(reason) => {
                tracing::warn!(job_id = job.id.0, %reason, "job ended: its issue is gone");
                store
                    .mark_job_gone(job, self.state.clock.now(), &reason)
                    .await?;
            }
        }
        Ok(())
    }

    /// Runs the job while renewing its lease every third of the lease, so a slow job (GitLab
    /// latency, rate-budget waits) is never claimed by a second worker, here or on another
    /// replica, while it still runs. If a renewal finds the claim replaced (this worker stalled
    /// past its lease), the job is dropped at its next await point and `None` is returned: the
    /// new holder re-reads the issue, as after a crash.
    async fn execute_leased(&self, job: &ClaimedJob) -> Option<RunOutcome> {
        let lease = self.state.worker.lease;
        let period = (lease / 3).max(Duration::from_millis(100));
        let work = self.execute(job);
        tokio::pin!(work);
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Until when this worker surely holds the job: past it, another worker may have taken
        // it, so carrying on could write to GitLab twice.
        let mut held_until = job.lease_until;
        loop {
            tokio::select! {
                outcome = &mut work => return Some(outcome),
                _ = renew.tick() => {
                    let now = self.state.clock.now();
                    match self.state.store.extend_lease(job, now, lease).await {
                        Ok(until) => held_until = until,
                        Err(crate::store::StoreError::LeaseLost { .. }) => {
                            tracing::warn!(job_id = job.id.0, "lease lost to another worker; job abandoned");
                            return None;
                        }
                        // The lease may still run; the next tick tries again, unless it is
                        // about to expire: then stop before another worker can take over.
                        Err(e) if now + chrono::Duration::from_std(period).unwrap_or_default() < held_until => {
                            tracing::warn!(job_id = job.id.0, error = %e, "could not renew the lease");
                        }
                        Err(e) => {
                            tracing::warn!(job_id = job.id.0, error = %e, "lease could not be renewed before it ran out; job abandoned");
                            return None;
                        }
                    }
                }
            }
        }
    }

    async fn execute(&self, job: &ClaimedJob) -> RunOutcome {
        match Job::of_claimed(job) {
            Ok(Job::IssueSync(sync)) => self.sync_issue(&sync).await,
            Ok(Job::Sweep(sweep)) => self.run_sweep(&sweep, false).await,
            Ok(Job::FullSweep(sweep)) => self.run_sweep(&sweep, true).await,
            Ok(Job::Digest(p)) => {
                let outcome = match super::digest_job::run(&self.state, &p).await {
                    Ok(summary) => RunOutcome::Done(summary),
                    Err(e) if e.is_transient() => RunOutcome::Retry {
                        error: e.to_string(),
                        after: e.retry_after(),
                    },
                    Err(e) => RunOutcome::Fail(e.to_string()),
                };
                self.finish_slot(p.slot.as_ref(), &outcome).await;
                outcome
            }
            Err(e) => RunOutcome::Fail(e.to_string()),
        }
    }

    async fn run_sweep(&self, job: &super::sweep::SweepJob, full: bool) -> RunOutcome {
        let outcome = match super::sweep::sweep(&self.state, full, true).await {
            Ok(report) => RunOutcome::Done(report.summary()),
            Err(SyncError::GitLab(e)) if !e.is_transient() => RunOutcome::Fail(e.to_string()),
            Err(e) => RunOutcome::Retry {
                error: e.to_string(),
                after: match &e {
                    SyncError::GitLab(g) => g.retry_after(),
                    SyncError::Store(_) => None,
                },
            },
        };
        self.finish_slot(job.slot.as_ref(), &outcome).await;
        outcome
    }

    /// Marks a scheduled slot finished once its job has ended (not on a retry).
    async fn finish_slot(&self, slot: Option<&super::SlotRef>, outcome: &RunOutcome) {
        let Some(slot) = slot else { return };
        let text = match outcome {
            RunOutcome::Done(s) => s.clone(),
            RunOutcome::Fail(e) => format!("failed: {e}"),
            RunOutcome::Gone(e) => format!("gone: {e}"),
            RunOutcome::Retry { .. } => return,
        };
        if let Err(e) = self
            .state
            .store
            .finish_slot(&slot.schedule, slot.slot, self.state.clock.now(), &text)
            .await
        {
            tracing::warn!(error = %e, schedule = %slot.schedule, "could not finish a schedule slot");
        }
    }

    /// Re-reads the issue, decides and reconciles. Safe to run any number of times.
    pub async fn sync_issue(&self, job: &IssueSync) -> RunOutcome {
        let span = info_span!("sync", project = %job.project, iid = %job.iid, delivery_id = job.delivery_id);
        async {
            match self.try_sync(job).await {
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
                    self.audit(job, "job.gone", e.status(), &reason, &[]).await;
                    RunOutcome::Gone(reason)
                }
                Err(SyncError::GitLab(e)) => {
                    self.audit(job, "job.failed", e.status(), &e.to_string(), &[])
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

    async fn try_sync(&self, job: &IssueSync) -> Result<String, SyncError> {
        let st = &self.state;
        let ctx = CallContext {
            event_uuid: job.event_uuid.clone(),
        };
        let mut issue = st.gitlab.get_issue(&ctx, job.project, job.iid).await?;
        let existing = self.existing_notes(&issue, &ctx).await?;
        let (decision, actions) = plan_actions(st, &mut issue, &existing).await?;
        let rule_names: Vec<String> = decision
            .plan
            .matched_rules
            .iter()
            .map(|r| r.name.clone())
            .collect();
        for problem in &actions.problems {
            self.audit(job, "plan.skipped", None, &problem.to_string(), &rule_names)
                .await;
        }
        if actions.is_noop() {
            return Ok("no change".to_owned());
        }
        self.apply(
            job,
            &issue,
            &actions,
            &ctx,
            &rule_names,
            decision.plan.assignees.as_deref(),
        )
        .await
    }

    async fn apply(
        &self,
        job: &IssueSync,
        issue: &Issue,
        actions: &Actions,
        ctx: &CallContext,
        rules: &[String],
        assigned: Option<&[steward_core::model::Username]>,
    ) -> Result<String, SyncError> {
        let st = &self.state;
        let mut summary = Vec::new();
        let issue_path = format!("/projects/{}/issues/{}", job.project, job.iid);
        if let Some(changes) = &actions.edit {
            let edit = IssueEdit {
                add_labels: changes.add_labels.iter().cloned().collect(),
                remove_labels: changes.remove_labels.iter().cloned().collect(),
                assignee_ids: changes.assignee_ids.clone(),
                due_date: changes.due_date.map(DueDateEdit::Set),
            };
            let detail = describe_edit(changes);
            let api_call = format!("PUT {issue_path}");
            let entry = self.write_entry(job, "issue.edit", api_call, &detail, rules);
            let send = st.gitlab.edit_issue(ctx, job.project, job.iid, &edit);
            match audit::logged(st.store.as_ref(), entry, 200, send, |_| detail.clone()).await? {
                Ok(_) => {
                    if changes.assignee_ids.is_some()
                        && let Some(plan_names) = assigned
                    {
                        // Approximate between full sweeps (which recount): good enough to spread
                        // a day's new requests across a role.
                        if let Ok(w) = load_workload(st, job.project).await {
                            let mut counts: BTreeMap<String, u32> =
                                w.open_issues.into_iter().map(|(u, n)| (u.0, n)).collect();
                            for name in plan_names {
                                *counts.entry(name.as_str().to_owned()).or_default() += 1;
                            }
                            if let Err(e) = save_workload(st, job.project, &counts).await {
                                tracing::warn!(error = %e, "could not update the workload");
                            }
                        }
                    }
                    if let Some(due) = changes.due_date {
                        let key = managed_due_key(job.project, job.iid);
                        if let Err(e) = st.store.set_state(&key, &due.to_string()).await {
                            // Only costs the ability to move this date later; never fatal.
                            tracing::warn!(error = %e, "could not record the due date Steward set");
                        }
                    }
                    summary.push(detail);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let target = NoteTarget::Issue {
            project: issue.project_id,
            iid: issue.iid,
        };
        for action in &actions.notes {
            match action {
                NoteAction::Create { key, body } => {
                    self.create_owned_note(job, &target, key, body, ctx, rules, "")
                        .await?;
                    summary.push(format!("created note `{key}`"));
                }
                NoteAction::Update { key, note_id, body } => {
                    let detail = format!("note {note_id} `{key}`");
                    let api_call = format!("PUT {issue_path}/notes/{note_id}");
                    let entry = self.write_entry(job, "note.update", api_call, &detail, rules);
                    let send = st
                        .gitlab
                        .edit_note(ctx, job.project, job.iid, *note_id, body);
                    let note = match audit::logged(st.store.as_ref(), entry, 200, send, |_| detail)
                        .await?
                    {
                        Ok(n) => n,
                        Err(e) if e.status() == Some(404) => {
                            // Someone deleted Steward's note: post it again.
                            let why = " (the previous one was deleted)";
                            self.create_owned_note(job, &target, key, body, ctx, rules, why)
                                .await?;
                            summary.push(format!("re-created deleted note `{key}`"));
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    };
                    self.record_note(&target, key, &note, body).await;
                    summary.push(format!("updated note `{key}`"));
                }
            }
        }
        Ok(summary.join("; "))
    }

    /// Steward's notes on the issue, by key. The store is authoritative when it knows it holds
    /// every owned note of the issue: the issue is newer than the store, or its notes were listed
    /// once. Otherwise (an issue older than the store, e.g. after a database loss, or an
    /// interrupted note creation) the notes are listed from GitLab and found by marker.
    async fn existing_notes(
        &self,
        issue: &Issue,
        ctx: &CallContext,
    ) -> Result<BTreeMap<String, ExistingNote>, SyncError> {
        let st = &self.state;
        let target = NoteTarget::Issue {
            project: issue.project_id,
            iid: issue.iid,
        };
        if let Some(known) = stored_notes(st, issue).await? {
            return Ok(known);
        }
        let notes: Vec<Note> = st
            .gitlab
            .list_notes(ctx, issue.project_id, issue.iid)
            .await?;
        let mut found = BTreeMap::new();
        let mut all_recorded = true;
        for note in notes {
            if note.system || note.author.id != st.bot.id {
                continue;
            }
            if let Some(key) = reconcile::marker_key(&note.body) {
                // The oldest note with a key wins; later duplicates (from before Steward kept
                // records) are left alone rather than guessed about.
                if !found.contains_key(key) {
                    let hash = reconcile::body_hash(&note.body);
                    all_recorded &= self.record_hash(&target, key, note.id, &hash).await;
                    found.insert(
                        key.to_owned(),
                        ExistingNote {
                            id: note.id,
                            body_hash: hash,
                        },
                    );
                }
            }
        }
        if all_recorded {
            self.set_notes_synced(issue.project_id, issue.iid, true)
                .await;
        }
        Ok(found)
    }

    /// Posts an owned note and records it. The issue's note records are marked incomplete
    /// first: if the process dies after GitLab created the note but before it is recorded, the
    /// next run lists the issue's notes and finds it by marker instead of posting a second one.
    #[allow(clippy::too_many_arguments)] // one call site per creation path, all inputs distinct
    async fn create_owned_note(
        &self,
        job: &IssueSync,
        target: &NoteTarget,
        key: &str,
        body: &str,
        ctx: &CallContext,
        rules: &[String],
        why: &str,
    ) -> Result<(), SyncError> {
        self.set_notes_synced(job.project, job.iid, false).await;
        let path = format!("POST /projects/{}/issues/{}/notes", job.project, job.iid);
        let planned = format!("note `{key}`{why}");
        let entry = self.write_entry(job, "note.create", path, &planned, rules);
        let send = self
            .state
            .gitlab
            .create_note(ctx, job.project, job.iid, body);
        let created = |n: &Note| format!("note {} `{key}`{why}", n.id);
        let note = audit::logged(self.state.store.as_ref(), entry, 201, send, created).await??;
        if self.record_note(target, key, &note, body).await {
            self.set_notes_synced(job.project, job.iid, true).await;
        }
        Ok(())
    }

    async fn record_note(&self, target: &NoteTarget, key: &str, note: &Note, body: &str) -> bool {
        self.record_hash(target, key, note.id, &reconcile::body_hash(body))
            .await
    }

    async fn record_hash(
        &self,
        target: &NoteTarget,
        key: &str,
        id: steward_core::model::NoteId,
        hash: &str,
    ) -> bool {
        let note = crate::store::OwnedNote {
            note_id: id,
            body_hash: hash.to_owned(),
            updated_at: self.state.clock.now(),
        };
        match self.state.store.put_owned_note(target, key, note).await {
            Ok(()) => true,
            Err(e) => {
                // Not fatal: the issue's records are marked incomplete, so the next run lists
                // its notes and finds this one by marker. The caller must not mark them
                // complete again.
                tracing::warn!(error = %e, key, "could not record an owned note");
                self.set_notes_synced_target(target, false).await;
                false
            }
        }
    }

    async fn set_notes_synced(&self, project: ProjectId, iid: IssueIid, synced: bool) {
        let value = if synced { "1" } else { "0" };
        if let Err(e) = self
            .state
            .store
            .set_state(&notes_synced_key(project, iid), value)
            .await
        {
            tracing::warn!(error = %e, "could not record owned-note sync state");
        }
    }

    async fn set_notes_synced_target(&self, target: &NoteTarget, synced: bool) {
        if let NoteTarget::Issue { project, iid } = target {
            self.set_notes_synced(*project, *iid, synced).await;
        }
    }

    /// The audit entry of a write for `job`, with the change it plans (see [`audit::logged`]).
    fn write_entry(
        &self,
        job: &IssueSync,
        action: &str,
        api_call: String,
        detail: &str,
        rules: &[String],
    ) -> AuditEntry {
        AuditEntry {
            api_call: Some(api_call),
            detail: detail.to_owned(),
            ..self.audit_entry(job, action, rules)
        }
    }

    /// An entry about `job` with no call, status or detail yet.
    fn audit_entry(&self, job: &IssueSync, action: &str, rules: &[String]) -> AuditEntry {
        AuditEntry {
            at: self.state.clock.now(),
            job_id: None,
            delivery_id: job.delivery_id.map(crate::store::DeliveryId),
            project_id: Some(job.project),
            issue_iid: Some(job.iid),
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
    async fn audit(
        &self,
        job: &IssueSync,
        action: &str,
        status: Option<u16>,
        detail: &str,
        rules: &[String],
    ) {
        let entry = AuditEntry {
            response_status: status,
            detail: detail.to_owned(),
            ..self.audit_entry(job, action, rules)
        };
        if let Err(e) = self.state.store.append_audit(entry).await {
            tracing::error!(error = %e, action, "could not write the audit log");
        }
    }
}

/// The issue's owned notes from the store, when the store is known to hold all of them: the
/// issue is newer than the store, or its notes were listed from GitLab once and every creation
/// since was recorded. `None` means "ask GitLab".
pub(crate) async fn stored_notes(
    st: &AppState,
    issue: &Issue,
) -> Result<Option<BTreeMap<String, ExistingNote>>, crate::store::StoreError> {
    let flag = st
        .store
        .get_state(&notes_synced_key(issue.project_id, issue.iid))
        .await?;
    let authoritative = match flag.as_deref() {
        Some("1") => true,
        Some(_) => false,
        None => st.store_born.is_some_and(|born| issue.created_at >= born),
    };
    if !authoritative {
        return Ok(None);
    }
    let target = NoteTarget::Issue {
        project: issue.project_id,
        iid: issue.iid,
    };
    let owned = st.store.list_owned_notes(&target).await?;
    Ok(Some(
        owned
            .into_iter()
            .map(|(key, n)| {
                (
                    key,
                    ExistingNote {
                        id: n.note_id,
                        body_hash: n.body_hash,
                    },
                )
            })
            .collect(),
    ))
}

/// Decides what the issue should look like and diffs that against its current state: the one
/// path shared by webhook syncs and sweeps. `issue.owned_note_keys` must already be filled.
pub(crate) async fn plan_actions(
    st: &AppState,
    issue: &mut Issue,
    existing: &BTreeMap<String, ExistingNote>,
) -> Result<(steward_core::rules::Decision, Actions), SyncError> {
    issue.owned_note_keys = existing.keys().cloned().collect();
    issue.managed_due_date = st
        .store
        .get_state(&managed_due_key(issue.project_id, issue.iid))
        .await?
        .and_then(|d| d.parse().ok());
    let workload = load_workload(st, issue.project_id).await?;
    let decision = st.engine.decide(issue, st.clock.now(), &workload);
    let plan = &decision.plan;
    let mut labels = st.project_labels(issue.project_id, false).await?;
    if plan.add_labels.iter().any(|l| !labels.contains(l)) {
        labels = st.project_labels(issue.project_id, true).await?;
    }
    let users = match &plan.assignees {
        Some(names) => st.user_ids(names).await?,
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
pub(crate) async fn load_workload(
    st: &AppState,
    project: ProjectId,
) -> Result<steward_core::rules::Workload, crate::store::StoreError> {
    let text = st.store.get_state(&workload_key(project)).await?;
    let open_issues = text
        .and_then(|t| serde_json::from_str::<BTreeMap<String, u32>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(u, n)| (steward_core::model::Username(u), n))
        .collect();
    Ok(steward_core::rules::Workload { open_issues })
}

/// Stores a project's workload (see [`load_workload`]).
pub(crate) async fn save_workload(
    st: &AppState,
    project: ProjectId,
    counts: &BTreeMap<String, u32>,
) -> Result<(), crate::store::StoreError> {
    let text = serde_json::to_string(counts).unwrap_or_else(|_| "{}".to_owned());
    st.store.set_state(&workload_key(project), &text).await
}

/// The schedule slot a job names (sweep and digest jobs carry one), to finish it when the job
/// ends abnormally.
fn slot_of(job: &ClaimedJob) -> Option<SlotRef> {
    Job::of_claimed(job).ok()?.slot().cloned()
}

fn managed_due_key(project: ProjectId, iid: IssueIid) -> String {
    format!("managed-due:{project}:{iid}")
}

fn notes_synced_key(project: ProjectId, iid: IssueIid) -> String {
    format!("{NOTES_SYNCED}:{project}:{iid}")
}

/// Why a sync or sweep stopped early.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// GitLab refused or failed.
    #[error(transparent)]
    GitLab(#[from] GitLabError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
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
    parts.join("; ")
}
