//! The demo's company calendar: a press interview planned in the quiet period before an earnings
//! call is flagged with the period's dates, and an accepted logo approval that states no expiry
//! is reminded before its default validity runs out, then flagged by the nightly sweep once it
//! has.
//!
//! Dates are computed from the simulated "now" and the shipped calendar, so the scene holds
//! for any `--now`.

use std::io::Write;

use chrono::Duration;

use super::report_issue;
use super::requests::Request;
use crate::harness::{Harness, HarnessError};

/// Files both requests, closes the approval as accepted, reports them, then sweeps after the
/// approval's expiry.
pub(super) async fn quiet_period_and_expiry(
    h: &Harness,
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let now = h.state.clock.now();
    let cal = h.state.engine.calendar();
    let today = cal.local_date(now);
    let quarter = cal.fiscal_quarter(today);
    let quiet = cal
        .quarter_end(quarter)
        .and_then(|end| cal.quiet_period_at(end))
        .ok_or_else(|| HarnessError("the shipped calendar has no quiet period".to_owned()))?;
    let publish = quiet.start + Duration::days(2);
    writeln!(
        out,
        "The company calendar ({}): the {} quiet period runs from {} through its earnings call on {}.\n",
        today, quiet.quarter, quiet.start, quiet.end
    )
    .map_err(io)?;
    let press = Request {
        by: "bmarketing",
        title: "Media interview for the Aperture Financial launch",
        text: include_str!("../../tests/data/requests/customer-press-request--clean.md")
            .replace(
                "**Embargo date:**",
                &format!("**Publish or interview date:** {publish}\n**Embargo date:**"),
            )
            .replace("2027-02-15", &(quiet.end + Duration::days(40)).to_string()),
        expect: "interview date in the quiet period: flagged with the period's dates",
    };
    let expires = today + Duration::days(20);
    let approved = expires - Duration::days(365);
    let approval = Request {
        by: "asales",
        title: "Northwind Logistics logo on the website",
        text: format!(
            "{}**Approval date:** {approved}\n**Approval scope:** logo on the customer wall\n",
            include_str!("../../tests/data/requests/customer-reference-approval--clean.md")
        ),
        expect: "accepted; approved a year ago with no stated expiry: the owner is reminded",
    };
    let press_iid = h.file(press.by, press.title, &press.text).await?;
    let approval_iid = h.file(approval.by, approval.title, &approval.text).await?;
    h.settle().await?;
    let director = h.user("nsmith")?;
    h.sim
        .add_note(
            h.project(),
            approval_iid,
            director,
            "Approved in writing, thanks!\n/label ~\"outcome::accepted\"\n/close",
        )
        .map_err(|e| HarnessError(format!("closing #{approval_iid}: {e}")))?;
    h.settle().await?;
    report_issue(h, press_iid, &press, out).map_err(io)?;
    report_issue(h, approval_iid, &approval, out).map_err(io)?;

    let later = now + Duration::days(22);
    h.set_now(later);
    let report = h.sweep(true).await?;
    h.settle().await?;
    writeln!(
        out,
        "On {} (the approval ended on {expires}), the nightly sweep re-decides the accepted approvals too: the expired one is flagged and reopened for its renewal (due 10 business days after it ended):",
        later.format("%Y-%m-%d")
    )
    .map_err(io)?;
    super::print_drift(&report, out).map_err(io)?;
    writeln!(out).map_err(io)
}
