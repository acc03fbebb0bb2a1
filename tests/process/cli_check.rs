//! `steward check` and `steward schema` as a user runs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn steward() -> Command {
    let mut c = Command::cargo_bin("steward").unwrap();
    c.current_dir(root());
    c
}

/// A fresh copy of `rules/` in a temporary directory, unique per test.
fn copy_rules(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("steward-cli-check-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn check_passes_on_the_shipped_configuration() {
    let out = steward()
        .arg("check")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("ok: 8 templates,"), "{text}");
}

/// (file, text to replace, replacement, expected message after `file:line:col: `)
const BREAKAGES: [(&str, &str, &str, &str); 9] = [
    (
        "intake.yaml",
        "forbidden_labels:",
        "forbiden_labels:",
        "unknown key `forbiden_labels`: did you mean `forbidden_labels`?",
    ),
    (
        "speaker.yaml",
        "role: speaker-dri",
        "role: speaker-dr",
        "unknown role `speaker-dr`: did you mean `speaker-dri`?",
    ),
    (
        "press.yaml",
        "{{field.outlet}}",
        "{{field.outlett}}",
        "did you mean `outlet`?",
    ),
    (
        "stories.yaml",
        "template: customer-story-idea",
        "template: customer-story-ideas",
        "unknown template `customer-story-ideas`: did you mean `customer-story-idea`?",
    ),
    (
        "calendar.yaml",
        "time_zone: America/New_York",
        "time_zone: America/New_Yrok",
        "unknown time zone `America/New_Yrok`",
    ),
    (
        "outcomes.yaml",
        "  story:",
        "  stories:",
        "unknown program `stories` (hint: known: story, earnings,",
    ),
    (
        "programs.yaml",
        "label: \"advocacy-program::story\"",
        "label: \"advocacy-program::stroy\"",
        "program `story`: label `advocacy-program::stroy` is not declared (hint: did you mean \
         `advocacy-program::story`?",
    ),
    (
        "programs.yaml",
        "templates: [eab-nomination]",
        "templates: [eab-nominations]",
        "program `eab`: no template `eab-nominations` (hint: did you mean `eab-nomination`?)",
    ),
    (
        "customers.yaml",
        "eab-nomination: { account: company,",
        "eab-nomination: { account: compnay,",
        "template `eab-nomination` has no field `compnay` (hint: did you mean `company`?)",
    ),
];

#[test]
fn check_fails_on_a_broken_copy_with_file_line_col_and_the_closest_key() {
    for (i, (file, from, to, message)) in BREAKAGES.iter().enumerate() {
        let dir = copy_rules(&format!("broken{i}"));
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer contains {from}");
        let line = text.lines().position(|l| l.contains(from)).unwrap() + 1;
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();

        let out = steward()
            .args(["check", "--rules"])
            .arg(&dir)
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let prefix = format!("{}:{line}:", path.display());
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(message)),
            "expected `{prefix}<col>: {message}` in:\n{stderr}"
        );
        assert!(stderr.contains("configuration error"), "{stderr}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn check_lists_every_error_not_just_the_first() {
    let dir = copy_rules("many");
    for (file, from, to, _) in &BREAKAGES[..3] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let out = steward()
        .args(["check", "--rules"])
        .arg(&dir)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("3 configuration errors"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_names_a_missing_directory() {
    let out = steward()
        .args(["check", "--rules", "no-such-dir"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no-such-dir"), "{stderr}");
}

#[test]
fn schema_is_valid_json_describing_every_section() {
    let out = steward()
        .arg("schema")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    for def in [
        "rule",
        "conditions",
        "field_condition",
        "check",
        "lead_time",
        "actions",
        "assign",
        "due_date",
        "comment",
    ] {
        assert!(v["$defs"][def].is_object(), "{def}");
    }
    assert_eq!(v["properties"]["rules"]["type"], "array");
}

#[test]
fn check_warns_when_the_shipped_calendar_covers_less_than_a_year() {
    // (today, expected warning text or None)
    let cases: [(&str, Option<&str>); 3] = [
        ("2026-12-01", None),
        (
            "2027-06-01",
            Some(
                "warning: rules/calendar.yaml covers less than 12 months from 2027-06-01: it lists holidays until 2027-12-31",
            ),
        ),
        (
            "2030-01-01",
            Some("warning: rules/calendar.yaml has run out"),
        ),
    ];
    for (today, expected) in cases {
        let out = steward()
            .args(["check", "--today", today])
            .assert()
            .success()
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        match expected {
            None => assert!(!stderr.contains("warning"), "{today}: {stderr}"),
            Some(w) => assert!(stderr.contains(w), "{today}: {stderr}"),
        }
        assert!(String::from_utf8(out.stdout).unwrap().starts_with("ok: "));
    }
}

/// Runs `steward check` on a copy of `rules/` whose `file` was changed by `edit` (which must
/// change it), expects exit 1 and returns stderr.
fn check_fails_after_editing(tag: &str, file: &str, edit: impl FnOnce(&str) -> String) -> String {
    let dir = copy_rules(tag);
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = edit(&text);
    assert_ne!(
        edited, text,
        "{tag}: the edit changed nothing; {file} changed?"
    );
    std::fs::write(&path, edited).unwrap();
    let out = steward()
        .arg("check")
        .arg("--rules")
        .arg(&dir)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_lead_time_the_template_states_must_be_the_one_its_rule_checks() {
    let stderr = check_fails_after_editing("lead-time", "speaker.yaml", |t| {
        t.replace(
            "minimum: 60, unit: calendar_days",
            "minimum: 45, unit: calendar_days",
        )
    });
    // The template, where it tells requesters, and the rule, once.
    for needle in [
        "issue_templates/customer-speaker-request.md:6:35: the template tells requesters 60 days, but rule `speaker-lead-time` (",
        "issue_templates/customer-speaker-request.md:27:34: the template tells requesters 60 days",
        "speaker.yaml:27:27: rule `speaker-lead-time` requires 45 calendar days, but the template tells requesters 60 days (issue_templates/customer-speaker-request.md:6:35)",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in\n{stderr}");
    }
    assert_eq!(
        stderr.matches("rule `speaker-lead-time` requires").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn a_label_not_declared_in_labels_yaml_is_refused_with_the_closest_name() {
    let stderr = check_fails_after_editing("labels", "speaker.yaml", |t| {
        t.replacen(
            "labels: [\"lead-time::violated\"]",
            "labels: [\"lead-time::violatd\"]",
            1,
        )
    });
    assert!(
        stderr.contains(
            "speaker.yaml:29:16: label `lead-time::violatd` is not declared in labels.yaml (hint: did you mean `lead-time::violated`?"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("1 configuration error"), "{stderr}");
}

#[test]
fn a_roster_entry_in_no_role_is_refused() {
    let stderr = check_fails_after_editing("roster-orphan", "roster.yaml", |t| {
        format!(
            "{t}  rlurei:\n    name: Rachel Lurie (typo)\n    out_of_office:\n      - {{ from: 2027-01-04, to: 2027-01-08 }}\n"
        )
    });
    assert!(
        stderr.contains("`rlurei` is under `members` but in no role, so their out-of-office dates and capacity are never used"),
        "{stderr}"
    );
}

#[test]
fn check_outside_a_checkout_checks_the_configuration_built_into_the_binary() {
    let empty =
        std::env::temp_dir().join(format!("steward-cli-check-{}-empty", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty);
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::cargo_bin("steward")
        .unwrap()
        .arg("check")
        .current_dir(&empty)
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let checkout = steward()
        .arg("check")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(stdout, String::from_utf8(checkout).unwrap());
    assert!(
        stderr.contains("checking the rules built into steward"),
        "{stderr}"
    );
    // A directory that is named but missing is an error, not a fallback.
    let missing = empty.join("nowhere");
    Command::cargo_bin("steward")
        .unwrap()
        .args(["check", "--rules"])
        .arg(&missing)
        .current_dir(&empty)
        .assert()
        .code(1);
    let _ = std::fs::remove_dir_all(&empty);
}

#[test]
fn bad_numbers_in_two_files_are_all_reported_in_plain_words() {
    let dir = copy_rules("plain-numbers");
    let edits = [
        (
            "deadlines.yaml",
            "within_business_days: 3 }",
            "within_business_days: -3 }",
        ),
        (
            "deadlines.yaml",
            "overdue_business_days: 5 }",
            "overdue_business_days: five }",
        ),
        ("speaker.yaml", "minimum: 60,", "minimum: 6o,"),
    ];
    for (file, from, to) in edits {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer contains {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let out = steward()
        .args(["check", "--rules"])
        .arg(&dir)
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    // Where each bad value is in the edited file (line:column of the value, 1-based).
    let at = |file: &str, written: &str| {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let (before, _) = text.split_once(written).unwrap();
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        let value_col = col + written.find(' ').unwrap() + 1;
        format!("{file}:{line}:{value_col}")
    };
    for needle in [
        format!(
            "{}: `within_business_days` must be a whole number of days, 0 or more, not `-3` (hint: a count of days cannot be negative",
            at("deadlines.yaml", "within_business_days: -3")
        ),
        format!(
            "{}: `overdue_business_days` must be a whole number of days, 0 or more, not `five`",
            at("deadlines.yaml", "overdue_business_days: five")
        ),
        format!(
            "{}: `minimum` must be a whole number of days, 0 or more, not `6o`",
            at("speaker.yaml", "minimum: 6o")
        ),
        "3 configuration errors".to_owned(),
    ] {
        assert!(stderr.contains(&needle), "missing {needle:?} in\n{stderr}");
    }
    assert!(!stderr.contains("invalid u32"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_misspelt_field_key_is_reported_where_rules_use_it_and_nowhere_else() {
    let dir = std::env::temp_dir().join(format!("steward-cli-check-{}-typo", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(root().join("issue_templates")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let path = dir.join("customer-speaker-request.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("key=event_date", "key=event_dat", 1)).unwrap();
    let out = steward()
        .args(["check", "--templates"])
        .arg(&dir)
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    // The route's due date, the lead-time check, the acknowledgement's `{{field.event_date}}`
    // the customer ledger's duplicate check, and the after-event question's condition and
    // placeholder name the field; the lead-time comments'
    // placeholders are not reported again.
    assert!(stderr.contains("6 configuration errors"), "{stderr}");
    assert!(
        stderr.contains(
            "customers.yaml:18:77: template `customer-speaker-request` has no field `event_date` \
             (hint: did you mean `event_dat`?)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("acknowledgements.yaml:30:11: unknown placeholder `{{field.event_date}}`"),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("has no field `event_date`: did you mean `event_dat`?")
            .count(),
        3,
        "{stderr}"
    );
    assert!(!stderr.contains("needs a `check: lead_time`"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_comments_must_name_a_comment_some_rule_posts() {
    let stderr = check_fails_after_editing("without-comments", "acknowledgements.yaml", |t| {
        t.replacen(
            "without_comments: [speaker-lead-time]",
            "without_comments: [speaker-leadtime]",
            1,
        )
    });
    assert!(
        stderr.contains("acknowledgements.yaml:24:26: no rule posts a comment with key `speaker-leadtime`: did you mean `speaker-lead-time`?"),
        "{stderr}"
    );
}
