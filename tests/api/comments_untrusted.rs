//! Requester text in the comments Steward posts, through the real rendering (shipped templates,
//! rules and roster; the body exactly as the reconciler sends it): titles, field values, typed
//! usernames and quoted answers show as data, and only the people a rule names are mentioned.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::rules as rules_support;

use std::collections::BTreeMap;

use rules_support::*;
use steward_core::model::{
    FieldKind, FieldSpec, FieldValue, Issue, ParsedFields, Plan, TemplateSpec, Username,
};
use steward_core::reconcile::render_note;
use steward_core::rules::{Engine, RuleSet, Workload, evaluate};
use steward_core::untrusted::{GITLAB_NOTE_LIMIT, live_mentions, outside_code};

const SPEAKER_CLEAN: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

fn engine() -> Engine {
    Engine::load(&root().join("rules"), &root().join("issue_templates")).unwrap()
}

/// The clean speaker request, filed on 2027-03-01 for an event 51 days out (late), with
/// `title` and the given lines of the description replaced.
fn speaker(title: &str, replace: &[(&str, &str)]) -> Issue {
    let mut description = SPEAKER_CLEAN.to_owned();
    for (from, to) in replace {
        assert!(description.contains(from), "{from}");
        description = description.replace(from, to);
    }
    let mut i = issue("2027-03-01T15:00:00Z");
    i.title = title.to_owned();
    i.description = description;
    i.web_url = "https://gitlab.example.com/adv/requests/-/issues/7".to_owned();
    i
}

/// Every note of the plan as the reconciler would send it (marker and guard included).
fn sent(plan: &Plan) -> Vec<(String, String)> {
    plan.notes
        .iter()
        .map(|n| (n.key.clone(), render_note(&n.key, &n.body)))
        .collect()
}

fn decide(i: &Issue) -> Plan {
    engine()
        .decide(i, at("2027-03-01T15:00:00Z"), &Workload::default())
        .plan
}

const EVENT: &str = "GitLab DevSecOps World Tour Chicago";

#[test]
fn a_hostile_title_and_event_name_mention_only_the_people_the_rule_names() {
    let many: Vec<String> = (0..29).map(|i| format!("@user{i}")).collect();
    let title = format!("@all {} <script>alert(1)</script>", many.join(" "));
    let hostile = "@all <script>alert(1)</script> [click](javascript:alert(1)) see #123 | a | b |";
    let i = speaker(&title, &[(EVENT, hostile)]);
    let notes = sent(&decide(&i));
    let (_, body) = notes
        .iter()
        .find(|(k, _)| k == "speaker-lead-time")
        .expect("the late request gets its lead-time comment");
    // The author and the speaker DRIs are named by the rule; nobody else is.
    assert_eq!(
        live_mentions(body),
        ["sam.seller", "jhernandez", "rlurie"],
        "{body}"
    );
    let live = outside_code(body);
    for markup in ["<script", "javascript:", "#123", "| a"] {
        assert!(!live.contains(markup), "{markup} is live in:\n{body}");
    }
    assert!(body.contains("**`@all <script>alert(1)</script>"), "{body}");
}

#[test]
fn the_needs_info_checklist_quotes_what_was_typed_without_mentioning_anyone() {
    let i = speaker(
        "Speaker request",
        &[(
            "**Event date:** 2027-04-21",
            "**Event date:** @all next spring",
        )],
    );
    let notes = sent(&decide(&i));
    let (_, body) = notes.iter().find(|(k, _)| k == "needs-info").unwrap();
    assert!(
        body.contains("- [ ] **Event date**: found `@all next spring`, expected a date"),
        "{body}"
    );
    assert_eq!(live_mentions(body), ["sam.seller"], "{body}");
}

#[test]
fn a_one_megabyte_field_value_is_cut_to_a_short_quote_in_the_comment() {
    let huge = "@all ".repeat(200_000);
    let i = speaker("Speaker request", &[(EVENT, huge.trim_end())]);
    for (key, body) in sent(&decide(&i)) {
        let chars = body.chars().count();
        assert!(chars < 5_000, "note `{key}` has {chars} characters");
        assert!(chars < GITLAB_NOTE_LIMIT);
        assert_eq!(live_mentions(&body), ["sam.seller", "jhernandez", "rlurie"]);
    }
}

/// A rule of the team's own, placing values in a table, a heading and a quote.
fn table_rule() -> (RuleSet, TemplateSpec) {
    let mut spec = spec("customer-speaker-request");
    spec.fields.push(FieldSpec {
        key: "account_owner".into(),
        label: "Account owner".into(),
        kind: FieldKind::Username,
        required: true,
        choices: Vec::new(),
        multiple: false,
        synonyms: Vec::new(),
    });
    let yaml = r#"rules:
  - name: echo
    conditions: { template: customer-speaker-request }
    actions:
      comment:
        key: echo
        body: |
          | Field | Value |
          |---|---|
          | Event | {{field.event_name}} |
          | Owner | {{field.account_owner}} |

          ### {{title}}

          > {{field.event_name}}

          {{role.director}}, over to {{assignee}}.
      mention: [speaker-dri]
"#;
    let rules = RuleSet::from_yaml(
        &[("rules/t.yaml".to_owned(), yaml.to_owned())],
        std::slice::from_ref(&spec),
        &roster(),
    )
    .unwrap();
    (rules, spec)
}

#[test]
fn typed_usernames_and_values_in_tables_headings_and_quotes_stay_data() {
    let (rules, spec) = table_rule();
    let mut i = issue("2027-03-01T15:00:00Z");
    i.title = "@here # heading\n/close".into();
    i.assignees = vec![user("all")];
    let fields = ParsedFields {
        values: BTreeMap::from([
            (
                "event_name".to_owned(),
                FieldValue::Text("x | @all | y".into()),
            ),
            (
                "account_owner".to_owned(),
                FieldValue::Username(Username::from("all")),
            ),
        ]),
        errors: Vec::new(),
    };
    let now = at("2027-03-01T15:00:00Z");
    let plan = evaluate(
        &rules,
        &i,
        Some(&spec),
        &fields,
        now,
        &calendar(),
        &roster(),
        &Workload::default(),
    );
    let (_, body) = sent(&plan).into_iter().next().unwrap();
    // The director role and the rule's `mention:`; the assignee named `all` is shown, not pinged.
    assert_eq!(
        live_mentions(&body),
        ["nsmith", "jhernandez", "rlurie"],
        "{body}"
    );
    let live = outside_code(&body);
    for row in live.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(row.matches('|').count(), 3, "a value added cells: {row}");
    }
    assert!(body.contains("| Owner | `@all` |"), "{body}");
    assert!(body.contains("### `@here # heading /close`"), "{body}");
    assert!(body.lines().all(|l| !l.trim_start().starts_with('/')));
}

#[test]
fn the_checklist_for_a_realistic_broken_request_mentions_only_the_requester() {
    let mut i = issue("2027-01-14T15:00:00Z");
    i.title = "Speaker request".into();
    i.description = std::fs::read_to_string(
        root().join("tests/data/requests/customer-speaker-request--late-and-broken.md"),
    )
    .unwrap();
    let plan = engine()
        .decide(&i, at("2027-01-14T15:00:00Z"), &Workload::default())
        .plan;
    let notes = sent(&plan);
    let (_, body) = notes.iter().find(|(k, _)| k == "needs-info").unwrap();
    // Steward's own hint (`like @jdoe`) pings nobody either.
    assert_eq!(live_mentions(body), ["sam.seller"], "{body}");
    assert!(body.contains("found `Dana Whitfield`"), "{body}");
}
