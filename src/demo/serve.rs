//! `steward demo --serve`: after the scenario, two more requests show how the status page
//! treats what it must not trust (a confidential request, a title made of markup and a mass
//! mention), then the page's URL is printed and the demo keeps running until Ctrl-C.

use std::io::Write;

use crate::harness::{Harness, HarnessError};
use steward_core::model::IssueIid;
use steward_sim::NewIssue;

/// The hostile title the demo files (and the browser test looks for, escaped).
pub const HOSTILE_TITLE: &str =
    "<script>document.title='pwned'</script><img src=x onerror=alert(1)> @all urgent press quote";
/// The confidential request's title (never shown to a viewer without the status token).
pub const CONFIDENTIAL_TITLE: &str = "Northwind Bank speaker request (under NDA)";

/// Keeping the demo running with the status page.
pub struct Serve {
    /// Where the status page listens (port 0: any free port, printed).
    pub listen: std::net::SocketAddr,
    /// Serving stops when this completes.
    pub until: crate::boxed::BoxFuture<'static, ()>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listen", &self.listen)
            .finish_non_exhaustive()
    }
}

/// Files the two requests and settles them.
pub(super) async fn file_showcase(h: &Harness) -> Result<(IssueIid, IssueIid), HarnessError> {
    let speaker = include_str!("../../tests/data/requests/customer-speaker-request--clean.md");
    let press = include_str!("../../tests/data/requests/customer-press-request--clean.md");
    let requester = h.user("asales")?;
    let confidential = h
        .sim
        .create_issue(
            h.project(),
            requester,
            NewIssue {
                title: CONFIDENTIAL_TITLE.to_owned(),
                description: speaker.to_owned(),
                confidential: true,
                ..NewIssue::default()
            },
        )
        .map_err(|e| HarnessError(format!("filing the confidential request: {e}")))?;
    let hostile = h.file("bmarketing", HOSTILE_TITLE, press).await?;
    h.settle().await?;
    Ok((confidential, hostile))
}

/// Prints where the status page is, then waits for `until`.
pub(super) async fn keep_serving(
    h: &Harness,
    filed: (IssueIid, IssueIid),
    until: crate::boxed::BoxFuture<'static, ()>,
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let Some(addr) = h.running.status_addr else {
        return Err(HarnessError("the status page did not start".to_owned()));
    };
    let project = h.project();
    writeln!(
        out,
        "\nAlso filed: #{} (confidential) and #{} (its title is markup and @all).\n\
         Status page: http://{addr}/status\n\
         Explain one: http://{addr}/status/explain?issue={project}%23{}\n\
         Or: steward explain {project}#{} against a real GitLab.\n\
         Serving until Ctrl-C.",
        filed.0, filed.1, filed.1, filed.1
    )
    .map_err(io)?;
    out.flush().map_err(io)?;
    until.await;
    Ok(())
}
