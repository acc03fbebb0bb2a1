use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;

use super::*;
use crate::digest::{FiscalPeriod, ProgramOutcomes, Programs};
use crate::model::{IssueIid, IssueState, LabelName};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn scope(program: &Program, now: &str) -> DigestScope {
    let period = |name: &str, from: &str, to: &str| FiscalPeriod {
        name: name.into(),
        first_day: day(from),
        last_day: day(to),
    };
    DigestScope {
        program: program.clone(),
        week: "2026-W48".parse().unwrap(),
        time_zone: New_York,
        now: at(now),
        quarter: period("FY27-Q4", "2026-11-01", "2027-01-31"),
        year: period("FY27", "2026-02-01", "2027-01-31"),
        contest: None,
        outcomes: ProgramOutcomes::default(),
        away: BTreeMap::new(),
    }
}

fn issue(iid: u64, created: &str, owners: &[&str]) -> DigestIssue {
    DigestIssue {
        iid: IssueIid(iid),
        title: format!("Request {iid}"),
        web_url: format!("https://gitlab.example.com/ca/requests/-/issues/{iid}"),
        confidential: false,
        state: IssueState::Opened,
        created_at: at(created),
        closed_at: None,
        due_date: None,
        assignees: owners.iter().map(|u| Username::from(*u)).collect(),
        labels: BTreeSet::new(),
        account_owner: None,
        late_filed: false,
    }
}

fn programs() -> Programs {
    Programs::from_yaml(
        "programs.yaml",
        "programs:\n  speaker: { title: Speakers, label: \"advocacy-program::speaker\" }\n  press: { title: Press, label: \"advocacy-program::press\" }\n",
    )
    .unwrap()
}

fn roster() -> Roster {
    Roster::from_yaml(
        "roster.yaml",
        "roles:\n  pmm: [jhernandez, rlurie]\nmembers:\n  jhernandez: { name: Jocelyn, capacity: 2 }\n  rlurie: { name: Rachel, capacity: 4 }\n",
    )
    .unwrap()
}

#[test]
fn the_trend_counts_each_week_in_the_team_time_zone_and_stops_at_the_roll_ups_moment() {
    let programs = programs();
    let speaker = programs.get("speaker").unwrap();
    let mut closed = issue(3, "2026-10-05T15:00:00Z", &["rlurie"]);
    closed.state = IssueState::Closed;
    closed.closed_at = Some(at("2026-11-24T15:00:00Z"));
    let issues = vec![
        // Sunday 2026-11-22 23:30 in New York is still W47 there (Monday in UTC).
        issue(1, "2026-11-23T04:30:00Z", &["jhernandez"]),
        issue(2, "2026-11-25T15:00:00Z", &[]),
        closed,
        // Filed after the roll-up's moment (Friday 17:00 in New York): not counted yet.
        issue(4, "2026-11-28T15:00:00Z", &[]),
        // W41, the trend's first week.
        issue(5, "2026-10-05T14:00:00Z", &["jhernandez"]),
        // W40: before the trend.
        issue(6, "2026-09-30T14:00:00Z", &["jhernandez"]),
    ];
    let s = scope(speaker, "2026-11-27T22:00:00Z");
    let r = rollup(
        s.week,
        &[ProgramWeek {
            scope: &s,
            issues: &issues,
        }],
        &Targets::default(),
        &roster(),
    );
    let weeks: Vec<String> = r.weeks.iter().map(ToString::to_string).collect();
    assert_eq!(weeks.first().map(String::as_str), Some("2026-W41"));
    assert_eq!(weeks.last().map(String::as_str), Some("2026-W48"));
    assert_eq!(weeks.len(), TREND_WEEKS);
    let p = &r.programs[0];
    assert_eq!(
        p.filed,
        [2, 0, 0, 0, 0, 0, 1, 1],
        "W41: #3 and #5; W47: #1; W48: #2"
    );
    assert_eq!(p.closed, [0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(
        p.open, 4,
        "#1, #2, #5, #6 are open on Friday; #4 is not filed yet"
    );
    assert!(!r.complete);
    assert_eq!(p.projects, ["https://gitlab.example.com/ca/requests"]);
}

#[test]
fn load_puts_people_over_capacity_first_and_counts_a_request_in_two_programs_once() {
    let programs = programs();
    let (speaker, press) = (
        programs.get("speaker").unwrap(),
        programs.get("press").unwrap(),
    );
    let now = "2026-11-30T14:00:00Z";
    let (s1, s2) = (scope(speaker, now), scope(press, now));
    let mut both = issue(7, "2026-11-02T15:00:00Z", &["rlurie", "jhernandez"]);
    both.labels
        .insert(LabelName::from("advocacy-program::press"));
    let mut secret = issue(8, "2026-11-03T15:00:00Z", &["jhernandez"]);
    secret.confidential = true;
    let speaker_issues = vec![
        both.clone(),
        secret,
        issue(9, "2026-11-04T15:00:00Z", &["jhernandez", "ae-sam"]),
    ];
    let press_issues = vec![both];
    let r = rollup(
        s1.week,
        &[
            ProgramWeek {
                scope: &s1,
                issues: &speaker_issues,
            },
            ProgramWeek {
                scope: &s2,
                issues: &press_issues,
            },
        ],
        &Targets::default(),
        &roster(),
    );
    let rows: Vec<(&str, usize, Option<u32>, bool)> = r
        .load
        .iter()
        .map(|l| (l.username.as_str(), l.open, l.capacity, l.over_capacity()))
        .collect();
    assert_eq!(
        rows,
        [
            ("jhernandez", 3, Some(2), true),
            ("rlurie", 1, Some(4), false),
            ("ae-sam", 1, None, false),
        ]
    );
    assert_eq!(r.load[0].percent(), Some(150));
    assert_eq!(r.load[2].name, None, "not in the roster");
}
