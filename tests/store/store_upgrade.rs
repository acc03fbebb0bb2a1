//! Upgrading a store created by an earlier release: the migration that adds the `gone` job state
//! keeps every job (state, attempts, summaries) and never hands out an id again (SQLite rebuilds
//! the jobs table), and the migration to typed domain state keeps every value the key/value
//! table held. SQLite always; PostgreSQL (its own schema) when the ignored tests run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use steward::store::{self, GraphqlNoteRef, JobId, JobState, NewJob, Store, StoreOptions};
use steward_core::digest::IsoWeek;
use steward_core::model::{EpicId, EpicIid, GroupId, IssueIid, ProjectId, Username};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn unique(tag: &str) -> String {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!("steward_upgrade_{tag}_{}_{nanos}", std::process::id())
}

/// A folder holding the named migrations of `backend`, as an earlier release shipped them.
fn release_migrations(backend: &str, files: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(backend));
    std::fs::create_dir_all(&dir).unwrap();
    for file in files {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend)
            .join(file);
        std::fs::copy(src, dir.join(file)).unwrap();
    }
    dir
}

/// A folder holding only the first migration of `backend`, as the first release shipped it.
fn first_release_migrations(backend: &str) -> PathBuf {
    release_migrations(backend, &["0001_initial.sql"])
}

/// The migrations of the release that kept domain state in the key/value table.
fn key_value_release_migrations(backend: &str) -> PathBuf {
    release_migrations(backend, &["0001_initial.sql", "0002_job_gone.sql"])
}

/// Rows as that release wrote them, one of each kind, plus a key of no known kind.
const KEY_VALUE_ROWS: &[(&str, &str)] = &[
    ("sweep.watermark:1", "2026-11-25T12:00:00+00:00"),
    ("workload:1", r#"{"alice":3,"bob":1}"#),
    ("managed-due:1:7", "2027-01-15"),
    ("notes-synced:1:7", "1"),
    ("notes-synced:1:8", "0"),
    ("epic-id:5/3", "9001"),
    ("epic-work-item:5/3", "gid://gitlab/WorkItem/77"),
    (
        "digest-note:graphql:5/3:digest:2026-W48",
        r#"{"gid":"gid://gitlab/Note/12","body_hash":"abc"}"#,
    ),
    ("store.initialised_at", "2026-11-01T08:00:00+00:00"),
    ("audit.imported", "3 entries from a.jsonl"),
    ("sweep.last_success:1", "2026-11-25T11:00:00+00:00"),
];

async fn upgraded_store_reads_back_the_key_value_state(s: Arc<dyn Store>) {
    let (p, g) = (ProjectId(1), GroupId(5));
    let week: IsoWeek = "2026-W48".parse().unwrap();
    assert_eq!(s.sweep_watermark(p).await.unwrap(), Some(t0()));
    let w = s.workload(p).await.unwrap();
    assert_eq!(w.open_issues.get(&Username("alice".to_owned())), Some(&3));
    assert_eq!(w.open_issues.get(&Username("bob".to_owned())), Some(&1));
    assert_eq!(
        s.managed_due_date(p, IssueIid(7)).await.unwrap(),
        chrono::NaiveDate::from_ymd_opt(2027, 1, 15)
    );
    assert_eq!(s.notes_synced(p, IssueIid(7)).await.unwrap(), Some(true));
    assert_eq!(s.notes_synced(p, IssueIid(8)).await.unwrap(), Some(false));
    assert_eq!(s.notes_synced(p, IssueIid(9)).await.unwrap(), None);
    assert_eq!(s.epic_id(g, EpicIid(3)).await.unwrap(), Some(EpicId(9001)));
    assert_eq!(
        s.epic_work_item(g, EpicIid(3)).await.unwrap().as_deref(),
        Some("gid://gitlab/WorkItem/77")
    );
    assert_eq!(
        s.digest_graphql_note(g, EpicIid(3), week).await.unwrap(),
        Some(GraphqlNoteRef {
            gid: "gid://gitlab/Note/12".to_owned(),
            body_hash: "abc".to_owned(),
        })
    );
    let born = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();
    assert_eq!(
        s.stamp_initialised_at(t0()).await.unwrap(),
        Some(born),
        "the store keeps its first-use time"
    );
    assert_eq!(
        s.audit_imported().await.unwrap().as_deref(),
        Some("3 entries from a.jsonl")
    );
}

fn job(n: u32) -> NewJob {
    NewJob {
        kind: "issue.sync".to_owned(),
        payload: json!({"project": 1, "iid": n}),
        run_at: t0(),
        coalesce_key: None,
    }
}

/// Jobs 1 and 2 done, job 3 waiting for a retry, job 4 done long ago and pruned.
async fn fill_first_release_store(s: &Arc<dyn Store>) {
    for n in 1..=4 {
        s.enqueue_job(job(n)).await.unwrap();
    }
    let lease = Duration::from_secs(60);
    let days_ago = |d: i64| t0() - chrono::Duration::days(d);
    let mut claimed = Vec::new();
    for _ in 1..=4 {
        claimed.push(s.claim_job("w", t0(), lease).await.unwrap().unwrap());
    }
    let ids: Vec<i64> = claimed.iter().map(|j| j.id.0).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    s.complete_job(&claimed[0], days_ago(2), "ok")
        .await
        .unwrap();
    s.complete_job(&claimed[1], t0(), "ok").await.unwrap();
    let later = t0() + chrono::Duration::hours(1);
    s.retry_job(&claimed[2], t0(), "502", later).await.unwrap();
    s.complete_job(&claimed[3], days_ago(30), "ok")
        .await
        .unwrap();
    let pruned = s
        .prune_done_jobs(t0(), Duration::from_secs(10 * 86_400))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
}

async fn upgraded_store_keeps_its_jobs_and_ids(s: Arc<dyn Store>) {
    let status = s.migration_status().await.unwrap();
    assert!(status.iter().all(|m| m.applied), "{status:?}");
    let jobs = s.list_jobs(None, 10).await.unwrap();
    let seen: Vec<(i64, JobState, u32)> =
        jobs.iter().map(|j| (j.id.0, j.state, j.attempts)).collect();
    assert_eq!(
        seen,
        [
            (3, JobState::Pending, 1),
            (2, JobState::Done, 1),
            (1, JobState::Done, 1)
        ]
    );
    assert_eq!(jobs[0].last_error.as_deref(), Some("502"));
    assert_eq!(jobs[1].summary.as_deref(), Some("ok"));

    let next = s.enqueue_job(job(5)).await.unwrap().job_id;
    assert_eq!(
        next,
        JobId(5),
        "the pruned job's id is not handed out again"
    );
    let j = s
        .claim_job("w", t0(), Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    s.mark_job_gone(&j, t0(), "404").await.unwrap();
    assert_eq!(s.queue_stats().await.unwrap().gone, 1);
}

fn first_release_options(schema: Option<String>) -> StoreOptions {
    StoreOptions {
        migrate_on_open: false,
        postgres_schema: schema,
        ..StoreOptions::default()
    }
}

#[tokio::test]
async fn upgrading_a_first_release_sqlite_store_keeps_its_jobs_and_their_ids() {
    let path = std::env::temp_dir().join(format!("{}.db", unique("sqlite")));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let migrator = sqlx::migrate::Migrator::new(first_release_migrations("sqlite"))
            .await
            .unwrap();
        migrator.run(&pool).await.unwrap();
        pool.close().await;
    }
    let old = store::open(&url, &first_release_options(None))
        .await
        .unwrap();
    fill_first_release_store(&old).await;
    drop(old);

    let upgraded = store::open(&url, &StoreOptions::default()).await.unwrap();
    upgraded_store_keeps_its_jobs_and_ids(upgraded).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set STEWARD_TEST_DATABASE_URL and run with --include-ignored"]
async fn upgrading_a_first_release_postgres_store_keeps_its_jobs_and_their_ids() {
    use sqlx::Connection;
    let url = std::env::var("STEWARD_TEST_DATABASE_URL")
        .expect("STEWARD_TEST_DATABASE_URL must name a PostgreSQL database");
    let schema = unique("pg");
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET search_path TO \"{schema}\""
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    let migrator = sqlx::migrate::Migrator::new(first_release_migrations("postgres"))
        .await
        .unwrap();
    migrator.run(&mut conn).await.unwrap();

    let old = store::open(&url, &first_release_options(Some(schema.clone())))
        .await
        .unwrap();
    fill_first_release_store(&old).await;
    drop(old);
    let opts = StoreOptions {
        postgres_schema: Some(schema.clone()),
        ..StoreOptions::default()
    };
    let upgraded = store::open(&url, &opts).await.unwrap();
    upgraded_store_keeps_its_jobs_and_ids(upgraded).await;

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn upgrading_a_key_value_sqlite_store_keeps_every_kind_of_state() {
    let path = std::env::temp_dir().join(format!("{}.db", unique("sqlite_kv")));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let migrator = sqlx::migrate::Migrator::new(key_value_release_migrations("sqlite"))
            .await
            .unwrap();
        migrator.run(&pool).await.unwrap();
        for (key, value) in KEY_VALUE_ROWS {
            sqlx::query("INSERT INTO kv_state (key, value) VALUES (?1, ?2)")
                .bind(key)
                .bind(value)
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    }
    let upgraded = store::open(&url, &StoreOptions::default()).await.unwrap();
    upgraded_store_reads_back_the_key_value_state(upgraded).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set STEWARD_TEST_DATABASE_URL and run with --include-ignored"]
async fn upgrading_a_key_value_postgres_store_keeps_every_kind_of_state() {
    use sqlx::Connection;
    let url = std::env::var("STEWARD_TEST_DATABASE_URL")
        .expect("STEWARD_TEST_DATABASE_URL must name a PostgreSQL database");
    let schema = unique("pg_kv");
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    for sql in [
        format!("CREATE SCHEMA \"{schema}\""),
        format!("SET search_path TO \"{schema}\""),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let migrator = sqlx::migrate::Migrator::new(key_value_release_migrations("postgres"))
        .await
        .unwrap();
    migrator.run(&mut conn).await.unwrap();
    for (key, value) in KEY_VALUE_ROWS {
        sqlx::query("INSERT INTO kv_state (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let opts = StoreOptions {
        postgres_schema: Some(schema.clone()),
        ..StoreOptions::default()
    };
    let upgraded = store::open(&url, &opts).await.unwrap();
    upgraded_store_reads_back_the_key_value_state(upgraded).await;

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
