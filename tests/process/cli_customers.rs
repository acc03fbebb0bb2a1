//! `steward customers [NAME]` as a user runs it, after `steward sweep --full` has synced
//! requests from an in-process simulator into the store (the clock pinned by
//! `STEWARD_TEST_CLOCK_FILE`): one account written five ways (case, punctuation, a legal suffix,
//! the alias `rules/customers.yaml` declares) is one line with its asks merged across programs;
//! any spelling finds it; an unknown name says so with exit 2; a confidential request adds counts
//! and nothing a requester wrote; a hostile account name comes out on one bounded line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::cli::{self, run};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use steward_core::model::{IssueIid, IssueState, UserId};
use steward_sim::{IssueChange, NewIssue, SimConfig, SimHandle, TeamSeedOptions};

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");
const PRESS: &str = include_str!("../data/requests/customer-press-request--clean.md");
const STORY: &str = include_str!("../data/requests/customer-story-idea--clean.md");
const APPROVAL: &str = include_str!("../data/requests/customer-reference-approval--clean.md");
const TOKEN: &str = "glpat-customers";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn steward(sim: &SimHandle, project: u64, db: &Path, clock: &Path, args: &[&str]) -> Command {
    let mut cmd = cli::steward(sim, TOKEN, project, db, clock, args);
    cmd.env("STEWARD_GITLAB_REQUESTS_PER_MINUTE", "1000000")
        .env("STEWARD_GITLAB_NOTES_PER_MINUTE", "1000000");
    cmd
}

/// `steward customers ARGS` with the shipped configuration directories.
fn customers(w: &World, args: &[&str]) -> Command {
    let rules = root().join("rules").display().to_string();
    let templates = root().join("issue_templates").display().to_string();
    let mut all = vec!["customers", "--rules", &rules, "--templates", &templates];
    all.extend_from_slice(args);
    steward(&w.sim, w.project, &w.db, &w.clock, &all)
}

struct World {
    sim: SimHandle,
    project: u64,
    requester: UserId,
    db: PathBuf,
    clock: PathBuf,
}

impl World {
    fn file(&self, title: &str, body: String, filed: &str, confidential: bool) -> IssueIid {
        self.sim
            .create_issue(
                steward_core::model::ProjectId(self.project),
                self.requester,
                NewIssue {
                    title: title.to_owned(),
                    description: body,
                    confidential,
                    created_at: Some(at(filed)),
                    ..NewIssue::default()
                },
            )
            .unwrap()
    }
}

/// A template body with its customer account replaced.
fn naming(body: &str, from: &str, to: &str) -> String {
    assert!(body.contains(from), "{from} not in the fixture");
    body.replace(from, to)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_customer_written_five_ways_is_one_account_and_the_listing_shows_no_requester_text() {
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
    let clock = steward::harness::unique_temp_file("steward-customers", "now");
    std::fs::write(&clock, now.to_rfc3339()).unwrap();
    let w = World {
        sim,
        project: seed.project.0,
        requester: seed.user("asales").unwrap(),
        db: steward::harness::unique_temp_file("steward-customers", "db"),
        clock,
    };

    // International Business Machines (declared, alias IBM), four programs, five spellings.
    let ibm_speaker = w.file(
        "Speaker from IBM",
        naming(SPEAKER, "Northwind Logistics", "IBM"),
        "2026-12-01T10:00:00Z",
        false,
    );
    let ibm_press = w.file(
        "Press with IBM",
        naming(
            PRESS,
            "Aperture Financial",
            "international business machines, Inc.",
        ),
        "2026-12-15T10:00:00Z",
        false,
    );
    let ibm_approval = w.file(
        "Logo approval",
        // Closed as accepted; the full sweep re-decides closed accepted approvals and records
        // them in the ledger as closed. Its approval expires within the reminder window.
        naming(
            APPROVAL,
            "Northwind Logistics",
            "INTERNATIONAL BUSINESS MACHINES Corp.",
        ) + "**Approval date:** 2026-02-01 <!-- steward:field key=approval_date type=date -->\n\
             **Approval expires:** 2027-01-20 <!-- steward:field key=approval_expiry type=date -->\n",
        "2026-09-01T10:00:00Z",
        false,
    );
    let ibm_secret = w.file(
        "Secret mainframe exit story Zanzibar",
        naming(STORY, "Contoso Bank", "ibm"),
        "2026-12-20T10:00:00Z",
        true,
    );
    // Another account, and one seen on a confidential request only.
    let northwind = w.file(
        "Northwind speaker",
        SPEAKER.to_owned(),
        "2026-11-10T10:00:00Z",
        false,
    );
    let _cyberdyne = w.file(
        "Confidential Cyberdyne story",
        naming(STORY, "Contoso Bank", "Cyberdyne Systems GmbH"),
        "2026-12-10T10:00:00Z",
        true,
    );
    // A hostile account name: mention, quick action, markup, terminal escapes, very long.
    let hostile_name = format!(
        "@all /close **Pwn** <img src=x onerror=alert(1)> [x](javascript:alert(1)) \u{1b}[2J\u{202e}{}",
        "A".repeat(400)
    );
    let _hostile = w.file(
        "Press",
        naming(PRESS, "Aperture Financial", &hostile_name),
        "2026-11-01T10:00:00Z",
        false,
    );
    // The approval was accepted: closed with its program's success outcome.
    w.sim
        .update_issue(
            seed.project,
            ibm_approval,
            seed.user("nsmith").unwrap(),
            IssueChange {
                add_labels: vec!["outcome::accepted".to_owned()],
                state: Some(IssueState::Closed),
                ..IssueChange::default()
            },
        )
        .unwrap();

    let (code, out, err) = run(steward(
        &w.sim,
        w.project,
        &w.db,
        &w.clock,
        &["sweep", "--full"],
    ))
    .await;
    assert_eq!(code, Some(0), "{out}{err}");

    // Every account, most recently asked first, with asks, open and the 90-day count as of
    // the pinned clock (the approval, filed 2026-09-01, is outside the window).
    let (code, out, err) = run(customers(&w, &[])).await;
    assert_eq!(code, Some(0), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("account"), "{out}");
    assert!(lines[0].contains("90d"), "{out}");
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no line for {name}:\n{out}"))
    };
    let ibm = row("International Business Machines");
    assert_eq!(ibm[3..], ["4", "3", "3", "2026-12-20"], "{out}");
    let nw = row("Northwind Logistics");
    assert_eq!(nw[2..], ["1", "1", "1", "2026-11-10"], "{out}");
    let secret = row("(confidential requests only)");
    assert_eq!(secret[3..], ["1", "1", "1", "2026-12-10"], "{out}");
    assert_eq!(
        lines.iter().filter(|l| l.contains("International")).count(),
        1,
        "five spellings, one account:\n{out}"
    );
    assert!(
        lines[1].starts_with("International"),
        "most recent first:\n{out}"
    );
    assert!(out.contains("4 accounts, 7 asks"), "{out}");
    // A confidential request adds counts only: no title, and no account name typed on it.
    for secret in ["Zanzibar", "mainframe", "Cyberdyne", "cyberdyne"] {
        assert!(!out.contains(secret), "{secret} leaked:\n{out}");
    }
    // The hostile name: one line, capped, without the terminal escape or the bidi override.
    let hostile: Vec<&&str> = lines.iter().filter(|l| l.contains("@all")).collect();
    assert_eq!(hostile.len(), 1, "{out}");
    assert!(hostile[0].contains('…'), "capped: {}", hostile[0]);
    assert!(!out.contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "{out}");
    for l in &lines {
        assert!(l.chars().count() <= 80, "unbounded line: {l}");
        assert!(
            !l.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{l:?}"
        );
    }

    // One account under another spelling: its asks across programs, newest first, with state
    // and outcome; the confidential one marked, with nothing it says.
    for spelling in ["ibm corp.", "International Business Machines GmbH"] {
        let (code, out, err) = run(customers(&w, &[spelling])).await;
        assert_eq!(code, Some(0), "{spelling}: {out}{err}");
        let rows: Vec<&str> = out.lines().collect();
        assert_eq!(rows.len(), 4, "{spelling}:\n{out}");
        let expect = [
            (ibm_secret, "story", "2026-12-20", "open", "—", true),
            (ibm_press, "press", "2026-12-15", "open", "—", false),
            (ibm_speaker, "speaker", "2026-12-01", "open", "—", false),
            (
                ibm_approval,
                "reference",
                "2026-09-01",
                "closed",
                "outcome::accepted",
                false,
            ),
        ];
        for (line, (iid, program, date, state, outcome, confidential)) in rows.iter().zip(expect) {
            let cells: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cells[2], format!("#{}", iid.0), "{line}");
            assert_eq!(cells[3..7], [program, date, state, outcome], "{line}");
            assert_eq!(line.ends_with("(confidential)"), confidential, "{line}");
        }
        assert!(
            !out.contains("Zanzibar") && !out.contains("mainframe"),
            "{out}"
        );
        assert!(!out.contains(&format!("#{}", northwind.0)), "{out}");
    }

    // An account nobody asked for, and a placeholder: exit 2 and a message that says what
    // to do; nothing on stdout.
    let (code, out, err) = run(customers(&w, &["Globex Corporation"])).await;
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("no asks recorded for `Globex Corporation`")
            && err.contains("`steward customers` lists every account"),
        "{err}"
    );
    let (code, _, err) = run(customers(&w, &["TBD"])).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is not an account name"), "{err}");

    w.sim.shutdown().await.unwrap();
    for p in [&w.db, &w.clock] {
        let _ = std::fs::remove_file(p);
    }
}
