//! Settings from files and the environment.
use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::time::Duration;
use steward_core::model::ProjectId;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn environment_alone_is_enough_and_defaults_to_embedded_sqlite() {
    let s = Settings::load_with_env(
        None,
        &env(&[
            ("STEWARD_GITLAB_URL", "https://gitlab.example.com/api/v4/"),
            ("STEWARD_GITLAB_TOKEN", "glpat-secret"),
            ("STEWARD_WEBHOOK_SECRETS", "old, new"),
            ("STEWARD_PROJECTS", "7,9"),
        ]),
    )
    .unwrap();
    assert_eq!(s.gitlab.url, "https://gitlab.example.com");
    assert_eq!(s.gitlab.token.expose_secret(), "glpat-secret");
    assert_eq!(s.webhook.secrets.len(), 2);
    assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(s.projects, vec![ProjectId(7), ProjectId(9)]);
    assert!(
        !format!("{s:?}").contains("glpat-secret"),
        "token leaked into Debug"
    );
}

#[test]
fn missing_webhook_secret_is_refused_with_a_hint() {
    let err = Settings::load_with_env(
        None,
        &env(&[
            ("STEWARD_GITLAB_URL", "https://gitlab.com"),
            ("STEWARD_GITLAB_TOKEN", "t"),
        ]),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("webhook.secrets"), "{text}");
    assert!(text.contains("STEWARD_WEBHOOK_SECRETS"), "{text}");
}

#[test]
fn unknown_key_in_the_file_is_reported_with_its_position() {
    let dir = std::env::temp_dir().join(format!("steward-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("steward.yaml");
    std::fs::write(&path, "gitlab:\n  url: https://gitlab.com\n  tokn: x\n").unwrap();
    let err = Settings::load_with_env(Some(&path), &HashMap::new()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("tokn"), "{text}");
    assert!(text.contains("steward.yaml"), "{text}");
}

#[test]
fn file_values_are_overridden_by_the_environment() {
    let dir = std::env::temp_dir().join(format!("steward-config-ovr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("steward.yaml");
    std::fs::write(
        &path,
        "gitlab:\n  url: https://a.example\n  token: t\nwebhook:\n  secrets: [s]\n\
         listen: 0.0.0.0:9000\ndatabase:\n  url: sqlite://x.db\n",
    )
    .unwrap();
    let s = Settings::load_with_env(
        Some(&path),
        &env(&[("STEWARD_DATABASE_URL", "postgres://postgres@127.0.0.1/test")]),
    )
    .unwrap();
    assert_eq!(s.gitlab.url, "https://a.example");
    assert_eq!(s.listen.port(), 9000);
    assert_eq!(s.database_url, "postgres://postgres@127.0.0.1/test");
}

#[test]
fn replicas_can_be_given_a_schema_and_a_short_lease_through_the_environment() {
    let s = Settings::load_with_env(
        None,
        &env(&[
            ("STEWARD_GITLAB_URL", "https://gitlab.com"),
            ("STEWARD_GITLAB_TOKEN", "t"),
            ("STEWARD_WEBHOOK_SECRETS", "s"),
            ("STEWARD_DATABASE_URL", "postgres://postgres@127.0.0.1/test"),
            ("STEWARD_DATABASE_SCHEMA", "steward_a"),
            ("STEWARD_DATABASE_MAX_CONNECTIONS", "3"),
            ("STEWARD_WORKER_LEASE_SECS", "3"),
        ]),
    )
    .unwrap();
    assert_eq!(s.database_schema.as_deref(), Some("steward_a"));
    assert_eq!(s.database_max_connections, 3);
    assert_eq!(s.worker.lease, Duration::from_secs(3));
}

#[test]
fn database_settings_load_without_any_gitlab_settings() {
    let db = DatabaseSettings::load_with_env(
        None,
        &env(&[("STEWARD_DATABASE_URL", "sqlite://x.db?mode=rwc")]),
    )
    .unwrap();
    assert_eq!(db.url, "sqlite://x.db?mode=rwc");
    assert_eq!(db.schema, None);
    assert_eq!(
        DatabaseSettings::load_with_env(None, &HashMap::new())
            .unwrap()
            .url,
        DEFAULT_DATABASE_URL
    );
}

#[test]
fn the_status_section_is_read_from_the_file_with_its_token_file() {
    let dir = std::env::temp_dir().join(format!("steward-status-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token = dir.join("status-token");
    std::fs::write(&token, "9d41c7e2a0b34f6e8c15\n").unwrap();
    let file = dir.join("steward.yaml");
    std::fs::write(
        &file,
        format!(
            "status:\n  listen: 0.0.0.0:8081\n  token_file: {}\n",
            token.display()
        ),
    )
    .unwrap();
    let base = [
        ("STEWARD_GITLAB_URL", "https://gitlab.example.com"),
        ("STEWARD_GITLAB_TOKEN", "t"),
        ("STEWARD_WEBHOOK_SECRETS", "s"),
    ];
    let s = Settings::load_with_env(Some(&file), &env(&base)).unwrap();
    assert_eq!(s.status.listen, Some("0.0.0.0:8081".parse().unwrap()));
    let read = s
        .status
        .token
        .as_ref()
        .map(|t| t.expose_secret().to_owned());
    assert_eq!(read.as_deref(), Some("9d41c7e2a0b34f6e8c15"));
    // An unknown key in the section is refused, naming it.
    std::fs::write(&file, "status:\n  listen: 127.0.0.1:8081\n  password: x\n").unwrap();
    let err = Settings::load_with_env(Some(&file), &env(&base))
        .unwrap_err()
        .to_string();
    assert!(err.contains("password"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
