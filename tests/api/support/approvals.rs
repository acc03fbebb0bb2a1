//! Approval requests and closings as the team makes them in the simulator.

use steward::harness::Harness;
use steward_core::model::IssueIid;

/// Files the clean logo/name approval request as `asales` with written approval dated
/// `approved` (no stated expiry: the calendar's default validity applies), and lets Steward
/// handle whatever webhooks it is sent.
pub async fn file_approval(h: &Harness, approved: &str) -> IssueIid {
    let text = format!(
        "{}**Approval date:** {approved}\n",
        include_str!("../../data/requests/customer-reference-approval--clean.md")
    );
    let iid = h.file("asales", "Northwind logo", &text).await.unwrap();
    h.settle().await.unwrap();
    iid
}

/// The team lead closes `iid` with `outcome` in one comment of quick actions.
pub fn close_as(h: &Harness, iid: IssueIid, outcome: &str) {
    let director = h.user("nsmith").unwrap();
    let body = format!("/label ~\"{outcome}\"\n/close");
    h.sim.add_note(h.project(), iid, director, &body).unwrap();
}
