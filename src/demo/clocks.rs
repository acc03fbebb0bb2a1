//! The demo's clocks: a request that waits on its requester (its clock paused, one nudge for
//! the requester alone, resumed without the days waited), escalations that go up, and an
//! absence that is covered when it starts.

use std::io::Write;

use chrono::{DateTime, Utc};

use super::requests::Request;
use super::{print_drift, report_issue};
use crate::harness::{Harness, HarnessError};
use steward_core::model::IssueIid;
use steward_sim::IssueChange;

/// The press request whose requester leaves its type unticked (#6, due 2026-12-03).
const WAITING: usize = 5;
/// The reference request assigned to Jocelyn and overdue since 2026-12-04 (#10).
const COVERED: usize = 9;
/// The press request owned by the team lead herself (the press DRI) is the waiting one (#6):
/// once its clock resumes it is escalated, about her own work.
const LEADS_OWN: usize = WAITING;

fn io(e: std::io::Error) -> HarnessError {
    HarnessError(format!("writing the report: {e}"))
}

fn nth(filed: &[IssueIid], i: usize) -> Result<IssueIid, HarnessError> {
    filed
        .get(i)
        .copied()
        .ok_or_else(|| HarnessError(format!("request {i} was not filed")))
}

/// Edits a request's description as its requester and lets Steward handle the webhook.
async fn edit_as_requester(
    h: &Harness,
    r: &Request,
    iid: IssueIid,
    description: String,
) -> Result<(), HarnessError> {
    let requester = h.user(r.by)?;
    let change = IssueChange {
        description: Some(description),
        ..IssueChange::default()
    };
    h.sim
        .update_issue(h.project(), iid, requester, change)
        .map_err(|e| HarnessError(format!("editing #{iid}: {e}")))?;
    h.settle().await?;
    Ok(())
}

/// The day it is filed, the requester of the late press request unticks its type while they
/// check with the customer: the request now waits on them.
pub(super) async fn requester_unticks_the_type(
    h: &Harness,
    reqs: &[Request],
    filed: &[IssueIid],
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let (r, iid) = (&reqs[WAITING], nth(filed, WAITING)?);
    let unticked = r
        .text
        .replace("- [x] Media interview", "- [ ] Media interview");
    edit_as_requester(h, r, iid, unticked).await?;
    writeln!(
        out,
        "The same day @{} unticks the type of #{iid} while checking with the customer; the \
         request now waits on them and its clock is paused:",
        r.by
    )
    .map_err(io)?;
    report_issue(h, iid, r, out).map_err(io)
}

/// After the digests: the waiting request's requester answers (its clock resumes without the
/// days waited), an escalation about the lead's own request, then Jocelyn's time off starts
/// and the sweep hands her requests over.
pub(super) async fn clocks_and_cover(
    h: &Harness,
    now: DateTime<Utc>,
    reqs: &[Request],
    filed: &[IssueIid],
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    writeln!(out, "Clocks and cover\n").map_err(io)?;
    let (r, iid) = (&reqs[WAITING], nth(filed, WAITING)?);
    let answered = now + chrono::Duration::days(14);
    h.set_now(answered);
    edit_as_requester(h, r, iid, r.text.clone()).await?;
    let waited = waited_business_days(h, iid).await?;
    writeln!(
        out,
        "#{iid} waited on @{} for {waited} business days: the sweep of {} left it without an \
         overdue label, reminder or escalation, and @{} alone got one nudge. On {} they tick \
         the type again; the clock resumes, overdue since its due date but with the {waited} \
         days waited not counted towards an escalation:",
        r.by,
        (now + chrono::Duration::days(13)).format("%Y-%m-%d"),
        r.by,
        answered.format("%Y-%m-%d"),
    )
    .map_err(io)?;
    print_comments(h, iid, &["needs-info-nudge", "reminder-overdue"], out).map_err(io)?;
    writeln!(out, "    labels     {}\n", labels(h, iid).join(" · ")).map_err(io)?;

    let absence = now + chrono::Duration::days(26);
    h.set_now(absence);
    let report = h.sweep(true).await?;
    writeln!(
        out,
        "On {} Jocelyn's time off starts (rules/roster.yaml: until 2027-01-01; Rachel shares \
         her roles; handover: flag). The sweep: {}.",
        absence.format("%Y-%m-%d"),
        report.summary()
    )
    .map_err(io)?;
    print_drift(&report, out).map_err(io)?;
    let covered = nth(filed, COVERED)?;
    writeln!(out, "#{covered}, still assigned to @jhernandez:").map_err(io)?;
    let today = format!("reminder-overdue-{}", absence.format("%Y-%m-%d"));
    print_comments(h, covered, &["handover", &today], out).map_err(io)?;
    writeln!(out).map_err(io)?;

    let lead = nth(filed, LEADS_OWN)?;
    writeln!(
        out,
        "#{lead} is the team lead's own request (she is the press DRI); its escalation names her \
         without a mention and asks nobody about their own work (the handbook names no backup \
         for the lead, so the label carries it):"
    )
    .map_err(io)?;
    print_comments(h, lead, &["escalation-overdue"], out).map_err(io)?;
    writeln!(out).map_err(io)
}

/// Business days of the issue's last finished wait on its requester.
async fn waited_business_days(h: &Harness, iid: IssueIid) -> Result<i64, HarnessError> {
    let waiting = h
        .state
        .store
        .waiting(h.project(), iid)
        .await
        .map_err(|e| HarnessError(format!("reading #{iid}'s wait: {e}")))?;
    let cal = h.state.engine.calendar();
    Ok(waiting.past.last().map_or(0, |w| {
        cal.business_days_between(cal.local_date(w.from), cal.local_date(w.to))
    }))
}

fn labels(h: &Harness, iid: IssueIid) -> Vec<String> {
    h.sim
        .issue(h.project(), iid)
        .map(|i| i.labels.iter().map(|l| l.as_str().to_owned()).collect())
        .unwrap_or_default()
}

/// Steward's comments on the issue whose key starts with one of `keys`, in full.
fn print_comments(
    h: &Harness,
    iid: IssueIid,
    keys: &[&str],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for note in h.sim.notes(h.project(), iid) {
        if note.system || note.author.as_str() != "steward-bot" {
            continue;
        }
        let key = steward_core::reconcile::marker_key(&note.body).unwrap_or("?");
        if !keys.iter().any(|k| key.starts_with(k)) {
            continue;
        }
        writeln!(out, "    comment    `{key}`:")?;
        for line in note.body.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            writeln!(out, "        | {}", line.trim_end())?;
        }
    }
    Ok(())
}
