//! Issue sync against the recording fake GitLab, with a fixed clock: each case names what a
//! user sees happen and asserts the exact GitLab calls Steward made.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::fake_world::*;
use steward::jobs::{Job, RunOutcome};
use steward::store::JobState;
use steward_core::model::Username;
use steward_testkit::{Call, Failure};

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
    let worker = worker(&w);
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

#[tokio::test]
async fn a_note_someone_deleted_is_posted_again_when_it_must_change() {
    let w = synced_late_request().await;
    let note_id = w.fake.notes(PROJECT, IID)[0].id;
    w.fake.delete_note(PROJECT, IID, note_id);
    w.fake.edit_as_person(PROJECT, IID, |issue| {
        issue.description = SPEAKER.replace("2027-04-21", "2027-06-21");
    });
    assert!(matches!(sync(&w, None).await, RunOutcome::Done(_)));
    assert_eq!(
        shape(w.fake.take_writes()),
        [
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
            create_note("speaker-lead-time"),
        ]
    );
    assert_eq!(w.fake.notes(PROJECT, IID).len(), 1);
}
