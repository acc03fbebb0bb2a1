//! `steward migrate`: applies the embedded database migrations to the configured database
//! (SQLite or PostgreSQL) and says which ones it applied; `--status` lists every migration as
//! applied or pending without changing anything.
//!
//! It reads only the database settings (a deployment job running it needs no GitLab token) and
//! never touches the data itself: what a migration does is the store's business.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_CONFIG, EXIT_OK};
use crate::config::DatabaseSettings;
use crate::store::{self, MigrationInfo, StoreOptions};

/// Arguments of `steward migrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrateArgs {
    /// Settings file (YAML); only its `database` section is used. `STEWARD_DATABASE_URL`,
    /// `STEWARD_DATABASE_SCHEMA` override it.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// List each migration as applied or pending; change nothing.
    #[arg(long)]
    pub status: bool,
}

/// Runs the subcommand; exit 1 when the settings are invalid or the database refuses.
pub fn run(args: &MigrateArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    super::init_tracing(false);
    let db = match DatabaseSettings::load(args.config.as_deref()) {
        Ok(db) => db,
        Err(e) => {
            let _ = writeln!(err, "steward migrate: {e}");
            return EXIT_CONFIG;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "steward migrate: cannot start the runtime: {e}");
            return EXIT_CONFIG;
        }
    };
    match runtime.block_on(migrate(&db, args.status, out)) {
        Ok(()) => EXIT_OK,
        Err(message) => {
            let _ = writeln!(err, "steward migrate: {message}");
            EXIT_CONFIG
        }
    }
}

async fn migrate(
    db: &DatabaseSettings,
    status_only: bool,
    out: &mut dyn Write,
) -> Result<(), String> {
    let store = store::open(
        &db.url,
        &StoreOptions {
            max_connections: 1,
            postgres_schema: db.schema.clone(),
            migrate_on_open: false,
            ..StoreOptions::default()
        },
    )
    .await
    .map_err(|e| format!("cannot open the database: {e}"))?;
    let place = match &db.schema {
        Some(schema) => format!("{} (schema {schema})", store.backend_name()),
        None => store.backend_name().to_owned(),
    };
    let before = store
        .migration_status()
        .await
        .map_err(|e| format!("cannot read the migration status: {e}"))?;
    let w = |e: std::io::Error| format!("cannot write the report: {e}");

    if status_only {
        writeln!(out, "database: {place}").map_err(w)?;
        for m in &before {
            let state = if m.applied { "applied" } else { "pending" };
            writeln!(out, "{}  {state}", describe(m)).map_err(w)?;
        }
        let pending = before.iter().filter(|m| !m.applied).count();
        let summary = if pending == 0 {
            "up to date".to_owned()
        } else {
            format!("{pending} pending: run `steward migrate` to apply")
        };
        writeln!(out, "{summary}").map_err(w)?;
        return Ok(());
    }

    store.migrate().await.map_err(|e| {
        format!("migrating failed (nothing after the failing migration was applied): {e}")
    })?;
    let after = store
        .migration_status()
        .await
        .map_err(|e| format!("cannot read the migration status: {e}"))?;
    writeln!(out, "database: {place}").map_err(w)?;
    let mut applied = 0;
    for m in &after {
        let was_pending = before.iter().any(|b| b.version == m.version && !b.applied);
        if m.applied && was_pending {
            writeln!(out, "applied {}", describe(m)).map_err(w)?;
            applied += 1;
        }
    }
    if applied == 0 {
        writeln!(
            out,
            "nothing to apply: all {} migrations were already applied",
            after.len()
        )
        .map_err(w)?;
    } else {
        writeln!(out, "{applied} applied; the database is up to date").map_err(w)?;
    }
    Ok(())
}

/// `0001 initial`: the version as the file prefix and the description.
fn describe(m: &MigrationInfo) -> String {
    format!("{:04} {}", m.version, m.description)
}
