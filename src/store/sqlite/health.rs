//! Whether the SQLite store can commit now. Two things go wrong under a running process that
//! SQLite itself does not report at once:
//!
//! - the database file is deleted or replaced (a restore copied over it, a cleanup job): the
//!   process keeps writing into the old, unlinked file and every acknowledged delivery is lost
//!   at the next restart. [`FileIdentity`] remembers the file's device and inode at open and
//!   compares them with what the path names now.
//! - the file was not writable when the writer connected (wrong owner after a restore): SQLite
//!   then opens it read-only without an error, and that connection stays read-only after the
//!   file is fixed. [`probe_writer`] runs a write that changes nothing (and rolls it back) and closes a
//!   read-only writer, so the pool opens a new one that sees the file as it is now.
//!
//! It writes nothing to the database.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::SqlitePool;

use crate::store::error::{Scrubber, StoreError};

/// The database file as it was opened.
#[derive(Debug)]
pub(crate) struct FileIdentity {
    path: PathBuf,
    dev: u64,
    ino: u64,
    /// Set once the loss has been logged, so the log says it once, not per request.
    reported: AtomicBool,
}

impl FileIdentity {
    /// Remembers the file at `path` (which the writer has just opened).
    pub(crate) fn capture(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        Ok(Self {
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
            reported: AtomicBool::new(false),
        })
    }

    /// An error unless `path` still names the file that was opened.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        let now = std::fs::metadata(&self.path);
        let same = now
            .as_ref()
            .is_ok_and(|m| m.dev() == self.dev && m.ino() == self.ino);
        if same {
            return Ok(());
        }
        let what = match now {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "was deleted",
            Err(_) => "can no longer be read",
            Ok(_) => "was replaced by another file",
        };
        let path = self.path.display();
        if !self.reported.swap(true, Ordering::Relaxed) {
            tracing::error!(
                path = %path,
                "the SQLite database file {what} while Steward was running; deliveries are \
                 refused (503) until Steward is restarted on the right file"
            );
        }
        Err(StoreError::Permanent(format!(
            "the database file {path} {what} while Steward was running; restart Steward once \
             the right file is in place"
        )))
    }
}

/// Whether a sqlx error is SQLite's "attempt to write a readonly database" (SQLITE_READONLY,
/// any extended code).
pub(crate) fn is_read_only(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        && db
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|n| n & 0xff == 8)
}

/// Runs a write statement that changes nothing inside a transaction that is rolled back: a
/// read-only connection refuses it (it does not refuse `BEGIN IMMEDIATE` itself in WAL mode).
/// A writer that SQLite opened read-only is then closed, so the next write opens a fresh
/// connection that sees the file as it is now.
pub(crate) async fn probe_writer(pool: &SqlitePool, scrub: &Scrubber) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(|e| scrub.error(e))?;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(|e| scrub.error(e))?;
    let wrote = sqlx::query("INSERT INTO deliveries (dedup_key) SELECT '' WHERE 0")
        .execute(&mut *conn)
        .await;
    let rolled_back = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    match wrote {
        Ok(_) => rolled_back.map(|_| ()).map_err(|e| scrub.error(e)),
        Err(e) => {
            if is_read_only(&e) {
                // Readiness reports it (start-up logs it once): no log line per probe.
                tracing::debug!("the SQLite database is read-only; reopening the writer");
                let _ = conn.close().await;
            }
            Err(scrub.error(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_file_deleted_or_replaced_under_the_process_is_noticed() {
        let dir = std::env::temp_dir().join(format!("steward-identity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (db, other) = (dir.join("s.db"), dir.join("copy.db"));
        for (file, why) in [(&db, "replaced by another file"), (&db, "deleted")] {
            std::fs::write(file, b"x").unwrap();
            let id = FileIdentity::capture(file).unwrap();
            assert!(id.check().is_ok());
            if why == "deleted" {
                std::fs::remove_file(file).unwrap();
            } else {
                std::fs::write(&other, b"x").unwrap();
                std::fs::rename(&other, file).unwrap();
            }
            let err = id.check().unwrap_err().to_string();
            assert!(err.contains(why) && err.contains("s.db"), "{err}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
