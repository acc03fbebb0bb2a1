#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Synonyms a template declares for a choice's options (`Enterprise` for `ENT`): how requesters
//! type them, and the declarations `steward check` refuses.

use std::path::PathBuf;

use steward_core::model::{FieldValue, TemplateName, TemplateSpec};
use steward_core::templates::{ParseOptions, TemplateSet, parse_fields};

const TEMPLATE: &str = r#"<!-- steward:template=probe intake="probe::intake" -->
**Account size (required):** <!-- steward:field key=account_size type=choice required -->
- [ ] ENT <!-- steward:synonyms Enterprise, Large enterprise -->
- [ ] MM <!-- steward:synonyms Mid-market -->
- [ ] SMB

**Format:** <!-- steward:field key=format type=choice -->
- [ ] In person <!-- steward:synonyms On site, Face to face -->
- [ ] Virtual <!-- steward:synonyms Online, Zoom -->
/label ~"probe::intake"
"#;

fn load(text: &str) -> Result<TemplateSpec, String> {
    TemplateSet::from_sources(&[(PathBuf::from("probe.md"), text.to_owned())])
        .map(|set| set.get(&TemplateName::from("probe")).unwrap().clone())
        .map_err(|es| {
            es.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
}

#[test]
fn a_declared_synonym_typed_or_ticked_reads_as_its_option() {
    let spec = load(TEMPLATE).unwrap();
    let cases: [(&str, &str, Option<&str>); 9] = [
        ("**Account size:** Enterprise", "account_size", Some("ENT")),
        ("**Account size:** enterprise.", "account_size", Some("ENT")),
        (
            "**Account size:** large-enterprise",
            "account_size",
            Some("ENT"),
        ),
        (
            "**Account size:**\n- [x] Mid-market (about 800 seats)",
            "account_size",
            Some("MM"),
        ),
        ("**Account size:** mid market", "account_size", Some("MM")),
        ("**Account size:** SMB", "account_size", Some("SMB")),
        ("**Format:** on-site", "format", Some("In person")),
        ("**Format:** Zoom", "format", Some("Virtual")),
        // Not an option nor a synonym: still an error, not a guess.
        ("**Account size:** Strategic", "account_size", None),
    ];
    for (text, key, want) in cases {
        let parsed = parse_fields(&spec, text, &ParseOptions::default());
        let want = want.map(|v| FieldValue::Choice(vec![v.to_owned()]));
        assert_eq!(parsed.values.get(key).cloned(), want, "{text:?}");
    }
    let parsed = parse_fields(
        &spec,
        "**Account size:** Strategic",
        &ParseOptions::default(),
    );
    assert!(
        parsed
            .errors
            .iter()
            .any(|e| e.field == "Account size" && e.message.contains("ENT, MM, SMB")),
        "{:?}",
        parsed.errors
    );
}

#[test]
fn synonyms_that_would_make_an_answer_ambiguous_are_refused_where_declared() {
    let cases = [
        (
            "- [ ] MM <!-- steward:synonyms Mid-market -->",
            "- [ ] MM <!-- steward:synonyms ent -->",
            "probe.md:4:10: synonym `ent` of `MM` is the option `ENT` of `account_size`",
        ),
        (
            "- [ ] MM <!-- steward:synonyms Mid-market -->",
            "- [ ] MM <!-- steward:synonyms Large Enterprise -->",
            "probe.md:4:10: synonym `Large Enterprise` is given to both `ENT` and `MM`",
        ),
        (
            "- [ ] SMB",
            "- [ ] SMB <!-- steward:synonyms Small, -->",
            "probe.md:5:11: an empty synonym for `SMB`",
        ),
        (
            "- [ ] SMB",
            "- [ ] SMB <!-- steward:field key=x type=text -->",
            "probe.md:5:11: `steward:field` does not belong on an option's line",
        ),
    ];
    for (from, to, want) in cases {
        assert!(TEMPLATE.contains(from), "{from}");
        let errors = load(&TEMPLATE.replacen(from, to, 1)).unwrap_err();
        assert!(errors.contains(want), "want {want:?} in\n{errors}");
    }
}
