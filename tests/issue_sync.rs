//! Issue sync against the recording fake GitLab, with a fixed clock: each case names what a
//! user sees happen and asserts the exact GitLab calls Steward made.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use steward::gitlab::{DueDateEdit, IssueEdit};
use steward::jobs::worker::Worker;
use steward::jobs::{Directory, IssueSync, Job, JobDeps, RunOutcome, SyncDeps, issue_sync};
use steward::store::{self, JobState, StoreOptions};
use steward_core::clock::ManualClock;
use steward_core::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, ProjectId, UserId, UserRef, Username,
};
use steward_core::rules::Engine;
use steward_testkit::{Call, Failure, FakeGitLab};

const PROJECT: ProjectId = ProjectId(7);
const IID: IssueIid = IssueIid(42);
const SPEAKER: &str = include_str!("data/requests/customer-speaker-request--clean.md");

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Monday 2027-03-01, 10:00 in New York: the fixed "now" of every case.
fn now() -> DateTime<Utc> {
    at("2027-03-01T15:00:00Z")
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn user(id: u64, name: &str) -> UserRef {
    UserRef {
        id: UserId(id),
        username: Username(name.to_owned()),
    }
}

fn labels(names: &[&str]) -> BTreeSet<LabelName> {
    names.iter().map(|l| LabelName::from(*l)).collect()
}

struct World {
    fake: Arc<FakeGitLab>,
    deps: SyncDeps,
    clock: ManualClock,
}

async fn world() -> World {
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
        gitlab: fake.clone(),
        engine: Arc::new(engine),
        clock: Arc::new(clock.clone()),
        directory: Arc::new(Directory::new(fake.clone())),
        bot,
        // The store is older than every issue here: its owned-note records are complete.
        store_born: Some(at("2027-01-01T00:00:00Z")),
    };
    World { fake, deps, clock }
}

/// A speaker request filed an hour ago by `ccs` for an event on `event_date`.
fn speaker_request(event_date: &str, confidential: bool) -> Issue {
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
    }
}

fn job(event_uuid: Option<&str>) -> IssueSync {
    IssueSync {
        project: PROJECT,
        iid: IID,
        event_uuid: event_uuid.map(str::to_owned),
        delivery_id: None,
    }
}

fn get_issue(event_uuid: Option<&str>) -> Call {
    Call::GetIssue {
        project: PROJECT,
        iid: IID,
        event_uuid: event_uuid.map(str::to_owned),
    }
}

async fn sync(w: &World, event_uuid: Option<&str>) -> RunOutcome {
    issue_sync::run(&w.deps, &job(event_uuid)).await
}

fn edit(add: &[&str], remove: &[&str], assignees: Option<&[u64]>, due: Option<&str>) -> IssueEdit {
    IssueEdit {
        add_labels: labels(add),
        remove_labels: labels(remove),
        assignee_ids: assignees.map(|ids| ids.iter().map(|i| UserId(*i)).collect()),
        due_date: due.map(|d| DueDateEdit::Set(date(d))),
    }
}

fn edit_issue(edit: IssueEdit) -> Call {
    Call::EditIssue {
        project: PROJECT,
        iid: IID,
        edit,
    }
}

/// What a new, late speaker request gets: triage labels, the lead-time label, the speaker DRI,
/// a due date 30 days before the event.
fn first_edit() -> IssueEdit {
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
fn shape(calls: Vec<Call>) -> Vec<Call> {
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

fn marker(body: &str) -> String {
    steward_core::reconcile::marker_key(body)
        .unwrap_or("no marker")
        .to_owned()
}

fn create_note(key: &str) -> Call {
    Call::CreateNote {
        project: PROJECT,
        iid: IID,
        body: key.to_owned(),
    }
}

/// A late request synced once, its calls forgotten: the starting point of the later cases.
async fn synced_late_request() -> World {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    assert!(matches!(
        sync(&w, Some("uuid-1")).await,
        RunOutcome::Done(_)
    ));
    w.fake.take_calls();
    w
}

#[tokio::test]
async fn a_new_late_speaker_request_gets_one_edit_and_one_note() {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    let outcome = sync(&w, Some("uuid-1")).await;
    assert!(matches!(outcome, RunOutcome::Done(_)), "{outcome:?}");
    let calls = w.fake.take_calls();
    assert_eq!(
        shape(calls.clone()),
        [
            get_issue(Some("uuid-1")),
            Call::ProjectLabels { project: PROJECT },
            Call::UserByUsername {
                username: Username("jhernandez".into())
            },
            edit_issue(first_edit()),
            create_note("speaker-lead-time"),
        ]
    );
    let Some(Call::CreateNote { body, .. }) = calls.last() else {
        panic!("the last call posts the note")
    };
    assert!(body.contains("Hi @ccs"), "{body}");
    assert!(body.contains("**51 days** before the event"), "{body}");
    let issue = w.fake.issue(PROJECT, IID).unwrap();
    assert_eq!(issue.due_date, Some(date("2027-03-22")));
    assert_eq!(issue.assignees, [user(10, "jhernandez")]);
}

#[tokio::test]
async fn a_rerun_with_nothing_changed_reads_the_issue_and_writes_nothing() {
    let w = synced_late_request().await;
    let outcome = sync(&w, None).await;
    assert_eq!(outcome, RunOutcome::Done("no change".into()));
    assert_eq!(w.fake.take_calls(), [get_issue(None)]);
    assert_eq!(w.fake.notes(PROJECT, IID).len(), 1);
}

#[tokio::test]
async fn the_echo_of_stewards_own_edit_changes_nothing() {
    let w = synced_late_request().await;
    // GitLab sends Steward's own edit back as a webhook; the sync it triggers re-reads the
    // issue, finds it in line with the rules and stops.
    let outcome = sync(&w, Some("uuid-echo")).await;
    assert_eq!(outcome, RunOutcome::Done("no change".into()));
    assert_eq!(w.fake.take_calls(), [get_issue(Some("uuid-echo"))]);
}

#[tokio::test]
async fn a_corrected_event_date_moves_the_due_date_and_edits_the_note_in_place() {
    let w = synced_late_request().await;
    let note_id = w.fake.notes(PROJECT, IID)[0].id;
    w.fake.edit_as_person(PROJECT, IID, |issue| {
        issue.description = SPEAKER.replace("2027-04-21", "2027-06-21");
    });
    let outcome = sync(&w, Some("uuid-2")).await;
    assert!(matches!(outcome, RunOutcome::Done(_)), "{outcome:?}");
    assert_eq!(
        shape(w.fake.take_calls()),
        [
            get_issue(Some("uuid-2")),
            // 30 days before 2027-06-21 is Saturday 2027-05-22: due the Friday before.
            edit_issue(edit(
                &[],
                &["lead-time::violated"],
                None,
                Some("2027-05-21")
            )),
            Call::EditNote {
                project: PROJECT,
                iid: IID,
                note: note_id,
                body: "speaker-lead-time".into(),
            },
        ]
    );
    let notes = w.fake.notes(PROJECT, IID);
    assert_eq!(notes.len(), 1, "edited in place, not posted twice");
    assert!(
        notes[0].body.contains("meets the 60-day lead"),
        "{}",
        notes[0].body
    );
}

#[tokio::test]
async fn a_confidential_request_is_handled_like_any_other_and_stays_confidential() {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", true));
    assert!(matches!(sync(&w, None).await, RunOutcome::Done(_)));
    assert_eq!(
        shape(w.fake.take_writes()),
        [edit_issue(first_edit()), create_note("speaker-lead-time")]
    );
    assert!(w.fake.issue(PROJECT, IID).unwrap().confidential);
}

#[tokio::test]
async fn a_deleted_issue_ends_the_job_as_gone_without_writes() {
    let w = world().await;
    let outcome = sync(&w, None).await;
    assert!(matches!(outcome, RunOutcome::Gone(_)), "{outcome:?}");
    assert_eq!(w.fake.take_calls(), [get_issue(None)]);
}

#[tokio::test]
async fn a_5xx_on_the_edit_is_retried_by_the_runner_and_the_note_is_posted_once() {
    let w = world().await;
    w.fake.put_issue(speaker_request("2027-04-21", false));
    let deps = JobDeps {
        sync: w.deps.clone(),
        projects: vec![PROJECT],
        digest: None,
        jobs_ready: Arc::new(tokio::sync::Notify::new()),
    };
    let worker = Worker::new(deps, std::time::Duration::from_secs(60), "test".into());
    let row = Job::IssueSync(job(Some("uuid-1"))).to_row(now());
    w.deps.store.enqueue_job(row).await.unwrap();
    w.fake.fail_next("edit_issue", Failure::Server(502));

    assert!(worker.run_once().await.unwrap());
    assert_eq!(
        shape(w.fake.take_calls()),
        [
            get_issue(Some("uuid-1")),
            Call::ProjectLabels { project: PROJECT },
            Call::UserByUsername {
                username: Username("jhernandez".into())
            },
            edit_issue(first_edit()),
        ],
        "no note after a failed edit"
    );
    let jobs = w.deps.store.list_jobs(None, 10).await.unwrap();
    assert_eq!((jobs[0].state, jobs[0].attempts), (JobState::Pending, 1));
    let error = jobs[0].last_error.clone().unwrap_or_default();
    assert!(error.contains("502"), "{error}");
    assert!(!worker.run_once().await.unwrap(), "not before its backoff");

    w.clock.set(at("2027-03-01T15:05:00Z"));
    assert!(worker.run_once().await.unwrap());
    assert_eq!(
        shape(w.fake.take_calls()),
        [
            get_issue(Some("uuid-1")),
            edit_issue(first_edit()),
            create_note("speaker-lead-time"),
        ]
    );
    let jobs = w.deps.store.list_jobs(None, 10).await.unwrap();
    assert_eq!(jobs[0].state, JobState::Done);
    assert_eq!(w.fake.notes(PROJECT, IID).len(), 1);
}
