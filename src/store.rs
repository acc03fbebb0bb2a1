//! Durable state behind one `Store` contract: webhook deliveries, the job queue, the audit log,
//! owned notes, schedule slots and typed domain state ([`StateKey`]), on SQLite (embedded default) or
//! PostgreSQL (several replicas).
//!
//! This module must not decide anything about issues or rules and must not talk to GitLab: it
//! stores what it is given and answers the questions the service asks, with the same meaning on
//! both backends (checked by `tests/store/store_contract.rs`). Every method takes `now` from the
//! caller where time matters, so workers and tests control the clock.
//!
//! Backends are chosen by URL in [`open`]: `sqlite://path?mode=rwc`, `sqlite::memory:`, or
//! `postgres://…` (also `postgresql://…`).

mod convert;
mod error;
#[macro_use]
mod forward;
mod ledger;
mod outcome;
mod postgres;
mod sqlite;
mod state;
mod types;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use error::StoreError;
use outcome::{cutoff, migration_infos, prune_cutoff, retry_outcome, stats_from_counts};
pub use state::{GraphqlNoteRef, MIN_STATE_RETENTION, StateKey, StatePruned};
pub use types::{
    AuditEntry, AuditFilter, AuditId, AuditRecord, ClaimedJob, DeliveryId, EnqueueOutcome,
    HourCount, JobId, JobRecord, JobState, MigrationInfo, NewDelivery, NewJob, NoteTarget,
    OwnedNote, QueueStats, RecordOutcome, RetryOutcome, StoredDelivery,
};

pub use crate::boxed::BoxFuture;
use steward_core::customers::{AccountKey, Ask};
use steward_core::model::{IssueIid, ProjectId};

/// Dedup keys are kept at least this long: GitLab lists (and can resend) a hook's events of the
/// last 7 days, with the same `Idempotency-Key` (GITLAB.md §1.4, §5.1).
pub const MIN_DELIVERY_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Settings for [`open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Pool size (PostgreSQL) or number of reading connections (SQLite file databases; SQLite
    /// always has exactly one writing connection).
    pub max_connections: u32,
    /// The lease workers should ask for when claiming a job (see [`Store::default_lease`]).
    pub lease: Duration,
    /// A job that has been claimed this many times is dead-lettered instead of retried.
    pub max_attempts: u32,
    /// PostgreSQL only: the schema holding Steward's tables (created when missing; every pooled
    /// connection gets it as `search_path`). `None` uses the server's default search path.
    pub postgres_schema: Option<String>,
    /// Apply pending embedded migrations when opening (the default).
    pub migrate_on_open: bool,
    /// SQLite only: `synchronous=FULL` (default, survives power loss) instead of `NORMAL`
    /// (survives a process crash, may lose the last commits on power loss).
    pub sqlite_synchronous_full: bool,
    /// SQLite only: the most deliveries committed in one transaction by the group-commit writer.
    pub sqlite_max_batch: usize,
    /// How long to wait for a connection (or for SQLite's write lock) before reporting a
    /// transient error.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            lease: Duration::from_secs(300),
            max_attempts: 8,
            postgres_schema: None,
            migrate_on_open: true,
            sqlite_synchronous_full: true,
            sqlite_max_batch: 256,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens the store the URL names, runs migrations unless `opts.migrate_on_open` is false, and
/// returns it ready to share between tasks.
///
/// `sqlite://path?mode=rwc` (creates the file) and `sqlite::memory:` select SQLite;
/// `postgres://user:pass@host:port/db?sslmode=require` selects PostgreSQL. Errors never contain
/// the URL's password.
pub async fn open(url: &str, opts: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(sqlite::SqliteStore::open(url, opts).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(postgres::PgStore::open(url, opts).await?)
    } else {
        return Err(StoreError::InvalidUrl {
            url: error::redact_url(url),
            reason: "expected sqlite://PATH?mode=rwc, sqlite::memory: or postgres://…".to_owned(),
        });
    };
    if opts.migrate_on_open {
        store.migrate().await?;
    }
    Ok(store)
}

/// Everything the service keeps durably. Implementations: SQLite and PostgreSQL; both pass the
/// same contract suite. All methods are safe to call concurrently from many tasks and, on
/// PostgreSQL, from many replicas.
pub trait Store: Send + Sync {
    /// `"sqlite"` or `"postgres"`.
    fn backend_name(&self) -> &'static str;

    /// The lease configured in [`StoreOptions::lease`].
    fn default_lease(&self) -> Duration;

    /// Checks that the database answers.
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Checks that a delivery could be committed now: the database answers and accepts a write
    /// (nothing is written). On SQLite it also checks that the database file is still the one
    /// opened, and a writer that SQLite opened read-only is reopened, so that a file made
    /// writable again works without a restart.
    fn check_writable(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Applies pending embedded migrations (idempotent; concurrent callers are serialised).
    fn migrate(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Every embedded migration and whether it has been applied.
    fn migration_status(&self) -> BoxFuture<'_, Result<Vec<MigrationInfo>, StoreError>>;

    // ---- deliveries -------------------------------------------------------------------------

    /// Records a webhook delivery, and its job when one is given, in one transaction. Returns
    /// only after the commit is durable. A second delivery with the same `dedup_key` (from any
    /// replica) stores nothing and returns [`RecordOutcome::Duplicate`] with the first one's id.
    fn record_delivery(
        &self,
        delivery: NewDelivery,
    ) -> BoxFuture<'_, Result<RecordOutcome, StoreError>>;

    /// One stored delivery, body included (for inspection and replays).
    fn get_delivery(
        &self,
        id: DeliveryId,
    ) -> BoxFuture<'_, Result<Option<StoredDelivery>, StoreError>>;

    /// Deletes deliveries received before `now - retain`, where `retain` is raised to
    /// [`MIN_DELIVERY_RETENTION`] when shorter. Returns how many were deleted.
    fn prune_deliveries(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Deliveries received per hour from the hour containing `since` up to `until` (exclusive),
    /// oldest first; hours without a delivery are left out.
    fn deliveries_per_hour(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<Vec<HourCount>, StoreError>>;

    // ---- jobs -------------------------------------------------------------------------------

    /// Adds a job, unless a pending job that was never claimed has the same `coalesce_key`: then
    /// that job's id is returned with `coalesced: true`.
    fn enqueue_job(&self, job: NewJob) -> BoxFuture<'_, Result<EnqueueOutcome, StoreError>>;

    /// Claims the due job with the earliest `run_at` (pending and due, or running with an
    /// expired lease), counting an attempt and issuing a new lease token. Running jobs whose
    /// lease expired after `max_attempts` attempts are dead-lettered instead of claimed.
    /// A pending job is not claimed while another job with the same `coalesce_key` is running,
    /// so two jobs for one issue never run at once. `None` when nothing is claimable now (on
    /// PostgreSQL, also when another replica claimed a job of the same key at the same instant;
    /// asking again is safe).
    fn claim_job<'a>(
        &'a self,
        worker_id: &'a str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<ClaimedJob>, StoreError>>;

    /// Pushes the job's lease to `now + lease`. [`StoreError::LeaseLost`] when another claim
    /// has replaced this one or the job is finished.
    fn extend_lease<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<DateTime<Utc>, StoreError>>;

    /// Marks the job done with a short summary. [`StoreError::LeaseLost`] when this claim is no
    /// longer the job's current one (nothing is written then).
    fn complete_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        summary: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Schedules another attempt at `next_run_at`, or dead-letters the job when it has used
    /// `max_attempts`. [`StoreError::LeaseLost`] as for [`Store::complete_job`].
    fn retry_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        error: &'a str,
        next_run_at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<RetryOutcome, StoreError>>;

    /// Dead-letters the job with its error (a permanent failure). [`StoreError::LeaseLost`] as
    /// for [`Store::complete_job`].
    fn fail_job<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        error: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Ends the job as `gone`: what it was about no longer exists (GitLab answers 404 for the
    /// issue), so it will never succeed and nobody needs to act. Kept apart from dead letters,
    /// with `reason` as its summary. [`StoreError::LeaseLost`] as for [`Store::complete_job`].
    fn mark_job_gone<'a>(
        &'a self,
        job: &'a ClaimedJob,
        now: DateTime<Utc>,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Puts a dead job back in the queue, due at `now`, with its attempts reset. `false` when
    /// the job does not exist or is not dead.
    fn requeue_dead(
        &self,
        id: JobId,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Deletes jobs that finished (`done` or `gone`) before `now - retain`. Dead jobs are kept
    /// for inspection until requeued. Returns how many were deleted.
    fn prune_done_jobs(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// How many jobs are in each state.
    fn queue_stats(&self) -> BoxFuture<'_, Result<QueueStats, StoreError>>;

    /// The earliest moment a job becomes claimable (a pending job's `run_at` or a running job's
    /// lease expiry), so an idle worker knows how long to sleep. `None` when nothing is queued.
    fn next_run_at(&self) -> BoxFuture<'_, Result<Option<DateTime<Utc>>, StoreError>>;

    /// Jobs in a state (all states when `None`), most recent first, at most `limit`.
    fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: u32,
    ) -> BoxFuture<'_, Result<Vec<JobRecord>, StoreError>>;

    // ---- audit log --------------------------------------------------------------------------

    /// Appends one entry to the audit log and returns its id.
    ///
    /// Writes to GitLab are logged ahead: the entry is appended with no `response_status`
    /// before the call and completed by [`Store::finish_audit`] after it, so a process killed
    /// during the call leaves an entry whose outcome is unknown rather than no entry at all.
    fn append_audit(&self, entry: AuditEntry) -> BoxFuture<'_, Result<AuditId, StoreError>>;

    /// Records the outcome of the call logged ahead as entry `id`: GitLab's status (`None`:
    /// no response) and the final detail. Unknown ids change nothing.
    fn finish_audit(
        &self,
        id: AuditId,
        status: Option<u16>,
        detail: String,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Entries matching the filter, newest first, at most `filter.limit` (100 when unset).
    fn list_audit<'a>(
        &'a self,
        filter: &'a AuditFilter,
    ) -> BoxFuture<'a, Result<Vec<AuditRecord>, StoreError>>;

    /// How many entries match the filter (its `limit` is ignored).
    fn count_audit<'a>(&'a self, filter: &'a AuditFilter)
    -> BoxFuture<'a, Result<u64, StoreError>>;

    // ---- owned notes ------------------------------------------------------------------------

    /// The note Steward owns on `target` under marker `key`, if one was recorded.
    fn get_owned_note<'a>(
        &'a self,
        target: &'a NoteTarget,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<OwnedNote>, StoreError>>;

    /// Every note Steward owns on `target`, by key.
    fn list_owned_notes<'a>(
        &'a self,
        target: &'a NoteTarget,
    ) -> BoxFuture<'a, Result<Vec<(String, OwnedNote)>, StoreError>>;

    /// Records (or replaces) the note owned on `target` under `key`.
    fn put_owned_note<'a>(
        &'a self,
        target: &'a NoteTarget,
        key: &'a str,
        note: OwnedNote,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    // ---- schedules and state ----------------------------------------------------------------

    /// Claims `(schedule, slot)` for `owner`. Exactly one caller across all replicas gets
    /// `true` for a given slot, ever.
    fn claim_slot<'a>(
        &'a self,
        schedule: &'a str,
        slot: DateTime<Utc>,
        owner: &'a str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Records that the slot's work finished, with a short outcome. `false` when the slot was
    /// never claimed.
    fn finish_slot<'a>(
        &'a self,
        schedule: &'a str,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        outcome: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// The latest slot of `schedule` whose work finished.
    fn last_finished_slot<'a>(
        &'a self,
        schedule: &'a str,
    ) -> BoxFuture<'a, Result<Option<DateTime<Utc>>, StoreError>>;

    /// The stored text of one row of domain state. Callers use the typed operations on
    /// `dyn Store` (`sweep_watermark`, `workload`, …), which encode and decode the value.
    fn read_state<'a>(
        &'a self,
        key: &'a StateKey,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Sets (inserts or replaces) one row of domain state, stamped `now` for pruning.
    fn write_state<'a>(
        &'a self,
        key: &'a StateKey,
        value: &'a str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Deletes what grows without bound, when older than `now - retain` (`retain` raised to
    /// [`MIN_STATE_RETENTION`]): rows of per-week state kinds written before the cutoff, and
    /// schedule slots claimed before it, except each schedule's latest finished slot and any
    /// slot after it (so no slot is ever run twice).
    fn prune_state(
        &self,
        now: DateTime<Utc>,
        retain: Duration,
    ) -> BoxFuture<'_, Result<StatePruned, StoreError>>;

    /// Records (inserts or replaces) one ask of the customer ledger, by its request.
    fn put_ask<'a>(
        &'a self,
        ask: &'a Ask,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The customer ledger: every ask of `account` (every ask when `None`), oldest first.
    fn list_asks<'a>(
        &'a self,
        account: Option<&'a AccountKey>,
    ) -> BoxFuture<'a, Result<Vec<Ask>, StoreError>>;

    /// Records that two requests are linked on GitLab (both ways; idempotent).
    fn add_issue_link(
        &self,
        a: (ProjectId, IssueIid),
        b: (ProjectId, IssueIid),
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The requests Steward linked this one to.
    fn issue_links(
        &self,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'_, Result<Vec<(ProjectId, IssueIid)>, StoreError>>;
}
