//! What start-up tells the operator about the configuration against GitLab: roster members
//! GitLab does not know, labels the rules use that a served project lacks. Neither stops the
//! service; both are logged as errors so they are fixed before they matter. Looking them up
//! also fills the GitLab caches, so the first request of each role costs no user lookup.

use crate::service::AppState;
use steward_core::model::Username;

/// Resolves the roster's usernames once, so a roster typo is reported at start-up rather than
/// at the first request.
pub(super) async fn roster_users(state: &AppState) {
    let roster = state.engine.roster();
    let mut members: Vec<Username> = Vec::new();
    for role in roster.role_names() {
        for u in roster.role(role).unwrap_or(&[]) {
            if !members.contains(u) {
                members.push(u.clone());
            }
        }
    }
    match state.user_ids(&members).await {
        Ok(found) => {
            for m in &members {
                if !found.contains_key(&m.as_str().to_ascii_lowercase()) {
                    tracing::error!(user = %m, "a roster member is not a GitLab user; fix rules/roster.yaml");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not look up the roster's users"),
    }
}

/// Reads each served project's labels and names the ones the rules use that it lacks.
pub(super) async fn missing_labels(state: &AppState) {
    let wanted = state.engine.labels_used();
    for project in &state.projects {
        match state.project_labels(*project, true).await {
            Ok(have) => {
                let missing: Vec<&str> = wanted
                    .iter()
                    .filter(|l| !have.contains(*l))
                    .map(|l| l.as_str())
                    .collect();
                if !missing.is_empty() {
                    tracing::error!(
                        project = %project,
                        missing = %missing.join(", "),
                        "labels used by the rules do not exist in the project; Steward will \
                         not apply them until they are created (it never creates labels)"
                    );
                }
            }
            Err(e) => {
                tracing::warn!(project = %project, error = %e, "could not read project labels")
            }
        }
    }
}
