//! Opening a store: URL selection, in-memory SQLite, and errors that say what is wrong without
//! revealing the password.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Utc;
use steward::store::{self, NewJob, StoreError, StoreOptions};

#[tokio::test]
async fn an_in_memory_sqlite_store_keeps_data_across_its_reader_and_writer() {
    let s = store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap();
    assert_eq!(s.backend_name(), "sqlite");
    let job = NewJob {
        kind: "sweep".to_owned(),
        payload: serde_json::json!({}),
        run_at: Utc::now(),
        coalesce_key: None,
    };
    s.enqueue_job(job).await.unwrap();
    assert_eq!(s.queue_stats().await.unwrap().pending, 1);
    assert!(
        s.migration_status()
            .await
            .unwrap()
            .iter()
            .all(|m| m.applied)
    );
}

#[tokio::test]
async fn an_unknown_scheme_is_rejected_with_the_password_hidden() {
    let err = store::open(
        "mysql://steward:hunter2@db/steward",
        &StoreOptions::default(),
    )
    .await
    .err()
    .expect("mysql is not a supported backend");
    let text = err.to_string();
    assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err:?}");
    assert!(
        text.contains("postgres://"),
        "the message names what is expected: {text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_a_transient_error_without_the_password() {
    let opts = StoreOptions {
        acquire_timeout: std::time::Duration::from_secs(2),
        ..StoreOptions::default()
    };
    // Port 9 (discard) on loopback: nothing listens there.
    let err = store::open("postgres://steward:hunter2@127.0.0.1:9/steward", &opts)
        .await
        .err()
        .expect("nothing listens on port 9");
    assert!(err.is_transient(), "{err:?}");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
}

#[tokio::test]
async fn a_postgres_schema_name_that_is_not_a_plain_identifier_is_refused() {
    let opts = StoreOptions {
        postgres_schema: Some("x\"; DROP TABLE jobs; --".to_owned()),
        ..StoreOptions::default()
    };
    let err = store::open("postgres://steward:hunter2@127.0.0.1:9/steward", &opts)
        .await
        .err()
        .expect("the schema name is refused before connecting");
    assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err:?}");
    assert!(!err.to_string().contains("hunter2"));
}
