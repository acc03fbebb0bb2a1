//! Conversions between domain values and column values shared by both backends (ids, times,
//! JSON text). No SQL lives here.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::StoreError;

/// A GitLab id (u64) as a BIGINT column value.
pub(crate) fn id_to_db(id: u64) -> Result<i64, StoreError> {
    i64::try_from(id).map_err(|_| StoreError::Permanent(format!("id {id} does not fit a BIGINT")))
}

/// A BIGINT column value back to a GitLab id.
pub(crate) fn id_from_db(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative id {v}")))
}

/// An optional GitLab id as an optional column value.
pub(crate) fn opt_id_to_db(id: Option<u64>) -> Result<Option<i64>, StoreError> {
    id.map(id_to_db).transpose()
}

/// An attempts counter read from an INTEGER column.
pub(crate) fn attempts_from_db(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("attempts {v} out of range")))
}

/// A UTC time as Unix milliseconds (SQLite columns).
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Unix milliseconds back to a UTC time.
pub(crate) fn from_ms(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(v)
        .ok_or_else(|| StoreError::Corrupt(format!("time {v} out of range")))
}

/// The start of the UTC hour containing `t`.
pub(crate) fn hour_start(t: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
    from_ms(t.timestamp().div_euclid(3600) * 3_600_000)
}

/// One row of a per-hour count: hours since the Unix epoch and the count.
pub(crate) fn hour_count(hour: i64, n: i64) -> Result<super::HourCount, StoreError> {
    let at = hour
        .checked_mul(3_600_000)
        .ok_or_else(|| StoreError::Corrupt(format!("hour {hour} out of range")))?;
    Ok(super::HourCount {
        hour: from_ms(at)?,
        deliveries: u64::try_from(n)
            .map_err(|_| StoreError::Corrupt(format!("count {n} out of range")))?,
    })
}

/// `now + d`, refusing durations chrono cannot represent.
pub(crate) fn add(now: DateTime<Utc>, d: Duration) -> Result<DateTime<Utc>, StoreError> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| StoreError::Permanent(format!("duration {d:?} is too long")))
}

/// A job payload as stored text.
pub(crate) fn payload_to_db(v: &serde_json::Value) -> String {
    v.to_string()
}

/// Stored text back to a job payload.
pub(crate) fn payload_from_db(s: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))
}

/// Rule names as a JSON array.
pub(crate) fn names_to_db(names: &[String]) -> String {
    serde_json::Value::from(names.to_vec()).to_string()
}

/// A JSON array back to rule names.
pub(crate) fn names_from_db(s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("audit rule names: {e}")))
}

/// A stored HTTP status back to `u16`.
pub(crate) fn status_from_db(v: Option<i64>) -> Result<Option<u16>, StoreError> {
    v.map(|s| u16::try_from(s).map_err(|_| StoreError::Corrupt(format!("HTTP status {s}"))))
        .transpose()
}

/// The limit used when a filter sets none.
pub(crate) const DEFAULT_LIST_LIMIT: u32 = 100;
