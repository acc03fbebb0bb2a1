#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The shipped cron expressions against their next firings (across the 2027 DST changes in
//! America/New_York and Europe/Berlin), and the pure due-slot logic.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use chrono_tz::{America::New_York, Europe::Berlin};
use steward::jobs::Job;
use steward::schedule::{
    DueSlots, HOURLY, NIGHTLY_FULL_SWEEP, Schedule, WEEKDAY_MORNINGS, WEEKLY_DIGEST, due_slots,
    next_slot, shipped,
};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn schedule(cron: &str, tz: Tz, grace_hours: u64) -> Schedule {
    Schedule::new(
        "test",
        cron,
        tz,
        Job::sweep(),
        Duration::from_secs(grace_hours * 3600),
    )
    .unwrap()
}

fn firings(cron: &str, tz: Tz, from: &str, n: usize) -> Vec<String> {
    let s = schedule(cron, tz, 1);
    let mut t = at(from);
    (0..n)
        .map(|_| {
            t = next_slot(&s, t).unwrap();
            t.format("%Y-%m-%dT%H:%MZ").to_string()
        })
        .collect()
}

#[test]
fn weekday_mornings_stay_at_nine_local_across_the_new_york_spring_change() {
    assert_eq!(
        firings(WEEKDAY_MORNINGS, New_York, "2027-03-11T12:00:00Z", 5),
        [
            "2027-03-11T14:00Z", // Thu 09:00 EST
            "2027-03-12T14:00Z", // Fri 09:00 EST
            "2027-03-15T13:00Z", // Mon 09:00 EDT: the weekend is skipped, the clock moved
            "2027-03-16T13:00Z",
            "2027-03-17T13:00Z",
        ]
    );
}

#[test]
fn weekly_digest_fires_mondays_at_nine_local_across_the_new_york_autumn_change() {
    assert_eq!(
        firings(WEEKLY_DIGEST, New_York, "2027-10-30T00:00:00Z", 3),
        [
            "2027-11-01T13:00Z",
            "2027-11-08T14:00Z",
            "2027-11-15T14:00Z"
        ]
    );
}

#[test]
fn nightly_sweep_in_the_skipped_hour_runs_right_after_the_gap_and_no_day_is_lost() {
    // New York, 2027-03-14: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that night.
    assert_eq!(
        firings(NIGHTLY_FULL_SWEEP, New_York, "2027-03-13T00:00:00Z", 3),
        [
            "2027-03-13T07:30Z",
            "2027-03-14T07:00Z",
            "2027-03-15T06:30Z"
        ]
    );
    // Berlin, 2027-03-28: 02:00 CET jumps to 03:00 CEST.
    assert_eq!(
        firings(NIGHTLY_FULL_SWEEP, Berlin, "2027-03-27T00:00:00Z", 3),
        [
            "2027-03-27T01:30Z",
            "2027-03-28T01:00Z",
            "2027-03-29T00:30Z"
        ]
    );
}

#[test]
fn nightly_sweep_in_the_repeated_hour_runs_once() {
    // Berlin, 2027-10-31: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    assert_eq!(
        firings(NIGHTLY_FULL_SWEEP, Berlin, "2027-10-30T00:00:00Z", 3),
        [
            "2027-10-30T00:30Z",
            "2027-10-31T00:30Z",
            "2027-11-01T01:30Z"
        ]
    );
    // New York, 2027-11-07: 01:30 happens twice (EDT, then EST).
    assert_eq!(
        firings("30 1 * * *", New_York, "2027-11-06T00:00:00Z", 3),
        [
            "2027-11-06T05:30Z",
            "2027-11-07T05:30Z",
            "2027-11-08T06:30Z"
        ]
    );
}

#[test]
fn hourly_sweep_fires_every_real_hour_through_both_new_york_changes() {
    for (from, days) in [("2027-03-13T00:00:00Z", 3), ("2027-11-06T00:00:00Z", 3)] {
        let got = firings(HOURLY, New_York, from, days * 24);
        let times: Vec<DateTime<Utc>> = got.iter().map(|s| at(&s.replace('Z', ":00Z"))).collect();
        for pair in times.windows(2) {
            assert_eq!(pair[1] - pair[0], chrono::Duration::hours(1), "{pair:?}");
        }
    }
}

#[test]
fn the_shipped_schedules_parse_in_the_team_time_zone() {
    let all = shipped(New_York).unwrap();
    let jobs: Vec<_> = all.iter().map(|s| (s.name(), s.job().clone())).collect();
    assert_eq!(
        jobs,
        [
            ("catch-up-sweep", Job::sweep()),
            ("nightly-full-sweep", Job::full_sweep()),
            ("weekly-digest", Job::digest()),
        ]
    );
}

#[test]
fn due_slots_follow_history_and_the_grace_window() {
    let hourly = schedule(HOURLY, New_York, 6);
    let digest = schedule(WEEKLY_DIGEST, New_York, 6);
    let h = |hour: u32| at(&format!("2026-11-25T{hour:02}:00:00Z"));
    struct Case {
        name: &'static str,
        schedule: &'static Schedule,
        last: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        want: DueSlots,
    }
    let hourly: &'static Schedule = Box::leak(Box::new(hourly));
    let digest: &'static Schedule = Box::leak(Box::new(digest));
    let cases = [
        Case {
            name: "fresh install runs the latest slot within grace",
            schedule: hourly,
            last: None,
            now: at("2026-11-25T10:05:00Z"),
            want: DueSlots {
                run: Some(h(10)),
                coalesced: (5..10).rev().map(h).collect(),
                skipped: vec![],
            },
        },
        Case {
            name: "the latest slot already finished",
            schedule: hourly,
            last: Some(h(10)),
            now: at("2026-11-25T10:59:00Z"),
            want: DueSlots::default(),
        },
        Case {
            name: "three hours down: one run stands in for the missed slots",
            schedule: hourly,
            last: Some(h(7)),
            now: at("2026-11-25T10:30:00Z"),
            want: DueSlots {
                run: Some(h(10)),
                coalesced: vec![h(9), h(8)],
                skipped: vec![],
            },
        },
        Case {
            name: "ten hours down: slots older than the grace window are skipped",
            schedule: hourly,
            last: Some(h(0)),
            now: at("2026-11-25T10:30:00Z"),
            want: DueSlots {
                run: Some(h(10)),
                coalesced: (5..10).rev().map(h).collect(),
                skipped: (1..5).rev().map(h).collect(),
            },
        },
        Case {
            name: "monday digest missed by seven hours is skipped, not posted late",
            schedule: digest,
            last: Some(at("2026-11-16T14:00:00Z")),
            now: at("2026-11-23T21:00:00Z"),
            want: DueSlots {
                run: None,
                coalesced: vec![],
                skipped: vec![at("2026-11-23T14:00:00Z")],
            },
        },
        Case {
            name: "monday digest two hours late still runs",
            schedule: digest,
            last: Some(at("2026-11-16T14:00:00Z")),
            now: at("2026-11-23T16:00:00Z"),
            want: DueSlots {
                run: Some(at("2026-11-23T14:00:00Z")),
                coalesced: vec![],
                skipped: vec![],
            },
        },
    ];
    for case in cases {
        assert_eq!(
            due_slots(case.schedule, case.last, case.now),
            case.want,
            "{}",
            case.name
        );
    }
}

#[test]
fn looking_back_finds_exactly_the_slots_looking_forward_does_across_dst_weeks() {
    let weeks = [
        ("2027-03-10T00:00:00Z", "2027-03-18T00:00:00Z"),
        ("2027-10-27T00:00:00Z", "2027-11-10T00:00:00Z"),
    ];
    for cron in [
        HOURLY,
        WEEKDAY_MORNINGS,
        WEEKLY_DIGEST,
        NIGHTLY_FULL_SWEEP,
        "30 1 * * *",
    ] {
        for tz in [New_York, Berlin] {
            for (from, to) in weeks {
                let s = schedule(cron, tz, 24 * 30);
                let (from, to) = (at(from), at(to));
                let mut forward = vec![];
                let mut t = from;
                while let Some(next) = next_slot(&s, t).filter(|n| *n <= to) {
                    forward.push(next);
                    t = next;
                }
                let due = due_slots(&s, Some(from), to);
                let mut backward: Vec<_> = due.run.into_iter().chain(due.coalesced).collect();
                backward.reverse();
                assert_eq!(forward, backward, "{cron} in {tz}");
            }
        }
    }
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever the history and the moment, across 2027's DST changes: the run slot is due,
        /// within grace and new; coalesced slots are within grace, skipped ones outside it; and
        /// once the run slot finishes nothing is due until the next slot.
        #[test]
        fn due_slots_are_due_new_and_run_once(
            now_minutes in 0i64..(366 * 24 * 60),
            since_minutes in 0i64..(4 * 24 * 60),
            cron_index in 0usize..4,
            berlin in any::<bool>(),
        ) {
            let cron = [HOURLY, WEEKDAY_MORNINGS, WEEKLY_DIGEST, NIGHTLY_FULL_SWEEP][cron_index];
            let tz = if berlin { Berlin } else { New_York };
            let s = schedule(cron, tz, 6);
            let now = at("2027-01-01T00:00:00Z") + chrono::Duration::minutes(now_minutes);
            let last = now - chrono::Duration::minutes(since_minutes);
            let window = now - chrono::Duration::hours(6);
            let due = due_slots(&s, Some(last), now);
            if let Some(run) = due.run {
                prop_assert!(run <= now && run >= window && run > last);
                prop_assert!(next_slot(&s, run).is_none_or(|n| n > now));
                prop_assert!(due.coalesced.iter().all(|c| *c < run && *c >= window && *c > last));
                prop_assert!(due_slots(&s, Some(run), now).is_empty());
            }
            prop_assert!(due.skipped.iter().all(|k| *k < window && *k > last));
        }
    }
}
