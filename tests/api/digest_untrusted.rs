//! Requester text and confidential requests in the weekly digest: hostile titles, assignees and
//! account owners notify nobody and render as data, a huge program stays under GitLab's note
//! limit and says how many more there are, and a confidential contest entry is only counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use steward_core::digest::{
    DigestIssue, DigestScope, FiscalPeriod, MAX_LISTED, Outcomes, Program, Targets, render, select,
};
use steward_core::model::{IssueIid, IssueState, LabelName, Username};
use steward_core::untrusted::{BODY_BUDGET, GITLAB_NOTE_LIMIT, live_mentions, outside_code};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 2026-W48 as of Friday 2026-11-27, 17:00 in New York; fiscal quarter FY27-Q4.
fn scope(program: Program) -> DigestScope {
    DigestScope {
        program,
        week: "2026-W48".parse().unwrap(),
        time_zone: New_York,
        now: at("2026-11-27T22:00:00Z"),
        quarter: FiscalPeriod {
            name: "FY27-Q4".into(),
            first_day: day("2026-11-01"),
            last_day: day("2027-01-31"),
        },
        year: FiscalPeriod {
            name: "FY27".into(),
            first_day: day("2026-02-01"),
            last_day: day("2027-01-31"),
        },
        contest: Some(FiscalPeriod {
            name: "FY27-Q4 reference contest".into(),
            first_day: day("2026-11-01"),
            last_day: day("2027-01-31"),
        }),
        outcomes: Outcomes::from_yaml(
            "rules/outcomes.yaml",
            include_str!("../../rules/outcomes.yaml"),
        )
        .unwrap()
        .program(program),
        away: BTreeMap::new(),
    }
}

const BASE: &str = "https://gitlab.com/gitlab-com/marketing/advocacy";

/// An open request filed on Tuesday of the week.
fn issue(iid: u64, title: &str) -> DigestIssue {
    DigestIssue {
        iid: IssueIid(iid),
        title: title.into(),
        web_url: format!("{BASE}/-/issues/{iid}"),
        confidential: false,
        state: IssueState::Opened,
        created_at: at("2026-11-24T15:00:00Z"),
        closed_at: None,
        due_date: None,
        assignees: vec![],
        labels: BTreeSet::new(),
        account_owner: None,
        late_filed: false,
    }
}

/// A contest entry accepted (closed) on Wednesday of the week.
fn entry(iid: u64, title: &str, owner: &str) -> DigestIssue {
    let mut i = issue(iid, title);
    i.state = IssueState::Closed;
    i.closed_at = Some(at("2026-11-25T15:00:00Z"));
    i.account_owner = Some(Username::from(owner));
    i.labels.insert(LabelName::from("outcome::accepted"));
    i
}

fn users(names: &[&str]) -> Vec<Username> {
    names.iter().map(|u| Username::from(*u)).collect()
}

#[test]
fn hostile_titles_assignees_and_account_owners_notify_nobody_and_render_as_data() {
    let many: Vec<String> = (0..29).map(|i| format!("@user{i}")).collect();
    let titles = [
        "@all".to_owned(),
        "**Event name:** @all".to_owned(),
        many.join(" "),
        "<script>alert(1)</script>".to_owned(),
        "[click](javascript:alert(1))".to_owned(),
        "# heading".to_owned(),
        "| a | b |\n|---|---|".to_owned(),
        "/close\n/reopen".to_owned(),
        "see #123 and @group/subgroup".to_owned(),
    ];
    let mut issues: Vec<DigestIssue> = titles
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let mut i = issue(600 + n as u64, t);
            i.assignees = users(&["jhernandez", "all"]);
            i
        })
        .collect();
    issues.push(entry(700, "Entry", "all"));
    issues.push(entry(701, "Entry", "here"));
    issues.push(entry(702, "Entry", "group/sub"));
    let text = render(&select(
        &scope(Program::Contest),
        &Targets::default(),
        &issues,
    ));

    assert!(live_mentions(&text).is_empty(), "{text}");
    let live = outside_code(&text);
    for markup in ["<script", "javascript:", "#123", "| a", "**Event"] {
        assert!(!live.contains(markup), "{markup} is live in:\n{text}");
    }
    for line in text.lines() {
        let t = line.trim_start();
        assert!(!t.starts_with('/'), "quick action: {line}");
        assert!(
            !t.starts_with("# ") && !t.starts_with('|'),
            "markup: {line}"
        );
    }
    assert!(text.contains("`@jhernandez`, `@all`"), "{text}");
    assert!(text.contains(". `@all` — 1 accepted entry"), "{text}");
}

#[test]
fn a_digest_of_20000_requests_with_long_titles_fits_in_a_gitlab_note_and_says_how_many_more() {
    let long = "Customer speaker @all for a very long event name ".repeat(20);
    let issues: Vec<DigestIssue> = (1..=20_000)
        .map(|iid| {
            // The requests listed first (earliest due) have titles of 50,000 characters.
            let title = if iid <= 30 {
                "x".repeat(50_000)
            } else {
                long.clone()
            };
            let mut i = issue(iid, &title);
            i.due_date = Some(day("2026-11-20") + chrono::Days::new(iid / 1000));
            i.assignees = users(&["jhernandez", "rlurie", "nsmith", "a", "b", "c", "d"]);
            i
        })
        .collect();
    let digest = select(&scope(Program::Speaker), &Targets::default(), &issues);
    assert_eq!(digest.open, 20_000);
    // Due before Friday the 27th: iids 1 to 6,999.
    assert_eq!(digest.overdue.total(), 6_999);
    let text = render(&digest);
    let chars = text.chars().count();
    assert!(chars < GITLAB_NOTE_LIMIT, "{chars} characters");
    assert!(chars <= BODY_BUDGET, "{chars} characters");
    let more = 6_999 - MAX_LISTED;
    let list = format!(
        "- … and {more} more — see [the issue list]({BASE}/-/issues?state=opened&label_name%5B%5D=advocacy-program%3A%3Aspeaker)"
    );
    assert!(
        text.contains(&list),
        "no `and N more` line in the Overdue section"
    );
    assert!(text.contains("`@jhernandez`, `@rlurie`, `@nsmith`, `@a`, `@b`, +2 more"));
    assert!(live_mentions(&text).is_empty());
}

#[test]
fn a_confidential_contest_entry_is_counted_but_its_owner_title_number_and_link_appear_nowhere() {
    let mut secret = entry(777, "Project Bluebird acquisition", "secret-owner");
    secret.confidential = true;
    secret.assignees = users(&["hidden-assignee"]);
    let mut open_secret = issue(778, "Globex merger story");
    open_secret.confidential = true;
    open_secret.assignees = users(&["hidden-assignee"]);
    open_secret.account_owner = Some(Username::from("secret-owner"));
    let issues = vec![
        entry(401, "Contest entry", "alice"),
        entry(402, "Contest entry", "alice"),
        secret,
        open_secret,
    ];
    let digest = select(&scope(Program::Contest), &Targets::default(), &issues);
    let text = render(&digest);
    for leak in [
        "secret-owner",
        "hidden-assignee",
        "Bluebird",
        "Globex",
        "777",
        "778",
    ] {
        assert!(!text.contains(leak), "{leak} leaked:\n{text}");
    }
    let board = digest.leaderboard.as_ref().unwrap();
    assert_eq!(board.confidential, 1);
    assert_eq!(digest.closed.total(), 3);
    assert!(
        text.contains("1 accepted entry from confidential requests is counted"),
        "{text}"
    );
    assert!(text.contains("1. `@alice` — 2 accepted entries"), "{text}");
}
