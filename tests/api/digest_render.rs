#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Digest selection and rendering for realistic weeks: snapshots of the Markdown, confidential
//! requests counted but never named, the contest leaderboard, target verdicts and the week's
//! bounds in the team's time zone.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use steward_core::digest::{
    Digest, DigestIssue, DigestScope, FiscalPeriod, IsoWeek, ItemNote, Outcomes, Program, Targets,
    Verdict, render, select,
};
use steward_core::model::{IssueIid, IssueState, LabelName, Username};
use steward_core::untrusted::live_mentions;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Friday 2026-11-27, 17:00 in New York, during 2026-W48.
const NOW: &str = "2026-11-27T22:00:00Z";

/// Monday 2026-11-30, 09:00 in New York: the scheduled run after 2026-W48.
const MONDAY: &str = "2026-11-30T14:00:00Z";

fn shipped_outcomes() -> Outcomes {
    Outcomes::from_yaml(
        "rules/outcomes.yaml",
        include_str!("../../rules/outcomes.yaml"),
    )
    .unwrap()
}

fn scope(program: Program, now: &str) -> DigestScope {
    DigestScope {
        program,
        week: "2026-W48".parse().unwrap(),
        time_zone: New_York,
        now: at(now),
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
        outcomes: shipped_outcomes().program(program),
        away: BTreeMap::new(),
    }
}

fn issue(iid: u64, title: &str, created: &str) -> DigestIssue {
    DigestIssue {
        iid: IssueIid(iid),
        title: title.into(),
        web_url: format!("https://gitlab.com/gitlab-com/marketing/advocacy/-/issues/{iid}"),
        confidential: false,
        state: IssueState::Opened,
        created_at: at(created),
        closed_at: None,
        due_date: None,
        assignees: vec![],
        labels: BTreeSet::new(),
        account_owner: None,
        late_filed: false,
    }
}

fn closed(mut i: DigestIssue, when: &str) -> DigestIssue {
    i.state = IssueState::Closed;
    i.closed_at = Some(at(when));
    i
}

fn due(mut i: DigestIssue, date: &str) -> DigestIssue {
    i.due_date = Some(day(date));
    i
}

fn owned(mut i: DigestIssue, who: &[&str]) -> DigestIssue {
    i.assignees = who.iter().map(|u| Username::from(*u)).collect();
    i
}

fn labelled(mut i: DigestIssue, label: &str) -> DigestIssue {
    i.labels.insert(LabelName::from(label));
    i
}

fn confidential(mut i: DigestIssue) -> DigestIssue {
    i.confidential = true;
    i
}

fn speaker_week() -> Vec<DigestIssue> {
    let mut late = owned(
        due(
            issue(
                99,
                "Regional user group keynote (Chicago)",
                "2026-11-18T15:00:00Z",
            ),
            "2026-11-28",
        ),
        &[],
    );
    late.late_filed = true;
    vec![
        owned(
            due(
                issue(
                    101,
                    "Customer speaker for DevSecOps World Tour London",
                    "2026-11-24T14:12:00Z",
                ),
                "2027-01-20",
            ),
            &["jhernandez"],
        ),
        owned(
            due(
                issue(95, "KubeCon EU 2027 customer panel", "2026-11-02T16:00:00Z"),
                "2026-11-20",
            ),
            &["jhernandez", "nsmith"],
        ),
        late,
        labelled(
            owned(
                closed(
                    issue(97, "Partner summit fireside chat", "2026-11-10T10:00:00Z"),
                    "2026-11-24T20:00:00Z",
                ),
                &["rlurie"],
            ),
            "outcome::delivered",
        ),
        owned(
            due(
                issue(
                    103,
                    "Customer panel at the Austin meetup",
                    "2026-11-03T15:00:00Z",
                ),
                "2026-12-03",
            ),
            &["jhernandez"],
        ),
        labelled(
            owned(
                due(
                    issue(104, "Speaker for a partner webinar", "2026-11-25T15:00:00Z"),
                    "2026-12-10",
                ),
                &["rlurie"],
            ),
            "advocacy::needs-info",
        ),
        owned(
            due(
                issue(
                    105,
                    "Customer keynote at the Paris user day",
                    "2026-11-12T15:00:00Z",
                ),
                "2026-12-04",
            ),
            &["rlurie"],
        ),
        due(
            issue(
                106,
                "Customer speaker for a spring roadshow",
                "2026-11-26T15:00:00Z",
            ),
            "2026-12-20",
        ),
        closed(
            issue(
                90,
                "Webinar with a FinServ customer",
                "2026-10-01T10:00:00Z",
            ),
            "2026-11-05T10:00:00Z",
        ),
        confidential(due(
            issue(102, "Acme Bank CISO at re:Invent", "2026-11-25T09:00:00Z"),
            "2026-12-01",
        )),
    ]
}

#[test]
fn speaker_program_week_renders_as_the_team_reads_it_on_monday() {
    let mut scope = scope(Program::Speaker, MONDAY);
    scope.away.insert(
        Username::from("jhernandez"),
        vec![(day("2026-12-01"), day("2026-12-04"))],
    );
    let digest = select(&scope, &Targets::default(), &speaker_week());
    insta::assert_snapshot!("speaker_2026_w48", render(&digest));
}

fn published(i: DigestIssue) -> DigestIssue {
    labelled(i, "outcome::published")
}

fn story_quarter() -> Vec<DigestIssue> {
    vec![
        published(labelled(
            closed(
                issue(
                    150,
                    "Video: Lockheed platform consolidation",
                    "2026-04-01T10:00:00Z",
                ),
                "2026-06-10T10:00:00Z",
            ),
            "story-format::video",
        )),
        published(labelled(
            owned(
                closed(
                    issue(201, "Video: Deutsche Telekom CI/CD", "2026-09-01T10:00:00Z"),
                    "2026-11-12T18:00:00Z",
                ),
                &["rlurie"],
            ),
            "story-format::video",
        )),
        published(owned(
            closed(
                issue(
                    205,
                    "Case study: Airbus security scanning",
                    "2026-10-05T10:00:00Z",
                ),
                "2026-11-25T16:00:00Z",
            ),
            &["rlurie"],
        )),
        labelled(
            closed(
                issue(206, "Blog: small agency migration", "2026-11-03T10:00:00Z"),
                "2026-11-24T16:00:00Z",
            ),
            "outcome::declined",
        ),
        // Closed while still waiting on the requester, with no outcome: not a published story.
        labelled(
            closed(
                issue(209, "Story idea from the field", "2026-11-02T10:00:00Z"),
                "2026-11-26T16:00:00Z",
            ),
            "advocacy::needs-info",
        ),
        confidential(owned(
            issue(207, "Globex Bank migration story", "2026-11-23T15:00:00Z"),
            &["rlurie"],
        )),
        owned(
            issue(208, "Case study: NASA JPL GitOps", "2026-11-26T15:00:00Z"),
            &["jhernandez"],
        ),
    ]
}

#[test]
fn story_program_counts_a_confidential_request_without_naming_it() {
    let digest = select(
        &scope(Program::Story, NOW),
        &Targets::default(),
        &story_quarter(),
    );
    let text = render(&digest);
    assert!(
        !text.contains("Globex"),
        "confidential title leaked:\n{text}"
    );
    assert!(
        !text.contains("/issues/207"),
        "confidential link leaked:\n{text}"
    );
    assert!(
        !text.contains("#207"),
        "confidential number leaked:\n{text}"
    );
    assert!(text.contains("+1 confidential request"), "{text}");
    assert_eq!(digest.new.total(), 2);
    assert_eq!(digest.new.confidential, 1);
    insta::assert_snapshot!("story_2026_w48", text);
}

#[test]
fn story_targets_count_published_stories_in_the_quarter_and_year() {
    let digest = select(
        &scope(Program::Story, NOW),
        &Targets::default(),
        &story_quarter(),
    );
    let got: Vec<_> = digest
        .progress
        .iter()
        .map(|p| (p.what.as_str(), p.done, p.target, p.verdict))
        .collect();
    assert_eq!(
        got,
        [
            // #201 and #205; the declined #206 and #209 (closed without an outcome) do not.
            ("Customer stories published", 2, 3, Verdict::OnPace),
            ("Marquee videos", 2, 2, Verdict::Met),
        ]
    );
    // Late January with one story published: the line expects two by now.
    let one_story: Vec<_> = story_quarter()
        .into_iter()
        .filter(|i| i.iid != IssueIid(205))
        .collect();
    let mut january = scope(Program::Story, "2027-01-20T12:00:00Z");
    january.week = IsoWeek::containing(january.now, New_York);
    let late = select(&january, &Targets::default(), &one_story);
    assert_eq!((late.progress[0].done, late.progress[0].expected), (1, 2));
    assert_eq!(late.progress[0].verdict, Verdict::AtRisk);
}

#[test]
fn eab_cohort_is_on_pace_full_or_over_the_cap() {
    let members = |n: u64| -> Vec<DigestIssue> {
        (0..n)
            .map(|i| {
                labelled(
                    closed(
                        issue(300 + i, "Nomination", "2026-03-01T10:00:00Z"),
                        "2026-05-01T10:00:00Z",
                    ),
                    "outcome::accepted",
                )
            })
            .collect()
    };
    let verdict =
        |n| select(&scope(Program::Eab, NOW), &Targets::default(), &members(n)).progress[0].verdict;
    // 82% into FY27 the straight line expects 9 of 12.
    assert_eq!(verdict(8), Verdict::AtRisk);
    assert_eq!(verdict(9), Verdict::OnPace);
    assert_eq!(verdict(12), Verdict::Met);
    assert_eq!(verdict(15), Verdict::Met);
    assert_eq!(verdict(16), Verdict::OverCap);
}

#[test]
fn contest_leaderboard_ranks_account_owners_by_accepted_entries_in_the_contest() {
    let entry = |iid: u64, owner: Option<&str>, closed_on: &str| {
        let mut i = closed(
            issue(iid, "Contest entry", "2026-11-02T10:00:00Z"),
            closed_on,
        );
        i.account_owner = owner.map(Username::from);
        labelled(i, "outcome::accepted")
    };
    let issues = vec![
        entry(401, Some("bob"), "2026-11-03T10:00:00Z"),
        entry(402, Some("alice"), "2026-11-04T10:00:00Z"),
        entry(403, Some("bob"), "2026-11-20T10:00:00Z"),
        confidential(entry(404, Some("alice"), "2026-11-25T10:00:00Z")),
        entry(405, Some("carol"), "2026-11-26T10:00:00Z"),
        entry(406, None, "2026-11-26T11:00:00Z"),
        labelled(
            entry(407, Some("dave"), "2026-11-26T12:00:00Z"),
            "outcome::declined",
        ),
        labelled(
            entry(408, Some("erin"), "2026-11-26T13:00:00Z"),
            "contest::evidence-missing",
        ),
        {
            let mut open = issue(409, "Contest entry", "2026-11-20T10:00:00Z");
            open.account_owner = Some(Username::from("frank"));
            open
        },
    ];
    let digest = select(&scope(Program::Contest, NOW), &Targets::default(), &issues);
    let board = digest.leaderboard.as_ref().unwrap();
    let rows: Vec<_> = board
        .rows
        .iter()
        .map(|r| (r.owner.as_str(), r.entries))
        .collect();
    // Alice's confidential entry (#404) counts, but not toward her name (GITLAB.md §5.4).
    assert_eq!(rows, [("bob", 2), ("alice", 1), ("carol", 1)]);
    assert_eq!(board.without_owner, 1);
    assert_eq!(board.confidential, 1);
    insta::assert_snapshot!("contest_2026_w48", render(&digest));
}

#[test]
fn a_request_closed_sunday_night_in_new_york_counts_in_that_week() {
    // Sunday 2026-11-29 23:30 EST is Monday 04:30 UTC.
    let issues = vec![closed(
        issue(500, "Late Sunday close", "2026-11-20T10:00:00Z"),
        "2026-11-30T04:30:00Z",
    )];
    let w48 = select(
        &scope(Program::Press, "2026-12-01T12:00:00Z"),
        &Targets::default(),
        &issues,
    );
    assert_eq!(w48.closed.items.len(), 1);
    assert_eq!(w48.as_of_date, day("2026-11-29"));
    let mut next = scope(Program::Press, "2026-12-07T12:00:00Z");
    next.week = IsoWeek::containing(at("2026-12-01T12:00:00Z"), New_York);
    let w49 = select(&next, &Targets::default(), &issues);
    assert!(w49.closed.items.is_empty());
}

#[test]
fn generated_text_never_starts_a_line_with_a_slash_or_pings_from_a_title() {
    let hostile = owned(
        due(
            issue(
                600,
                "/close\n/assign @nsmith [urgent]",
                "2026-11-24T10:00:00Z",
            ),
            "2026-11-25",
        ),
        &["jhernandez"],
    );
    let digest: Digest = select(
        &scope(Program::Analyst, NOW),
        &Targets::default(),
        &[hostile],
    );
    let text = render(&digest);
    assert!(
        text.lines().all(|l| !l.trim_start().starts_with('/')),
        "{text}"
    );
    // The title's `@nsmith` and the assignee are both shown, and neither is notified.
    assert!(live_mentions(&text).is_empty(), "{text}");
    assert!(text.contains("`/close /assign @nsmith [urgent]`"), "{text}");
    assert!(text.contains("`@jhernandez`"), "{text}");
    assert!(
        text.starts_with("<!-- steward:digest:2026-W48 -->\n"),
        "{text}"
    );
}

fn listed_iids(d: &Digest) -> Vec<(&'static str, Vec<u64>)> {
    let ids =
        |s: &steward_core::digest::Section| s.items.iter().map(|i| i.iid.0).collect::<Vec<_>>();
    vec![
        ("closed", ids(&d.closed)),
        ("overdue", ids(&d.overdue)),
        ("at risk", ids(&d.at_risk)),
        ("due this week", ids(&d.due_this_week)),
        ("filed late", ids(&d.filed_late)),
        ("new", ids(&d.new)),
    ]
}

#[test]
fn the_monday_digest_reviews_the_week_that_ended_and_looks_ahead_14_days() {
    let mut scope = scope(Program::Speaker, MONDAY);
    scope.away.insert(
        Username::from("jhernandez"),
        vec![(day("2026-12-01"), day("2026-12-04"))],
    );
    let d = select(&scope, &Targets::default(), &speaker_week());
    assert!(d.complete);
    assert_eq!(d.as_of_date, day("2026-11-29"));
    assert_eq!(
        (d.look_from, d.look_until()),
        (day("2026-11-30"), day("2026-12-13"))
    );
    assert_eq!(
        listed_iids(&d),
        [
            ("closed", vec![97]),
            // #95 was due on the 20th; the late #99 on Saturday the 28th.
            ("overdue", vec![95, 99]),
            // #103's only owner is away before it is due; #104 waits on its requester.
            ("at risk", vec![103, 104]),
            ("due this week", vec![105]),
            ("filed late", vec![]),
            // #106 is unassigned but due after the 14 days.
            ("new", vec![106, 101]),
        ]
    );
    // The confidential #102 (unassigned, due Tuesday) is at risk, counted and never named.
    assert_eq!(d.at_risk.confidential, 1);
    assert_eq!(
        d.filed, 4,
        "#101, #102, #104 and #106 were filed during the week"
    );
    let notes = |iid: u64| -> Vec<ItemNote> {
        d.at_risk
            .items
            .iter()
            .chain(&d.overdue.items)
            .find(|i| i.iid.0 == iid)
            .unwrap()
            .notes
            .clone()
    };
    assert_eq!(
        notes(103),
        [ItemNote::OwnerAway {
            owner: Username::from("jhernandez"),
            from: day("2026-12-01"),
            to: day("2026-12-04"),
        }]
    );
    assert_eq!(
        notes(104),
        [ItemNote::WaitingOnRequester, ItemNote::FiledThisWeek]
    );
    assert_eq!(notes(99), [ItemNote::FiledLate]);
    let text = render(&d);
    assert!(
        text.contains("`@jhernandez` out of office Dec 1 – Dec 4"),
        "{text}"
    );
    assert!(
        text.contains("At risk in the next 14 days, Mon Nov 30 – Sun Dec 13 (3)"),
        "{text}"
    );
}

#[test]
fn a_request_appears_in_one_section_only_and_names_notify_nobody() {
    let d = select(
        &scope(Program::Speaker, MONDAY),
        &Targets::default(),
        &speaker_week(),
    );
    let text = render(&d);
    let mut seen = BTreeSet::new();
    for (section, iids) in listed_iids(&d) {
        for iid in iids {
            assert!(seen.insert(iid), "#{iid} is listed again under {section}");
        }
    }
    for iid in &seen {
        let lines = text
            .lines()
            .filter(|l| l.contains(&format!("[#{iid}](")))
            .count();
        assert_eq!(lines, 1, "#{iid} appears on {lines} lines:\n{text}");
    }
    assert!(live_mentions(&text).is_empty(), "{text}");
    assert!(text.contains("`@jhernandez`, `@nsmith`"), "{text}");
}

#[test]
fn empty_sections_collapse_into_one_line() {
    let d = select(&scope(Program::Reference, MONDAY), &Targets::default(), &[]);
    let text = render(&d);
    assert!(
        !text.contains("### "),
        "no section heading for nothing:\n{text}"
    );
    let line = "Nothing to list under: Closed this week · Overdue at the week's end · At risk in \
                the next 14 days · Due this week · Filed late this week · New this week.";
    assert!(text.contains(line), "{text}");

    // One listed section: only the others are folded.
    let one = vec![issue(1, "A new request", "2026-11-24T15:00:00Z")];
    let text = render(&select(
        &scope(Program::Reference, MONDAY),
        &Targets::default(),
        &one,
    ));
    assert!(text.contains("### New this week (1)"), "{text}");
    assert_eq!(text.matches("Nothing to list under:").count(), 1, "{text}");
    assert!(!text.contains("· New this week."), "{text}");
}
