//! Strict loading of rule files: every mistake is reported at `file:line:col` with the closest
//! valid name and a hint; the shipped rules load cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::rules as rules_support;

use rules_support::*;
use steward_core::rules::RuleSet;

fn errors(yaml: &str) -> Vec<String> {
    match RuleSet::from_yaml(
        &[("rules/t.yaml".to_owned(), yaml.to_owned())],
        &specs(),
        &roster(),
    ) {
        Ok(_) => panic!("loaded:\n{yaml}"),
        Err(es) => es.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn shipped_rules_load_and_name_every_label_they_may_add() {
    let rules = shipped();
    assert!(rules.rules().len() >= 25);
    let labels: Vec<String> = rules
        .labels_added()
        .iter()
        .map(ToString::to_string)
        .collect();
    for l in [
        "Customer Advocacy",
        "advocacy-status::triage",
        "advocacy::needs-info",
        "lead-time::violated",
        "earnings::first-order",
        "earnings::growth",
        "reference::written-approval-missing",
        "priority::1",
        "priority::2",
        "priority::3",
        "eab::below-vp",
    ] {
        assert!(labels.iter().any(|x| x == l), "{l} missing from {labels:?}");
    }
    for p in [
        "speaker",
        "press",
        "story",
        "earnings",
        "reference",
        "analyst",
        "eab",
        "contest",
    ] {
        let l = format!("advocacy-program::{p}");
        assert!(labels.contains(&l), "{l}");
    }
}

#[test]
fn configuration_mistakes_are_located_and_explained() {
    // (yaml, expected location prefix, expected text)
    let cases = [
        (
            "rules:\n  - name: a\n    conditions:\n      forbiden_labels: [x]\n",
            "rules/t.yaml:4:",
            "unknown key `forbiden_labels`: did you mean `forbidden_labels`?",
        ),
        (
            "rules:\n  - name: a\n    actoins: {}\n",
            "rules/t.yaml:3:",
            "did you mean `actions`?",
        ),
        (
            "rules:\n  - name: a\n    conditions: { template: customer-speaker-requests }\n",
            "rules/t.yaml:3:",
            "unknown template `customer-speaker-requests`: did you mean `customer-speaker-request`?",
        ),
        (
            "rules:\n  - name: a\n    conditions:\n      template: customer-speaker-request\n      fields:\n        event_dat: { present: true }\n",
            "rules/t.yaml:6:",
            "has no field `event_dat`: did you mean `event_date`?",
        ),
        (
            "rules:\n  - name: a\n    actions:\n      assign: { role: speaker-dir }\n",
            "rules/t.yaml:4:",
            "unknown role `speaker-dir`: did you mean `speaker-dri`?",
        ),
        (
            "rules:\n  - name: a\n    actions:\n      comment: { key: k, body: \"hi {{autor}}\" }\n",
            "rules/t.yaml:4:",
            "unknown placeholder `{{autor}}`: did you mean `author`?",
        ),
        (
            "rules:\n  - name: a\n    conditions: { template: customer-speaker-request }\n    actions:\n      comment: { key: k, body: \"{{field.event}}\" }\n",
            "rules/t.yaml:5:",
            "has no field `event`",
        ),
        (
            "rules:\n  - name: a\n    actions:\n      comment: { key: k, body: \"{{lead_time.actual_days}}\" }\n",
            "rules/t.yaml:4:",
            "needs a `check: lead_time`",
        ),
        (
            "rules:\n  - name: a\n    conditions:\n      template: customer-speaker-request\n      fields:\n        event_name: { regex: \"(unclosed\" }\n",
            "rules/t.yaml:6:",
            "invalid regex",
        ),
        (
            "rules:\n  - name: a\n    conditions:\n      template: customer-story-idea\n      fields:\n        account_size: { equals: Enterprise }\n",
            "rules/t.yaml:6:",
            "`Enterprise` is not an option of field `account_size`",
        ),
        (
            "rules:\n  - name: a\n    conditions:\n      template: customer-story-idea\n      fields:\n        account_size: { gt: 3 }\n",
            "rules/t.yaml:6:",
            "`gt` needs a number field",
        ),
        (
            "rules:\n  - name: a\n    conditions: { template: customer-press-request }\n    check:\n      lead_time: { field: outlet, minimum: 30 }\n",
            "rules/t.yaml:5:",
            "needs a date field",
        ),
        (
            "rules:\n  - name: a\n    conditions: { state: open }\n",
            "rules/t.yaml:3:",
            "unknown value `open`: did you mean `opened`?",
        ),
        (
            "rules:\n  - name: a\n  - name: a\n",
            "rules/t.yaml:3:",
            "rule `a` is defined twice",
        ),
        (
            "rules:\n  - name: a\n    actions: { labels: [\"status::*\"] }\n",
            "rules/t.yaml:3:",
            "cannot add the wildcard",
        ),
        (
            "rules:\n  - name: a\n    actions:\n      due_date: { from: field.event_date }\n",
            "rules/t.yaml:4:",
            "needs the rule to name one `template`",
        ),
        (
            "rules:\n  - name: a\n    conditions: { template: customer-reference-approval }\n    actions:\n      due_date: { from: expiry, offset: 10, unit: business_days }\n",
            "rules/t.yaml:5:",
            "a due date `from: expiry` needs the rule's own `expiry` condition",
        ),
        (
            "rules:\n  - name: a\n    actions:\n      comment: { key: k, body: hi }\n      escalate: { role: advocacy-leed, ask: please help. }\n",
            "rules/t.yaml:5:",
            "unknown role `advocacy-leed`: did you mean `advocacy-lead`?",
        ),
        (
            "rules:\n  - name: a\n    actions:\n      escalate: { role: advocacy-lead, ask: please help. }\n",
            "rules/t.yaml:4:",
            "`escalate` needs a `comment` to put the escalation in",
        ),
        (
            "rules:\n  - name: a\n    otherwise:\n      comment: { key: k, body: hi }\n      escalate: { role: advocacy-lead, ask: please help. }\n",
            "rules/t.yaml:",
            "`otherwise` can only change labels and update comments",
        ),
    ];
    for (yaml, at, text) in cases {
        let errs = errors(yaml);
        assert!(
            errs.iter().any(|e| e.starts_with(at) && e.contains(text)),
            "expected `{at}… {text}` in {errs:#?}"
        );
    }
}

#[test]
fn every_error_in_a_file_is_reported_not_just_the_first() {
    let yaml = "rules:\n  - name: a\n    conditions: { template: nope }\n    actions:\n      assign: { role: nobody }\n      mention: [ghost]\n      comment: { key: k, body: hi }\n";
    let errs = errors(yaml);
    assert_eq!(errs.len(), 3, "{errs:#?}");
}

#[test]
fn a_bad_placeholder_in_a_block_comment_is_reported_on_its_own_line() {
    let yaml = "rules:\n  - name: a\n    actions:\n      comment:\n        key: k\n        body: |\n          Hello\n          {{autor}} there\n";
    let errs = errors(yaml);
    assert!(errs[0].starts_with("rules/t.yaml:8:"), "{errs:?}");
}
