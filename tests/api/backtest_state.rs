//! `backtest` of a change that closes or reopens: dropping the reopening of expired approvals
//! shows, as of now, the accepted approval the rules in force would reopen and the candidate
//! would leave closed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::approvals::{close_as, file_approval};
use std::sync::Arc;

use chrono::Duration;
use steward::backtest::{Aspect, Difference, Moment, Options, backtest};
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::IssueState;
use steward_core::rules::Engine;

use super::backtest_lead_time::{at, shipped_with};

#[tokio::test]
async fn dropping_the_reopening_of_expired_approvals_reports_the_approval_it_would_leave_closed() {
    let h = Harness::start(HarnessOptions::shipped(at("2026-12-01T15:00:00Z")))
        .await
        .unwrap();
    // Approved 2026-01-25 with no stated expiry: valid through 2027-01-25.
    let iid = file_approval(&h, "2026-01-25").await;
    close_as(&h, iid, "outcome::accepted");
    h.settle().await.unwrap();
    // Expired, and no sweep has run since: the rules in force would reopen it now.
    let now = at("2027-01-27T15:00:00Z");
    h.set_now(now);
    h.sim.reset_counters();
    let (rules, templates) = shipped_with(&[("references.yaml", "      reopen: true\n", "")], &[]);
    let candidate = Arc::new(Engine::load_from(&rules, &templates).unwrap());
    let opts = Options {
        projects: vec![h.project()],
        since: now - Duration::days(90),
    };
    let report = backtest(&h.state.job_deps().sync, candidate, &opts, &mut |_| {})
        .await
        .unwrap();
    let changed = report
        .changed
        .iter()
        .find(|c| c.iid == iid)
        .unwrap_or_else(|| panic!("#{iid} not reported: {report:#?}"));
    assert_eq!(
        changed.differences,
        vec![Difference {
            moment: Moment::Now,
            what: Aspect::State,
            current: vec!["reopen".to_owned()],
            candidate: vec![],
        }]
    );
    assert_eq!(report.count(Moment::Now, Aspect::State), 1);
    assert_eq!(report.count(Moment::Creation, Aspect::State), 0);
    assert_eq!(h.sim.counters().writes, 0, "nothing is written to GitLab");
    assert_eq!(
        h.sim.issue(h.project(), iid).unwrap().state,
        IssueState::Closed
    );
    h.stop().await;
}
