//! `SimHandle`: the in-process side of the simulator. Seeds data and acts as a person in
//! GitLab's UI would (file an issue, edit it, comment), reads snapshots, sets the clock and the
//! faults, reads counters and drains webhooks. Edits go through the same `ops` as the REST API.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::ops::{self, Creation, Edit, OpError};
use super::state::{NoteLocation, State};
use super::types::{
    Counters, DeliveryRecord, Faults, HookDeliveryId, IssueChange, NewIssue, SimIssue, SimNote,
    WriteRecord,
};
use super::{Shared, SimError, lock, webhooks};

mod seed;
mod work_items;
use steward_core::model::{
    GroupId, IssueId, IssueIid, IssueState, LabelName, NoteId, ProjectId, UserId, Username,
};

/// A running simulator. Dropping it does not stop the server; call [`SimHandle::shutdown`].
pub struct SimHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: CancellationToken,
    server: Option<JoinHandle<std::io::Result<()>>>,
    sender: Option<JoinHandle<()>>,
}

/// A simulator error for an operation on `what` that failed.
fn op_err(e: OpError, what: String) -> SimError {
    match e {
        OpError::NotFound => SimError::NotFound(what),
        OpError::BadRequest(m) => SimError::Invalid(m),
        OpError::Rejected(m) => SimError::Invalid(m),
        OpError::CommandsOnly => SimError::Invalid("the comment was only quick actions".into()),
    }
}

/// A note as tests see it.
fn note_snapshot(st: &State, n: &super::state::Note) -> SimNote {
    SimNote {
        id: NoteId(n.id),
        body: n.body.clone(),
        author: Username(st.username(n.author)),
        system: n.system,
        internal: n.internal,
        created_at: n.created_at,
        updated_at: n.updated_at,
    }
}

impl SimHandle {
    pub(crate) fn new(
        shared: Arc<Shared>,
        addr: SocketAddr,
        stop: CancellationToken,
        server: JoinHandle<std::io::Result<()>>,
        sender: JoinHandle<()>,
    ) -> Self {
        Self {
            shared,
            addr,
            stop,
            server: Some(server),
            sender: Some(sender),
        }
    }

    /// `http://127.0.0.1:PORT` (clients append `/api/v4`).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulator's state, locked.
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.shared.state)
    }

    /// Files an issue as `as_user` in the UI; returns its iid. Emits Issue Hook `open`.
    pub fn create_issue(
        &self,
        project: ProjectId,
        as_user: UserId,
        new: NewIssue,
    ) -> Result<IssueIid, SimError> {
        let now = self.now();
        let (iid, events) = {
            let mut st = self.state();
            let c = Creation::from_new(&st, new);
            ops::create_issue(
                &mut st,
                project,
                as_user,
                c,
                now,
                self.shared.config.single_assignee,
            )
            .map_err(|e| op_err(e, format!("project {project}")))?
        };
        webhooks::enqueue(&self.shared, events, None);
        Ok(IssueIid(iid))
    }

    /// Edits an issue as `as_user`; returns whether anything changed. Emits Issue Hook `update`
    /// (or `close`/`reopen`) with a real `changes` object.
    pub fn update_issue(
        &self,
        project: ProjectId,
        iid: IssueIid,
        as_user: UserId,
        change: IssueChange,
    ) -> Result<bool, SimError> {
        let now = self.now();
        let (changed, events) = {
            let mut st = self.state();
            let resolve = |names: &Vec<String>| {
                names
                    .iter()
                    .filter_map(|u| st.user_by_name(u).map(|u| u.id))
                    .collect()
            };
            let edit = Edit {
                title: change.title,
                description: change.description,
                labels: change.labels,
                add_labels: change.add_labels,
                remove_labels: change.remove_labels,
                assignee_ids: change.assignees.as_ref().map(resolve),
                due_date: change.due_date,
                state: change.state,
                confidential: change.confidential,
            };
            ops::edit_issue(
                &mut st,
                project,
                iid.0,
                as_user,
                edit,
                now,
                self.shared.config.single_assignee,
            )
            .map_err(|e| op_err(e, format!("issue {project}#{iid}")))?
        };
        webhooks::enqueue(&self.shared, events, None);
        Ok(changed)
    }

    /// Closes an issue as `as_user`.
    pub fn close_issue(
        &self,
        project: ProjectId,
        iid: IssueIid,
        as_user: UserId,
    ) -> Result<bool, SimError> {
        self.update_issue(
            project,
            iid,
            as_user,
            IssueChange {
                state: Some(IssueState::Closed),
                ..IssueChange::default()
            },
        )
    }

    /// Comments as `as_user`; quick-action lines run and are removed. Returns the note id, or
    /// `None` when the comment was only quick actions (not saved, like GitLab).
    pub fn add_note(
        &self,
        project: ProjectId,
        iid: IssueIid,
        as_user: UserId,
        body: &str,
    ) -> Result<Option<NoteId>, SimError> {
        let now = self.now();
        let outcome = {
            let mut st = self.state();
            ops::create_note(
                &mut st,
                project,
                iid.0,
                as_user,
                ops::NoteText {
                    body,
                    internal: false,
                },
                now,
                self.shared.config.single_assignee,
            )
            .map_err(|e| op_err(e, format!("issue {project}#{iid}")))?
        };
        webhooks::enqueue(&self.shared, outcome.events, None);
        Ok(outcome.note_id.map(NoteId))
    }

    /// A snapshot of an issue.
    pub fn issue(&self, project: ProjectId, iid: IssueIid) -> Option<SimIssue> {
        let st = self.state();
        let i = st.issue(project, iid.0)?;
        Some(SimIssue {
            id: IssueId(i.id),
            iid,
            project_id: project,
            title: i.title.clone(),
            description: i.description.clone(),
            state: i.state,
            labels: i.labels.iter().map(|l| LabelName(l.clone())).collect(),
            assignees: i
                .assignees
                .iter()
                .map(|a| Username(st.username(*a)))
                .collect(),
            author: Username(st.username(i.author)),
            due_date: i.due_date,
            confidential: i.confidential,
            created_at: i.created_at,
            updated_at: i.updated_at,
        })
    }

    /// Deletes an issue "in the UI" (as a project owner would): every later API call for it
    /// answers 404 and no webhook fires, as in GitLab. `false` when there was none.
    pub fn delete_issue(&self, project: ProjectId, iid: IssueIid) -> bool {
        self.state()
            .project_mut(project)
            .is_some_and(|p| p.issues.remove(&iid.0).is_some())
    }

    /// Deletes a note "in the UI" (as a maintainer would); `false` when there was none.
    pub fn delete_note(&self, project: ProjectId, iid: IssueIid, note: NoteId) -> bool {
        let mut st = self.state();
        let Some(issue) = st.issue_mut(project, iid.0) else {
            return false;
        };
        let before = issue.notes.len();
        issue.notes.retain(|n| n.id != note.0);
        issue.notes.len() != before
    }

    /// The issue's notes (system notes included), oldest first.
    pub fn notes(&self, project: ProjectId, iid: IssueIid) -> Vec<SimNote> {
        let st = self.state();
        st.issue(project, iid.0)
            .map(|i| i.notes.iter().map(|n| note_snapshot(&st, n)).collect())
            .unwrap_or_default()
    }

    /// The notes of an epic (by epic id), oldest first.
    pub fn epic_notes(&self, group: GroupId, epic_id: u64) -> Vec<SimNote> {
        let st = self.state();
        st.group(group)
            .and_then(|g| g.epics.iter().find(|e| e.id == epic_id))
            .map(|e| e.notes.iter().map(|n| note_snapshot(&st, n)).collect())
            .unwrap_or_default()
    }

    /// Where a note id lives, as `(project, iid)` for issue notes.
    pub fn note_issue(&self, note: NoteId) -> Option<(ProjectId, IssueIid)> {
        match self.state().note_location(note.0)? {
            NoteLocation::Issue(p, iid) => Some((p, IssueIid(iid))),
            NoteLocation::Epic(..) => None,
        }
    }

    /// Fixes the simulator clock (created/updated times, due-date filters, rate windows, hook
    /// backoff, `webhook-timestamp`).
    pub fn set_now(&self, now: DateTime<Utc>) {
        *lock(&self.shared.clock) = Some(now);
    }

    /// Runs GitLab's clock `offset` ahead of (negative: behind) the time `set_now` fixed or
    /// real time: every timestamp and time-based decision of the simulator moves with it, as
    /// when GitLab's host clock is skewed from Steward's.
    pub fn set_clock_offset(&self, offset: chrono::Duration) {
        *lock(&self.shared.clock_offset) = offset;
    }

    /// Returns the clock to real time.
    pub fn use_real_time(&self) {
        *lock(&self.shared.clock) = None;
    }

    /// The simulator clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// A copy of the counters.
    pub fn counters(&self) -> Counters {
        lock(&self.shared.counters).clone()
    }

    /// Zeroes the counters (and empties the write log).
    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = Counters::default();
        lock(&self.shared.write_log).clear();
    }

    /// Every authenticated write request since start or the last `reset_counters`, in
    /// arrival order, with its answer.
    pub fn write_log(&self) -> Vec<WriteRecord> {
        lock(&self.shared.write_log).clone()
    }

    /// Replaces the injected faults (their PRNG restarts from `faults.seed`).
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.hooks).reseed(faults.seed);
        lock(&self.shared.faults).set(faults);
    }

    /// Every delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        lock(&self.shared.hooks).records()
    }

    /// Re-sends a delivery now with the same `Idempotency-Key`; returns the receiver's status.
    pub async fn resend(&self, delivery: HookDeliveryId) -> Result<Option<u16>, SimError> {
        if !self.deliveries().iter().any(|d| d.id == delivery) {
            return Err(SimError::NotFound(format!("delivery {}", delivery.0)));
        }
        Ok(webhooks::resend(&self.shared, delivery).await)
    }

    /// Waits until every queued webhook was delivered (or failed, or was dropped).
    pub async fn flush_webhooks(&self) {
        webhooks::flush(&self.shared).await;
    }

    /// Stops the server and the webhook sender.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        self.stop.cancel();
        if let Some(s) = self.sender.take() {
            let _ = s.await;
        }
        if let Some(s) = self.server.take()
            && let Ok(Err(e)) = s.await
        {
            return Err(SimError::Serve(e));
        }
        Ok(())
    }
}
