//! Every comment the shipped rules can post, rendered for a realistic request of its template
//! (both a rule's `actions` and its `otherwise` comment, whether or not it would fire), is short:
//! a requester reads it on a phone between meetings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::rules::{at, issue, root};

use steward_core::model::{FieldError, Username};
use steward_core::rules::{Engine, PreviewInput, preview_comments};
use steward_core::templates::{ParseOptions, parse_fields};

/// The longest comment Steward may post, in lines as written (blank lines count).
const MAX_LINES: usize = 12;

fn engine() -> Engine {
    Engine::load(&root().join("rules"), &root().join("issue_templates")).unwrap()
}

#[test]
fn no_shipped_comment_is_over_twelve_lines() {
    let engine = engine();
    let mut rendered = 0;
    let mut too_long = Vec::new();
    for spec in engine.templates().iter() {
        let path = root().join(format!(
            "tests/data/requests/{}--clean.md",
            spec.name.as_str()
        ));
        let mut i = issue("2027-01-04T15:00:00Z");
        i.title = format!("{} for Aperture Financial", spec.name.as_str());
        i.description = std::fs::read_to_string(&path).unwrap();
        i.web_url = "https://gitlab.example.com/adv/requests/-/issues/7".to_owned();
        let mut fields = parse_fields(spec, &i.description, &ParseOptions::default());
        assert!(fields.errors.is_empty(), "{path:?}: {:?}", fields.errors);
        // Two answers a requester typically gets wrong, so that checklists render too.
        fields.errors.push(FieldError {
            field: "Customer account".to_owned(),
            message: "not filled in (found `<account name>`), expected some text".to_owned(),
            required: true,
        });
        fields.errors.push(FieldError {
            field: "Links".to_owned(),
            message: "found `see the doc`, expected a link starting with https://".to_owned(),
            required: false,
        });
        let owner = Username("jhernandez".to_owned());
        let input = PreviewInput {
            issue: &i,
            template: Some(spec),
            fields: &fields,
            now: at("2027-01-05T15:00:00Z"),
            calendar: engine.calendar(),
            roster: engine.roster(),
            assignee: Some(&owner),
            due_date: chrono::NaiveDate::from_ymd_opt(2027, 3, 22),
        };
        for c in preview_comments(engine.rules(), &input) {
            rendered += 1;
            let lines = c.body.trim_end().lines().count();
            if lines > MAX_LINES {
                too_long.push(format!(
                    "{} / {} ({}{lines} lines):\n{}",
                    spec.name.as_str(),
                    c.rule,
                    if c.otherwise { "otherwise, " } else { "" },
                    c.body
                ));
            }
        }
    }
    // Every template has rules with comments (at least the intake checklist).
    assert!(rendered >= 2 * engine.templates().len(), "{rendered}");
    assert!(too_long.is_empty(), "{}", too_long.join("\n\n"));
}
