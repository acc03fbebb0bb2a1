#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! How a sweep pages through a project against the simulator pretending to be GitLab 19.1 or
//! 17.11: keyset pages where the instance has them, offset pages (detected and logged) where
//! it does not, and a complete sweep past GitLab's maximum offset (GITLAB.md §6.3). The
//! sweeps are dry runs: listing is what is measured, nothing is written.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use steward::gitlab::capabilities::Capabilities;
use steward::harness::{Harness, HarnessOptions};
use steward::jobs::sweep::{SweepReport, sweep};
use steward_sim::{NewIssue, SimConfig};

fn start_of_story() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-02T14:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A harness on a simulator configured by `sim`, with `n` open issues each updated a minute
/// after the previous one (no webhook: only sweeps see them).
async fn project_with(n: usize, sim: SimConfig) -> Harness {
    let mut opts = HarnessOptions::shipped(start_of_story());
    opts.sim = sim;
    opts.webhook = false;
    let h = Harness::start(opts).await.unwrap();
    let author = h.user("jhernandez").unwrap();
    for k in 0..n {
        h.sim
            .set_now(start_of_story() + Duration::minutes(k as i64));
        h.sim
            .create_issue(
                h.project(),
                author,
                NewIssue {
                    title: format!("Request {k}"),
                    description: "Plain text, no template.".into(),
                    ..NewIssue::default()
                },
            )
            .unwrap();
    }
    h.sim.reset_counters();
    h
}

fn open_issues(h: &Harness) -> usize {
    (1..=2_000u64)
        .filter_map(|iid| h.sim.issue(h.project(), steward_core::model::IssueIid(iid)))
        .filter(|i| i.state == steward_core::model::IssueState::Opened)
        .count()
}

async fn dry_sweep(h: &Harness) -> SweepReport {
    sweep(&h.state.job_deps(), true, false).await.unwrap()
}

fn list_calls(h: &Harness) -> u64 {
    h.sim
        .counters()
        .by_endpoint
        .get("issues.list")
        .copied()
        .unwrap_or(0)
}

/// Collects the JSON log lines written while the guard lives (current-thread tests only).
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || Logs(writer.clone()))
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}

fn lines(buf: &Arc<Mutex<Vec<u8>>>, message: &str) -> Vec<serde_json::Value> {
    String::from_utf8(buf.lock().unwrap().clone())
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == message)
        .collect()
}

#[tokio::test]
async fn a_current_gitlab_is_swept_by_keyset_over_several_pages_and_start_up_says_so() {
    let (logs, _guard) = capture_logs();
    let h = project_with(230, SimConfig::default()).await;
    let caps = h.state.gitlab_cache.capabilities().get();
    assert!(
        caps.keyset_project_issues && caps.work_item_notes(),
        "{caps:?}"
    );
    let said = lines(&logs, "GitLab capabilities");
    assert_eq!(said.len(), 1, "one line at start-up");
    assert_eq!(said[0]["fields"]["gitlab_version"], "19.1.0-ee");
    assert_eq!(said[0]["fields"]["issue_paging"], "keyset");
    assert_eq!(said[0]["fields"]["epic_notes"], "graphql-work-items");

    let report = dry_sweep(&h).await;
    let open = open_issues(&h);
    assert!(open >= 230, "{open}");
    assert_eq!(report.listed, open, "every open issue, once");
    assert_eq!(report.paging.keyset_pages, open.div_ceil(100));
    assert_eq!(
        (report.paging.offset_pages, report.paging.keyset_fallbacks),
        (0, 0)
    );
    // Plus one listing of the closed accepted approvals whose expiry the rules watch.
    assert_eq!(list_calls(&h), open.div_ceil(100) as u64 + 1);
}

#[tokio::test]
async fn gitlab_17_11_is_swept_by_offset_pages_and_a_wrong_keyset_guess_falls_back_logged() {
    let (logs, _guard) = capture_logs();
    let sim = SimConfig {
        gitlab_version: "17.11.5-ee".into(),
        ..SimConfig::default()
    };
    let h = project_with(230, sim).await;
    let caps = h.state.gitlab_cache.capabilities().get();
    assert!(
        !caps.keyset_project_issues && !caps.work_item_notes(),
        "{caps:?}"
    );
    assert_eq!(
        lines(&logs, "GitLab capabilities")[0]["fields"]["issue_paging"],
        "offset"
    );
    let report = dry_sweep(&h).await;
    let open = open_issues(&h);
    assert_eq!(report.listed, open);
    assert_eq!(
        (report.paging.keyset_pages, report.paging.offset_pages),
        (0, open.div_ceil(100))
    );

    // Told it is a current GitLab (a proxy rewrote /version, say), Steward asks for keyset,
    // sees offset pages come back, says so once and keeps listing by offset.
    h.state
        .gitlab_cache
        .capabilities()
        .set(Capabilities::from_version("19.1.0-ee"));
    let report = dry_sweep(&h).await;
    assert_eq!(report.listed, open, "nothing lost in the fallback");
    assert_eq!(report.paging.keyset_fallbacks, 1);
    assert!(
        !h.state
            .gitlab_cache
            .capabilities()
            .get()
            .keyset_project_issues
    );
    let warned = lines(&logs, "keyset paging unavailable; listing by offset");
    assert_eq!(warned.len(), 1, "logged once");
    let report = dry_sweep(&h).await;
    assert_eq!(report.paging.keyset_fallbacks, 0, "not asked again");
}

#[tokio::test]
async fn a_sweep_by_offset_completes_past_the_maximum_offset_in_updated_before_windows() {
    // A GitLab whose maximum offset is 100 (50,000 by default): with 100 issues a page, the
    // second offset page is refused with GitLab's 405.
    let sim = SimConfig {
        offset_pagination_limit: 100,
        ..SimConfig::default()
    };
    let h = project_with(260, sim).await;
    // The probe failed at start-up (say): Steward is on the conservative, offset path.
    h.state
        .gitlab_cache
        .capabilities()
        .set(Capabilities::default());
    let report = dry_sweep(&h).await;
    let open = open_issues(&h);
    assert_eq!(report.listed, open, "every issue despite the cap");
    assert!(report.paging.windows >= 2, "{:?}", report.paging);
    // Less the one listing of the closed accepted approvals whose expiry the rules watch.
    let refused =
        h.sim.counters().by_endpoint["issues.list"] as usize - report.paging.offset_pages - 1;
    assert_eq!(
        refused, report.paging.windows,
        "one refused page per window"
    );

    // The same project by keyset: no cap, no windows, one call per page.
    h.state
        .gitlab_cache
        .capabilities()
        .set(Capabilities::from_version("19.1.0-ee"));
    h.sim.reset_counters();
    let report = dry_sweep(&h).await;
    assert_eq!(report.listed, open);
    assert_eq!((report.paging.windows, report.paging.offset_pages), (0, 0));
    // Plus one listing of the closed accepted approvals whose expiry the rules watch.
    assert_eq!(list_calls(&h), open.div_ceil(100) as u64 + 1);
}

#[tokio::test]
async fn a_failed_probe_leaves_the_conservative_paths_until_a_later_probe_succeeds() {
    use steward::gitlab::cached::CachedGitLab;
    use steward::gitlab::capabilities::{Source, probe};
    use steward_testkit::{Call, Failure, FakeGitLab};

    let bot = steward_core::model::UserRef {
        id: steward_core::model::UserId(9),
        username: "steward-bot".into(),
    };
    let fake = Arc::new(FakeGitLab::new(bot, start_of_story()));
    fake.set_version("18.3.2");
    fake.fail_next("version", Failure::Server(502));
    let gitlab = CachedGitLab::new(fake.clone());
    gitlab.capabilities().set(probe(&gitlab).await);
    let caps = gitlab.capabilities().get();
    assert!(
        matches!(caps.source, Source::Unknown(ref e) if e.contains("502")),
        "{caps:?}"
    );
    assert!(!caps.keyset_project_issues && !caps.work_item_notes());

    // The next sweep asks again, and this time GitLab answers.
    let caps = gitlab.capabilities().refresh_if_unknown(&gitlab).await;
    assert!(caps.is_known() && caps.keyset_project_issues && caps.work_item_notes());
    // Known now: later sweeps do not ask.
    gitlab.capabilities().refresh_if_unknown(&gitlab).await;
    let probes = fake.calls().iter().filter(|c| **c == Call::Version).count();
    assert_eq!(probes, 2);
}

#[tokio::test]
async fn the_recording_fake_pages_by_keyset_links_when_the_instance_has_keyset() {
    use crate::support::fake_world::{PROJECT, speaker_request, world};
    use steward::gitlab::PageCursor;
    use steward::jobs::JobDeps;
    use steward_testkit::Call;

    let w = world().await;
    for n in 0..150u64 {
        let mut issue = speaker_request("2027-04-21", false);
        issue.iid = steward_core::model::IssueIid(100 + n);
        issue.id = steward_core::model::IssueId(9_100 + n);
        issue.updated_at += Duration::minutes(n as i64);
        w.fake.put_issue(issue);
    }
    w.deps
        .gitlab
        .capabilities()
        .set(Capabilities::from_version("18.3.2"));
    let deps = JobDeps {
        sync: w.deps.clone(),
        projects: vec![PROJECT],
        digest: None,
        jobs_ready: Arc::new(tokio::sync::Notify::new()),
    };
    let report = sweep(&deps, true, false).await.unwrap();
    assert_eq!(report.listed, 150);
    let cursors: Vec<PageCursor> = w
        .fake
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::ListIssuesPage { cursor, .. } => Some(cursor),
            _ => None,
        })
        .collect();
    assert_eq!(
        cursors,
        [
            PageCursor::Keyset(None),
            PageCursor::Keyset(Some("fake://keyset/100".into())),
            // The closed accepted approvals whose expiry the rules watch (one listing).
            PageCursor::Offset(1)
        ]
    );
}
