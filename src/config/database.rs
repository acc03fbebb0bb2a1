//! The `database` section: the only settings `steward migrate` needs.

use std::collections::HashMap;
use std::path::Path;

use super::raw::{RawDatabase, env_num, read_raw};
use super::{DEFAULT_DATABASE_MAX_CONNECTIONS, DEFAULT_DATABASE_URL, SettingsError};

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

    pub(super) fn from_raw(
        raw: RawDatabase,
        env: &HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        Ok(Self {
            url: get("STEWARD_DATABASE_URL")
                .or(raw.url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            schema: get("STEWARD_DATABASE_SCHEMA").or(raw.schema),
            max_connections: env_num(env, "STEWARD_DATABASE_MAX_CONNECTIONS")?
                .or(raw.max_connections)
                .unwrap_or(DEFAULT_DATABASE_MAX_CONNECTIONS),
        })
    }
}
