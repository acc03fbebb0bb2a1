//! The service's daily pruning pass: old deliveries go, recent ones stay (GitLab may still
//! resend them), and a store that was never pruned is brought back within its retention.

use chrono::{DateTime, TimeZone, Utc};
use steward::service::retention::{self, HISTORY_RETENTION};
use steward::store::{self, NewDelivery, RecordOutcome, StoreOptions};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 4, 0, 0)
        .single()
        .unwrap_or_default()
}

fn delivery(key: &str, days_ago: i64) -> NewDelivery {
    NewDelivery {
        dedup_key: key.to_owned(),
        event_name: Some("Issue Hook".to_owned()),
        event_uuid: None,
        project_id: None,
        issue_iid: None,
        headers_json: "{}".to_owned(),
        body: b"{}".to_vec(),
        decode_error: None,
        received_at: now() - chrono::Duration::days(days_ago),
        job: None,
    }
}

#[tokio::test]
async fn the_daily_pass_deletes_deliveries_older_than_a_month_and_keeps_the_rest() {
    let s = store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap();
    for (key, days) in [("old-1", 400), ("old-2", 31), ("recent", 29), ("today", 0)] {
        s.record_delivery(delivery(key, days)).await.unwrap();
    }
    assert_eq!(HISTORY_RETENTION.as_secs(), 30 * 86_400);
    let pruned = retention::prune(s.as_ref(), now()).await.unwrap();
    assert_eq!(pruned.deliveries, 2, "{pruned:?}");
    // The kept ones are still known: a resend of them is a duplicate, not new work.
    for (key, days) in [("recent", 29), ("today", 0)] {
        assert!(matches!(
            s.record_delivery(delivery(key, days)).await.unwrap(),
            RecordOutcome::Duplicate { .. }
        ));
    }
    // A second pass the same day finds nothing more to delete.
    let again = retention::prune(s.as_ref(), now()).await.unwrap();
    assert_eq!(again, retention::Pruned::default());
}
