//! The settings file as written (`steward.yaml`: every key optional, unknown keys refused),
//! how it is read, and how a numeric `STEWARD_*` variable is read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SettingsError;

/// The raw file format (`steward.yaml`). Every key is optional; environment variables override.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    #[serde(default)]
    pub(super) gitlab: RawGitLab,
    #[serde(default)]
    pub(super) webhook: super::webhook::RawWebhook,
    #[serde(default)]
    pub(super) database: RawDatabase,
    pub(super) listen: Option<String>,
    pub(super) rules_dir: Option<PathBuf>,
    pub(super) templates_dir: Option<PathBuf>,
    #[serde(default)]
    pub(super) projects: Vec<u64>,
    #[serde(default)]
    pub(super) worker: RawWorker,
    /// Cron schedules; absent: the shipped ones in the team's time zone.
    #[serde(default)]
    pub(super) schedules: Option<Vec<crate::schedule::RawSchedule>>,
    /// The status page; absent: none.
    #[serde(default)]
    pub(super) status: super::status::RawStatus,
    /// Weekly digests; absent: none.
    #[serde(default)]
    pub(super) digest: Option<steward_core::digest::DigestConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGitLab {
    pub(super) url: Option<String>,
    pub(super) token: Option<String>,
    pub(super) token_file: Option<PathBuf>,
    pub(super) requests_per_minute: Option<u32>,
    pub(super) notes_per_minute: Option<u32>,
    pub(super) timeout_secs: Option<u64>,
    pub(super) epics_api: Option<super::epics::EpicsApiSetting>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDatabase {
    pub(super) url: Option<String>,
    pub(super) max_connections: Option<u32>,
    pub(super) schema: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorker {
    pub(super) concurrency: Option<usize>,
    pub(super) lease_secs: Option<u64>,
    pub(super) max_attempts: Option<u32>,
}

/// Parses the settings file, or returns the all-default raw settings when there is none.
pub(super) fn read_raw(file: Option<&Path>) -> Result<RawSettings, SettingsError> {
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

pub(super) fn env_num<T: std::str::FromStr>(
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
