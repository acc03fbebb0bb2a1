//! `steward demo`: the team's project in the GitLab simulator, a dozen realistic requests (some
//! late, some incomplete), Steward handling their webhooks over loopback with an embedded SQLite
//! store, a readable report of what happened to each issue, three requests closed with their
//! outcomes, a customer asked too often and a duplicate pair (`demo::customers`), every
//! program's weekly digest of the week that ended with the director's roll-up
//! of every program, then a clock paused while a request waits on its requester and an absence
//! covered (`demo::clocks`), and the company calendar: a quiet-period flag and an approval that
//! expires (`demo::calendar`).
//!
//! The scenario is written for the default `--now` (2026-11-25); the request texts are the same
//! realistic descriptions the tests use.

use std::collections::BTreeSet;
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::harness::{Harness, HarnessError, HarnessOptions};
use steward_core::model::{IssueIid, LabelName};
use steward_sim::{Counters, IssueChange};

mod calendar;
mod clocks;
mod customers;
mod digests;
mod requests;
mod serve;
use digests::{close_with_outcomes, print_digests};
use requests::{Request, requests};
pub use serve::{CONFIDENTIAL_TITLE, HOSTILE_TITLE, Serve};

/// The default simulated "now" the scenario's dates are written for.
pub const DEFAULT_NOW: &str = "2026-11-25T15:00:00Z";

/// Runs the scenario and writes the report to `out`. With `serve`, the status page listens on
/// its address; the demo then files two more requests, prints the page's URL and keeps running
/// until its `until` completes (Ctrl-C from the command line). `notes_per_minute` turns on
/// the simulator's note-creation limit.
pub async fn run(
    now: DateTime<Utc>,
    serve: Option<Serve>,
    notes_per_minute: Option<u32>,
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let mut opts = HarnessOptions::shipped(now);
    opts.sim.notes_per_minute = notes_per_minute;
    opts.status.listen = serve.as_ref().map(|s| s.listen);
    let h = Harness::start(opts).await?;
    writeln!(
        out,
        "Steward demo: {} (simulated), GitLab simulator at {}, Steward at http://{}, SQLite store {}\n",
        now.format("%Y-%m-%d %H:%M UTC"),
        h.sim.base_url(),
        h.running.addr,
        h.db_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    )
    .map_err(io)?;

    let reqs = requests();
    let filed = file_all(&h, &reqs, out).await?;
    correct_the_late_date(&h, &reqs, &filed, out).await?;
    redeliver(&h, &filed, out).await?;
    customers::fatigue_and_duplicate(&h, filed[0], out).await?;
    clocks::requester_unticks_the_type(&h, &reqs, &filed, out).await?;
    close_with_outcomes(&h, now + chrono::Duration::days(8), &filed, out).await?;
    sweep_two_weeks_later(&h, now, out).await?;
    print_digests(&h, out).await?;
    clocks::clocks_and_cover(&h, now, &reqs, &filed, out).await?;
    calendar::quiet_period_and_expiry(&h, out).await?;
    summary(&h.sim.counters(), out).map_err(io)?;
    if let Some(serving) = serve {
        let filed = serve::file_showcase(&h).await?;
        serve::keep_serving(&h, filed, serving.until, out).await?;
    }
    h.stop().await;
    Ok(())
}

/// Files every request, lets Steward handle them and reports what happened to each.
async fn file_all(
    h: &Harness,
    reqs: &[Request],
    out: &mut dyn Write,
) -> Result<Vec<IssueIid>, HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let mut filed = Vec::new();
    for r in reqs {
        let iid = h.file(r.by, r.title, &r.text).await?;
        filed.push(iid);
    }
    let jobs = h.settle().await?;
    let after_intake = h.sim.counters();
    writeln!(
        out,
        "{} requests filed; Steward ran {jobs} jobs and made {} GitLab API calls \
         ({} reads, {} writes: {} issue edits, {} comments).\n",
        reqs.len(),
        after_intake.requests_total,
        after_intake.reads,
        after_intake.writes,
        after_intake.endpoint("issues.edit"),
        after_intake.notes_created
    )
    .map_err(io)?;

    for (r, iid) in reqs.iter().zip(&filed) {
        report_issue(h, *iid, r, out).map_err(io)?;
    }

    Ok(filed)
}

/// The late speaker request's requester corrects the event date.
async fn correct_the_late_date(
    h: &Harness,
    reqs: &[Request],
    filed: &[IssueIid],
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let late = filed[1];
    let requester = h.user(reqs[1].by)?;
    let fixed = reqs[1].text.replace("2027-01-09", "2027-03-01");
    h.sim
        .update_issue(
            h.project(),
            late,
            requester,
            IssueChange {
                description: Some(fixed),
                ..IssueChange::default()
            },
        )
        .map_err(|e| HarnessError(format!("editing #{late}: {e}")))?;
    h.settle().await?;
    writeln!(
        out,
        "Then @{} corrects the event date of #{late} to 2027-03-01 (96 days ahead):",
        reqs[1].by
    )
    .map_err(io)?;
    report_issue(h, late, &reqs[1], out).map_err(io)
}

/// GitLab re-sends the first request's delivery three times: nothing more is done.
async fn redeliver(
    h: &Harness,
    filed: &[IssueIid],
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let before = h.sim.counters();
    if let Some(first) = h.sim.deliveries().first().map(|d| d.id) {
        for _ in 0..3 {
            let _ = h.sim.resend(first).await;
        }
    }
    h.settle().await?;
    let after = h.sim.counters();
    writeln!(
        out,
        "GitLab re-sends #{}'s delivery 3 times: {} more API calls, {} more writes \
         (duplicates are recognised by their Idempotency-Key).\n",
        filed[0],
        after.requests_total - before.requests_total,
        after.writes - before.writes
    )
    .map_err(io)
}

/// Time travel: two weeks later the nightly full sweep runs.
async fn sweep_two_weeks_later(
    h: &Harness,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let later = now + chrono::Duration::days(13);
    h.set_now(later);
    let before = h.sim.counters();
    let report = h.sweep(true).await?;
    let swept = h.sim.counters();
    writeln!(
        out,
        "Two weeks later ({}), the nightly sweep: {}; {} GitLab calls ({} list pages, {} writes).",
        later.format("%Y-%m-%d"),
        report.summary(),
        swept.requests_total - before.requests_total,
        swept.endpoint("issues.list") - before.endpoint("issues.list"),
        swept.writes - before.writes
    )
    .map_err(io)?;
    print_drift(&report, out).map_err(io)?;
    writeln!(out).map_err(io)
}

/// One line per issue the sweep found out of step: the labels and comments it changes.
fn print_drift(
    report: &crate::jobs::sweep::SweepReport,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for d in &report.drift {
        let mut what: Vec<String> = Vec::new();
        if let Some(e) = &d.actions.edit {
            what.extend(e.add_labels.iter().map(|l| format!("+{l}")));
            what.extend(e.remove_labels.iter().map(|l| format!("-{l}")));
            if e.assignee_ids.is_some() {
                what.push("reassigned".to_owned());
            }
            if let Some(due) = e.due_date {
                what.push(format!("due {due}"));
            }
            match e.state {
                Some(steward_core::model::StateChange::Close) => what.push("closed".to_owned()),
                Some(steward_core::model::StateChange::Reopen) => what.push("reopened".to_owned()),
                None => {}
            }
        }
        for n in &d.actions.notes {
            match n {
                steward_core::reconcile::NoteAction::Create { key, .. } => {
                    what.push(format!("new comment `{key}`"))
                }
                steward_core::reconcile::NoteAction::Update { key, .. } => {
                    what.push(format!("edited comment `{key}`"))
                }
            }
        }
        writeln!(
            out,
            "    #{:<3} {:<58} {}",
            d.iid,
            truncate(&d.title, 58),
            what.join(", ")
        )?;
    }
    Ok(())
}

fn report_issue(
    h: &Harness,
    iid: IssueIid,
    r: &Request,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let Some(issue) = h.sim.issue(h.project(), iid) else {
        return writeln!(out, "#{iid}: missing from the simulator");
    };
    let labels: BTreeSet<LabelName> = issue.labels.iter().cloned().collect();
    let template = h
        .state
        .engine
        .templates()
        .recognise(&issue.description, &labels)
        .template()
        .map(|t| t.to_string())
        .unwrap_or_else(|| "(not recognised)".to_owned());
    writeln!(
        out,
        "#{iid}  {}  (filed by @{})",
        truncate(&issue.title, 200),
        r.by
    )?;
    writeln!(out, "    expected   {}", r.expect)?;
    writeln!(out, "    template   {template}")?;
    let names: Vec<&str> = issue.labels.iter().map(|l| l.as_str()).collect();
    writeln!(out, "    labels     {}", names.join(" · "))?;
    let who: Vec<String> = issue.assignees.iter().map(|u| format!("@{u}")).collect();
    writeln!(
        out,
        "    assignee   {:<16} due {}",
        if who.is_empty() {
            "(none)".to_owned()
        } else {
            who.join(", ")
        },
        issue
            .due_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "(none)".to_owned())
    )?;
    let notes: Vec<_> = h
        .sim
        .notes(h.project(), iid)
        .into_iter()
        .filter(|n| !n.system && n.author.as_str() == "steward-bot")
        .collect();
    if notes.is_empty() {
        writeln!(out, "    comments   (none)")?;
    }
    for note in notes {
        let key = steward_core::reconcile::marker_key(&note.body).unwrap_or("?");
        let edited = if note.updated_at > note.created_at {
            ", edited"
        } else {
            ""
        };
        let kind = if note.internal {
            "internal"
        } else {
            "comment "
        };
        writeln!(out, "    {kind}   `{key}`{edited}:")?;
        for line in note
            .body
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .take(6)
        {
            writeln!(out, "        | {}", line.trim_end())?;
        }
    }
    writeln!(out)
}

/// A title for the terminal: one line, control characters dropped, at most `n` characters.
fn truncate(s: &str, n: usize) -> String {
    steward_core::untrusted::one_line(s, n)
}

fn summary(c: &Counters, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "GitLab API calls in total (simulator counters):")?;
    for (endpoint, n) in &c.by_endpoint {
        writeln!(out, "    {endpoint:<14} {n}")?;
    }
    writeln!(
        out,
        "    webhooks sent {}, blocked by GitLab's recursion detection {}, quick actions run by Steward's text {}",
        c.webhooks_sent, c.webhooks_blocked, c.quick_actions
    )
}
