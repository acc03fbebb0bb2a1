//! `steward approvals [--expiring 30d] [--format csv]`: the referenceable customers, i.e. every
//! approval request the team accepted, with its written approval's source, date, scope and
//! expiry and the request's URL: what the team's spreadsheet (the Customer Advocacy SSOT)
//! holds, so it can be refreshed from Steward.
//!
//! Read-only: it lists the issues from GitLab (an accepted approval reopened for its renewal
//! included) and writes nothing anywhere. Each row is
//! decided by `steward_core::rules::approvals` (customer names made spreadsheet-safe there).

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_CONFIG, EXIT_INPUT, EXIT_OK};
use crate::gitlab::{CallContext, IssueQuery};
use crate::service::AppState;
use steward_core::rules::approvals::{ApprovalRow, csv_field};

/// Arguments of `steward approvals`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApprovalsArgs {
    /// Settings file (as for `serve`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Only approvals that expire within this many calendar days (`30d` or `30`), not those
    /// expired already.
    #[arg(long)]
    pub expiring: Option<String>,
    /// `table` (default) or `csv` (RFC 4180, for a spreadsheet).
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Also list approvals that have expired.
    #[arg(long)]
    pub include_expired: bool,
}

/// The CSV header, in column order.
const HEADER: [&str; 8] = [
    "customer",
    "scope",
    "source",
    "approval_date",
    "expires",
    "expiry_from",
    "status",
    "issue_url",
];

/// Days in `30d` / `30`.
fn days(s: &str) -> Option<u32> {
    s.trim().trim_end_matches('d').parse().ok()
}

/// Lists the referenceable customers; exit 2 for unusable arguments, 1 when GitLab failed.
pub fn run(args: &ApprovalsArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let csv = match args.format.as_str() {
        "csv" => true,
        "table" => false,
        other => {
            let _ = writeln!(
                err,
                "steward approvals: unknown --format `{other}`; use `table` or `csv`"
            );
            return EXIT_INPUT;
        }
    };
    let within = match args.expiring.as_deref().map(|s| (s, days(s))) {
        None => None,
        Some((_, Some(n))) => Some(n),
        Some((s, None)) => {
            let _ = writeln!(
                err,
                "steward approvals: --expiring `{s}` is not a number of days; write e.g. `--expiring 30d`"
            );
            return EXIT_INPUT;
        }
    };
    super::init_tracing(false);
    let Some(rt) = super::once::runtime(err, "approvals") else {
        return EXIT_CONFIG;
    };
    let rows = rt.block_on(async {
        let state = super::serve::build_app(args.config.as_deref()).await?.state;
        rows(&state, within.unwrap_or(30)).await
    });
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            let _ = writeln!(err, "steward approvals: {e}");
            return EXIT_CONFIG;
        }
    };
    let shown = rows.iter().filter(|r| match (within, r.status) {
        (Some(_), status) => status == "expiring",
        (None, "expired") => args.include_expired,
        (None, _) => true,
    });
    let cells: Vec<[String; 8]> = shown.map(cells).collect();
    if csv {
        write_csv(out, &cells);
    } else {
        write_table(out, &cells);
    }
    EXIT_OK
}

/// Every accepted approval of every served project, oldest request first.
async fn rows(state: &AppState, expiring_days: u32) -> Result<Vec<ApprovalRow>, String> {
    let now = state.clock.now();
    let ctx = CallContext::none();
    // Open and closed: an accepted approval reopened for its renewal stays listed (expired).
    let query = IssueQuery::default();
    let mut out = Vec::new();
    for &project in &state.projects {
        let mut issues = state
            .gitlab
            .list_issues(&ctx, project, &query)
            .await
            .map_err(|e| format!("project {project}: listing issues failed: {e}"))?;
        // GitLab lists the newest first; the spreadsheet reads oldest first.
        issues.sort_by_key(|i| (i.created_at, i.iid));
        out.extend(
            issues
                .iter()
                .filter_map(|i| state.engine.approval_row(i, now, expiring_days)),
        );
    }
    Ok(out)
}

/// A row's cells, in [`HEADER`] order.
fn cells(r: &ApprovalRow) -> [String; 8] {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let from = match (r.expires, r.defaulted) {
        (None, _) => "",
        (Some(_), true) => "default validity",
        (Some(_), false) => "stated",
    };
    [
        r.customer.clone(),
        r.scope.clone(),
        r.source.clone(),
        date(r.approved),
        date(r.expires),
        from.to_owned(),
        r.status.to_owned(),
        r.url.clone(),
    ]
}

fn write_csv(out: &mut dyn Write, rows: &[[String; 8]]) {
    let _ = writeln!(out, "{}", HEADER.join(","));
    for r in rows {
        let line: Vec<String> = r.iter().map(|c| csv_field(c)).collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
}

fn write_table(out: &mut dyn Write, rows: &[[String; 8]]) {
    if rows.is_empty() {
        let _ = writeln!(out, "no referenceable customers match");
        return;
    }
    let mut widths = HEADER.map(str::len);
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(&HEADER));
    for r in rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{}", line(&cells));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiring_reads_days_with_or_without_the_d() {
        assert_eq!(days("30d"), Some(30));
        assert_eq!(days("7"), Some(7));
        assert_eq!(days("soon"), None);
    }

    #[test]
    fn csv_output_quotes_cells_with_commas_and_keeps_formula_guards() {
        let row = ApprovalRow {
            customer: "'=cmd".to_owned(),
            scope: "Logo on website, Customer quote".to_owned(),
            source: "Email".to_owned(),
            approved: chrono::NaiveDate::from_ymd_opt(2026, 1, 5),
            expires: chrono::NaiveDate::from_ymd_opt(2027, 1, 5),
            defaulted: true,
            status: "expiring",
            url: "https://gitlab.example.com/g/p/-/issues/7".to_owned(),
        };
        let mut out = Vec::new();
        write_csv(&mut out, &[cells(&row)]);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "customer,scope,source,approval_date,expires,expiry_from,status,issue_url\n\
             '=cmd,\"Logo on website, Customer quote\",Email,2026-01-05,2027-01-05,default validity,expiring,https://gitlab.example.com/g/p/-/issues/7\n"
        );
    }
}
