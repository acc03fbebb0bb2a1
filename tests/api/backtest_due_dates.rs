//! `backtest` of a due-date change: as of creation every request would have had the new date;
//! as of now only the date Steward set moves, and one a person set is kept, as a sync would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use steward::backtest::{Aspect, Difference, Moment, Options, backtest};
use steward::harness::{Harness, HarnessOptions};
use steward_core::rules::Engine;
use steward_sim::IssueChange;

use super::backtest_lead_time::{at, file, shipped_with};

fn day(d: NaiveDate, offset: i64) -> Vec<String> {
    vec![(d + Duration::days(offset)).to_string()]
}

#[tokio::test]
async fn due_dates_three_weeks_before_the_event_move_only_the_dates_steward_set() {
    let h = Harness::start(HarnessOptions::shipped(at("2026-10-01T15:00:00Z")))
        .await
        .unwrap();
    let steward_dated = file(&h, "2026-10-01", 90, "Speaker, date by Steward", false).await;
    let person_dated = file(&h, "2026-10-10", 90, "Speaker, date agreed", false).await;
    let event_a = NaiveDate::from_ymd_opt(2026, 12, 30).unwrap();
    let event_b = NaiveDate::from_ymd_opt(2027, 1, 8).unwrap();
    // The DRI agrees another due date on the second request.
    let agreed = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    h.sim
        .update_issue(
            h.project(),
            person_dated,
            h.user("jhernandez").unwrap(),
            IssueChange {
                due_date: Some(Some(agreed)),
                ..IssueChange::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    assert_eq!(
        h.sim.issue(h.project(), steward_dated).unwrap().due_date,
        Some(event_a - Duration::days(30))
    );
    let now = at("2026-11-20T15:00:00Z");
    h.set_now(now);
    h.sim.reset_counters();

    let (rules, templates) = shipped_with(&[("speaker.yaml", "offset: -30,", "offset: -21,")], &[]);
    let candidate = Arc::new(Engine::load_from(&rules, &templates).unwrap());
    let opts = Options {
        projects: vec![h.project()],
        since: now - Duration::days(90),
    };
    let report = backtest(&h.state.job_deps().sync, candidate, &opts, &mut |_| {})
        .await
        .unwrap();

    let of = |iid| -> Vec<Difference> {
        report
            .changed
            .iter()
            .find(|c| c.iid == iid)
            .unwrap_or_else(|| panic!("#{iid} not reported: {report:#?}"))
            .differences
            .clone()
    };
    let due = |moment, current, candidate| Difference {
        moment,
        what: Aspect::DueDate,
        current,
        candidate,
    };
    assert_eq!(
        of(steward_dated),
        vec![
            due(Moment::Creation, day(event_a, -30), day(event_a, -21)),
            due(Moment::Now, vec![], day(event_a, -21)),
            // The acknowledgement quotes the due date: it would be edited to the new one.
            Difference {
                moment: Moment::Now,
                what: Aspect::Comments,
                current: vec![],
                candidate: vec!["acknowledgement (edit)".to_owned()],
            },
        ]
    );
    // The agreed date stays under both rule sets; only the date as filed differs.
    assert_eq!(
        of(person_dated),
        vec![due(Moment::Creation, day(event_b, -30), day(event_b, -21))]
    );
    assert_eq!(report.count(Moment::Creation, Aspect::Assignees), 0);
    assert_eq!(h.sim.counters().writes, 0, "nothing is written to GitLab");
    h.stop().await;
}
