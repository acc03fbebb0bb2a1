//! `steward sweep` and `steward digest` from the command line, against an in-process simulator:
//! `--dry-run` prints what would change and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use steward_sim::{Faults, NewIssue, RefusedNotes, SimConfig, TeamSeedOptions};

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

fn steward(
    sim_url: &str,
    project: u64,
    db: &std::path::Path,
    config: &std::path::Path,
    args: &[&str],
) -> Command {
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
        .arg("--config")
        .arg(config)
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_and_digest_dry_runs_print_changes_and_write_nothing() {
    let sim = steward_sim::Simulator::start(SimConfig::default())
        .await
        .unwrap();
    // The simulator stamps the issue in the week the digest is asked for, whatever today is.
    sim.set_now(
        chrono::DateTime::parse_from_rfc3339("2026-11-25T15:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    let seed = steward_sim::seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: "glpat-cli".into(),
            hook: None,
        },
    )
    .unwrap();
    let requester = seed.user("asales").unwrap();
    sim.create_issue(
        seed.project,
        requester,
        NewIssue {
            title: "Customer speaker for World Tour Chicago".into(),
            description: SPEAKER.to_owned(),
            // Filed during the digest's week (2026-W48), whatever today's date.
            created_at: Some(
                chrono::DateTime::parse_from_rfc3339("2026-11-24T15:00:00Z")
                    .unwrap()
                    .with_timezone(&chrono::Utc),
            ),
            ..NewIssue::default()
        },
    )
    .unwrap();
    let db = steward::harness::unique_temp_file("steward-cli", "db");
    let config = steward::harness::unique_temp_file("steward-cli", "yaml");
    let epic = &seed.epics["speaker"];
    std::fs::write(
        &config,
        format!(
            "digest:\n  post_to:\n    speaker: {{ epic: {{ group: {}, epic_iid: {} }} }}\n",
            seed.group.0, epic.iid
        ),
    )
    .unwrap();
    let url = sim.base_url();
    let project = seed.project.0;
    sim.reset_counters();

    let (db2, config2, url2) = (db.clone(), config.clone(), url.clone());
    let out = tokio::task::spawn_blocking(move || {
        steward(
            &url2,
            project,
            &db2,
            &config2,
            &["sweep", "--full", "--dry-run"],
        )
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("+ label advocacy-program::speaker"), "{text}");
    assert!(text.contains("1 would change"), "{text}");
    assert_eq!(sim.counters().writes, 0, "a dry run writes nothing");

    // Without --dry-run the sweep applies the rules.
    let (db2, config2, url2) = (db.clone(), config.clone(), url.clone());
    let out = tokio::task::spawn_blocking(move || {
        steward(&url2, project, &db2, &config2, &["sweep", "--full"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let issue = sim
        .issue(seed.project, steward_core::model::IssueIid(1))
        .unwrap();
    assert!(
        issue
            .labels
            .iter()
            .any(|l| l.as_str() == "advocacy-program::speaker")
    );
    let writes = sim.counters().writes;

    let (db2, config2, url2) = (db.clone(), config.clone(), url.clone());
    let out = tokio::task::spawn_blocking(move || {
        steward(
            &url2,
            project,
            &db2,
            &config2,
            &["digest", "--dry-run", "--week", "2026-W48"],
        )
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("<!-- steward:digest:2026-W48 -->"), "{text}");
    assert!(text.contains("World Tour Chicago"), "{text}");
    // Every program's digest is previewed, the ones not posted anywhere marked as such.
    let programs = steward_core::digest::Programs::from_yaml(
        "rules/programs.yaml",
        include_str!("../../rules/programs.yaml"),
    )
    .unwrap();
    for program in programs.iter() {
        let heading = format!("## {} — weekly digest 2026-W48", program.title);
        assert!(text.contains(&heading), "{heading} missing:\n{text}");
    }
    // Every program's digest and the roll-up of every program, each with the week's marker.
    assert!(
        text.contains("## Roll-up of every program — 2026-W48"),
        "{text}"
    );
    assert!(
        text.contains("(roll-up: not posted; set digest.rollup_to to post it)"),
        "{text}"
    );
    assert_eq!(
        text.matches("<!-- steward:digest:2026-W48 -->").count(),
        programs.len() + 1,
        "{text}"
    );
    assert!(
        text.contains("(press: not posted; set digest.post_to.press to post it)"),
        "{text}"
    );
    assert!(!text.contains("(speaker: not posted"), "{text}");
    assert_eq!(sim.counters().writes, writes, "a dry run posts nothing");
    assert!(sim.epic_notes(seed.group, epic.id).is_empty());

    sim.shutdown().await.unwrap();
    for p in [&db, &config] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn a_bad_week_is_refused_with_the_expected_format() {
    let out = Command::cargo_bin("steward")
        .unwrap()
        .args(["digest", "--dry-run", "--week", "48"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-W48"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_waits_out_a_429_on_the_first_post_and_posts_every_program() {
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
    let db = steward::harness::unique_temp_file("steward-cli-429", "db");
    let config = steward::harness::unique_temp_file("steward-cli-429", "yaml");
    let mut yaml = "digest:\n  post_to:\n".to_owned();
    let mut epics = Vec::new();
    for (program, epic) in &seed.epics {
        yaml.push_str(&format!(
            "    {program}: {{ epic: {{ group: {}, epic_iid: {} }} }}\n",
            seed.group.0, epic.iid
        ));
        epics.push((program.clone(), epic.id));
    }
    assert!(epics.len() > 1, "several programs: {epics:?}");
    std::fs::write(&config, yaml).unwrap();
    // GitLab's note limit is hit on the first post: 429 with Retry-After.
    sim.set_faults(Faults {
        refused_notes: Some(RefusedNotes {
            count: 1,
            retry_after_secs: 1,
        }),
        ..Faults::default()
    });

    let (db2, config2, url) = (db.clone(), config.clone(), sim.base_url());
    let project = seed.project.0;
    let out = tokio::task::spawn_blocking(move || {
        steward(
            &url,
            project,
            &db2,
            &config2,
            &["digest", "--week", "2026-W48"],
        )
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    let (text, errors) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{text}{errors}");
    assert!(errors.contains("429"), "{errors}");
    assert!(errors.contains("trying again in"), "{errors}");
    for (program, epic_id) in &epics {
        let digests: Vec<_> = sim
            .epic_notes(seed.group, *epic_id)
            .into_iter()
            .filter(|n| n.body.contains("<!-- steward:digest:2026-W48 -->"))
            .collect();
        assert_eq!(digests.len(), 1, "{program}: {text}{errors}");
        assert!(
            text.contains(&format!("{program} 2026-W48: posted")),
            "{text}"
        );
    }
    sim.shutdown().await.unwrap();
    for p in [&db, &config] {
        let _ = std::fs::remove_file(p);
    }
}
