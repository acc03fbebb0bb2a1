//! The shipped `rules/customers.yaml` loads with the engine, and a broken one is refused at
//! `file:line:col` (the customer ledger's settings, `crate::customers::config`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::customers::CUSTOMERS_FILE;
use crate::model::{LabelName, TemplateName};

fn shipped(
    replace_customers: Option<&str>,
) -> Result<crate::rules::Engine, Vec<crate::diagnostics::ConfigError>> {
    use crate::loader::Files;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read_dir = |dir: &str| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(e.path()).unwrap_or_default())
            })
            .collect();
        out.sort();
        out
    };
    let mut rules = read_dir("rules");
    if let Some(text) = replace_customers {
        rules.retain(|(n, _)| n != CUSTOMERS_FILE);
        rules.push((CUSTOMERS_FILE.to_owned(), text.to_owned()));
    }
    let templates = read_dir("issue_templates");
    let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    let (r, t) = (as_refs(&rules), as_refs(&templates));
    let r: Vec<(&str, &str)> = r.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let t: Vec<(&str, &str)> = t.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    crate::rules::Engine::load_from(
        &Files::memory("rules", &r),
        &Files::memory("issue_templates", &t),
    )
}

#[test]
fn the_shipped_customers_file_declares_an_account_field_for_every_template() {
    let engine = shipped(None).unwrap_or_else(|e| panic!("{e:?}"));
    let c = engine.customers();
    assert_eq!(c.templates.len(), engine.templates().len());
    let eab = &c.templates[&TemplateName("eab-nomination".into())];
    assert_eq!(eab.account, "company");
    assert_eq!(
        c.directory.resolve("ibm").map(|k| k.0),
        Ok("international-business-machines".into())
    );
    assert!(
        engine
            .labels_used()
            .contains(&LabelName("reference-fatigue".into()))
    );
}

#[test]
fn a_customers_file_naming_an_unknown_template_field_or_label_is_refused_where_it_says_so() {
    let bad = "templates:\n  customer-speaker-request: { account: customer_acount }\n  no-such-template: { account: x }\nfatigue:\n  label: \"reference::fatige\"\n  per_window: 4\n";
    let errors = shipped(Some(bad)).err().unwrap_or_default();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter().any(|e| e.contains("customers.yaml:2:")
            && e.contains("no field `customer_acount`")
            && e.contains("customer_account")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains("customers.yaml:3:") && e.contains("no template is named")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains("customers.yaml:5:") && e.contains("reference::fatige")),
        "{text:#?}"
    );
}

#[test]
fn fatigue_and_duplicate_labels_of_one_scope_are_refused_as_gitlab_would_keep_only_one() {
    let bad = "templates: {}\nfatigue:\n  label: \"reference::written-approval-missing\"\n  per_window: 4\nduplicates:\n  label: \"reference::written-approval-missing\"\n";
    let errors = shipped(Some(bad)).err().unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("share a scope")),
        "{errors:?}"
    );
}
