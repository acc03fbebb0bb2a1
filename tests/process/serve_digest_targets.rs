//! `steward serve` refuses a `digest.post_to` that names a program the rules do not declare,
//! saying which key and the closest declared one, and a `digest.rollup_to` on a program's own
//! target, before it contacts GitLab: either would otherwise only fail (or overwrite a
//! program's digest) on the first Monday, in the digest job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use assert_cmd::Command;

#[test]
fn an_undeclared_program_in_digest_post_to_stops_start_up_with_the_closest_key() {
    let dir = std::env::temp_dir().join(format!("steward-post-to-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("steward.yaml");
    std::fs::write(
        &config,
        "digest:\n  post_to:\n    speakers: { epic: { group: 7, epic_iid: 12 } }\n",
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("steward").unwrap();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env("STEWARD_GITLAB_URL", "http://127.0.0.1:9")
        .env("STEWARD_GITLAB_TOKEN", "glpat-unused")
        .env("STEWARD_WEBHOOK_SECRETS", "a-long-enough-webhook-secret")
        .env("STEWARD_DATABASE_URL", "sqlite::memory:")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "started: {stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("steward serve:"))
        .unwrap_or_else(|| panic!("no error line in {stderr}"));
    assert!(line.contains("digest.post_to.speakers"), "{line}");
    assert!(
        line.contains("`speaker`"),
        "the closest key is named: {line}"
    );
    assert!(
        !stderr.contains("GitLab did not"),
        "GitLab was not contacted: {stderr}"
    );
}

#[test]
fn a_roll_up_on_a_programs_epic_stops_start_up_naming_the_program() {
    let dir = std::env::temp_dir().join(format!("steward-rollup-to-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("steward.yaml");
    std::fs::write(
        &config,
        "digest:\n  post_to:\n    speaker: { epic: { group: 7, epic_iid: 12 } }\n  rollup_to: { epic: { group: 7, epic_iid: 12, api: graphql } }\n",
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("steward").unwrap();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("STEWARD_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env("STEWARD_GITLAB_URL", "http://127.0.0.1:9")
        .env("STEWARD_GITLAB_TOKEN", "glpat-unused")
        .env("STEWARD_WEBHOOK_SECRETS", "a-long-enough-webhook-secret")
        .env("STEWARD_DATABASE_URL", "sqlite::memory:")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "started: {stderr}");
    assert!(stderr.contains("digest.rollup_to"), "{stderr}");
    assert!(
        stderr.contains("the target of `speaker` (digest.post_to.speaker)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("GitLab did not"),
        "GitLab was not contacted: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
