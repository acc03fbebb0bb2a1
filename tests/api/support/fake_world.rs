//! A world for job tests: the recording fake GitLab with the shipped rules' labels and the
//! team's users, an in-memory store, a fixed clock, and a late speaker request to sync.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use steward::gitlab::cached::CachedGitLab;
use steward::gitlab::{DueDateEdit, IssueEdit};
use steward::jobs::worker::Worker;
use steward::jobs::{IssueSync, JobDeps, RunOutcome, SyncDeps, issue_sync};
use steward::store::{self, StoreOptions};
use steward_core::clock::ManualClock;
use steward_core::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, ProjectId, UserId, UserRef, Username,
};
use steward_core::rules::Engine;
use steward_testkit::{Call, FakeGitLab};

pub const PROJECT: ProjectId = ProjectId(7);
pub const IID: IssueIid = IssueIid(42);
pub const SPEAKER: &str = include_str!("../../data/requests/customer-speaker-request--clean.md");

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Monday 2027-03-01, 10:00 in New York: the fixed "now" of every case.
pub fn now() -> DateTime<Utc> {
    at("2027-03-01T15:00:00Z")
}

pub fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub fn user(id: u64, name: &str) -> UserRef {
    UserRef {
        id: UserId(id),
        username: Username(name.to_owned()),
    }
}

pub fn labels(names: &[&str]) -> BTreeSet<LabelName> {
    names.iter().map(|l| LabelName::from(*l)).collect()
}

pub struct World {
    pub fake: Arc<FakeGitLab>,
    pub deps: SyncDeps,
    pub clock: ManualClock,
}

pub async fn world() -> World {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let engine = Engine::load(&root.join("rules"), &root.join("issue_templates"))
        .unwrap_or_else(|e| panic!("shipped rules load: {e:?}"));
    let bot = user(1, "steward-bot");
    let fake = Arc::new(FakeGitLab::new(bot.clone(), now()));
    for (id, name) in [
        (10, "jhernandez"),
        (11, "rlurie"),
        (20, "mgarcia"),
        (30, "ccs"),
    ] {
        fake.add_user(id, name);
    }
    let used: Vec<String> = engine
        .labels_used()
        .iter()
        .map(|l| l.as_str().to_owned())
        .collect();
    fake.set_labels(
        PROJECT,
        &used.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let clock = ManualClock::new(now());
    let deps = SyncDeps {
        store: store::open("sqlite::memory:", &StoreOptions::default())
            .await
            .unwrap(),
        // Through the same label and user cache the service puts in front of GitLab.
        gitlab: Arc::new(CachedGitLab::new(fake.clone())),
        engine: Arc::new(engine),
        clock: Arc::new(clock.clone()),
        bot,
        // The store is older than every issue here: its owned-note records are complete.
        store_born: Some(at("2027-01-01T00:00:00Z")),
    };
    World { fake, deps, clock }
}

/// A speaker request filed an hour ago by `ccs` for an event on `event_date`.
pub fn speaker_request(event_date: &str, confidential: bool) -> Issue {
    let filed = at("2027-03-01T14:00:00Z");
    Issue {
        project_id: PROJECT,
        id: IssueId(9042),
        iid: IID,
        title: "Speaker for World Tour Chicago".to_owned(),
        description: SPEAKER.replace("2027-04-21", event_date),
        state: IssueState::Opened,
        labels: labels(&["advocacy-program::speaker"]),
        assignees: Vec::new(),
        author: Some(user(30, "ccs")),
        created_at: filed,
        updated_at: filed,
        closed_at: None,
        due_date: None,
        confidential,
        web_url: String::new(),
        owned_note_keys: BTreeSet::new(),
        managed_due_date: None,
        waiting: Default::default(),
        user_notes_count: None,
        last_human_activity_at: None,
        work_item_type: None,
    }
}

pub fn job(event_uuid: Option<&str>) -> IssueSync {
    IssueSync {
        project: PROJECT,
        iid: IID,
        event_uuid: event_uuid.map(str::to_owned),
        delivery_id: None,
        project_path: None,
    }
}

pub fn get_issue(event_uuid: Option<&str>) -> Call {
    Call::GetIssue {
        project: PROJECT,
        iid: IID,
        event_uuid: event_uuid.map(str::to_owned),
    }
}

pub async fn sync(w: &World, event_uuid: Option<&str>) -> RunOutcome {
    issue_sync::run(&w.deps, &job(event_uuid)).await
}

pub fn edit(
    add: &[&str],
    remove: &[&str],
    assignees: Option<&[u64]>,
    due: Option<&str>,
) -> IssueEdit {
    IssueEdit {
        add_labels: labels(add),
        remove_labels: labels(remove),
        assignee_ids: assignees.map(|ids| ids.iter().map(|i| UserId(*i)).collect()),
        due_date: due.map(|d| DueDateEdit::Set(date(d))),
        state_event: None,
    }
}

pub fn edit_issue(edit: IssueEdit) -> Call {
    Call::EditIssue {
        project: PROJECT,
        iid: IID,
        edit,
    }
}

/// What a new, late speaker request gets: triage labels, the lead-time label, the speaker DRI,
/// a due date 30 days before the event.
pub fn first_edit() -> IssueEdit {
    edit(
        &[
            "Customer Advocacy",
            "advocacy-status::triage",
            "lead-time::violated",
        ],
        &[],
        Some(&[10]),
        Some("2027-03-22"),
    )
}

/// The calls, with each note body replaced by its marker key (bodies are checked apart).
pub fn shape(calls: Vec<Call>) -> Vec<Call> {
    calls
        .into_iter()
        .map(|c| match c {
            Call::CreateNote { project, iid, body } => Call::CreateNote {
                project,
                iid,
                body: marker(&body),
            },
            Call::EditNote {
                project,
                iid,
                note,
                body,
            } => Call::EditNote {
                project,
                iid,
                note,
                body: marker(&body),
            },
            other => other,
        })
        .collect()
}

pub fn marker(body: &str) -> String {
    steward_core::reconcile::marker_key(body)
        .unwrap_or("no marker")
        .to_owned()
}

pub fn create_note(key: &str) -> Call {
    Call::CreateNote {
        project: PROJECT,
        iid: IID,
        body: key.to_owned(),
    }
}

/// A worker over the world's dependencies.
pub fn worker(w: &World) -> Worker {
    let deps = JobDeps {
        sync: w.deps.clone(),
        projects: vec![PROJECT],
        digest: None,
        jobs_ready: Arc::new(tokio::sync::Notify::new()),
    };
    Worker::new(deps, std::time::Duration::from_secs(60), "test".into())
}

/// A late request synced once, its calls forgotten: the starting point of the later cases.
pub async fn synced_late_request() -> World {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    assert!(matches!(
        sync(&w, Some("uuid-1")).await,
        RunOutcome::Done(_)
    ));
    w.fake.take_calls();
    w
}
