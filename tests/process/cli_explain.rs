//! `steward explain` from the command line, against an in-process simulator: after a sweep has
//! applied the rules, each label says which rule set it and nothing would change; after someone
//! removes one of Steward's labels, the dry run says it would add it back, and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use steward_sim::{IssueChange, NewIssue, SimConfig, TeamSeedOptions};

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

fn steward(sim_url: &str, project: u64, db: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("steward").unwrap();
    cmd.env("STEWARD_GITLAB_URL", sim_url)
        .env("STEWARD_GITLAB_TOKEN", "glpat-cli")
        .env("STEWARD_WEBHOOK_SECRETS", "unused")
        .env("STEWARD_PROJECTS", project.to_string())
        .env(
            "STEWARD_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env(
            "STEWARD_RULES_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/rules"),
        )
        .env(
            "STEWARD_TEMPLATES_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/issue_templates"),
        )
        .args(args)
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

async fn run(cmd: Command) -> (bool, String, String) {
    let mut cmd = cmd;
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_traces_each_label_to_its_rule_and_dry_runs_what_would_change() {
    let sim = steward_sim::Simulator::start(SimConfig::default())
        .await
        .unwrap();
    let seed = steward_sim::seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: "glpat-cli".into(),
            hook: None,
        },
    )
    .unwrap();
    let requester = seed.user("asales").unwrap();
    let iid = sim
        .create_issue(
            seed.project,
            requester,
            NewIssue {
                title: "Customer speaker for World Tour Chicago".into(),
                description: SPEAKER.to_owned(),
                ..NewIssue::default()
            },
        )
        .unwrap();
    let db = steward::harness::unique_temp_file("steward-explain", "db");
    let (url, project) = (sim.base_url(), seed.project.0);
    let (ok, _, err) = run(steward(&url, project, &db, &["sweep", "--full"])).await;
    assert!(ok, "{err}");
    let reference = format!("{project}#{iid}");

    let (ok, text, err) = run(steward(&url, project, &db, &["explain", &reference])).await;
    assert!(ok, "{err}");
    assert!(
        text.contains("Customer speaker for World Tour Chicago"),
        "{text}"
    );
    let speaker_row = text
        .lines()
        .find(|l| l.contains("advocacy-program::speaker"))
        .unwrap_or_else(|| panic!("no row for the program label:\n{text}"));
    assert!(
        speaker_row.trim_start().starts_with("label"),
        "{speaker_row}"
    );
    // The rules of the write that set it (the write applied several rules' changes at once).
    assert!(
        speaker_row.contains("by rule ") && speaker_row.contains("intake-speaker"),
        "{speaker_row}"
    );
    assert!(
        text.contains("issue.edit"),
        "the audit log is listed:\n{text}"
    );
    let (_, would) = text.split_once("Would change now").unwrap();
    assert!(would.contains("nothing"), "{text}");

    // Someone removes Steward's program label (no webhook reaches Steward).
    let issue = sim.issue(seed.project, iid).unwrap();
    let kept: Vec<String> = issue
        .labels
        .iter()
        .map(|l| l.to_string())
        .filter(|l| l != "advocacy-program::speaker")
        .collect();
    sim.update_issue(
        seed.project,
        iid,
        requester,
        IssueChange {
            labels: Some(kept),
            ..IssueChange::default()
        },
    )
    .unwrap();
    // The issue's URL (as GitLab shows it) works as well as PROJECT#IID.
    let web_url = reqwest::Client::new()
        .get(format!("{url}/api/v4/projects/{project}/issues/{iid}"))
        .header("PRIVATE-TOKEN", "glpat-cli")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["web_url"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.reset_counters();
    let (ok, text, err) = run(steward(&url, project, &db, &["explain", &web_url])).await;
    assert!(ok, "{err}");
    let (_, would) = text.split_once("Would change now").unwrap();
    assert!(
        would.contains("add label advocacy-program::speaker"),
        "{text}"
    );
    assert_eq!(sim.counters().writes, 0, "explain writes nothing to GitLab");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn explain_refuses_a_reference_that_is_not_one_and_says_what_to_write() {
    let out = Command::cargo_bin("steward")
        .unwrap()
        .args(["explain", "the speaker one"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`the speaker one` is not an issue reference"),
        "{err}"
    );
    assert!(err.contains("PROJECT#IID"), "{err}");
}
