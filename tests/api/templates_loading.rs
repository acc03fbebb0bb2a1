#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Broken copies of a shipped template are refused with `path:line:col`, what is wrong and what
//! to do.

use std::path::{Path, PathBuf};

use steward_core::templates::{TemplateError, TemplateSet};

const NAME: &str = "customer-speaker-request";

fn original() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("issue_templates/{NAME}.md")),
    )
    .unwrap()
}

fn path() -> PathBuf {
    PathBuf::from(format!("issue_templates/{NAME}.md"))
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn pos(text: &str, needle: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        if let Some(b) = line.find(needle) {
            return (i + 1, line[..b].chars().count() + 1);
        }
    }
    panic!("{needle:?} not in text");
}

fn load(text: &str) -> Vec<TemplateError> {
    match TemplateSet::from_sources(&[(path(), text.to_owned())]) {
        Ok(_) => panic!("broken template loaded"),
        Err(e) => e,
    }
}

struct Broken {
    what: &'static str,
    from: &'static str,
    to: &'static str,
    /// Where the error points: the first occurrence of this text in the broken copy.
    at: &'static str,
    /// Offset added to the column of `at`.
    message: &'static str,
}

#[test]
fn each_kind_of_mistake_is_reported_at_its_line_and_column_with_a_fix() {
    let cases = [
        Broken {
            what: "marker name differs from the file name",
            from: "steward:template=customer-speaker-request",
            to: "steward:template=speaker-request",
            at: "speaker-request intake",
            message: "marker names template `speaker-request` but the file is `customer-speaker-request.md`; the marker must equal the file name without `.md`",
        },
        Broken {
            what: "duplicate field key",
            from: "key=event_url",
            to: "key=event_date",
            at: "key=event_date type=url",
            message: "duplicate field key `event_date`; every field needs its own key",
        },
        Broken {
            what: "unknown type",
            from: "key=event_date type=date",
            to: "key=event_date type=datetime",
            at: "type=datetime",
            message: "unknown field type `datetime`; use one of text, date, number, url, username, choice, boolean",
        },
        Broken {
            what: "choice field without options",
            from: "- [ ] In person\n- [ ] Virtual\n- [ ] Hybrid\n",
            to: "",
            at: "<!-- steward:field key=format",
            message: "choice field `format` needs at least two checklist options under its line (`- [ ] Option`); add them or use another type",
        },
        Broken {
            what: "missing intake-label quick action",
            from: "/label ~\"Customer Advocacy\" ~\"advocacy-program::speaker\"",
            to: "/label ~\"Customer Advocacy\"",
            at: "<!-- steward:template=",
            message: "missing intake-label quick action: no `/label` line applies `advocacy-program::speaker`; add `/label ~\"advocacy-program::speaker\"` at the end of the template",
        },
        Broken {
            what: "a pre-filled answer",
            from: "**Location (required):** <city, country, or \"virtual\">",
            to: "**Location (required):** London",
            at: "London",
            message: "`London` after `Location` would read as an answer in every request; leave it empty or use a placeholder like `<event name>`, `YYYY-MM-DD` or `@username`",
        },
        Broken {
            what: "a label used twice",
            from: "**Event URL:**",
            to: "**Event name:**",
            at: "Event name:** https://",
            message: "label `Event name` is already used by field `event_name`; labels must differ so requests can be read back",
        },
        Broken {
            what: "a misspelt attribute",
            from: "key=location type=text required",
            to: "key=location type=text requried",
            at: "requried",
            message: "unknown field attribute `requried`; use key=…, type=…, required, optional or multiple",
        },
        Broken {
            what: "an option ticked in the template",
            from: "- [ ] Hybrid",
            to: "- [x] Hybrid",
            at: "[x] Hybrid",
            message: "option `Hybrid` of `format` is ticked in the template, so every request would answer it; write `- [ ] Hybrid`",
        },
        Broken {
            what: "a required field whose label does not say so",
            from: "**Location (required):**",
            to: "**Location:**",
            at: "Location:",
            message: "field `location` is required but its label does not say so; write `**Location (required):**`",
        },
        Broken {
            what: "an optional field marked required",
            from: "**Event URL:**",
            to: "**Event URL (required):**",
            at: "Event URL",
            message: "field `event_url` is marked (required) but is optional; add `required` to its `steward:field` comment or remove the mark",
        },
        Broken {
            what: "an unknown directive",
            from: "<!-- steward:field key=links",
            to: "<!-- steward:fields key=links",
            at: "<!-- steward:fields",
            message: "unknown directive `steward:fields`; Steward knows `steward:template=NAME intake=\"LABEL\"`, `steward:field key=… type=…` and, on an option's line, `steward:synonyms …`",
        },
    ];
    let text = original();
    for case in cases {
        assert!(text.contains(case.from), "{}: template changed", case.what);
        let broken = text.replacen(case.from, case.to, 1);
        let errors = load(&broken);
        let (line, col) = pos(&broken, case.at);
        let want = format!("issue_templates/{NAME}.md:{line}:{col}: {}", case.message);
        let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(got, [want], "{}", case.what);
    }
}

#[test]
fn a_file_without_marker_or_fields_gets_every_problem_at_once() {
    let errors = load("Just some notes about speaker requests.\n");
    let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            format!(
                "issue_templates/{NAME}.md:1:1: no template marker; add `<!-- steward:template={NAME} intake=\"LABEL\" -->` at the top, LABEL being the label the template's `/label` quick action applies"
            ),
            format!(
                "issue_templates/{NAME}.md:1:1: the template declares no fields; annotate each field line with `<!-- steward:field key=… type=… -->`"
            ),
        ]
    );
}

#[test]
fn two_templates_sharing_an_intake_label_are_refused() {
    let text = original();
    let copy = text.replace(
        "steward:template=customer-speaker-request",
        "steward:template=speaker-copy",
    );
    let errors = TemplateSet::from_sources(&[
        (path(), text.clone()),
        (PathBuf::from("issue_templates/speaker-copy.md"), copy),
    ])
    .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().starts_with("issue_templates/speaker-copy.md:1:1: intake label `advocacy-program::speaker` is also the intake label of `customer-speaker-request`"), "{}", errors[0]);
}

#[test]
fn load_dir_reports_a_missing_directory_and_an_empty_one() {
    let missing = TemplateSet::load_dir(Path::new("/nonexistent/steward-templates")).unwrap_err();
    assert!(
        missing[0]
            .to_string()
            .starts_with("/nonexistent/steward-templates:1:1: cannot read the template directory")
    );
    let empty =
        std::env::temp_dir().join(format!("steward-empty-templates-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let errors = TemplateSet::load_dir(&empty).unwrap_err();
    std::fs::remove_dir(&empty).unwrap();
    assert!(
        errors[0]
            .message
            .starts_with("no `.md` templates in this directory")
    );
}
