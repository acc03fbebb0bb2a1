//! `steward labels` from the command line, against an in-process simulator: the listing writes
//! nothing, `--apply` creates exactly the missing declared labels, and a second run finds none.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use steward_sim::{SimConfig, Simulator};

fn steward(sim_url: &str, project: u64, db: &std::path::Path, config: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("steward").unwrap();
    cmd.env("STEWARD_GITLAB_URL", sim_url)
        .env("STEWARD_GITLAB_TOKEN", "glpat-labels-cli")
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
        .arg("labels")
        .arg("--config")
        .arg(config)
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_lists_the_missing_declared_labels_and_apply_creates_them_once() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let bot = sim.add_user("steward-bot", "Steward");
    sim.add_token("glpat-labels-cli", bot);
    let project = sim.add_project("customer-advocacy/new-requests");
    sim.add_label(project, "Customer Advocacy", "#6699cc");
    let declared =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/labels.yaml"))
            .unwrap()
            .lines()
            .filter(|l| l.trim_start().starts_with("- { name:"))
            .count();
    let db = steward::harness::unique_temp_file("steward-labels", "db");
    let config = steward::harness::unique_temp_file("steward-labels", "yaml");
    std::fs::write(&config, "{}\n").unwrap();
    let url = sim.base_url();

    let run = |apply: bool| {
        let (url, db, config) = (url.clone(), db.clone(), config.clone());
        let pid = project.0;
        tokio::task::spawn_blocking(move || {
            let mut cmd = steward(&url, pid, &db, &config);
            if apply {
                cmd.arg("--apply");
            }
            cmd.output().unwrap()
        })
    };

    let out = run(false).await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = format!(
        "project {}: {} of {declared} declared labels missing",
        project.0,
        declared - 1
    );
    assert!(text.contains(&header), "{text}");
    assert!(
        text.contains("    lead-time::violated (#d9534f) Filed later than the program's lead time"),
        "{text}"
    );
    assert!(!text.contains("    Customer Advocacy ("), "{text}");
    assert!(text.contains("steward labels --apply"), "{text}");
    assert_eq!(
        sim.project_label_names(project),
        ["Customer Advocacy"],
        "listing wrote nothing"
    );

    let out = run(true).await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.matches(": created").count(), declared - 1, "{text}");
    assert!(
        text.contains("    lead-time::violated (#d9534f): created"),
        "{text}"
    );
    assert_eq!(sim.project_label_names(project).len(), declared);

    let out = run(true).await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "project {}: 0 of {declared} declared labels missing",
            project.0
        )),
        "{text}"
    );
    assert!(!text.contains("created"), "{text}");
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(&config);
}
