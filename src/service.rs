//! The state job handlers share: store, GitLab, configuration, clock and the service's
//! identity. It is built once, by [`crate::startup::build`]; nothing here starts tasks, serves
//! HTTP or knows the job kinds.

pub mod calendar_watch;
pub mod retention;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::{WebhookSettings, WorkerSettings};
use crate::gitlab::auth::WebhookAuthConfig;
use crate::gitlab::cached::CachedGitLab;
use crate::gitlab::{CallContext, GitLab, GitLabError};
use crate::store::Store;
use steward_core::clock::Clock;
use steward_core::model::{LabelName, ProjectId, UserId, UserRef, Username};
use steward_core::rules::Engine;

/// Everything request and job handlers share. Built once; no globals.
pub struct AppState {
    /// Durable store.
    pub store: Arc<dyn Store>,
    /// GitLab, behind the label and user caches of [`AppState::gitlab_cache`].
    pub gitlab: Arc<dyn GitLab>,
    /// The same GitLab as [`AppState::gitlab`], for forced label re-reads.
    pub gitlab_cache: Arc<CachedGitLab>,
    /// Templates, rules, roster and calendar.
    pub engine: Arc<Engine>,
    /// Source of "now".
    pub clock: Arc<dyn Clock>,
    /// Webhook limits.
    pub webhook: WebhookSettings,
    /// Webhook authentication (secret tokens, signing tokens, replay window).
    pub auth: WebhookAuthConfig,
    /// Worker settings.
    pub worker: WorkerSettings,
    /// Steward's own GitLab user (its events are echoes and are skipped).
    pub bot: UserRef,
    /// Projects served; empty means every project that sends webhooks.
    pub projects: Vec<ProjectId>,
    /// Wakes idle workers when a job is enqueued (shared with the webhook receiver).
    pub jobs_ready: Arc<Notify>,
    /// Prometheus exposition, when metrics are enabled.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// When this store was first used: owned-note records are complete for issues created
    /// after it (see `jobs::worker::stored_notes`).
    pub store_born: Option<chrono::DateTime<chrono::Utc>>,
    /// Weekly digest targets and program targets, when digests are configured.
    pub digest: Option<steward_core::digest::DigestConfig>,
    /// Schedules run by this process (every replica runs them; slots are claimed once).
    pub schedules: Vec<crate::schedule::Schedule>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("bot", &self.bot)
            .field("projects", &self.projects)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Whether webhooks of `project` are handled.
    pub fn serves(&self, project: ProjectId) -> bool {
        self.projects.is_empty() || self.projects.contains(&project)
    }

    /// The project's labels (see [`CachedGitLab::label_set`]).
    pub async fn project_labels(
        &self,
        project: ProjectId,
        refresh: bool,
    ) -> Result<BTreeSet<LabelName>, GitLabError> {
        self.gitlab_cache.label_set(project, refresh).await
    }

    /// Ids of the given usernames (see [`CachedGitLab::user_ids`]).
    pub async fn user_ids(
        &self,
        usernames: &[Username],
    ) -> Result<HashMap<String, UserId>, GitLabError> {
        self.gitlab_cache.user_ids(usernames).await
    }

    /// What the job runner and the jobs use of this state.
    pub fn job_deps(&self) -> crate::jobs::JobDeps {
        crate::jobs::JobDeps {
            sync: crate::jobs::SyncDeps {
                store: self.store.clone(),
                gitlab: self.gitlab_cache.clone(),
                engine: self.engine.clone(),
                clock: self.clock.clone(),
                bot: self.bot.clone(),
                store_born: self.store_born,
            },
            projects: self.projects.clone(),
            digest: self.digest.clone(),
            jobs_ready: self.jobs_ready.clone(),
        }
    }
}

/// Ids of the given usernames (lower-cased keys) as `gitlab` knows them; unknown users are
/// left out.
pub async fn user_ids(
    gitlab: &dyn GitLab,
    usernames: &[Username],
) -> Result<HashMap<String, UserId>, GitLabError> {
    let mut out = HashMap::new();
    for name in usernames {
        let key = name.as_str().to_ascii_lowercase();
        if let Some(user) = gitlab
            .user_by_username(&CallContext::none(), &Username(key.clone()))
            .await?
        {
            out.insert(key, user.id);
        }
    }
    Ok(out)
}
