#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Recognition by each signal, ambiguity reported rather than guessed, plain issues left alone,
//! and bounded work on garbage.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use steward_core::model::{LabelName, TemplateName};
use steward_core::templates::{ParseOptions, RecognisedBy, Recognition, TemplateSet, parse_fields};

fn shipped() -> TemplateSet {
    TemplateSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("issue_templates")).unwrap()
}

fn labels(names: &[&str]) -> BTreeSet<LabelName> {
    names.iter().map(|n| LabelName::from(*n)).collect()
}

fn name(s: &str) -> TemplateName {
    TemplateName::from(s)
}

#[test]
fn each_signal_and_each_conflict_gives_the_documented_outcome() {
    let set = shipped();
    let speaker_marker = "<!-- steward:template=customer-speaker-request -->\n**Event name:** X\n";
    let two_markers = "<!-- steward:template=customer-speaker-request -->\n<!-- steward:template=customer-press-request -->\n";
    let cases: Vec<(&str, &str, Vec<&str>, Recognition)> = vec![
        (
            "marker alone",
            speaker_marker,
            vec![],
            Recognition::Found {
                template: name("customer-speaker-request"),
                by: RecognisedBy::Marker,
            },
        ),
        (
            "marker wins over a different intake label",
            speaker_marker,
            vec!["advocacy-program::press"],
            Recognition::Found {
                template: name("customer-speaker-request"),
                by: RecognisedBy::Marker,
            },
        ),
        (
            "the same marker twice is still one template",
            "<!-- steward:template=eab-nomination -->\n<!-- steward:template=eab-nomination -->",
            vec![],
            Recognition::Found {
                template: name("eab-nomination"),
                by: RecognisedBy::Marker,
            },
        ),
        (
            "two different markers",
            two_markers,
            vec!["advocacy-program::speaker"],
            Recognition::Ambiguous {
                candidates: vec![
                    name("customer-press-request"),
                    name("customer-speaker-request"),
                ],
                by: RecognisedBy::Marker,
            },
        ),
        (
            "a marker naming a retired template falls through to the intake label",
            "<!-- steward:template=customer-webinar-request -->",
            vec!["Customer Advocacy", "advocacy-program::eab"],
            Recognition::Found {
                template: name("eab-nomination"),
                by: RecognisedBy::IntakeLabel,
            },
        ),
        (
            "intake label without marker",
            "Please find a speaker for our event.",
            vec!["Customer Advocacy", "advocacy-program::story"],
            Recognition::Found {
                template: name("customer-story-idea"),
                by: RecognisedBy::IntakeLabel,
            },
        ),
        (
            "two intake labels",
            "",
            vec!["advocacy-program::story", "advocacy-program::earnings"],
            Recognition::Ambiguous {
                candidates: vec![
                    name("customer-story-idea"),
                    name("earnings-customer-reference"),
                ],
                by: RecognisedBy::IntakeLabel,
            },
        ),
        (
            "only the team label",
            "",
            vec!["Customer Advocacy"],
            Recognition::Unknown,
        ),
        (
            "a plain bug report sharing two common labels",
            "## Summary\nThe digest was posted twice.\n\nCustomer account: Contoso Bank\nAccount owner: @rkowalski\nLinks: https://gitlab.example.com/x\n\n## Steps to reproduce\n1. Run the sweep\n",
            vec!["bug"],
            Recognition::Unknown,
        ),
        ("an empty description", "", vec![], Recognition::Unknown),
    ];
    for (what, description, l, want) in cases {
        assert_eq!(set.recognise(description, &labels(&l)), want, "{what}");
    }
}

#[test]
fn labels_inside_html_comments_do_not_count_towards_recognition() {
    let set = shipped();
    let hidden = "<!--\n**Executive name:**\n**Executive title:**\n**Executive level:**\n**Company:**\n**Why this executive:**\n-->\nHello";
    assert_eq!(
        set.recognise(hidden, &BTreeSet::new()),
        Recognition::Unknown
    );
}

fn tiny(name: &str, intake: &str, labels: &[&str]) -> (PathBuf, String) {
    let mut text = format!("<!-- steward:template={name} intake=\"{intake}\" -->\n");
    for (i, l) in labels.iter().enumerate() {
        text.push_str(&format!(
            "**{l}:** <!-- steward:field key=f{i} type=text -->\n"
        ));
    }
    text.push_str(&format!("/label ~\"{intake}\"\n"));
    (PathBuf::from(format!("t/{name}.md")), text)
}

#[test]
fn a_tie_on_field_labels_is_ambiguous_and_a_clear_lead_is_found() {
    let set = TemplateSet::from_sources(&[
        tiny(
            "alpha",
            "p::a",
            &["Customer account", "Quarter", "Alpha only"],
        ),
        tiny(
            "beta",
            "p::b",
            &["Customer account", "Quarter", "Beta only"],
        ),
    ])
    .unwrap();
    let none = BTreeSet::new();
    assert_eq!(
        set.recognise("Customer account: X\nQuarter: FY27-Q1\n", &none),
        Recognition::Ambiguous {
            candidates: vec![name("alpha"), name("beta")],
            by: RecognisedBy::FieldLabels {
                matched: 2,
                total: 3
            },
        }
    );
    assert_eq!(
        set.recognise(
            "Customer account: X\nQuarter: FY27-Q1\nBeta only: y\n",
            &none
        ),
        Recognition::Found {
            template: name("beta"),
            by: RecognisedBy::FieldLabels {
                matched: 3,
                total: 3
            }
        }
    );
    // One shared label is not a meaningful share.
    assert_eq!(
        set.recognise("Customer account: X\n", &none),
        Recognition::Unknown
    );
}

/// Deterministic pseudo-random text mixing prose, Markdown, label-like lines, comment markers
/// and very long lines.
fn garbage(len: usize) -> String {
    let pieces = [
        "lorem ipsum ",
        "**",
        ":",
        "\n",
        "<!--",
        "-->",
        "- [x] ",
        "Event date:",
        "@@@",
        "2027-13-45 ",
        "1,5,0,0 ",
        "https:// ",
        "###",
        "\t",
        "steward:template=",
        "é漢",
        "[",
        "]",
        "(",
        ")",
    ];
    let mut out = String::with_capacity(len + 32);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let piece = pieces[(x % pieces.len() as u64) as usize];
        // Long runs without a newline now and then.
        if x.is_multiple_of(97) {
            out.push_str(&"x".repeat(20_000));
        }
        out.push_str(piece);
    }
    out
}

#[test]
fn a_one_megabyte_garbage_description_is_parsed_into_field_errors() {
    let set = shipped();
    let text = garbage(1 << 20);
    assert!(text.len() >= 1 << 20);
    assert_eq!(set.recognise(&text, &BTreeSet::new()), Recognition::Unknown);
    for spec in set.iter() {
        let parsed = parse_fields(spec, &text, &ParseOptions::default());
        assert!(!parsed.errors.is_empty(), "{}", spec.name);
        for e in &parsed.errors {
            assert!(
                e.message.len() < 400,
                "{}: message of {} bytes",
                spec.name,
                e.message.len()
            );
        }
    }
}

#[test]
fn a_huge_value_and_an_unclosed_comment_stay_bounded() {
    let set = shipped();
    let spec = set.get(&name("customer-speaker-request")).unwrap();
    let huge = format!("**Event date:** {}\n**Audience:**", "9".repeat(1 << 20));
    let parsed = parse_fields(spec, &huge, &ParseOptions::default());
    let err = parsed
        .errors
        .iter()
        .find(|e| e.field == "Event date")
        .unwrap();
    assert!(err.message.starts_with("found `9999"), "{}", err.message);
    assert!(err.message.len() < 200);

    let unclosed = format!("<!-- {}\n**Event name:** Hidden", "y".repeat(1 << 20));
    let parsed = parse_fields(spec, &unclosed, &ParseOptions::default());
    assert!(
        !parsed.values.contains_key("event_name"),
        "text inside an unclosed comment is hidden"
    );
}
