//! `steward serve` refuses to start with a secret that would let any request in: an empty or
//! whitespace-only webhook secret or signing token, from the settings file or the environment
//! (an empty secret used to make an empty `X-Gitlab-Token` header valid). A short secret starts,
//! with a warning in the log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::cluster;

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use cluster::{Cluster, ReplicaEnv, wait_ready};
use steward_sim::{SimConfig, Simulator, TeamSeedOptions, seed_team_project};

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("steward-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `steward serve` with GitLab settings that would work, the given file and variables; it
/// must stop before it contacts GitLab (the URL points nowhere).
fn serve(config: Option<&PathBuf>, vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::cargo_bin("steward").unwrap();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
        cmd.env_remove(k);
    }
    cmd.arg("serve")
        .env("STEWARD_GITLAB_URL", "http://127.0.0.1:9")
        .env("STEWARD_GITLAB_TOKEN", "glpat-unused")
        .env("STEWARD_DATABASE_URL", "sqlite::memory:")
        .timeout(Duration::from_secs(30));
    if let Some(file) = config {
        cmd.arg("--config").arg(file);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn empty_or_blank_secrets_and_signing_tokens_stop_start_up_from_the_file_and_the_environment() {
    const GOOD: &str = "a-long-enough-webhook-secret";
    // (settings file, variables, what the message must say)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 8] = [
        ("webhook:\n  secrets: [\"\"]\n", &[], "webhook.secrets[0]"),
        (
            "webhook:\n  secrets: [\"   \"]\n",
            &[],
            "webhook.secrets[0]",
        ),
        (
            "webhook:\n  secrets: [a-long-enough-webhook-secret]\n  signing_tokens: [\"\"]\n",
            &[],
            "webhook.signing_tokens[0]",
        ),
        (
            "webhook:\n  signing_tokens: [\"\\t\"]\n",
            &[],
            "webhook.signing_tokens[0]",
        ),
        (
            "",
            &[("STEWARD_WEBHOOK_SECRETS", "")],
            "STEWARD_WEBHOOK_SECRETS",
        ),
        (
            "",
            &[("STEWARD_WEBHOOK_SECRETS", " , ")],
            "STEWARD_WEBHOOK_SECRETS",
        ),
        (
            "",
            &[
                ("STEWARD_WEBHOOK_SECRETS", GOOD),
                ("STEWARD_WEBHOOK_SIGNING_TOKENS", ""),
            ],
            "STEWARD_WEBHOOK_SIGNING_TOKENS",
        ),
        (
            "",
            &[
                ("STEWARD_WEBHOOK_SECRETS", GOOD),
                ("STEWARD_WEBHOOK_SIGNING_TOKENS", " "),
            ],
            "STEWARD_WEBHOOK_SIGNING_TOKENS",
        ),
    ];
    for (i, (file, vars, want)) in cases.into_iter().enumerate() {
        let config = (!file.is_empty()).then(|| temp_file(&format!("case-{i}.yaml"), file));
        let out = serve(config.as_ref(), vars).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "case {i} started: {stderr}");
        let line = stderr
            .lines()
            .find(|l| l.starts_with("steward serve:"))
            .unwrap_or_else(|| panic!("case {i}: no error line in {stderr}"));
        assert!(line.contains(want), "case {i}: {line}");
        assert!(
            line.contains("empty") || line.contains("not a signing token"),
            "case {i}: the message says what is wrong: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_webhook_secret_starts_with_a_warning_that_does_not_show_it() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let seed = seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: "glpat-secrets".to_owned(),
            hook: None,
        },
    )
    .unwrap();
    let mut cluster = Cluster::default();
    let replica = cluster.spawn(
        "short",
        &ReplicaEnv {
            gitlab_url: sim.base_url(),
            token: "glpat-secrets".to_owned(),
            secret: "hunter2".to_owned(),
            database_url: "sqlite::memory:".to_owned(),
            schema: None,
            project: seed.project.0,
            lease_secs: 60,
            concurrency: 1,
            rust_log: "warn",
            settings_file: None,
        },
    );
    wait_ready(replica, Duration::from_secs(30)).await;
    let log = std::fs::read_to_string(&replica.log).unwrap();
    let warning = log
        .lines()
        .find(|l| l.contains("shorter than 16"))
        .unwrap_or_else(|| panic!("no warning about the short secret:\n{log}"));
    assert!(warning.contains("\"WARN\""), "{warning}");
    assert!(!log.contains("hunter2"), "the secret is not logged:\n{log}");
    drop(cluster);
    let _ = sim.shutdown().await;
}
