//! Shared helpers for the rules tests: the shipped rules, roster and calendar loaded from disk,
//! template specs mirroring the shipped templates' keys, and issue builders.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use steward_core::calendar::Calendar;
use steward_core::model::{
    FieldError, FieldKind, FieldSpec, FieldValue, Issue, IssueId, IssueIid, IssueState, LabelName,
    ParsedFields, Plan, ProjectId, TemplateName, TemplateSpec, UserId, UserRef, Username,
};
use steward_core::rules::{Roster, RuleSet, Workload, evaluate};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn field(key: &str, kind: FieldKind, choices: &[&str]) -> FieldSpec {
    FieldSpec {
        key: key.to_owned(),
        label: key.replace('_', " "),
        kind,
        required: true,
        choices: choices.iter().map(|c| (*c).to_owned()).collect(),
        multiple: false,
        synonyms: Vec::new(),
    }
}

const EVIDENCE: [&str; 4] = [
    "Contract / order form",
    "License agreement",
    "Email",
    "None yet",
];

/// Specs with the keys, kinds and choices the shipped rules rely on.
pub fn specs() -> Vec<TemplateSpec> {
    use FieldKind::*;
    let t = |name: &str, program: &str, fields: Vec<FieldSpec>| TemplateSpec {
        name: TemplateName(name.to_owned()),
        intake_label: LabelName(format!("advocacy-program::{program}")),
        fields,
    };
    vec![
        t(
            "customer-speaker-request",
            "speaker",
            vec![
                field("customer_account", Text, &[]),
                field("event_name", Text, &[]),
                field("event_date", Date, &[]),
                field(
                    "event_type",
                    Choice,
                    &["GitLab hosted", "GitLab sponsored", "Third party"],
                ),
            ],
        ),
        t(
            "customer-press-request",
            "press",
            vec![
                field("outlet", Text, &[]),
                field("deadline", Date, &[]),
                field("publish_date", Date, &[]),
                field("embargo_date", Date, &[]),
            ],
        ),
        t(
            "customer-story-idea",
            "story",
            vec![
                field("customer_account", Text, &[]),
                field("account_size", Choice, &["ENT", "MM", "SMB"]),
                field(
                    "license_tier",
                    Choice,
                    &["Ultimate", "Premium", "Dedicated", "Free"],
                ),
                field("user_count", Number, &[]),
                field(
                    "story_format",
                    Choice,
                    &["Case study", "Blog post", "Video", "Quote only"],
                ),
            ],
        ),
        t(
            "earnings-customer-reference",
            "earnings",
            vec![
                field("customer_account", Text, &[]),
                field("segment", Choice, &["ENT", "MM", "SMB", "PubSec"]),
                field("category", Choice, &["First Order", "Growth"]),
                field("customer_approved", Boolean, &[]),
                field("success_story", Text, &[]),
                field("quarter", Text, &[]),
                field("interview_date", Date, &[]),
            ],
        ),
        t(
            "customer-reference-approval",
            "reference",
            vec![
                field("customer_account", Text, &[]),
                field("publish_date", Date, &[]),
                field("approval_source", Choice, &EVIDENCE),
                field("approval_date", Date, &[]),
                field("approval_expiry", Date, &[]),
            ],
        ),
        t(
            "analyst-participation-request",
            "analyst",
            vec![
                field("firm", Choice, &["Gartner", "Forrester", "IDC", "Other"]),
                field("report", Text, &[]),
                field("deadline", Date, &[]),
                field("customers_needed", Number, &[]),
            ],
        ),
        t(
            "eab-nomination",
            "eab",
            vec![
                field("executive_name", Text, &[]),
                field("executive_title", Text, &[]),
                field("company", Text, &[]),
                field(
                    "executive_level",
                    Choice,
                    &["C-level", "SVP", "VP", "Director or below"],
                ),
            ],
        ),
        t(
            "reference-contest-entry",
            "contest",
            vec![
                field("customer_account", Text, &[]),
                field("quarter", Text, &[]),
                field("agreement_evidence", Choice, &EVIDENCE),
            ],
        ),
    ]
}

pub fn spec(name: &str) -> TemplateSpec {
    specs()
        .into_iter()
        .find(|s| s.name.as_str() == name)
        .unwrap()
}

pub fn shipped_rule_files() -> Vec<(String, String)> {
    let mut paths: Vec<_> = std::fs::read_dir(root().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            // The loader's own list, so a new configuration file is never read as rules.
            n.ends_with(".yaml") && !steward_core::loader::NOT_RULE_FILES.contains(&n)
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            (
                format!("rules/{}", p.file_name().unwrap().to_str().unwrap()),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

pub fn roster() -> Roster {
    let text = std::fs::read_to_string(root().join("rules/roster.yaml")).unwrap();
    Roster::from_yaml("rules/roster.yaml", &text).unwrap()
}

pub fn calendar() -> Calendar {
    let text = std::fs::read_to_string(root().join("rules/calendar.yaml")).unwrap();
    Calendar::from_yaml("rules/calendar.yaml", &text).unwrap()
}

pub fn shipped() -> RuleSet {
    RuleSet::from_yaml(&shipped_rule_files(), &specs(), &roster()).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn labels(ls: &[&str]) -> BTreeSet<LabelName> {
    ls.iter().map(|l| LabelName((*l).to_owned())).collect()
}

pub fn issue(created: &str) -> Issue {
    Issue {
        project_id: ProjectId(1),
        id: IssueId(1001),
        iid: IssueIid(7),
        title: "Request".to_owned(),
        description: String::new(),
        state: IssueState::Opened,
        labels: BTreeSet::new(),
        assignees: Vec::new(),
        author: Some(UserRef {
            id: UserId(51),
            username: Username("sam.seller".to_owned()),
        }),
        created_at: at(created),
        updated_at: at(created),
        due_date: None,
        confidential: false,
        web_url: String::new(),
        owned_note_keys: BTreeSet::new(),
        managed_due_date: None,
        waiting: Default::default(),
        user_notes_count: None,
        last_human_activity_at: None,
        work_item_type: None,
        closed_at: None,
    }
}

pub fn user(name: &str) -> UserRef {
    UserRef {
        id: UserId(99),
        username: Username(name.to_owned()),
    }
}

/// Field values: `("event_date", "2027-03-10")` → a date when it parses as one, a number when
/// it parses as one, `[a|b]` → a choice, `true`/`false` → a boolean, else text.
pub fn fields(pairs: &[(&str, &str)]) -> ParsedFields {
    let mut values = BTreeMap::new();
    for (k, v) in pairs {
        let value = if let Ok(date) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            FieldValue::Date(date)
        } else if let Some(inner) = v.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            FieldValue::Choice(inner.split('|').map(str::to_owned).collect())
        } else if let Ok(n) = v.parse::<f64>() {
            FieldValue::Number(n)
        } else if *v == "true" || *v == "false" {
            FieldValue::Boolean(*v == "true")
        } else {
            FieldValue::Text((*v).to_owned())
        };
        values.insert((*k).to_owned(), value);
    }
    ParsedFields {
        values,
        errors: Vec::new(),
    }
}

pub fn with_errors(mut f: ParsedFields, errs: &[(&str, &str)]) -> ParsedFields {
    f.errors = errs
        .iter()
        .map(|(field, message)| FieldError {
            field: (*field).to_owned(),
            message: (*message).to_owned(),
            required: true,
        })
        .collect();
    f
}

pub fn eval(rules: &RuleSet, issue: &Issue, template: &str, f: &ParsedFields, now: &str) -> Plan {
    let s = spec(template);
    evaluate(
        rules,
        issue,
        Some(&s),
        f,
        at(now),
        &calendar(),
        &roster(),
        &Workload::default(),
    )
}

pub fn names(plan: &Plan) -> Vec<&str> {
    plan.matched_rules.iter().map(|m| m.name.as_str()).collect()
}

pub fn added(plan: &Plan) -> Vec<&str> {
    plan.add_labels.iter().map(LabelName::as_str).collect()
}

pub fn removed(plan: &Plan) -> Vec<&str> {
    plan.remove_labels.iter().map(LabelName::as_str).collect()
}

pub fn note<'p>(plan: &'p Plan, key: &str) -> Option<&'p str> {
    plan.notes
        .iter()
        .find(|n| n.key == key)
        .map(|n| n.body.as_str())
}
