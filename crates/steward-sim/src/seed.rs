//! The Customer Advocacy team's GitLab as seed data (project, labels, people, bot token, one
//! tracking epic per program, the team's epic for the director's roll-up, webhook) and the standalone server for a `steward sim` command.
//! It only seeds through `SimHandle`; it adds no behaviour.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tokio_util::sync::CancellationToken;

use super::handle::SimHandle;
use super::types::{HookConfig, HookId, SimConfig};
use super::{SimError, Simulator};
use steward_core::model::{EpicIid, GroupId, ProgramKey, ProjectId, UserId};

/// The team's intake project.
pub const TEAM_PROJECT: &str = "customer-advocacy/requests";
/// The group holding the tracking epics.
pub const TEAM_GROUP: &str = "customer-advocacy";

/// The team's labels and their colours.
const LABELS: &[(&str, &str)] = &[
    ("Customer Advocacy", "#6699cc"),
    ("advocacy-program::speaker", "#8fbc8f"),
    ("advocacy-program::press", "#8fbc8f"),
    ("advocacy-program::story", "#8fbc8f"),
    ("advocacy-program::earnings", "#8fbc8f"),
    ("advocacy-program::reference", "#8fbc8f"),
    ("advocacy-program::analyst", "#8fbc8f"),
    ("advocacy-program::eab", "#8fbc8f"),
    ("advocacy-program::contest", "#8fbc8f"),
    ("advocacy-status::triage", "#f0ad4e"),
    ("advocacy-status::in-progress", "#428bca"),
    ("advocacy-status::done", "#5cb85c"),
    ("lead-time::violated", "#d9534f"),
    ("advocacy::needs-info", "#f0ad4e"),
    ("earnings::first-order", "#5843ad"),
    ("earnings::growth", "#5843ad"),
    ("reference::written-approval-missing", "#d9534f"),
    ("priority::1", "#cc0033"),
    ("priority::2", "#ed9121"),
    ("priority::3", "#ffd700"),
    ("deadline::due-soon", "#ed9121"),
    ("deadline::overdue", "#cc0033"),
    ("escalation::overdue", "#cc0033"),
    ("escalation::unassigned", "#cc0033"),
    ("handover::cover", "#ed9121"),
    ("eab::below-vp", "#d9534f"),
    ("eab::level-unclear", "#f0ad4e"),
    ("earnings::not-eligible", "#d9534f"),
    ("earnings::needs-agreement", "#f0ad4e"),
    ("speaker::third-party", "#f0ad4e"),
    ("contest::evidence-missing", "#d9534f"),
    ("story-format::video", "#5843ad"),
    // How a request ended (rules/outcomes.yaml): the team closes each request with one.
    ("outcome::published", "#009966"),
    ("outcome::accepted", "#009966"),
    ("outcome::delivered", "#009966"),
    ("outcome::declined", "#808080"),
    ("outcome::duplicate", "#808080"),
    ("outcome::no-response", "#808080"),
    // The customer ledger (rules/customers.yaml).
    ("reference-fatigue", "#ed9121"),
    ("possible-duplicate", "#f0ad4e"),
    ("outcome::happened", "#009966"),
    ("outcome::cancelled", "#808080"),
    ("outcome::no-show", "#808080"),
    ("approval::expiring", "#ed9121"),
    ("approval::expired", "#cc0033"),
    ("calendar::quiet-period", "#cc0033"),
];

/// The team, Analyst Relations, the bot and a few requesters from Sales and Marketing.
const USERS: &[(&str, &str)] = &[
    ("nsmith", "Nicole Smith"),
    ("jhernandez", "Jocelyn Hernández Vázquez"),
    ("rlurie", "Rachel Lurie"),
    ("mchen-ar", "Morgan Chen (Analyst Relations)"),
    ("steward-bot", "Steward"),
    ("asales", "Avery Sales"),
    ("bmarketing", "Blake Marketing"),
    ("ccs", "Casey Success"),
];

/// Programs with a tracking epic, in epic iid order.
pub const PROGRAMS: &[(&str, &str)] = &[
    ("speaker", "Speaking Opportunities"),
    ("press", "Press Opportunities"),
    ("story", "Customer Stories"),
    ("earnings", "Earnings Customer References"),
    ("reference", "Logo & Name Usage"),
    ("analyst", "Peer Reviews & Analyst Interviews"),
    ("eab", "Executive Advisory Board"),
    ("contest", "Reference Sales Contests"),
];

/// The title of the team-level epic the director's roll-up is posted on (created after the
/// programs' epics, so its iid follows theirs).
pub const TEAM_EPIC: &str = "Customer Advocacy — director's weekly roll-up";

/// What to seed besides the fixed team data.
#[derive(Debug, Clone)]
pub struct TeamSeedOptions {
    /// API token of the `steward-bot` user.
    pub bot_token: String,
    /// A webhook on the project, if any.
    pub hook: Option<HookConfig>,
}

/// A program's tracking epic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackingEpic {
    /// Epic id (for REST epic notes).
    pub id: u64,
    /// Epic iid (for `GET /groups/:id/epics/:iid`).
    pub iid: EpicIid,
    /// Work item id (for GraphQL `createNote`).
    pub work_item_id: u64,
}

/// Ids of everything seeded.
#[derive(Debug, Clone)]
pub struct TeamSeed {
    /// `customer-advocacy/requests`.
    pub project: ProjectId,
    /// `customer-advocacy`.
    pub group: GroupId,
    /// The `steward-bot` user.
    pub bot: UserId,
    /// Every seeded user by username.
    pub users: BTreeMap<String, UserId>,
    /// Tracking epics by program key (`speaker`, `press`, …).
    pub epics: BTreeMap<ProgramKey, TrackingEpic>,
    /// The team-level epic across every program ([`TEAM_EPIC`]).
    pub team_epic: TrackingEpic,
    /// The webhook, when one was configured.
    pub hook: Option<HookId>,
}

impl TeamSeed {
    /// A seeded user's id.
    pub fn user(&self, username: &str) -> Option<UserId> {
        self.users.get(username).copied()
    }
}

/// Seeds the team's project, labels, users, bot token, group, tracking epics and webhook.
pub fn seed_team_project(sim: &SimHandle, opts: &TeamSeedOptions) -> Result<TeamSeed, SimError> {
    let mut users = BTreeMap::new();
    for (username, name) in USERS {
        users.insert((*username).to_owned(), sim.add_user(username, name));
    }
    let bot = users
        .get("steward-bot")
        .copied()
        .ok_or_else(|| SimError::NotFound("steward-bot".into()))?;
    sim.set_bot(bot, true);
    sim.add_token(&opts.bot_token, bot);
    let project = sim.add_project(TEAM_PROJECT);
    for (name, color) in LABELS {
        sim.add_label(project, name, color);
    }
    let group = sim.add_group(TEAM_GROUP);
    let mut epics = BTreeMap::new();
    for (iid, (key, title)) in (1u64..).zip(PROGRAMS) {
        let (id, work_item_id) = sim.add_epic(group, iid, &format!("{title} — tracking"))?;
        epics.insert(
            ProgramKey::from(*key),
            TrackingEpic {
                id,
                iid: EpicIid(iid),
                work_item_id,
            },
        );
    }
    let team_iid = u64::try_from(PROGRAMS.len()).unwrap_or(0) + 1;
    let (id, work_item_id) = sim.add_epic(group, team_iid, TEAM_EPIC)?;
    let team_epic = TrackingEpic {
        id,
        iid: EpicIid(team_iid),
        work_item_id,
    };
    let hook = opts.hook.clone().map(|h| sim.add_hook(project, h));
    Ok(TeamSeed {
        project,
        group,
        bot,
        users,
        epics,
        team_epic,
        hook,
    })
}

/// Settings of a standalone simulator (`steward sim`).
#[derive(Debug, Clone)]
pub struct StandaloneConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The bot's API token.
    pub bot_token: String,
    /// Where webhooks go, if anywhere.
    pub hook: Option<HookConfig>,
    /// Other simulator settings (`bind` is replaced by `listen`).
    pub sim: SimConfig,
    /// More labels to create on the project, `(name, #rrggbb)`: the label catalogue of the
    /// rules Steward will run, so none of its writes meets a missing label.
    pub labels: Vec<(String, String)>,
}

/// A standalone simulator that is listening and seeded.
pub struct Standalone {
    /// The running simulator.
    pub sim: SimHandle,
    /// What was seeded.
    pub seed: TeamSeed,
}

/// Binds and seeds a standalone simulator. A taken port is an error here, before anything
/// is announced.
pub async fn start_standalone(cfg: StandaloneConfig) -> Result<Standalone, SimError> {
    let sim = Simulator::start(SimConfig {
        bind: Some(cfg.listen),
        ..cfg.sim
    })
    .await?;
    let seed = seed_team_project(
        &sim,
        &TeamSeedOptions {
            bot_token: cfg.bot_token,
            hook: cfg.hook,
        },
    )?;
    for (name, color) in &cfg.labels {
        sim.add_label(seed.project, name, color);
    }
    Ok(Standalone { sim, seed })
}

/// Runs a seeded simulator until `shutdown` is cancelled.
pub async fn run_standalone(
    cfg: StandaloneConfig,
    shutdown: CancellationToken,
) -> Result<(), SimError> {
    let Standalone { sim, seed } = start_standalone(cfg).await?;
    tracing::info!(url = %sim.base_url(), project = %seed.project, "GitLab simulator listening");
    shutdown.cancelled().await;
    sim.flush_webhooks().await;
    sim.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_team_seed_has_every_label_and_one_epic_per_program() {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let seed = seed_team_project(
            &sim,
            &TeamSeedOptions {
                bot_token: "t".into(),
                hook: None,
            },
        )
        .unwrap();
        let labels = sim.project_label_names(seed.project);
        assert_eq!(labels.len(), LABELS.len());
        assert!(labels.iter().any(|l| l == "advocacy-program::speaker"));
        assert_eq!(seed.epics.len(), 8);
        let speaker = seed.epics["speaker"];
        assert_ne!(speaker.id, speaker.iid.0);
        assert_eq!(
            seed.team_epic.iid,
            EpicIid(9),
            "the team epic follows the programs'"
        );
        assert!(seed.epics.values().all(|e| e.id != seed.team_epic.id));
        sim.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn the_team_seed_has_every_label_the_shipped_rules_and_outcomes_use() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let engine =
            steward_core::rules::Engine::load(&root.join("rules"), &root.join("issue_templates"))
                .unwrap();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let seed = seed_team_project(
            &sim,
            &TeamSeedOptions {
                bot_token: "t".into(),
                hook: None,
            },
        )
        .unwrap();
        let have = sim.project_label_names(seed.project);
        let missing: Vec<_> = engine
            .labels_used()
            .into_iter()
            .filter(|l| !have.iter().any(|h| h == l.as_str()))
            .collect();
        assert!(missing.is_empty(), "not seeded: {missing:?}");
        assert!(have.iter().any(|l| l == "outcome::published"));
        sim.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn a_standalone_server_seeds_the_extra_labels_it_is_given() {
        let cfg = StandaloneConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            bot_token: "t".into(),
            hook: None,
            sim: SimConfig::default(),
            labels: vec![("rules-only::label".into(), "#123456".into())],
        };
        let Standalone { sim, seed } = start_standalone(cfg).await.unwrap();
        let names = sim.project_label_names(seed.project);
        assert!(names.iter().any(|l| l == "rules-only::label"), "{names:?}");
        assert_eq!(names.len(), LABELS.len() + 1);
        sim.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn the_standalone_server_stops_when_cancelled() {
        let stop = CancellationToken::new();
        let cfg = StandaloneConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            bot_token: "t".into(),
            hook: None,
            sim: SimConfig::default(),
            labels: Vec::new(),
        };
        let task = tokio::spawn(run_standalone(cfg, stop.clone()));
        stop.cancel();
        assert!(task.await.unwrap().is_ok());
    }
}
