//! The director's roll-up for a realistic week across every shipped program: a snapshot of the
//! Markdown, confidential requests counted and never named, nobody notified, the 8-week trend
//! and the target pace each as a Mermaid block with a table beside it, load against the
//! roster's capacity. The rendered roll-ups are also written under the target directory
//! (`tmp/mermaid/`) for `scripts/check-mermaid`, which parses every Mermaid block with the
//! Mermaid version GitLab bundles.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use steward_core::digest::{
    DigestIssue, DigestScope, FiscalPeriod, Outcomes, ProgramWeek, Programs, Rollup, Targets,
    render_rollup, rollup,
};
use steward_core::model::{IssueIid, IssueState, LabelName, Username};
use steward_core::rules::Roster;
use steward_core::untrusted::live_mentions;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Monday 2026-11-30, 09:00 in New York: the scheduled run after 2026-W48.
const MONDAY: &str = "2026-11-30T14:00:00Z";

const PROGRAMS: &str = include_str!("../../rules/programs.yaml");

fn roster() -> Roster {
    Roster::from_yaml("rules/roster.yaml", include_str!("../../rules/roster.yaml")).unwrap()
}

const OUTCOMES: &str = include_str!("../../rules/outcomes.yaml");

fn scopes(programs: &Programs, outcomes: &str, now: &str) -> Vec<DigestScope> {
    let outcomes = Outcomes::from_yaml("rules/outcomes.yaml", outcomes, programs).unwrap();
    let period = |name: &str, from: &str, to: &str| FiscalPeriod {
        name: name.into(),
        first_day: day(from),
        last_day: day(to),
    };
    programs
        .iter()
        .map(|p| DigestScope {
            outcomes: outcomes.program(&p.key),
            program: p.clone(),
            week: "2026-W48".parse().unwrap(),
            time_zone: New_York,
            now: at(now),
            quarter: period("FY27-Q4", "2026-11-01", "2027-01-31"),
            year: period("FY27", "2026-02-01", "2027-01-31"),
            contest: None,
            away: BTreeMap::new(),
        })
        .collect()
}

struct Req(DigestIssue);

fn req(iid: u64, title: &str, created: &str, owners: &[&str]) -> Req {
    Req(DigestIssue {
        iid: IssueIid(iid),
        title: title.into(),
        web_url: format!("https://gitlab.com/gitlab-com/marketing/advocacy/-/issues/{iid}"),
        confidential: false,
        state: IssueState::Opened,
        created_at: at(created),
        closed_at: None,
        due_date: None,
        assignees: owners.iter().map(|u| Username::from(*u)).collect(),
        labels: BTreeSet::new(),
        account_owner: None,
        late_filed: false,
    })
}

impl Req {
    fn due(mut self, date: &str) -> Self {
        self.0.due_date = Some(day(date));
        self
    }
    fn closed(mut self, when: &str, outcome: &str) -> Self {
        self.0.state = IssueState::Closed;
        self.0.closed_at = Some(at(when));
        self.label(outcome)
    }
    fn label(mut self, label: &str) -> Self {
        self.0.labels.insert(LabelName::from(label));
        self
    }
    fn confidential(mut self) -> Self {
        self.0.confidential = true;
        self
    }
    fn late(mut self) -> Self {
        self.0.late_filed = true;
        self
    }
}

/// Eight weeks of the team's requests, by program key.
fn team_weeks() -> BTreeMap<&'static str, Vec<DigestIssue>> {
    let waiting = "advocacy::needs-info";
    let mut weeks: BTreeMap<&str, Vec<Req>> = BTreeMap::new();
    weeks.insert(
        "speaker",
        vec![
            req(
                101,
                "Customer speaker for DevSecOps World Tour London",
                "2026-11-24T14:12:00Z",
                &["jhernandez"],
            )
            .due("2027-01-20"),
            req(
                95,
                "KubeCon EU 2027 customer panel",
                "2026-11-02T16:00:00Z",
                &["jhernandez", "nsmith"],
            )
            .due("2026-11-20"),
            req(
                99,
                "Regional user group keynote (Chicago)",
                "2026-11-18T15:00:00Z",
                &[],
            )
            .due("2026-12-03")
            .late(),
            req(
                102,
                "@all please review\n/close",
                "2026-11-25T15:00:00Z",
                &["rlurie"],
            )
            .due("2026-12-05")
            .label(waiting),
            req(
                103,
                "Speaker: Project Bluebird CEO keynote",
                "2026-11-26T15:00:00Z",
                &["jhernandez"],
            )
            .label(waiting)
            .confidential(),
            req(
                90,
                "Customer talk at GitLab Commit Berlin",
                "2026-10-27T15:00:00Z",
                &["rlurie"],
            )
            .closed("2026-11-19T20:00:00Z", "outcome::delivered"),
        ],
    );
    weeks.insert(
        "story",
        vec![
            req(
                120,
                "Northwind CI consolidation story",
                "2026-10-06T15:00:00Z",
                &["jhernandez"],
            )
            .closed("2026-11-24T18:00:00Z", "outcome::published")
            .label("story-format::video"),
            req(
                121,
                "Contoso | migration from Jenkins",
                "2026-11-03T15:00:00Z",
                &["jhernandez"],
            ),
            req(
                122,
                "Story: acquisition win (embargoed)",
                "2026-10-13T15:00:00Z",
                &["rlurie"],
            )
            .closed("2026-11-10T18:00:00Z", "outcome::published")
            .confidential(),
        ],
    );
    weeks.insert(
        "eab",
        vec![
            req(
                130,
                "EAB nomination: VP Engineering, Fabrikam",
                "2026-10-20T15:00:00Z",
                &["nsmith"],
            )
            .closed("2026-10-29T15:00:00Z", "outcome::accepted"),
        ],
    );
    weeks.insert(
        "press",
        vec![
            req(
                140,
                "Customer quote for a trade-press feature",
                "2026-11-23T15:00:00Z",
                &["nsmith"],
            )
            .due("2026-12-01"),
        ],
    );
    // Sixteen peer-review requests on the director: over her capacity of 15.
    weeks.insert(
        "analyst",
        (0..16)
            .map(|n| {
                req(
                    150 + n,
                    &format!("Peer review request {n}"),
                    "2026-11-09T15:00:00Z",
                    &["nsmith"],
                )
            })
            .collect(),
    );
    weeks
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(|r| r.0).collect()))
        .collect()
}

fn rollup_of(programs: &Programs, now: &str, issues: &BTreeMap<&str, Vec<DigestIssue>>) -> Rollup {
    rollup_with(programs, OUTCOMES, now, issues)
}

fn rollup_with(
    programs: &Programs,
    outcomes: &str,
    now: &str,
    issues: &BTreeMap<&str, Vec<DigestIssue>>,
) -> Rollup {
    let scopes = scopes(programs, outcomes, now);
    let none = Vec::new();
    let weeks: Vec<ProgramWeek<'_>> = scopes
        .iter()
        .map(|s| ProgramWeek {
            scope: s,
            issues: issues.get(s.program.key.as_str()).unwrap_or(&none),
        })
        .collect();
    rollup(
        "2026-W48".parse().unwrap(),
        &weeks,
        &Targets::default(),
        &roster(),
    )
}

/// Writes a rendered roll-up where `scripts/check-mermaid` parses it.
pub(crate) fn write_for_mermaid_check(name: &str, markdown: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mermaid");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.md")), markdown).unwrap();
}

pub(crate) fn mermaid_blocks(markdown: &str) -> Vec<String> {
    markdown
        .split("```mermaid\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_roll_up_of_a_monday_run_after_w48_reads_as_the_snapshot() {
    let programs = Programs::from_yaml("rules/programs.yaml", PROGRAMS).unwrap();
    let body = render_rollup(&rollup_of(&programs, MONDAY, &team_weeks()));
    write_for_mermaid_check("rollup_team_2026_w48", &body);
    insta::assert_snapshot!("rollup_team_2026_w48", body);
}

#[test]
fn the_roll_up_names_no_confidential_request_and_notifies_nobody() {
    let programs = Programs::from_yaml("rules/programs.yaml", PROGRAMS).unwrap();
    let body = render_rollup(&rollup_of(&programs, MONDAY, &team_weeks()));
    assert!(
        body.starts_with("<!-- steward:digest:2026-W48 -->\n"),
        "{body}"
    );
    for secret in ["Bluebird", "embargoed", "issues/103", "issues/122"] {
        assert!(!body.contains(secret), "{secret} leaked:\n{body}");
    }
    assert!(
        body.contains("- +1 confidential request (not named here)"),
        "{body}"
    );
    assert_eq!(live_mentions(&body), Vec::<String>::new(), "{body}");
    assert!(
        body.lines().all(|l| !l.trim_start().starts_with('/')),
        "{body}"
    );
    // The director owns 16 open peer reviews and 2 more requests, against a capacity of 15.
    assert!(
        body.contains("| `@nsmith` Nicole Smith (Director, Product Marketing, Customer Advocacy) | 18 | 15 | **120% — over capacity** |"),
        "{body}"
    );
    // A title with a table pipe stays in its cell.
    assert!(!body.contains("Contoso |"), "{body}");
}

#[test]
fn the_trend_chart_and_its_table_carry_the_same_eight_weeks() {
    let programs = Programs::from_yaml("rules/programs.yaml", PROGRAMS).unwrap();
    let r = rollup_of(&programs, MONDAY, &team_weeks());
    let body = render_rollup(&r);
    let charts = mermaid_blocks(&body);
    assert_eq!(charts.len(), 2, "trend and target pace:\n{body}");
    let trend = &charts[0];
    assert!(
        trend.contains(
            "x-axis [\"W41\", \"W42\", \"W43\", \"W44\", \"W45\", \"W46\", \"W47\", \"W48\"]"
        ),
        "{trend}"
    );
    // Filed: W41 #120; W42 #122; W43 #130; W44 #90; W45 #95, #121; W46 the 16 peer reviews;
    // W47 #99; W48 #101, #102, #103, #140. Closed: W44 #130; W46 #122; W47 #90; W48 #120.
    assert!(trend.contains("bar [1, 1, 1, 1, 2, 16, 1, 4]"), "{trend}");
    assert!(trend.contains("line [0, 0, 0, 1, 0, 1, 1, 1]"), "{trend}");
    assert!(
        body.contains("| **All programs** | 1 / 0 | 1 / 0 | 1 / 0 | 1 / 1 | 2 / 0 | 16 / 1 | 1 / 1 | 4 / 1 | 23 |"),
        "{body}"
    );
    let pace = &charts[1];
    assert!(
        pace.contains("bar [66, 50, 8]"),
        "stories 2 of 3 (the confidential one counts), video 1 of 2, EAB 1 of 12:\n{pace}"
    );
}

#[test]
fn quotes_and_brackets_in_program_names_never_reach_the_mermaid_source() {
    let yaml = "programs:\n  story:\n    title: 'Stories \"Q4\" [beta] & co'\n    label: \"advocacy-program::story\"\n    targets: [story]\n    target_names: { story: 'Historias \"contadas\" [v2]; #1 — publicadas en el trimestre fiscal' }\n";
    let programs = Programs::from_yaml("programs.yaml", yaml).unwrap();
    let mut issues = BTreeMap::new();
    issues.insert("story", team_weeks().remove("story").unwrap());
    let outcomes = "programs:\n  story: { success: [\"outcome::published\"] }\n";
    let body = render_rollup(&rollup_with(&programs, outcomes, MONDAY, &issues));
    write_for_mermaid_check("rollup_hostile_names", &body);
    let charts = mermaid_blocks(&body);
    assert_eq!(charts.len(), 2, "{body}");
    assert!(
        charts[1].contains("x-axis [\"Historias contadas v2 1 publicadas en…\"]"),
        "{}",
        charts[1]
    );
    for chart in &charts {
        for line in chart.lines().filter(|l| l.contains("x-axis")) {
            let inner = line
                .trim()
                .trim_start_matches("x-axis [")
                .trim_end_matches(']');
            assert!(!inner.contains(['[', ']', ';', '#']), "{line}");
            assert_eq!(inner.matches('"').count() % 2, 0, "{line}");
        }
    }
    assert!(
        body.contains("| Stories \"Q4\" [beta] & co |"),
        "the table keeps the title: {body}"
    );
}

#[test]
fn a_roll_up_with_nothing_waiting_or_at_risk_folds_those_sections_into_one_line() {
    let programs = Programs::from_yaml("rules/programs.yaml", PROGRAMS).unwrap();
    let body = render_rollup(&rollup_of(&programs, MONDAY, &BTreeMap::new()));
    write_for_mermaid_check("rollup_quiet_week", &body);
    assert!(
        body.contains("Nothing to list under: Waiting on requesters · At risk or overdue."),
        "{body}"
    );
    assert!(
        !body.contains("### Boards"),
        "no request, no project to link: {body}"
    );
    assert_eq!(
        mermaid_blocks(&body).len(),
        2,
        "the charts stay, at zero: {body}"
    );
    assert!(body.contains("y-axis \"Requests\" 0 --> 5"), "{body}");
}
