//! `steward customers [NAME]`: the customer ledger from the store. Without a name, every
//! account with its counts (asks, open, filed in the last 90 days), most recently asked first;
//! with a name (any spelling: it is normalised and aliases apply), that account's asks.
//!
//! Reporting only: the ledger is kept by issue sync and decided by `steward_core::customers`.
//! Names are requester text: printed on one line, capped; an account seen only on confidential
//! requests is shown by counts alone (its key is the requesters' name, normalised, so it is not
//! printed either). "Now" is the process clock (`startup::Wiring`), as for every command.

use std::io::Write;
use std::path::PathBuf;

use super::{ConfigDirs, EXIT_CONFIG, EXIT_INPUT, EXIT_OK};
use steward_core::customers::{Ask, CustomerRules, summarise};
use steward_core::model::IssueState;
use steward_core::rules::Engine;
use steward_core::untrusted::one_line;

/// Arguments of `steward customers`.
#[derive(Debug, Clone, clap::Args)]
pub struct CustomersArgs {
    /// One account (any spelling); without it, every account with its counts.
    pub name: Option<String>,
    /// Settings file (as for `serve`): where the store is.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Where the configuration lives (`rules/customers.yaml` declares aliases).
    #[command(flatten)]
    pub dirs: ConfigDirs,
}

/// Prints the ledger; exit 2 when the named account has no asks, 1 when the store or the
/// configuration cannot be read.
pub fn run(args: &CustomersArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let rules = match load_rules(&args.dirs, err) {
        Some(r) => r,
        None => return EXIT_CONFIG,
    };
    let key = match &args.name {
        None => None,
        Some(name) => match rules.directory.resolve(name) {
            Ok(k) => Some(k),
            Err(_) => {
                let _ = writeln!(
                    err,
                    "steward customers: `{}` is not an account name (empty or a placeholder)",
                    one_line(name, 80)
                );
                return EXIT_INPUT;
            }
        },
    };
    let listed = super::export::with_store(args.config.as_ref(), |store| async move {
        store
            .list_asks(key.as_ref())
            .await
            .map_err(|e| format!("cannot read the customer ledger: {e}"))
    });
    let asks = match listed {
        Ok(a) => a,
        Err(message) => {
            let _ = writeln!(err, "steward customers: {message}");
            return EXIT_CONFIG;
        }
    };
    if args.name.is_some() {
        if asks.is_empty() {
            let _ = writeln!(
                err,
                "steward customers: no asks recorded for `{}`; `steward customers` lists every \
                 account",
                args.name
                    .as_deref()
                    .map_or_else(String::new, |n| one_line(n, 80))
            );
            return EXIT_INPUT;
        }
        print_account(&asks, out);
    } else {
        print_all(&rules, &asks, out);
    }
    EXIT_OK
}

fn load_rules(dirs: &ConfigDirs, err: &mut dyn Write) -> Option<CustomerRules> {
    let rules = super::check::source(&dirs.rules, "rules", crate::shipped::rules, err);
    let templates = super::check::source(
        &dirs.templates,
        "issue_templates",
        crate::shipped::templates,
        err,
    );
    match Engine::load_from(&rules, &templates) {
        Ok(engine) => Some(engine.customers().clone()),
        Err(errors) => {
            for e in errors {
                let _ = writeln!(err, "{e}");
            }
            let _ = writeln!(
                err,
                "steward customers: fix the configuration (`steward check`)"
            );
            None
        }
    }
}

fn print_all(rules: &CustomerRules, asks: &[Ask], out: &mut dyn Write) {
    let window = rules.fatigue.as_ref().map_or(90, |f| f.window_days);
    let now = crate::startup::Wiring::system().clock.now();
    let lines = summarise(rules, asks, now, window);
    let _ = writeln!(
        out,
        "{:<32} {:>5} {:>5} {:>7}  last ask",
        "account",
        "asks",
        "open",
        format!("{window}d")
    );
    for l in &lines {
        let name = l.name.as_deref().map_or_else(
            || "(confidential requests only)".to_owned(),
            |n| one_line(n, 32),
        );
        let _ = writeln!(
            out,
            "{name:<32} {:>5} {:>5} {:>7}  {}",
            l.asks,
            l.open,
            l.recent,
            l.last_filed.format("%Y-%m-%d")
        );
    }
    let _ = writeln!(out, "{} accounts, {} asks", lines.len(), asks.len());
}

fn print_account(asks: &[Ask], out: &mut dyn Write) {
    for a in asks.iter().rev() {
        let state = if a.state == IssueState::Opened {
            "open"
        } else {
            "closed"
        };
        let outcome = a.outcome.as_ref().map_or("—", |l| l.as_str());
        let secret = if a.confidential {
            "  (confidential)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "project {} #{:<6} {:<10} {}  {:<6} {outcome}{secret}",
            a.project,
            a.iid.0,
            a.program.as_deref().unwrap_or("—"),
            a.filed_at.format("%Y-%m-%d"),
            state,
        );
    }
}
