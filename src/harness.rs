//! An in-process GitLab simulator wired to a real Steward (HTTP over loopback, a real SQLite or
//! PostgreSQL store, the shipped rules), for `steward demo`, the end-to-end tests and the
//! benchmarks. Time is a manual clock shared by both sides; the queue is drained explicitly,
//! so nothing here sleeps.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::{GitLabSettings, Settings, WebhookSettings, WorkerSettings};
use crate::jobs::worker::Worker;
use crate::service::AppState;
use crate::startup::{self, Running, StoreSource, Wiring};
use crate::store::StoreOptions;
use steward_core::clock::ManualClock;
use steward_core::loader::Files;
use steward_core::model::{IssueIid, ProjectId, UserId};
use steward_core::rules::Engine;
use steward_sim::{HookConfig, NewIssue, SimConfig, SimHandle, TeamSeed, TeamSeedOptions};

/// The webhook secret the harness configures on both sides.
pub const HOOK_SECRET: &str = "harness-hook-secret";
/// The bot's API token in the simulator.
pub const BOT_TOKEN: &str = "glpat-harness-bot";

/// How to start a harness.
#[derive(Debug, Clone)]
pub struct HarnessOptions {
    /// The simulated "now" for both GitLab and Steward.
    pub now: DateTime<Utc>,
    /// Database URL; `None` creates a fresh SQLite file in the temp directory.
    pub database_url: Option<String>,
    /// The rules (a directory, or the set embedded in the binary).
    pub rules: Files,
    /// The issue templates (a directory, or the set embedded in the binary).
    pub templates: Files,
    /// Simulator settings.
    pub sim: SimConfig,
    /// Store options. Pool size, schema and attempts become the Steward's settings; the rest
    /// (SQLite durability and batch size, timeouts, migrations) is passed to the store as is.
    pub store: StoreOptions,
    /// A GitLab 19 signing token (`whsec_…`) configured on both sides, in addition to the
    /// secret token.
    pub signing_token: Option<String>,
    /// Point the project's webhook at Steward (false: issues change silently, as while a hook
    /// is disabled; only sweeps see them).
    pub webhook: bool,
    /// The status page (off unless `listen` is set).
    pub status: crate::config::StatusSettings,
}

impl HarnessOptions {
    /// The shipped rules and templates (embedded in the binary, so it runs in any directory),
    /// a fresh SQLite file.
    pub fn shipped(now: DateTime<Utc>) -> Self {
        Self {
            now,
            database_url: None,
            rules: crate::shipped::rules(),
            templates: crate::shipped::templates(),
            sim: SimConfig::default(),
            store: StoreOptions::default(),
            signing_token: None,
            webhook: true,
            status: crate::config::StatusSettings::default(),
        }
    }
}

/// A running simulator plus Steward.
pub struct Harness {
    /// The simulated GitLab.
    pub sim: SimHandle,
    /// The seeded team project, users and epics.
    pub seed: TeamSeed,
    /// Steward's shared state.
    pub state: Arc<AppState>,
    /// The settings Steward was built from.
    pub settings: Settings,
    /// Steward's HTTP server (no background workers: see [`Harness::settle`]).
    pub running: Running,
    /// A worker driven by the harness.
    pub worker: Worker,
    /// The shared clock.
    pub clock: ManualClock,
    /// The SQLite file, when the harness created one.
    pub db_file: Option<PathBuf>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("steward", &self.running.addr)
            .field("gitlab", &self.sim.base_url())
            .finish_non_exhaustive()
    }
}

/// A harness start-up failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HarnessError(pub String);

fn err(what: &str) -> impl Fn(String) -> HarnessError + '_ {
    move |e| HarnessError(format!("{what}: {e}"))
}

impl Harness {
    /// Starts the simulator, seeds the team project, starts Steward on a random port (through
    /// [`startup::build`], like `steward serve`, but with the shared manual clock and no
    /// background workers) and points the project's webhook at it.
    pub async fn start(opts: HarnessOptions) -> Result<Self, HarnessError> {
        let sim = steward_sim::Simulator::start(opts.sim.clone())
            .await
            .map_err(|e| err("simulator")(e.to_string()))?;
        sim.set_now(opts.now);
        let seed = steward_sim::seed_team_project(
            &sim,
            &TeamSeedOptions {
                bot_token: BOT_TOKEN.to_owned(),
                hook: None,
            },
        )
        .map_err(|e| err("seeding the simulator")(e.to_string()))?;
        let (settings, db_file) = settings(&opts, &sim, &seed);
        let engine = Engine::load_from(&opts.rules, &opts.templates).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            HarnessError(format!("configuration is invalid:\n{}", lines.join("\n")))
        })?;
        // The team created every label its rules use (`steward serve` reports missing ones).
        for label in engine.labels_used() {
            sim.add_label(seed.project, label.as_str(), "#428bca");
        }
        let clock = ManualClock::new(opts.now);
        let wiring = Wiring {
            clock: Arc::new(clock.clone()),
            store: StoreSource::Open(opts.store.clone()),
            gitlab: None,
            engine: Some(Arc::new(engine)),
        };
        let app = startup::build(settings, wiring)
            .await
            .map_err(|e| err("Steward start-up")(e.to_string()))?;
        // No background workers: the harness drains the queue itself (see `settle`).
        let running = app
            .start(0)
            .await
            .map_err(|e| err("binding Steward's port")(e.to_string()))?;
        let mut hook = HookConfig::all_events(format!("http://{}/webhooks/gitlab", running.addr));
        hook.secret_token = Some(HOOK_SECRET.to_owned());
        hook.signing_token = opts.signing_token.clone();
        if opts.webhook {
            sim.add_hook(seed.project, hook);
        }
        let worker = Worker::new(
            app.state.job_deps(),
            app.state.worker.lease,
            "harness".to_owned(),
        );
        Ok(Self {
            sim,
            seed,
            state: app.state,
            settings: app.settings,
            running,
            worker,
            clock,
            db_file,
        })
    }

    /// The team project.
    pub fn project(&self) -> ProjectId {
        self.seed.project
    }

    /// A seeded user's id.
    pub fn user(&self, username: &str) -> Result<UserId, HarnessError> {
        self.seed
            .user(username)
            .ok_or_else(|| HarnessError(format!("no seeded user `{username}`")))
    }

    /// Moves both clocks.
    pub fn set_now(&self, now: DateTime<Utc>) {
        self.clock.set(now);
        self.sim.set_now(now);
    }

    /// Files an issue as `username` (quick actions in the description run as in GitLab).
    pub async fn file(
        &self,
        username: &str,
        title: &str,
        description: &str,
    ) -> Result<IssueIid, HarnessError> {
        let user = self.user(username)?;
        self.sim
            .create_issue(
                self.project(),
                user,
                NewIssue {
                    title: title.to_owned(),
                    description: description.to_owned(),
                    ..NewIssue::default()
                },
            )
            .map_err(|e| err("filing an issue")(e.to_string()))
    }

    /// Delivers every pending webhook and runs every due job, repeatedly, until both are quiet
    /// (Steward's own edits produce echo webhooks, which must be delivered too). Returns the
    /// number of jobs run.
    pub async fn settle(&self) -> Result<usize, HarnessError> {
        let mut total = 0;
        for _ in 0..20 {
            self.sim.flush_webhooks().await;
            let ran = self
                .worker
                .drain()
                .await
                .map_err(|e| err("worker")(e.to_string()))?;
            total += ran;
            if ran == 0 {
                return Ok(total);
            }
        }
        Ok(total)
    }

    /// Runs a sweep now (as the scheduler would) and settles the jobs it enqueued.
    pub async fn sweep(&self, full: bool) -> Result<crate::jobs::sweep::SweepReport, HarnessError> {
        let report = crate::jobs::sweep::sweep(&self.state.job_deps(), full, true)
            .await
            .map_err(|e| err("sweep")(e.to_string()))?;
        self.settle().await?;
        Ok(report)
    }

    /// Renders and posts the weekly digests for `week` (default: the week that ended, as the
    /// Monday schedule does).
    pub async fn digest(&self, week: Option<&str>) -> Result<String, HarnessError> {
        let job = crate::jobs::digest_job::DigestJob {
            week: week.map(str::to_owned),
            slot: None,
        };
        crate::jobs::digest_job::run(&self.state.job_deps(), &job)
            .await
            .map_err(|e| err("digest")(e.to_string()))
    }

    /// Stops Steward and the simulator and removes the temporary database.
    pub async fn stop(self) {
        self.running.stop().await;
        let _ = self.sim.shutdown().await;
        if let Some(path) = &self.db_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// The settings of the harness's Steward: the simulator's GitLab with the bot's token and no
/// client budget (the simulator enforces none unless told to), the harness's webhook secret
/// (and signing token), the seeded project and digests, no schedules (the tests sweep and
/// digest explicitly), and the harness's database (a fresh SQLite file unless one is given).
fn settings(
    opts: &HarnessOptions,
    sim: &SimHandle,
    seed: &TeamSeed,
) -> (Settings, Option<PathBuf>) {
    let mut gitlab = GitLabSettings::new(sim.base_url(), secrecy::SecretString::from(BOT_TOKEN));
    gitlab.requests_per_minute = 1_000_000;
    gitlab.notes_per_minute = 1_000_000;
    let webhook = WebhookSettings::with_secrets(
        vec![secrecy::SecretString::from(HOOK_SECRET)],
        opts.signing_token
            .iter()
            .map(|t| secrecy::SecretString::from(t.clone()))
            .collect(),
    );
    let mut s = Settings::new(gitlab, webhook);
    let db_file = match &opts.database_url {
        Some(url) => {
            s.database_url = url.clone();
            None
        }
        None => {
            let path = unique_temp_file("steward-harness", "db");
            s.database_url = format!("sqlite://{}?mode=rwc", path.display());
            Some(path)
        }
    };
    s.database_max_connections = opts.store.max_connections;
    s.database_schema = opts.store.postgres_schema.clone();
    s.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    // The engine is handed to start-up already loaded (it may be the embedded set); the
    // directories are recorded when there are any.
    if let Files::Dir(dir) = &opts.rules {
        s.rules_dir = dir.clone();
    }
    if let Files::Dir(dir) = &opts.templates {
        s.templates_dir = dir.clone();
    }
    s.projects = vec![seed.project];
    s.worker = WorkerSettings {
        concurrency: 1,
        lease: std::time::Duration::from_secs(60),
        max_attempts: opts.store.max_attempts,
    };
    s.schedules = Some(Vec::new());
    s.digest = Some(team_digest(seed));
    s.status = opts.status.clone();
    (s, db_file)
}

/// Every program's digest posted on its tracking epic in the seeded group (REST epic notes;
/// the speaker program uses the default, GraphQL work-item notes, to exercise both), the director's roll-up
/// on the team's epic, and the team's FY27-Q4 reference contest.
pub fn team_digest(seed: &TeamSeed) -> steward_core::digest::DigestConfig {
    use steward_core::digest::{DigestTarget, EpicApi, ProgramKey};
    let mut cfg = steward_core::digest::DigestConfig::default();
    // A contest over the fiscal quarter ("Contests typically run throughout a designated
    // quarter"), with its own dates as the leaderboard needs.
    cfg.contests.push(steward_core::digest::Contest {
        name: "FY27-Q4 reference contest".to_owned(),
        from: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
        to: chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap_or_default(),
    });
    // In the order the epics were created, which is the order the digests are posted in.
    for (key, _) in steward_sim::PROGRAMS {
        let Some(epic) = seed.epics.get(*key) else {
            continue;
        };
        let program = ProgramKey::from(*key);
        // The speaker program takes the instance's default (`gitlab.epics_api: auto`, which
        // is GraphQL); the others name the REST fallback.
        let api = (program.as_str() != "speaker").then_some(EpicApi::Rest);
        cfg.post_to.insert(
            program,
            DigestTarget::Epic {
                group: seed.group,
                epic_iid: epic.iid,
                api,
            },
        );
    }
    cfg.rollup_to = Some(DigestTarget::Epic {
        group: seed.group,
        epic_iid: seed.team_epic.iid,
        api: Some(EpicApi::Rest),
    });
    cfg
}

/// A path in the temp directory that no other process or test uses.
pub fn unique_temp_file(prefix: &str, ext: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("{prefix}-{}-{n}-{nanos}.{ext}", std::process::id()))
}
