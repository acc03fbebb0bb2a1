//! The one way a Steward starts: validated [`Settings`] in, a connected [`App`] out.
//! `steward serve`, `steward sweep` and `steward digest`, the simulator harness (and through it
//! `steward demo` and the benchmarks) all call [`build`]; what is not a setting (the source of
//! "now", a store or GitLab shared with another instance) is an explicit [`Wiring`], and
//! whether background workers run is an argument of [`App::start`] (CONVENTIONS: startup
//! builds the app and returns its bound port).

mod connect;
mod report;
mod run;
#[cfg(feature = "sim")]
pub mod test_clock;

use std::sync::Arc;

use crate::config::Settings;
use crate::gitlab::GitLab;
use crate::gitlab::cached::CachedGitLab;
use crate::gitlab::{GitLabError, auth::WebhookAuthConfig};
use crate::service::AppState;
use crate::store::{Store, StoreOptions};
use steward_core::clock::{Clock, SystemClock};
use steward_core::rules::Engine;

pub use connect::install_metrics;
pub use run::Running;

/// What a Steward is wired to besides its settings.
pub struct Wiring {
    /// Source of "now" (the system clock, or a manual one shared with a simulator).
    pub clock: Arc<dyn Clock>,
    /// Where the store comes from.
    pub store: StoreSource,
    /// A GitLab to use instead of the REST client `settings.gitlab` describes (it is wrapped
    /// in the label and user caches all the same).
    pub gitlab: Option<Arc<dyn GitLab>>,
    /// Templates, rules, roster and calendar already loaded (`None`: loaded from the settings'
    /// directories).
    pub engine: Option<Arc<Engine>>,
}

impl Wiring {
    /// The system clock, the store and GitLab the settings name, the configuration on disk.
    ///
    /// With the `sim` feature, a test may set `STEWARD_TEST_CLOCK_FILE` to make "now" the
    /// instant written in that file ([`test_clock`]); start-up then says so in a warning.
    pub fn system() -> Self {
        #[cfg(feature = "sim")]
        if let Some(path) = std::env::var_os(test_clock::TEST_CLOCK_VAR) {
            let path = std::path::PathBuf::from(path);
            tracing::warn!(file = %path.display(), "{} is set: \"now\" is read from that file \
                (a test clock; never set it in production)", test_clock::TEST_CLOCK_VAR);
            return Self::with_clock(Arc::new(test_clock::FileClock::new(path)));
        }
        Self::with_clock(Arc::new(SystemClock))
    }

    /// As [`Wiring::system`], with another source of "now".
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            store: StoreSource::Open(StoreOptions::default()),
            gitlab: None,
            engine: None,
        }
    }
}

impl std::fmt::Debug for Wiring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wiring")
            .field("gitlab", &self.gitlab.as_ref().map(|_| "given"))
            .field("engine", &self.engine.as_ref().map(|_| "given"))
            .finish_non_exhaustive()
    }
}

/// Where the store comes from.
pub enum StoreSource {
    /// Open (and migrate) `settings.database_url`. Pool size, schema, lease and attempts come
    /// from the settings; the rest of these options (SQLite durability and batch size,
    /// timeouts, migrations) are kept.
    Open(StoreOptions),
    /// A store already open, shared with another instance.
    Shared(Arc<dyn Store>),
}

/// A connected Steward: its settings and the state its HTTP handlers and jobs share.
#[derive(Debug)]
pub struct App {
    /// The settings it was built from.
    pub settings: Settings,
    /// The shared state.
    pub state: Arc<AppState>,
}

/// A start-up problem, said so that the operator can fix it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The rules, templates, roster or calendar do not load.
    #[error(
        "the configuration is invalid ({} errors; `steward check` shows the same):\n{}",
        .0.len(),
        .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
    )]
    Configuration(Vec<steward_core::diagnostics::ConfigError>),
    /// The shipped schedules do not fit the calendar's time zone.
    #[error("shipped schedules: {0}")]
    Schedules(String),
    /// `digest.post_to` names a program the rules do not declare, or the wrong kind of target;
    /// or two digests (programs, the roll-up) share a target.
    #[error("settings: {0}")]
    DigestTargets(String),
    /// The database could not be opened.
    #[error("database: {0}")]
    Database(#[source] crate::store::StoreError),
    /// `gitlab.url` is not a URL.
    #[error("gitlab.url `{url}`: {message}")]
    GitLabUrl {
        /// The configured URL.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The GitLab client could not be built.
    #[error("GitLab client: {0}")]
    GitLabClient(#[source] GitLabError),
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

/// Loads the templates, rules, roster and calendar the settings point at.
pub fn load_engine(settings: &Settings) -> Result<Engine, StartupError> {
    Engine::load(&settings.rules_dir, &settings.templates_dir).map_err(StartupError::Configuration)
}

/// Loads the configuration, opens the store, connects to GitLab (who is the bot? which version,
/// so which paging and epic paths?), stamps the store's birth time on first use, and reports roster members GitLab does not know and labels
/// the rules use that a served project lacks (Steward will not create them).
pub async fn build(settings: Settings, wiring: Wiring) -> Result<App, StartupError> {
    let engine = match wiring.engine {
        Some(engine) => engine,
        None => Arc::new(load_engine(&settings)?),
    };
    if let Some(digest) = &settings.digest {
        digest
            .post_to
            .check(engine.programs())
            .map_err(|e| StartupError::DigestTargets(e.to_string()))?;
        // Settings read from a file were validated when read; settings built in code (the
        // harness, the benches) are checked here, so no two digests ever share a target.
        digest
            .validate()
            .map_err(|e| StartupError::DigestTargets(e.to_string()))?;
    }
    let schedules = match settings.schedules.clone() {
        Some(list) => list,
        None => crate::schedule::shipped(engine.calendar().time_zone())
            .map_err(|e| StartupError::Schedules(e.to_string()))?,
    };
    let store = match wiring.store {
        StoreSource::Shared(store) => store,
        StoreSource::Open(base) => connect::open_store(&settings, base).await?,
    };
    let inner = match wiring.gitlab {
        Some(gitlab) => gitlab,
        None => connect::rest_client(&settings.gitlab)?,
    };
    let gitlab_cache = Arc::new(CachedGitLab::new(inner));
    let bot = connect::whoami(gitlab_cache.as_ref()).await?;
    // Once per start: which paging and epic paths this GitLab supports (logged in one line;
    // a failed probe leaves the conservative paths and the next sweep probes again).
    let capabilities = crate::gitlab::capabilities::probe(gitlab_cache.as_ref()).await;
    // `gitlab.epics_api: auto` follows the probe: GraphQL work-item notes on 18.1+, REST
    // epic notes before; unprobed (the probe failed), GraphQL.
    let work_item_notes = capabilities
        .is_known()
        .then(|| capabilities.work_item_notes());
    gitlab_cache.capabilities().set(capabilities);
    let store_born = connect::store_born(store.as_ref(), wiring.clock.as_ref()).await?;
    let webhook = settings.webhook.clone();
    let auth = WebhookAuthConfig {
        secret_tokens: webhook.secrets.clone(),
        signing_tokens: webhook.signing_tokens.clone(),
        replay_window: webhook.replay_window,
    };
    let state = AppState {
        store,
        gitlab: gitlab_cache.clone(),
        gitlab_cache,
        engine,
        clock: wiring.clock,
        webhook,
        auth,
        worker: settings.worker.clone(),
        bot,
        projects: settings.projects.clone(),
        jobs_ready: Arc::default(),
        metrics: install_metrics(),
        store_born,
        digest: settings.digest.clone().map(|mut d| {
            let api = settings.gitlab.epics_api.resolve(work_item_notes);
            tracing::info!(epics_api = ?api, setting = ?settings.gitlab.epics_api, "tracking-epic digests post through this API unless a target names one");
            d.resolve_epic_api(api);
            d
        }),
        schedules,
    };
    report::roster_users(&state).await;
    report::missing_labels(&state).await;
    Ok(App {
        settings,
        state: Arc::new(state),
    })
}
