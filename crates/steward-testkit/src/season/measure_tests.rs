//! Each gate of the observer counts what it should: a hand-made season whose every request
//! breaks one promise.

use std::collections::BTreeMap;

use steward_core::model::{IssueId, IssueIid, IssueState, LabelName, NoteId, ProjectId, Username};
use steward_core::rules::Engine;
use steward_sim::{SimIssue, SimNote};

use super::Observer;
use crate::season::plan::Season;
use crate::season::truth::{Planned, Program, Version};
use crate::season::{SeasonConfig, date, local};

fn planned(index: usize, program: Program, lead: Option<chrono::NaiveDate>) -> Planned {
    let at = local(date(2026, 12, 7), 10, 0);
    Planned {
        index,
        program,
        requester: "asales",
        title: format!("request {index}"),
        filed_at: at,
        versions: vec![Version {
            at,
            text: String::new(),
            lead_date: lead,
            waits_on_requester: lead.is_none(),
        }],
        closed: None,
    }
}

fn issue(iid: u64, labels: &[&str], assignee: &str, due: Option<chrono::NaiveDate>) -> SimIssue {
    let at = local(date(2026, 12, 7), 10, 0);
    SimIssue {
        id: IssueId(iid),
        iid: IssueIid(iid),
        project_id: ProjectId(1),
        title: String::new(),
        description: String::new(),
        state: IssueState::Opened,
        labels: labels.iter().map(|l| LabelName::from(*l)).collect(),
        assignees: vec![Username::from(assignee)],
        author: Username::from("asales"),
        due_date: due,
        confidential: false,
        created_at: at,
        updated_at: at,
    }
}

fn note(body: &str, day: chrono::NaiveDate) -> SimNote {
    let at = local(day, 9, 30);
    SimNote {
        id: NoteId(1),
        body: body.to_owned(),
        author: Username::from("steward-bot"),
        system: false,
        internal: false,
        created_at: at,
        updated_at: at,
    }
}

#[test]
fn every_broken_promise_is_counted_once() {
    let root = crate::process::repo_root();
    let engine = Engine::load(&root.join("rules"), &root.join("issue_templates")).unwrap();
    let season = Season {
        config: SeasonConfig {
            seed: 0,
            start: date(2026, 12, 7),
            weeks: 1,
            requests: 2,
        },
        // An on-time complete press request; a speaker request whose date is still TBD.
        requests: vec![
            planned(0, Program::Press, Some(date(2027, 1, 20))),
            planned(1, Program::Speaker, None),
        ],
        actions: Vec::new(),
    };
    let mut observer = Observer::new(&season, &engine);
    let press = issue(
        1,
        &["lead-time::violated"],
        "nsmith",
        Some(date(2027, 1, 9)),
    );
    let speaker = issue(2, &["advocacy::needs-info"], "jhernandez", None);
    let at = local(date(2026, 12, 8), 3, 0);
    observer.look(0, &press, at);
    observer.look(0, &press, at);
    observer.look(1, &speaker, at);
    let press_notes = vec![note(
        "<!-- steward:escalation-overdue -->\nEscalation: assigned to @nsmith. @nsmith, please check.",
        date(2026, 12, 9),
    )];
    let speaker_notes = vec![note(
        "<!-- steward:reminder-due-soon-2026-12-22 -->\nReminder for @jhernandez (cc @mgarcia).",
        date(2026, 12, 22),
    )];
    let issues = BTreeMap::from([(0, (press, press_notes)), (1, (speaker, speaker_notes))]);
    let r = observer.finish(&issues, &BTreeMap::new(), "steward-bot");
    assert_eq!(r.wrongly_flagged_late, 1, "looked at twice, counted once");
    assert_eq!(r.wrongly_not_flagged, 0);
    assert_eq!(r.due_on_non_business_days, 1, "2027-01-09 is a Saturday");
    assert_eq!(r.needs_info_wrong, 0);
    assert_eq!(r.escalated_to_assignee, 1);
    assert_eq!(r.nagged_while_waiting, 1);
    assert_eq!(r.reminded_absent, 1, "jhernandez is out from 2026-12-21");
    assert_eq!(r.unnamed_mentions, 1, "@mgarcia");
    assert_eq!((r.on_time_complete, r.on_time_without_ack), (1, 1));
    assert_eq!((r.comments, r.comments_max), (2, 1));
    assert_eq!(
        r.digests_missing, 8,
        "one week, eight programs, nothing posted"
    );
}
