//! `backtest` over a project of 10,000 issues: it reads them in 100 list pages (plus the
//! planning path's cached label and user look-ups), within one minute's request budget, writes
//! nothing, and prints its figures next to a dry-run sweep of the same issues measured in the
//! same run (no timed assertion).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use steward::backtest::{Aspect, Moment, Options, backtest};
use steward::config::DEFAULT_REQUESTS_PER_MINUTE;
use steward::harness::{Harness, HarnessOptions};
use steward_core::rules::Engine;
use steward_sim::NewIssue;

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");
const ISSUES: i64 = 10_000;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backtest_of_10000_issues_reads_100_pages_within_one_minutes_budget_and_writes_nothing() {
    let now = at("2026-12-02T15:00:00Z");
    let mut opts = HarnessOptions::shipped(now);
    // Issues change silently: only the backtest reads them.
    opts.webhook = false;
    let h = Harness::start(opts).await.unwrap();
    let requester = h.user("asales").unwrap();
    let start = now - Duration::days(85);
    let mut late = 0;
    for n in 0..ISSUES {
        // Spread over 85 days (at 10:00 in the team's time zone); the event 30..=89 days after
        // filing, so a quarter were filed 45 to 59 days ahead.
        let filed = start + Duration::days(n * 85 / ISSUES);
        let lead = 30 + n % 60;
        if (45..60).contains(&lead) {
            late += 1;
        }
        let event = (filed + Duration::days(lead)).date_naive();
        h.sim
            .create_issue(
                h.project(),
                requester,
                NewIssue {
                    title: format!("Speaker request {n}"),
                    description: SPEAKER.replace("2027-04-21", &event.to_string()),
                    created_at: Some(filed),
                    ..NewIssue::default()
                },
            )
            .unwrap();
    }
    let deps = h.state.job_deps();

    // Reference: a dry-run sweep over the same (open) issues, one decision each.
    h.sim.reset_counters();
    let clock = Instant::now();
    let sweep = steward::jobs::sweep::sweep(&deps, true, false)
        .await
        .unwrap();
    let sweep_secs = clock.elapsed().as_secs_f64();
    let sweep_calls = h.sim.counters().requests_total;
    assert_eq!(sweep.listed, ISSUES as usize);

    let candidate = {
        let (rules, templates) = super::backtest_lead_time::speaker_lead_time(45);
        Arc::new(Engine::load_from(&rules, &templates).unwrap())
    };
    h.sim.reset_counters();
    let clock = Instant::now();
    let options = Options {
        projects: vec![h.project()],
        since: now - Duration::days(90),
    };
    let report = backtest(&deps.sync, candidate, &options, &mut |_| {})
        .await
        .unwrap();
    let secs = clock.elapsed().as_secs_f64();
    let counters = h.sim.counters();

    assert_eq!(report.issues, ISSUES as usize);
    assert_eq!(report.pages, 100, "100 issues a page");
    assert_eq!(report.count(Moment::Creation, Aspect::LeadTime), late);
    assert_eq!(counters.writes, 0, "nothing is written to GitLab");
    assert!(h.sim.write_log().is_empty());
    // The pages, then the label list and the roster's user look-ups, each read once.
    assert!(
        counters.requests_total <= 100 + 10,
        "{} calls: {:?}",
        counters.requests_total,
        counters.by_endpoint
    );
    assert!(counters.requests_total < u64::from(DEFAULT_REQUESTS_PER_MINUTE));
    println!(
        "backtest of {} issues: {} GitLab API calls ({} list pages; budget {}/min), {:.0} issues/s; \
         reference dry-run sweep: {} calls, {:.0} issues/s; backtest/sweep speed {:.2} \
         (the backtest decides each issue four times, the sweep once)",
        report.issues,
        counters.requests_total,
        report.pages,
        DEFAULT_REQUESTS_PER_MINUTE,
        report.issues as f64 / secs,
        sweep_calls,
        sweep.listed as f64 / sweep_secs,
        sweep_secs / secs,
    );
    h.stop().await;
}
