//! `backtest` on the simulator: a team lowering the speaker lead time from 60 to 45 days sees
//! exactly which past requests would not have been flagged, what would change on them now, and
//! nothing is written to GitLab or the store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use steward::backtest::{Aspect, ChangedIssue, Moment, Options, Progress, backtest};
use steward::harness::{Harness, HarnessOptions};
use steward::store::AuditFilter;
use steward_core::loader::Files;
use steward_core::model::IssueIid;
use steward_core::rules::Engine;
use steward_sim::NewIssue;

const SPEAKER: &str = include_str!("../data/requests/customer-speaker-request--clean.md");

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The shipped `files` with `edits` (file, from, to) made; each `from` must be found.
fn edited(
    files: &[(&'static str, &'static str)],
    edits: &[(&str, &str, &str)],
) -> Vec<(&'static str, String)> {
    for (file, from, _) in edits {
        let text = files.iter().find(|(n, _)| n == file).unwrap().1;
        assert!(text.contains(from), "`{from}` is not in the shipped {file}");
    }
    files
        .iter()
        .map(|(name, text)| {
            let text = edits
                .iter()
                .filter(|(file, _, _)| file == name)
                .fold((*text).to_owned(), |t, (_, from, to)| t.replace(from, to));
            (*name, text)
        })
        .collect()
}

/// The shipped rules and templates with `rules` and `templates` edits made.
pub fn shipped_with(
    rules: &[(&str, &str, &str)],
    templates: &[(&str, &str, &str)],
) -> (Files, Files) {
    let rules = edited(steward::shipped::RULES, rules);
    let templates = edited(steward::shipped::TEMPLATES, templates);
    let r: Vec<(&str, &str)> = rules.iter().map(|(n, s)| (*n, s.as_str())).collect();
    let t: Vec<(&str, &str)> = templates.iter().map(|(n, s)| (*n, s.as_str())).collect();
    (
        Files::memory("candidate/rules", &r),
        Files::memory("candidate/issue_templates", &t),
    )
}

/// The shipped rules and templates with the speaker lead time set to `days` (the rule and what
/// the template tells requesters, which must agree).
pub fn speaker_lead_time(days: u32) -> (Files, Files) {
    let minimum = format!("minimum: {days},");
    let (in_days, day) = (format!("{days} days"), format!("{days}-day"));
    let template = "customer-speaker-request.md";
    shipped_with(
        &[("speaker.yaml", "minimum: 60,", &minimum)],
        &[(template, "60 days", &in_days), (template, "60-day", &day)],
    )
}

/// A speaker request for an event on `event`.
pub fn request(event: NaiveDate) -> String {
    SPEAKER.replace("2027-04-21", &event.to_string())
}

/// Files a speaker request at `filed` (15:00 UTC) for an event `lead` days later and lets
/// Steward handle it as it would have then.
pub async fn file(
    h: &Harness,
    filed: &str,
    lead: i64,
    title: &str,
    confidential: bool,
) -> IssueIid {
    let when = at(&format!("{filed}T15:00:00Z"));
    h.set_now(when);
    let event = when.date_naive() + Duration::days(lead);
    let iid = h
        .sim
        .create_issue(
            h.project(),
            h.user("asales").unwrap(),
            NewIssue {
                title: title.to_owned(),
                description: request(event),
                confidential,
                ..NewIssue::default()
            },
        )
        .unwrap();
    h.settle().await.unwrap();
    iid
}

fn find(changed: &[ChangedIssue], iid: IssueIid) -> &ChangedIssue {
    changed
        .iter()
        .find(|c| c.iid == iid)
        .unwrap_or_else(|| panic!("#{iid} is not reported: {changed:#?}"))
}

fn diff(c: &ChangedIssue, moment: Moment, what: Aspect) -> Option<(&[String], &[String])> {
    c.differences
        .iter()
        .find(|d| d.moment == moment && d.what == what)
        .map(|d| (d.current.as_slice(), d.candidate.as_slice()))
}

#[tokio::test]
async fn lowering_the_speaker_lead_time_to_45_days_reports_exactly_the_requests_filed_45_to_59_days_ahead()
 {
    let h = Harness::start(HarnessOptions::shipped(at("2026-09-01T15:00:00Z")))
        .await
        .unwrap();
    let very_late = file(&h, "2026-09-10", 30, "Speaker for a close event", false).await;
    let late_50 = file(&h, "2026-09-20", 50, "Speaker @all /close", false).await;
    let late_59 = file(&h, "2026-10-05", 59, "Speaker just short", false).await;
    let on_time = file(&h, "2026-10-15", 60, "Speaker exactly on time", false).await;
    let early = file(&h, "2026-10-25", 90, "Speaker well ahead", false).await;
    let secret = file(&h, "2026-11-02", 52, "Secret customer speaker", true).await;
    // Before the period: never read.
    let before = file(&h, "2026-08-01", 50, "Speaker long ago", false).await;
    let now = at("2026-12-02T15:00:00Z");
    h.set_now(now);
    h.sim.reset_counters();
    let audit_before = h
        .state
        .store
        .count_audit(&AuditFilter::default())
        .await
        .unwrap();
    let jobs_before = h.state.store.list_jobs(None, 1000).await.unwrap().len();

    let (rules, templates) = speaker_lead_time(45);
    let candidate = Arc::new(Engine::load_from(&rules, &templates).unwrap());
    let opts = Options {
        projects: vec![h.project()],
        since: now - Duration::days(90),
    };
    let mut seen = Vec::new();
    let mut progress = |p: Progress| seen.push(p.issues);
    let report = backtest(&h.state.job_deps().sync, candidate, &opts, &mut progress)
        .await
        .unwrap();

    assert_eq!(
        report.issues, 6,
        "the request filed before the period is not read"
    );
    assert_eq!(seen.last(), Some(&6), "progress reports the issues read");
    let flagged: Vec<IssueIid> = report
        .changed
        .iter()
        .filter(|c| diff(c, Moment::Creation, Aspect::LeadTime).is_some())
        .map(|c| c.iid)
        .collect();
    assert_eq!(flagged, vec![late_50, late_59, secret], "{report:#?}");
    for iid in [late_50, late_59, secret] {
        let c = find(&report.changed, iid);
        let lead = ["speaker-lead-time".to_owned()];
        assert_eq!(
            diff(c, Moment::Creation, Aspect::LeadTime),
            Some((&lead[..], &[][..]))
        );
        let label = ["+lead-time::violated".to_owned()];
        assert_eq!(
            diff(c, Moment::Creation, Aspect::Labels),
            Some((&label[..], &[][..]))
        );
        // Filed on time, it would have had the acknowledgement instead of the lead-time note.
        let comment = ["speaker-lead-time".to_owned()];
        let ack = ["acknowledgement".to_owned()];
        assert_eq!(
            diff(c, Moment::Creation, Aspect::Comments),
            Some((&comment[..], &ack[..]))
        );
        // Today the label is on the issue: the candidate rules would take it off and update
        // the comment to say the request meets the lead time.
        assert_eq!(
            diff(c, Moment::Now, Aspect::LeadTime),
            Some((&lead[..], &[][..]))
        );
        let off = ["-lead-time::violated".to_owned()];
        assert_eq!(
            diff(c, Moment::Now, Aspect::Labels),
            Some((&[][..], &off[..]))
        );
        let edit = ["speaker-lead-time (edit)".to_owned()];
        assert_eq!(
            diff(c, Moment::Now, Aspect::Comments),
            Some((&[][..], &edit[..]))
        );
    }
    // Flagged under both: only the comment's wording (it quotes the lead time) would change.
    let c = find(&report.changed, very_late);
    let kinds: Vec<(Moment, Aspect)> = c.differences.iter().map(|d| (d.moment, d.what)).collect();
    assert_eq!(kinds, vec![(Moment::Now, Aspect::Comments)], "{c:#?}");
    for iid in [on_time, early, before] {
        assert!(
            report.changed.iter().all(|c| c.iid != iid),
            "#{iid}: {report:#?}"
        );
    }
    assert_documented_shape(&steward::backtest::render_json(&report, Some(1)).unwrap());
    // Requester text is inert; a confidential issue shows no title.
    assert_eq!(
        find(&report.changed, late_50).title.as_deref(),
        Some("`Speaker @all /close`")
    );
    assert_eq!(find(&report.changed, secret).title, None);
    let text = steward::backtest::render_text(&report, None);
    assert!(!text.contains("Secret customer"), "{text}");
    assert!(
        text.contains(&format!("{}#{}", h.project(), late_59)),
        "{text}"
    );

    assert_eq!(h.sim.counters().writes, 0, "nothing is written to GitLab");
    assert!(h.sim.write_log().is_empty(), "{:?}", h.sim.write_log());
    let audit_after = h
        .state
        .store
        .count_audit(&AuditFilter::default())
        .await
        .unwrap();
    assert_eq!(
        audit_after, audit_before,
        "nothing is written to the audit log"
    );
    let jobs_after = h.state.store.list_jobs(None, 1000).await.unwrap().len();
    assert_eq!(jobs_after, jobs_before, "no job is enqueued");
    h.stop().await;
}

/// The object keys at every level, arrays looked into (`changed[].differences[].what`).
fn keys(v: &serde_json::Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{at}.{k}");
                out.insert(path.clone());
                keys(v, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                keys(item, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// The JSON report has exactly the fields of the example in docs/operations.md.
fn assert_documented_shape(json: &str) {
    let docs = include_str!("../../docs/operations.md");
    let (_, after) = docs.split_once("**JSON** (`--format json`").unwrap();
    let (_, block) = after.split_once("```json\n").unwrap();
    let (example, _) = block.split_once("```").unwrap();
    let example: serde_json::Value = serde_json::from_str(example).unwrap();
    let actual: serde_json::Value = serde_json::from_str(json).unwrap();
    let (mut documented, mut produced) = (Default::default(), Default::default());
    keys(&example, "", &mut documented);
    keys(&actual, "", &mut produced);
    assert_eq!(
        produced, documented,
        "the JSON differs from docs/operations.md's example"
    );
    assert_eq!(actual["version"], steward::backtest::JSON_VERSION);
}
