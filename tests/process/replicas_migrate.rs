//! `steward migrate` as an operator runs it before starting (or upgrading) replicas: it reports
//! pending migrations without touching the database, applies them, and is a no-op afterwards.
//! SQLite always; the same command on PostgreSQL (its own schema) when the ignored tests run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use assert_cmd::Command;

fn temp_path(tag: &str, ext: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    std::env::temp_dir().join(format!(
        "steward-migrate-{tag}-{}-{nanos}.{ext}",
        std::process::id()
    ))
}

/// `steward migrate ARGS` with only the given `STEWARD_*` variables (none inherited).
fn migrate(env: &[(&str, &str)], args: &[&str]) -> assert_cmd::assert::Assert {
    let mut c = Command::cargo_bin("steward").unwrap();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
        c.env_remove(k);
    }
    c.arg("migrate").args(args).envs(env.iter().copied());
    c.assert()
}

fn stdout(a: assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.success().get_output().stdout.clone()).unwrap()
}

/// The migrations in `migrations/sqlite` (the PostgreSQL set has the same numbers and names, which
/// the store suite checks), as "NNNN words", in order. Read from the files so that a new migration
/// needs no edit here.
fn shipped_migrations() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".sql").map(str::to_owned))
        .map(|stem| stem.replacen('_', " ", 1).replace('_', " "))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    names
}

/// Runs status → apply → status → apply against one database and checks each report.
fn status_apply_status(env: &[(&str, &str)], args: &[&str]) {
    let status = |extra: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(extra);
        stdout(migrate(env, &all))
    };

    // Every migration the repository ships, as `steward migrate` names them ("0005 own write").
    let shipped = shipped_migrations();
    let n = shipped.len();

    let before = status(&["--status"]);
    for m in &shipped {
        assert!(before.contains(&format!("{m}  pending")), "{m}: {before}");
    }
    assert!(before.contains(&format!("{n} pending")), "{before}");
    // --status changed nothing: asking again still shows it pending.
    assert!(status(&["--status"]).contains(&format!("{}  pending", shipped[0])));

    let applied = status(&[]);
    for m in &shipped {
        assert!(applied.contains(&format!("applied {m}")), "{m}: {applied}");
    }
    assert!(applied.contains(&format!("{n} applied")), "{applied}");

    let after = status(&["--status"]);
    for m in &shipped {
        assert!(after.contains(&format!("{m}  applied")), "{m}: {after}");
    }
    assert!(after.contains("up to date"), "{after}");

    let again = status(&[]);
    assert!(
        again.contains(&format!(
            "nothing to apply: all {n} migrations were already applied"
        )),
        "{again}"
    );
}

#[test]
fn migrate_reports_pending_then_applies_then_reports_applied_on_a_sqlite_file() {
    let db = temp_path("status", "db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    status_apply_status(&[("STEWARD_DATABASE_URL", &url)], &[]);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn migrate_reads_the_database_from_the_settings_file_without_gitlab_settings() {
    let db = temp_path("file", "db");
    let config = temp_path("file", "yaml");
    std::fs::write(
        &config,
        format!("database:\n  url: sqlite://{}?mode=rwc\n", db.display()),
    )
    .unwrap();
    status_apply_status(&[], &["--config", config.to_str().unwrap()]);
    let _ = std::fs::remove_file(&config);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn migrate_on_an_unreadable_database_says_so_and_exits_1() {
    let missing = temp_path("missing-dir", "d").join("nested").join("x.db");
    let url = format!("sqlite://{}", missing.display());
    let out = migrate(&[("STEWARD_DATABASE_URL", &url)], &["--status"])
        .code(1)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("steward migrate: cannot open the database"),
        "{text}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: set STEWARD_TEST_DATABASE_URL and run with --include-ignored"]
fn migrate_reports_pending_then_applies_then_reports_applied_in_a_postgres_schema() {
    let url = std::env::var("STEWARD_TEST_DATABASE_URL").expect(
        "STEWARD_TEST_DATABASE_URL must name a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test",
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!("steward_migrate_{}_{nanos}", std::process::id());
    status_apply_status(
        &[
            ("STEWARD_DATABASE_URL", &url),
            ("STEWARD_DATABASE_SCHEMA", &schema),
        ],
        &[],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&mut admin)
        .await
        .unwrap();
    });
}
