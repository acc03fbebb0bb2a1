//! Write-ahead audit of GitLab writes. Every write Steward makes (issue edits, owned notes,
//! digest notes) is logged before it is sent and completed with GitLab's answer: a process
//! killed during the call leaves an entry without an answer instead of an unaccounted write,
//! and if the entry cannot be stored the write is not made.

use std::future::Future;

use crate::gitlab::GitLabError;
use crate::store::{AuditEntry, Store, StoreError};

/// Ends an entry's detail until GitLab's answer is recorded; an entry that keeps it is a write
/// the process was making when it stopped.
const NO_ANSWER: &str = " (sent; no answer recorded)";

/// Logs `entry` (its action, API call and planned `detail`), then sends the write. On success
/// the entry gets `ok_status` and the detail `ok_detail` makes of GitLab's answer; on failure
/// GitLab's status (if it answered) and the error. The outer error means the entry could not be
/// stored, and nothing was sent.
pub(crate) async fn logged<T>(
    store: &dyn Store,
    mut entry: AuditEntry,
    ok_status: u16,
    send: impl Future<Output = Result<T, GitLabError>>,
    ok_detail: impl FnOnce(&T) -> String,
) -> Result<Result<T, GitLabError>, StoreError> {
    let planned = std::mem::take(&mut entry.detail);
    entry.detail = format!("{planned}{NO_ANSWER}");
    entry.response_status = None;
    let id = store.append_audit(entry).await?;
    let result = send.await;
    let (status, detail) = match &result {
        Ok(answer) => (Some(ok_status), ok_detail(answer)),
        Err(e) => (e.status(), format!("{planned}: {e}")),
    };
    if let Err(e) = store.finish_audit(id, status, detail).await {
        // The entry stays "no answer recorded": the write is still accounted for.
        tracing::error!(error = %e, audit_id = id.0, "could not complete an audit entry");
    }
    Ok(result)
}
