#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Programs are configuration: another team declares its own programs in its rules directory and
//! gets their digests, with no change to Steward; a misspelt program is refused with the closest
//! name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use steward_core::digest::{
    DigestConfig, DigestIssue, DigestScope, FiscalPeriod, Targets, render, select,
};
use steward_core::model::{IssueIid, IssueState, LabelName};
use steward_core::rules::Engine;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped rules in a fresh temporary directory, with `programs.yaml` and `outcomes.yaml`
/// replaced by the developer relations team's and its labels added to `labels.yaml`.
fn second_team(tag: &str, programs: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("steward-programs-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let mut labels = std::fs::read_to_string(dir.join("labels.yaml")).unwrap();
    labels.push_str(
        "  - { name: \"devrel::meetup\", color: \"#336699\", description: \"Program: meetups\" }\n\
         \x20 - { name: \"devrel::cfp\", color: \"#336699\", description: \"Program: talks\" }\n\
         \x20 - { name: \"outcome::held\", color: \"#336699\", description: \"It took place\" }\n",
    );
    std::fs::write(dir.join("labels.yaml"), labels).unwrap();
    std::fs::write(dir.join("programs.yaml"), programs).unwrap();
    std::fs::write(
        dir.join("outcomes.yaml"),
        "programs:\n  meetup:\n    success: [\"outcome::held\"]\n    never: [\"outcome::declined\"]\n",
    )
    .unwrap();
    dir
}

const DEVREL: &str = "\
programs:
  meetup:
    title: Community Meetups
    label: \"devrel::meetup\"
    templates: [customer-speaker-request]
    tracking: issue
    targets: [story]
    target_names: { story: \"Meetups held\" }
  cfp:
    title: Conference Talks
    label: \"devrel::cfp\"
";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn period(name: &str, first: &str, last: &str) -> FiscalPeriod {
    FiscalPeriod {
        name: name.into(),
        first_day: day(first),
        last_day: day(last),
    }
}

#[test]
fn another_teams_programs_load_from_its_rules_and_get_their_own_digest() {
    let dir = second_team("devrel", DEVREL);
    let engine = Engine::load(&dir, &root().join("issue_templates")).unwrap();
    let keys: Vec<&str> = engine.programs().keys().collect();
    assert_eq!(keys, ["meetup", "cfp"]);
    assert!(
        engine
            .labels_used()
            .contains(&LabelName::from("devrel::cfp"))
    );

    let meetup = engine.programs().get("meetup").unwrap().clone();
    let scope = DigestScope {
        outcomes: engine.outcomes().program(&meetup.key),
        program: meetup,
        week: "2026-W48".parse().unwrap(),
        time_zone: New_York,
        now: at("2026-11-27T22:00:00Z"),
        quarter: period("FY27-Q4", "2026-11-01", "2027-01-31"),
        year: period("FY27", "2026-02-01", "2027-01-31"),
        contest: None,
        away: BTreeMap::new(),
    };
    let held = DigestIssue {
        iid: IssueIid(4),
        title: "Berlin meetup".into(),
        web_url: "https://gitlab.example.com/devrel/events/-/issues/4".into(),
        confidential: false,
        state: IssueState::Closed,
        created_at: at("2026-11-02T10:00:00Z"),
        closed_at: Some(at("2026-11-25T10:00:00Z")),
        due_date: None,
        assignees: Vec::new(),
        labels: BTreeSet::from([LabelName::from("devrel::meetup"), "outcome::held".into()]),
        account_owner: None,
        late_filed: false,
    };
    let digest = select(&scope, &Targets::default(), &[held]);
    assert_eq!(digest.progress.len(), 1, "the declared target is measured");
    assert_eq!(digest.progress[0].done, 1, "`outcome::held` is its success");
    assert!(digest.leaderboard.is_none());
    let text = render(&digest);
    assert!(
        text.contains("## Community Meetups — weekly digest 2026-W48"),
        "{text}"
    );
    assert!(text.contains("· `outcome::held`"), "{text}");
    assert!(
        text.contains("- Meetups held in FY27-Q4: **1 of 3**"),
        "{text}"
    );

    // Its digests are posted by its own keys, on the kind of item it declared.
    let config = |yaml: &str| -> DigestConfig { serde_saphyr::from_str(yaml).unwrap() };
    let ok = config("post_to:\n  meetup: { issue: { project: 9, iid: 1 } }\n");
    assert_eq!(ok.post_to.check(engine.programs()), Ok(()));
    let epic = config("post_to:\n  meetup: { epic: { group: 7, epic_iid: 1 } }\n");
    let message = epic
        .post_to
        .check(engine.programs())
        .unwrap_err()
        .to_string();
    assert!(message.contains("tracked by an issue"), "{message}");
    let old = config("post_to:\n  meetups: { issue: { project: 9, iid: 1 } }\n");
    let message = old
        .post_to
        .check(engine.programs())
        .unwrap_err()
        .to_string();
    assert!(message.contains("did you mean `meetup`?"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_misspelt_program_key_or_label_is_refused_with_the_closest_name() {
    let typo_label = DEVREL.replace("\"devrel::cfp\"", "\"devrel::cpf\"");
    let dir = second_team("label", &typo_label);
    let errors = Engine::load(&dir, &root().join("issue_templates")).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let programs = dir.join("programs.yaml").display().to_string();
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with(&format!("{programs}:11:12:"))
                && e.contains("label `devrel::cpf` is not declared")
                && e.contains("did you mean `devrel::cfp`?")),
        "{shown:?}"
    );

    let typo_key = DEVREL.replace("  meetup:", "  meetp:");
    let dir = second_team("key", &typo_key);
    let errors = Engine::load(&dir, &root().join("issue_templates")).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let outcomes = dir.join("outcomes.yaml").display().to_string();
    assert!(
        shown.iter().any(|e| e
            == &format!("{outcomes}:2:3: unknown program `meetup` (hint: did you mean `meetp`?)")),
        "{shown:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
