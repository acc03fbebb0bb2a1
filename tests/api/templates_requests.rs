#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every realistic filled-in request in `tests/data/requests/` is recognised and parsed to the
//! exact values a requester meant, and the broken ones produce the errors a requester needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use steward_core::model::{FieldValue, LabelName, TemplateName, Username};
use steward_core::templates::{
    DateOrder, ParseOptions, RecognisedBy, Recognition, TemplateSet, parse_fields,
};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> TemplateSet {
    TemplateSet::load_dir(&root().join("issue_templates")).unwrap()
}

fn request(name: &str) -> String {
    std::fs::read_to_string(
        root()
            .join("tests/data/requests")
            .join(format!("{name}.md")),
    )
    .unwrap()
}

fn t(s: &str) -> FieldValue {
    FieldValue::Text(s.to_owned())
}
fn d(s: &str) -> FieldValue {
    FieldValue::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}
fn n(v: f64) -> FieldValue {
    FieldValue::Number(v)
}
fn u(s: &str) -> FieldValue {
    FieldValue::Url(s.to_owned())
}
fn who(s: &str) -> FieldValue {
    FieldValue::Username(Username::from(s))
}
fn c(options: &[&str]) -> FieldValue {
    FieldValue::Choice(options.iter().map(|s| (*s).to_owned()).collect())
}
fn b(v: bool) -> FieldValue {
    FieldValue::Boolean(v)
}

struct Case {
    file: &'static str,
    by: RecognisedBy,
    values: Vec<(&'static str, FieldValue)>,
    /// (field label, start of the message)
    errors: Vec<(&'static str, &'static str)>,
}

fn fl(matched: usize, total: usize) -> RecognisedBy {
    RecognisedBy::FieldLabels { matched, total }
}

fn cases() -> Vec<Case> {
    use RecognisedBy::Marker;
    vec![
        Case {
            file: "customer-speaker-request--clean",
            by: Marker,
            values: vec![
                ("customer_account", t("Northwind Logistics")),
                ("account_owner", who("mgarcia")),
                (
                    "preferred_speaker",
                    t("Priya Raman, VP Platform Engineering"),
                ),
                ("event_name", t("GitLab DevSecOps World Tour Chicago")),
                ("event_date", d("2027-04-21")),
                ("location", t("Chicago, IL, USA")),
                (
                    "event_url",
                    u("https://about.gitlab.com/events/devsecops-world-tour/chicago/"),
                ),
                ("event_type", c(&["GitLab hosted"])),
                ("format", c(&["In person"])),
                ("session_type", c(&["Panel discussion"])),
                ("audience_size", n(350.0)),
                (
                    "topic",
                    t(
                        "How Northwind consolidated six CI tools onto GitLab and cut release lead time from weeks to days.",
                    ),
                ),
                (
                    "links",
                    t("Run of show: https://docs.example.com/wt-chicago-ros"),
                ),
            ],
            errors: vec![],
        },
        Case {
            file: "customer-speaker-request--messy",
            by: fl(12, 13),
            values: vec![
                ("customer_account", t("Helios Health")),
                ("account_owner", who("jpark")),
                ("event_name", t("KubeCon + CloudNativeCon Europe 2027")),
                ("event_date", d("2027-03-23")),
                ("location", t("Amsterdam, Netherlands")),
                (
                    "event_url",
                    u("https://events.linuxfoundation.org/kubecon-cloudnativecon-europe/"),
                ),
                ("event_type", c(&["GitLab sponsored"])),
                ("format", c(&["Hybrid"])),
                ("session_type", c(&["Breakout session"])),
                ("audience_size", n(1200.0)),
            ],
            errors: vec![],
        },
        Case {
            file: "customer-speaker-request--late-and-broken",
            by: Marker,
            values: vec![
                ("customer_account", t("Contoso Bank")),
                ("event_name", t("FinTech DevOps Forum")),
                ("location", t("London")),
                ("session_type", c(&["Fireside chat"])),
            ],
            errors: vec![
                (
                    "Account owner",
                    "found `Dana Whitfield`, expected a GitLab username like `@jdoe`",
                ),
                (
                    "Event date",
                    "found `next spring`, expected a date like 2027-03-10",
                ),
                (
                    "Event URL",
                    "found `www.fintechdevopsforum.example`, expected a link starting with https://",
                ),
                (
                    "Event type",
                    "not filled in, expected one of: GitLab hosted, GitLab sponsored, Third party",
                ),
                (
                    "Format",
                    "found 2 ticked (`In person`, `Virtual`), expected exactly one of",
                ),
            ],
        },
        Case {
            file: "customer-press-request--clean",
            by: Marker,
            values: vec![
                ("customer_account", t("Aperture Financial")),
                ("account_owner", who("tnguyen")),
                ("spokesperson", t("Elena Vasquez, CTO")),
                ("outlet", t("The Wall Street Journal (CIO Journal)")),
                ("deadline", d("2027-02-15")),
                ("press_type", c(&["Media interview"])),
                ("contact", t("Sara Castellanos, CIO Journal")),
                (
                    "angle",
                    t("How a regulated bank ships software daily without losing its audit trail."),
                ),
            ],
            errors: vec![],
        },
        Case {
            file: "customer-press-request--messy",
            by: fl(7, 12),
            values: vec![
                ("customer_account", t("Orbital Freight")),
                ("account_owner", who("lbrennan")),
                ("outlet", t("TechCrunch")),
                ("deadline", d("2027-01-08")),
                ("press_type", c(&["Press release quote"])),
                (
                    "angle",
                    t(
                        "Orbital moved 2,000 engineers to GitLab Ultimate in one quarter. Quote for the Q4 customer momentum release.",
                    ),
                ),
                ("embargo_date", d("2027-01-12")),
            ],
            errors: vec![],
        },
        Case {
            file: "customer-story-idea--clean",
            by: Marker,
            values: vec![
                ("customer_account", t("Contoso Bank")),
                ("account_owner", who("rkowalski")),
                ("industry", t("Financial services")),
                ("region", c(&["EMEA"])),
                ("account_size", c(&["ENT"])),
                ("license_tier", c(&["Ultimate"])),
                ("user_count", n(4800.0)),
                (
                    "use_cases",
                    c(&["CI/CD", "Security and compliance", "Platform consolidation"]),
                ),
                (
                    "summary",
                    t(
                        "Contoso replaced a Jenkins, SonarQube and Jira toolchain with GitLab Ultimate across 60 teams.\nSecurity scans now run on every merge request and audit evidence is generated automatically.",
                    ),
                ),
                (
                    "results",
                    t(
                        "Release frequency up from monthly to weekly; audit prep down from 6 weeks to 4 days.",
                    ),
                ),
                ("story_format", c(&["Case study", "Video"])),
                ("customer_willing", b(true)),
                (
                    "links",
                    t("https://example.my.salesforce.com/0065e00000AbCdE"),
                ),
            ],
            errors: vec![],
        },
        Case {
            file: "customer-story-idea--messy",
            by: fl(8, 13),
            values: vec![
                ("customer_account", t("Lumen Robotics")),
                ("account_owner", who("akim")),
                ("account_size", c(&["MM"])),
                ("license_tier", c(&["Premium"])),
                ("user_count", n(1500.0)),
                ("use_cases", c(&["CI/CD", "AI-assisted development"])),
                (
                    "summary",
                    t(
                        "Small robotics firm that standardised on GitLab for firmware builds.\nThey now build for 14 hardware targets from one pipeline.",
                    ),
                ),
                ("customer_willing", b(true)),
            ],
            errors: vec![],
        },
        Case {
            file: "earnings-customer-reference--clean",
            by: Marker,
            values: vec![
                ("customer_account", t("Meridian Air")),
                ("account_owner", who("dokafor")),
                ("segment", c(&["ENT"])),
                ("category", c(&["Growth"])),
                ("quarter", t("FY27-Q2")),
                ("close_date", d("2026-07-30")),
                ("seats", n(3500.0)),
                (
                    "success_story",
                    t(
                        "Expanded from 1,200 to 4,700 Ultimate seats after cutting pipeline time by 62%.",
                    ),
                ),
                ("customer_approved", b(true)),
            ],
            errors: vec![],
        },
        Case {
            file: "earnings-customer-reference--messy",
            by: fl(8, 11),
            values: vec![
                ("customer_account", t("Vantage Retail Group")),
                ("account_owner", who("hsato")),
                ("segment", c(&["MM"])),
                ("category", c(&["First Order"])),
                ("quarter", t("FY27-Q3")),
                ("close_date", d("2026-09-14")),
                ("seats", n(800.0)),
                ("customer_approved", b(true)),
            ],
            errors: vec![],
        },
        Case {
            file: "customer-reference-approval--clean",
            by: Marker,
            values: vec![
                ("customer_account", t("Northwind Logistics")),
                ("account_owner", who("mgarcia")),
                (
                    "usage_type",
                    c(&["Logo on website", "Logo in sales materials"]),
                ),
                ("publish_date", d("2027-01-12")),
                (
                    "placement",
                    t("about.gitlab.com/customers logo wall and the FY28 enterprise pitch deck"),
                ),
                ("approval_source", c(&["Contract / order form"])),
                (
                    "approval_link",
                    u("https://example.my.salesforce.com/0685e00000XyZ12"),
                ),
                ("approver", t("Marcus Lee, Director of Procurement")),
            ],
            errors: vec![],
        },
        Case {
            file: "customer-reference-approval--no-approval-yet",
            by: Marker,
            values: vec![
                ("customer_account", t("Helios Health")),
                ("account_owner", who("jpark")),
                ("usage_type", c(&["Logo on website", "Customer quote"])),
                ("publish_date", d("2026-12-01")),
                ("approval_source", c(&["None yet"])),
            ],
            errors: vec![],
        },
        Case {
            file: "analyst-participation-request--clean",
            by: Marker,
            values: vec![
                ("firm", c(&["Gartner"])),
                ("report", t("Magic Quadrant for DevOps Platforms 2027")),
                ("participation_type", c(&["Reference survey"])),
                ("deadline", d("2027-03-05")),
                ("customers_needed", n(6.0)),
                (
                    "criteria",
                    t(
                        "ENT accounts on Ultimate for 12+ months, at least two outside North America.",
                    ),
                ),
                ("links", t("https://docs.example.com/ar/mq-2027-survey")),
            ],
            errors: vec![],
        },
        Case {
            file: "analyst-participation-request--messy",
            by: fl(7, 9),
            values: vec![
                ("firm", c(&["Forrester"])),
                ("report", t("The Forrester Wave: DevOps Platforms, Q2 2027")),
                ("participation_type", c(&["Analyst interview"])),
                ("deadline", d("2027-01-15")),
                ("customer_account", t("Contoso Bank")),
                ("account_owner", who("rkowalski")),
            ],
            errors: vec![(
                "Customers needed",
                "found `three`, expected a number like 1,500",
            )],
        },
        Case {
            file: "eab-nomination--clean",
            by: Marker,
            values: vec![
                ("executive_name", t("Priya Raman")),
                ("executive_title", t("VP Platform Engineering")),
                ("executive_level", c(&["VP"])),
                ("company", t("Northwind Logistics")),
                (
                    "linkedin_url",
                    u("https://www.linkedin.com/in/priya-raman-example"),
                ),
                ("account_owner", who("mgarcia")),
                ("cohort", t("FY28")),
                (
                    "rationale",
                    t(
                        "Leads a 900-person platform org through a cloud migration; spoke at our Chicago World Tour and\nwants to influence the roadmap for compliance pipelines.",
                    ),
                ),
                ("approached", b(false)),
            ],
            errors: vec![],
        },
        Case {
            file: "eab-nomination--director",
            by: fl(7, 9),
            values: vec![
                ("executive_name", t("Tom Becker")),
                ("executive_title", t("Director, Developer Experience")),
                ("executive_level", c(&["Director or below"])),
                ("company", t("Vantage Retail Group")),
                ("account_owner", who("hsato")),
                (
                    "rationale",
                    t("Strong champion, drove the Premium to Ultimate upgrade."),
                ),
                ("approached", b(false)),
            ],
            errors: vec![],
        },
        Case {
            file: "reference-contest-entry--clean",
            by: Marker,
            values: vec![
                ("customer_account", t("Orbital Freight")),
                ("account_owner", who("lbrennan")),
                ("quarter", t("FY27-Q4")),
                ("reference_type", c(&["Name and logo", "Customer quote"])),
                ("agreement_evidence", c(&["Email"])),
                ("agreement_date", d("2026-11-18")),
                (
                    "evidence_link",
                    u("https://example.my.salesforce.com/00T5e00000Em41L"),
                ),
            ],
            errors: vec![],
        },
        Case {
            file: "reference-contest-entry--missing-evidence",
            by: Marker,
            values: vec![
                ("customer_account", t("Lumen Robotics")),
                ("account_owner", who("akim")),
                ("quarter", t("FY27-Q4")),
                ("reference_type", c(&["Case study"])),
            ],
            errors: vec![
                (
                    "Agreement evidence",
                    "missing: add a \"Agreement evidence:\" line with one of: Contract / order form",
                ),
                (
                    "Agreement date",
                    "found `2026-02-30`, which is not a day on the calendar; expected a date like 2027-03-10",
                ),
            ],
        },
    ]
}

#[test]
fn every_realistic_request_is_recognised_and_parsed_to_the_values_the_requester_meant() {
    let set = shipped();
    let no_labels = BTreeSet::new();
    for case in cases() {
        let text = request(case.file);
        let template = TemplateName::from(case.file.split("--").next().unwrap());
        assert_eq!(
            set.recognise(&text, &no_labels),
            Recognition::Found {
                template: template.clone(),
                by: case.by
            },
            "{}",
            case.file
        );
        let spec = set.get(&template).unwrap();
        let parsed = parse_fields(spec, &text, &ParseOptions::default());
        let want: BTreeMap<String, FieldValue> = case
            .values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        assert_eq!(parsed.values, want, "{}", case.file);
        let got: Vec<(&str, &str)> = parsed
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(got.len(), case.errors.len(), "{}: {got:#?}", case.file);
        for ((gf, gm), (wf, wm)) in got.iter().zip(&case.errors) {
            assert_eq!(gf, wf, "{}", case.file);
            assert!(
                gm.starts_with(wm),
                "{}: {gf}: {gm:?} should start with {wm:?}",
                case.file
            );
        }
    }
}

#[test]
fn every_shipped_template_has_a_clean_and_a_messy_or_broken_request() {
    let set = shipped();
    let files: Vec<String> = std::fs::read_dir(root().join("tests/data/requests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let covered: BTreeSet<&str> = cases().iter().map(|c| c.file).collect();
    for f in &files {
        let stem = f.strip_suffix(".md").unwrap();
        let template = stem.split("--").next().unwrap();
        assert!(
            set.get(&TemplateName::from(template)).is_some(),
            "{f} names no template"
        );
        if !stem.ends_with("--day-first") {
            assert!(
                covered.contains(stem),
                "{f} has no expectations in this test"
            );
        }
    }
    for spec in set.iter() {
        let n = files
            .iter()
            .filter(|f| f.starts_with(&format!("{}--", spec.name)))
            .count();
        assert!(n >= 2, "{} has {n} example requests", spec.name);
    }
}

#[test]
fn day_first_option_reads_10_03_2027_as_the_tenth_of_march() {
    let set = shipped();
    let spec = set
        .get(&TemplateName::from("customer-speaker-request"))
        .unwrap();
    let text = request("customer-speaker-request--day-first");
    let day_first = parse_fields(
        spec,
        &text,
        &ParseOptions {
            date_order: DateOrder::DayFirst,
        },
    );
    assert_eq!(day_first.values["event_date"], d("2027-03-10"));
    assert!(day_first.errors.is_empty(), "{:?}", day_first.errors);
    assert_eq!(day_first.values["account_owner"], who("sophie.laurent"));
    let month_first = parse_fields(spec, &text, &ParseOptions::default());
    assert_eq!(month_first.values["event_date"], d("2027-10-03"));
}

#[test]
fn intake_label_recognises_a_request_whose_marker_was_deleted() {
    let set = shipped();
    let text = request("customer-press-request--messy");
    let labels: BTreeSet<LabelName> = ["Customer Advocacy", "advocacy-program::press"]
        .into_iter()
        .map(LabelName::from)
        .collect();
    assert_eq!(
        set.recognise(&text, &labels),
        Recognition::Found {
            template: TemplateName::from("customer-press-request"),
            by: RecognisedBy::IntakeLabel
        }
    );
}
