#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The shipped `issue_templates/` load cleanly, are recognised from their own text, and an
//! unfilled template is not a filled request.

use std::collections::BTreeSet;
use std::path::Path;

use steward_core::model::{FieldKind, TemplateName};
use steward_core::templates::{ParseOptions, RecognisedBy, Recognition, TemplateSet, parse_fields};

fn shipped() -> TemplateSet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("issue_templates");
    match TemplateSet::load_dir(&dir) {
        Ok(set) => set,
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("shipped templates do not load:\n{}", lines.join("\n"));
        }
    }
}

const PROGRAMS: [(&str, &str); 8] = [
    ("customer-speaker-request", "advocacy-program::speaker"),
    ("customer-press-request", "advocacy-program::press"),
    ("customer-story-idea", "advocacy-program::story"),
    ("earnings-customer-reference", "advocacy-program::earnings"),
    ("customer-reference-approval", "advocacy-program::reference"),
    ("analyst-participation-request", "advocacy-program::analyst"),
    ("eab-nomination", "advocacy-program::eab"),
    ("reference-contest-entry", "advocacy-program::contest"),
];

#[test]
fn every_program_of_the_design_table_ships_a_template_with_its_intake_label() {
    let set = shipped();
    assert_eq!(set.len(), PROGRAMS.len());
    for (name, intake) in PROGRAMS {
        let spec = set
            .get(&TemplateName::from(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(spec.intake_label.as_str(), intake, "{name}");
        let owner = spec
            .field("account_owner")
            .unwrap_or_else(|| panic!("{name} has no account owner"));
        assert_eq!(owner.kind, FieldKind::Username);
    }
    let intakes: Vec<String> = set.intake_labels().iter().map(|l| l.to_string()).collect();
    assert_eq!(intakes.len(), 8);
}

#[test]
fn an_unfilled_template_reports_every_required_field_as_not_filled_in() {
    let set = shipped();
    for spec in set.iter() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("issue_templates")
            .join(format!("{}.md", spec.name));
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = parse_fields(spec, &text, &ParseOptions::default());
        let required: Vec<&str> = spec
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.label.as_str())
            .collect();
        let errored: Vec<&str> = parsed.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(errored, required, "{}: {:?}", spec.name, parsed.errors);
        assert!(
            parsed.values.is_empty(),
            "{}: unfilled template yields values {:?}",
            spec.name,
            parsed.values
        );
        for e in &parsed.errors {
            assert!(
                e.message.starts_with("not filled in"),
                "{}: {e:?}",
                spec.name
            );
        }
    }
}

#[test]
fn each_template_is_recognised_from_its_own_text_by_marker_and_without_it_by_labels() {
    let set = shipped();
    let none = BTreeSet::new();
    for spec in set.iter() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("issue_templates")
            .join(format!("{}.md", spec.name));
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            set.recognise(&text, &none),
            Recognition::Found {
                template: spec.name.clone(),
                by: RecognisedBy::Marker
            }
        );
        let without_marker: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
        let total = spec.fields.len();
        assert_eq!(
            set.recognise(&without_marker, &none),
            Recognition::Found {
                template: spec.name.clone(),
                by: RecognisedBy::FieldLabels {
                    matched: total,
                    total
                }
            },
            "{}",
            spec.name
        );
    }
}
