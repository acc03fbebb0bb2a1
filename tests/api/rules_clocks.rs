//! Clocks that pause while a request waits on its requester, escalations that go up (never to
//! the person they are about), and absences that are covered: the shipped rules and roster on
//! realistic requests, at explicit dates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::type_complexity)]

use crate::support::rules::*;
use steward_core::model::{Issue, ParsedFields, Plan, WaitSpan, Waiting};
use steward_core::rules::{Roster, RuleSet, Workload, evaluate};
use steward_core::untrusted::live_mentions;

/// A general Customer Advocacy request filed Thursday 2027-04-01 by sam.seller.
fn request(due: Option<&str>, assignee: Option<&str>, extra: &[&str]) -> Issue {
    let mut i = issue("2027-04-01T15:00:00Z");
    i.title = "Quote from Acme Bank for the Q2 launch".to_owned();
    i.labels = labels(&[&["Customer Advocacy"], extra].concat());
    i.due_date = due.map(d);
    i.assignees = assignee.map(user).into_iter().collect();
    i
}

fn run(rules: &RuleSet, roster: &Roster, issue: &Issue, now: &str) -> Plan {
    evaluate(
        rules,
        issue,
        None,
        &ParsedFields::default(),
        at(now),
        &calendar(),
        roster,
        &Workload::default(),
    )
}

/// The shipped roster with its text edited (`from` → `to`).
fn roster_with(edits: &[(&str, &str)]) -> Roster {
    let mut text = std::fs::read_to_string(root().join("rules/roster.yaml")).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "roster has no `{from}`");
        text = text.replacen(from, to, 1);
    }
    Roster::from_yaml("rules/roster.yaml", &text).unwrap()
}

/// Everyone a plan's notes mention, note by note.
fn mentions(plan: &Plan) -> Vec<(String, Vec<String>)> {
    plan.notes
        .iter()
        .map(|n| (n.key.clone(), live_mentions(&n.body)))
        .collect()
}

fn span(from: &str, to: &str) -> WaitSpan {
    WaitSpan {
        from: at(from),
        to: at(to),
    }
}

#[test]
fn a_request_waiting_on_its_requester_gets_no_reminder_escalation_or_deadline_label() {
    let rules = shipped();
    let roster = roster();
    // (case, due date, assignee, labels it already has, waiting since, now)
    let cases: Vec<(&str, Option<&str>, Option<&str>, Vec<&str>, &str, &str)> = vec![
        (
            "due tomorrow",
            Some("2027-04-06"),
            Some("jhernandez"),
            vec![],
            "2027-04-02T15:00:00Z",
            "2027-04-05T15:00:00Z",
        ),
        (
            "overdue for two weeks, labelled before the wait",
            Some("2027-04-06"),
            Some("rlurie"),
            vec!["deadline::overdue", "escalation::overdue"],
            "2027-04-07T15:00:00Z",
            "2027-04-21T15:00:00Z",
        ),
        (
            "due soon, labelled before the wait",
            Some("2027-04-08"),
            Some("jhernandez"),
            vec!["deadline::due-soon"],
            "2027-04-05T15:00:00Z",
            "2027-04-06T15:00:00Z",
        ),
        (
            "unassigned for a week",
            None,
            None,
            vec![],
            "2027-04-01T15:00:00Z",
            "2027-04-09T15:00:00Z",
        ),
    ];
    for (case, due, assignee, before, since, now) in cases {
        let mut i = request(
            due,
            assignee,
            &[&["advocacy::needs-info"], &before[..]].concat(),
        );
        i.waiting.since = Some(at(since));
        let plan = run(&rules, &roster, &i, now);
        let fired = names(&plan);
        for rule in [
            "deadline-due-soon",
            "deadline-due-soon-reminder",
            "deadline-overdue",
            "deadline-overdue-reminder",
            "deadline-escalation",
            "unassigned-escalation",
        ] {
            assert!(!fired.contains(&rule), "{case}: {rule} fired: {fired:?}");
        }
        let add = added(&plan);
        assert!(
            !add.iter()
                .any(|l| l.starts_with("deadline::") || l.starts_with("escalation::")),
            "{case}: {add:?}"
        );
        for l in &before {
            assert!(removed(&plan).contains(l), "{case}: {l} kept while paused");
        }
        // Whatever is said while the request waits is said to its author alone.
        for (key, who) in mentions(&plan) {
            assert!(
                who.iter().all(|u| u == "sam.seller"),
                "{case}: note `{key}` mentions {who:?}"
            );
        }
    }
}

#[test]
fn the_requester_alone_gets_one_nudge_after_three_business_days_of_waiting() {
    let rules = shipped();
    let roster = roster();
    // (case, waiting since, now, nudged)
    let cases = [
        (
            "two business days",
            "2027-04-01T15:00:00Z",
            "2027-04-05T15:00:00Z",
            false,
        ),
        (
            "three business days over a weekend",
            "2027-04-01T15:00:00Z",
            "2027-04-06T09:00:00Z",
            true,
        ),
        (
            "a fortnight",
            "2027-04-01T15:00:00Z",
            "2027-04-15T15:00:00Z",
            true,
        ),
    ];
    let mut bodies = Vec::new();
    for (case, since, now, nudged) in cases {
        let mut i = request(
            Some("2027-04-09"),
            Some("jhernandez"),
            &["advocacy::needs-info"],
        );
        i.waiting.since = Some(at(since));
        let plan = run(&rules, &roster, &i, now);
        let nudge = note(&plan, "needs-info-nudge");
        assert_eq!(nudge.is_some(), nudged, "{case}: {:?}", names(&plan));
        if let Some(body) = nudge {
            assert_eq!(live_mentions(body), ["sam.seller"], "{case}: {body}");
            assert!(body.contains("clock is paused"), "{case}: {body}");
            bodies.push(body.to_owned());
        }
    }
    // One note under one key with one body: however long the wait, GitLab notifies once.
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    // A request that is not waiting (no label) is never nudged, whatever the record says.
    let mut answered = request(Some("2027-04-09"), Some("jhernandez"), &[]);
    answered.waiting.since = Some(at("2027-04-01T15:00:00Z"));
    let plan = run(&rules, &roster, &answered, "2027-04-15T15:00:00Z");
    assert!(note(&plan, "needs-info-nudge").is_none());
}

#[test]
fn once_answered_the_business_days_waited_do_not_count_towards_an_escalation() {
    let rules = shipped();
    let roster = roster();
    // (case, due, assignee, finished waits, now, escalated)
    let cases: Vec<(&str, Option<&str>, Option<&str>, Vec<WaitSpan>, &str, bool)> = vec![
        (
            "7 business days overdue, never waited",
            Some("2027-04-06"),
            Some("jhernandez"),
            vec![],
            "2027-04-15T15:00:00Z",
            true,
        ),
        (
            "7 business days overdue, 5 of them waiting",
            Some("2027-04-06"),
            Some("jhernandez"),
            vec![span("2027-04-07T15:00:00Z", "2027-04-14T15:00:00Z")],
            "2027-04-15T15:00:00Z",
            false,
        ),
        (
            "10 business days overdue, 5 of them waiting",
            Some("2027-04-06"),
            Some("jhernandez"),
            vec![span("2027-04-07T15:00:00Z", "2027-04-14T15:00:00Z")],
            "2027-04-20T15:00:00Z",
            true,
        ),
        (
            "unassigned 6 business days, 5 of them waiting",
            None,
            None,
            vec![span("2027-04-01T15:00:00Z", "2027-04-08T15:00:00Z")],
            "2027-04-09T15:00:00Z",
            false,
        ),
        (
            "unassigned 6 business days, answered the same day",
            None,
            None,
            vec![span("2027-04-01T15:00:00Z", "2027-04-01T18:00:00Z")],
            "2027-04-09T15:00:00Z",
            true,
        ),
    ];
    for (case, due, assignee, past, now, escalated) in cases {
        let mut i = request(due, assignee, &[]);
        i.waiting = Waiting { since: None, past };
        let plan = run(&rules, &roster, &i, now);
        let key = if due.is_some() {
            "escalation-overdue"
        } else {
            "escalation-unassigned"
        };
        assert_eq!(
            note(&plan, key).is_some(),
            escalated,
            "{case}: {:?}",
            names(&plan)
        );
        if due.is_some() {
            // The due date itself is not moved: the request is overdue either way.
            assert!(added(&plan).contains(&"deadline::overdue"), "{case}");
            assert_eq!(plan.due_date, None, "{case}: due date moved");
        }
    }
}

#[test]
fn escalations_go_up_and_never_ask_anyone_about_their_own_work() {
    let rules = shipped();
    let lead_away = roster_with(&[(
        "    capacity: 15\n",
        "    capacity: 15\n    out_of_office:\n      - { from: 2027-04-12, to: 2027-04-16 }\n",
    )]);
    let with_backup = roster_with(&[
        (
            "  advocacy-lead-backup: []",
            "  advocacy-lead-backup: [rlurie]",
        ),
        (
            "    capacity: 15\n",
            "    capacity: 15\n    out_of_office:\n      - { from: 2027-04-12, to: 2027-04-16 }\n",
        ),
    ]);
    let shipped_roster = roster();
    // (case, roster, due, assignee, who is asked, or None when the label carries it alone)
    let cases: Vec<(&str, &Roster, Option<&str>, Option<&str>, Option<&str>)> = vec![
        (
            "a PMM's overdue request goes to the lead",
            &shipped_roster,
            Some("2027-04-06"),
            Some("jhernandez"),
            Some("@nsmith, please check whether it needs help or a new date."),
        ),
        (
            "the lead's own press request: nobody else to ask",
            &shipped_roster,
            Some("2027-04-06"),
            Some("nsmith"),
            None,
        ),
        (
            "the lead is away and has no backup",
            &lead_away,
            Some("2027-04-06"),
            Some("rlurie"),
            None,
        ),
        (
            "the lead is away and the backup is named",
            &with_backup,
            Some("2027-04-06"),
            Some("jhernandez"),
            Some("@rlurie, please check whether it needs help or a new date."),
        ),
        (
            "an unassigned request",
            &shipped_roster,
            None,
            None,
            Some("@nsmith, please assign it so the requester gets an answer."),
        ),
    ];
    for (case, roster, due, assignee, asked) in cases {
        let i = request(due, assignee, &[]);
        let plan = run(&rules, roster, &i, "2027-04-13T15:00:00Z");
        let key = if due.is_some() {
            "escalation-overdue"
        } else {
            "escalation-unassigned"
        };
        let body = note(&plan, key).unwrap_or_else(|| panic!("{case}: no escalation"));
        let who = live_mentions(body);
        let mut unique = who.clone();
        unique.dedup();
        assert_eq!(who, unique, "{case}: someone is mentioned twice: {body}");
        match asked {
            Some(line) => assert!(body.ends_with(line), "{case}: {body}"),
            None => assert!(
                body.ends_with("so the issue's labels carry it."),
                "{case}: {body}"
            ),
        }
        if let Some(a) = assignee {
            assert!(
                !body.contains(&format!("@{a}, please")),
                "{case}: the assignee is asked about their own work: {body}"
            );
        }
        let label = if due.is_some() {
            "escalation::overdue"
        } else {
            "escalation::unassigned"
        };
        assert!(added(&plan).contains(&label), "{case}: {:?}", added(&plan));
    }
}

#[test]
fn reminders_for_an_assignee_out_of_office_go_to_who_covers() {
    let rules = shipped();
    let roster = roster();
    // Jocelyn is out 2026-12-21..2027-01-01 (shipped roster); Rachel shares her roles.
    // (case, assignee, due, now, note key, addressed to, mentions)
    let cases = [
        (
            "due soon while Jocelyn is out",
            "jhernandez",
            "2026-12-23",
            "2026-12-21T15:00:00Z",
            "reminder-due-soon-2026-12-21",
            "Reminder for @rlurie:",
            vec!["rlurie"],
        ),
        (
            "overdue while Jocelyn is out",
            "jhernandez",
            "2026-12-18",
            "2026-12-22T15:00:00Z",
            "reminder-overdue-2026-12-22",
            "@rlurie, this request was due",
            vec!["rlurie"],
        ),
        (
            "Rachel's own request: she is in",
            "rlurie",
            "2026-12-23",
            "2026-12-21T15:00:00Z",
            "reminder-due-soon-2026-12-21",
            "Reminder for @rlurie:",
            vec!["rlurie"],
        ),
        (
            "Jocelyn is back",
            "jhernandez",
            "2027-01-05",
            "2027-01-04T15:00:00Z",
            "reminder-due-soon-2027-01-04",
            "Reminder for @jhernandez:",
            vec!["jhernandez"],
        ),
    ];
    for (case, assignee, due, now, key, addressed, who) in cases {
        let mut i = request(Some(due), Some(assignee), &[]);
        i.created_at = at("2026-12-01T15:00:00Z");
        let plan = run(&rules, &roster, &i, now);
        let body = note(&plan, key).unwrap_or_else(|| panic!("{case}: {:?}", mentions(&plan)));
        assert!(body.contains(addressed), "{case}: {body}");
        assert_eq!(live_mentions(body), who, "{case}: {body}");
        let covering = body.contains("is out of office until 2027-01-01");
        assert_eq!(covering, who != vec![assignee], "{case}: {body}");
    }
}

#[test]
fn when_an_absence_starts_requests_due_during_it_are_covered() {
    let rules = shipped();
    let flag = roster();
    let reassign = roster_with(&[("handover: flag", "handover: reassign")]);
    let now = "2026-12-21T15:00:00Z";
    // (case, roster, due, cover label added, reassigned to, note)
    let cases: Vec<(&str, &Roster, &str, bool, Option<&str>, Option<&str>)> = vec![
        (
            "flag: due during the absence",
            &flag,
            "2026-12-28",
            true,
            None,
            Some("@rlurie covers it until then. The ~\"handover::cover\" label marks it"),
        ),
        (
            "flag: due on the last day away",
            &flag,
            "2027-01-01",
            true,
            None,
            Some("@rlurie covers it until then."),
        ),
        (
            "flag: due after the return",
            &flag,
            "2027-01-08",
            false,
            None,
            None,
        ),
        (
            "reassign: due during the absence",
            &reassign,
            "2026-12-28",
            false,
            Some("rlurie"),
            Some("It is reassigned to @rlurie, who covers for them until then."),
        ),
        (
            "reassign: due after the return",
            &reassign,
            "2027-01-08",
            false,
            None,
            None,
        ),
    ];
    for (case, roster, due, labelled, reassigned, said) in cases {
        let mut i = request(Some(due), Some("jhernandez"), &[]);
        i.created_at = at("2026-12-01T15:00:00Z");
        let plan = run(&rules, roster, &i, now);
        assert_eq!(
            added(&plan).contains(&"handover::cover"),
            labelled,
            "{case}: {:?}",
            added(&plan)
        );
        let assignees: Option<Vec<&str>> = plan
            .assignees
            .as_ref()
            .map(|a| a.iter().map(|u| u.as_str()).collect());
        assert_eq!(assignees, reassigned.map(|u| vec![u]), "{case}");
        let body = note(&plan, "handover");
        assert_eq!(body.is_some(), said.is_some(), "{case}: {body:?}");
        if let (Some(body), Some(said)) = (body, said) {
            assert!(
                body.starts_with(
                    "**Out-of-office cover.** Jocelyn Hernández Vázquez is out of office from \
                     2026-12-21 until 2027-01-01, and this request is due on "
                ),
                "{case}: {body}"
            );
            assert!(body.contains(said), "{case}: {body}");
            assert_eq!(live_mentions(body), ["rlurie"], "{case}: {body}");
        }
    }
    // A request waiting on its requester is not handed over (nobody can act on it yet): no
    // note, no label, nobody but the author mentioned.
    let mut waiting = request(
        Some("2026-12-28"),
        Some("jhernandez"),
        &["advocacy::needs-info"],
    );
    waiting.created_at = at("2026-12-01T15:00:00Z");
    waiting.waiting.since = Some(at("2026-12-15T15:00:00Z"));
    let plan = run(&rules, &flag, &waiting, now);
    assert!(note(&plan, "handover").is_none(), "{plan:?}");
    assert!(!added(&plan).contains(&"handover::cover"));
    for (key, who) in mentions(&plan) {
        assert!(who.iter().all(|u| u == "sam.seller"), "{key}: {who:?}");
    }
    // Once Jocelyn is back, the cover label goes; the note stays as the record.
    let mut back = request(Some("2026-12-28"), Some("jhernandez"), &["handover::cover"]);
    back.owned_note_keys.insert("handover".to_owned());
    let plan = run(&rules, &flag, &back, "2027-01-04T15:00:00Z");
    assert!(removed(&plan).contains(&"handover::cover"), "{plan:?}");
    assert!(note(&plan, "handover").is_none());
}
