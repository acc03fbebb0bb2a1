//! Evaluation of the shipped rules with hand-built fields: lead time, time zones, routing, due
//! dates, owned comments that update, label merging.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Test tables are tuples spelled out where they are used.
#![allow(clippy::type_complexity)]

use crate::support::rules as rules_support;

use rules_support::*;
use steward_core::model::{LabelName, Username};
use steward_core::rules::{RuleSet, Workload, evaluate};

const SPEAKER: &str = "customer-speaker-request";

#[test]
fn speaker_lead_time_boundary_is_sixty_days() {
    let rules = shipped();
    // Filed on 2027-01-04 at 10:00 in New York.
    let created = "2027-01-04T15:00:00Z";
    let cases = [
        ("2027-03-05", true, "exactly 60 days is on time"),
        ("2027-03-04", false, "59 days is late"),
        ("2027-02-18", false, "45 days is late"),
        ("2027-04-05", true, "91 days is on time"),
        ("2026-12-20", false, "an event before filing is late"),
    ];
    for (event, on_time, why) in cases {
        let plan = eval(
            &rules,
            &issue(created),
            SPEAKER,
            &fields(&[("event_date", event), ("event_name", "DevOps Days")]),
            created,
        );
        let flagged = plan
            .add_labels
            .contains(&LabelName::from("lead-time::violated"));
        assert_eq!(flagged, !on_time, "{why}");
        assert_eq!(
            names(&plan).contains(&"speaker-lead-time"),
            !on_time,
            "{why}"
        );
        assert_eq!(
            note(&plan, "speaker-lead-time").is_some(),
            !on_time,
            "{why}"
        );
    }
}

#[test]
fn speaker_request_filed_45_days_ahead_is_flagged_with_the_numbers() {
    let rules = shipped();
    let created = "2027-01-04T15:00:00Z";
    let plan = eval(
        &rules,
        &issue(created),
        SPEAKER,
        &fields(&[
            ("event_date", "2027-02-18"),
            ("event_name", "DevOps Days Austin"),
        ]),
        created,
    );
    let body = note(&plan, "speaker-lead-time").unwrap();
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Hi @sam.seller",
        "**`DevOps Days Austin`**",
        "at least **60 calendar days** before the event",
        "filed on 2027-01-04, **45 days** before the event on 2027-02-18",
        "needed to be filed by 2026-12-20",
        "an event on or after 2027-03-05 would have been in time",
        "@jhernandez @rlurie will review it",
    ] {
        assert!(flat.contains(needle), "missing {needle:?} in:\n{body}");
    }
    assert!(
        body.lines().all(|l| !l.trim_start().starts_with('/')),
        "{body}"
    );
    let reasons = &plan
        .matched_rules
        .iter()
        .find(|m| m.name == "speaker-lead-time")
        .unwrap()
        .reasons;
    assert!(
        reasons.iter().any(|r| r.contains("45 calendar days")),
        "{reasons:?}"
    );
}

#[test]
fn an_issue_created_at_2330_in_the_team_zone_counts_from_that_local_date() {
    let rules = shipped();
    // 2027-01-14T04:30Z is 2027-01-13 23:30 in New York: the event on 2027-03-14 is 60 days
    // away locally (on time) although only 59 in UTC.
    let created = "2027-01-14T04:30:00Z";
    let plan = eval(
        &rules,
        &issue(created),
        SPEAKER,
        &fields(&[("event_date", "2027-03-14")]),
        created,
    );
    assert!(
        !plan
            .add_labels
            .contains(&LabelName::from("lead-time::violated")),
        "{plan:?}"
    );
    let plan = eval(
        &rules,
        &issue(created),
        SPEAKER,
        &fields(&[("event_date", "2027-03-13")]),
        created,
    );
    assert!(
        plan.add_labels
            .contains(&LabelName::from("lead-time::violated"))
    );
}

#[test]
fn fixing_the_event_date_removes_the_label_and_updates_the_comment() {
    let rules = shipped();
    let created = "2027-01-04T15:00:00Z";
    let late = fields(&[("event_date", "2027-02-18"), ("event_name", "Summit")]);
    let first = eval(&rules, &issue(created), SPEAKER, &late, created);
    assert!(
        first
            .add_labels
            .contains(&LabelName::from("lead-time::violated"))
    );
    assert!(
        note(&first, "speaker-lead-time")
            .unwrap()
            .contains("45 days")
    );

    // The reconciler applied the plan: the label and the note now exist.
    let mut after = issue(created);
    after.labels = labels(&[
        "lead-time::violated",
        "Customer Advocacy",
        "advocacy-program::speaker",
        "advocacy-status::triage",
    ]);
    after.owned_note_keys.insert("speaker-lead-time".to_owned());
    after.assignees = vec![user("jhernandez")];
    let fixed = fields(&[("event_date", "2027-04-20"), ("event_name", "Summit")]);
    let second = eval(&rules, &after, SPEAKER, &fixed, "2027-01-06T15:00:00Z");
    assert_eq!(removed(&second), vec!["lead-time::violated"]);
    assert!(!names(&second).contains(&"speaker-lead-time"));
    let body = note(&second, "speaker-lead-time").unwrap();
    assert!(body.contains("meets the 60-day lead"), "{body}");
    assert!(body.contains("106 days ahead"), "{body}");

    // Without an existing note, an on-time request gets no "all is well" note.
    let fresh = eval(&rules, &issue(created), SPEAKER, &fixed, created);
    assert_eq!(note(&fresh, "speaker-lead-time"), None);
    assert!(fresh.remove_labels.is_empty());
}

#[test]
fn missing_event_date_leaves_the_lead_time_state_alone() {
    let rules = shipped();
    let created = "2027-01-04T15:00:00Z";
    let mut i = issue(created);
    i.labels = labels(&["lead-time::violated"]);
    i.owned_note_keys.insert("speaker-lead-time".to_owned());
    let f = with_errors(
        fields(&[("event_name", "Summit")]),
        &[("Event date", "missing")],
    );
    let plan = eval(&rules, &i, SPEAKER, &f, created);
    assert!(
        !plan
            .remove_labels
            .contains(&LabelName::from("lead-time::violated"))
    );
    assert_eq!(note(&plan, "speaker-lead-time"), None);
}

#[test]
fn needs_info_checklist_updates_as_fields_are_fixed() {
    let rules = shipped();
    let created = "2027-01-04T15:00:00Z";
    let two = with_errors(
        fields(&[("event_name", "Summit")]),
        &[
            ("Event date", "missing: found `next spring`"),
            ("Location", "missing"),
        ],
    );
    let first = eval(&rules, &issue(created), SPEAKER, &two, created);
    assert!(
        first
            .add_labels
            .contains(&LabelName::from("advocacy::needs-info"))
    );
    let body = note(&first, "needs-info").unwrap();
    assert!(
        body.contains("- [ ] **Event date**: missing: found `next spring`"),
        "{body}"
    );
    assert!(body.contains("- [ ] **Location**: missing"), "{body}");

    let mut i = issue(created);
    i.labels = labels(&["advocacy::needs-info"]);
    i.owned_note_keys.insert("needs-info".to_owned());
    let one = with_errors(
        fields(&[("event_name", "Summit"), ("event_date", "2027-04-20")]),
        &[("Location", "missing")],
    );
    let second = eval(&rules, &i, SPEAKER, &one, created);
    let body = note(&second, "needs-info").unwrap();
    assert!(!body.contains("Event date"), "{body}");
    assert!(body.contains("- [ ] **Location**"), "{body}");
    assert!(second.remove_labels.is_empty());

    let none = fields(&[("event_name", "Summit"), ("event_date", "2027-04-20")]);
    let third = eval(&rules, &i, SPEAKER, &none, created);
    assert_eq!(removed(&third), vec!["advocacy::needs-info"]);
    assert!(
        note(&third, "needs-info")
            .unwrap()
            .contains("every required answer is now complete")
    );
}

#[test]
fn every_shipped_rule_fires_on_its_case() {
    let rules = shipped();
    let created = "2027-04-01T15:00:00Z";
    // (template, fields, rule expected to fire, label expected to be added)
    let cases: Vec<(&str, Vec<(&str, &str)>, &str, Option<&str>)> = vec![
        (
            SPEAKER,
            vec![("event_date", "2027-09-01")],
            "intake-speaker",
            Some("advocacy-program::speaker"),
        ),
        (
            "customer-press-request",
            vec![("deadline", "2027-06-01")],
            "intake-press",
            Some("advocacy-program::press"),
        ),
        // On time and complete: acknowledged.
        (
            SPEAKER,
            vec![("event_date", "2027-09-01")],
            "acknowledge-speaker",
            None,
        ),
        (
            "customer-press-request",
            vec![("deadline", "2027-06-01")],
            "acknowledge-press",
            None,
        ),
        (
            "customer-story-idea",
            vec![],
            "intake-story",
            Some("advocacy-program::story"),
        ),
        (
            "earnings-customer-reference",
            vec![],
            "intake-earnings",
            Some("advocacy-program::earnings"),
        ),
        (
            "customer-reference-approval",
            vec![],
            "intake-reference",
            Some("advocacy-program::reference"),
        ),
        (
            "analyst-participation-request",
            vec![],
            "intake-analyst",
            Some("advocacy-program::analyst"),
        ),
        (
            "eab-nomination",
            vec![],
            "intake-eab",
            Some("advocacy-program::eab"),
        ),
        (
            "reference-contest-entry",
            vec![],
            "intake-contest",
            Some("advocacy-program::contest"),
        ),
        (
            "eab-nomination",
            vec![],
            "intake-triage-status",
            Some("advocacy-status::triage"),
        ),
        (
            SPEAKER,
            vec![("event_date", "2027-09-01")],
            "speaker-route",
            None,
        ),
        (
            SPEAKER,
            vec![("event_date", "2027-05-01")],
            "speaker-lead-time",
            Some("lead-time::violated"),
        ),
        (
            "customer-press-request",
            vec![("deadline", "2027-06-01")],
            "press-route",
            None,
        ),
        (
            "customer-press-request",
            vec![("deadline", "2027-04-20"), ("outlet", "The Register")],
            "press-lead-time",
            Some("lead-time::violated"),
        ),
        (
            "customer-story-idea",
            vec![
                ("account_size", "[ENT]"),
                ("license_tier", "[Ultimate]"),
                ("user_count", "5000"),
            ],
            "story-priority-1",
            Some("priority::1"),
        ),
        (
            "customer-story-idea",
            vec![
                ("account_size", "[MM]"),
                ("license_tier", "[Premium]"),
                ("user_count", "300"),
            ],
            "story-priority-2",
            Some("priority::2"),
        ),
        (
            "customer-story-idea",
            vec![
                ("account_size", "[SMB]"),
                ("license_tier", "[Free]"),
                ("user_count", "40"),
            ],
            "story-priority-3",
            Some("priority::3"),
        ),
        ("customer-story-idea", vec![], "story-route", None),
        (
            "customer-story-idea",
            vec![("story_format", "[Case study|Video]")],
            "story-video",
            Some("story-format::video"),
        ),
        (
            "earnings-customer-reference",
            vec![("category", "[First Order]")],
            "earnings-first-order",
            Some("earnings::first-order"),
        ),
        (
            "earnings-customer-reference",
            vec![("category", "[Growth]")],
            "earnings-growth",
            Some("earnings::growth"),
        ),
        (
            "earnings-customer-reference",
            vec![],
            "earnings-route",
            None,
        ),
        (
            "customer-reference-approval",
            vec![
                ("approval_source", "[None yet]"),
                ("customer_account", "Acme"),
            ],
            "reference-written-approval",
            Some("reference::written-approval-missing"),
        ),
        (
            "customer-reference-approval",
            vec![("publish_date", "2027-06-01")],
            "reference-route",
            None,
        ),
        (
            "analyst-participation-request",
            vec![("deadline", "2027-07-30")],
            "analyst-route",
            None,
        ),
        (
            "analyst-participation-request",
            vec![("deadline", "2027-04-15")],
            "analyst-lead-time",
            Some("lead-time::violated"),
        ),
        (
            "eab-nomination",
            vec![("executive_level", "[Director or below]")],
            "eab-below-vp",
            Some("eab::below-vp"),
        ),
        ("eab-nomination", vec![], "eab-route", None),
        (
            "reference-contest-entry",
            vec![("agreement_evidence", "[None yet]")],
            "contest-evidence",
            Some("contest::evidence-missing"),
        ),
        ("reference-contest-entry", vec![], "contest-route", None),
        (
            SPEAKER,
            vec![],
            "intake-needs-info",
            Some("advocacy::needs-info"),
        ),
        (SPEAKER, vec![], "intake-optional-warnings", None),
        (
            SPEAKER,
            vec![("event_type", "[Third party]")],
            "speaker-third-party",
            Some("speaker::third-party"),
        ),
        (
            "earnings-customer-reference",
            vec![("segment", "[SMB]")],
            "earnings-segment",
            Some("earnings::not-eligible"),
        ),
        (
            "earnings-customer-reference",
            vec![("customer_approved", "false")],
            "earnings-agreement",
            Some("earnings::needs-agreement"),
        ),
        (
            "earnings-customer-reference",
            vec![("category", "[Growth]")],
            "earnings-growth-evidence",
            None,
        ),
        (
            "eab-nomination",
            vec![
                ("executive_level", "[VP]"),
                ("executive_title", "Senior Manager, Platform"),
            ],
            "eab-title-mismatch",
            Some("eab::level-unclear"),
        ),
    ];
    let mut covered = std::collections::BTreeSet::new();
    for (template, f, rule, label) in cases {
        let mut parsed = fields(&f);
        if rule == "intake-needs-info" {
            parsed = with_errors(parsed, &[("Event date", "missing")]);
        }
        if rule == "intake-optional-warnings" {
            parsed = with_errors(parsed, &[("Event URL", "found `tbd.com`")]);
            parsed.errors[0].required = false;
        }
        let plan = eval(&rules, &issue(created), template, &parsed, created);
        assert!(
            names(&plan).contains(&rule),
            "{rule} did not fire for {template} {f:?}: {:?}",
            names(&plan)
        );
        if let Some(l) = label {
            assert!(
                added(&plan).contains(&l),
                "{rule}: {l} not added: {:?}",
                added(&plan)
            );
        }
        covered.insert(rule.to_owned());
    }
    // Deadline rules read the clock and the issue's due date and assignees, for any template.
    // (due date, assigned, now, rule, label) on a request filed 2027-04-01 (a Thursday).
    let deadline_cases: Vec<(Option<&str>, bool, &str, &str, Option<&str>)> = vec![
        (
            Some("2027-04-06"),
            true,
            "2027-04-02T15:00:00Z",
            "deadline-due-soon",
            Some("deadline::due-soon"),
        ),
        (
            Some("2027-04-06"),
            true,
            "2027-04-02T15:00:00Z",
            "deadline-due-soon-reminder",
            None,
        ),
        (
            Some("2027-04-06"),
            true,
            "2027-04-07T15:00:00Z",
            "deadline-overdue",
            Some("deadline::overdue"),
        ),
        (
            Some("2027-04-06"),
            true,
            "2027-04-07T15:00:00Z",
            "deadline-overdue-reminder",
            None,
        ),
        (
            Some("2027-04-06"),
            true,
            "2027-04-13T15:00:00Z",
            "deadline-escalation",
            Some("escalation::overdue"),
        ),
        (
            None,
            false,
            "2027-04-06T15:00:00Z",
            "unassigned-escalation",
            Some("escalation::unassigned"),
        ),
    ];
    for (due, assigned, now, rule, label) in deadline_cases {
        let mut i = issue(created);
        i.labels
            .insert(steward_core::model::LabelName::from("Customer Advocacy"));
        i.due_date = due.map(d);
        if assigned {
            i.assignees.push(steward_core::model::UserRef {
                id: steward_core::model::UserId(11),
                username: steward_core::model::Username::from("jhernandez"),
            });
        }
        // No template: a general request, so no routing rule assigns or dates it.
        let plan = evaluate(
            &rules,
            &i,
            None,
            &steward_core::model::ParsedFields::default(),
            at(now),
            &calendar(),
            &roster(),
            &Workload::default(),
        );
        assert!(
            names(&plan).contains(&rule),
            "{rule} did not fire at {now}: {:?}",
            names(&plan)
        );
        if let Some(l) = label {
            assert!(
                added(&plan).contains(&l),
                "{rule}: {l} not added: {:?}",
                added(&plan)
            );
        }
        covered.insert(rule.to_owned());
    }
    // The requester's nudge reads how long the request has waited on them (the service's
    // record): three business days after the checklist went up.
    let mut waiting = issue(created);
    waiting.labels = labels(&["Customer Advocacy", "advocacy::needs-info"]);
    waiting.waiting.since = Some(at(created));
    let plan = evaluate(
        &rules,
        &waiting,
        None,
        &steward_core::model::ParsedFields::default(),
        at("2027-04-06T15:00:00Z"),
        &calendar(),
        &roster(),
        &Workload::default(),
    );
    assert!(
        names(&plan).contains(&"intake-needs-info-nudge"),
        "{:?}",
        names(&plan)
    );
    covered.insert("intake-needs-info-nudge".to_owned());
    // Stale requests read the last activity by someone other than Steward (the service's
    // measure): a reminder after 10 business days of quiet, closed as no-response after 20.
    let mut quiet = waiting.clone();
    quiet.last_human_activity_at = Some(at(created));
    for (now, rule, label) in [
        ("2027-04-15T15:00:00Z", "intake-stale-nudge", None),
        (
            "2027-04-29T15:00:00Z",
            "intake-stale-close",
            Some("outcome::no-response"),
        ),
    ] {
        let plan = evaluate(
            &rules,
            &quiet,
            None,
            &steward_core::model::ParsedFields::default(),
            at(now),
            &calendar(),
            &roster(),
            &Workload::default(),
        );
        assert!(names(&plan).contains(&rule), "{rule}: {:?}", names(&plan));
        if let Some(l) = label {
            assert!(added(&plan).contains(&l), "{rule}: {:?}", added(&plan));
            assert_eq!(plan.state, Some(steward_core::model::StateChange::Close));
        }
        covered.insert(rule.to_owned());
    }
    // A stale request its requester reopened loses the no-response outcome.
    let mut reopened = issue(created);
    reopened.labels = labels(&["Customer Advocacy", "outcome::no-response"]);
    let plan = eval(
        &rules,
        &reopened,
        SPEAKER,
        &fields(&[("event_date", "2027-09-01")]),
        created,
    );
    assert!(removed(&plan).contains(&"outcome::no-response"));
    covered.insert("intake-stale-reopened".to_owned());
    // The company calendar's rules: quiet periods (FY2028-Q1 ends 2027-04-30, its call is
    // 2027-06-03), embargoes, the question after the event, and accepted approvals (closed)
    // that expire (approved without a stated expiry: 365 days).
    let press = "customer-press-request";
    let approval = "customer-reference-approval";
    let calendar_cases: Vec<(&str, Vec<(&str, &str)>, bool, &str, Option<&str>)> = vec![
        (
            press,
            vec![("deadline", "2027-06-01"), ("publish_date", "2027-05-03")],
            false,
            "press-quiet-period",
            Some("calendar::quiet-period"),
        ),
        (
            "earnings-customer-reference",
            vec![("interview_date", "2027-05-03")],
            false,
            "earnings-quiet-period",
            Some("calendar::quiet-period"),
        ),
        (
            press,
            vec![("deadline", "2027-06-01"), ("embargo_date", "2027-04-01")],
            false,
            "press-embargo-lifted",
            None,
        ),
        (
            press,
            vec![("deadline", "2027-06-01"), ("publish_date", "2027-03-30")],
            false,
            "press-after-publish",
            None,
        ),
        (
            SPEAKER,
            vec![("event_date", "2027-03-30")],
            false,
            "speaker-after-event",
            None,
        ),
        (
            approval,
            vec![("approval_date", "2026-04-20")],
            true,
            "approval-expiring",
            Some("approval::expiring"),
        ),
        (
            approval,
            vec![("approval_date", "2026-04-05")],
            true,
            "approval-expiring-soon",
            None,
        ),
        (
            approval,
            vec![("approval_date", "2026-03-01")],
            true,
            "approval-expired",
            Some("approval::expired"),
        ),
        (
            approval,
            vec![("approval_date", "2026-03-01")],
            true,
            "approval-expired-reopen",
            None,
        ),
    ];
    for (template, f, accepted, rule, label) in calendar_cases {
        let mut i = issue(created);
        if accepted {
            i.state = steward_core::model::IssueState::Closed;
            i.labels = labels(&["outcome::accepted"]);
        }
        let plan = eval(&rules, &i, template, &fields(&f), created);
        assert!(
            names(&plan).contains(&rule),
            "{rule} did not fire: {:?}",
            names(&plan)
        );
        if let Some(l) = label {
            assert!(
                added(&plan).contains(&l),
                "{rule}: {l} not added: {:?}",
                added(&plan)
            );
        }
        covered.insert(rule.to_owned());
    }
    let all: std::collections::BTreeSet<String> =
        rules.rules().iter().map(|r| r.name.clone()).collect();
    assert_eq!(covered, all, "every shipped rule has a case");
}

#[test]
fn flags_clear_when_the_requester_fixes_the_field() {
    let rules = shipped();
    let created = "2027-04-01T15:00:00Z";
    // (template, fixed fields, label that must go, note key that must update)
    let cases = [
        (
            "customer-reference-approval",
            vec![("approval_source", "[Email]")],
            "reference::written-approval-missing",
            "written-approval",
            "recorded (Email)",
        ),
        (
            "eab-nomination",
            vec![("executive_level", "[SVP]")],
            "eab::below-vp",
            "eab-eligibility",
            "now SVP",
        ),
        (
            "reference-contest-entry",
            vec![
                ("agreement_evidence", "[License agreement]"),
                ("quarter", "FY2028-Q2"),
            ],
            "contest::evidence-missing",
            "contest-evidence",
            "counts for `FY2028-Q2`",
        ),
    ];
    for (template, f, label, key, says) in cases {
        let mut i = issue(created);
        i.labels = labels(&[label]);
        i.owned_note_keys.insert(key.to_owned());
        let plan = eval(&rules, &i, template, &fields(&f), created);
        assert!(
            removed(&plan).contains(&label),
            "{template}: {:?}",
            removed(&plan)
        );
        let body = note(&plan, key).unwrap_or_else(|| panic!("{template}: no {key} note"));
        assert!(body.contains(says), "{template}: {body}");
    }
}

#[test]
fn story_priority_is_not_set_over_a_priority_the_team_chose() {
    let rules = shipped();
    let created = "2027-04-01T15:00:00Z";
    let mut i = issue(created);
    i.labels = labels(&["priority::3"]);
    let f = fields(&[
        ("account_size", "[ENT]"),
        ("license_tier", "[Ultimate]"),
        ("user_count", "5000"),
    ]);
    let plan = eval(&rules, &i, "customer-story-idea", &f, created);
    assert!(
        !added(&plan).iter().any(|l| l.starts_with("priority::")),
        "{:?}",
        added(&plan)
    );
    assert!(plan.remove_labels.is_empty());
}

#[test]
fn triage_status_is_added_only_when_no_status_exists() {
    let rules = shipped();
    let created = "2027-04-01T15:00:00Z";
    let plan = eval(
        &rules,
        &issue(created),
        "eab-nomination",
        &fields(&[]),
        created,
    );
    assert!(added(&plan).contains(&"advocacy-status::triage"));
    let mut moved_on = issue(created);
    moved_on.labels = labels(&["advocacy-status::in-progress"]);
    let plan = eval(&rules, &moved_on, "eab-nomination", &fields(&[]), created);
    assert!(!added(&plan).contains(&"advocacy-status::triage"));
    assert!(!removed(&plan).contains(&"advocacy-status::in-progress"));
}

#[test]
fn routing_assigns_by_role_skipping_absence_and_keeping_existing_assignees() {
    let rules = shipped();
    let f = fields(&[("event_date", "2027-09-01")]);
    let cases = [
        (
            "2027-04-01T15:00:00Z",
            None,
            Some("jhernandez"),
            "the speaker DRI",
        ),
        // Jocelyn is out 2026-12-21..2027-01-01: her backup takes it.
        (
            "2026-12-28T15:00:00Z",
            None,
            Some("rlurie"),
            "the backup while the DRI is away",
        ),
        (
            "2027-04-01T15:00:00Z",
            Some("someone"),
            None,
            "an existing assignee is kept",
        ),
    ];
    for (now, existing, want, why) in cases {
        let mut i = issue(now);
        if let Some(e) = existing {
            i.assignees = vec![user(e)];
        }
        let plan = eval(&rules, &i, SPEAKER, &f, now);
        let got = plan.assignees.as_ref().map(|a| a[0].as_str().to_owned());
        assert_eq!(got.as_deref(), want, "{why}");
    }
    // Least loaded across the advocacy PMMs for stories.
    let mut wl = Workload::default();
    wl.open_issues.insert(Username::from("jhernandez"), 20);
    wl.open_issues.insert(Username::from("rlurie"), 3);
    let i = issue("2027-04-01T15:00:00Z");
    let s = spec("customer-story-idea");
    let plan = evaluate(
        &rules,
        &i,
        Some(&s),
        &fields(&[]),
        at("2027-04-01T15:00:00Z"),
        &calendar(),
        &roster(),
        &wl,
    );
    assert_eq!(plan.assignees, Some(vec![Username::from("rlurie")]));
}

#[test]
fn due_dates_follow_each_programs_rule_and_keep_a_human_set_date() {
    let rules = shipped();
    let created = "2027-04-01T15:00:00Z";
    let cases = [
        // 2027-06-15 minus 30 days is Sunday 2027-05-16: due the Friday before.
        (
            SPEAKER,
            vec![("event_date", "2027-06-15")],
            None,
            Some("2027-05-14"),
            "event - 30 days, moved off the weekend",
        ),
        (
            SPEAKER,
            vec![("event_date", "2027-06-17")],
            None,
            Some("2027-05-18"),
            "event - 30 days on a Tuesday stays",
        ),
        // 2027-08-04 minus 30 days is Monday 2027-07-05, Independence Day (observed): Friday.
        (
            SPEAKER,
            vec![("event_date", "2027-08-04")],
            None,
            Some("2027-07-02"),
            "event - 30 days, moved off a team holiday",
        ),
        // Tue 2027-06-01 minus 5 business days skips Memorial Day (May 31) and the weekend.
        (
            "customer-press-request",
            vec![("deadline", "2027-06-01")],
            None,
            Some("2027-05-24"),
            "deadline - 5 business days",
        ),
        // Next earnings call after 2027-04-01 is 2027-06-03; 10 business days before it,
        // skipping Memorial Day.
        (
            "earnings-customer-reference",
            vec![],
            None,
            Some("2027-05-19"),
            "next earnings - 10 business days",
        ),
        // Thu 2027-04-01 + 10 business days.
        (
            "customer-story-idea",
            vec![],
            None,
            Some("2027-04-15"),
            "filing + 10 business days",
        ),
        (
            SPEAKER,
            vec![("event_date", "2027-06-15")],
            Some("2027-05-01"),
            None,
            "a due date already set is kept",
        ),
    ];
    for (template, f, existing, want, why) in cases {
        let mut i = issue(created);
        i.due_date = existing.map(d);
        let plan = eval(&rules, &i, template, &fields(&f), created);
        assert_eq!(plan.due_date, want.map(d), "{why}");
    }
}

fn custom(yaml: &str) -> RuleSet {
    RuleSet::from_yaml(
        &[("rules/t.yaml".to_owned(), yaml.to_owned())],
        &specs(),
        &roster(),
    )
    .unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

#[test]
fn a_scoped_label_replaces_its_sibling_and_the_first_rule_wins_a_scope() {
    let rules = custom(
        "rules:\n  - name: a\n    actions: { labels: [\"workflow::review\"] }\n  - name: b\n    actions: { labels: [\"workflow::done\"], remove_labels: [\"workflow::review\"] }\n",
    );
    let mut i = issue("2027-04-01T15:00:00Z");
    i.labels = labels(&["workflow::draft", "other"]);
    let plan = eval(&rules, &i, SPEAKER, &fields(&[]), "2027-04-01T15:00:00Z");
    assert_eq!(added(&plan), vec!["workflow::review"]);
    assert_eq!(
        removed(&plan),
        vec!["workflow::draft"],
        "a label another rule adds is never removed"
    );
}

#[test]
fn field_conditions_cover_every_operator() {
    let now = "2027-04-01T15:00:00Z";
    // (condition on a speaker/story field, fields, holds)
    let cases: Vec<(&str, &str, Vec<(&str, &str)>, bool)> = vec![
        (
            SPEAKER,
            "event_name: { equals: summit }",
            vec![("event_name", "Summit")],
            true,
        ),
        (
            SPEAKER,
            "event_name: { regex: \"^Dev\" }",
            vec![("event_name", "Summit")],
            false,
        ),
        (
            SPEAKER,
            "event_name: { one_of: [summit, expo] }",
            vec![("event_name", "Expo")],
            true,
        ),
        (
            SPEAKER,
            "event_name: { none_of: [summit] }",
            vec![("event_name", "Summit")],
            false,
        ),
        (SPEAKER, "event_name: { present: false }", vec![], true),
        (
            SPEAKER,
            "event_date: { before: now }",
            vec![("event_date", "2027-03-31")],
            true,
        ),
        (
            SPEAKER,
            "event_date: { after: now+30d }",
            vec![("event_date", "2027-05-02")],
            true,
        ),
        (
            SPEAKER,
            "event_date: { after: now+30d }",
            vec![("event_date", "2027-05-01")],
            false,
        ),
        (
            SPEAKER,
            "event_date: { within_days: 14 }",
            vec![("event_date", "2027-04-15")],
            true,
        ),
        (
            SPEAKER,
            "event_date: { within_days: 14 }",
            vec![("event_date", "2027-04-16")],
            false,
        ),
        (
            SPEAKER,
            "event_date: { equals: \"2027-04-16\" }",
            vec![("event_date", "2027-04-16")],
            true,
        ),
        (
            SPEAKER,
            "event_date: { before: \"2027-01-01\" }",
            vec![("event_date", "2027-04-16")],
            false,
        ),
        (
            "customer-story-idea",
            "user_count: { gt: 100, lte: 500 }",
            vec![("user_count", "500")],
            true,
        ),
        (
            "customer-story-idea",
            "user_count: { lt: 100 }",
            vec![("user_count", "100")],
            false,
        ),
        (
            "customer-story-idea",
            "user_count: { gte: 100, equals: 100 }",
            vec![("user_count", "100")],
            true,
        ),
        (
            "customer-story-idea",
            "license_tier: { equals: ultimate }",
            vec![("license_tier", "[Ultimate]")],
            true,
        ),
    ];
    for (template, cond, f, holds) in cases {
        let yaml = format!(
            "rules:\n  - name: t\n    conditions:\n      template: {template}\n      fields:\n        {cond}\n    actions: {{ labels: [hit] }}\n"
        );
        let rules = custom(&yaml);
        let plan = eval(&rules, &issue(now), template, &fields(&f), now);
        assert_eq!(added(&plan).contains(&"hit"), holds, "{cond} with {f:?}");
    }
}

#[test]
fn other_conditions_author_assignees_state_and_due_date() {
    let now = "2027-04-01T15:00:00Z";
    let cases: Vec<(&str, Box<dyn Fn(&mut steward_core::model::Issue)>, bool)> = vec![
        ("author: [sam.seller]", Box::new(|_| {}), true),
        ("author: [other]", Box::new(|_| {}), false),
        ("assignees: none", Box::new(|_| {}), true),
        ("assignees: any", Box::new(|_| {}), false),
        (
            "labels: [\"team::*\"]",
            Box::new(|i| {
                i.labels = labels(&["team::a"]);
            }),
            true,
        ),
        (
            "labels: [\"team::*\"]",
            Box::new(|i| {
                i.labels = labels(&["teams"]);
            }),
            false,
        ),
        (
            "due_date: { overdue: true }",
            Box::new(|i| {
                i.due_date = Some(d("2027-03-31"));
            }),
            true,
        ),
        (
            "due_date: { overdue: true }",
            Box::new(|i| {
                i.due_date = Some(d("2027-04-01"));
            }),
            false,
        ),
        ("due_date: { present: false }", Box::new(|_| {}), true),
        // Thu 2027-04-01 + 2 business days = Mon 2027-04-05.
        (
            "due_date: { within_business_days: 2 }",
            Box::new(|i| {
                i.due_date = Some(d("2027-04-05"));
            }),
            true,
        ),
        (
            "due_date: { within_business_days: 2 }",
            Box::new(|i| {
                i.due_date = Some(d("2027-04-06"));
            }),
            false,
        ),
    ];
    for (cond, setup, holds) in cases {
        let yaml = format!(
            "rules:\n  - name: t\n    conditions:\n      {cond}\n    actions: {{ labels: [hit] }}\n"
        );
        let rules = custom(&yaml);
        let mut i = issue(now);
        setup(&mut i);
        let plan = eval(&rules, &i, SPEAKER, &fields(&[]), now);
        assert_eq!(added(&plan).contains(&"hit"), holds, "{cond}");
    }
}

#[test]
fn comment_lines_built_from_requester_text_cannot_run_quick_actions() {
    let rules = custom(
        "rules:\n  - name: t\n    conditions: { template: customer-speaker-request }\n    actions:\n      comment:\n        key: echo\n        body: \"{{field.event_name}}\"\n",
    );
    let now = "2027-04-01T15:00:00Z";
    let plan = eval(
        &rules,
        &issue(now),
        SPEAKER,
        &fields(&[("event_name", "/close")]),
        now,
    );
    assert_eq!(note(&plan, "echo"), Some("`/close`"));
}

#[test]
fn closed_issues_are_left_alone_by_open_only_rules() {
    let rules = shipped();
    let now = "2027-04-01T15:00:00Z";
    let mut i = issue(now);
    i.state = steward_core::model::IssueState::Closed;
    i.labels = labels(&["lead-time::violated"]);
    let plan = eval(
        &rules,
        &i,
        SPEAKER,
        &fields(&[("event_date", "2027-09-01")]),
        now,
    );
    assert!(plan.remove_labels.is_empty(), "{plan:?}");
    assert!(plan.assignees.is_none());
    assert!(!names(&plan).contains(&"intake-triage-status"));
    assert!(plan.add_labels.is_empty(), "{plan:?}");
}

#[test]
fn a_request_dated_due_soon_is_labelled_by_the_same_plan_that_dates_it() {
    let rules = shipped();
    // Filed Thursday 2027-04-01 with a press deadline on Monday 2027-04-12: the routing rule
    // dates it 5 business days before the deadline (Monday 2027-04-05), which is due soon.
    let created = "2027-04-01T15:00:00Z";
    let parsed = fields(&[("deadline", "2027-04-12")]);
    let plan = eval(
        &rules,
        &issue(created),
        "customer-press-request",
        &parsed,
        created,
    );
    assert_eq!(plan.due_date, Some(d("2027-04-05")));
    let add = added(&plan);
    assert!(add.contains(&"Customer Advocacy"), "{add:?}");
    assert!(add.contains(&"deadline::due-soon"), "{add:?}");
    // The board shows it due soon at once, but nobody gets a reminder on the filing day: the
    // assignment has just told its owner.
    assert!(
        !plan
            .notes
            .iter()
            .any(|n| n.key.starts_with("reminder-due-soon-")),
        "{:?}",
        plan.notes
    );
    assert!(names(&plan).contains(&"intake-press"));
    assert!(names(&plan).contains(&"deadline-due-soon"));
}

#[test]
fn an_earnings_reference_filed_after_the_calendar_runs_out_is_told_why_it_has_no_due_date() {
    let rules = shipped();
    // A calendar that lists its calls without an earnings rule runs out: the shipped one's
    // last listed call is 2028-03-02.
    let created = "2028-03-10T15:00:00Z";
    let plan = eval_listed_only(&rules, &issue(created), &fields(&[]), created);
    assert_eq!(plan.due_date, None);
    let body = note(&plan, steward_core::rules::CALENDAR_GAP_KEY).expect("a calendar-gap note");
    for needle in [
        "no due date yet",
        "lists no earnings call after 2028-03-02",
        "Nothing is needed from you",
    ] {
        assert!(body.contains(needle), "missing {needle:?} in:\n{body}");
    }
    assert!(!body.contains('@'), "the note mentions nobody: {body}");

    // Filed while the calendar still lists the next call: a due date and no such note.
    let created = "2028-01-10T15:00:00Z";
    let plan = eval_listed_only(&rules, &issue(created), &fields(&[]), created);
    assert!(plan.due_date.is_some());
    assert!(note(&plan, steward_core::rules::CALENDAR_GAP_KEY).is_none());

    // Once the calendar is extended, the note that exists says the gap is closed.
    let mut later = issue(created);
    later
        .owned_note_keys
        .insert(steward_core::rules::CALENDAR_GAP_KEY.to_owned());
    let plan = eval(
        &rules,
        &later,
        "earnings-customer-reference",
        &fields(&[]),
        created,
    );
    let body = note(&plan, steward_core::rules::CALENDAR_GAP_KEY).expect("the note is updated");
    assert!(
        body.contains("now lists the coming earnings call"),
        "{body}"
    );
}

/// Evaluates an earnings reference against the shipped calendar without its earnings rule (the
/// calls it lists are all it knows).
fn eval_listed_only(
    rules: &steward_core::rules::RuleSet,
    i: &steward_core::model::Issue,
    f: &steward_core::model::ParsedFields,
    now: &str,
) -> steward_core::model::Plan {
    let text = std::fs::read_to_string(root().join("rules/calendar.yaml")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("earnings_rule:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let cal = steward_core::calendar::Calendar::from_yaml("calendar.yaml", &text).unwrap();
    steward_core::rules::evaluate(
        rules,
        i,
        Some(&spec("earnings-customer-reference")),
        f,
        at(now),
        &cal,
        &roster(),
        &steward_core::rules::Workload::default(),
    )
}

#[test]
fn with_the_earnings_rule_an_earnings_reference_gets_a_due_date_in_any_year() {
    let rules = shipped();
    let cal = calendar();
    for created in ["2028-03-10T15:00:00Z", "2033-07-01T15:00:00Z"] {
        let plan = eval(
            &rules,
            &issue(created),
            "earnings-customer-reference",
            &fields(&[]),
            created,
        );
        let due = plan
            .due_date
            .unwrap_or_else(|| panic!("{created}: no due date"));
        let (_, call) = cal.next_earnings(d(&created[..10])).unwrap();
        assert_eq!(
            cal.business_days_between(due, call),
            10,
            "{created}: due {due}, call {call}"
        );
        assert!(note(&plan, steward_core::rules::CALENDAR_GAP_KEY).is_none());
    }
}

#[test]
fn a_due_date_on_or_before_the_filing_day_is_not_set_and_the_request_is_flagged_late() {
    let rules = shipped();
    // (filed, event date, why): the speaker rule's due date is 30 days before the event.
    let cases = [
        (
            "2027-04-03T15:00:00Z",
            "2027-04-20",
            "event - 30 days is before filing",
        ),
        (
            "2027-04-05T15:00:00Z",
            "2027-05-05",
            "event - 30 days is the filing day itself",
        ),
    ];
    for (created, event, why) in cases {
        let plan = eval(
            &rules,
            &issue(created),
            SPEAKER,
            &fields(&[("event_date", event), ("event_name", "DevOps Days")]),
            created,
        );
        assert_eq!(
            plan.due_date, None,
            "{why}: no date that starts due or overdue"
        );
        assert!(
            plan.add_labels
                .iter()
                .any(|l| l.as_str() == "lead-time::violated"),
            "{why}: the request is flagged late instead: {:?}",
            plan.add_labels
        );
        assert!(
            !plan.notes.iter().any(|n| n.key.starts_with("reminder-")),
            "{why}: no same-day reminder"
        );
    }
    // A day later the date is set: 2027-05-06 - 30 days = 2027-04-06, the day after filing.
    let created = "2027-04-05T15:00:00Z";
    let plan = eval(
        &rules,
        &issue(created),
        SPEAKER,
        &fields(&[("event_date", "2027-05-06"), ("event_name", "DevOps Days")]),
        created,
    );
    assert_eq!(plan.due_date, Some(d("2027-04-06")));
}

#[test]
fn the_handbooks_eligibility_rules_flag_what_it_excludes_and_pass_what_it_allows() {
    let rules = shipped();
    let created = "2027-01-04T15:00:00Z";
    // (template, fields, label, whether it is added, why)
    let cases: Vec<(&str, Vec<(&str, &str)>, &str, bool, &str)> = vec![
        (
            "earnings-customer-reference",
            vec![("segment", "[SMB]")],
            "earnings::not-eligible",
            true,
            "SMB is not ENT/MM",
        ),
        (
            "earnings-customer-reference",
            vec![("segment", "[PubSec]")],
            "earnings::not-eligible",
            true,
            "PubSec is not ENT/MM",
        ),
        (
            "earnings-customer-reference",
            vec![("segment", "[ENT]")],
            "earnings::not-eligible",
            false,
            "ENT is eligible",
        ),
        (
            "earnings-customer-reference",
            vec![("segment", "[MM]")],
            "earnings::not-eligible",
            false,
            "MM is eligible",
        ),
        (
            "earnings-customer-reference",
            vec![("customer_approved", "false")],
            "earnings::needs-agreement",
            true,
            "not agreed to be named",
        ),
        (
            "earnings-customer-reference",
            vec![("customer_approved", "true")],
            "earnings::needs-agreement",
            false,
            "agreed",
        ),
        (
            SPEAKER,
            vec![("event_type", "[Third party]")],
            "speaker::third-party",
            true,
            "third-party event",
        ),
        (
            SPEAKER,
            vec![("event_type", "[GitLab hosted]")],
            "speaker::third-party",
            false,
            "hosted event",
        ),
        (
            SPEAKER,
            vec![("event_type", "[GitLab sponsored]")],
            "speaker::third-party",
            false,
            "sponsored event",
        ),
        (
            "eab-nomination",
            vec![
                ("executive_level", "[VP]"),
                ("executive_title", "Senior Manager"),
            ],
            "eab::level-unclear",
            true,
            "a Senior Manager ticked as VP",
        ),
        (
            "eab-nomination",
            vec![
                ("executive_level", "[C-level]"),
                ("executive_title", "Director of IT"),
            ],
            "eab::level-unclear",
            true,
            "a Director ticked as C-level",
        ),
        (
            "eab-nomination",
            vec![
                ("executive_level", "[VP]"),
                ("executive_title", "VP Engineering"),
            ],
            "eab::level-unclear",
            false,
            "a VP of Engineering",
        ),
        (
            "eab-nomination",
            vec![
                ("executive_level", "[SVP]"),
                ("executive_title", "SVP, Platform Engineering"),
            ],
            "eab::level-unclear",
            false,
            "an SVP",
        ),
        (
            "eab-nomination",
            vec![
                ("executive_level", "[C-level]"),
                ("executive_title", "Chief Technology Officer"),
            ],
            "eab::level-unclear",
            false,
            "a CTO",
        ),
    ];
    for (template, f, label, flagged, why) in cases {
        let plan = eval(&rules, &issue(created), template, &fields(&f), created);
        assert_eq!(
            plan.add_labels.contains(&LabelName::from(label)),
            flagged,
            "{why}: {:?}",
            plan.add_labels
        );
        if flagged {
            assert!(!plan.notes.is_empty(), "{why}: one comment explains it");
        }
    }
    // A nominee below VP is pointed to the Product CAB, whose DRI is cc'd by role.
    let plan = eval(
        &rules,
        &issue(created),
        "eab-nomination",
        &fields(&[
            ("executive_level", "[Director or below]"),
            ("executive_title", "Director"),
        ]),
        created,
    );
    let body = note(&plan, "eab-eligibility").unwrap();
    assert!(body.contains("Product Customer Advisory Board"), "{body}");
    assert!(
        body.contains("@mseferian-jenkins (Product) runs it"),
        "{body}"
    );
}

#[test]
fn an_earnings_reference_is_due_before_the_call_of_the_quarter_its_requester_chose() {
    let rules = shipped();
    let cal = calendar();
    // Filed 2026-12-10: the next call after filing is FY2027-Q4's (2027-03-04).
    let created = "2026-12-10T15:00:00Z";
    // (quarter as written, the call the due date counts back from, why)
    let cases = [
        (
            "FY2028-Q1",
            Some("2027-06-03"),
            "the quarter chosen, not the next call",
        ),
        ("FY28-Q1", Some("2027-06-03"), "a two-digit fiscal year"),
        ("fy28 q1", Some("2027-06-03"), "lower case with a space"),
        ("FY2027-Q4", Some("2027-03-04"), "the next call, chosen"),
        (
            "next one",
            Some("2027-03-04"),
            "unreadable: the next call after filing",
        ),
        (
            "FY2031-Q1",
            Some("2030-05-30"),
            "a quarter the calendar does not list: its call from the earnings rule",
        ),
    ];
    for (quarter, call, why) in cases {
        let plan = eval(
            &rules,
            &issue(created),
            "earnings-customer-reference",
            &fields(&[("quarter", quarter), ("segment", "[ENT]")]),
            created,
        );
        match call {
            Some(call) => {
                let due = plan
                    .due_date
                    .unwrap_or_else(|| panic!("{why}: no due date"));
                assert_eq!(
                    cal.business_days_between(due, d(call)),
                    10,
                    "{why}: due {due}, 10 business days before {call}"
                );
            }
            None => {
                assert_eq!(plan.due_date, None, "{why}");
                assert!(
                    note(&plan, steward_core::rules::CALENDAR_GAP_KEY).is_some(),
                    "{why}: the requester is told why there is no date"
                );
            }
        }
    }
}

#[test]
fn a_work_item_type_condition_matches_type_names_case_insensitively_and_skips_other_types() {
    let rules = custom(
        "rules:\n  - name: speakers\n    conditions:\n      work_item_type: [Issue, \"Speaker request\"]\n    actions: { labels: [\"advocacy-program::speaker\"] }\n    otherwise: { remove_labels: [\"advocacy-program::speaker\"] }\n",
    );
    let at = "2027-04-01T15:00:00Z";
    let cases: [(Option<&str>, bool, &str); 5] = [
        (Some("Speaker request"), true, "a listed custom type"),
        (
            Some("speaker REQUEST"),
            true,
            "names match case-insensitively",
        ),
        (
            None,
            true,
            "an item whose type GitLab did not report is an Issue",
        ),
        (Some("Ticket"), false, "another type is left alone"),
        (
            Some("Talk request"),
            false,
            "a renamed type no longer matches its old name",
        ),
    ];
    for (type_name, fires, why) in cases {
        let mut i = issue(at);
        i.labels = labels(&["advocacy-program::speaker"]);
        i.work_item_type = type_name.map(str::to_owned);
        let plan = eval(&rules, &i, SPEAKER, &fields(&[]), at);
        assert_eq!(names(&plan).contains(&"speakers"), fires, "{why}");
        // Not applicable to other types: `otherwise` does not run either.
        assert!(removed(&plan).is_empty(), "{why}");
    }
}
