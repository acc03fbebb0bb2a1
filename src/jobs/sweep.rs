//! The sweep: one paginated pass over the open issues of each served project, re-deciding every
//! issue through the same path as webhooks. It is Steward's safety net (GitLab drops webhooks
//! while a hook is disabled, GITLAB.md §1.3) and what keeps time-based rules (due soon,
//! overdue, escalations) true as days pass.
//!
//! The sweep never writes to an issue itself: an issue whose diff is not empty gets an
//! `issue.sync` job, so writes go through the per-issue serialised path (never two writers on
//! one issue) and re-read fresh state first. Unchanged issues cost nothing beyond their share of
//! the list pages.

mod listing;

use crate::gitlab::{CallContext, GitLab, IssueOrderBy, IssueQuery, SortDirection};
use crate::jobs::ledger;
use crate::jobs::notes::stored_notes;
use crate::jobs::plan::{plan_with_ledger, save_workload};
pub use crate::queue::SweepJob;
pub use listing::ListingStats;

use crate::jobs::{IssueSync, Job, JobDeps, SyncError};
use steward_core::model::{IssueIid, IssueState, ProjectId};
use steward_core::reconcile::Actions;

/// One issue the sweep found out of step with the rules.
#[derive(Debug, Clone)]
pub struct Drift {
    /// The project.
    pub project: ProjectId,
    /// The issue.
    pub iid: IssueIid,
    /// Its title (for reports).
    pub title: String,
    /// The writes that would bring it in line (notes may be `Create` when the store does not
    /// know the issue's notes yet; the sync job resolves that by marker).
    pub actions: Actions,
    /// Rules that matched.
    pub rules: Vec<String>,
}

/// What a sweep saw.
#[derive(Debug, Clone, Default)]
pub struct SweepReport {
    /// Issues listed.
    pub listed: usize,
    /// List requests made.
    pub pages: usize,
    /// Issues that need changes (a sync job was enqueued for each unless dry-run).
    pub drift: Vec<Drift>,
    /// How the listings paged (keyset or offset, fallbacks, offset-cap windows).
    pub paging: ListingStats,
    /// Issues a catch-up sweep left alone because nothing changed on them since Steward's own
    /// last write (see [`check_issue`]).
    pub unchanged_since_own_write: usize,
}

impl SweepReport {
    /// One line for logs and job summaries.
    pub fn summary(&self) -> String {
        format!(
            "{} open issues in {} pages, {} out of step",
            self.listed,
            self.pages,
            self.drift.len()
        )
    }
}

/// How far before the newest `updated_at` a catch-up sweep saw the next one starts listing:
/// GitLab stamps an edit before its transaction commits, so an edit can become visible after a
/// listing that already shows a newer one. Re-listing a few issues costs nothing.
const WATERMARK_OVERLAP: chrono::Duration = chrono::Duration::minutes(5);

/// Sweeps every served project. With `enqueue` false nothing is written anywhere (dry run):
/// not even the catch-up watermark.
pub async fn sweep(deps: &JobDeps, full: bool, enqueue: bool) -> Result<SweepReport, SyncError> {
    let mut report = SweepReport::default();
    // A start-up probe that failed is tried again here, once per sweep (capabilities).
    let gitlab = deps.sync.gitlab.as_ref();
    let keyset = gitlab
        .capabilities()
        .refresh_if_unknown(gitlab)
        .await
        .keyset_project_issues;
    for project in deps.projects.clone() {
        sweep_project(deps, project, full, enqueue, keyset, &mut report).await?;
    }
    if enqueue && !report.drift.is_empty() {
        deps.jobs_ready.notify_waiters();
    }
    Ok(report)
}

/// The watermark the last sweep of `project` left: list issues updated at or after it.
async fn watermark(
    deps: &JobDeps,
    project: ProjectId,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, SyncError> {
    Ok(deps.sync.store.sweep_watermark(project).await?)
}

/// One project's pass. The listing is newest update first, so the first issue listed carries
/// the newest `updated_at` GitLab had when the sweep began: that GitLab timestamp, not
/// Steward's clock (which may be hours apart from GitLab's), is where the next catch-up starts.
/// An issue edited while the sweep runs moves to the front of the list: it is listed again (and
/// skipped here as seen) rather than pushing another issue past a page boundary.
async fn sweep_project(
    deps: &JobDeps,
    project: ProjectId,
    full: bool,
    enqueue: bool,
    keyset: bool,
    report: &mut SweepReport,
) -> Result<(), SyncError> {
    let ctx = CallContext::none();
    let previous = watermark(deps, project).await?;
    let query = IssueQuery {
        state: Some(IssueState::Opened),
        updated_after: if full { None } else { previous },
        order_by: Some(IssueOrderBy::UpdatedAt),
        sort: Some(SortDirection::Desc),
        ..IssueQuery::default()
    };
    let mut listing = listing::Listing::new(&deps.sync.gitlab, project, query, keyset);
    let mut first = true;
    let mut newest: Option<chrono::DateTime<chrono::Utc>> = None;
    let mut seen = std::collections::HashSet::new();
    // A full pass recounts each assignee's open issues for least-loaded routing.
    let mut workload: std::collections::BTreeMap<String, u32> = Default::default();
    while let Some(items) = listing.next(&ctx).await? {
        report.pages += 1;
        if std::mem::take(&mut first) {
            newest = items.iter().map(|i| i.updated_at).max();
        }
        for issue in items {
            if !seen.insert(issue.iid) {
                continue;
            }
            report.listed += 1;
            for a in &issue.assignees {
                *workload.entry(a.username.as_str().to_owned()).or_default() += 1;
            }
            check_issue(deps, project, issue, full, enqueue, report).await?;
        }
    }
    let stats = listing.stats;
    tracing::info!(%project, keyset_pages = stats.keyset_pages, offset_pages = stats.offset_pages,
        keyset_fallbacks = stats.keyset_fallbacks, windows = stats.windows, "sweep listing done");
    report.paging.keyset_pages += stats.keyset_pages;
    report.paging.offset_pages += stats.offset_pages;
    report.paging.keyset_fallbacks += stats.keyset_fallbacks;
    report.paging.windows += stats.windows;
    if enqueue && full {
        save_workload(&deps.sync, project, &workload).await?;
    }
    if full {
        sweep_closed(deps, project, enqueue, report).await?;
    }
    if let Some(since) = previous {
        let closed_newest =
            sweep_recently_closed(deps, project, since, full, enqueue, report).await?;
        newest = newest.max(closed_newest);
    }
    // Nothing listed: GitLab showed no newer timestamp, so the watermark stays where it was.
    if enqueue && let Some(newest) = newest {
        let next = previous.map_or(newest - WATERMARK_OVERLAP, |p| {
            p.max(newest - WATERMARK_OVERLAP)
        });
        deps.sync
            .store
            .set_sweep_watermark(project, next, deps.sync.clock.now())
            .await?;
    }
    Ok(())
}

/// The closed issues rules still look after (e.g. accepted approvals whose expiry is watched:
/// `RuleSet::closed_issue_label_sets`), re-decided on each full sweep as days pass.
async fn sweep_closed(
    deps: &JobDeps,
    project: ProjectId,
    enqueue: bool,
    report: &mut SweepReport,
) -> Result<(), SyncError> {
    let ctx = CallContext::none();
    for labels in deps.sync.engine.rules().closed_issue_label_sets() {
        let query = IssueQuery {
            state: Some(IssueState::Closed),
            labels,
            ..IssueQuery::default()
        };
        // Not counted in `listed` / `pages`, which report the open issues' pass.
        let issues = deps.sync.gitlab.list_issues(&ctx, project, &query).await?;
        for issue in issues {
            check_issue(deps, project, issue, true, enqueue, report).await?;
        }
    }
    Ok(())
}

/// The issues closed (or edited while closed) since the last sweep: a closing whose webhook
/// never reached Steward still reaches the rules that look after closed requests and the
/// customer ledger (an ask closed with its outcome stops counting as open). Returns the newest
/// `updated_at` listed, for the watermark.
async fn sweep_recently_closed(
    deps: &JobDeps,
    project: ProjectId,
    since: chrono::DateTime<chrono::Utc>,
    full: bool,
    enqueue: bool,
    report: &mut SweepReport,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, SyncError> {
    let ctx = CallContext::none();
    let query = IssueQuery {
        state: Some(IssueState::Closed),
        updated_after: Some(since),
        order_by: Some(IssueOrderBy::UpdatedAt),
        sort: Some(SortDirection::Desc),
        ..IssueQuery::default()
    };
    // Not counted in `listed` / `pages`, which report the open issues' pass.
    let issues = deps.sync.gitlab.list_issues(&ctx, project, &query).await?;
    let newest = issues.iter().map(|i| i.updated_at).max();
    for issue in issues {
        // A full sweep may have decided it already (an accepted approval it watches).
        let decided = report
            .drift
            .iter()
            .any(|d| d.project == project && d.iid == issue.iid);
        if !decided {
            check_issue(deps, project, issue, full, enqueue, report).await?;
        }
    }
    Ok(newest)
}

/// Decides one listed issue; when it is out of step, records the drift and (unless dry run)
/// enqueues its sync job.
///
/// A catch-up sweep lists what changed since the last one, and Steward's own edits and
/// comments change `updated_at` too (GITLAB.md §6.5): an issue listed exactly as Steward's own
/// last write left it (same `updated_at`, same comment count, `steward_core::activity`) has
/// nothing new to react to and is left alone, with no decision and no GitLab call. Time still
/// passes for it: the full sweep (nightly) decides every open issue, skipped or not, so
/// reminders, nudges and overdue labels fire for issues nobody touched.
async fn check_issue(
    deps: &JobDeps,
    project: ProjectId,
    mut issue: steward_core::model::Issue,
    full: bool,
    enqueue: bool,
    report: &mut SweepReport,
) -> Result<(), SyncError> {
    if !full {
        let own = deps.sync.store.own_write(project, issue.iid).await?;
        if steward_core::activity::unchanged_since_own_write(&issue, own.as_ref()) {
            report.unchanged_since_own_write += 1;
            return Ok(());
        }
    }
    let existing = stored_notes(&deps.sync, &issue).await?.unwrap_or_default();
    let (decision, actions, ledger) = plan_with_ledger(&deps.sync, &mut issue, &existing).await?;
    if actions.is_noop() {
        // Nothing to write to GitLab, but the ledger may not know the request as it is now
        // (closed with its outcome while no webhook reached Steward, or filed before the
        // ledger existed): record it, as a sync would.
        if enqueue && !ledger::is_recorded(&ledger) {
            ledger::record(&deps.sync, &ledger).await;
        }
        return Ok(());
    }
    if enqueue {
        let sync = Job::IssueSync(IssueSync {
            project,
            iid: issue.iid,
            event_uuid: None,
            delivery_id: None,
            project_path: None,
        });
        deps.sync
            .store
            .enqueue_job(sync.to_row(deps.sync.clock.now()))
            .await?;
    }
    report.drift.push(Drift {
        project,
        iid: issue.iid,
        title: issue.title.clone(),
        actions,
        rules: decision.matched_rules.clone(),
    });
    Ok(())
}
