//! The workload of the multi-replica test and its checks: realistic requests filed in the
//! simulator (some late, some incomplete), waiting for the shared queue to drain, and the
//! final-state checks (re-deciding changes nothing, one note per key, store records match).
// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use steward::gitlab::{CallContext, ClientConfig, GitLab, RestGitLab};
use steward::store::{self, AuditFilter, JobState, NoteTarget, Store, StoreOptions};
use steward_core::model::{IssueIid, LabelName, ProjectId, UserId};
use steward_core::reconcile::{self, ExistingNote};
use steward_core::rules::{Engine, Workload};
use steward_sim::{NewIssue, SimConfig, SimHandle, Simulator, TeamSeed, TeamSeedOptions};

/// Who files the requests.
pub const REQUESTERS: [&str; 3] = ["asales", "bmarketing", "ccs"];

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every realistic request file, by name (`customer-speaker-request--clean`).
pub fn request_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(root().join("tests/data/requests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_owned();
            name.contains("--")
                .then(|| (name, std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 18, "request files: {}", files.len());
    files
}

/// What the test expects of an issue beyond "re-deciding changes nothing".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A request as filed; only the generic checks apply.
    AsFiled,
    /// A speaker request filed 45 days before its event: flagged, with one lead-time comment.
    Late,
    /// A late speaker request whose event later moved 120 days out: flag removed, the same
    /// comment edited (not a second one).
    LateThenMoved,
    /// The request lacks required information: `advocacy::needs-info`.
    NeedsInfo,
    /// No written approval yet: `reference::written-approval-missing`.
    ApprovalMissing,
    /// A director nominated for the EAB: `eab::below-vp`.
    BelowVp,
}

#[derive(Debug, Clone)]
pub struct Filed {
    pub iid: IssueIid,
    pub expect: Expect,
    /// Edited by a person after Steward had handled it, in a way the rules do not read.
    pub title_edited: bool,
    /// Its index in the workload (its customer account is its own, see [`own_account`]).
    pub n: usize,
}

/// The customer accounts the request files name.
const ACCOUNTS: [&str; 8] = [
    "Northwind Logistics",
    "Aperture Financial",
    "Contoso Bank",
    "Lumen Robotics",
    "Meridian Air",
    "Orbital Freight",
    "Vantage Retail Group",
    "Helios Health",
];

/// The request with its customer account made its own (`Contoso Bank Unit 7`): the drills
/// measure delivery, and hundreds of asks of eight accounts would be the customer ledger's
/// fatigue and duplicate storm (extra comments, links and re-syncs), not a workload.
pub fn own_account(text: &str, i: usize) -> String {
    ACCOUNTS.iter().fold(text.to_owned(), |t, a| {
        t.replace(a, &format!("{a} Unit {i}"))
    })
}

pub fn speaker_with_event(text: &str, event: NaiveDate) -> String {
    text.replace("2027-04-21", &event.format("%Y-%m-%d").to_string())
}

pub fn expectation_for(file: &str) -> Expect {
    match file {
        "customer-speaker-request--late-and-broken"
        | "reference-contest-entry--missing-evidence" => Expect::NeedsInfo,
        "customer-reference-approval--no-approval-yet" => Expect::ApprovalMissing,
        "eab-nomination--director" => Expect::BelowVp,
        _ => Expect::AsFiled,
    }
}

/// Files `count` issues starting at index `from`: request files in turn, every tenth one a
/// speaker request 45 days before its event.
pub fn file_issues(sim: &SimHandle, seed: &TeamSeed, from: usize, count: usize) -> Vec<Filed> {
    let files = request_files();
    let speaker = files
        .iter()
        .find(|(n, _)| n == "customer-speaker-request--clean")
        .unwrap()
        .1
        .clone();
    let today = sim.now().date_naive();
    (from..from + count)
        .map(|i| {
            let requester = seed.user(REQUESTERS[i % REQUESTERS.len()]).unwrap();
            let (title, description, expect) = if i % 10 == 9 {
                (
                    format!("Customer speaker, event in 45 days (#{i})"),
                    speaker_with_event(&speaker, today + chrono::Duration::days(45)),
                    Expect::Late,
                )
            } else {
                let (name, text) = &files[i % files.len()];
                (
                    format!("{name} (#{i})"),
                    text.clone(),
                    expectation_for(name),
                )
            };
            let description = own_account(&description, i);
            let iid = sim
                .create_issue(
                    seed.project,
                    requester,
                    NewIssue {
                        title,
                        description,
                        ..NewIssue::default()
                    },
                )
                .unwrap();
            Filed {
                iid,
                expect,
                title_edited: false,
                n: i,
            }
        })
        .collect()
}

/// Delivers every queued webhook and waits (polling) until no job is pending or running.
pub async fn wait_until_quiet(sim: &SimHandle, store: &Arc<dyn Store>, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        sim.flush_webhooks().await;
        let stats = store.queue_stats().await.unwrap();
        assert_eq!(
            stats.dead,
            0,
            "no job may fail: {:?}",
            dead_jobs(store).await
        );
        if stats.pending == 0 && stats.running == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the queue did not drain within {within:?}: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn dead_jobs(store: &Arc<dyn Store>) -> Vec<(i64, Option<String>)> {
    store
        .list_jobs(Some(JobState::Dead), 20)
        .await
        .unwrap()
        .into_iter()
        .map(|j| (j.id.0, j.last_error))
        .collect()
}

/// The GitLab simulator with the team's project and every label the shipped rules use (the
/// team created them; `steward serve` reports missing ones), and the shipped engine.
pub async fn team_gitlab(bot_token: &str) -> (SimHandle, TeamSeed, Engine) {
    let engine = Engine::load(&root().join("rules"), &root().join("issue_templates")).unwrap();
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let seed = steward_sim::seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: bot_token.to_owned(),
            hook: None,
        },
    )
    .unwrap();
    for label in engine.labels_used() {
        // A no-op for the labels the seed already created.
        sim.add_label(seed.project, label.as_str(), "#428bca");
    }
    (sim, seed, engine)
}

/// Everything the final-state checks need.
pub struct World {
    pub sim: SimHandle,
    pub seed: TeamSeed,
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub gitlab: RestGitLab,
    pub users: HashMap<String, UserId>,
}

impl World {
    /// The checker's view: a GitLab client with the bot's token (no budget) and a handle on
    /// the replicas' database (`schema` for PostgreSQL), which the test does not migrate.
    pub async fn new(
        (sim, seed, engine): (SimHandle, TeamSeed, Engine),
        bot_token: &str,
        database_url: &str,
        schema: Option<String>,
    ) -> Self {
        let store = store::open(
            database_url,
            &StoreOptions {
                postgres_schema: schema,
                migrate_on_open: false,
                max_connections: 2,
                ..StoreOptions::default()
            },
        )
        .await
        .unwrap();
        let mut client = ClientConfig::new(
            reqwest::Url::parse(&sim.base_url()).unwrap(),
            secrecy::SecretString::from(bot_token.to_owned()),
        );
        client.requests_per_minute = std::num::NonZeroU32::new(1_000_000).unwrap();
        World {
            users: seed
                .users
                .iter()
                .map(|(name, id)| (name.to_ascii_lowercase(), *id))
                .collect(),
            gitlab: RestGitLab::new(client).unwrap(),
            sim,
            seed,
            engine,
            store,
        }
    }

    pub fn project(&self) -> ProjectId {
        self.seed.project
    }

    /// Steward's notes on the issue, by marker key (all of them, duplicates included).
    pub async fn bot_notes(&self, iid: IssueIid) -> BTreeMap<String, Vec<steward::gitlab::Note>> {
        let notes = self
            .gitlab
            .list_notes(&CallContext::none(), self.project(), iid)
            .await
            .unwrap();
        let mut by_key: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for n in notes {
            if n.system || n.author.id != self.seed.bot {
                continue;
            }
            let key = reconcile::marker_key(&n.body)
                .unwrap_or("<no marker>")
                .to_owned();
            by_key.entry(key).or_default().push(n);
        }
        by_key
    }

    /// Problems with one issue's final state (empty when it is as the rules prescribe).
    pub async fn problems(&self, filed: &Filed) -> Vec<String> {
        let iid = filed.iid;
        let mut out = Vec::new();
        let mut issue = self
            .gitlab
            .get_issue(&CallContext::none(), self.project(), iid)
            .await
            .unwrap();
        let notes = self.bot_notes(iid).await;
        let mut existing = BTreeMap::new();
        for (key, list) in &notes {
            if list.len() != 1 {
                out.push(format!("#{iid}: {} notes with key `{key}`", list.len()));
            }
            existing.insert(
                key.clone(),
                ExistingNote {
                    id: list[0].id,
                    body_hash: reconcile::body_hash(&list[0].body),
                },
            );
        }
        issue.owned_note_keys = existing.keys().cloned().collect();

        // The rules, asked again about the issue as it now is, want nothing more.
        let labels: BTreeSet<LabelName> = self
            .sim
            .project_label_names(self.project())
            .into_iter()
            .map(LabelName)
            .collect();
        let decision = self
            .engine
            .decide(&issue, self.sim.now(), &Workload::default());
        let actions = reconcile::diff(&decision.plan, &issue, &existing, &labels, &self.users);
        if !actions.is_noop() {
            out.push(format!("#{iid}: not converged, still to do: {actions:?}"));
        }

        // The store's owned-note records point at exactly those notes.
        let recorded: BTreeMap<String, u64> = self
            .store
            .list_owned_notes(&NoteTarget::Issue {
                project: self.project(),
                iid,
            })
            .await
            .unwrap()
            .into_iter()
            .map(|(k, n)| (k, n.note_id.0))
            .collect();
        let on_gitlab: BTreeMap<String, u64> =
            existing.iter().map(|(k, n)| (k.clone(), n.id.0)).collect();
        if recorded != on_gitlab {
            out.push(format!(
                "#{iid}: store records {recorded:?}, GitLab has {on_gitlab:?}"
            ));
        }

        let has = |l: &str| issue.labels.contains(&LabelName::from(l));
        let check = |ok: bool, what: &str, out: &mut Vec<String>| {
            if !ok {
                out.push(format!(
                    "#{iid} ({:?}): {what}; labels {:?}",
                    filed.expect, issue.labels
                ));
            }
        };
        match filed.expect {
            Expect::AsFiled => {}
            Expect::Late => {
                check(has("lead-time::violated"), "not flagged late", &mut out);
                check(notes.len() == 1, "not exactly one comment", &mut out);
            }
            Expect::LateThenMoved => {
                check(!has("lead-time::violated"), "still flagged late", &mut out);
                check(notes.len() == 1, "not exactly one comment", &mut out);
            }
            Expect::NeedsInfo => check(has("advocacy::needs-info"), "needs-info missing", &mut out),
            Expect::ApprovalMissing => check(
                has("reference::written-approval-missing"),
                "missing approval not flagged",
                &mut out,
            ),
            Expect::BelowVp => check(has("eab::below-vp"), "below-VP not flagged", &mut out),
        }
        out
    }

    pub async fn audit_count(&self, iid: Option<IssueIid>, action: &str) -> u64 {
        self.store
            .count_audit(&AuditFilter {
                project: Some(self.project()),
                issue: iid,
                action: Some(action.to_owned()),
                ..AuditFilter::default()
            })
            .await
            .unwrap()
    }

    /// Checks every issue; fails listing the first problems.
    pub async fn assert_all_converged(&self, filed: &[Filed], phase: &str) {
        let mut problems = Vec::new();
        for f in filed {
            problems.extend(self.problems(f).await);
        }
        assert!(
            problems.is_empty(),
            "{phase}: {} problems, first: {:#?}",
            problems.len(),
            &problems[..problems.len().min(15)]
        );
    }
}

/// A fresh schema name, unique per run.
pub fn unique_schema() -> String {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!("steward_replicas_{}_{nanos}", std::process::id())
}

pub async fn count_rows(url: &str, schema: &str, table: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let n: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{schema}\".{table}"
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    n.0
}

pub async fn drop_schema(url: &str, schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
