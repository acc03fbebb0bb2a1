//! Service settings: one YAML file plus `STEWARD_*` environment variables, read once at start-up.
//!
//! Secrets are kept as [`SecretString`] and never printed. Nothing else in the crate reads the
//! environment; everything downstream receives a [`Settings`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;

use steward_core::model::ProjectId;

mod database;
mod epics;
mod error;
mod raw;
mod sections;
mod status;
#[cfg(test)]
mod tests;
mod webhook;

pub use database::DatabaseSettings;
pub use epics::EpicsApiSetting;
pub use error::SettingsError;
pub use status::{MIN_STATUS_TOKEN_CHARS, StatusSettings};
pub use webhook::{MIN_SECRET_CHARS, WebhookSettings, signing_key};

use raw::{RawSettings, read_raw};

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
    /// Which API tracking-epic digests are posted through (`gitlab.epics_api`).
    pub epics_api: EpicsApiSetting,
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
            epics_api: EpicsApiSetting::Auto,
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
    /// The status page (off unless `status.listen` is set).
    pub status: StatusSettings,
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
            status: StatusSettings::default(),
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
        let url = sections::gitlab_url(raw.gitlab.url.clone(), env)?;
        let token = sections::gitlab_token(&raw.gitlab, env)?;
        let webhook = webhook::from_raw(raw.webhook, env)?;
        let listen = sections::listen(raw.listen, env)?;
        let database = DatabaseSettings::from_raw(raw.database, env)?;
        let projects = sections::projects(raw.projects, env)?;
        let schedules = sections::schedules(raw.schedules.as_deref(), env)?;
        if let Some(d) = &raw.digest {
            d.validate().map_err(|e| {
                // The message starts with the key, which `Invalid` already names.
                let text = e.to_string();
                let prefix = format!("{}: ", e.key());
                SettingsError::Invalid {
                    key: e.key().into(),
                    message: text.strip_prefix(&prefix).unwrap_or(&text).to_owned(),
                }
            })?;
        }
        let gitlab = sections::gitlab(url, token, &raw.gitlab, env)?;
        let worker = sections::worker(&raw.worker, env)?;
        let status = status::from_raw(raw.status, env)?;
        let dir = |name: &str, raw: Option<PathBuf>, default: &str| {
            sections::var(env, name)
                .map(PathBuf::from)
                .or(raw)
                .unwrap_or_else(|| PathBuf::from(default))
        };
        Ok(Settings {
            schedules,
            digest: raw.digest,
            gitlab,
            webhook,
            database_url: database.url,
            database_max_connections: database.max_connections,
            database_schema: database.schema,
            listen,
            rules_dir: dir("STEWARD_RULES_DIR", raw.rules_dir, DEFAULT_RULES_DIR),
            templates_dir: dir(
                "STEWARD_TEMPLATES_DIR",
                raw.templates_dir,
                DEFAULT_TEMPLATES_DIR,
            ),
            projects,
            worker,
            status,
        })
    }
}
