//! The status page end to end: the simulator and a real Steward (harness), the page on its own
//! loopback listener. With a token, nothing is shown without it and the token shows
//! confidential titles; without one, a confidential title is never shown; hostile titles are
//! escaped; an explanation writes nothing and says what a sync would change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use steward::config::StatusSettings;
use steward::harness::{Harness, HarnessOptions};
use steward_core::model::IssueIid;
use steward_sim::{IssueChange, NewIssue};

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");
const PRESS: &str = include_str!("../data/requests/customer-press-request--clean.md");
const TOKEN: &str = "status-token-7f3a9c2e5b1d";
const SECRET_TITLE: &str = "Northwind Bank speaker (under NDA)";
const HOSTILE: &str = "<script>alert('x')</script>\"><img src=x onerror=alert(1)> @all";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A harness whose status page listens on loopback, with or without a token; a confidential
/// request and a hostile-titled one filed and handled.
async fn harness(token: Option<&str>) -> (Harness, IssueIid, IssueIid, String) {
    let mut opts = HarnessOptions::shipped(at("2026-11-25T15:00:00Z"));
    opts.status = StatusSettings {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        token: token.map(SecretString::from),
    };
    let h = Harness::start(opts).await.unwrap();
    let secret = h
        .sim
        .create_issue(
            h.project(),
            h.user("asales").unwrap(),
            NewIssue {
                title: SECRET_TITLE.to_owned(),
                description: SPEAKER.to_owned(),
                confidential: true,
                ..NewIssue::default()
            },
        )
        .unwrap();
    let hostile = h.file("bmarketing", HOSTILE, PRESS).await.unwrap();
    h.settle().await.unwrap();
    let base = format!("http://{}", h.running.status_addr.unwrap());
    (h, secret, hostile, base)
}

async fn get(url: &str, auth: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn explain_url(base: &str, project: u64, iid: IssueIid) -> String {
    format!("{base}/status/explain?issue={project}%23{iid}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_the_page_is_closed_without_it_and_shows_confidential_titles_with_it() {
    let (h, secret, _, base) = harness(Some(TOKEN)).await;
    let project = h.project().0;
    for url in [
        format!("{base}/status"),
        explain_url(&base, project, secret),
    ] {
        for auth in [None, Some("Bearer wrong-token-0000000000"), Some(TOKEN)] {
            let (status, body) = get(&url, auth).await;
            assert_eq!(status, 401, "{url} with {auth:?}");
            assert!(!body.contains(SECRET_TITLE));
        }
    }
    let bearer = format!("Bearer {TOKEN}");
    let (status, body) = get(&format!("{base}/status"), Some(&bearer)).await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("{project}#{secret}</a>")), "{body}");
    let (status, body) = get(&explain_url(&base, project, secret), Some(&bearer)).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(SECRET_TITLE),
        "the token shows the title: {body}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_confidential_titles_are_withheld_and_hostile_ones_escaped() {
    let (h, secret, hostile, base) = harness(None).await;
    let project = h.project().0;
    let (status, overview) = get(&format!("{base}/status"), None).await;
    assert_eq!(status, 200);
    assert!(!overview.contains(SECRET_TITLE));
    assert!(overview.contains(&format!("{project}#{hostile}</a>")));
    assert!(
        overview.contains("issue.edit"),
        "recent decisions are listed"
    );

    let (status, page) = get(&explain_url(&base, project, secret), None).await;
    assert_eq!(status, 200);
    assert!(!page.contains(SECRET_TITLE), "{page}");
    assert!(!page.contains("Northwind"), "{page}");
    assert!(page.contains("confidential issue"), "{page}");

    let (status, page) = get(&explain_url(&base, project, hostile), None).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img src=x \
             onerror=alert(1)&gt; @all"
        ),
        "{page}"
    );
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explanation_says_what_a_sync_would_change_and_writes_nothing() {
    let (h, _, hostile, base) = harness(None).await;
    let project = h.project().0;
    // Someone removes Steward's program label; no webhook reaches Steward yet.
    let issue = h.sim.issue(h.project(), hostile).unwrap();
    let kept: Vec<String> = issue
        .labels
        .iter()
        .map(|l| l.to_string())
        .filter(|l| l != "advocacy-program::press")
        .collect();
    let user = h.user("bmarketing").unwrap();
    let change = IssueChange {
        labels: Some(kept),
        ..IssueChange::default()
    };
    h.sim
        .update_issue(h.project(), hostile, user, change)
        .unwrap();
    let writes = h.sim.counters().writes;
    let audit = h
        .state
        .store
        .count_audit(&Default::default())
        .await
        .unwrap();

    let (status, page) = get(&explain_url(&base, project, hostile), None).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<li>add label advocacy-program::press</li>"),
        "{page}"
    );
    assert!(page.contains("<code>intake-press</code>"), "{page}");
    assert_eq!(h.sim.counters().writes, writes, "no GitLab write");
    let after = h.state.store.count_audit(&Default::default()).await;
    assert_eq!(after.unwrap(), audit, "no audit entry");

    // The same explanation for the terminal.
    let issue = h
        .state
        .gitlab
        .get_issue(&steward::gitlab::CallContext::none(), h.project(), hostile)
        .await
        .unwrap();
    let e = steward::explain::explain(&h.state.job_deps().sync, issue)
        .await
        .unwrap();
    let text = steward::explain::render_text(&e);
    assert!(text.contains("add label advocacy-program::press"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("advocacy-status::triage") && l.contains("by rule")),
        "{text}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_outside_the_served_projects_or_malformed_is_refused_plainly() {
    let (h, _, hostile, base) = harness(None).await;
    let cases = [
        (
            format!("{base}/status/explain?issue=999%23{hostile}"),
            404,
            "not an issue of a project Steward serves",
        ),
        (
            format!("{base}/status/explain?issue=%23999"),
            404,
            "not found",
        ),
        (
            format!("{base}/status/explain?issue=%3Cb%3E"),
            400,
            "&lt;b&gt;",
        ),
    ];
    for (url, want, says) in cases {
        let (status, body) = get(&url, None).await;
        assert_eq!(status, want, "{url}: {body}");
        assert!(
            body.to_lowercase().contains(&says.to_lowercase()),
            "{url}: {body}"
        );
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_ledger_shows_counts_escapes_names_and_hides_accounts_seen_only_in_confidence()
{
    let (h, _, _, base) = harness(None).await;
    let hostile_press = PRESS.replace("Aperture Financial", "<b>Acme</b> & Sons @all");
    h.file("bmarketing", "Quote", &hostile_press).await.unwrap();
    h.settle().await.unwrap();
    let (status, overview) = get(&format!("{base}/status"), None).await;
    assert_eq!(status, 200);
    let section = overview
        .split("id=\"customers\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        section.contains("&lt;b&gt;Acme&lt;/b&gt; &amp; Sons @all"),
        "{section}"
    );
    assert!(!section.contains("<b>Acme"), "{section}");
    // The speaker request (Northwind Logistics) is confidential: its account is counted only.
    assert!(!section.contains("Northwind"), "{section}");
    assert!(section.contains("confidential requests only"), "{section}");
    h.stop().await;
}
