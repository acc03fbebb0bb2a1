//! GitLab's health as this process last saw it, published as metrics: `steward_gitlab_up` (1
//! when the last API call got an answer below 500, 0 after a 5xx, a timeout or a refused
//! connection) and `steward_gitlab_last_call_timestamp_seconds` (when that was, Unix seconds).
//! Updated from the outcome of every call Steward makes anyway; it makes no calls of its own.
//! Readiness deliberately ignores it: a GitLab outage must not stop webhooks being accepted.

use super::GitLabError;

/// Whether an outcome shows GitLab up: any answer below 500 is (a 429 is GitLab throttling
/// Steward, which `steward_gitlab_calls_total` shows).
pub(crate) fn is_up<T>(outcome: &Result<T, GitLabError>) -> bool {
    match outcome {
        Ok(_) => true,
        Err(e) => e.status().is_some_and(|s| s < 500),
    }
}

/// Records one call's outcome.
pub(crate) fn record<T>(outcome: &Result<T, GitLabError>) {
    metrics::gauge!("steward_gitlab_up").set(if is_up(outcome) { 1.0 } else { 0.0 });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    metrics::gauge!("steward_gitlab_last_call_timestamp_seconds").set(now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitlab_is_up_when_it_answers_below_500() {
        let ok: Result<(), GitLabError> = Ok(());
        assert!(is_up(&ok));
        let unanswered: Result<(), GitLabError> = Err(GitLabError::Config("no answer".into()));
        assert!(!is_up(&unanswered));
    }
}
