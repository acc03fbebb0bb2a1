//! A GitLab simulator: an HTTP server with the REST subset Steward uses (GitLab's shapes,
//! pagination, label and quick-action semantics), webhook emission, rate-limit headers, fault
//! injection, a settable clock and call counters, plus in-process methods that act like a person
//! in GitLab's UI. It is for `steward demo`, tests and benchmarks; it is not a GitLab client and
//! shares no code with `gitlab`.

mod api;
mod api_issues;
mod api_labels;
mod api_links;
mod api_notes;
mod faults;
mod graphql;
mod handle;
mod ops;
mod paging;
mod quick;
mod render;
mod seed;
mod state;
pub mod types;
mod version;
mod webhooks;
mod work_items;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

pub use handle::SimHandle;
pub use seed::{
    PROGRAMS, Standalone, StandaloneConfig, TEAM_EPIC, TEAM_GROUP, TEAM_PROJECT, TeamSeed,
    TeamSeedOptions, TrackingEpic, run_standalone, seed_team_project, start_standalone,
};
pub use types::{
    Burst429, Counters, DeliveryRecord, Faults, HookConfig, HookDeliveryId, HookId, HookStatus,
    IssueChange, NewIssue, RefusedNotes, SimConfig, SimIssue, SimNote, WriteRecord,
};
pub use webhooks::standard_webhooks_signature;

/// Errors of the simulator's in-process API.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The server stopped with an I/O error.
    #[error("simulator server failed: {0}")]
    Serve(std::io::Error),
    /// A project, issue, user, group, epic, note or delivery that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// An input GitLab would refuse (empty title, empty note body…).
    #[error("invalid input: {0}")]
    Invalid(String),
}

/// Locks a mutex, recovering the data if a thread panicked while holding it (the simulator keeps
/// serving rather than poisoning every later request).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything the server task, the webhook sender and the handle share.
pub(crate) struct Shared {
    pub state: Mutex<state::State>,
    pub counters: Mutex<Counters>,
    /// Every write request (not GET) that reached authentication, in arrival order.
    pub write_log: Mutex<Vec<WriteRecord>>,
    pub faults: Mutex<faults::FaultState>,
    pub hooks: Mutex<webhooks::Hooks>,
    /// A fixed time set by `set_now`, or `None` for real time.
    pub clock: Mutex<Option<DateTime<Utc>>>,
    /// Added to the clock (fixed or real): GitLab's clock running ahead of or behind Steward's.
    pub clock_offset: Mutex<chrono::Duration>,
    pub wake: Notify,
    pub pending: watch::Sender<usize>,
    pub client: reqwest::Client,
    pub config: SimConfig,
    pub base_url: String,
}

impl Shared {
    /// The simulator clock (plus its offset), truncated to milliseconds like GitLab's
    /// timestamps.
    pub fn now(&self) -> DateTime<Utc> {
        let t = lock(&self.clock).unwrap_or_else(Utc::now) + *lock(&self.clock_offset);
        DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
    }

    pub fn instance_url(&self) -> String {
        self.config
            .instance_url
            .clone()
            .unwrap_or_else(|| self.base_url.clone())
    }
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds the server (127.0.0.1 on a random port unless `config.bind` says otherwise) and
    /// starts it with the webhook sender in the background.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let addr = config
            .bind
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SimError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SimError::Bind { addr, source })?;
        let base_url = format!("http://{local}");
        // GitLab counts 3xx as success and does not follow redirects for hooks (§1.5).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let st = state::State {
            web_base: base_url.clone(),
            ..state::State::default()
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(st),
            counters: Mutex::new(Counters::default()),
            write_log: Mutex::new(Vec::new()),
            faults: Mutex::new(faults::FaultState::new(
                config.requests_per_minute,
                config.notes_per_minute,
            )),
            hooks: Mutex::new(webhooks::Hooks::new(config.seed)),
            clock: Mutex::new(None),
            clock_offset: Mutex::new(chrono::Duration::zero()),
            wake: Notify::new(),
            pending: watch::Sender::new(0),
            client,
            config,
            base_url,
        });
        let stop = CancellationToken::new();
        let app = api::router(shared.clone());
        let server_stop = stop.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(server_stop.cancelled_owned())
                .await
        });
        let sender = tokio::spawn(webhooks::run_sender(shared.clone(), stop.clone()));
        Ok(SimHandle::new(shared, local, stop, server, sender))
    }
}
