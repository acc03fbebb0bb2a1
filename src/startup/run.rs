//! Running an [`App`]: the HTTP server, the scheduler, the calendar watch, the store's daily
//! pruning and the workers,
//! each under a supervisor, with one shutdown signal for all of them.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::App;
use crate::jobs::supervisor::{RESTART_PAUSE, supervise};
use crate::service::{AppState, calendar_watch, retention};

/// A started service: its address and the handle that stops it.
#[derive(Debug)]
pub struct Running {
    /// The bound HTTP address (port 0 resolves to a real port).
    pub addr: SocketAddr,
    /// The status page's bound address, when `status.listen` is set.
    pub status_addr: Option<SocketAddr>,
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

impl App {
    /// Binds `settings.listen`, serves the HTTP API, runs the schedules and `workers` worker
    /// tasks (0 for none, e.g. tests that drain the queue explicitly; `steward serve` runs
    /// `settings.worker.concurrency`).
    pub async fn start(&self, workers: usize) -> std::io::Result<Running> {
        let state = &self.state;
        let listener = tokio::net::TcpListener::bind(self.settings.listen).await?;
        // The calendar's coverage, before any task reads the clock: logged among the first lines.
        let calendar = state.engine.calendar();
        calendar_watch::check(calendar, state.clock.now());
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let mut tasks = tokio::task::JoinSet::new();

        let router = http_router(state);
        let limits = crate::http::server_limits(&state.webhook);
        tasks.spawn(crate::http::server::serve(
            listener,
            router,
            limits,
            shutdown.clone(),
        ));
        let status_addr = self.start_status_page(&shutdown, &mut tasks).await?;
        if !state.schedules.is_empty() {
            spawn_scheduler(state, &shutdown, &mut tasks);
        }
        // The daily tasks run under a supervisor too: one that dies is started again.
        let (calendar, clock, stop) = (calendar.clone(), state.clock.clone(), shutdown.clone());
        let watch = move || calendar_watch::run(calendar.clone(), clock.clone(), stop.clone());
        let stop = shutdown.clone();
        tasks.spawn(async move {
            supervise(
                "calendar-watch",
                "calendar-watch".to_owned(),
                stop,
                RESTART_PAUSE,
                watch,
            )
            .await;
        });
        let (store, clock, stop) = (state.store.clone(), state.clock.clone(), shutdown.clone());
        let prune = move || retention::run(store.clone(), clock.clone(), stop.clone());
        let stop = shutdown.clone();
        tasks.spawn(async move {
            supervise(
                "retention",
                "retention".to_owned(),
                stop,
                RESTART_PAUSE,
                prune,
            )
            .await;
        });
        // Each worker runs under a supervisor: a worker task that ends before shutdown is logged
        // and started again (a panic inside a job already only fails that job).
        for n in 0..workers {
            let name = format!("{}-{n}", worker_prefix());
            let worker = crate::jobs::worker::Worker::new(
                state.job_deps(),
                state.worker.lease,
                name.clone(),
            );
            let stop = shutdown.clone();
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
            status_addr,
            shutdown,
            tasks,
        })
    }
}

impl App {
    /// Binds `settings.status.listen`, when set, and serves the status page there (same
    /// connection limits as the main listener). Returns the bound address.
    async fn start_status_page(
        &self,
        shutdown: &CancellationToken,
        tasks: &mut tokio::task::JoinSet<()>,
    ) -> std::io::Result<Option<SocketAddr>> {
        let Some(listen) = self.settings.status.listen else {
            return Ok(None);
        };
        let state = &self.state;
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let deps = crate::status::StatusDeps {
            sync: state.job_deps().sync,
            projects: state.projects.clone(),
            schedules: std::sync::Arc::new(state.schedules.clone()),
            metrics: state.metrics.clone(),
            token: self.settings.status.token.clone(),
        };
        tasks.spawn(crate::http::server::serve(
            listener,
            crate::status::router(deps),
            crate::http::server_limits(&state.webhook),
            shutdown.clone(),
        ));
        Ok(Some(addr))
    }
}

/// The HTTP surface with what it uses of the state, and nothing more.
fn http_router(state: &AppState) -> axum::Router {
    use crate::http::webhook::{Intake, Receiver};
    let receiver = Receiver {
        store: state.store.clone(),
        clock: state.clock.clone(),
        webhook: state.webhook.clone(),
        auth: state.auth.clone(),
        bot: state.bot.id,
        projects: state.projects.clone(),
        jobs_ready: state.jobs_ready.clone(),
    };
    let probes = crate::http::Probes {
        store: state.store.clone(),
        metrics: state.metrics.clone(),
    };
    crate::http::router(Intake::new(receiver), probes)
}

fn spawn_scheduler(
    state: &Arc<AppState>,
    shutdown: &CancellationToken,
    tasks: &mut tokio::task::JoinSet<()>,
) {
    let name = format!("{}-scheduler", worker_prefix());
    let scheduler = Arc::new(crate::schedule::Scheduler::new(
        state.schedules.clone(),
        state.store.clone(),
        Arc::new(JobSink {
            state: state.clone(),
        }),
        name.clone(),
    ));
    let (stop, clock) = (shutdown.clone(), state.clock.clone());
    let start = move || {
        let (scheduler, stop, clock) = (scheduler.clone(), stop.clone(), clock.clone());
        async move { scheduler.run(stop, clock).await }
    };
    let stop = shutdown.clone();
    tasks.spawn(async move {
        supervise("scheduler", name, stop, RESTART_PAUSE, start).await;
    });
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
            let job = schedule.job().clone().for_slot(crate::queue::SlotRef {
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
