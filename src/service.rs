//! Assembles a running Steward: shared state, the HTTP server and the workers, with one shutdown
//! signal for all of them. `steward serve`, `steward demo` and the end-to-end tests start it the
//! same way (CONVENTIONS: startup builds the app and returns its bound port).

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, RwLock};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::{WebhookSettings, WorkerSettings};
use crate::gitlab::{CallContext, GitLab, GitLabError};
use crate::model::{LabelName, ProjectId, UserId, UserRef};
use crate::rules::Engine;
use crate::store::Store;

/// Everything request and job handlers share. Built once; no globals.
pub struct AppState {
    /// Durable store.
    pub store: Arc<dyn Store>,
    /// GitLab.
    pub gitlab: Arc<dyn GitLab>,
    /// Templates, rules, roster and calendar.
    pub engine: Arc<Engine>,
    /// Source of "now".
    pub clock: Arc<dyn Clock>,
    /// Webhook authentication and limits.
    pub webhook: WebhookSettings,
    /// Worker settings.
    pub worker: WorkerSettings,
    /// Steward's own GitLab user (its events are echoes and are skipped).
    pub bot: UserRef,
    /// Projects served; empty means every project that sends webhooks.
    pub projects: Vec<ProjectId>,
    /// Wakes idle workers when a job is enqueued.
    pub jobs_ready: Notify,
    /// Cached project labels and user ids.
    pub cache: Cache,
    /// Prometheus exposition, when metrics are enabled.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("bot", &self.bot)
            .field("projects", &self.projects)
            .finish_non_exhaustive()
    }
}

/// How long a project's label list is trusted before it is read again.
const LABEL_CACHE_TTL: Duration = Duration::from_secs(600);

/// Read-through caches of slow-changing GitLab data, so a webhook costs one issue read.
#[derive(Debug, Default)]
pub struct Cache {
    labels: RwLock<HashMap<ProjectId, (BTreeSet<LabelName>, std::time::Instant)>>,
    users: RwLock<HashMap<String, Option<UserId>>>,
}

impl AppState {
    /// Whether webhooks of `project` are handled.
    pub fn serves(&self, project: ProjectId) -> bool {
        self.projects.is_empty() || self.projects.contains(&project)
    }

    /// The project's labels, read at most once per [`LABEL_CACHE_TTL`]. `refresh` forces a read
    /// (used when the rules want a label the cached list lacks: it may have been created since).
    pub async fn project_labels(
        &self,
        project: ProjectId,
        refresh: bool,
    ) -> Result<BTreeSet<LabelName>, GitLabError> {
        if !refresh
            && let Some((labels, at)) = self.cache.labels.read().await.get(&project)
            && at.elapsed() < LABEL_CACHE_TTL
        {
            return Ok(labels.clone());
        }
        let labels: BTreeSet<LabelName> = self
            .gitlab
            .project_labels(&CallContext::none(), project)
            .await?
            .into_iter()
            .collect();
        self.cache
            .labels
            .write()
            .await
            .insert(project, (labels.clone(), std::time::Instant::now()));
        Ok(labels)
    }

    /// Ids of the given usernames (lower-cased keys); unknown users are left out. Each username
    /// is looked up once per process.
    pub async fn user_ids(
        &self,
        usernames: impl IntoIterator<Item = &str>,
    ) -> Result<HashMap<String, UserId>, GitLabError> {
        let mut out = HashMap::new();
        for name in usernames {
            let key = name.to_ascii_lowercase();
            let cached = self.cache.users.read().await.get(&key).copied();
            let id = match cached {
                Some(id) => id,
                None => {
                    let found = self
                        .gitlab
                        .user_by_username(&CallContext::none(), &crate::model::Username(key.clone()))
                        .await?
                        .map(|u| u.id);
                    self.cache.users.write().await.insert(key.clone(), found);
                    found
                }
            };
            if let Some(id) = id {
                out.insert(key, id);
            }
        }
        Ok(out)
    }
}

/// A started service: its address and the handle that stops it.
#[derive(Debug)]
pub struct Running {
    /// The bound HTTP address (port 0 resolves to a real port).
    pub addr: SocketAddr,
    /// Cancel to shut down gracefully: HTTP stops accepting, workers finish their current job.
    pub shutdown: CancellationToken,
    /// Completes when every task has stopped.
    pub tasks: tokio::task::JoinSet<()>,
}

impl Running {
    /// Signals shutdown and waits for every task.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Binds `listen`, serves the HTTP API and runs `workers` worker tasks (0 for none, e.g. tests
/// that drain the queue explicitly).
pub async fn start(
    state: Arc<AppState>,
    listen: SocketAddr,
    workers: usize,
) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();

    let router = crate::http::router(state.clone());
    let http_shutdown = shutdown.clone();
    tasks.spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { http_shutdown.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "HTTP server stopped with an error");
        }
    });

    for n in 0..workers {
        let worker = crate::jobs::worker::Worker::new(state.clone(), format!("{}-{n}", worker_prefix()));
        let stop = shutdown.clone();
        tasks.spawn(async move { worker.run(stop).await });
    }
    Ok(Running {
        addr,
        shutdown,
        tasks,
    })
}

/// A worker id prefix unique to this process (host name is not always available; pid is).
fn worker_prefix() -> String {
    format!("pid{}", std::process::id())
}
