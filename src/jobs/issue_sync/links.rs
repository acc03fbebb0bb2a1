//! Issue sync's links to possible duplicates: GitLab issue links the customer ledger asked for,
//! written once each (audited) and recorded both ways.

use super::super::ledger::LedgerRun;
use super::{Sync, SyncError};
use crate::audit;
use crate::gitlab::GitLab;

impl Sync<'_> {
    /// Links the issue to each possible duplicate the ledger found that it is not linked to
    /// yet (`relates_to`, audited), and records the link both ways. A link GitLab already had
    /// (409) is recorded as well.
    pub(super) async fn link_duplicates(
        &self,
        ledger: &LedgerRun,
        rules: &[String],
    ) -> Result<Vec<String>, SyncError> {
        let (deps, job) = (self.deps, self.job);
        let mut summary = Vec::new();
        if ledger.plan.duplicates.is_empty() {
            return Ok(summary);
        }
        let linked = deps.store.issue_links(job.project, job.iid).await?;
        let this = (job.project, job.iid);
        for d in &ledger.plan.duplicates {
            let other = (d.project, d.iid);
            if linked.contains(&other) {
                continue;
            }
            let detail = format!("link to {}#{} (relates_to)", d.project, d.iid);
            let api_call = format!("POST /projects/{}/issues/{}/links", job.project, job.iid);
            let entry = self.write_entry("issue.link", api_call, &detail, rules);
            let send = deps
                .gitlab
                .link_issues(&self.ctx, job.project, job.iid, other);
            let done =
                |new: &bool| format!("{detail}{}", if *new { "" } else { ": already linked" });
            audit::logged(deps.store.as_ref(), entry, 201, send, done).await??;
            if let Err(e) = deps
                .store
                .add_issue_link(this, other, deps.clock.now())
                .await
            {
                tracing::warn!(error = %e, "could not record an issue link");
            }
            summary.push(format!("linked #{}", d.iid));
        }
        Ok(summary)
    }
}
