//! What the overview shows, read at request time: queue depth and dead letters, the recent
//! audit log grouped by issue, each schedule's last and next slot, labels the rules use that a
//! served project lacks, GitLab's health as this process last saw it, and webhook deliveries
//! per hour. Reads only: the store, the label cache, the metrics recorder; no GitLab call
//! beyond a label list the cache does not hold yet.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::StatusDeps;
use crate::store::{AuditFilter, AuditRecord, HourCount, JobRecord, JobState, QueueStats};
use steward_core::customers::AccountSummary;
use steward_core::model::ProjectId;

/// Audit entries read for the overview.
pub const RECENT_ENTRIES: u32 = 60;
/// Dead letters listed.
pub const DEAD_LISTED: u32 = 20;
/// Hours in the delivery chart.
pub const CHART_HOURS: i64 = 24;

/// The issue an audit entry is about (`None`: entries about no issue, e.g. digests).
pub type IssueKey = Option<(ProjectId, u64)>;

/// One issue's recent audit entries, newest first.
pub type IssueEntries = (IssueKey, Vec<AuditRecord>);

/// One schedule's line.
#[derive(Debug, Clone)]
pub struct ScheduleLine {
    /// Name.
    pub name: String,
    /// Cron expression and time zone, as configured.
    pub when: String,
    /// The latest slot whose work finished.
    pub last: Option<DateTime<Utc>>,
    /// The next slot after now.
    pub next: Option<DateTime<Utc>>,
}

/// GitLab's health from this process's metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Health {
    /// `steward_gitlab_up`: the last call got an answer below 500.
    pub up: Option<bool>,
    /// When that call was made (system time).
    pub last_call: Option<DateTime<Utc>>,
}

/// Everything on the overview.
#[derive(Debug, Clone)]
pub struct Overview {
    /// When it was read (Steward's clock).
    pub now: DateTime<Utc>,
    /// Jobs per state.
    pub queue: Result<QueueStats, String>,
    /// Dead letters, newest first.
    pub dead: Result<Vec<JobRecord>, String>,
    /// Recent audit entries by issue (`None`: entries about no issue), most recent issue first.
    pub recent: Result<Vec<IssueEntries>, String>,
    /// Schedules run by this process.
    pub schedules: Vec<ScheduleLine>,
    /// Per served project, the labels it lacks (or why they could not be read).
    pub missing_labels: Vec<(ProjectId, Result<Vec<String>, String>)>,
    /// GitLab's health; `None` when metrics are disabled.
    pub health: Option<Health>,
    /// Deliveries per hour over the last [`CHART_HOURS`] hours.
    pub deliveries: Result<Vec<HourCount>, String>,
    /// The customer ledger per account, and the window its "recent" column counts.
    pub customers: (Result<Vec<AccountSummary>, String>, u32),
}

/// Reads the overview.
pub async fn overview(deps: &StatusDeps) -> Overview {
    let store = &deps.sync.store;
    let now = deps.sync.clock.now();
    let recent_filter = AuditFilter {
        limit: Some(RECENT_ENTRIES),
        ..AuditFilter::default()
    };
    let text = |e: crate::store::StoreError| e.to_string();
    Overview {
        now,
        queue: store.queue_stats().await.map_err(text),
        dead: store
            .list_jobs(Some(JobState::Dead), DEAD_LISTED)
            .await
            .map_err(text),
        recent: store
            .list_audit(&recent_filter)
            .await
            .map(group_by_issue)
            .map_err(text),
        schedules: schedules(deps, now).await,
        missing_labels: missing_labels(deps).await,
        health: deps.metrics.as_ref().map(|m| health(&m.render())),
        deliveries: store
            // The current hour whole: a delivery stamped exactly `now` counts.
            .deliveries_per_hour(
                now - Duration::hours(CHART_HOURS - 1),
                now + Duration::hours(1),
            )
            .await
            .map_err(text),
        customers: customers(deps, now).await,
    }
}

/// The ledger per account (see [`steward_core::customers::summarise`]).
async fn customers(
    deps: &StatusDeps,
    now: DateTime<Utc>,
) -> (Result<Vec<AccountSummary>, String>, u32) {
    let rules = deps.sync.engine.customers();
    let window = rules.fatigue.as_ref().map_or(90, |f| f.window_days);
    let asks = deps.sync.store.list_asks(None).await;
    let lines = asks
        .map(|a| steward_core::customers::summarise(rules, &a, now, window))
        .map_err(|e| e.to_string());
    (lines, window)
}

/// Entries (newest first) grouped by issue, issues ordered by their newest entry.
pub fn group_by_issue(entries: Vec<AuditRecord>) -> Vec<IssueEntries> {
    let mut order: Vec<IssueKey> = Vec::new();
    let mut groups: BTreeMap<Option<(u64, u64)>, Vec<AuditRecord>> = BTreeMap::new();
    for r in entries {
        let key = match (r.entry.project_id, r.entry.issue_iid) {
            (Some(p), Some(i)) => Some((p, i.0)),
            _ => None,
        };
        let k = key.map(|(p, i)| (p.0, i));
        if !groups.contains_key(&k) {
            order.push(key);
        }
        groups.entry(k).or_default().push(r);
    }
    order
        .into_iter()
        .map(|key| {
            let k = key.map(|(p, i)| (p.0, i));
            (key, groups.remove(&k).unwrap_or_default())
        })
        .collect()
}

async fn schedules(deps: &StatusDeps, now: DateTime<Utc>) -> Vec<ScheduleLine> {
    let mut lines = Vec::new();
    for s in deps.schedules.iter() {
        let last = deps
            .sync
            .store
            .last_finished_slot(s.name())
            .await
            .ok()
            .flatten();
        lines.push(ScheduleLine {
            name: s.name().to_owned(),
            when: format!("{} ({})", s.expression(), s.time_zone()),
            last,
            next: crate::schedule::next_slot(s, now),
        });
    }
    lines
}

async fn missing_labels(deps: &StatusDeps) -> Vec<(ProjectId, Result<Vec<String>, String>)> {
    let wanted = deps.sync.engine.labels_used();
    let mut out = Vec::new();
    for project in &deps.projects {
        let have = deps.sync.gitlab.label_set(*project, false).await;
        out.push((
            *project,
            have.map(|have| {
                wanted
                    .iter()
                    .filter(|l| !have.contains(*l))
                    .map(|l| l.to_string())
                    .collect()
            })
            .map_err(|e| e.to_string()),
        ));
    }
    out
}

/// Reads `steward_gitlab_up` and `steward_gitlab_last_call_timestamp_seconds` from the
/// Prometheus exposition (the numbers `/metrics` shows).
pub fn health(exposition: &str) -> Health {
    let value = |name: &str| {
        exposition.lines().find_map(|l| {
            let rest = l.strip_prefix(name)?;
            rest.strip_prefix(' ')?.trim().parse::<f64>().ok()
        })
    };
    Health {
        up: value("steward_gitlab_up").map(|v| v >= 1.0),
        last_call: value("steward_gitlab_last_call_timestamp_seconds")
            .and_then(|s| DateTime::from_timestamp_millis((s * 1000.0) as i64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_read_from_the_metrics_exposition() {
        let text = "# TYPE steward_gitlab_up gauge\nsteward_gitlab_up 0\n\
                    steward_gitlab_up_total 7\n\
                    steward_gitlab_last_call_timestamp_seconds 1764000000.5\n";
        let h = health(text);
        assert_eq!(h.up, Some(false));
        assert_eq!(h.last_call.map(|t| t.timestamp()), Some(1_764_000_000));
        assert_eq!(
            health("steward_gitlab_up 1\n"),
            Health {
                up: Some(true),
                last_call: None
            }
        );
        assert_eq!(health("").up, None);
    }
}
