//! A backtest's report as text (a summary table, then each changed issue) and as JSON (the
//! shape docs/operations.md documents; [`JSON_VERSION`] changes when it does).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::{Aspect, ChangedIssue, Moment, Report};

/// The version of the JSON shape.
pub const JSON_VERSION: u32 = 1;

/// Issues with a difference, per moment.
#[derive(Debug, Serialize)]
struct Counts {
    creation: usize,
    now: usize,
}

#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    version: u32,
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    projects: &'a [steward_core::model::ProjectId],
    issues: usize,
    changed_issues: usize,
    pages: usize,
    api_calls: Option<u64>,
    summary: BTreeMap<&'static str, Counts>,
    changed: &'a [ChangedIssue],
}

/// The report as JSON; `api_calls` is the GitLab calls made, when they were counted.
pub fn render_json(report: &Report, api_calls: Option<u64>) -> Result<String, serde_json::Error> {
    let summary = Aspect::ALL
        .iter()
        .map(|&what| {
            let counts = Counts {
                creation: report.count(Moment::Creation, what),
                now: report.count(Moment::Now, what),
            };
            (what.word(), counts)
        })
        .collect();
    serde_json::to_string_pretty(&JsonReport {
        version: JSON_VERSION,
        since: report.since,
        now: report.now,
        projects: &report.projects,
        issues: report.issues,
        changed_issues: report.changed.len(),
        pages: report.pages,
        api_calls,
        summary,
        changed: &report.changed,
    })
}

/// `n` and the word, with an `s` unless `n` is one (`1 list page`, `100 list pages`).
pub fn counted(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn words(list: &[String]) -> String {
    if list.is_empty() {
        "(none)".to_owned()
    } else {
        list.join(", ")
    }
}

/// The report as text: what was read, a table of issues with a difference per aspect and
/// moment, then each changed issue with what changes from (rules in force) → to (candidate).
pub fn render_text(report: &Report, api_calls: Option<u64>) -> String {
    let mut s = String::new();
    let projects: Vec<String> = report.projects.iter().map(|p| p.to_string()).collect();
    let calls = api_calls.map_or(String::new(), |n| {
        format!(", {}", counted(n as usize, "GitLab API call"))
    });
    let _ = writeln!(
        s,
        "{} filed since {} in project {} ({}{calls}); {} would be handled differently.",
        counted(report.issues, "issue"),
        report.since.format("%Y-%m-%d %H:%M UTC"),
        projects.join(", "),
        counted(report.pages, "list page"),
        report.changed.len()
    );
    let _ = writeln!(s, "\n{:<12} {:>9} {:>9}", "issues with", "creation", "now");
    for what in Aspect::ALL {
        let _ = writeln!(
            s,
            "{:<12} {:>9} {:>9}",
            what.word(),
            report.count(Moment::Creation, what),
            report.count(Moment::Now, what)
        );
    }
    for c in &report.changed {
        let title = match &c.title {
            Some(t) => t.clone(),
            None => "(confidential)".to_owned(),
        };
        let _ = writeln!(
            s,
            "\n{}  filed {}  {title}",
            c.reference,
            c.created_at.format("%Y-%m-%d")
        );
        for d in &c.differences {
            let _ = writeln!(
                s,
                "  {:<9} {:<10} {} → {}",
                d.moment.word(),
                d.what.word(),
                words(&d.current),
                words(&d.candidate)
            );
        }
    }
    s.trim_end().to_owned()
}
