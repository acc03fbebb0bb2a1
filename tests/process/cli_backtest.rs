//! `steward backtest` as a user runs it, against an in-process simulator: candidate rules with
//! errors get `steward check`'s `file:line:col` errors and GitLab is not read; a candidate
//! lead time reports the request it would no longer flag, in the documented JSON shape, with
//! the API calls counted and nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::cli::{self, run};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{DateTime, Duration, Utc};
use steward_sim::{NewIssue, SimConfig, SimHandle, TeamSeedOptions};

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");
const TOKEN: &str = "glpat-backtest";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory, a file in it and the replacements made in that file.
type Edit<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// A copy of the shipped `rules/` and `issue_templates/` with the speaker lead time `days`.
fn candidate(tag: &str, days: u32) -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("steward-backtest-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mut out = Vec::new();
    let day = format!("{days}-day");
    let days_text = format!("{days} days");
    let minimum = format!("minimum: {days},");
    let edits: [Edit<'_>; 2] = [
        ("rules", "speaker.yaml", vec![("minimum: 60,", &minimum)]),
        (
            "issue_templates",
            "customer-speaker-request.md",
            vec![("60 days", &days_text), ("60-day", &day)],
        ),
    ];
    for (from, file, replace) in edits {
        let dir = base.join(from);
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(root().join(from)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap();
            let text = std::fs::read_to_string(&p).unwrap();
            let text = if name == file {
                replace.iter().fold(text, |t, (a, b)| t.replace(a, b))
            } else {
                text
            };
            std::fs::write(dir.join(name), text).unwrap();
        }
        out.push(dir);
    }
    (out[0].clone(), out[1].clone())
}

fn steward(sim: &SimHandle, project: u64, db: &Path, clock: &Path, args: &[&str]) -> Command {
    cli::steward(sim, TOKEN, project, db, clock, args)
}

struct World {
    sim: SimHandle,
    project: u64,
    requester: steward_core::model::UserId,
    db: PathBuf,
    clock: PathBuf,
}

async fn world(tag: &str, now: DateTime<Utc>) -> World {
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
    let clock = steward::harness::unique_temp_file(&format!("steward-backtest-{tag}"), "now");
    std::fs::write(&clock, now.to_rfc3339()).unwrap();
    World {
        sim,
        project: seed.project.0,
        requester: seed.user("asales").unwrap(),
        db: steward::harness::unique_temp_file(&format!("steward-backtest-{tag}"), "db"),
        clock,
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidate_rules_with_errors_get_the_errors_check_prints_and_gitlab_is_not_read() {
    let w = world("bad", at("2026-12-02T15:00:00Z")).await;
    let (rules, templates) = candidate("bad", 60);
    let path = rules.join("speaker.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("due_date:", "due_dat:", 1)).unwrap();

    let mut check = Command::cargo_bin("steward").unwrap();
    let rules_arg = rules.display().to_string();
    let templates_arg = templates.display().to_string();
    check.args([
        "check",
        "--rules",
        &rules_arg,
        "--templates",
        &templates_arg,
    ]);
    let checked = check.output().unwrap();
    assert_eq!(checked.status.code(), Some(1));
    let check_err = String::from_utf8_lossy(&checked.stderr).into_owned();
    let errors: Vec<&str> = check_err
        .lines()
        .filter(|l| l.contains("speaker.yaml:"))
        .collect();
    assert!(!errors.is_empty(), "{check_err}");

    w.sim.reset_counters();
    let args = [
        "backtest",
        "--rules",
        &rules_arg,
        "--templates",
        &templates_arg,
    ];
    let (code, out, err) = run(steward(&w.sim, w.project, &w.db, &w.clock, &args)).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty(), "{out}");
    for line in &errors {
        assert!(err.lines().any(|l| l == *line), "`{line}` missing:\n{err}");
    }
    assert!(err.contains("nothing was read from GitLab"), "{err}");
    assert_eq!(w.sim.counters().requests_total, 0, "GitLab is not read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_45_day_lead_time_reports_the_request_filed_50_days_ahead_as_json_and_writes_nothing() {
    let now = at("2026-12-02T15:00:00Z");
    let w = world("json", now).await;
    let requester = w.requester;
    let mut iids = Vec::new();
    for (days_ago, lead, confidential) in [(40, 50, false), (30, 70, false), (20, 52, true)] {
        let filed = now - Duration::days(days_ago);
        let event = (filed + Duration::days(lead)).date_naive();
        let iid = w
            .sim
            .create_issue(
                steward_core::model::ProjectId(w.project),
                requester,
                NewIssue {
                    title: format!("Speaker {lead} days ahead"),
                    description: SPEAKER.replace("2027-04-21", &event.to_string()),
                    created_at: Some(filed),
                    confidential,
                    ..NewIssue::default()
                },
            )
            .unwrap();
        iids.push(iid.0);
    }
    let (rules, templates) = candidate("json", 45);
    let (rules, templates) = (rules.display().to_string(), templates.display().to_string());
    let args = [
        "backtest",
        "--rules",
        &rules,
        "--templates",
        &templates,
        "--since",
        "90d",
        "--format",
        "json",
    ];
    // Start-up's own reads (the bot, the roster, the labels) are not the backtest's.
    let (code, out, err) = run(steward(&w.sim, w.project, &w.db, &w.clock, &args)).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("3 issues read (1 list page)"),
        "progress on stderr:\n{err}"
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["issues"], 3);
    assert_eq!(json["pages"], 1);
    assert_eq!(json["changed_issues"], 2);
    assert_eq!(json["summary"]["lead_time"]["creation"], 2);
    let changed = json["changed"].as_array().unwrap();
    let refs: Vec<&str> = changed
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect();
    let p = w.project;
    assert_eq!(
        refs,
        vec![format!("{p}#{}", iids[0]), format!("{p}#{}", iids[2])]
    );
    assert_eq!(changed[0]["title"], "`Speaker 50 days ahead`");
    assert_eq!(changed[1]["title"], serde_json::Value::Null);
    assert_eq!(changed[1]["confidential"], true);
    let lead = changed[0]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["moment"] == "creation" && d["what"] == "lead_time")
        .unwrap();
    assert_eq!(lead["current"], serde_json::json!(["speaker-lead-time"]));
    assert_eq!(lead["candidate"], serde_json::json!([]));
    // One list page: start-up already read the labels and the roster's users (cached).
    assert_eq!(json["api_calls"], 1, "{err}");
    assert!(
        err.contains("done: 3 issues, 1 list page, 1 GitLab API call"),
        "{err}"
    );
    let counters = w.sim.counters();
    assert_eq!(counters.writes, 0, "nothing is written to GitLab");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", w.db.display()));
    }
}

#[test]
fn a_period_that_is_neither_days_nor_a_date_is_refused_with_what_to_write() {
    let out = Command::cargo_bin("steward")
        .unwrap()
        .args(["backtest", "--rules", "rules", "--since", "last quarter"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`last quarter` is neither a number of days (90d) nor a date (2026-09-01)"),
        "{err}"
    );
}
