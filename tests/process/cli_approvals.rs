//! `steward approvals [--expiring 30d] [--format csv]` as a user runs it against an in-process
//! simulator, the clock pinned by `STEWARD_TEST_CLOCK_FILE`: only approval requests the team
//! accepted (closed with `outcome::accepted`) are listed, with source, date, scope and expiry
//! (stated, or the default validity of `rules/calendar.yaml` from the approval date);
//! `--expiring` keeps those expiring within the window; the CSV is RFC 4180 with a header and no
//! cell a spreadsheet would run as a formula; a confidential request's row names no customer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::cli::{self, run};
use std::path::PathBuf;

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use steward_core::model::{IssueIid, IssueState, ProjectId, UserId};
use steward_sim::{IssueChange, NewIssue, SimConfig, SimHandle, TeamSeedOptions};

const APPROVAL: &str = include_str!("../data/requests/customer-reference-approval--clean.md");
const CALENDAR: &str = include_str!("../../rules/calendar.yaml");
const TOKEN: &str = "glpat-approvals";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// `approvals.default_validity_days` as `rules/calendar.yaml` sets it.
fn default_validity_days() -> i64 {
    let at = CALENDAR
        .find("default_validity_days:")
        .expect("calendar sets it");
    let rest = &CALENDAR[at + "default_validity_days:".len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

fn steward(w: &World, args: &[&str]) -> Command {
    let mut all = vec!["approvals"];
    all.extend_from_slice(args);
    cli::steward(&w.sim, TOKEN, w.project.0, &w.db, &w.clock, &all)
}

struct World {
    sim: SimHandle,
    project: ProjectId,
    requester: UserId,
    team: UserId,
    db: PathBuf,
    clock: PathBuf,
}

/// One approval request as a requester fills it in.
struct Filed<'a> {
    customer: &'a str,
    approved: Option<&'a str>,
    expires: Option<&'a str>,
    scope: &'a str,
    confidential: bool,
    /// `Some(label)`: closed with that outcome; `None`: left open.
    outcome: Option<&'a str>,
}

impl World {
    fn file(&self, f: &Filed<'_>) -> IssueIid {
        let mut body = APPROVAL.replace("Northwind Logistics", f.customer);
        body.push_str(&format!(
            "**Approval date:** {} <!-- steward:field key=approval_date type=date -->\n\
             **Approval scope:** {} <!-- steward:field key=approval_scope type=text -->\n\
             **Approval expires:** {} <!-- steward:field key=approval_expiry type=date -->\n",
            f.approved.unwrap_or("YYYY-MM-DD"),
            f.scope,
            f.expires.unwrap_or("YYYY-MM-DD"),
        ));
        let iid = self
            .sim
            .create_issue(
                self.project,
                self.requester,
                NewIssue {
                    title: format!("Logo approval {}", f.customer),
                    description: body,
                    confidential: f.confidential,
                    created_at: Some(at("2026-10-01T10:00:00Z")),
                    ..NewIssue::default()
                },
            )
            .unwrap();
        if let Some(outcome) = f.outcome {
            self.sim
                .update_issue(
                    self.project,
                    iid,
                    self.team,
                    IssueChange {
                        add_labels: vec![outcome.to_owned()],
                        state: Some(IssueState::Closed),
                        ..IssueChange::default()
                    },
                )
                .unwrap();
        }
        iid
    }
}

/// RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => {
                assert!(cell.is_empty(), "a quote inside an unquoted field: {text}");
                quoted = true;
            }
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(!quoted, "unterminated quote: {text}");
    assert!(
        cell.is_empty() && row.is_empty(),
        "no final newline: {text}"
    );
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_approvals_are_listed_filtered_by_expiry_and_exported_as_safe_csv() {
    // Monday 2027-01-04: `--expiring 30d` reaches 2027-02-03.
    let now = at("2027-01-04T15:00:00Z");
    let sim = steward_sim::Simulator::start(SimConfig::default())
        .await
        .unwrap();
    sim.set_now(now);
    let seed = steward_sim::seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: TOKEN.into(),
            hook: None,
        },
    )
    .unwrap();
    let clock = steward::harness::unique_temp_file("steward-approvals", "now");
    std::fs::write(&clock, now.to_rfc3339()).unwrap();
    let w = World {
        sim,
        project: seed.project,
        requester: seed.user("asales").unwrap(),
        team: seed.user("nsmith").unwrap(),
        db: steward::harness::unique_temp_file("steward-approvals", "db"),
        clock,
    };
    let accepted = Some("outcome::accepted");
    let filed = |customer, approved, expires, scope, outcome| Filed {
        customer,
        approved,
        expires,
        scope,
        confidential: false,
        outcome,
    };
    // Inside the window (stated expiry); its name a formula, its scope with a comma and quotes.
    let soon = w.file(&filed(
        "=HYPERLINK(\"https://evil.example/x\",\"Acme\")",
        Some("2026-01-21"),
        Some("2027-01-20"),
        "Logo on website, \"quote\" in deck",
        accepted,
    ));
    // Outside the window (stated expiry).
    let later = w.file(&filed(
        "+Initech Plc",
        Some("2026-06-01"),
        Some("2027-06-30"),
        "@SUM(1+1) logo wall",
        accepted,
    ));
    // No stated expiry: the default validity from the approval date, inside the window.
    let validity = default_validity_days();
    let approved = now.date_naive() - chrono::Duration::days(validity) + chrono::Duration::days(10);
    let approved_text = approved.to_string();
    let defaulted = w.file(&filed(
        "-Umbrella Corp",
        Some(&approved_text),
        None,
        "Name in press release",
        accepted,
    ));
    let defaulted_expires = approved + chrono::Duration::days(validity);
    // Expired already; declined; still open: none is referenceable now.
    let expired = w.file(&filed(
        "Hooli",
        Some("2025-01-10"),
        Some("2026-12-01"),
        "Logo",
        accepted,
    ));
    w.file(&filed(
        "Declined Co",
        Some("2026-06-01"),
        Some("2027-01-15"),
        "Logo",
        Some("outcome::declined"),
    ));
    w.file(&filed(
        "Still Open Ltd",
        Some("2026-06-01"),
        Some("2027-01-15"),
        "Logo",
        None,
    ));
    // Confidential and accepted: listed, without its customer, scope or source.
    let secret = w.file(&Filed {
        confidential: true,
        ..filed(
            "Zanzibar Secret Holdings",
            Some("2026-03-01"),
            Some("2027-09-01"),
            "Zanzibar keynote",
            accepted,
        )
    });
    // The request's URL, as the last column shows it (`…/-/issues/7`, never a prefix of #70's).
    let url = |iid: IssueIid| format!("/-/issues/{iid}");

    // The table: accepted, not expired, oldest request first.
    let (code, out, err) = run(steward(&w, &[])).await;
    assert_eq!(code, Some(0), "{out}{err}");
    let listed: Vec<IssueIid> = [soon, later, defaulted, expired, secret]
        .into_iter()
        .filter(|&i| out.lines().any(|l| l.ends_with(&url(i))))
        .collect();
    assert_eq!(listed, [soon, later, defaulted, secret], "{out}");
    assert!(
        !out.contains("Declined Co") && !out.contains("Still Open"),
        "{out}"
    );
    assert!(!out.contains("Zanzibar"), "confidential: {out}");
    let line = |iid: IssueIid| {
        out.lines()
            .find(|l| l.ends_with(&url(iid)))
            .unwrap_or_else(|| panic!("#{iid}:\n{out}"))
            .to_owned()
    };
    assert!(line(soon).contains("2027-01-20  stated"), "{out}");
    assert!(line(soon).contains("expiring"), "{out}");
    assert!(line(later).contains("valid"), "{out}");
    assert!(
        line(defaulted).contains(&format!("{defaulted_expires}  default validity")),
        "{out}"
    );
    assert!(line(secret).starts_with("(confidential)"), "{out}");

    // --include-expired adds the expired one.
    let (code, out, err) = run(steward(&w, &["--include-expired"])).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&url(expired)) && out.contains("expired"),
        "{out}"
    );

    // --expiring 30d, as CSV: the stated expiry inside the window and the defaulted one; not
    // the one outside, the expired one or the confidential one.
    let (code, out, err) = run(steward(&w, &["--expiring", "30d", "--format", "csv"])).await;
    assert_eq!(code, Some(0), "{out}{err}");
    let rows = parse_csv(&out);
    assert_eq!(
        rows[0],
        [
            "customer",
            "scope",
            "source",
            "approval_date",
            "expires",
            "expiry_from",
            "status",
            "issue_url"
        ],
        "{out}"
    );
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows.iter().all(|r| r.len() == 8), "{out}");
    assert_eq!(
        rows[1][..7],
        [
            "'=HYPERLINK(\"https://evil.example/x\",\"Acme\")",
            "Logo on website, \"quote\" in deck",
            "Contract / order form",
            "2026-01-21",
            "2027-01-20",
            "stated",
            "expiring",
        ],
        "{out}"
    );
    assert!(
        rows[1][7].starts_with("http") && rows[1][7].ends_with(&url(soon)),
        "{out}"
    );
    assert_eq!(rows[2][0], "'-Umbrella Corp", "{out}");
    assert_eq!(
        rows[2][3..7],
        [
            approved_text.as_str(),
            &defaulted_expires.to_string(),
            "default validity",
            "expiring"
        ]
    );
    assert!(rows[2][7].ends_with(&url(defaulted)), "{out}");

    // Every listed approval as CSV: no cell a spreadsheet would run as a formula.
    let (code, out, err) = run(steward(&w, &["--format", "csv", "--include-expired"])).await;
    assert_eq!(code, Some(0), "{out}{err}");
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), 6, "header and five approvals:\n{out}");
    let order: Vec<bool> = [soon, later, defaulted, expired, secret]
        .iter()
        .zip(&rows[1..])
        .map(|(&iid, r)| r[7].ends_with(&url(iid)))
        .collect();
    assert_eq!(order, [true; 5], "oldest request first:\n{out}");
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a formula cell: {cell:?}\n{out}"
        );
    }
    let initech = rows.iter().find(|r| r[7].ends_with(&url(later))).unwrap();
    assert_eq!(
        initech[..2],
        ["'+Initech Plc", "'@SUM(1+1) logo wall"],
        "{out}"
    );
    let hidden = rows.iter().find(|r| r[7].ends_with(&url(secret))).unwrap();
    assert_eq!(hidden[..3], ["(confidential)", "", ""], "{out}");

    // Unusable arguments: exit 2 and what to write instead.
    let (code, _, err) = run(steward(&w, &["--expiring", "soon"])).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--expiring 30d"), "{err}");
    let (code, _, err) = run(steward(&w, &["--format", "xlsx"])).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("use `table` or `csv`"), "{err}");

    w.sim.shutdown().await.unwrap();
    for p in [&w.db, &w.clock] {
        let _ = std::fs::remove_file(p);
    }
}
