//! The `steward` binary as the command-line tests run it: against a simulator, a SQLite file
//! and a pinned clock file, with the shipped rules and templates.

use std::path::Path;

use assert_cmd::Command;
use steward_sim::SimHandle;

/// `steward ARGS` configured for `project` on `sim` (token `token`), the SQLite file `db` and
/// the clock file `clock`.
pub fn steward(
    sim: &SimHandle,
    token: &str,
    project: u64,
    db: &Path,
    clock: &Path,
    args: &[&str],
) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::cargo_bin("steward").unwrap();
    cmd.env("STEWARD_GITLAB_URL", sim.base_url())
        .env("STEWARD_GITLAB_TOKEN", token)
        .env("STEWARD_WEBHOOK_SECRETS", "unused")
        .env("STEWARD_PROJECTS", project.to_string())
        .env(
            "STEWARD_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env("STEWARD_RULES_DIR", root.join("rules"))
        .env("STEWARD_TEMPLATES_DIR", root.join("issue_templates"))
        .env("STEWARD_TEST_CLOCK_FILE", clock)
        .args(args)
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

/// Runs `cmd` off the async runtime: exit code, stdout, stderr.
pub async fn run(cmd: Command) -> (Option<i32>, String, String) {
    let mut cmd = cmd;
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
