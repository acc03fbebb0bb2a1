//! A simulator with a project, a bot, a requester and a Guest, and a small HTTP client.

use chrono::{DateTime, Utc};
use reqwest::{Client, Response};
use serde_json::Value;
use steward_core::model::{IssueIid, ProjectId, UserId};
use steward_sim::{NewIssue, SimConfig, SimHandle, Simulator};

pub const BOT: &str = "bot-token";
pub const GUEST: &str = "guest-token";

pub struct Env {
    pub sim: SimHandle,
    pub http: Client,
    pub project: ProjectId,
    pub bot: UserId,
    pub alice: UserId,
    pub guest: UserId,
}

/// A fixed instant, so no test depends on the wall clock.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-03-01T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub async fn env() -> Env {
    env_with(SimConfig::default()).await
}

pub async fn env_with(config: SimConfig) -> Env {
    let sim = Simulator::start(config).await.unwrap();
    sim.set_now(t0());
    let bot = sim.add_user("steward-bot", "Steward");
    let alice = sim.add_user("alice", "Alice Requester");
    let guest = sim.add_user("gus", "Gus Guest");
    sim.set_can_set_metadata(guest, false);
    sim.add_token(BOT, bot);
    sim.add_token(GUEST, guest);
    let project = sim.add_project("customer-advocacy/requests");
    for l in ["Customer Advocacy", "advocacy-status::triage", "urgent"] {
        sim.add_label(project, l, "#428bca");
    }
    Env {
        sim,
        http: Client::new(),
        project,
        bot,
        alice,
        guest,
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v4{path}", self.sim.base_url())
    }
    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        let r = self.http.get(self.url(path)).header("PRIVATE-TOKEN", token);
        r.send().await.unwrap()
    }
    pub async fn get(&self, path: &str) -> Response {
        self.get_as(BOT, path).await
    }
    pub async fn send_as(&self, token: &str, method: &str, path: &str, body: Value) -> Response {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = self
            .http
            .request(m, self.url(path))
            .header("PRIVATE-TOKEN", token);
        r.json(&body).send().await.unwrap()
    }
    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.send_as(BOT, "PUT", path, body).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send_as(BOT, "POST", path, body).await
    }
    /// An issue filed by Alice.
    pub fn issue(&self, title: &str) -> IssueIid {
        let new = NewIssue {
            title: title.into(),
            ..NewIssue::default()
        };
        self.sim
            .create_issue(self.project, self.alice, new)
            .unwrap()
    }
    pub fn issue_path(&self, iid: IssueIid) -> String {
        format!("/projects/{}/issues/{}", self.project, iid)
    }
    pub fn notes_path(&self, iid: IssueIid) -> String {
        format!("{}/notes", self.issue_path(iid))
    }
}
