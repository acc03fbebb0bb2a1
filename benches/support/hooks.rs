//! Issue Hook deliveries for the ingest benchmark: requests filed in the simulator and the
//! body and headers GitLab sends when one is edited, each delivery with its own keys.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use bytes::Bytes;
use steward_core::model::IssueIid;
use steward_sim::{NewIssue, SimHandle, TeamSeed};

const FIXTURE: &str = include_str!("../../tests/fixtures/gitlab/issue-hook-open.json");
const REQUESTS: &[&str] = &[
    include_str!("../../tests/data/requests/customer-speaker-request--clean.md"),
    include_str!("../../tests/data/requests/customer-press-request--clean.md"),
    include_str!("../../tests/data/requests/customer-story-idea--clean.md"),
    include_str!("../../tests/data/requests/customer-reference-approval--clean.md"),
    include_str!("../../tests/data/requests/analyst-participation-request--clean.md"),
    include_str!("../../tests/data/requests/eab-nomination--clean.md"),
    include_str!("../../tests/data/requests/earnings-customer-reference--clean.md"),
    include_str!("../../tests/data/requests/reference-contest-entry--clean.md"),
    include_str!("../../tests/data/requests/customer-speaker-request--messy.md"),
    include_str!("../../tests/data/requests/customer-story-idea--messy.md"),
];

/// Pre-built bodies (one per issue) and the delivery counter for unique keys.
pub struct Deliveries {
    /// One Issue Hook body per issue.
    pub bodies: Vec<Bytes>,
    /// `X-Gitlab-Instance`.
    pub instance: String,
    /// Makes this run's keys differ from every other run's.
    pub nonce: u64,
    /// Deliveries sent so far.
    pub next: AtomicU64,
}

impl Deliveries {
    /// A UUID-shaped id unique to this run and delivery number.
    fn uuid(&self, n: u64, salt: u64) -> String {
        let a = splitmix(self.nonce ^ n.wrapping_mul(0x9e37_79b9) ^ salt);
        let b = splitmix(a ^ n);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// The next delivery: the request GitLab would send for an edit of one of the issues.
    pub fn request(&self, client: &reqwest::Client, url: &str) -> reqwest::RequestBuilder {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let key = self.uuid(n, 1);
        let body =
            self.bodies[(splitmix(n ^ self.nonce) % self.bodies.len() as u64) as usize].clone();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        client
            .post(url)
            .header("Content-Type", "application/json")
            .header("User-Agent", "GitLab/18.6.0")
            .header("X-Gitlab-Event", "Issue Hook")
            .header("X-Gitlab-Token", crate::support::HOOK_SECRET)
            .header("X-Gitlab-Instance", &self.instance)
            .header("X-Gitlab-Webhook-UUID", self.uuid(n, 2))
            .header("X-Gitlab-Event-UUID", self.uuid(n, 3))
            .header("Idempotency-Key", &key)
            .header("webhook-id", &key)
            .header("webhook-timestamp", now.to_string())
            .body(body)
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Files `n` requests in the simulator as a requester and returns the Issue Hook body GitLab
/// sends when each is edited (the fixture's shape, with the issue's real fields).
pub fn file_issues(sim: &SimHandle, seed: &TeamSeed, n: usize) -> anyhow::Result<Vec<Bytes>> {
    let requester = seed.user("asales").context("seeded user asales")?;
    let template: serde_json::Value = serde_json::from_str(FIXTURE)?;
    let base = sim.base_url();
    let mut bodies = Vec::with_capacity(n);
    for i in 0..n {
        let iid = sim.create_issue(
            seed.project,
            requester,
            NewIssue {
                title: format!("Customer request #{i}"),
                description: REQUESTS[i % REQUESTS.len()].to_owned(),
                // The team's intake label, chosen in the form.
                labels: vec!["Customer Advocacy".to_owned()],
                ..NewIssue::default()
            },
        )?;
        let issue = sim
            .issue(seed.project, iid)
            .context("the simulator lost an issue")?;
        bodies.push(Bytes::from(hook_body(
            &template,
            &base,
            seed,
            requester.0,
            &issue,
            iid,
        )?));
    }
    Ok(bodies)
}

fn hook_body(
    template: &serde_json::Value,
    base: &str,
    seed: &TeamSeed,
    requester: u64,
    issue: &steward_sim::SimIssue,
    iid: IssueIid,
) -> anyhow::Result<Vec<u8>> {
    use serde_json::json;
    let gitlab_time =
        |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let project_url = format!("{base}/{}", steward_sim::TEAM_PROJECT);
    let mut v = template.clone();
    v["user"] = json!({
        "id": requester,
        "name": "Avery Sales",
        "username": "asales",
        "avatar_url": "https://secure.gravatar.com/avatar/8f2a1c0b7e4d?s=80&d=identicon",
        "email": "[REDACTED]"
    });
    let p = &mut v["project"];
    p["id"] = json!(seed.project.0);
    p["name"] = json!("requests");
    p["description"] = json!("Intake for customer advocacy requests");
    p["web_url"] = json!(project_url);
    p["namespace"] = json!("customer-advocacy");
    p["path_with_namespace"] = json!(steward_sim::TEAM_PROJECT);
    p["homepage"] = json!(project_url);
    for k in ["git_ssh_url", "ssh_url"] {
        p[k] = json!(format!("git@example.com:{}.git", steward_sim::TEAM_PROJECT));
    }
    for k in ["git_http_url", "url", "http_url"] {
        p[k] = json!(format!("{project_url}.git"));
    }
    let a = &mut v["object_attributes"];
    a["id"] = json!(issue.id.0);
    a["iid"] = json!(iid.0);
    a["project_id"] = json!(seed.project.0);
    a["title"] = json!(issue.title);
    a["description"] = json!(issue.description);
    a["author_id"] = json!(requester);
    a["updated_by_id"] = json!(requester);
    a["assignee_ids"] = json!([]);
    a["assignee_id"] = json!(null);
    a["created_at"] = json!(gitlab_time(issue.created_at));
    a["updated_at"] = json!(gitlab_time(issue.updated_at));
    a["url"] = json!(format!("{project_url}/-/issues/{}", iid.0));
    a["action"] = json!("update");
    let labels: Vec<serde_json::Value> = issue
        .labels
        .iter()
        .enumerate()
        .map(|(n, l)| {
            json!({
                "id": 1000 + n,
                "title": l.as_str(),
                "color": "#6699cc",
                "project_id": seed.project.0,
                "created_at": gitlab_time(issue.created_at),
                "updated_at": gitlab_time(issue.created_at),
                "template": false,
                "description": null,
                "type": "ProjectLabel",
                "group_id": null
            })
        })
        .collect();
    a["labels"] = json!(labels);
    v["repository"]["name"] = json!("requests");
    v["repository"]["url"] = json!(format!("{project_url}.git"));
    v["repository"]["homepage"] = json!(project_url);
    v["assignees"] = json!([]);
    if let Some(o) = v.as_object_mut() {
        o.remove("assignee");
    }
    v["labels"] = json!(labels);
    v["changes"] = json!({
        "title": {"previous": format!("{} (draft)", issue.title), "current": issue.title},
        "updated_by_id": {"previous": null, "current": requester},
        "updated_at": {
            "previous": gitlab_time(issue.created_at),
            "current": gitlab_time(issue.updated_at)
        }
    });
    Ok(serde_json::to_vec(&v)?)
}
