//! `steward export` / `steward import`: carry the audit log (Steward's history) from one
//! database to another as JSON lines, e.g. when moving from SQLite to PostgreSQL.
//!
//! Only the audit log travels: everything else in the store is either rebuilt by Steward itself
//! (owned notes are found again by their hidden markers) or disposable (deliveries, jobs); see
//! `docs/operations.md`. Both commands go through the `Store` contract, never through SQL.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EXIT_CONFIG, EXIT_INPUT, EXIT_OK};
use crate::config::DatabaseSettings;
use crate::store::{self, AuditEntry, AuditFilter, Store, StoreOptions};
use steward_core::model::{IssueIid, ProjectId};

/// The first line of an export, naming the format.
const FORMAT: &str = "steward-audit-export";
/// The format's version.
const VERSION: u32 = 1;

/// Arguments of `steward export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Settings file (YAML); only its `database` section is used (`STEWARD_DATABASE_*` override).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Arguments of `steward import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// Settings file (YAML) of the *target* database; only its `database` section is used.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// The file written by `steward export`.
    pub file: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    source: String,
    entries: u64,
}

/// One audit entry on the wire. Job and delivery ids are not carried: they name rows of the
/// source database that do not exist in the target.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    at: DateTime<Utc>,
    project_id: Option<u64>,
    issue_iid: Option<u64>,
    actor: String,
    rule_names: Vec<String>,
    action: String,
    api_call: Option<String>,
    response_status: Option<u16>,
    detail: String,
}

impl From<AuditEntry> for Line {
    fn from(e: AuditEntry) -> Self {
        Self {
            at: e.at,
            project_id: e.project_id.map(|p| p.0),
            issue_iid: e.issue_iid.map(|i| i.0),
            actor: e.actor,
            rule_names: e.rule_names,
            action: e.action,
            api_call: e.api_call,
            response_status: e.response_status,
            detail: e.detail,
        }
    }
}

impl From<Line> for AuditEntry {
    fn from(l: Line) -> Self {
        Self {
            at: l.at,
            job_id: None,
            delivery_id: None,
            project_id: l.project_id.map(ProjectId),
            issue_iid: l.issue_iid.map(IssueIid),
            actor: l.actor,
            rule_names: l.rule_names,
            action: l.action,
            api_call: l.api_call,
            response_status: l.response_status,
            detail: l.detail,
        }
    }
}

/// Runs `steward export`; exit 1 when the database cannot be read.
pub fn run_export(args: &ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let result = with_store(args.config.as_ref(), |store| async move {
        // Newest first from the store; written oldest first so that an import appends in order.
        let mut entries = store
            .list_audit(&AuditFilter {
                limit: Some(u32::MAX),
                ..AuditFilter::default()
            })
            .await
            .map_err(|e| format!("cannot read the audit log: {e}"))?;
        entries.reverse();
        let header = Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            source: store.backend_name().to_owned(),
            entries: entries.len() as u64,
        };
        let mut text = json_line(&header)?;
        for record in entries {
            text.push_str(&json_line(&Line::from(record.entry))?);
        }
        Ok((text, header.entries))
    });
    let (text, n) = match result {
        Ok(v) => v,
        Err(message) => {
            let _ = writeln!(err, "steward export: {message}");
            return EXIT_CONFIG;
        }
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => out
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write: {e}")),
    };
    match written {
        Ok(()) => {
            let _ = writeln!(err, "steward export: {n} audit entries");
            EXIT_OK
        }
        Err(message) => {
            let _ = writeln!(err, "steward export: {message}");
            EXIT_INPUT
        }
    }
}

/// Runs `steward import`; exit 2 when the file is not a complete export, 1 when the database
/// refuses or an audit log was already imported into it (that would duplicate the history).
/// The target may already hold entries of its own: imported ones are appended, each keeping its
/// time.
pub fn run_import(args: &ImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (source, lines) = match read_export(&args.file) {
        Ok(read) => read,
        Err(message) => {
            let _ = writeln!(err, "steward import: {message}");
            return EXIT_INPUT;
        }
    };
    let result = with_store(args.config.as_ref(), |store| async move {
        if let Some(earlier) = store
            .audit_imported()
            .await
            .map_err(|e| format!("cannot read the target's state: {e}"))?
        {
            return Err(format!(
                "an audit log was already imported into this database ({earlier}); importing \
                 again would duplicate its entries"
            ));
        }
        let n = lines.len();
        for (done, line) in lines.into_iter().enumerate() {
            store.append_audit(line.into()).await.map_err(|e| {
                format!(
                    "cannot append to the audit log after {done} of {n} entries: {e}; those \
                     {done} are in the target, so a second run would append them again"
                )
            })?;
        }
        let note = format!("{n} entries from {source}, on {}", Utc::now().to_rfc3339());
        store
            .set_audit_imported(&note, Utc::now())
            .await
            .map_err(|e| format!("imported {n} entries but could not record it: {e}"))?;
        Ok((n, store.backend_name()))
    });
    match result {
        Ok((n, backend)) => {
            let _ = writeln!(out, "imported {n} audit entries into {backend}");
            EXIT_OK
        }
        Err(message) => {
            let _ = writeln!(err, "steward import: {message}");
            EXIT_CONFIG
        }
    }
}

/// Reads and checks an export file: a header line, then one entry per line. Returns the source
/// backend's name and the entries.
fn read_export(path: &PathBuf) -> Result<(String, Vec<Line>), String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let first = lines
        .next()
        .ok_or_else(|| format!("{} is empty", path.display()))?
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let header: Header = serde_json::from_str(&first)
        .ok()
        .filter(|h: &Header| h.format == FORMAT)
        .ok_or_else(|| {
            format!(
                "{}:1: not a `steward export` file (its first line names the format)",
                path.display()
            )
        })?;
    if header.version != VERSION {
        return Err(format!(
            "{}:1: export format version {} is not supported (this Steward reads {VERSION})",
            path.display(),
            header.version
        ));
    }
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Line = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), n + 2))?;
        out.push(entry);
    }
    if out.len() as u64 != header.entries {
        return Err(format!(
            "{}: the header announces {} entries but the file holds {} (truncated copy?)",
            path.display(),
            header.entries,
            out.len()
        ));
    }
    Ok((header.source, out))
}

fn json_line<T: Serialize>(value: &T) -> Result<String, String> {
    let mut s = serde_json::to_string(value).map_err(|e| format!("cannot encode: {e}"))?;
    s.push('\n');
    Ok(s)
}

/// Opens the configured database (migrating it, so an import target may be brand new) and runs
/// `work` on it in a small runtime.
pub(super) fn with_store<T, F, Fut>(config: Option<&PathBuf>, work: F) -> Result<T, String>
where
    F: FnOnce(std::sync::Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    super::init_tracing(false);
    let db = DatabaseSettings::load(config.map(PathBuf::as_path)).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let store = store::open(
            &db.url,
            &StoreOptions {
                max_connections: 1,
                postgres_schema: db.schema.clone(),
                ..StoreOptions::default()
            },
        )
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
        work(store).await
    })
}
