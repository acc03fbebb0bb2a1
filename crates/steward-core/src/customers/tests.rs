//! Table tests of the ledger's decisions: the fatigue windows, duplicates, the plan, and the
//! similarity's precision and recall on a labelled set of realistic pairs.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::config::{Duplicates, Fatigue, TemplateAccount};
use super::*;
use crate::model::{FieldKind, IssueId, TemplateName, Waiting};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0)
        .single()
        .unwrap_or_default()
}

fn rules(open_at_once: Option<u32>, per_window: Option<u32>, scope: Scope) -> CustomerRules {
    let mut templates = BTreeMap::new();
    for name in ["speaker", "press"] {
        templates.insert(
            TemplateName(name.into()),
            TemplateAccount {
                account: "customer_account".into(),
                same: vec![
                    ("event_name".into(), FieldKind::Text),
                    ("event_date".into(), FieldKind::Date),
                ],
            },
        );
    }
    let mut directory = Directory::default();
    directory.declare("Exempt Partner", &[]);
    CustomerRules {
        templates,
        directory,
        exempt: vec![AccountKey("exempt-partner".into())],
        fatigue: Some(Fatigue {
            label: "reference-fatigue".into(),
            open_at_once,
            per_window,
            window_days: 90,
            scope,
            not_counted: vec!["outcome::duplicate".into()],
        }),
        duplicates: Some(Duplicates {
            label: "possible-duplicate".into(),
            threshold: 0.9,
        }),
    }
}

/// An ask on account `acme`, filed `days_before` days before `t0`, in program `program`.
fn ask(iid: u64, days_before: i64, program: &str, open: bool) -> Ask {
    Ask {
        project: ProjectId(1),
        iid: IssueIid(iid),
        account: AccountKey("acme".into()),
        account_name: "Acme Inc.".into(),
        program: Some(program.into()),
        template: TemplateName(program.into()),
        filed_at: t0() - Duration::days(days_before),
        state: if open {
            IssueState::Opened
        } else {
            IssueState::Closed
        },
        outcome: None,
        subjects: BTreeMap::new(),
        confidential: false,
    }
}

#[test]
fn the_fatigue_windows_count_what_the_cap_says() {
    use Scope::{All, Program};
    struct Case {
        name: &'static str,
        open_at_once: Option<u32>,
        per_window: Option<u32>,
        scope: Scope,
        others: Vec<Ask>,
        over: bool,
    }
    let closed_dup = |iid, days| Ask {
        outcome: Some("outcome::duplicate".into()),
        ..ask(iid, days, "speaker", false)
    };
    let cases = vec![
        Case {
            name: "exactly at the open limit is not over",
            open_at_once: Some(2),
            per_window: None,
            scope: All,
            others: vec![ask(1, 5, "speaker", true)],
            over: false,
        },
        Case {
            name: "one past the open limit is over",
            open_at_once: Some(2),
            per_window: None,
            scope: All,
            others: vec![ask(1, 5, "speaker", true), ask(2, 3, "press", true)],
            over: true,
        },
        Case {
            name: "closed asks do not count as open",
            open_at_once: Some(2),
            per_window: None,
            scope: All,
            others: vec![ask(1, 5, "speaker", false), ask(2, 3, "press", false)],
            over: false,
        },
        Case {
            name: "exactly at the window limit is not over",
            open_at_once: None,
            per_window: Some(4),
            scope: All,
            others: vec![
                ask(1, 80, "speaker", false),
                ask(2, 60, "press", false),
                ask(3, 10, "speaker", true),
            ],
            over: false,
        },
        Case {
            name: "closed asks count in the window",
            open_at_once: None,
            per_window: Some(4),
            scope: All,
            others: vec![
                ask(1, 80, "speaker", false),
                ask(2, 60, "press", false),
                ask(3, 10, "speaker", false),
                ask(4, 2, "press", false),
            ],
            over: true,
        },
        Case {
            name: "an ask 90 days old is in the window",
            open_at_once: None,
            per_window: Some(2),
            scope: All,
            others: vec![ask(1, 90, "speaker", false), ask(2, 10, "speaker", false)],
            over: true,
        },
        Case {
            name: "an ask 91 days old is out of the window",
            open_at_once: None,
            per_window: Some(2),
            scope: All,
            others: vec![ask(1, 91, "speaker", false), ask(2, 10, "speaker", false)],
            over: false,
        },
        Case {
            name: "a closed duplicate was no ask",
            open_at_once: None,
            per_window: Some(2),
            scope: All,
            others: vec![closed_dup(1, 30), ask(2, 10, "speaker", false)],
            over: false,
        },
        Case {
            name: "per program, other programs' asks do not count",
            open_at_once: Some(1),
            per_window: None,
            scope: Program,
            others: vec![ask(1, 5, "press", true)],
            over: false,
        },
        Case {
            name: "per program, the same program's asks count",
            open_at_once: Some(1),
            per_window: None,
            scope: Program,
            others: vec![ask(1, 5, "speaker", true)],
            over: true,
        },
        Case {
            name: "across all, every program's asks count",
            open_at_once: Some(1),
            per_window: None,
            scope: All,
            others: vec![ask(1, 5, "press", true)],
            over: true,
        },
        Case {
            name: "asks filed later never push an earlier one over",
            open_at_once: Some(1),
            per_window: Some(1),
            scope: All,
            others: vec![ask(1, -3, "speaker", true)],
            over: false,
        },
    ];
    for case in cases {
        let rules = rules(case.open_at_once, case.per_window, case.scope);
        let this = ask(99, 0, "speaker", true);
        let check = fatigue(&rules, &this, &case.others);
        assert_eq!(check.map(|c| c.is_over()), Some(case.over), "{}", case.name);
    }
}

#[test]
fn exempt_accounts_and_closed_requests_are_never_capped() {
    let rules = rules(Some(1), Some(1), Scope::All);
    let others = vec![ask(1, 5, "speaker", true)];
    let exempt = Ask {
        account: AccountKey("exempt-partner".into()),
        ..ask(99, 0, "speaker", true)
    };
    let exempt_others = vec![Ask {
        account: exempt.account.clone(),
        ..others[0].clone()
    }];
    assert_eq!(fatigue(&rules, &exempt, &exempt_others), None);
    assert_eq!(
        fatigue(&rules, &ask(99, 0, "speaker", false), &others),
        None
    );
    assert!(fatigue(&rules, &ask(99, 0, "speaker", true), &others).is_some_and(|c| c.is_over()));
}

fn with_subjects(mut a: Ask, name: &str, date: &str) -> Ask {
    a.subjects.insert("event_name".into(), name.into());
    a.subjects.insert("event_date".into(), date.into());
    a
}

#[test]
fn an_open_request_for_the_same_account_and_event_is_a_possible_duplicate() {
    let rules = rules(None, Some(10), Scope::All);
    let this = with_subjects(
        ask(9, 0, "speaker", true),
        "KubeCon Europe 2027",
        "2027-03-23",
    );
    let typo = with_subjects(
        ask(1, 4, "speaker", true),
        "Kubecon Eruope 2027",
        "2027-03-24",
    );
    let same_day = with_subjects(ask(2, 4, "speaker", true), "Platform Day", "2027-03-23");
    let closed = with_subjects(
        ask(3, 4, "speaker", false),
        "KubeCon Europe 2027",
        "2027-03-23",
    );
    let other_event = with_subjects(
        ask(4, 4, "speaker", true),
        "DevOpsDays Austin",
        "2027-05-01",
    );
    let other_account = Ask {
        account: AccountKey("globex".into()),
        ..with_subjects(
            ask(5, 4, "speaker", true),
            "KubeCon Europe 2027",
            "2027-03-23",
        )
    };
    let found = duplicates(
        &rules,
        &this,
        &[typo, same_day, closed, other_event, other_account],
    );
    let got: Vec<(u64, &str)> = found.iter().map(|d| (d.iid.0, d.field.as_str())).collect();
    assert_eq!(got, vec![(1, "event_name"), (2, "event_date")]);
}

fn issue(iid: u64, labels: &[&str]) -> Issue {
    Issue {
        project_id: ProjectId(1),
        id: IssueId(1000 + iid),
        iid: IssueIid(iid),
        title: "t".into(),
        description: String::new(),
        state: IssueState::Opened,
        labels: labels.iter().map(|l| LabelName((*l).into())).collect(),
        assignees: vec![],
        author: None,
        created_at: t0(),
        updated_at: t0(),
        closed_at: None,
        due_date: None,
        confidential: false,
        web_url: String::new(),
        owned_note_keys: Default::default(),
        managed_due_date: None,
        waiting: Waiting::default(),
        user_notes_count: None,
        last_human_activity_at: None,
        work_item_type: None,
    }
}

#[test]
fn a_request_over_the_cap_is_labelled_and_its_requester_told_once_while_the_team_sees_the_competing_asks()
 {
    let rules = rules(Some(1), None, Scope::All);
    let this = Ok(Some(ask(9, 0, "speaker", true)));
    let others = vec![ask(4, 20, "press", true)];
    let plan = plan(&rules, &issue(9, &[]), &this, &others);
    assert!(
        plan.add_labels
            .contains(&LabelName("reference-fatigue".into()))
    );
    let keys: Vec<&str> = plan.notes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, vec![LEDGER_NOTE, FATIGUE_NOTE]);
    assert!(
        plan.notes[0]
            .body
            .contains("| #4 | press | 2026-11-11 | open |"),
        "{}",
        plan.notes[0].body
    );
    assert!(plan.notes[0].body.contains("Competing asks: #4"));
    assert!(
        !plan.notes[1].body.contains("#4"),
        "the requester is not shown other requests"
    );
}

#[test]
fn the_flags_clear_when_the_competing_request_closes_as_a_duplicate() {
    let rules = rules(Some(1), None, Scope::All);
    let this = Ok(Some(with_subjects(
        ask(9, 0, "speaker", true),
        "QCon London",
        "2027-04-01",
    )));
    let mut closed = with_subjects(ask(4, 2, "speaker", false), "QCon London", "2027-04-01");
    closed.outcome = Some("outcome::duplicate".into());
    let mut flagged = issue(9, &["reference-fatigue", "possible-duplicate"]);
    flagged.owned_note_keys = [FATIGUE_NOTE.to_owned(), DUPLICATE_NOTE.to_owned()].into();
    let plan = plan(&rules, &flagged, &this, &[closed]);
    assert!(plan.add_labels.is_empty());
    assert_eq!(plan.remove_labels.len(), 2);
    let dup = plan.notes.iter().find(|n| n.key == DUPLICATE_NOTE);
    assert!(dup.is_some_and(|n| n.body.contains("goes ahead")));
}

#[test]
fn an_unreadable_account_is_not_counted_and_the_team_is_told_why() {
    let rules = rules(Some(1), None, Scope::All);
    let warning = Err(crate::model::FieldError {
        field: "customer_account".into(),
        message: "could not be read".into(),
        required: false,
    });
    let plan = plan(
        &rules,
        &issue(9, &[]),
        &warning,
        &[ask(4, 2, "speaker", true)],
    );
    assert!(plan.add_labels.is_empty() && plan.fatigue.is_none());
    assert_eq!(plan.notes.len(), 1);
    assert!(plan.notes[0].body.contains("could not be read"));
}

#[test]
fn the_first_ask_of_an_account_writes_nothing_and_later_ones_keep_the_team_note_current() {
    let rules = rules(Some(5), None, Scope::All);
    let first = plan(
        &rules,
        &issue(9, &[]),
        &Ok(Some(ask(9, 0, "speaker", true))),
        &[],
    );
    assert!(first.notes.is_empty() && first.add_labels.is_empty());
    let mut noted = issue(9, &[]);
    noted.owned_note_keys = [LEDGER_NOTE.to_owned()].into();
    let later = plan(&rules, &noted, &Ok(Some(ask(9, 0, "speaker", true))), &[]);
    assert_eq!(
        later.notes.len(),
        1,
        "a note already there is kept up to date"
    );
}

#[test]
fn account_names_in_the_team_note_are_inert() {
    let rules = rules(Some(5), None, Scope::All);
    let hostile = Ask {
        account: AccountKey("x".into()),
        account_name: "@all /close <b>x</b>".into(),
        ..ask(9, 0, "speaker", true)
    };
    let earlier = Ask {
        iid: IssueIid(3),
        ..hostile.clone()
    };
    let plan = plan(&rules, &issue(9, &[]), &Ok(Some(hostile)), &[earlier]);
    let body = crate::reconcile::render_note(LEDGER_NOTE, &plan.notes[0].body);
    assert!(crate::untrusted::live_mentions(&body).is_empty());
    assert!(body.contains("`@all /close <b>x</b>`"));
}

#[test]
fn similarity_separates_the_labelled_duplicate_pairs_with_a_floor_on_precision_and_recall() {
    let data = include_str!("../../tests/data/duplicate_pairs.tsv");
    let threshold = 0.9;
    let (mut tp, mut fp, mut fn_, mut n) = (0u32, 0u32, 0u32, 0u32);
    let mut misses = Vec::new();
    for line in data
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [_, a, b, same] = cols[..] else {
            panic!("bad line {line:?}");
        };
        n += 1;
        let said = similarity(a, b) >= threshold;
        match (said, same == "1") {
            (true, true) => tp += 1,
            (true, false) => {
                fp += 1;
                misses.push(format!(
                    "false positive {a:?} ~ {b:?} ({:.3})",
                    similarity(a, b)
                ));
            }
            (false, true) => {
                fn_ += 1;
                misses.push(format!("missed {a:?} ~ {b:?} ({:.3})", similarity(a, b)));
            }
            (false, false) => {}
        }
    }
    let precision = f64::from(tp) / f64::from(tp + fp);
    let recall = f64::from(tp) / f64::from(tp + fn_);
    println!(
        "duplicate pairs: {n}, threshold {threshold}: precision {precision:.3}, recall {recall:.3}"
    );
    for m in &misses {
        println!("  {m}");
    }
    assert!(n >= 50, "the labelled set has {n} pairs");
    assert!(precision >= 0.9, "precision {precision:.3}: {misses:#?}");
    assert!(recall >= 0.85, "recall {recall:.3}: {misses:#?}");
}

#[test]
fn the_summary_counts_per_account_and_names_none_seen_only_on_confidential_requests() {
    let rules = rules(None, None, Scope::All);
    let secret = Ask {
        account: AccountKey("initech".into()),
        account_name: "Initech".into(),
        confidential: true,
        ..ask(7, 1, "press", true)
    };
    let asks = vec![
        ask(1, 100, "speaker", false),
        ask(2, 5, "press", true),
        secret,
    ];
    let lines = summarise(&rules, &asks, t0(), 90);
    let got: Vec<(&str, Option<&str>, usize, usize, usize)> = lines
        .iter()
        .map(|l| (l.key.as_str(), l.name.as_deref(), l.asks, l.open, l.recent))
        .collect();
    assert_eq!(
        got,
        vec![
            ("initech", None, 1, 1, 1),
            ("acme", Some("Acme Inc."), 2, 1, 1)
        ]
    );
}
