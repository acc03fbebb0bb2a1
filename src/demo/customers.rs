//! The demo's customer-ledger step: a third rep asks for the same customer at the same event
//! as the first request, under another spelling of both. Steward counts the account's asks
//! across programs (over the fatigue cap: the requester is told once), links the two requests
//! as possible duplicates and tells both requesters; the team's internal note lists the asks.

use std::io::Write;

use super::report_issue;
use super::requests::Request;
use crate::harness::{Harness, HarnessError};
use steward_core::model::IssueIid;

/// Files the duplicate request and reports both requests of the pair.
pub(super) async fn fatigue_and_duplicate(
    h: &Harness,
    first: IssueIid,
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let speaker = include_str!("../../tests/data/requests/customer-speaker-request--clean.md");
    let again = Request {
        by: "ccs",
        title: "Northwind speaker for the Chicago World Tour",
        text: speaker
            .replace("Northwind Logistics", "NORTHWIND LOGISTICS, Inc.")
            .replace(
                "GitLab DevSecOps World Tour Chicago",
                "DevSecOps World Tour – Chicago",
            ),
        expect: "the third open ask of Northwind, for the same event as the first: over the \
                 fatigue cap and a duplicate, linked, each requester told once",
    };
    let iid = h.file(again.by, again.title, &again.text).await?;
    h.settle().await?;
    writeln!(
        out,
        "Customer ledger: one more request for Northwind Logistics, spelt another way.\n"
    )
    .map_err(io)?;
    report_issue(h, iid, &again, out).map_err(io)?;
    let original = Request {
        by: "asales",
        expect: "the first request, now linked to its possible duplicate",
        ..again
    };
    report_issue(h, first, &original, out).map_err(io)
}
