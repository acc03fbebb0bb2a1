//! One setting or section at a time: its value from the `STEWARD_*` variable, else the file,
//! else the shipped default, validated with a message that names the setting and the fix.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use super::raw::{RawGitLab, RawWorker, env_num};
use super::{
    DEFAULT_GITLAB_TIMEOUT, DEFAULT_LISTEN, DEFAULT_MAX_ATTEMPTS, DEFAULT_NOTES_PER_MINUTE,
    DEFAULT_REQUESTS_PER_MINUTE, DEFAULT_WORKER_CONCURRENCY, DEFAULT_WORKER_LEASE, GitLabSettings,
    SettingsError, WorkerSettings,
};
use steward_core::model::ProjectId;

/// The variable `name`, unless it is unset or empty.
pub(super) fn var(env: &HashMap<String, String>, name: &str) -> Option<String> {
    env.get(name).filter(|v| !v.is_empty()).cloned()
}

fn invalid(key: &str, message: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// `gitlab.url` without a trailing `/` or `/api/v4`; it must be an http(s) URL.
pub(super) fn gitlab_url(
    raw: Option<String>,
    env: &HashMap<String, String>,
) -> Result<String, SettingsError> {
    let url = var(env, "STEWARD_GITLAB_URL").or(raw).ok_or_else(|| {
        invalid(
            "gitlab.url",
            "missing: set it in the file or STEWARD_GITLAB_URL (e.g. https://gitlab.com)",
        )
    })?;
    let url = url
        .trim_end_matches('/')
        .trim_end_matches("/api/v4")
        .to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid(
            "gitlab.url",
            format!("`{url}` is not an http(s) URL"),
        ));
    }
    Ok(url)
}

/// The bot's token: given directly, or read from `gitlab.token_file`; never empty.
pub(super) fn gitlab_token(
    raw: &RawGitLab,
    env: &HashMap<String, String>,
) -> Result<String, SettingsError> {
    let token_file = var(env, "STEWARD_GITLAB_TOKEN_FILE")
        .map(PathBuf::from)
        .or(raw.token_file.clone());
    let given = var(env, "STEWARD_GITLAB_TOKEN").or(raw.token.clone());
    let token = match (given, token_file) {
        (Some(t), _) => t,
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map_err(|e| {
                invalid(
                    "gitlab.token_file",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?
            .trim()
            .to_owned(),
        (None, None) => {
            return Err(invalid(
                "gitlab.token",
                "missing: set gitlab.token_file, STEWARD_GITLAB_TOKEN_FILE or \
                 STEWARD_GITLAB_TOKEN (an access token with the `api` scope)",
            ));
        }
    };
    if token.trim().is_empty() {
        return Err(invalid(
            "gitlab.token",
            "is empty or only whitespace (from gitlab.token, gitlab.token_file or \
             STEWARD_GITLAB_TOKEN): set the bot's access token",
        ));
    }
    Ok(token)
}

/// The GitLab section: URL and token as validated, budgets and timeout.
pub(super) fn gitlab(
    url: String,
    token: String,
    raw: &RawGitLab,
    env: &HashMap<String, String>,
) -> Result<GitLabSettings, SettingsError> {
    Ok(GitLabSettings {
        url,
        token: SecretString::from(token),
        requests_per_minute: env_num(env, "STEWARD_GITLAB_REQUESTS_PER_MINUTE")?
            .or(raw.requests_per_minute)
            .unwrap_or(DEFAULT_REQUESTS_PER_MINUTE),
        notes_per_minute: env_num(env, "STEWARD_GITLAB_NOTES_PER_MINUTE")?
            .or(raw.notes_per_minute)
            .unwrap_or(DEFAULT_NOTES_PER_MINUTE),
        timeout: raw
            .timeout_secs
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_GITLAB_TIMEOUT),
        epics_api: super::epics::from_raw(raw.epics_api, env)?,
    })
}

/// The HTTP listen address.
pub(super) fn listen(
    raw: Option<String>,
    env: &HashMap<String, String>,
) -> Result<SocketAddr, SettingsError> {
    let text = var(env, "STEWARD_LISTEN")
        .or(raw)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    text.parse().map_err(|_| {
        invalid(
            "listen",
            format!("`{text}` is not an address like 0.0.0.0:8080"),
        )
    })
}

/// The served projects (`STEWARD_PROJECTS` is a comma-separated list of ids).
pub(super) fn projects(
    raw: Vec<u64>,
    env: &HashMap<String, String>,
) -> Result<Vec<ProjectId>, SettingsError> {
    let Some(text) = var(env, "STEWARD_PROJECTS") else {
        return Ok(raw.into_iter().map(ProjectId).collect());
    };
    text.split(',')
        .map(|p| {
            p.trim()
                .parse::<u64>()
                .map(ProjectId)
                .map_err(|_| SettingsError::Env {
                    name: "STEWARD_PROJECTS".into(),
                    message: format!("`{p}` is not a numeric project id"),
                })
        })
        .collect()
}

/// The schedules as written (`None`: the shipped ones). `STEWARD_SCHEDULES=none` runs no
/// schedules in this process (e.g. a replica kept for webhooks only, or tests that drive
/// sweeps themselves).
pub(super) fn schedules(
    raw: Option<&[crate::schedule::RawSchedule]>,
    env: &HashMap<String, String>,
) -> Result<Option<Vec<crate::schedule::Schedule>>, SettingsError> {
    match (raw, var(env, "STEWARD_SCHEDULES").as_deref()) {
        (_, Some("none")) => Ok(Some(Vec::new())),
        (_, Some(other)) => Err(SettingsError::Env {
            name: "STEWARD_SCHEDULES".into(),
            message: format!(
                "`{other}` is not understood; the only value is `none` (no schedules); \
                 configure schedules in the settings file"
            ),
        }),
        (Some(list), None) => crate::schedule::parse_schedules(list)
            .map(Some)
            .map_err(|e| invalid("schedules", e.to_string())),
        (None, None) => Ok(None),
    }
}

/// The worker section (at least one worker, a lease of at least a second).
pub(super) fn worker(
    raw: &RawWorker,
    env: &HashMap<String, String>,
) -> Result<WorkerSettings, SettingsError> {
    let lease = env_num(env, "STEWARD_WORKER_LEASE_SECS")?
        .or(raw.lease_secs)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_WORKER_LEASE)
        .max(Duration::from_secs(1));
    Ok(WorkerSettings {
        concurrency: env_num(env, "STEWARD_WORKER_CONCURRENCY")?
            .or(raw.concurrency)
            .unwrap_or(DEFAULT_WORKER_CONCURRENCY)
            .max(1),
        lease,
        max_attempts: raw.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
    })
}
