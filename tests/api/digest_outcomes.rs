#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What counts toward the digests' targets and the contest leaderboard: only requests closed
//! with a success outcome of the shipped `rules/outcomes.yaml`, never one carrying a
//! never-counts label; confidential successes counted and never named; the leaderboard in the
//! contest's own dates; no target the handbook does not state.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use steward_core::digest::{
    DigestIssue, DigestScope, FiscalPeriod, IsoWeek, Outcomes, PerQuarter, Program,
    ProgramOutcomes, Targets, render, select,
};
use steward_core::model::{IssueIid, IssueState, LabelName, Username};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn shipped() -> Outcomes {
    Outcomes::from_yaml(
        "rules/outcomes.yaml",
        include_str!("../../rules/outcomes.yaml"),
    )
    .unwrap()
}

fn period(name: &str, first: &str, last: &str) -> FiscalPeriod {
    FiscalPeriod {
        name: name.into(),
        first_day: day(first),
        last_day: day(last),
    }
}

/// The digest of the week holding `now`, as of `now`, in FY27-Q4.
fn scope(program: Program, now: &str) -> DigestScope {
    DigestScope {
        program,
        week: IsoWeek::containing(at(now), New_York),
        time_zone: New_York,
        now: at(now),
        quarter: period("FY27-Q4", "2026-11-01", "2027-01-31"),
        year: period("FY27", "2026-02-01", "2027-01-31"),
        contest: None,
        outcomes: shipped().program(program),
        away: BTreeMap::new(),
    }
}

/// A request filed on `filed` and closed on `closed` with `labels`.
fn closed(iid: u64, filed: &str, closed: &str, labels: &[&str]) -> DigestIssue {
    DigestIssue {
        iid: IssueIid(iid),
        title: format!("Request {iid}"),
        web_url: format!("https://gitlab.example.com/advocacy/requests/-/issues/{iid}"),
        confidential: false,
        state: IssueState::Closed,
        created_at: at(filed),
        closed_at: Some(at(closed)),
        due_date: None,
        assignees: vec![],
        labels: labels.iter().map(|l| LabelName::from(*l)).collect(),
        account_owner: Some(Username::from("ae-sam")),
        late_filed: false,
    }
}

/// How many of `issues` count for `program` (its first target, or the leaderboard).
fn counted(scope: &DigestScope, issues: &[DigestIssue]) -> u32 {
    let d = select(scope, &Targets::default(), issues);
    match &d.leaderboard {
        Some(b) => b.rows.iter().map(|r| r.entries).sum::<u32>() + b.without_owner + b.confidential,
        None => d.progress[0].done,
    }
}

#[test]
fn every_shipped_outcome_label_counts_exactly_when_it_is_a_success() {
    let outcomes = shipped();
    let now = "2026-12-04T20:00:00Z";
    for program in [Program::Story, Program::Eab, Program::Contest] {
        let declared = outcomes.program(program);
        assert!(declared.declares_success(), "{program} declares a success");
        let mut s = scope(program, now);
        s.contest = Some(period("Q4 contest", "2026-11-01", "2027-01-31"));
        let mut table: Vec<(Vec<&str>, bool)> = vec![(vec![], false)];
        table.extend(declared.success.iter().map(|l| (vec![l.as_str()], true)));
        table.extend(declared.never.iter().map(|l| (vec![l.as_str()], false)));
        // A never-counts label wins over a success label closed alongside it.
        for never in &declared.never {
            table.push((vec![declared.success[0].as_str(), never.as_str()], false));
        }
        for (labels, counts) in table {
            let issue = closed(1, "2026-11-10T15:00:00Z", "2026-12-02T15:00:00Z", &labels);
            assert_eq!(
                counted(&s, &[issue]),
                u32::from(counts),
                "{program} closed with {labels:?}"
            );
        }
    }
    // The handbook's examples, spelled out.
    let story = scope(Program::Story, now);
    let published = closed(
        2,
        "2026-11-10T15:00:00Z",
        "2026-12-01T15:00:00Z",
        &["outcome::published"],
    );
    let needs_info = closed(
        3,
        "2026-11-10T15:00:00Z",
        "2026-12-01T15:00:00Z",
        &["advocacy::needs-info"],
    );
    assert_eq!(counted(&story, &[published, needs_info]), 1);
    let eab = scope(Program::Eab, now);
    let below_vp = closed(
        4,
        "2026-11-10T15:00:00Z",
        "2026-12-01T15:00:00Z",
        &["eab::below-vp"],
    );
    assert_eq!(
        counted(&eab, &[below_vp]),
        0,
        "a below-VP nomination is no board member"
    );
}

#[test]
fn a_closed_request_shows_its_outcome_and_the_summary_counts_each_one() {
    let issues = vec![
        closed(
            1,
            "2026-11-10T15:00:00Z",
            "2026-12-01T15:00:00Z",
            &["outcome::published"],
        ),
        closed(
            2,
            "2026-11-10T15:00:00Z",
            "2026-12-01T16:00:00Z",
            &["outcome::published"],
        ),
        closed(
            3,
            "2026-11-10T15:00:00Z",
            "2026-12-02T15:00:00Z",
            &["outcome::duplicate"],
        ),
        closed(4, "2026-11-10T15:00:00Z", "2026-12-02T16:00:00Z", &[]),
    ];
    let d = select(
        &scope(Program::Story, "2026-12-04T20:00:00Z"),
        &Targets::default(),
        &issues,
    );
    let text = render(&d);
    assert!(
        text.contains("4 closed this week (2 `outcome::published`, 1 `outcome::duplicate`, 1 with no outcome recorded)"),
        "{text}"
    );
    assert!(
        text.contains("`Request 3` — unassigned · `outcome::duplicate`"),
        "{text}"
    );
    assert!(
        text.contains("`Request 4` — unassigned · no outcome recorded"),
        "{text}"
    );
}

#[test]
fn confidential_successes_are_counted_and_never_named() {
    let mut secret = closed(
        9,
        "2026-11-10T15:00:00Z",
        "2026-12-01T15:00:00Z",
        &["outcome::published"],
    );
    secret.confidential = true;
    secret.title = "Project Bluebird".into();
    let issues = vec![
        closed(
            1,
            "2026-11-10T15:00:00Z",
            "2026-12-01T15:00:00Z",
            &["outcome::published"],
        ),
        secret.clone(),
    ];
    let d = select(
        &scope(Program::Story, "2026-12-04T20:00:00Z"),
        &Targets::default(),
        &issues,
    );
    assert_eq!(d.progress[0].done, 2);
    assert_eq!(d.closed.confidential, 1);
    let text = render(&d);
    assert!(!text.contains("Bluebird") && !text.contains("#9"), "{text}");
    assert!(
        text.contains("2 closed this week (2 `outcome::published`)"),
        "{text}"
    );

    let mut entry = secret;
    entry.labels = [LabelName::from("outcome::accepted")].into();
    entry.account_owner = Some(Username::from("secret-owner"));
    let mut s = scope(Program::Contest, "2026-12-04T20:00:00Z");
    s.contest = Some(period("Q4 contest", "2026-11-01", "2027-01-31"));
    let d = select(&s, &Targets::default(), &[entry]);
    let board = d.leaderboard.as_ref().unwrap();
    assert_eq!((board.confidential, board.rows.len()), (1, 0));
    assert!(!render(&d).contains("secret-owner"));
}

#[test]
fn the_leaderboard_counts_entries_filed_and_accepted_within_the_contest_dates_only() {
    // A contest across the fiscal year boundary: its own dates, not the quarter's.
    let contest = period("Winter contest", "2027-01-15", "2027-02-15");
    let accepted = ["outcome::accepted"];
    let issues = vec![
        closed(1, "2027-01-10T15:00:00Z", "2027-01-12T15:00:00Z", &accepted), // before it
        closed(2, "2027-01-10T15:00:00Z", "2027-01-20T15:00:00Z", &accepted), // filed before
        closed(3, "2027-01-16T15:00:00Z", "2027-01-20T15:00:00Z", &accepted), // counts
        closed(4, "2027-01-20T15:00:00Z", "2027-02-10T15:00:00Z", &accepted), // counts (FY28)
        closed(5, "2027-02-01T15:00:00Z", "2027-02-16T15:00:00Z", &accepted), // after it
        closed(
            6,
            "2027-02-01T15:00:00Z",
            "2027-02-03T15:00:00Z",
            &["contest::evidence-missing"],
        ),
    ];
    let mut running = scope(Program::Contest, "2027-02-12T20:00:00Z");
    running.quarter = period("FY28-Q1", "2027-02-01", "2027-04-30");
    running.contest = Some(contest.clone());
    let d = select(&running, &Targets::default(), &issues);
    let board = d.leaderboard.as_ref().unwrap();
    assert_eq!(board.rows[0].entries, 2, "#3 and #4");
    assert!(!board.ended);
    let text = render(&d);
    assert!(
        text.contains("### Contest leaderboard, Winter contest (2027-01-15 – 2027-02-15)"),
        "{text}"
    );

    let mut after = running.clone();
    after.now = at("2027-02-20T20:00:00Z");
    after.week = IsoWeek::containing(after.now, New_York);
    let d = select(&after, &Targets::default(), &issues);
    let board = d.leaderboard.as_ref().unwrap();
    assert_eq!(
        board.rows[0].entries, 2,
        "#5 was accepted after the contest ended"
    );
    assert!(board.ended);
    assert!(render(&d).contains("(2027-01-15 – 2027-02-15, final)"));
}

#[test]
fn without_a_contest_the_leaderboard_counts_nothing_rather_than_the_quarter() {
    let issues = vec![closed(
        1,
        "2026-11-10T15:00:00Z",
        "2026-12-01T15:00:00Z",
        &["outcome::accepted"],
    )];
    let d = select(
        &scope(Program::Contest, "2026-12-04T20:00:00Z"),
        &Targets::default(),
        &issues,
    );
    let board = d.leaderboard.as_ref().unwrap();
    assert!(board.contest.is_none() && board.rows.is_empty());
    let text = render(&d);
    assert!(text.contains("No reference contest has started"), "{text}");
    assert!(text.contains("`digest.contests`"), "{text}");
}

#[test]
fn a_target_the_handbook_does_not_state_is_not_measured() {
    let delivered = vec![closed(
        1,
        "2026-11-10T15:00:00Z",
        "2026-12-01T15:00:00Z",
        &["outcome::delivered"],
    )];
    let s = scope(Program::Earnings, "2026-12-04T20:00:00Z");
    let d = select(&s, &Targets::default(), &delivered);
    assert!(
        d.progress.is_empty(),
        "no invented earnings target: {:?}",
        d.progress
    );
    assert!(!render(&d).contains("### Targets"));
    let configured = Targets {
        earnings: Some(PerQuarter { per_quarter: 2 }),
        ..Targets::default()
    };
    let d = select(&s, &configured, &delivered);
    assert_eq!((d.progress[0].done, d.progress[0].target), (1, 2));
}

#[test]
fn a_program_without_a_success_outcome_says_its_targets_are_not_measured() {
    let mut s = scope(Program::Story, "2026-12-04T20:00:00Z");
    s.outcomes = ProgramOutcomes::default();
    let issues = vec![closed(
        1,
        "2026-11-10T15:00:00Z",
        "2026-12-01T15:00:00Z",
        &[],
    )];
    let d = select(&s, &Targets::default(), &issues);
    assert!(d.unmeasured && d.progress.is_empty());
    let text = render(&d);
    assert!(
        text.contains("Not measured: the `story` program declares no success outcome"),
        "{text}"
    );
}
