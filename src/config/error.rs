//! Why settings could not be read, said so that the operator can fix it.

use std::path::PathBuf;

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
