//! `steward export` / `steward import` as an operator uses them to move Steward's history (the
//! audit log) from the single node's SQLite file to a new database: entries arrive complete and
//! in order (after what the new database already holds), an import never runs twice, and a
//! wrong or truncated file is refused with its name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use assert_cmd::Command;
use chrono::{DateTime, TimeZone, Utc};
use steward::store::{self, AuditEntry, AuditFilter, DeliveryId, JobId, Store, StoreOptions};
use steward_core::model::{IssueIid, ProjectId};

fn temp_path(tag: &str, ext: &str) -> PathBuf {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    std::env::temp_dir().join(format!(
        "steward-export-{tag}-{}-{nanos}.{ext}",
        std::process::id()
    ))
}

fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// `steward ARGS` with only the given `STEWARD_*` variables.
fn steward(env: &[(&str, &str)], args: &[&str]) -> assert_cmd::assert::Assert {
    let mut c = Command::cargo_bin("steward").unwrap();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
        c.env_remove(k);
    }
    c.args(args).envs(env.iter().copied());
    c.assert()
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, minute, 0).unwrap()
}

fn history() -> Vec<AuditEntry> {
    let entry =
        |minute: u32, iid: u64, action: &str, status: Option<u16>, detail: &str| AuditEntry {
            at: at(minute),
            job_id: Some(JobId(40 + i64::from(minute))),
            delivery_id: Some(DeliveryId(7)),
            project_id: Some(ProjectId(4242)),
            issue_iid: Some(IssueIid(iid)),
            actor: "steward".to_owned(),
            rule_names: vec!["speaker-lead-time".to_owned(), "intake-speaker".to_owned()],
            action: action.to_owned(),
            api_call: status.map(|_| format!("PUT /projects/4242/issues/{iid}")),
            response_status: status,
            detail: detail.to_owned(),
        };
    vec![
        entry(
            1,
            12,
            "issue.edit",
            Some(200),
            "+labels lead-time::violated; due 2027-01-05",
        ),
        entry(
            2,
            12,
            "note.create",
            Some(201),
            "note 901 `speaker-lead-time`",
        ),
        entry(
            3,
            13,
            "plan.skipped",
            None,
            "label `typo::label` does not exist",
        ),
    ]
}

async fn open(url: &str, schema: Option<String>) -> Arc<dyn Store> {
    store::open(
        url,
        &StoreOptions {
            postgres_schema: schema,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap()
}

async fn all_entries(store: &Arc<dyn Store>) -> Vec<AuditEntry> {
    let mut v: Vec<AuditEntry> = store
        .list_audit(&AuditFilter {
            limit: Some(1000),
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry)
        .collect();
    v.reverse();
    v
}

/// The source's history as it should arrive: same entries, same order, without the ids of rows
/// that only exist in the source.
fn expected() -> Vec<AuditEntry> {
    history()
        .into_iter()
        .map(|e| AuditEntry {
            job_id: None,
            delivery_id: None,
            ..e
        })
        .collect()
}

/// Fills a SQLite source, exports it to a file, and returns the file.
async fn exported_sqlite_history() -> PathBuf {
    let source = temp_path("source", "db");
    let store = open(&sqlite_url(&source), None).await;
    for e in history() {
        store.append_audit(e).await.unwrap();
    }
    drop(store);
    let file = temp_path("history", "jsonl");
    let assert = steward(
        &[("STEWARD_DATABASE_URL", &sqlite_url(&source))],
        &["export", "--output", file.to_str().unwrap()],
    )
    .success();
    let said = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(said.contains("3 audit entries"), "{said}");
    remove_db(&source);
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_moves_to_a_new_database_complete_in_order_and_only_once() {
    let file = exported_sqlite_history().await;
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].contains("\"steward-audit-export\""), "{text}");
    assert!(
        lines[1].contains("lead-time::violated"),
        "oldest first: {text}"
    );

    let target = temp_path("target", "db");
    let env = [("STEWARD_DATABASE_URL", sqlite_url(&target))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = steward(&env, &["import", file.to_str().unwrap()])
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "imported 3 audit entries into sqlite\n"
    );
    let store = open(&sqlite_url(&target), None).await;
    assert_eq!(all_entries(&store).await, expected());
    drop(store);

    // A second import would duplicate the history: refused, nothing written.
    let err = steward(&env, &["import", file.to_str().unwrap()])
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("already imported"), "{err}");
    assert!(err.contains("3 entries from sqlite"), "{err}");
    let store = open(&sqlite_url(&target), None).await;
    assert_eq!(all_entries(&store).await.len(), 3);

    remove_db(&target);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn importing_a_file_that_is_not_an_export_names_the_file_and_exits_2() {
    let file = temp_path("garbage", "jsonl");
    std::fs::write(&file, "{\"hello\": 1}\n").unwrap();
    let target = temp_path("garbage-target", "db");
    let err = steward(
        &[("STEWARD_DATABASE_URL", &sqlite_url(&target))],
        &["import", file.to_str().unwrap()],
    )
    .code(2)
    .get_output()
    .stderr
    .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("not a `steward export` file"), "{err}");
    assert!(err.contains(file.to_str().unwrap()), "{err}");
    let _ = std::fs::remove_file(&file);
    remove_db(&target);
}

#[test]
fn a_truncated_export_is_refused_before_anything_is_written() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let file = rt.block_on(exported_sqlite_history());
    let text = std::fs::read_to_string(&file).unwrap();
    let cut: Vec<&str> = text.lines().take(3).collect();
    std::fs::write(&file, cut.join("\n")).unwrap();
    let target = temp_path("truncated-target", "db");
    let err = steward(
        &[("STEWARD_DATABASE_URL", &sqlite_url(&target))],
        &["import", file.to_str().unwrap()],
    )
    .code(2)
    .get_output()
    .stderr
    .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("announces 3 entries but the file holds 2"),
        "{err}"
    );
    let _ = std::fs::remove_file(&file);
    remove_db(&target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set STEWARD_TEST_DATABASE_URL and run with --include-ignored"]
async fn the_audit_log_moves_from_sqlite_to_a_postgres_schema() {
    let url = std::env::var("STEWARD_TEST_DATABASE_URL").expect(
        "STEWARD_TEST_DATABASE_URL must name a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test",
    );
    let schema = format!(
        "steward_export_{}_{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let file = exported_sqlite_history().await;
    // The target is brand new: `steward migrate` first, as the operations guide says.
    let env = [
        ("STEWARD_DATABASE_URL", url.as_str()),
        ("STEWARD_DATABASE_SCHEMA", schema.as_str()),
    ];
    steward(&env, &["migrate"]).success();
    // The replicas have already started acting when the history arrives.
    let store = open(&url, Some(schema.clone())).await;
    let mut first = history().remove(0);
    first.at = Utc.with_ymd_and_hms(2026, 11, 25, 16, 0, 0).unwrap();
    first.detail = "written by a replica".to_owned();
    store.append_audit(first.clone()).await.unwrap();
    drop(store);
    let out = steward(&env, &["import", file.to_str().unwrap()])
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "imported 3 audit entries into postgres\n"
    );
    let store = open(&url, Some(schema.clone())).await;
    let mut want = vec![first];
    want.extend(expected());
    assert_eq!(all_entries(&store).await, want);
    drop(store);

    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);
}
