//! Upgrading a store created by the first release: the migration that adds the `gone` job state
//! keeps every job (state, attempts, summaries) and never hands out an id again. SQLite always
//! (it rebuilds the jobs table); PostgreSQL (its own schema) when the ignored tests run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use steward::store::{self, JobId, JobState, NewJob, Store, StoreOptions};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn unique(tag: &str) -> String {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!("steward_upgrade_{tag}_{}_{nanos}", std::process::id())
}

/// A folder holding only the first migration of `backend`, as the first release shipped it.
fn first_release_migrations(backend: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(backend));
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
        .join("0001_initial.sql");
    std::fs::copy(src, dir.join("0001_initial.sql")).unwrap();
    dir
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
