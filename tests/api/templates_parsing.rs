#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What people really type, field by field: label spellings, values on the next line,
//! instructions left in, placeholders, checklists and yes/no answers.

use std::path::PathBuf;

use chrono::NaiveDate;
use steward_core::model::{FieldValue, TemplateName, TemplateSpec, Username};
use steward_core::templates::{DateOrder, ParseOptions, TemplateSet, parse_date, parse_fields};

const TEMPLATE: &str = r#"<!-- steward:template=probe intake="probe::intake" -->
**Event date (required):** YYYY-MM-DD <!-- steward:field key=event_date type=date required -->
**Account owner (required):** @username <!-- steward:field key=owner type=username required -->
**Number of users:** <!-- steward:field key=users type=number -->
**Event URL:** https:// <!-- steward:field key=url type=url -->
**Format (required):** <!-- steward:field key=format type=choice required -->
- [ ] In person
- [ ] Virtual

**Use cases:** <!-- steward:field key=use_cases type=choice multiple -->
- [ ] CI/CD
- [ ] Security
- [ ] Security and compliance

**Approved:** <!-- steward:field key=approved type=boolean -->
- [ ] Yes
- [ ] No

**Notes:** <!-- steward:field key=notes type=text -->
/label ~"probe::intake"
"#;

fn spec() -> TemplateSpec {
    let set =
        TemplateSet::from_sources(&[(PathBuf::from("probe.md"), TEMPLATE.to_owned())]).unwrap();
    set.get(&TemplateName::from("probe")).unwrap().clone()
}

fn date(y: i32, m: u32, d: u32) -> FieldValue {
    FieldValue::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn value(description: &str, key: &str) -> Option<FieldValue> {
    parse_fields(&spec(), description, &ParseOptions::default())
        .values
        .get(key)
        .cloned()
}

#[test]
fn every_label_spelling_people_use_finds_the_field() {
    for line in [
        "**Event date:** 2027-03-10",
        "**Event date**: 2027-03-10",
        "Event date: 2027-03-10",
        "event   DATE : 2027-03-10",
        "- **Event date:** 2027-03-10",
        "__Event date:__ 2027-03-10",
        "### Event date\n2027-03-10",
        "**Event date:**\n\n2027-03-10",
        "**Event date:** <!-- a comment --> 2027-03-10 <!-- steward:field key=event_date -->",
        "**Event date:**\n<!-- The first day.\n     Counted in days. -->\n2027-03-10",
    ] {
        assert_eq!(
            value(line, "event_date"),
            Some(date(2027, 3, 10)),
            "{line:?}"
        );
    }
}

#[test]
fn unfilled_placeholders_are_missing_not_values() {
    let spec = spec();
    for filler in ["YYYY-MM-DD", "<event date>", "TBD", "", "MM/DD/YYYY"] {
        let parsed = parse_fields(
            &spec,
            &format!("**Event date:** {filler}\n"),
            &ParseOptions::default(),
        );
        let e = parsed
            .errors
            .iter()
            .find(|e| e.field == "Event date")
            .unwrap();
        assert!(
            e.message.starts_with("not filled in"),
            "{filler:?}: {}",
            e.message
        );
    }
    let parsed = parse_fields(&spec, "Nothing here", &ParseOptions::default());
    let labels: Vec<&str> = parsed.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        labels,
        ["Event date", "Account owner", "Format"],
        "only required fields"
    );
    assert_eq!(
        parsed.errors[0].message,
        "missing: add a \"Event date:\" line with a date like 2027-03-10 (or March 10, 2027)"
    );
}

#[test]
fn a_vague_date_quotes_what_was_found_and_the_expected_format() {
    let parsed = parse_fields(
        &spec(),
        "**Event date:** next spring",
        &ParseOptions::default(),
    );
    assert_eq!(parsed.errors[0].field, "Event date");
    assert_eq!(
        parsed.errors[0].message,
        "found `next spring`, expected a date like 2027-03-10 (or March 10, 2027)"
    );
}

#[test]
fn checklists_accept_every_tick_style_and_explanations_after_the_option() {
    let cases: [(&str, Option<Vec<&str>>); 6] = [
        (
            "**Format:**\n- [x] In person\n- [ ] Virtual",
            Some(vec!["In person"]),
        ),
        ("**Format:**\n- [X] Virtual", Some(vec!["Virtual"])),
        ("**Format:**\n  * [x] virtual (Zoom)", Some(vec!["Virtual"])),
        ("**Format:** in person", Some(vec!["In person"])),
        ("**Format:**\n+ [x] In person", Some(vec!["In person"])),
        ("**Format:**\n- [ ] In person\n- [ ] Virtual", None),
    ];
    for (text, want) in cases {
        let want = want.map(|v| FieldValue::Choice(v.into_iter().map(String::from).collect()));
        assert_eq!(value(text, "format"), want, "{text:?}");
    }
    // The longest option wins: "Security and compliance" is not "Security".
    assert_eq!(
        value(
            "**Use cases:**\n- [x] Security and compliance\n- [x] CI/CD",
            "use_cases"
        ),
        Some(FieldValue::Choice(vec![
            "Security and compliance".into(),
            "CI/CD".into()
        ]))
    );
    let parsed = parse_fields(
        &spec(),
        "**Format:**\n- [x] Webinar",
        &ParseOptions::default(),
    );
    assert!(
        parsed.errors[2]
            .message
            .starts_with("found `Webinar`, expected one of: In person, Virtual")
    );
}

#[test]
fn yes_no_answers_typed_or_ticked() {
    let cases = [
        ("**Approved:** yes", Some(true)),
        ("**Approved:** N", Some(false)),
        ("**Approved:** true", Some(true)),
        ("**Approved:**\n- [ ] Yes\n- [x] No", Some(false)),
        ("**Approved:**\n- [x] Yes\n- [ ] No", Some(true)),
        ("**Approved:**\n- [ ] Yes\n- [ ] No", None),
    ];
    for (text, want) in cases {
        assert_eq!(
            value(text, "approved"),
            want.map(FieldValue::Boolean),
            "{text:?}"
        );
    }
    let parsed = parse_fields(
        &spec(),
        "**Approved:**\n- [x] Yes\n- [x] No",
        &ParseOptions::default(),
    );
    assert!(
        parsed
            .errors
            .iter()
            .any(|e| e.field == "Approved" && e.message.starts_with("found both answers ticked"))
    );
}

#[test]
fn numbers_urls_and_usernames_as_typed() {
    assert_eq!(
        value("Number of users: ~2000 users", "users"),
        Some(FieldValue::Number(2000.0))
    );
    assert_eq!(
        value("Number of users: 1.5k", "users"),
        Some(FieldValue::Number(1500.0))
    );
    assert_eq!(
        value("Number of users: 1,500", "users"),
        Some(FieldValue::Number(1500.0))
    );
    assert_eq!(
        value("Event URL: https://kubecon.example/eu", "url"),
        Some(FieldValue::Url("https://kubecon.example/eu".into()))
    );
    assert_eq!(
        value("Account owner: @jdoe", "owner"),
        Some(FieldValue::Username(Username::from("jdoe")))
    );
    assert_eq!(
        value("Account owner: jdoe", "owner"),
        Some(FieldValue::Username(Username::from("jdoe")))
    );
    let parsed = parse_fields(
        &spec(),
        "Event URL: ftp://files.example\nNumber of users: lots",
        &ParseOptions::default(),
    );
    let optional_errors: Vec<&str> = parsed
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .filter(|f| *f != "Event date" && *f != "Account owner" && *f != "Format")
        .collect();
    assert_eq!(
        optional_errors,
        ["Number of users", "Event URL"],
        "typed-in optional values that cannot be read are reported"
    );
}

#[test]
fn a_multi_line_text_value_stops_at_the_blank_line_and_quick_actions_are_ignored() {
    let text = "**Notes:**\nfirst line\nsecond line\n\nunrelated paragraph\n/label ~\"x\"";
    assert_eq!(
        value(text, "notes"),
        Some(FieldValue::Text("first line\nsecond line".into()))
    );
    assert_eq!(value("**Notes:**\n/assign @me", "notes"), None);
}

#[test]
fn the_public_date_helper_honours_the_order() {
    assert_eq!(
        parse_date("03/10/2027", DateOrder::MonthFirst),
        NaiveDate::from_ymd_opt(2027, 3, 10)
    );
    assert_eq!(
        parse_date("10/03/2027", DateOrder::DayFirst),
        NaiveDate::from_ymd_opt(2027, 3, 10)
    );
    assert_eq!(parse_date("2027-02-30", DateOrder::MonthFirst), None);
    let parsed = parse_fields(
        &spec(),
        "**Event date:** 10/03/2027",
        &ParseOptions {
            date_order: DateOrder::DayFirst,
        },
    );
    assert_eq!(parsed.values.get("event_date"), Some(&date(2027, 3, 10)));
}

#[test]
fn a_value_typed_under_a_kept_placeholder_is_read() {
    let cases: [(&str, &str, Option<FieldValue>); 4] = [
        (
            "**Event date:** YYYY-MM-DD\n2027-03-10",
            "event_date",
            Some(date(2027, 3, 10)),
        ),
        (
            "**Event date:** YYYY-MM-DD\n\nMarch 10, 2027",
            "event_date",
            Some(date(2027, 3, 10)),
        ),
        (
            "**Account owner:** @username\n@jdoe",
            "owner",
            Some(FieldValue::Username(Username("jdoe".into()))),
        ),
        // The placeholder alone is still "not filled in".
        ("**Event date:** YYYY-MM-DD\n", "event_date", None),
    ];
    for (text, key, want) in cases {
        assert_eq!(value(text, key), want, "{text:?}");
    }
    let parsed = parse_fields(
        &spec(),
        "**Event date:** YYYY-MM-DD\n",
        &ParseOptions::default(),
    );
    let e = parsed
        .errors
        .iter()
        .find(|e| e.field == "Event date")
        .unwrap();
    assert!(
        e.message.starts_with("not filled in (found"),
        "{}",
        e.message
    );
}

#[test]
fn a_box_ticked_without_a_space_before_the_text_counts() {
    assert_eq!(
        value(
            "**Use cases:**\n- [x]Security and compliance\n- [ ] CI/CD",
            "use_cases"
        ),
        Some(FieldValue::Choice(vec!["Security and compliance".into()]))
    );
    assert_eq!(
        value("**Format:**\n- [X]Virtual", "format"),
        Some(FieldValue::Choice(vec!["Virtual".into()]))
    );
    // A Markdown link that happens to read `[x](…)` is not a ticked box.
    assert_eq!(
        value("**Format:**\n- [x](https://example.com)", "format"),
        None
    );
}

#[test]
fn choices_match_whatever_the_case_spacing_punctuation_or_a_unique_prefix() {
    let cases: [(&str, Option<&str>); 7] = [
        ("**Format:** in-person", Some("In person")),
        ("**Format:** IN PERSON", Some("In person")),
        ("**Format:** In-Person!", Some("In person")),
        ("**Format:** virt", Some("Virtual")),
        ("**Format:** VIRTUAL.", Some("Virtual")),
        // Too short to be sure, and not an option.
        ("**Format:** vi", None),
        ("**Format:** webinar", None),
    ];
    for (text, want) in cases {
        let want = want.map(|v| FieldValue::Choice(vec![v.to_owned()]));
        assert_eq!(value(text, "format"), want, "{text:?}");
    }
    // `Sec` starts two options: ambiguous, so it is refused rather than guessed.
    let parsed = parse_fields(&spec(), "**Use cases:** sec", &ParseOptions::default());
    assert!(!parsed.values.contains_key("use_cases"));
    assert!(parsed.errors.iter().any(|e| e.field == "Use cases"));
}

#[test]
fn date_ranges_typed_with_spaces_read_as_their_first_day() {
    for text in [
        "Jan 14 - 15, 2027",
        "January 14 – 15, 2027",
        "14–15 January 2027",
        "14 - 15 Jan 2027",
        "Jan 14 to 15, 2027",
        "Jan 14 - 15, 2027 (tentative)",
    ] {
        assert_eq!(
            value(&format!("**Event date:** {text}"), "event_date"),
            Some(date(2027, 1, 14)),
            "{text:?}"
        );
    }
}

#[test]
fn a_numeric_date_only_valid_in_the_other_order_says_how_to_write_it() {
    let cases: [(&str, DateOrder, &str); 4] = [
        (
            "18/12/2026",
            DateOrder::MonthFirst,
            "found `18/12/2026`, which is not a day when read as month/day/year; if you meant December 18, 2026, write 2026-12-18",
        ),
        (
            "14.01.2027",
            DateOrder::MonthFirst,
            "if you meant January 14, 2027, write 2027-01-14",
        ),
        (
            "12/18/2026",
            DateOrder::DayFirst,
            "not a day when read as day/month/year; if you meant December 18, 2026, write 2026-12-18",
        ),
        (
            "03/10/27",
            DateOrder::MonthFirst,
            "found `03/10/27`, whose year has two digits; write the year in full",
        ),
    ];
    for (text, order, want) in cases {
        let parsed = parse_fields(
            &spec(),
            &format!("**Event date:** {text}"),
            &ParseOptions { date_order: order },
        );
        assert!(
            !parsed.values.contains_key("event_date"),
            "{text}: not guessed"
        );
        let e = parsed
            .errors
            .iter()
            .find(|e| e.field == "Event date")
            .unwrap();
        assert!(e.message.contains(want), "{text}: {}", e.message);
    }
}
