//! `steward plan`: reads one Issue Hook payload as GitLab delivers it and prints what Steward
//! would decide (template, fields, field errors, matched rules, plan) as JSON or text.
//!
//! Never talks to GitLab; exit 0 when a plan was made, 1 for invalid configuration, 2 for
//! unreadable input.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::{ConfigDirs, EXIT_CONFIG, EXIT_INPUT, EXIT_OK};
use crate::gitlab::payload::issue_from_hook;
use steward_core::rules::{Decision, Engine, Workload, show_value};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The `Decision` JSON (stable keys: template, fields, field_errors, matched_rules, plan).
    Json,
    /// A readable summary with the reasons each rule matched.
    Text,
}

/// Arguments of `steward plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// The webhook body (an Issue Hook payload) to read.
    #[arg(long, value_name = "FILE")]
    pub event: PathBuf,
    /// The time to decide at, RFC 3339 (e.g. 2027-01-14T09:00:00Z).
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: DateTime<Utc>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Configuration directories.
    #[command(flatten)]
    pub dirs: ConfigDirs,
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            format!("`{s}` is not an RFC 3339 time ({e}); write e.g. 2027-01-14T09:00:00Z")
        })
}

/// Runs `steward plan`.
pub fn run(args: &PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let body = match std::fs::read(&args.event) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(err, "error: cannot read {}: {e}", args.event.display());
            return EXIT_INPUT;
        }
    };
    let event = match issue_from_hook(&body) {
        Ok(ev) => ev,
        Err(e) => {
            let _ = writeln!(err, "error: {}: {e}", args.event.display());
            return EXIT_INPUT;
        }
    };
    let engine = match Engine::load(&args.dirs.rules, &args.dirs.templates) {
        Ok(e) => e,
        Err(errors) => {
            for e in &errors {
                let _ = writeln!(err, "{e}");
            }
            let _ = writeln!(
                err,
                "the configuration is invalid; run `steward check` for details"
            );
            return EXIT_CONFIG;
        }
    };
    // No workload is known offline: least-loaded assignment sees everyone at zero.
    let decision = engine.decide(&event.issue, args.now, &Workload::default());
    let text = match args.format {
        Format::Json => match serde_json::to_string_pretty(&decision) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "error: cannot render the decision: {e}");
                return EXIT_INPUT;
            }
        },
        Format::Text => render_text(&decision),
    };
    if writeln!(out, "{text}").is_err() {
        return EXIT_INPUT;
    }
    EXIT_OK
}

/// A readable rendering of a decision, with the reasons each rule matched.
pub fn render_text(d: &Decision) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "template: {}", d.recognition);
    if !d.fields.is_empty() {
        let _ = writeln!(s, "fields:");
        for (k, v) in &d.fields {
            // One line, no control characters: a value must not rewrite the terminal.
            let shown = steward_core::untrusted::one_line(&show_value(v), 200);
            let _ = writeln!(s, "  {k}: {shown}");
        }
    }
    if !d.field_errors.is_empty() {
        let _ = writeln!(s, "field errors:");
        for e in &d.field_errors {
            let _ = writeln!(s, "  - {}: {}", e.field, e.message);
        }
    }
    let _ = writeln!(s, "matched rules:");
    if d.plan.matched_rules.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for m in &d.plan.matched_rules {
        let _ = writeln!(s, "  - {}: {}", m.name, m.reasons.join("; "));
    }
    let p = &d.plan;
    let list = |ls: Vec<String>| {
        if ls.is_empty() {
            "-".to_owned()
        } else {
            ls.join(", ")
        }
    };
    let _ = writeln!(s, "plan:");
    let _ = writeln!(
        s,
        "  add labels: {}",
        list(p.add_labels.iter().map(|l| l.to_string()).collect())
    );
    let _ = writeln!(
        s,
        "  remove labels: {}",
        list(p.remove_labels.iter().map(|l| l.to_string()).collect())
    );
    let _ = writeln!(
        s,
        "  assignees: {}",
        match &p.assignees {
            Some(a) => list(a.iter().map(|u| format!("@{u}")).collect()),
            None => "(unchanged)".to_owned(),
        }
    );
    let _ = writeln!(
        s,
        "  due date: {}",
        p.due_date
            .map_or("(unchanged)".to_owned(), |d| d.to_string())
    );
    for n in &p.notes {
        let _ = writeln!(s, "  note [{}]:", n.key);
        for line in n.body.lines() {
            let _ = writeln!(s, "    | {line}");
        }
    }
    if p.is_empty() {
        let _ = writeln!(s, "  (nothing to change)");
    }
    s.trim_end().to_owned()
}
