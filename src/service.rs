//! Assembles a running Steward: shared state, the HTTP server and the workers, with one shutdown
//! signal for all of them. `steward serve`, `steward demo` and the end-to-end tests start it the
//! same way (CONVENTIONS: startup builds the app and returns its bound port).

pub mod calendar_watch;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::{WebhookSettings, WorkerSettings};
use crate::gitlab::auth::WebhookAuthConfig;
use crate::gitlab::{CallContext, GitLab, GitLabError};
use crate::jobs::supervisor::{RESTART_PAUSE, supervise};
use crate::store::Store;
use steward_core::clock::Clock;
use steward_core::model::{LabelName, ProjectId, UserId, UserRef};
use steward_core::rules::Engine;

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
    /// Wakes idle workers when a job is enqueued.
    pub jobs_ready: Arc<Notify>,
    /// Cached project labels and user ids.
    pub directory: Arc<crate::jobs::Directory>,
    /// Prometheus exposition, when metrics are enabled.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// When this store was first used: owned-note records are complete for issues created
    /// after it (see `jobs::notes::stored_notes`).
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

    /// The project's labels, cached (see [`crate::jobs::Directory::project_labels`]).
    pub async fn project_labels(
        &self,
        project: ProjectId,
        refresh: bool,
    ) -> Result<BTreeSet<LabelName>, GitLabError> {
        self.directory.project_labels(project, refresh).await
    }

    /// Ids of the given usernames (see [`crate::jobs::Directory::user_ids`]).
    pub async fn user_ids(
        &self,
        usernames: &[steward_core::model::Username],
    ) -> Result<HashMap<String, UserId>, GitLabError> {
        self.directory.user_ids(usernames).await
    }

    /// What the job runner and the jobs use of this state.
    pub fn job_deps(&self) -> crate::jobs::JobDeps {
        crate::jobs::JobDeps {
            sync: crate::jobs::SyncDeps {
                store: self.store.clone(),
                gitlab: self.gitlab.clone(),
                engine: self.engine.clone(),
                clock: self.clock.clone(),
                directory: self.directory.clone(),
                bot: self.bot.clone(),
                store_born: self.store_born,
            },
            projects: self.projects.clone(),
            digest: self.digest.clone(),
            jobs_ready: self.jobs_ready.clone(),
        }
    }
}

/// A start-up problem, said so that the operator can fix it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// GitLab did not answer `GET /user` with the configured token.
    #[error(
        "GitLab did not accept Steward's token ({0}); check gitlab.url and the token \
         (it needs the `api` scope)"
    )]
    GitLab(#[source] GitLabError),
    /// GitLab kept failing transiently (5xx, 429, timeouts, refused connections) for longer
    /// than start-up waits.
    #[error(
        "GitLab kept failing `GET /user` for {waited_secs} s (last: {error}); check that \
         gitlab.url is reachable from this host and that GitLab is up, then start again"
    )]
    GitLabUnavailable {
        /// The last error.
        #[source]
        error: GitLabError,
        /// How long start-up kept trying.
        waited_secs: u64,
    },
    /// The store could not be prepared.
    #[error("the database could not be prepared: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// The parts an [`AppState`] is built from.
pub struct Parts {
    /// Durable store (already migrated).
    pub store: Arc<dyn Store>,
    /// GitLab.
    pub gitlab: Arc<dyn GitLab>,
    /// Loaded configuration.
    pub engine: Arc<Engine>,
    /// Source of "now".
    pub clock: Arc<dyn Clock>,
    /// Webhook settings.
    pub webhook: WebhookSettings,
    /// Worker settings.
    pub worker: WorkerSettings,
    /// Projects served (empty: all).
    pub projects: Vec<ProjectId>,
    /// Weekly digest configuration, if any.
    pub digest: Option<steward_core::digest::DigestConfig>,
    /// Schedules the service runs (empty: none, e.g. tests that sweep explicitly).
    pub schedules: Vec<crate::schedule::Schedule>,
}

impl AppState {
    /// Checks GitLab (who is the bot?), stamps the store's birth time on first use, and
    /// reports labels the rules use that a served project lacks (Steward will not create them).
    pub async fn assemble(parts: Parts) -> Result<Self, StartupError> {
        let bot = whoami(parts.gitlab.as_ref()).await?;
        let store_born = parts.store.stamp_initialised_at(parts.clock.now()).await?;
        let auth = WebhookAuthConfig {
            secret_tokens: parts.webhook.secrets.clone(),
            signing_tokens: parts.webhook.signing_tokens.clone(),
            replay_window: parts.webhook.replay_window,
        };
        let state = AppState {
            directory: Arc::new(crate::jobs::Directory::new(parts.gitlab.clone())),
            store: parts.store,
            gitlab: parts.gitlab,
            engine: parts.engine,
            clock: parts.clock,
            webhook: parts.webhook,
            auth,
            worker: parts.worker,
            bot,
            projects: parts.projects,
            jobs_ready: Arc::new(Notify::new()),
            metrics: install_metrics(),
            store_born,
            digest: parts.digest,
            schedules: parts.schedules,
        };
        // Resolve the roster's usernames once, so the first request of each role costs no user
        // lookup, and a roster typo is reported at start-up rather than at the first request.
        let mut members: Vec<steward_core::model::Username> = Vec::new();
        for role in state.engine.roster().role_names() {
            for u in state.engine.roster().role(role).unwrap_or(&[]) {
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
        let wanted = state.engine.labels_used();
        for project in state.projects.clone() {
            match state.project_labels(project, true).await {
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
        Ok(state)
    }
}

/// How long start-up keeps asking GitLab who the bot is while GitLab fails transiently: a
/// restart during a burst of 429s or a GitLab hiccup must not leave Steward down.
const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

/// `GET /user`, retried with backoff (honouring `Retry-After`) while GitLab fails transiently,
/// for at most [`STARTUP_PATIENCE`]; a refusal (401, 403…) fails at once.
async fn whoami(gitlab: &dyn GitLab) -> Result<UserRef, StartupError> {
    let started = std::time::Instant::now();
    let mut backoff = Duration::from_millis(500);
    loop {
        match gitlab.current_user(&CallContext::none()).await {
            Ok(user) => return Ok(user),
            Err(e) if !e.is_transient() => return Err(StartupError::GitLab(e)),
            Err(e) => {
                let pause = e.retry_after().unwrap_or(backoff);
                if started.elapsed() + pause > STARTUP_PATIENCE {
                    return Err(StartupError::GitLabUnavailable {
                        error: e,
                        waited_secs: started.elapsed().as_secs(),
                    });
                }
                tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64,
                    "GitLab is not answering GET /user yet; retrying");
                tokio::time::sleep(pause).await;
                backoff = (backoff * 2).min(Duration::from_secs(8));
            }
        }
    }
}

/// Installs the process-wide Prometheus recorder once; later calls return the same handle.
pub fn install_metrics() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics are disabled"))
                .ok()
        })
        .clone()
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
    // The calendar's coverage, before any task reads the clock: logged among the first lines.
    let calendar = state.engine.calendar();
    calendar_watch::check(calendar, state.clock.now());
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();

    let router = crate::http::router(state.clone());
    let limits = crate::http::server_limits(&state);
    tasks.spawn(crate::http::server::serve(
        listener,
        router,
        limits,
        shutdown.clone(),
    ));

    if !state.schedules.is_empty() {
        let scheduler = crate::schedule::Scheduler::new(
            state.schedules.clone(),
            state.store.clone(),
            Arc::new(JobSink {
                state: state.clone(),
            }),
            format!("{}-scheduler", worker_prefix()),
        );
        let scheduler = Arc::new(scheduler);
        let (stop, clock) = (shutdown.clone(), state.clock.clone());
        let name = format!("{}-scheduler", worker_prefix());
        let start = move || {
            let (scheduler, stop, clock) = (scheduler.clone(), stop.clone(), clock.clone());
            async move { scheduler.run(stop, clock).await }
        };
        let stop = shutdown.clone();
        tasks.spawn(async move {
            supervise("scheduler", name, stop, RESTART_PAUSE, start).await;
        });
    }

    let (calendar, clock, stop) = (calendar.clone(), state.clock.clone(), shutdown.clone());
    tasks.spawn(calendar_watch::run(calendar, clock, stop));

    // Each worker runs under a supervisor: a worker task that ends before shutdown is logged
    // and started again (a panic inside a job already only fails that job).
    for n in 0..workers {
        let worker = crate::jobs::worker::Worker::new(
            state.job_deps(),
            state.worker.lease,
            format!("{}-{n}", worker_prefix()),
        );
        let (stop, name) = (shutdown.clone(), format!("{}-{n}", worker_prefix()));
        let start = move || {
            let (worker, stop) = (worker.clone(), stop.clone());
            async move { worker.run(stop).await }
        };
        let stop = shutdown.clone();
        tasks.spawn(async move {
            supervise("worker", name, stop, RESTART_PAUSE, start).await;
        });
    }
    Ok(Running {
        addr,
        shutdown,
        tasks,
    })
}

/// Turns a won schedule slot into a job in the store.
struct JobSink {
    state: Arc<AppState>,
}

impl crate::schedule::SlotSink for JobSink {
    fn enqueue<'a>(
        &'a self,
        schedule: &'a crate::schedule::Schedule,
        slot: chrono::DateTime<chrono::Utc>,
    ) -> crate::store::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let job = schedule.job().clone().for_slot(crate::jobs::SlotRef {
                schedule: schedule.name().to_owned(),
                slot,
            });
            self.state
                .store
                // Not coalesced: each slot's job finishes its own slot.
                .enqueue_job(job.to_row(slot))
                .await
                .map_err(|e| e.to_string())?;
            self.state.jobs_ready.notify_waiters();
            Ok(())
        })
    }
}

/// A worker id prefix unique to this process (host name is not always available; pid is).
fn worker_prefix() -> String {
    format!("pid{}", std::process::id())
}

#[cfg(test)]
mod startup_tests {
    use super::*;
    use crate::gitlab::{ClientConfig, RestGitLab};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn client(server: &MockServer) -> RestGitLab {
        let cfg = ClientConfig::new(
            server.uri().parse().unwrap(),
            secrecy::SecretString::from("glpat-startup"),
        );
        RestGitLab::new(cfg).unwrap()
    }

    #[tokio::test]
    async fn start_up_waits_out_a_failing_gitlab_but_not_a_refused_token() {
        let server = MockServer::start().await;
        // More failures in a row than one call's in-place retries absorb.
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(ResponseTemplate::new(502))
            .up_to_n_times(5)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"id": 5, "username": "steward-bot"})),
            )
            .mount(&server)
            .await;
        let bot = whoami(&client(&server)).await.unwrap();
        assert_eq!(bot.username.as_str(), "steward-bot");
        assert_eq!(server.received_requests().await.unwrap().len(), 6);

        let refused = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(serde_json::json!({"message": "401 Unauthorized"})),
            )
            .mount(&refused)
            .await;
        let err = whoami(&client(&refused)).await.unwrap_err();
        assert!(matches!(err, StartupError::GitLab(_)), "{err}");
        assert!(
            err.to_string().contains("check gitlab.url and the token"),
            "{err}"
        );
        assert_eq!(
            refused.received_requests().await.unwrap().len(),
            1,
            "no retry"
        );
    }
}
