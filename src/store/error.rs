//! `StoreError`: what can go wrong at the storage boundary, split into transient (retry later)
//! and permanent, and the conversion from sqlx's errors. It must never carry a password.

use super::types::JobId;

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database is busy, locked, unreachable or the pool timed out: retrying later may work.
    #[error("the database is temporarily unavailable: {0}")]
    Transient(String),
    /// The database refused the operation for a reason a retry will not fix.
    #[error("database error: {0}")]
    Permanent(String),
    /// The database URL cannot be used.
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL with its password replaced by `***`.
        url: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// Applying or reading migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A stored value could not be turned back into its type (data written by another version
    /// or edited by hand).
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// The job's claim is no longer current (its lease expired and another worker claimed it,
    /// or it was already finished): nothing was written.
    #[error("job {job_id} is no longer held by this claim (lease lost)")]
    LeaseLost {
        /// The job.
        job_id: JobId,
    },
}

impl StoreError {
    /// True when retrying the same operation later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// Replaces the password of `scheme://user:password@host…` with `***`.
pub(crate) fn redact_url(url: &str) -> String {
    match password_span(url) {
        Some((start, end)) => format!("{}***{}", &url[..start], &url[end..]),
        None => url.to_owned(),
    }
}

/// The byte range of the password in a URL's authority, if it has one.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let authority_start = url.find("://")? + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    // The last '@' ends the userinfo: a password may itself contain '@' when not encoded.
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

/// Builds errors with any occurrence of a secret removed from their text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scrubber {
    secret: Option<String>,
}

impl Scrubber {
    /// A scrubber for the password in `url` (and its percent-decoded form).
    pub(crate) fn for_url(url: &str) -> Self {
        let secret = password_span(url)
            .map(|(s, e)| url[s..e].to_owned())
            .filter(|p| !p.is_empty());
        Self { secret }
    }

    fn clean(&self, text: String) -> String {
        match &self.secret {
            Some(s) => text.replace(s.as_str(), "***"),
            None => text,
        }
    }

    /// Converts a sqlx error, classifying it and removing the secret from its text.
    pub(crate) fn error(&self, err: sqlx::Error) -> StoreError {
        match classify(err) {
            StoreError::Transient(m) => StoreError::Transient(self.clean(m)),
            StoreError::Permanent(m) => StoreError::Permanent(self.clean(m)),
            StoreError::Migration(m) => StoreError::Migration(self.clean(m)),
            other => other,
        }
    }

    /// Converts a migration error.
    pub(crate) fn migrate_error(&self, err: sqlx::migrate::MigrateError) -> StoreError {
        match err {
            sqlx::migrate::MigrateError::Execute(e) => match self.error(e) {
                StoreError::Transient(m) => StoreError::Transient(m),
                other => StoreError::Migration(other.to_string()),
            },
            other => StoreError::Migration(self.clean(other.to_string())),
        }
    }
}

/// Sorts a sqlx error into transient or permanent.
fn classify(err: sqlx::Error) -> StoreError {
    let text = err.to_string();
    let transient = match &err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let sqlite = db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
            db.code().is_some_and(|c| is_transient_code(&c, sqlite))
        }
        _ => false,
    };
    if transient {
        StoreError::Transient(text)
    } else {
        StoreError::Permanent(text)
    }
}

/// SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6) with any extended code. PostgreSQL: class 08
/// (connection exception), serialization failure, deadlock, too many connections, shutdown.
fn is_transient_code(code: &str, sqlite: bool) -> bool {
    if sqlite {
        return code.parse::<i64>().is_ok_and(|n| matches!(n & 0xff, 5 | 6));
    }
    code.starts_with("08") || matches!(code, "40001" | "40P01" | "53300" | "57P01" | "57P03")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_removed_from_urls() {
        let cases = [
            (
                "postgres://app:s3cret@db:5432/steward",
                "postgres://app:***@db:5432/steward",
            ),
            (
                "postgres://app:p@ss@db/steward?sslmode=require",
                "postgres://app:***@db/steward?sslmode=require",
            ),
            ("postgres://app@db/steward", "postgres://app@db/steward"),
            (
                "sqlite://steward.db?mode=rwc",
                "sqlite://steward.db?mode=rwc",
            ),
        ];
        for (url, want) in cases {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn scrubbed_errors_never_contain_the_password() {
        let scrub = Scrubber::for_url("postgres://app:hunter2@db/steward");
        let err = scrub.error(sqlx::Error::Configuration(
            "bad url postgres://app:hunter2@db".into(),
        ));
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn busy_and_connection_errors_are_transient_and_constraint_errors_are_not() {
        // (code, from SQLite?, transient?)
        let cases = [
            ("5", true, true),
            ("517", true, true),
            ("6", true, true),
            ("19", true, false),
            ("2067", true, false),
            ("08006", false, true),
            ("40001", false, true),
            ("40P01", false, true),
            ("23505", false, false),
            ("42P01", false, false),
        ];
        for (code, sqlite, want) in cases {
            assert_eq!(is_transient_code(code, sqlite), want, "{code}");
        }
        assert!(
            classify(sqlx::Error::PoolTimedOut)
                .to_string()
                .contains("temporarily")
        );
    }
}
