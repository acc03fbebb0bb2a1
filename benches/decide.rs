//! Issues per second through recognise + parse + evaluate with the shipped templates and rules,
//! on the realistic filled-in requests in `tests/data/requests/`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::Path;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use steward_core::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, ProjectId, UserId, UserRef, Username,
};
use steward_core::rules::{Engine, Workload};

fn issues(root: &Path) -> Vec<Issue> {
    let created: DateTime<Utc> = "2027-01-14T15:00:00Z".parse().unwrap();
    let mut paths: Vec<_> = std::fs::read_dir(root.join("tests/data/requests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no requests in tests/data/requests");
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = p.file_name().unwrap().to_str().unwrap();
            let template = name.split("--").next().unwrap_or_default();
            // Half carry their intake label (quick action applied), half rely on the text.
            let labels: BTreeSet<LabelName> = if i % 2 == 0 {
                let program = match template {
                    "customer-speaker-request" => "speaker",
                    "customer-press-request" => "press",
                    "customer-story-idea" => "story",
                    "earnings-customer-reference" => "earnings",
                    "customer-reference-approval" => "reference",
                    "analyst-participation-request" => "analyst",
                    "eab-nomination" => "eab",
                    _ => "contest",
                };
                [
                    LabelName(format!("advocacy-program::{program}")),
                    LabelName::from("Customer Advocacy"),
                ]
                .into_iter()
                .collect()
            } else {
                BTreeSet::new()
            };
            Issue {
                project_id: ProjectId(1),
                id: IssueId(1000 + i as u64),
                iid: IssueIid(i as u64 + 1),
                title: name.to_owned(),
                description: std::fs::read_to_string(p).unwrap(),
                state: IssueState::Opened,
                labels,
                assignees: Vec::new(),
                author: Some(UserRef {
                    id: UserId(7),
                    username: Username::from("sam.seller"),
                }),
                created_at: created,
                updated_at: created,
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
        })
        .collect()
}

fn decide(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine =
        Engine::load(&root.join("rules"), &root.join("issue_templates")).unwrap_or_else(|e| {
            panic!(
                "{}",
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    let batch = issues(root);
    let now: DateTime<Utc> = "2027-01-15T09:00:00Z".parse().unwrap();
    let workload = Workload::default();
    let mut group = c.benchmark_group("decide");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("shipped_rules_realistic_requests", |b| {
        b.iter(|| {
            for issue in &batch {
                black_box(engine.decide(black_box(issue), now, &workload));
            }
        })
    });
    // The two halves, to see where the time goes.
    let opts = steward_core::templates::ParseOptions::default();
    group.bench_function("recognise_and_parse_only", |b| {
        b.iter(|| {
            for issue in &batch {
                let r = engine
                    .templates()
                    .recognise(&issue.description, &issue.labels);
                if let Some(spec) = r.template().and_then(|t| engine.templates().get(t)) {
                    black_box(steward_core::templates::parse_fields(
                        spec,
                        &issue.description,
                        &opts,
                    ));
                }
            }
        })
    });
    let parsed: Vec<_> = batch
        .iter()
        .map(|issue| {
            let r = engine
                .templates()
                .recognise(&issue.description, &issue.labels);
            let spec = r
                .template()
                .and_then(|t| engine.templates().get(t))
                .cloned();
            let fields = spec
                .as_ref()
                .map(|s| steward_core::templates::parse_fields(s, &issue.description, &opts))
                .unwrap_or_default();
            (spec, fields)
        })
        .collect();
    group.bench_function("evaluate_only", |b| {
        b.iter(|| {
            for (issue, (spec, fields)) in batch.iter().zip(&parsed) {
                black_box(steward_core::rules::evaluate(
                    engine.rules(),
                    issue,
                    spec.as_ref(),
                    fields,
                    now,
                    engine.calendar(),
                    engine.roster(),
                    &workload,
                ));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
