//! The customer ledger in issue sync: reads the account's stored asks, asks
//! `steward_core::customers` what they mean for this issue (fatigue cap, possible duplicates,
//! the team's internal note), folds that into the issue's plan, and afterwards records the ask
//! and wakes the requests whose flags this one changes.
//!
//! It decides nothing itself (the core does) and writes to GitLab only through the issue
//! sync's audited calls.

use std::collections::BTreeSet;
use steward_core::customers::{self, Ask, LedgerPlan};

use steward_core::model::{FieldError, Issue, IssueIid, IssueState, MatchedRule, Plan, ProjectId};
use steward_core::rules::Decision;

use super::{IssueSync, Job, SyncDeps};
use crate::store::StoreError;

/// The ledger's view of one issue: the ask it is, the account's other asks as stored, and
/// what the core decided.
#[derive(Debug, Clone, Default)]
pub struct LedgerRun {
    /// The ask the issue is (`Ok(None)`: its template is not in the ledger).
    pub ask: Option<Result<Ask, FieldError>>,
    /// The account's asks as stored before this run (this issue's own row among them).
    pub stored: Vec<Ask>,
    /// The core's decision.
    pub plan: LedgerPlan,
}

/// Decides the ledger's part for `issue` (read-only: a dry run may call it).
pub async fn plan(
    deps: &SyncDeps,
    issue: &Issue,
    decision: &Decision,
) -> Result<LedgerRun, StoreError> {
    let engine = &deps.engine;
    let rules = engine.customers();
    if rules.templates.is_empty() {
        return Ok(LedgerRun::default());
    }
    let program = decision.template.as_ref().and_then(|t| {
        let mut programs = engine.programs().iter();
        programs
            .find(|p| p.templates.contains(t))
            .map(|p| p.key.as_str())
    });
    let ask = customers::ask_of(
        rules,
        issue,
        decision.template.as_ref(),
        &decision.fields,
        program,
    );
    let stored = match &ask {
        Ok(Some(a)) => deps.store.list_asks(Some(&a.account)).await?,
        _ => Vec::new(),
    };
    let plan = customers::plan(rules, issue, &ask, &stored);
    Ok(LedgerRun {
        ask: ask.transpose(),
        stored,
        plan,
    })
}

/// Folds the ledger's labels and notes into the rules' plan. A label a rule adds is never
/// removed by the ledger, and a note key a rule already plans is left to the rule.
pub fn merge(plan: &mut Plan, ledger: &LedgerPlan) {
    plan.add_labels.extend(ledger.add_labels.iter().cloned());
    for label in &ledger.remove_labels {
        if !plan.add_labels.contains(label) {
            plan.remove_labels.insert(label.clone());
        }
    }
    for note in &ledger.notes {
        if !plan.notes.iter().any(|n| n.key == note.key) {
            plan.notes.push(note.clone());
        }
    }
    let mut reasons = Vec::new();
    if let Some(check) = ledger.fatigue.as_ref().filter(|c| c.is_over()) {
        reasons.push(format!(
            "the customer account is over the reference-fatigue cap ({} earlier open, {} in the window)",
            check.open.len(),
            check.in_window.len()
        ));
    }
    for d in &ledger.duplicates {
        reasons.push(format!("may duplicate #{} (same `{}`)", d.iid, d.field));
    }
    if !reasons.is_empty() {
        plan.matched_rules.push(MatchedRule {
            name: "customers".to_owned(),
            reasons,
        });
    }
}

/// Whether the store already holds the ask exactly as `run` found it (or there is no ask to
/// hold: a template outside the ledger, an unreadable account).
pub fn is_recorded(run: &LedgerRun) -> bool {
    match &run.ask {
        Some(Ok(ask)) => run.stored.iter().any(|a| a == ask),
        _ => true,
    }
}

/// Records the ask and wakes the requests whose flags it changes: a new ask, the requests it
/// may duplicate (they learn of it); an ask whose state or outcome changed, also the requests
/// it was linked to and the open asks of the account filed after it (they count it). Never
/// fatal: the next sync records it again, and the sweep catches a request not woken.
pub async fn record(deps: &SyncDeps, run: &LedgerRun) {
    let Some(Ok(ask)) = &run.ask else {
        return;
    };
    let before = run.stored.iter().find(|a| a.same_request(ask));
    let now = deps.clock.now();
    if before != Some(ask)
        && let Err(e) = deps.store.put_ask(ask, now).await
    {
        tracing::warn!(error = %e, "could not record the customer ask");
        return;
    }
    let mut wake: BTreeSet<(ProjectId, IssueIid)> = BTreeSet::new();
    if before.is_none() {
        wake.extend(run.plan.duplicates.iter().map(|d| (d.project, d.iid)));
    }
    let changed = before.is_some_and(|b| (b.state, &b.outcome) != (ask.state, &ask.outcome));
    if changed {
        match deps.store.issue_links(ask.project, ask.iid).await {
            Ok(linked) => wake.extend(linked),
            Err(e) => tracing::warn!(error = %e, "could not read the request's links"),
        }
        let later = run
            .stored
            .iter()
            .filter(|o| ask.before(o) && o.state == IssueState::Opened);
        wake.extend(later.map(|o| (o.project, o.iid)));
    }
    for (project, iid) in wake {
        let job = Job::IssueSync(IssueSync {
            project,
            iid,
            event_uuid: None,
            delivery_id: None,
            project_path: None,
        });
        if let Err(e) = deps.store.enqueue_job(job.to_row(now)).await {
            tracing::warn!(error = %e, "could not wake a request of the same customer");
        }
    }
}
