//! The `steward` command line: argument parsing and dispatch to one function per subcommand
//! (`cli::check`, `cli::plan`, `cli::schema`, `cli::labels`, …).
//!
//! It only wires: every decision is made by the library modules it calls. Add a subcommand by
//! adding a variant to [`Command`], a module under `src/cli/` and one arm in [`run`].

mod approvals;
mod backtest;
mod check;
mod customers;
#[cfg(feature = "sim")]
mod demo;
mod explain;
mod export;
mod labels;
mod migrate;
mod once;
mod plan;
mod schema;
mod serve;
#[cfg(feature = "sim")]
mod sim;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use plan::{Format, PlanArgs};

/// Exit code: success (a plan was made, the configuration is valid).
pub const EXIT_OK: i32 = 0;
/// Exit code: the configuration (rules, roster, calendar, templates) is invalid.
pub const EXIT_CONFIG: i32 = 1;
/// Exit code: the input could not be read or is not what was expected.
pub const EXIT_INPUT: i32 = 2;

/// Steward: webhook-driven issue automation for GitLab.
#[derive(Debug, Parser)]
#[command(name = "steward", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the configuration lives.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigDirs {
    /// Directory with roster.yaml, calendar.yaml and the rule files.
    #[arg(long, default_value = "rules")]
    pub rules: PathBuf,
    /// Directory with the issue description templates (*.md).
    #[arg(long, default_value = "issue_templates")]
    pub templates: PathBuf,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate templates, rules, roster and calendar; list every problem (exit 1 if any).
    Check(check::CheckArgs),
    /// Decide what Steward would do with one Issue Hook payload, without touching GitLab.
    Plan(PlanArgs),
    /// Print the JSON Schema of the rule file format.
    Schema,
    /// Run the service: webhook receiver, workers, health and metrics endpoints.
    Serve(serve::ServeArgs),
    /// Run Steward against the built-in GitLab simulator and report what it did.
    #[cfg(feature = "sim")]
    Demo(demo::DemoArgs),
    /// Run the GitLab simulator on its own.
    #[cfg(feature = "sim")]
    Sim(sim::SimArgs),
    /// Sweep the served projects' open issues once and print what changed.
    Sweep(once::SweepArgs),
    /// Render and post this week's digests once (or print them with --dry-run).
    Digest(once::DigestArgs),
    /// List the declared labels (rules/labels.yaml) the served projects lack; create them
    /// with --apply.
    Labels(labels::LabelsArgs),
    /// Apply the embedded database migrations (or list them with --status).
    Migrate(migrate::MigrateArgs),
    /// Say why an issue looks as it does (audit log) and what Steward would change now.
    Explain(explain::ExplainArgs),
    /// Write the audit log as JSON lines (to move it to another database).
    Export(export::ExportArgs),
    /// Append an `export` file to the audit log (once per database).
    Import(export::ImportArgs),
    /// Decide the issues of a period with candidate rules and with the rules in force, as of
    /// each issue's creation and as of now, and print what would differ (writes nothing).
    Backtest(backtest::BacktestArgs),
    /// The customer ledger: every account's asks across programs, or one account's.
    Customers(customers::CustomersArgs),
    /// List the referenceable customers (accepted approvals, with source, scope and expiry)
    /// from GitLab, read-only; `--format csv` for the team's spreadsheet.
    Approvals(approvals::ApprovalsArgs),
}

/// Parses the process arguments, runs the subcommand and returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with exit 0; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() { EXIT_INPUT } else { EXIT_OK };
        }
    };
    let mut out = std::io::stdout().lock();
    // Not locked: `serve`, `sim` and `demo` log to stderr from runtime worker threads, and the
    // standard stream's lock is held per thread, so holding it here for the whole command
    // would block the first log line written by a spawned task forever.
    let mut err = std::io::stderr();
    match cli.command {
        Command::Check(args) => check::run(&args, &mut out, &mut err),
        Command::Plan(args) => plan::run(&args, &mut out, &mut err),
        Command::Schema => schema::run(&mut out, &mut err),
        Command::Serve(args) => serve::run(&args, &mut err),
        #[cfg(feature = "sim")]
        Command::Demo(args) => demo::run(&args, &mut out, &mut err),
        #[cfg(feature = "sim")]
        Command::Sim(args) => sim::run(&args, &mut out, &mut err),
        Command::Sweep(args) => once::run_sweep(&args, &mut out, &mut err),
        Command::Digest(args) => once::run_digest(&args, &mut out, &mut err),
        Command::Labels(args) => labels::run(&args, &mut out, &mut err),
        Command::Migrate(args) => migrate::run(&args, &mut out, &mut err),
        Command::Explain(args) => explain::run(&args, &mut out, &mut err),
        Command::Export(args) => export::run_export(&args, &mut out, &mut err),
        Command::Import(args) => export::run_import(&args, &mut out, &mut err),
        Command::Backtest(args) => backtest::run(&args, &mut out, &mut err),
        Command::Customers(args) => customers::run(&args, &mut out, &mut err),
        Command::Approvals(args) => approvals::run(&args, &mut out, &mut err),
    }
}

/// Sets up logging once: JSON lines for `serve`, terse text for interactive commands.
/// `RUST_LOG` overrides the level (`info` for JSON, `warn` otherwise).
fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if json { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
