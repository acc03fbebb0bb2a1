//! The season scenario, a standing quality gate (docs/QUALITY.md). A generated quarter of the
//! team's life (`steward_testkit::season`: every program, late and early requests, typos, a
//! wrong year, edits that fix and break things, closures with every outcome, a DRI out of
//! office, holidays) is played through a real `steward serve` process and the GitLab
//! simulator, with time travel: the process reads "now" from a test clock file
//! (`STEWARD_TEST_CLOCK_FILE`), the simulator's clock is set to the same instant, and after
//! every step the test waits for the schedules that are due (hourly catch-up, nightly full
//! sweep, Monday digest: their slots recorded as finished in the store) and for the queue to
//! drain. Nothing sleeps and hopes.
//!
//! The figures are compared with the generator's own truth and printed as a table; the test
//! asserts every gate except those in `season::report::KNOWN_FAILING_TODAY`.
//!
//! The short season (five weeks, 75 requests) runs with the suite; the full one (13 weeks,
//! 320 requests) is one command:
//!
//! ```sh
//! STEWARD_SEASON=full cargo nextest run -p steward --test process -E 'test(season)' --no-capture
//! ```
//!
//! `STEWARD_SEASON_SEED=N` plays another season of the same size; `STEWARD_SEASON_DUMP=1`
//! prints every request's final labels and Steward's comments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use steward_core::digest::ProgramKey;
use steward_core::model::IssueIid;
use steward_core::rules::Engine;
use steward_sim::{HookConfig, IssueChange, NewIssue};
use steward_testkit::season::{
    ActionKind, Observer, Program, Season, SeasonConfig, SeasonReport, local, plan,
};

use crate::support::cluster::{Cluster, Extra, ReplicaEnv, wait_ready};
use crate::support::workload::{World, team_gitlab, wait_until_quiet};

const BOT_TOKEN: &str = "glpat-season-bot";
const HOOK_SECRET: &str = "season-hook-secret";
/// Longest any one step may take to settle.
const STEP: Duration = Duration::from_secs(60);

/// One point of the season's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// The nightly full sweep of that morning (02:30 local).
    Nightly,
    /// The Monday digests (09:00 local).
    Digest,
    /// Action `n` of the season.
    Action(usize),
}

fn timeline(season: &Season) -> Vec<(DateTime<Utc>, Step)> {
    let mut steps: Vec<(DateTime<Utc>, Step)> = season
        .actions
        .iter()
        .enumerate()
        .map(|(n, a)| (a.at, Step::Action(n)))
        .collect();
    for day in season.config.days().chain([season.config.end()]) {
        steps.push((local(day, 2, 31), Step::Nightly));
        if day.weekday() == Weekday::Mon && day > season.config.start {
            steps.push((local(day, 9, 1), Step::Digest));
        }
    }
    steps.sort();
    steps
}

/// Writes the clock file atomically (the process may read it at any moment).
fn write_clock(path: &Path, at: DateTime<Utc>) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at.to_rfc3339()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Both clocks at `at`, then [`settle`].
async fn travel(world: &World, clock: &Path, at: DateTime<Utc>, slots: &[(&str, DateTime<Utc>)]) {
    set_clocks(world, clock, at);
    settle(world, at, slots).await;
}

/// Steward's and GitLab's clocks at `at`.
fn set_clocks(world: &World, clock: &Path, at: DateTime<Utc>) {
    world.sim.set_now(at);
    write_clock(clock, at);
}

/// Waits until the schedule slots due by `at` (the hourly catch-up always, and `slots`) have
/// finished and the queue has drained.
async fn settle(world: &World, at: DateTime<Utc>, slots: &[(&str, DateTime<Utc>)]) {
    let hour = at
        .with_minute(0)
        .unwrap()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    let deadline = Instant::now() + STEP;
    for (schedule, slot) in [("catch-up-sweep", hour)].iter().chain(slots) {
        loop {
            let done = world.store.last_finished_slot(schedule).await.unwrap();
            if done.is_some_and(|d| d >= *slot) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{schedule} slot {slot} did not finish by {at}"
            );
            world.sim.flush_webhooks().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Twice: a note Steward posted at the very end of the first drain sends a webhook.
    wait_until_quiet(&world.sim, &world.store, STEP).await;
    wait_until_quiet(&world.sim, &world.store, STEP).await;
}

fn settings_file(dir: &Path, seed: &steward_sim::TeamSeed) -> PathBuf {
    let mut yaml = String::from(
        "digest:\n  contests:\n    - { name: FY27-Q4 reference contest, from: 2026-11-01, to: 2027-01-31 }\n  post_to:\n",
    );
    for program in Program::ALL {
        let epic = seed.epics.get(&ProgramKey::from(program.key())).unwrap();
        yaml.push_str(&format!(
            "    {}: {{ epic: {{ group: {}, epic_iid: {} }} }}\n",
            program.key(),
            seed.group.0,
            epic.iid.0
        ));
    }
    let path = dir.join("steward.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

/// Plays `config`'s season through one `steward serve` and measures it.
async fn run_season(mut config: SeasonConfig, size: &str) -> SeasonReport {
    let started = Instant::now();
    // Another season of the same size, to explore (the asserted figures are the default seed's).
    if let Some(seed) = std::env::var("STEWARD_SEASON_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        config.seed = seed;
    }
    let root = steward_testkit::process::repo_root();
    let engine = Engine::load(&root.join("rules"), &root.join("issue_templates")).unwrap();
    let season = plan::generate(config, engine.calendar()).unwrap();
    let dir = std::env::temp_dir().join(format!("steward-season-{size}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (db, clock) = (dir.join("steward.db"), dir.join("clock"));
    let _ = std::fs::remove_file(&db);
    let start = local(config.start, 0, 0);
    write_clock(&clock, start);
    let gitlab = team_gitlab(BOT_TOKEN).await;
    gitlab.0.set_now(start);
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let settings = settings_file(&dir, &gitlab.1);
    let env = ReplicaEnv {
        gitlab_url: gitlab.0.base_url(),
        token: BOT_TOKEN.to_owned(),
        secret: HOOK_SECRET.to_owned(),
        database_url: url.clone(),
        schema: None,
        project: gitlab.1.project.0,
        lease_secs: 600,
        concurrency: 2,
        rust_log: "warn",
        settings_file: Some(settings),
    };
    let extra = Extra {
        env: vec![(
            "STEWARD_TEST_CLOCK_FILE".into(),
            clock.display().to_string(),
        )],
        wrapper: Vec::new(),
    };
    let mut cluster = Cluster::default();
    cluster.spawn_with("season", &env, &extra);
    wait_ready(&mut cluster.replicas[0], Duration::from_secs(60)).await;
    let mut hook = HookConfig::all_events(format!(
        "http://{}/webhooks/gitlab",
        cluster.replicas[0].addr
    ));
    hook.secret_token = Some(HOOK_SECRET.to_owned());
    gitlab.0.add_hook(gitlab.1.project, hook);
    // The process created and migrated the store; the checker only reads it.
    let world = World::new(gitlab, BOT_TOKEN, &url, None).await;

    let mut observer = Observer::new(&season, &world.engine);
    let mut iids: BTreeMap<usize, IssueIid> = BTreeMap::new();
    for (at, step) in timeline(&season) {
        match step {
            Step::Nightly => {
                travel(
                    &world,
                    &clock,
                    at,
                    &[("nightly-full-sweep", at - chrono::Duration::minutes(1))],
                )
                .await;
                for (index, iid) in &iids {
                    if let Some(issue) = world.sim.issue(world.project(), *iid) {
                        observer.look(*index, &issue, at);
                    }
                }
            }
            Step::Digest => {
                travel(
                    &world,
                    &clock,
                    at,
                    &[("weekly-digest", at - chrono::Duration::minutes(1))],
                )
                .await;
            }
            Step::Action(n) => {
                let action = &season.actions[n];
                // The person acts at the step's instant (GitLab stamps it), then Steward settles.
                set_clocks(&world, &clock, at);
                act(&world, &season, &mut iids, action.request, &action.kind);
                settle(&world, at, &[]).await;
                let iid = iids[&action.request];
                if let Some(issue) = world.sim.issue(world.project(), iid) {
                    observer.look(action.request, &issue, at);
                }
            }
        }
    }
    let issues = iids
        .iter()
        .filter_map(|(index, iid)| {
            let issue = world.sim.issue(world.project(), *iid)?;
            Some((*index, (issue, world.sim.notes(world.project(), *iid))))
        })
        .collect();
    let digests = Program::ALL
        .iter()
        .filter_map(|p| {
            let epic = world.seed.epics.get(&ProgramKey::from(p.key()))?;
            Some((*p, world.sim.epic_notes(world.seed.group, epic.id)))
        })
        .collect();
    if std::env::var_os("STEWARD_SEASON_DUMP").is_some() {
        dump(&season, &issues);
    }
    let mut report = observer.finish(&issues, &digests, "steward-bot");
    report.size = size.to_owned();
    report.wall_secs = started.elapsed().as_secs_f64();
    let dead = world.store.queue_stats().await.unwrap().dead;
    assert_eq!(
        dead,
        0,
        "no job may fail:\n{}",
        cluster.replicas[0].log_tail()
    );
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    report
}

/// Prints every request's final labels and Steward's comments (`STEWARD_SEASON_DUMP=1`), to
/// see what a figure counted.
fn dump(
    season: &Season,
    issues: &BTreeMap<usize, (steward_sim::SimIssue, Vec<steward_sim::SimNote>)>,
) {
    for (index, (issue, notes)) in issues {
        let r = &season.requests[*index];
        println!(
            "#{} {:?} {} filed {} closed {:?} {:?} labels {:?} assignees {:?} due {:?}",
            issue.iid,
            r.program,
            r.title,
            r.filed_at,
            r.closed,
            issue.state,
            issue.labels,
            issue.assignees,
            issue.due_date
        );
        for n in notes {
            println!("    {} {}", n.created_at, n.body.replace('\n', " ⏎ "));
        }
    }
}

/// Does one action in the simulator, as the requester or the team would.
fn act(
    world: &World,
    season: &Season,
    iids: &mut BTreeMap<usize, IssueIid>,
    index: usize,
    kind: &ActionKind,
) {
    let r = &season.requests[index];
    let requester = world.seed.user(r.requester).unwrap();
    match kind {
        ActionKind::File => {
            let issue = NewIssue {
                title: r.title.clone(),
                description: r.versions[0].text.clone(),
                ..NewIssue::default()
            };
            iids.insert(
                index,
                world
                    .sim
                    .create_issue(world.project(), requester, issue)
                    .unwrap(),
            );
        }
        ActionKind::Edit(n) => {
            let change = IssueChange {
                description: Some(r.versions[*n].text.clone()),
                ..IssueChange::default()
            };
            world
                .sim
                .update_issue(world.project(), iids[&index], requester, change)
                .unwrap();
        }
        ActionKind::Close(outcome) => {
            let director = world.seed.user("nsmith").unwrap();
            let body =
                format!("Closing: outcome {outcome}.\n/label ~\"outcome::{outcome}\"\n/close");
            world
                .sim
                .add_note(world.project(), iids[&index], director, &body)
                .unwrap();
        }
    }
}

fn check(report: &SeasonReport) {
    println!("{}", report.table());
    for name in report.known_but_passing() {
        println!(
            "note: `{name}` passes now; it can leave KNOWN_FAILING_TODAY once it passes on the full season too"
        );
    }
    let unexpected = report.unexpected_failures();
    assert!(
        unexpected.is_empty(),
        "gates failing beyond the known list: {unexpected:#?}\nexamples:\n{}",
        report.examples.join("\n")
    );
    assert!(
        report.requests >= 30 && report.programs == 8,
        "every program is exercised"
    );
}

/// The short season, or the full one with `STEWARD_SEASON=full` (as the drill's sizes: the
/// suite, which runs ignored tests when PostgreSQL is there, never plays the full one).
fn size() -> (SeasonConfig, &'static str) {
    match std::env::var("STEWARD_SEASON").as_deref() {
        Ok("full") => (SeasonConfig::full(), "full"),
        _ => (SeasonConfig::short(), "short"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn season_meets_every_gate_the_current_rules_promise() {
    let (config, name) = size();
    let report = run_season(config, name).await;
    println!("examples:\n{}", report.examples.join("\n"));
    check(&report);
}
