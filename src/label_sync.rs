//! The labels `rules/labels.yaml` declares, against a project's labels: which are missing
//! there, and, only when asked (`steward labels --apply`), creating them, each write audited
//! ahead. Steward never creates a label implicitly: rules that name a label the project lacks
//! are held back instead (GITLAB.md §3.1).
//!
//! Must not decide which labels exist in the configuration (that is `labels.yaml`, validated by
//! `steward_core`); it only compares and creates.

use chrono::{DateTime, Utc};

use crate::gitlab::{CallContext, GitLab, GitLabError};
use crate::store::{AuditEntry, Store, StoreError};
use steward_core::model::ProjectId;
use steward_core::rules::labels::{LabelCatalog, LabelSpec};

/// The declared labels `project` lacks, in the catalogue's order (by name). Labels of the
/// project's ancestor groups count as present: they can be used on its issues.
pub async fn missing_labels(
    gitlab: &dyn GitLab,
    catalog: &LabelCatalog,
    project: ProjectId,
) -> Result<Vec<LabelSpec>, GitLabError> {
    let present = gitlab.project_labels(&CallContext::none(), project).await?;
    Ok(catalog
        .iter()
        .filter(|spec| !present.contains(&spec.name))
        .cloned()
        .collect())
}

/// What became of one label to create.
#[derive(Debug)]
pub enum Creation {
    /// GitLab created it.
    Created,
    /// GitLab already had it (409: someone created it since it was listed).
    AlreadyThere,
    /// GitLab refused or failed; the error says why.
    Failed(GitLabError),
}

/// Creates each of `labels` in `project`, one audited write each (action `label.create`),
/// and says what became of each. The error means an audit entry could not be stored: that
/// label and the ones after it were not sent.
pub async fn create_labels(
    gitlab: &dyn GitLab,
    store: &dyn Store,
    project: ProjectId,
    labels: &[LabelSpec],
    now: DateTime<Utc>,
) -> Result<Vec<(LabelSpec, Creation)>, StoreError> {
    let mut out = Vec::with_capacity(labels.len());
    for spec in labels {
        let entry = AuditEntry {
            at: now,
            job_id: None,
            delivery_id: None,
            project_id: Some(project),
            issue_iid: None,
            actor: "steward labels --apply".to_owned(),
            rule_names: Vec::new(),
            action: "label.create".to_owned(),
            api_call: Some(format!("POST /projects/{project}/labels")),
            response_status: None,
            detail: format!("create label `{}` ({})", spec.name, spec.color),
        };
        let ctx = CallContext::none();
        let send = gitlab.create_label(&ctx, project, spec);
        let detail = entry.detail.clone();
        let answer = crate::audit::logged(store, entry, 201, send, |_| detail).await?;
        let creation = match answer {
            Ok(()) => Creation::Created,
            Err(e) if e.status() == Some(409) => Creation::AlreadyThere,
            Err(e) => Creation::Failed(e),
        };
        out.push((spec.clone(), creation));
    }
    Ok(out)
}
