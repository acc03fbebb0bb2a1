//! Two `steward serve` processes on one PostgreSQL schema behind a round-robin load balancer,
//! fed by the GitLab simulator: 1,000 webhook deliveries with duplicates over 300 issues filed
//! from the realistic requests in `tests/data/requests/`. Every issue must end as the rules
//! prescribe, every owned note must exist once, and the audit log must show each change made
//! once. Then one replica is SIGKILLed with jobs in hand and the other must finish them after
//! their lease expires, ending in the same correct state.
//!
//! Why a balancer rather than two project hooks: two hooks would send every event twice with
//! different `Idempotency-Key`s (GitLab's project + group hook case), which the coalescing
//! queue absorbs but which never puts one key on two replicas. Behind a balancer, the
//! simulator's duplicates and resends (same key) land on the *other* replica half of the time,
//! so dedup has to hold across processes, which is the property replicas need.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::cluster;
use crate::support::workload;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cluster::{Balancer, Cluster, ReplicaEnv, delivery_outcomes, wait_ready};
use steward::store::JobState;
use steward_sim::{Faults, HookConfig, IssueChange};
use workload::{
    Expect, REQUESTERS, World, count_rows, drop_schema, file_issues, own_account, request_files,
    speaker_with_event, team_gitlab, unique_schema, wait_until_quiet,
};

const BOT_TOKEN: &str = "glpat-replicas-bot";
const HOOK_SECRET: &str = "replicas-hook-secret";
const LEASE_SECS: u64 = 3;
const ISSUES: usize = 300;
const KILL_PHASE_ISSUES: usize = 20;
const DELIVERIES: u64 = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set STEWARD_TEST_DATABASE_URL and run with --include-ignored"]
async fn two_replicas_handle_every_delivery_once_and_one_finishes_the_others_jobs_after_sigkill() {
    let url = std::env::var("STEWARD_TEST_DATABASE_URL").expect(
        "STEWARD_TEST_DATABASE_URL must name a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test",
    );
    let started = Instant::now();
    let schema = unique_schema();

    // ---- GitLab (simulated) with the team's project, and the shipped configuration --------
    let (sim, seed, engine) = team_gitlab(BOT_TOKEN).await;

    // ---- two replicas on one schema (they migrate it concurrently), behind a balancer -----
    let env = ReplicaEnv {
        gitlab_url: sim.base_url(),
        token: BOT_TOKEN.to_owned(),
        secret: HOOK_SECRET.to_owned(),
        database_url: url.clone(),
        schema: Some(schema.clone()),
        project: seed.project.0,
        lease_secs: LEASE_SECS,
        concurrency: 4,
        rust_log: "info",
        settings_file: None,
    };
    let mut cluster = Cluster::default();
    cluster.spawn("A", &env);
    cluster.spawn("B", &env);
    for r in &mut cluster.replicas {
        wait_ready(r, Duration::from_secs(30)).await;
    }
    let balancer = Balancer::start(cluster.replicas[0].addr, cluster.replicas[1].addr).await;
    let mut hook = HookConfig::all_events(format!("http://{}/webhooks/gitlab", balancer.addr));
    hook.secret_token = Some(HOOK_SECRET.to_owned());
    sim.add_hook(seed.project, hook);

    let world = World::new((sim, seed, engine), BOT_TOKEN, &url, Some(schema.clone())).await;
    let sim = &world.sim;
    let project = world.project();

    // ---- phase 1a: 300 requests and 100 comments, with duplicated and reordered deliveries -
    sim.set_faults(Faults {
        duplicate_rate: 0.25,
        reorder_window: 8,
        seed: 11,
        ..Faults::default()
    });
    let mut filed = file_issues(sim, &world.seed, 0, ISSUES);
    for (i, f) in filed.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let who = world.seed.user(REQUESTERS[i % 3]).unwrap();
        sim.add_note(
            project,
            f.iid,
            who,
            "Thanks! Anything else you need from me?",
        )
        .unwrap();
    }
    wait_until_quiet(sim, &world.store, Duration::from_secs(60)).await;
    let edits_after_filing: Vec<u64> = {
        let mut v = Vec::new();
        for f in &filed {
            v.push(world.audit_count(Some(f.iid), "issue.edit").await);
        }
        v
    };

    // ---- phase 1b: people edit handled issues: events moved out, titles reworded ----------
    let far = sim.now().date_naive() + chrono::Duration::days(120);
    let speaker = request_files()
        .into_iter()
        .find(|(n, _)| n == "customer-speaker-request--clean")
        .unwrap()
        .1;
    let mut late_seen = 0;
    for (i, f) in filed.iter_mut().enumerate() {
        let who = world.seed.user(REQUESTERS[i % 3]).unwrap();
        if f.expect == Expect::Late {
            late_seen += 1;
            if late_seen % 2 == 0 {
                sim.update_issue(
                    project,
                    f.iid,
                    who,
                    IssueChange {
                        description: Some(own_account(&speaker_with_event(&speaker, far), f.n)),
                        ..IssueChange::default()
                    },
                )
                .unwrap();
                f.expect = Expect::LateThenMoved;
            }
        } else if i % 5 == 1 {
            sim.update_issue(
                project,
                f.iid,
                who,
                IssueChange {
                    title: Some(format!("Reworded request #{i}")),
                    ..IssueChange::default()
                },
            )
            .unwrap();
            f.title_edited = true;
        }
    }
    wait_until_quiet(sim, &world.store, Duration::from_secs(60)).await;

    // ---- top up to exactly 1,000 deliveries with resends (same Idempotency-Key) -----------
    let sent = balancer.stats.received.load(Ordering::Relaxed);
    assert!(
        sent < DELIVERIES,
        "the workload alone already sent {sent} deliveries"
    );
    let records = sim.deliveries();
    for k in 0..(DELIVERIES - sent) as usize {
        sim.resend(records[(k * 7) % records.len()].id)
            .await
            .unwrap();
    }
    wait_until_quiet(sim, &world.store, Duration::from_secs(60)).await;

    // ---- phase 1 checks ---------------------------------------------------------------------
    let stats = &balancer.stats;
    assert_eq!(stats.received.load(Ordering::Relaxed), DELIVERIES);
    let (to_a, to_b) = (
        stats.per_backend[0].load(Ordering::Relaxed),
        stats.per_backend[1].load(Ordering::Relaxed),
    );
    assert_eq!(to_a + to_b, DELIVERIES, "every delivery was answered");
    assert!(to_a >= 400 && to_b >= 400, "split {to_a}/{to_b}");

    // Each distinct Idempotency-Key was recorded once, across both replicas; every other
    // request was answered as a duplicate by whichever replica got it.
    let distinct_keys = sim.deliveries().iter().filter(|d| d.attempts > 0).count() as u64;
    let duplicates_sent = DELIVERIES - distinct_keys;
    assert!(duplicates_sent >= 300, "duplicates sent: {duplicates_sent}");
    assert_eq!(
        count_rows(&url, &schema, "deliveries").await as u64,
        distinct_keys,
        "deliveries recorded"
    );
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for r in &cluster.replicas {
        for (k, v) in delivery_outcomes(r.addr).await {
            *outcomes.entry(k).or_default() += v;
        }
    }
    assert_eq!(
        outcomes.get("duplicate").copied(),
        Some(duplicates_sent),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.get("queued").copied().unwrap_or(0)
            + outcomes.get("ignored").copied().unwrap_or(0),
        distinct_keys,
        "{outcomes:?}"
    );

    world
        .assert_all_converged(&filed, "after 1,000 deliveries")
        .await;

    // The audit log shows each write once: as many edits and notes as GitLab received, at most
    // one edit per issue as filed, and none for a title change the rules do not read.
    let c = sim.counters();
    assert_eq!(
        world.audit_count(None, "issue.edit").await,
        c.endpoint("issues.edit")
    );
    assert_eq!(
        world.audit_count(None, "note.create").await,
        c.endpoint("notes.create")
    );
    assert_eq!(
        world.audit_count(None, "note.update").await,
        c.endpoint("notes.edit")
    );
    assert_eq!(c.status_5xx + c.status_429, 0, "{c:?}");
    for (f, before) in filed.iter().zip(&edits_after_filing) {
        let edits = world.audit_count(Some(f.iid), "issue.edit").await;
        let created = world.audit_count(Some(f.iid), "note.create").await;
        let updated = world.audit_count(Some(f.iid), "note.update").await;
        let notes = world.bot_notes(f.iid).await.len() as u64;
        assert_eq!(created, notes, "#{}: one note.create per note", f.iid);
        match f.expect {
            Expect::LateThenMoved => {
                assert_eq!((edits, created, updated), (2, 1, 1), "#{}", f.iid);
            }
            _ => {
                assert!(*before <= 1, "#{}: {before} edits for one filing", f.iid);
                assert_eq!(edits, *before, "#{}: edited again without cause", f.iid);
                assert_eq!(updated, 0, "#{}", f.iid);
            }
        }
    }
    let late = filed.iter().filter(|f| f.expect == Expect::Late).count();
    let moved = filed
        .iter()
        .filter(|f| f.expect == Expect::LateThenMoved)
        .count();
    assert!(late >= 10 && moved >= 10, "late {late}, moved {moved}");

    // ---- phase 2: SIGKILL replica A while it holds leased jobs -----------------------------
    // Slow GitLab down so that jobs are in flight long enough to be caught holding a lease,
    // and take longer than the lease: live jobs must keep their leases (renewed), only the
    // dead replica's jobs may change hands.
    let last_job_before = world
        .store
        .list_jobs(None, 1)
        .await
        .unwrap()
        .first()
        .map_or(0, |j| j.id.0);
    sim.set_faults(Faults {
        latency: Duration::from_millis(1000),
        duplicate_rate: 0.25,
        seed: 12,
        ..Faults::default()
    });
    let more = file_issues(sim, &world.seed, ISSUES, KILL_PHASE_ISSUES);
    let a_prefix = cluster.replicas[0].worker_prefix();
    let b_prefix = cluster.replicas[1].worker_prefix();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let running = world
            .store
            .list_jobs(Some(JobState::Running), 100)
            .await
            .unwrap();
        if running.iter().any(|j| {
            j.lease_owner
                .as_deref()
                .is_some_and(|o| o.starts_with(&a_prefix))
        }) {
            break;
        }
        assert!(Instant::now() < deadline, "replica A never held a job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let a = &mut cluster.replicas[0];
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let killed_at = Instant::now();
    let orphans: Vec<i64> = world
        .store
        .list_jobs(Some(JobState::Running), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| {
            j.lease_owner
                .as_deref()
                .is_some_and(|o| o.starts_with(&a_prefix))
        })
        .map(|j| j.id.0)
        .collect();
    assert!(!orphans.is_empty(), "A died without a job in hand");

    wait_until_quiet(sim, &world.store, Duration::from_secs(60)).await;
    // A's leases were last renewed at most a third of a lease before the kill.
    assert!(
        killed_at.elapsed() >= Duration::from_secs(LEASE_SECS) * 2 / 3,
        "orphaned jobs were taken before their lease expired"
    );
    let done = world
        .store
        .list_jobs(Some(JobState::Done), 10_000)
        .await
        .unwrap();
    for id in &orphans {
        let job = done
            .iter()
            .find(|j| j.id.0 == *id)
            .unwrap_or_else(|| panic!("orphaned job {id} never finished"));
        assert!(
            job.lease_owner
                .as_deref()
                .is_some_and(|o| o.starts_with(&b_prefix)),
            "job {id} finished by {:?}, not by B",
            job.lease_owner
        );
        assert!(job.attempts >= 2, "job {id} was claimed again: {job:?}");
    }
    for job in done
        .iter()
        .filter(|j| j.id.0 > last_job_before && !orphans.contains(&j.id.0))
    {
        assert_eq!(job.attempts, 1, "a live job changed hands: {job:?}");
    }

    // ---- final checks: every issue, old and new, in the prescribed state --------------------
    sim.set_faults(Faults::default());
    filed.extend(more.iter().cloned());
    world
        .assert_all_converged(&filed, "after the SIGKILL")
        .await;
    let c = sim.counters();
    // A killed mid-job may have written to GitLab without auditing it; never the reverse.
    assert!(world.audit_count(None, "issue.edit").await <= c.endpoint("issues.edit"));
    assert!(world.audit_count(None, "note.create").await <= c.endpoint("notes.create"));
    for f in &more {
        let edits = world.audit_count(Some(f.iid), "issue.edit").await;
        assert!(edits <= 1, "#{}: {edits} edits for one filing", f.iid);
    }

    let elapsed = started.elapsed();
    eprintln!(
        "replicas: {DELIVERIES} deliveries ({duplicates_sent} duplicates) split {to_a}/{to_b}, \
         {} issues, {} orphaned jobs finished by B, {elapsed:.1?} in all",
        filed.len(),
        orphans.len()
    );
    assert!(elapsed < Duration::from_secs(110), "took {elapsed:?}");
    drop(cluster);
    drop(balancer);
    let World { sim, .. } = world;
    let _ = sim.shutdown().await;
    drop_schema(&url, &schema).await;
}
