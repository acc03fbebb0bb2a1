//! Service settings: one YAML file plus `STEWARD_*` environment variables, read once at start-up.
//!
//! Secrets are kept as [`SecretString`] and never printed. Nothing else in the crate reads the
//! environment; everything downstream receives a [`Settings`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use steward_core::model::ProjectId;

mod webhook;

pub use webhook::{MIN_SECRET_CHARS, WebhookSettings, signing_key};

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default database: an embedded SQLite file next to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://steward.db?mode=rwc";
/// Default database pool size.
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 8;
/// Default rules directory (relative to the working directory).
pub const DEFAULT_RULES_DIR: &str = "rules";
/// Default templates directory (relative to the working directory).
pub const DEFAULT_TEMPLATES_DIR: &str = "issue_templates";
/// Default GitLab request budget per minute (below GitLab.com's 2,000).
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 1_800;
/// Default GitLab note-creation budget per minute (below GitLab.com's 60).
pub const DEFAULT_NOTES_PER_MINUTE: u32 = 50;
/// Default timeout of one GitLab API call.
pub const DEFAULT_GITLAB_TIMEOUT: Duration = Duration::from_secs(15);
/// Default number of jobs processed concurrently.
pub const DEFAULT_WORKER_CONCURRENCY: usize = 4;
/// Default job lease.
pub const DEFAULT_WORKER_LEASE: Duration = Duration::from_secs(60);
/// Default attempts before a job is dead-lettered.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// A configuration problem, said so that the operator can fix it.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What serde-saphyr reported (with line and column).
        message: String,
    },
    /// An environment variable has a value that cannot be used.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A required setting is missing or a setting is invalid.
    #[error("setting `{key}`: {message}")]
    Invalid {
        /// The setting's path in the file (`gitlab.url`).
        key: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// The raw file format (`steward.yaml`). Every key is optional; environment variables override.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    gitlab: RawGitLab,
    #[serde(default)]
    webhook: webhook::RawWebhook,
    #[serde(default)]
    database: RawDatabase,
    listen: Option<String>,
    rules_dir: Option<PathBuf>,
    templates_dir: Option<PathBuf>,
    #[serde(default)]
    projects: Vec<u64>,
    #[serde(default)]
    worker: RawWorker,
    /// Cron schedules; absent: the shipped ones in the team's time zone.
    #[serde(default)]
    schedules: Option<Vec<crate::schedule::RawSchedule>>,
    /// Weekly digests; absent: none.
    #[serde(default)]
    digest: Option<steward_core::digest::DigestConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGitLab {
    url: Option<String>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    requests_per_minute: Option<u32>,
    notes_per_minute: Option<u32>,
    timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: Option<String>,
    max_connections: Option<u32>,
    schema: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorker {
    concurrency: Option<usize>,
    lease_secs: Option<u64>,
    max_attempts: Option<u32>,
}

/// GitLab connection settings.
#[derive(Debug, Clone)]
pub struct GitLabSettings {
    /// Base URL of the instance, e.g. `https://gitlab.com` (without `/api/v4`).
    pub url: String,
    /// API token (a project or group access token's bot user is recommended).
    pub token: SecretString,
    /// Outgoing request budget per minute (GitLab.com allows 2,000; GITLAB.md §3.6).
    pub requests_per_minute: u32,
    /// Outgoing note-creation budget per minute (GitLab.com allows 60; GITLAB.md §3.2).
    pub notes_per_minute: u32,
    /// Timeout of one API call.
    pub timeout: Duration,
}

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Jobs processed concurrently by this process.
    pub concurrency: usize,
    /// How long a claimed job stays leased before another worker may take it.
    pub lease: Duration,
    /// Attempts before a job is dead-lettered.
    pub max_attempts: u32,
}

impl GitLabSettings {
    /// The instance at `url` with `token` and the shipped budgets and timeout.
    pub fn new(url: impl Into<String>, token: SecretString) -> Self {
        Self {
            url: url.into(),
            token,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            notes_per_minute: DEFAULT_NOTES_PER_MINUTE,
            timeout: DEFAULT_GITLAB_TIMEOUT,
        }
    }
}

impl Default for WorkerSettings {
    /// The shipped worker settings.
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_WORKER_CONCURRENCY,
            lease: DEFAULT_WORKER_LEASE,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// Everything `steward serve` needs, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// GitLab connection.
    pub gitlab: GitLabSettings,
    /// Webhook receiver.
    pub webhook: WebhookSettings,
    /// Database URL (`sqlite://…` or `postgres://…`).
    pub database_url: String,
    /// Database pool size.
    pub database_max_connections: u32,
    /// PostgreSQL only: the schema holding Steward's tables (`None`: the server's search path).
    pub database_schema: Option<String>,
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// Directory of rule files, roster and calendar.
    pub rules_dir: PathBuf,
    /// Directory of description templates.
    pub templates_dir: PathBuf,
    /// Projects served (empty: every project that sends webhooks).
    pub projects: Vec<ProjectId>,
    /// Worker settings.
    pub worker: WorkerSettings,
    /// Cron schedules as written; `None` means the shipped ones in the team's time zone
    /// (resolved once the calendar is loaded).
    pub schedules: Option<Vec<crate::schedule::Schedule>>,
    /// Weekly digest configuration.
    pub digest: Option<steward_core::digest::DigestConfig>,
}

impl Settings {
    /// The settings of a service on `gitlab` receiving webhooks as `webhook`, with every other
    /// setting at the value a settings file that leaves it out gets.
    pub fn new(gitlab: GitLabSettings, webhook: WebhookSettings) -> Self {
        Self {
            gitlab,
            webhook,
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            database_max_connections: DEFAULT_DATABASE_MAX_CONNECTIONS,
            database_schema: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            rules_dir: PathBuf::from(DEFAULT_RULES_DIR),
            templates_dir: PathBuf::from(DEFAULT_TEMPLATES_DIR),
            projects: Vec::new(),
            worker: WorkerSettings::default(),
            schedules: None,
            digest: None,
        }
    }

    /// Reads the optional file, then applies the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let env: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("STEWARD_"))
            .collect();
        Self::load_with_env(file, &env)
    }

    /// Reads the optional file, then applies `env` (the `STEWARD_*` variables).
    pub fn load_with_env(
        file: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        Self::from_raw(read_raw(file)?, env)
    }

    fn from_raw(raw: RawSettings, env: &HashMap<String, String>) -> Result<Self, SettingsError> {
        let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();

        let url = get("STEWARD_GITLAB_URL")
            .or(raw.gitlab.url)
            .ok_or_else(|| SettingsError::Invalid {
                key: "gitlab.url".into(),
                message:
                    "missing: set it in the file or STEWARD_GITLAB_URL (e.g. https://gitlab.com)"
                        .into(),
            })?;
        let url = url
            .trim_end_matches('/')
            .trim_end_matches("/api/v4")
            .to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(SettingsError::Invalid {
                key: "gitlab.url".into(),
                message: format!("`{url}` is not an http(s) URL"),
            });
        }

        let token_file = get("STEWARD_GITLAB_TOKEN_FILE")
            .map(PathBuf::from)
            .or(raw.gitlab.token_file);
        let token = match (get("STEWARD_GITLAB_TOKEN").or(raw.gitlab.token), token_file) {
            (Some(t), _) => t,
            (None, Some(path)) => std::fs::read_to_string(&path)
                .map_err(|e| SettingsError::Invalid {
                    key: "gitlab.token_file".into(),
                    message: format!("cannot read {}: {e}", path.display()),
                })?
                .trim()
                .to_owned(),
            (None, None) => {
                return Err(SettingsError::Invalid {
                    key: "gitlab.token".into(),
                    message: "missing: set gitlab.token_file, STEWARD_GITLAB_TOKEN_FILE or \
                              STEWARD_GITLAB_TOKEN (an access token with the `api` scope)"
                        .into(),
                });
            }
        };

        if token.trim().is_empty() {
            return Err(SettingsError::Invalid {
                key: "gitlab.token".into(),
                message: "is empty or only whitespace (from gitlab.token, gitlab.token_file or \
                          STEWARD_GITLAB_TOKEN): set the bot's access token"
                    .into(),
            });
        }

        let webhook = webhook::from_raw(raw.webhook, env)?;

        let listen_text = get("STEWARD_LISTEN")
            .or(raw.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen_text.parse().map_err(|_| SettingsError::Invalid {
            key: "listen".into(),
            message: format!("`{listen_text}` is not an address like 0.0.0.0:8080"),
        })?;

        let database = DatabaseSettings::from_raw(raw.database, env)?;
        let projects = match get("STEWARD_PROJECTS") {
            Some(text) => text
                .split(',')
                .map(|p| {
                    p.trim()
                        .parse::<u64>()
                        .map(ProjectId)
                        .map_err(|_| SettingsError::Env {
                            name: "STEWARD_PROJECTS".into(),
                            message: format!("`{p}` is not a numeric project id"),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => raw.projects.into_iter().map(ProjectId).collect(),
        };

        // `STEWARD_SCHEDULES=none` runs no schedules in this process (e.g. a replica kept for
        // webhooks only, or tests that drive sweeps themselves).
        let schedules = match (&raw.schedules, get("STEWARD_SCHEDULES").as_deref()) {
            (_, Some("none")) => Some(Vec::new()),
            (_, Some(other)) => {
                return Err(SettingsError::Env {
                    name: "STEWARD_SCHEDULES".into(),
                    message: format!(
                        "`{other}` is not understood; the only value is `none` (no schedules); \
                         configure schedules in the settings file"
                    ),
                });
            }
            (Some(list), None) => Some(crate::schedule::parse_schedules(list).map_err(|e| {
                SettingsError::Invalid {
                    key: "schedules".into(),
                    message: e.to_string(),
                }
            })?),
            (None, None) => None,
        };
        if let Some(d) = &raw.digest {
            d.validate().map_err(|e| SettingsError::Invalid {
                key: "digest.post_to".into(),
                message: e.to_string(),
            })?;
        }

        Ok(Settings {
            schedules,
            digest: raw.digest,
            gitlab: GitLabSettings {
                url,
                token: SecretString::from(token),
                requests_per_minute: env_num(env, "STEWARD_GITLAB_REQUESTS_PER_MINUTE")?
                    .or(raw.gitlab.requests_per_minute)
                    .unwrap_or(1_800),
                notes_per_minute: env_num(env, "STEWARD_GITLAB_NOTES_PER_MINUTE")?
                    .or(raw.gitlab.notes_per_minute)
                    .unwrap_or(50),
                timeout: Duration::from_secs(raw.gitlab.timeout_secs.unwrap_or(15)),
            },
            webhook,
            database_url: database.url,
            database_max_connections: database.max_connections,
            database_schema: database.schema,
            listen,
            rules_dir: get("STEWARD_RULES_DIR")
                .map(PathBuf::from)
                .or(raw.rules_dir)
                .unwrap_or_else(|| PathBuf::from("rules")),
            templates_dir: get("STEWARD_TEMPLATES_DIR")
                .map(PathBuf::from)
                .or(raw.templates_dir)
                .unwrap_or_else(|| PathBuf::from("issue_templates")),
            projects,
            worker: WorkerSettings {
                concurrency: env_num(env, "STEWARD_WORKER_CONCURRENCY")?
                    .or(raw.worker.concurrency)
                    .unwrap_or(4)
                    .max(1),
                lease: Duration::from_secs(
                    env_num(env, "STEWARD_WORKER_LEASE_SECS")?
                        .or(raw.worker.lease_secs)
                        .unwrap_or(60)
                        .max(1),
                ),
                max_attempts: raw.worker.max_attempts.unwrap_or(8),
            },
        })
    }
}

/// The database settings alone: what `steward migrate` needs, without GitLab or webhook
/// settings (a deployment job that runs migrations need not hold the GitLab token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// `database.url` / `STEWARD_DATABASE_URL` (`sqlite://…` or `postgres://…`).
    pub url: String,
    /// `database.schema` / `STEWARD_DATABASE_SCHEMA` (PostgreSQL only).
    pub schema: Option<String>,
    /// `database.max_connections` / `STEWARD_DATABASE_MAX_CONNECTIONS`.
    pub max_connections: u32,
}

impl DatabaseSettings {
    /// Reads the optional file, then applies the process environment; other sections of the
    /// file are checked for syntax but may be incomplete.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let env: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("STEWARD_"))
            .collect();
        Self::load_with_env(file, &env)
    }

    /// Reads the optional file, then applies `env` (the `STEWARD_*` variables).
    pub fn load_with_env(
        file: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        Self::from_raw(read_raw(file)?.database, env)
    }

    fn from_raw(raw: RawDatabase, env: &HashMap<String, String>) -> Result<Self, SettingsError> {
        let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        Ok(Self {
            url: get("STEWARD_DATABASE_URL")
                .or(raw.url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            schema: get("STEWARD_DATABASE_SCHEMA").or(raw.schema),
            max_connections: env_num(env, "STEWARD_DATABASE_MAX_CONNECTIONS")?
                .or(raw.max_connections)
                .unwrap_or(8),
        })
    }
}

/// Parses the settings file, or returns the all-default raw settings when there is none.
fn read_raw(file: Option<&Path>) -> Result<RawSettings, SettingsError> {
    let Some(path) = file else {
        return Ok(RawSettings::default());
    };
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_saphyr::from_str::<RawSettings>(&text).map_err(|e| SettingsError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn env_num<T: std::str::FromStr>(
    env: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, SettingsError> {
    match env.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| SettingsError::Env {
            name: name.to_owned(),
            message: format!("`{v}` is not a number"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

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
}
