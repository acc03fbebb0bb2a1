//! The store contract: one suite of behaviours every backend must show, run against SQLite
//! always and against PostgreSQL when `STEWARD_TEST_DATABASE_URL` is set and the ignored tests
//! are included (`cargo test --test store -- store_contract:: --include-ignored`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::json;
use steward::store::{
    self, AuditEntry, AuditFilter, AuditId, EnqueueOutcome, GraphqlNoteRef, HourCount, JobState,
    NewDelivery, NewJob, NoteTarget, OwnedNote, RecordOutcome, RetryOutcome, StatePruned, Store,
    StoreError, StoreOptions,
};
use steward_core::digest::IsoWeek;
use steward_core::model::{
    EpicId, EpicIid, GroupId, IssueIid, NoteId, OwnWrite, ProjectId, Username, Waiting,
};

const MAX_ATTEMPTS: u32 = 3;
const LEASE: Duration = Duration::from_secs(30);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn options() -> StoreOptions {
    StoreOptions {
        max_attempts: MAX_ATTEMPTS,
        lease: LEASE,
        ..StoreOptions::default()
    }
}

fn unique_name(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

fn delivery(key: &str, job: Option<NewJob>) -> NewDelivery {
    NewDelivery {
        dedup_key: key.to_owned(),
        event_name: Some("Issue Hook".to_owned()),
        event_uuid: Some("13792a34-cac6-4fda-95a8-c58e00a3954e".to_owned()),
        project_id: Some(ProjectId(1)),
        issue_iid: Some(IssueIid(23)),
        headers_json: r#"{"X-Gitlab-Event":"Issue Hook"}"#.to_owned(),
        body: br#"{"object_kind":"issue"}"#.to_vec(),
        decode_error: None,
        received_at: t0(),
        job,
    }
}

fn job(kind: &str, coalesce: Option<&str>, run_at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        payload: json!({"project": 1, "iid": 23}),
        run_at,
        coalesce_key: coalesce.map(str::to_owned),
    }
}

// ---- backends ---------------------------------------------------------------------------------

/// What a contract test receives: one store, or two stores on the same database standing for
/// two replicas (two pools; on SQLite, two processes sharing one file).
trait Stores: Sized + Send + 'static {
    const COUNT: usize;
    fn from_vec(v: Vec<Arc<dyn Store>>) -> Self;
}

impl Stores for Arc<dyn Store> {
    const COUNT: usize = 1;
    fn from_vec(mut v: Vec<Arc<dyn Store>>) -> Self {
        v.remove(0)
    }
}

impl Stores for (Arc<dyn Store>, Arc<dyn Store>) {
    const COUNT: usize = 2;
    fn from_vec(mut v: Vec<Arc<dyn Store>>) -> Self {
        let b = v.remove(1);
        (v.remove(0), b)
    }
}

async fn open_n<S: Stores>(url: &str, opts: &StoreOptions) -> S {
    let mut v = Vec::new();
    for _ in 0..S::COUNT {
        v.push(store::open(url, opts).await.expect("open the store"));
    }
    S::from_vec(v)
}

/// A SQLite database in a fresh temporary file, removed afterwards.
async fn run_sqlite<S, F, Fut>(test: F)
where
    S: Stores,
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let path = std::env::temp_dir().join(format!("{}.db", unique_name("steward_store")));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let stores = open_n::<S>(&url, &options()).await;
    let outcome = tokio::spawn(test(stores)).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A PostgreSQL store in its own schema, dropped afterwards. Fails (never skips) when the
/// database is not configured or unreachable.
async fn run_postgres<S, F, Fut>(test: F)
where
    S: Stores,
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    use sqlx::Connection;
    let url = std::env::var("STEWARD_TEST_DATABASE_URL").expect(
        "STEWARD_TEST_DATABASE_URL must name a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test",
    );
    let schema = unique_name("steward_test");
    let opts = StoreOptions {
        postgres_schema: Some(schema.clone()),
        max_connections: 10,
        ..options()
    };
    let stores = open_n::<S>(&url, &opts).await;
    let outcome = tokio::spawn(test(stores)).await;
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to drop the schema");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut admin)
    .await
    .expect("drop the test schema");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Instantiates every contract test for both backends.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: set STEWARD_TEST_DATABASE_URL and run with --include-ignored"]
                async fn $name() {
                    super::run_postgres(super::$name).await;
                }
            )*
        }
    };
}

contract!(
    the_same_idempotency_key_is_recorded_once,
    twenty_concurrent_deliveries_with_one_key_yield_exactly_one_acceptance,
    deliveries_with_different_keys_are_both_accepted_with_their_jobs,
    an_undecodable_body_is_stored_byte_for_byte_with_its_error,
    pending_jobs_with_one_coalesce_key_collapse_until_claimed,
    a_delivery_job_coalesces_with_a_pending_job_for_the_same_issue,
    a_claimed_job_completes_and_is_not_claimed_again,
    two_jobs_for_one_issue_never_run_at_the_same_time,
    a_job_whose_lease_expired_is_reclaimed_and_the_old_worker_cannot_finish_it,
    an_extended_lease_keeps_the_job_from_other_workers,
    a_retried_job_is_not_claimable_before_its_next_run_time,
    a_job_is_dead_lettered_after_max_attempts_and_can_be_requeued,
    a_failed_job_goes_straight_to_the_dead_letter_queue,
    a_job_whose_worker_keeps_dying_is_dead_lettered_after_max_attempts,
    a_job_whose_issue_is_gone_ends_gone_apart_from_the_dead_letters,
    pruning_removes_old_gone_jobs_like_done_ones,
    eight_concurrent_claimers_share_two_hundred_jobs_without_overlap,
    queue_stats_and_next_run_time_follow_the_jobs,
    audit_entries_are_listed_newest_first_and_counted_by_filter,
    a_write_logged_ahead_is_completed_with_its_answer_or_left_unanswered,
    an_owned_note_is_recorded_updated_and_kept_apart_per_target,
    a_schedule_slot_is_claimed_by_exactly_one_of_ten_claimers,
    every_kind_of_domain_state_reads_back_what_was_written_per_scope,
    pruning_state_drops_old_weekly_digest_notes_and_slots_but_keeps_the_rest,
    every_embedded_migration_is_reported_applied,
    pruning_keeps_deliveries_younger_than_seven_days,
    deliveries_are_counted_per_hour_within_the_window,
    pruning_done_jobs_keeps_recent_and_dead_ones,
    two_replicas_record_one_delivery_once_and_share_the_queue_without_overlap,
    two_replicas_claim_each_schedule_slot_once,
    the_customer_ledger_keeps_one_ask_per_request_by_account_and_links_both_ways,
);

// ---- deliveries -------------------------------------------------------------------------------

async fn the_same_idempotency_key_is_recorded_once(s: Arc<dyn Store>) {
    let first = s
        .record_delivery(delivery("key-1", Some(job("issue.reconcile", None, t0()))))
        .await
        .unwrap();
    let RecordOutcome::Accepted {
        delivery_id,
        job_id: Some(_),
    } = first
    else {
        panic!("first delivery must be accepted with a job, got {first:?}");
    };
    let again = s
        .record_delivery(delivery("key-1", Some(job("issue.reconcile", None, t0()))))
        .await
        .unwrap();
    assert_eq!(again, RecordOutcome::Duplicate { delivery_id });
    assert_eq!(
        s.queue_stats().await.unwrap().pending,
        1,
        "a duplicate must not enqueue a job"
    );
}

async fn twenty_concurrent_deliveries_with_one_key_yield_exactly_one_acceptance(s: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                s.record_delivery(delivery(
                    "same-key",
                    Some(job("issue.reconcile", None, t0())),
                ))
                .await
            })
        })
        .collect();
    let mut accepted = Vec::new();
    let mut duplicates = Vec::new();
    for t in tasks {
        match t.await.unwrap().unwrap() {
            RecordOutcome::Accepted { delivery_id, .. } => accepted.push(delivery_id),
            RecordOutcome::Duplicate { delivery_id } => duplicates.push(delivery_id),
        }
    }
    assert_eq!(accepted.len(), 1, "exactly one acceptance");
    assert_eq!(duplicates.len(), 19);
    assert!(
        duplicates.iter().all(|d| *d == accepted[0]),
        "duplicates name the accepted delivery"
    );
    assert_eq!(s.queue_stats().await.unwrap().pending, 1);
}

async fn deliveries_with_different_keys_are_both_accepted_with_their_jobs(s: Arc<dyn Store>) {
    let a = s
        .record_delivery(delivery("key-a", Some(job("issue.reconcile", None, t0()))))
        .await
        .unwrap();
    let b = s
        .record_delivery(delivery("key-b", Some(job("issue.reconcile", None, t0()))))
        .await
        .unwrap();
    let (
        RecordOutcome::Accepted {
            delivery_id: da,
            job_id: Some(ja),
        },
        RecordOutcome::Accepted {
            delivery_id: db,
            job_id: Some(jb),
        },
    ) = (a, b)
    else {
        panic!("both must be accepted with jobs: {a:?} {b:?}");
    };
    assert_ne!(da, db);
    assert_ne!(ja, jb);
    let claimed = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    assert_eq!(
        claimed.delivery_id,
        Some(da),
        "the job remembers its delivery"
    );
}

async fn an_undecodable_body_is_stored_byte_for_byte_with_its_error(s: Arc<dyn Store>) {
    let body = vec![0xff, 0xfe, b'{', 0x00, b'"', 0x80];
    let d = NewDelivery {
        body: body.clone(),
        decode_error: Some("expected value at line 1 column 1".to_owned()),
        project_id: None,
        issue_iid: None,
        ..delivery("bad-body", None)
    };
    let RecordOutcome::Accepted {
        delivery_id,
        job_id: None,
    } = s.record_delivery(d).await.unwrap()
    else {
        panic!("an undecodable body must still be accepted");
    };
    let stored = s.get_delivery(delivery_id).await.unwrap().unwrap();
    assert_eq!(stored.body, body);
    assert_eq!(
        stored.decode_error.as_deref(),
        Some("expected value at line 1 column 1")
    );
    assert_eq!(stored.project_id, None);
    assert_eq!(stored.event_name.as_deref(), Some("Issue Hook"));
    assert_eq!(stored.received_at, t0());
    assert_eq!(s.queue_stats().await.unwrap().pending, 0);
}

// ---- jobs -------------------------------------------------------------------------------------

async fn pending_jobs_with_one_coalesce_key_collapse_until_claimed(s: Arc<dyn Store>) {
    let first = s
        .enqueue_job(job("issue.reconcile", Some("issue:1:23"), t0()))
        .await
        .unwrap();
    assert!(!first.coalesced);
    let second = s
        .enqueue_job(job("issue.reconcile", Some("issue:1:23"), t0()))
        .await
        .unwrap();
    assert_eq!(
        second,
        EnqueueOutcome {
            job_id: first.job_id,
            coalesced: true
        }
    );
    let other = s
        .enqueue_job(job("issue.reconcile", Some("issue:1:24"), t0()))
        .await
        .unwrap();
    assert!(!other.coalesced, "another issue gets its own job");

    let claimed = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    assert_eq!(claimed.id, first.job_id);
    // Once claimed, a change must not be folded into a job already reading the issue.
    let after_claim = s
        .enqueue_job(job("issue.reconcile", Some("issue:1:23"), t0()))
        .await
        .unwrap();
    assert!(!after_claim.coalesced);
    assert_ne!(after_claim.job_id, first.job_id);
    assert_eq!(s.queue_stats().await.unwrap().pending, 2);
}

async fn a_delivery_job_coalesces_with_a_pending_job_for_the_same_issue(s: Arc<dyn Store>) {
    let later = t0() + secs(600);
    let queued = s
        .enqueue_job(job("issue.reconcile", Some("issue:1:23"), later))
        .await
        .unwrap();
    let out = s
        .record_delivery(delivery(
            "k",
            Some(job("issue.reconcile", Some("issue:1:23"), t0())),
        ))
        .await
        .unwrap();
    let RecordOutcome::Accepted { job_id, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(job_id, Some(queued.job_id));
    // The coalesced job runs as early as the most urgent of its requests.
    assert_eq!(s.next_run_at().await.unwrap(), Some(t0()));
    assert!(s.claim_job("w", t0(), LEASE).await.unwrap().is_some());
}

async fn two_jobs_for_one_issue_never_run_at_the_same_time(s: Arc<dyn Store>) {
    s.enqueue_job(job("issue.reconcile", Some("issue:1:23"), t0()))
        .await
        .unwrap();
    let first = s.claim_job("worker-a", t0(), LEASE).await.unwrap().unwrap();
    // A change arriving while the first job runs queues a second job for the same issue...
    let second = s
        .enqueue_job(job("issue.reconcile", Some("issue:1:23"), t0()))
        .await
        .unwrap();
    assert!(!second.coalesced);
    s.enqueue_job(job("issue.reconcile", Some("issue:1:24"), t0()))
        .await
        .unwrap();
    // ...which waits for the first to finish, while other issues' jobs proceed.
    let other = s.claim_job("worker-b", t0(), LEASE).await.unwrap().unwrap();
    assert_eq!(other.coalesce_key.as_deref(), Some("issue:1:24"));
    assert!(
        s.claim_job("worker-b", t0(), LEASE)
            .await
            .unwrap()
            .is_none()
    );
    s.complete_job(&first, t0() + secs(1), "ok").await.unwrap();
    let next = s
        .claim_job("worker-b", t0() + secs(1), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id, second.job_id);
}

async fn a_claimed_job_completes_and_is_not_claimed_again(s: Arc<dyn Store>) {
    let id = s
        .enqueue_job(job("sweep", None, t0()))
        .await
        .unwrap()
        .job_id;
    let claimed = s.claim_job("worker-a", t0(), LEASE).await.unwrap().unwrap();
    assert_eq!(
        (claimed.id, claimed.attempts, claimed.kind.as_str()),
        (id, 1, "sweep")
    );
    assert_eq!(claimed.payload, json!({"project": 1, "iid": 23}));
    assert_eq!(claimed.lease_until, t0() + secs(30));
    assert!(
        s.claim_job("worker-b", t0(), LEASE)
            .await
            .unwrap()
            .is_none(),
        "held jobs are not handed out twice"
    );
    s.complete_job(&claimed, t0() + secs(1), "3 labels added")
        .await
        .unwrap();
    assert!(
        s.claim_job("worker-b", t0() + secs(3600), LEASE)
            .await
            .unwrap()
            .is_none()
    );
    let done = s.list_jobs(Some(JobState::Done), 10).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].summary.as_deref(), Some("3 labels added"));
    assert_eq!(done[0].finished_at, Some(t0() + secs(1)));
}

async fn a_job_whose_lease_expired_is_reclaimed_and_the_old_worker_cannot_finish_it(
    s: Arc<dyn Store>,
) {
    s.enqueue_job(job("issue.reconcile", None, t0()))
        .await
        .unwrap();
    let old = s.claim_job("worker-a", t0(), LEASE).await.unwrap().unwrap();
    assert!(
        s.claim_job("worker-b", t0() + secs(29), LEASE)
            .await
            .unwrap()
            .is_none(),
        "lease still valid"
    );
    let new = s
        .claim_job("worker-b", t0() + secs(31), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.id, old.id);
    assert_eq!(new.attempts, 2);
    assert_ne!(new.claim_token, old.claim_token);

    let late = t0() + secs(40);
    assert!(matches!(
        s.complete_job(&old, late, "stale").await,
        Err(StoreError::LeaseLost { .. })
    ));
    assert!(matches!(
        s.retry_job(&old, late, "x", late).await,
        Err(StoreError::LeaseLost { .. })
    ));
    assert!(matches!(
        s.fail_job(&old, late, "x").await,
        Err(StoreError::LeaseLost { .. })
    ));
    assert!(matches!(
        s.extend_lease(&old, late, LEASE).await,
        Err(StoreError::LeaseLost { .. })
    ));
    s.complete_job(&new, late, "fresh").await.unwrap();
    let jobs = s.list_jobs(None, 10).await.unwrap();
    assert_eq!(
        jobs[0].summary.as_deref(),
        Some("fresh"),
        "the re-claiming worker's result stands"
    );
    assert_eq!(jobs[0].lease_owner.as_deref(), Some("worker-b"));
}

async fn an_extended_lease_keeps_the_job_from_other_workers(s: Arc<dyn Store>) {
    s.enqueue_job(job("digest", None, t0())).await.unwrap();
    let held = s.claim_job("worker-a", t0(), LEASE).await.unwrap().unwrap();
    let until = s.extend_lease(&held, t0() + secs(25), LEASE).await.unwrap();
    assert_eq!(until, t0() + secs(55));
    assert!(
        s.claim_job("worker-b", t0() + secs(40), LEASE)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.claim_job("worker-b", t0() + secs(56), LEASE)
            .await
            .unwrap()
            .is_some()
    );
}

async fn a_retried_job_is_not_claimable_before_its_next_run_time(s: Arc<dyn Store>) {
    s.enqueue_job(job("issue.reconcile", None, t0()))
        .await
        .unwrap();
    let first = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    let next = t0() + secs(120);
    let out = s
        .retry_job(&first, t0() + secs(1), "GitLab answered 503", next)
        .await
        .unwrap();
    assert_eq!(out, RetryOutcome::Scheduled { next_run_at: next });
    assert!(
        s.claim_job("w", t0() + secs(119), LEASE)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.next_run_at().await.unwrap(), Some(next));
    let second = s.claim_job("w", next, LEASE).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempts), (first.id, 2));
    let listed = s.list_jobs(Some(JobState::Running), 10).await.unwrap();
    assert_eq!(listed[0].last_error.as_deref(), Some("GitLab answered 503"));
}

async fn a_job_is_dead_lettered_after_max_attempts_and_can_be_requeued(s: Arc<dyn Store>) {
    let id = s
        .enqueue_job(job("issue.reconcile", None, t0()))
        .await
        .unwrap()
        .job_id;
    let mut now = t0();
    for attempt in 1..=MAX_ATTEMPTS {
        let j = s.claim_job("w", now, LEASE).await.unwrap().unwrap();
        assert_eq!(j.attempts, attempt);
        let out = s
            .retry_job(&j, now, "timeout", now + secs(10))
            .await
            .unwrap();
        if attempt < MAX_ATTEMPTS {
            assert!(
                matches!(out, RetryOutcome::Scheduled { .. }),
                "attempt {attempt}: {out:?}"
            );
        } else {
            assert_eq!(out, RetryOutcome::DeadLettered);
        }
        now += secs(10);
    }
    assert!(
        s.claim_job("w", now + secs(3600), LEASE)
            .await
            .unwrap()
            .is_none()
    );
    let stats = s.queue_stats().await.unwrap();
    assert_eq!((stats.dead, stats.pending), (1, 0));
    let dead = s.list_jobs(Some(JobState::Dead), 10).await.unwrap();
    assert_eq!(dead[0].last_error.as_deref(), Some("timeout"));

    assert!(s.requeue_dead(id, now).await.unwrap());
    assert!(
        !s.requeue_dead(id, now).await.unwrap(),
        "only dead jobs are requeued"
    );
    let again = s.claim_job("w", now, LEASE).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (id, 1));
}

async fn a_failed_job_goes_straight_to_the_dead_letter_queue(s: Arc<dyn Store>) {
    s.enqueue_job(job("issue.reconcile", None, t0()))
        .await
        .unwrap();
    let j = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    s.fail_job(&j, t0(), "403 Forbidden: the token cannot edit project 1")
        .await
        .unwrap();
    let dead = s.list_jobs(Some(JobState::Dead), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("403 Forbidden: the token cannot edit project 1")
    );
    assert!(
        s.claim_job("w", t0() + secs(3600), LEASE)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_job_whose_worker_keeps_dying_is_dead_lettered_after_max_attempts(s: Arc<dyn Store>) {
    s.enqueue_job(job("issue.reconcile", None, t0()))
        .await
        .unwrap();
    let mut now = t0();
    for _ in 0..MAX_ATTEMPTS {
        assert!(s.claim_job("w", now, LEASE).await.unwrap().is_some());
        now += secs(31); // the worker died: its lease runs out
    }
    assert!(s.claim_job("w", now, LEASE).await.unwrap().is_none());
    assert_eq!(s.queue_stats().await.unwrap().dead, 1);
}

async fn a_job_whose_issue_is_gone_ends_gone_apart_from_the_dead_letters(s: Arc<dyn Store>) {
    let id = s
        .enqueue_job(job("issue.sync", Some("issue:1:23"), t0()))
        .await
        .unwrap()
        .job_id;
    let j = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    let reason = "issue 1#23 is gone: GitLab refused with 404: 404 Issue Not Found";
    s.mark_job_gone(&j, t0() + secs(1), reason).await.unwrap();

    let stats = s.queue_stats().await.unwrap();
    assert_eq!(
        (stats.gone, stats.dead, stats.running),
        (1, 0, 0),
        "{stats:?}"
    );
    let gone = s.list_jobs(Some(JobState::Gone), 10).await.unwrap();
    assert_eq!(gone.len(), 1);
    assert_eq!((gone[0].id, gone[0].state), (id, JobState::Gone));
    assert_eq!(gone[0].summary.as_deref(), Some(reason));
    assert_eq!(gone[0].finished_at, Some(t0() + secs(1)));
    assert!(
        s.list_jobs(Some(JobState::Dead), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !s.requeue_dead(id, t0()).await.unwrap(),
        "not a dead letter"
    );
    assert!(
        s.claim_job("w", t0() + secs(3600), LEASE)
            .await
            .unwrap()
            .is_none(),
        "gone is final"
    );
    assert!(s.next_run_at().await.unwrap().is_none());
    assert!(matches!(
        s.mark_job_gone(&j, t0(), reason).await,
        Err(StoreError::LeaseLost { .. })
    ));
    // The issue's next job is not held back by the gone one.
    s.enqueue_job(job("issue.sync", Some("issue:1:23"), t0()))
        .await
        .unwrap();
    assert!(s.claim_job("w", t0(), LEASE).await.unwrap().is_some());
}

async fn eight_concurrent_claimers_share_two_hundred_jobs_without_overlap(s: Arc<dyn Store>) {
    for i in 0..200 {
        s.enqueue_job(NewJob {
            payload: json!({ "n": i }),
            ..job("issue.reconcile", None, t0())
        })
        .await
        .unwrap();
    }
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(j) = s
                    .claim_job(&format!("worker-{w}"), t0(), LEASE)
                    .await
                    .unwrap()
                {
                    s.complete_job(&j, t0(), "ok").await.unwrap();
                    mine.push(j.id);
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 200, "every job claimed once");
    assert_eq!(distinct.len(), 200, "no job claimed twice");
    assert_eq!(s.queue_stats().await.unwrap().done, 200);
}

async fn queue_stats_and_next_run_time_follow_the_jobs(s: Arc<dyn Store>) {
    assert_eq!(s.next_run_at().await.unwrap(), None);
    s.enqueue_job(job("a", None, t0() + secs(60)))
        .await
        .unwrap();
    s.enqueue_job(job("b", None, t0())).await.unwrap();
    assert_eq!(s.next_run_at().await.unwrap(), Some(t0()));
    let j = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    assert_eq!(j.kind, "b");
    // The running job's lease (t0+30 s) expires before the pending one is due (t0+60 s).
    assert_eq!(s.next_run_at().await.unwrap(), Some(t0() + secs(30)));
    let stats = s.queue_stats().await.unwrap();
    assert_eq!(
        (stats.pending, stats.running, stats.done, stats.dead),
        (1, 1, 0, 0)
    );
    s.complete_job(&j, t0(), "").await.unwrap();
    assert_eq!(s.next_run_at().await.unwrap(), Some(t0() + secs(60)));
    assert_eq!(
        s.list_jobs(Some(JobState::Pending), 10).await.unwrap()[0].kind,
        "a"
    );
}

// ---- audit, notes, schedules, state --------------------------------------------------------

fn audit(project: u64, iid: u64, action: &str, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        at,
        job_id: None,
        delivery_id: None,
        project_id: Some(ProjectId(project)),
        issue_iid: Some(IssueIid(iid)),
        actor: "steward".to_owned(),
        rule_names: vec!["speaker-lead-time".to_owned(), "speaker-assign".to_owned()],
        action: action.to_owned(),
        api_call: Some(format!("PUT /projects/{project}/issues/{iid}")),
        response_status: Some(200),
        detail: "add_labels=lead-time::late".to_owned(),
    }
}

async fn audit_entries_are_listed_newest_first_and_counted_by_filter(s: Arc<dyn Store>) {
    s.append_audit(audit(1, 23, "issue.edit", t0()))
        .await
        .unwrap();
    s.append_audit(audit(1, 23, "note.create", t0() + secs(1)))
        .await
        .unwrap();
    s.append_audit(audit(1, 24, "issue.edit", t0() + secs(2)))
        .await
        .unwrap();
    s.append_audit(AuditEntry {
        api_call: None,
        response_status: None,
        ..audit(2, 5, "skip.echo", t0() + secs(3))
    })
    .await
    .unwrap();

    let issue = AuditFilter {
        project: Some(ProjectId(1)),
        issue: Some(IssueIid(23)),
        ..AuditFilter::default()
    };
    let listed = s.list_audit(&issue).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed[0].entry,
        audit(1, 23, "note.create", t0() + secs(1)),
        "newest first, stored intact"
    );
    assert_eq!(s.count_audit(&issue).await.unwrap(), 2);
    assert_eq!(s.count_audit(&AuditFilter::default()).await.unwrap(), 4);
    let edits = AuditFilter {
        action: Some("issue.edit".to_owned()),
        ..AuditFilter::default()
    };
    assert_eq!(s.count_audit(&edits).await.unwrap(), 2);
    let since = AuditFilter {
        since: Some(t0() + secs(2)),
        ..AuditFilter::default()
    };
    assert_eq!(s.count_audit(&since).await.unwrap(), 2);
    let limited = AuditFilter {
        limit: Some(1),
        ..AuditFilter::default()
    };
    let one = s.list_audit(&limited).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].entry.action, "skip.echo");
    assert_eq!(one[0].entry.api_call, None);
}

async fn a_write_logged_ahead_is_completed_with_its_answer_or_left_unanswered(s: Arc<dyn Store>) {
    let ahead = |iid| AuditEntry {
        response_status: None,
        detail: "+labels lead-time::violated (sent; no answer recorded)".to_owned(),
        ..audit(1, iid, "issue.edit", t0())
    };
    let answered = s.append_audit(ahead(23)).await.unwrap();
    let interrupted = s.append_audit(ahead(24)).await.unwrap();
    s.finish_audit(
        answered,
        Some(200),
        "+labels lead-time::violated".to_owned(),
    )
    .await
    .unwrap();
    // An id that does not exist changes nothing (and is no error).
    s.finish_audit(AuditId(interrupted.0 + 1_000), Some(500), "x".to_owned())
        .await
        .unwrap();

    let all = s.list_audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(all.len(), 2);
    let by_id = |id: AuditId| &all.iter().find(|r| r.id == id).unwrap().entry;
    assert_eq!(by_id(answered).response_status, Some(200));
    assert_eq!(by_id(answered).detail, "+labels lead-time::violated");
    assert_eq!(
        by_id(answered).api_call.as_deref(),
        Some("PUT /projects/1/issues/23"),
        "the call stays as logged"
    );
    assert_eq!(
        by_id(interrupted).response_status,
        None,
        "no answer recorded"
    );
    assert!(
        by_id(interrupted)
            .detail
            .ends_with("(sent; no answer recorded)")
    );
}

async fn an_owned_note_is_recorded_updated_and_kept_apart_per_target(s: Arc<dyn Store>) {
    let issue = NoteTarget::Issue {
        project: ProjectId(1),
        iid: IssueIid(23),
    };
    let epic = NoteTarget::Epic {
        group: GroupId(9),
        epic_id: EpicId(23),
    };
    assert_eq!(s.get_owned_note(&issue, "lead-time").await.unwrap(), None);
    let note = |id, hash: &str, at| OwnedNote {
        note_id: NoteId(id),
        body_hash: hash.to_owned(),
        updated_at: at,
    };
    s.put_owned_note(&issue, "lead-time", note(301, "h1", t0()))
        .await
        .unwrap();
    s.put_owned_note(&epic, "digest:2026-W48", note(900, "d1", t0()))
        .await
        .unwrap();
    s.put_owned_note(&issue, "lead-time", note(301, "h2", t0() + secs(5)))
        .await
        .unwrap();
    assert_eq!(
        s.get_owned_note(&issue, "lead-time").await.unwrap(),
        Some(note(301, "h2", t0() + secs(5)))
    );
    assert_eq!(
        s.get_owned_note(&epic, "digest:2026-W48").await.unwrap(),
        Some(note(900, "d1", t0()))
    );
    assert_eq!(
        s.get_owned_note(&epic, "lead-time").await.unwrap(),
        None,
        "targets do not share keys"
    );
    assert_eq!(
        s.get_owned_note(&NoteTarget::Key("issue:1/23".to_owned()), "lead-time")
            .await
            .unwrap(),
        None
    );
    s.put_owned_note(&issue, "needs-info", note(302, "h3", t0()))
        .await
        .unwrap();
    let listed = s.list_owned_notes(&issue).await.unwrap();
    let keys: Vec<&str> = listed.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["lead-time", "needs-info"],
        "every key of the issue, none of the epic"
    );
    assert_eq!(listed[0].1.body_hash, "h2");
}

async fn a_schedule_slot_is_claimed_by_exactly_one_of_ten_claimers(s: Arc<dyn Store>) {
    let slot = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.claim_slot("weekly-digest", slot, &format!("replica-{i}"), t0())
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap().unwrap());
    }
    assert_eq!(winners, 1);
    assert_eq!(
        s.last_finished_slot("weekly-digest").await.unwrap(),
        None,
        "claimed is not finished"
    );
    assert!(
        s.finish_slot("weekly-digest", slot, t0() + secs(5), "posted 8 digests")
            .await
            .unwrap()
    );
    assert_eq!(
        s.last_finished_slot("weekly-digest").await.unwrap(),
        Some(slot)
    );
    assert!(
        !s.finish_slot("weekly-digest", slot + secs(3600), t0(), "x")
            .await
            .unwrap()
    );
    assert!(
        s.claim_slot("daily-sweep", slot, "replica-0", t0())
            .await
            .unwrap(),
        "slots are per schedule"
    );
}

async fn every_kind_of_domain_state_reads_back_what_was_written_per_scope(s: Arc<dyn Store>) {
    let (p1, p2) = (ProjectId(1), ProjectId(2));
    let (i7, i8) = (IssueIid(7), IssueIid(8));
    let g = GroupId(5);
    let week: IsoWeek = "2026-W48".parse().unwrap();
    let now = t0();

    assert_eq!(s.sweep_watermark(p1).await.unwrap(), None);
    s.set_sweep_watermark(p1, t0(), now).await.unwrap();
    s.set_sweep_watermark(p1, t0() + secs(60), now)
        .await
        .unwrap();
    assert_eq!(s.sweep_watermark(p1).await.unwrap(), Some(t0() + secs(60)));
    assert_eq!(s.sweep_watermark(p2).await.unwrap(), None, "per project");

    assert!(s.workload(p1).await.unwrap().open_issues.is_empty());
    let counts = BTreeMap::from([("alice".to_owned(), 3), ("bob".to_owned(), 1)]);
    s.set_workload(p1, &counts, now).await.unwrap();
    let w = s.workload(p1).await.unwrap();
    assert_eq!(w.open_issues.get(&Username("alice".to_owned())), Some(&3));
    assert_eq!(w.open_issues.len(), 2);
    assert!(s.workload(p2).await.unwrap().open_issues.is_empty());

    let due = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    s.set_managed_due_date(p1, i7, due, now).await.unwrap();
    assert_eq!(s.managed_due_date(p1, i7).await.unwrap(), Some(due));
    assert_eq!(s.managed_due_date(p1, i8).await.unwrap(), None, "per issue");
    assert_eq!(
        s.managed_due_date(p2, i7).await.unwrap(),
        None,
        "per project"
    );

    // Waits on the requester: empty until recorded, per issue, and read back as written.
    assert_eq!(s.waiting(p1, i7).await.unwrap(), Waiting::default());
    let started = Waiting::default().update(true, now).unwrap();
    s.set_waiting(p1, i7, &started, now).await.unwrap();
    assert_eq!(s.waiting(p1, i7).await.unwrap().since, Some(now));
    let later = now + secs(3 * 24 * 3600);
    let ended = started.update(false, later).unwrap();
    s.set_waiting(p1, i7, &ended, later).await.unwrap();
    let read = s.waiting(p1, i7).await.unwrap();
    assert_eq!(read.since, None);
    assert_eq!(read.past.len(), 1);
    assert_eq!((read.past[0].from, read.past[0].to), (now, later));
    assert_eq!(
        s.waiting(p1, i8).await.unwrap(),
        Waiting::default(),
        "per issue"
    );
    assert_eq!(
        s.waiting(p2, i7).await.unwrap(),
        Waiting::default(),
        "per project"
    );

    // What an issue looked like after Steward's own write: absent until recorded, per issue,
    // replaced by the next write.
    assert_eq!(s.own_write(p1, i7).await.unwrap(), None);
    let own = OwnWrite {
        updated_at: now,
        user_notes_count: Some(3),
        human_activity_at: now - secs(86_400),
    };
    s.set_own_write(p1, i7, &own, now).await.unwrap();
    assert_eq!(s.own_write(p1, i7).await.unwrap(), Some(own));
    let next = OwnWrite {
        updated_at: now + secs(60),
        user_notes_count: None,
        ..own
    };
    s.set_own_write(p1, i7, &next, now).await.unwrap();
    assert_eq!(s.own_write(p1, i7).await.unwrap(), Some(next));
    assert_eq!(s.own_write(p1, i8).await.unwrap(), None, "per issue");
    assert_eq!(s.own_write(p2, i7).await.unwrap(), None, "per project");

    assert_eq!(s.notes_synced(p1, i7).await.unwrap(), None);
    s.set_notes_synced(p1, i7, true, now).await.unwrap();
    s.set_notes_synced(p1, i8, false, now).await.unwrap();
    assert_eq!(s.notes_synced(p1, i7).await.unwrap(), Some(true));
    assert_eq!(s.notes_synced(p1, i8).await.unwrap(), Some(false));

    s.set_epic_id(g, EpicIid(3), EpicId(9001), now)
        .await
        .unwrap();
    s.set_epic_work_item(g, EpicIid(3), "gid://gitlab/WorkItem/77", now)
        .await
        .unwrap();
    assert_eq!(s.epic_id(g, EpicIid(3)).await.unwrap(), Some(EpicId(9001)));
    assert_eq!(s.epic_id(g, EpicIid(4)).await.unwrap(), None);
    assert_eq!(
        s.epic_work_item(g, EpicIid(3)).await.unwrap().as_deref(),
        Some("gid://gitlab/WorkItem/77")
    );

    let note = GraphqlNoteRef {
        gid: "gid://gitlab/Note/12".to_owned(),
        body_hash: "abc".to_owned(),
    };
    s.set_digest_graphql_note(g, EpicIid(3), week, &note, now)
        .await
        .unwrap();
    assert_eq!(
        s.digest_graphql_note(g, EpicIid(3), week).await.unwrap(),
        Some(note)
    );
    let next_week: IsoWeek = "2026-W49".parse().unwrap();
    assert_eq!(
        s.digest_graphql_note(g, EpicIid(3), next_week)
            .await
            .unwrap(),
        None
    );

    assert_eq!(s.stamp_initialised_at(t0()).await.unwrap(), Some(t0()));
    assert_eq!(
        s.stamp_initialised_at(t0() + secs(3600)).await.unwrap(),
        Some(t0()),
        "the first stamp stays"
    );

    assert_eq!(s.audit_imported().await.unwrap(), None);
    s.set_audit_imported("3 entries from a.jsonl", now)
        .await
        .unwrap();
    assert_eq!(
        s.audit_imported().await.unwrap().as_deref(),
        Some("3 entries from a.jsonl")
    );
}

async fn pruning_state_drops_old_weekly_digest_notes_and_slots_but_keeps_the_rest(
    s: Arc<dyn Store>,
) {
    let g = GroupId(5);
    let week = |w: &str| -> IsoWeek { w.parse().unwrap() };
    let note = GraphqlNoteRef {
        gid: "gid://gitlab/Note/1".to_owned(),
        body_hash: "h".to_owned(),
    };
    let days = |d: i64| chrono::Duration::days(d);
    let long_ago = t0() - days(200);
    s.set_digest_graphql_note(g, EpicIid(3), week("2026-W20"), &note, long_ago)
        .await
        .unwrap();
    s.set_digest_graphql_note(g, EpicIid(3), week("2026-W40"), &note, t0() - days(40))
        .await
        .unwrap();
    // Per-project and per-issue state is needed as long as its issue is open: never pruned.
    s.set_managed_due_date(ProjectId(1), IssueIid(7), t0().date_naive(), long_ago)
        .await
        .unwrap();
    s.set_sweep_watermark(ProjectId(1), long_ago, long_ago)
        .await
        .unwrap();
    for d in [300, 200, 100] {
        let slot = t0() - days(d);
        assert!(
            s.claim_slot("weekly-digest", slot, "r", slot)
                .await
                .unwrap()
        );
    }
    // The newest slot is old too, but it is the latest finished one: it must stay, or the
    // scheduler would think the slots before it were never run.
    s.finish_slot("weekly-digest", t0() - days(200), t0() - days(200), "ok")
        .await
        .unwrap();
    let recent = t0() - days(1);
    assert!(s.claim_slot("hourly", recent, "r", recent).await.unwrap());

    // Asking for one day is raised to the minimum retention (eight weeks).
    let pruned = s
        .prune_state(t0(), Duration::from_secs(86_400))
        .await
        .unwrap();
    assert_eq!(
        pruned,
        StatePruned {
            state_rows: 1,
            schedule_slots: 1,
        }
    );
    assert_eq!(
        s.digest_graphql_note(g, EpicIid(3), week("2026-W20"))
            .await
            .unwrap(),
        None
    );
    assert!(
        s.digest_graphql_note(g, EpicIid(3), week("2026-W40"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        s.managed_due_date(ProjectId(1), IssueIid(7))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        s.sweep_watermark(ProjectId(1)).await.unwrap(),
        Some(long_ago)
    );
    assert_eq!(
        s.last_finished_slot("weekly-digest").await.unwrap(),
        Some(t0() - days(200))
    );
    assert!(
        !s.claim_slot("weekly-digest", t0() - days(100), "r", t0())
            .await
            .unwrap(),
        "a slot after the latest finished one is kept"
    );
    assert!(
        !s.claim_slot("weekly-digest", t0() - days(200), "r", t0())
            .await
            .unwrap(),
        "the latest finished slot is kept"
    );
    assert!(!s.claim_slot("hourly", recent, "r", t0()).await.unwrap());

    let again = s
        .prune_state(t0(), Duration::from_secs(86_400))
        .await
        .unwrap();
    assert_eq!(again, StatePruned::default());
}

async fn every_embedded_migration_is_reported_applied(s: Arc<dyn Store>) {
    let status = s.migration_status().await.unwrap();
    assert!(!status.is_empty());
    let names: Vec<(i64, &str)> = status
        .iter()
        .map(|m| (m.version, m.description.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (1, "initial"),
            (2, "job gone"),
            (3, "typed state"),
            (4, "waiting"),
            (5, "own write"),
            (6, "customer ledger")
        ]
    );
    assert!(status.iter().all(|m| m.applied), "{status:?}");
    s.migrate().await.unwrap();
    s.ping().await.unwrap();
    s.check_writable().await.unwrap();
    assert!(
        s.get_delivery(steward::store::DeliveryId(1))
            .await
            .unwrap()
            .is_none(),
        "the writability check writes nothing"
    );
}

async fn pruning_keeps_deliveries_younger_than_seven_days(s: Arc<dyn Store>) {
    let now = t0();
    let at = |days: i64| NewDelivery {
        received_at: now - chrono::Duration::days(days),
        ..delivery(&format!("d{days}"), None)
    };
    for days in [1, 6, 8, 30] {
        s.record_delivery(at(days)).await.unwrap();
    }
    // A retention shorter than GitLab's 7-day resend window is raised to 7 days.
    let pruned = s
        .prune_deliveries(now, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(pruned, 2);
    assert!(matches!(
        s.record_delivery(at(6)).await.unwrap(),
        RecordOutcome::Duplicate { .. }
    ));
    assert!(matches!(
        s.record_delivery(at(8)).await.unwrap(),
        RecordOutcome::Accepted { .. }
    ));
}

async fn deliveries_are_counted_per_hour_within_the_window(s: Arc<dyn Store>) {
    // t0 is 12:00 UTC. Three deliveries in the 09:00 hour (one on its first millisecond),
    // none at 10:00, one at 11:59:59, one at 12:00 (the window's end, left out) and one the day
    // before (before the window).
    let arrivals = [
        ("a", t0() - secs(3 * 3600)),
        ("b", t0() - secs(3 * 3600 - 60)),
        ("c", t0() - secs(2 * 3600 + 1)),
        ("d", t0() - secs(1)),
        ("e", t0()),
        ("f", t0() - secs(26 * 3600)),
    ];
    for (key, at) in arrivals {
        let d = NewDelivery {
            received_at: at,
            ..delivery(key, None)
        };
        s.record_delivery(d).await.unwrap();
    }
    // A duplicate is not a second delivery.
    s.record_delivery(delivery("a", None)).await.unwrap();
    // The window starts mid-hour: the whole 09:00 hour is counted.
    let since = t0() - secs(3 * 3600 - 600);
    let hours = s.deliveries_per_hour(since, t0()).await.unwrap();
    let hour = |h: u32| Utc.with_ymd_and_hms(2026, 11, 25, h, 0, 0).unwrap();
    assert_eq!(
        hours,
        vec![
            HourCount {
                hour: hour(9),
                deliveries: 3
            },
            HourCount {
                hour: hour(11),
                deliveries: 1
            },
        ]
    );
    // A window starting after t0 within its hour counts that whole hour ("e" at 12:00).
    let noon = s.deliveries_per_hour(t0() + secs(60), t0() + secs(3600));
    assert_eq!(
        noon.await.unwrap(),
        vec![HourCount {
            hour: hour(12),
            deliveries: 1
        }]
    );
    let later = s.deliveries_per_hour(t0() + secs(3600), t0() + secs(7200));
    assert!(later.await.unwrap().is_empty(), "no delivery after 12:00");
}

async fn pruning_done_jobs_keeps_recent_and_dead_ones(s: Arc<dyn Store>) {
    for _ in 0..3 {
        s.enqueue_job(job("sweep", None, t0())).await.unwrap();
    }
    let old = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    s.complete_job(&old, t0(), "ok").await.unwrap();
    let recent = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    s.complete_job(&recent, t0() + secs(86_400), "ok")
        .await
        .unwrap();
    let dead = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    s.fail_job(&dead, t0(), "404").await.unwrap();
    let now = t0() + secs(2 * 86_400);
    let pruned = s
        .prune_done_jobs(now, Duration::from_secs(36 * 3600))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let stats = s.queue_stats().await.unwrap();
    assert_eq!((stats.done, stats.dead), (1, 1));
}

async fn pruning_removes_old_gone_jobs_like_done_ones(s: Arc<dyn Store>) {
    for _ in 0..2 {
        s.enqueue_job(job("issue.sync", None, t0())).await.unwrap();
    }
    let old = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    s.mark_job_gone(&old, t0(), "404").await.unwrap();
    let recent = s.claim_job("w", t0(), LEASE).await.unwrap().unwrap();
    s.mark_job_gone(&recent, t0() + secs(86_400), "404")
        .await
        .unwrap();
    let pruned = s
        .prune_done_jobs(t0() + secs(2 * 86_400), Duration::from_secs(36 * 3600))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(s.queue_stats().await.unwrap().gone, 1);
}

// ---- two replicas on one database ---------------------------------------------------------

async fn two_replicas_record_one_delivery_once_and_share_the_queue_without_overlap(
    (a, b): (Arc<dyn Store>, Arc<dyn Store>),
) {
    let sends: Vec<_> = (0..10)
        .map(|i| {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                s.record_delivery(delivery("resent", Some(job("issue.reconcile", None, t0()))))
                    .await
            })
        })
        .collect();
    let mut accepted = 0;
    for t in sends {
        accepted += usize::from(matches!(
            t.await.unwrap().unwrap(),
            RecordOutcome::Accepted { .. }
        ));
    }
    assert_eq!(accepted, 1, "one acceptance across both replicas");

    for i in 0..99 {
        let s = if i % 2 == 0 { &a } else { &b };
        s.enqueue_job(job("issue.reconcile", None, t0()))
            .await
            .unwrap();
    }
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let s = if w % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(j) = s
                    .claim_job(&format!("replica-{w}"), t0(), LEASE)
                    .await
                    .unwrap()
                {
                    s.complete_job(&j, t0(), "ok").await.unwrap();
                    mine.push(j.id);
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().copied().collect();
    assert_eq!(
        (all.len(), distinct.len()),
        (100, 100),
        "each job handled once across replicas"
    );
    assert_eq!(b.queue_stats().await.unwrap().done, 100);
}

async fn two_replicas_claim_each_schedule_slot_once((a, b): (Arc<dyn Store>, Arc<dyn Store>)) {
    let slot = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                s.claim_slot("daily-sweep", slot, &format!("replica-{i}"), t0())
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap().unwrap());
    }
    assert_eq!(winners, 1);
    assert!(
        a.finish_slot("daily-sweep", slot, t0(), "ok")
            .await
            .unwrap()
    );
    assert_eq!(
        b.last_finished_slot("daily-sweep").await.unwrap(),
        Some(slot)
    );
}

// ---- customer ledger --------------------------------------------------------------------------

fn ask(project: u64, iid: u64, account: &str, days: i64) -> steward_core::customers::Ask {
    steward_core::customers::Ask {
        project: ProjectId(project),
        iid: IssueIid(iid),
        account: steward_core::customers::AccountKey(account.to_owned()),
        account_name: format!("{account} Inc."),
        program: Some("speaker".to_owned()),
        template: steward_core::model::TemplateName("customer-speaker-request".into()),
        filed_at: t0() + chrono::Duration::days(days),
        state: steward_core::model::IssueState::Opened,
        outcome: None,
        subjects: [("event_name".to_owned(), "KubeCon 'EU' — 2027".to_owned())].into(),
        confidential: iid.is_multiple_of(2),
    }
}

async fn the_customer_ledger_keeps_one_ask_per_request_by_account_and_links_both_ways(
    s: Arc<dyn Store>,
) {
    use steward_core::customers::AccountKey;
    s.put_ask(&ask(1, 2, "acme", 3), t0()).await.unwrap();
    s.put_ask(&ask(1, 1, "acme", 1), t0()).await.unwrap();
    s.put_ask(&ask(2, 1, "globex", 2), t0()).await.unwrap();
    // The same request recorded again replaces its row (closed, with an outcome).
    let mut closed = ask(1, 2, "acme", 3);
    closed.state = steward_core::model::IssueState::Closed;
    closed.outcome = Some("outcome::duplicate".into());
    s.put_ask(&closed, t0()).await.unwrap();
    let acme = s.list_asks(Some(&AccountKey("acme".into()))).await.unwrap();
    assert_eq!(
        acme,
        vec![ask(1, 1, "acme", 1), closed.clone()],
        "oldest first, one row each"
    );
    let all = s.list_asks(None).await.unwrap();
    let order: Vec<(u64, u64)> = all.iter().map(|a| (a.project.0, a.iid.0)).collect();
    assert_eq!(order, vec![(1, 1), (2, 1), (1, 2)]);
    assert!(
        s.list_asks(Some(&AccountKey("initech".into())))
            .await
            .unwrap()
            .is_empty()
    );

    let (a, b) = ((ProjectId(1), IssueIid(1)), (ProjectId(1), IssueIid(2)));
    s.add_issue_link(a, b, t0()).await.unwrap();
    s.add_issue_link(b, a, t0()).await.unwrap();
    assert_eq!(s.issue_links(a.0, a.1).await.unwrap(), vec![b]);
    assert_eq!(s.issue_links(b.0, b.1).await.unwrap(), vec![a]);
    assert!(
        s.issue_links(ProjectId(2), IssueIid(1))
            .await
            .unwrap()
            .is_empty()
    );
}
