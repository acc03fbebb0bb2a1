//! The rules and templates embedded in the binary are exactly the files shipped on disk, so the
//! installed binary and the checkout cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn on_disk(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn embedded(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    out.sort();
    out
}

#[test]
fn the_embedded_rules_and_templates_equal_the_files_on_disk() {
    for (dir, files) in [
        (steward::shipped::RULES_DIR, steward::shipped::RULES),
        (steward::shipped::TEMPLATES_DIR, steward::shipped::TEMPLATES),
    ] {
        let disk = on_disk(dir);
        let built_in = embedded(files);
        let names = |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&built_in),
            names(&disk),
            "{dir}/: add or remove the file in src/shipped.rs too"
        );
        for ((name, built), (_, disk)) in built_in.iter().zip(&disk) {
            assert!(built == disk, "{dir}/{name} differs from its embedded copy");
        }
    }
}

#[test]
fn the_embedded_set_loads_and_names_its_files_as_shipped() {
    let engine = steward_core::rules::Engine::load_from(
        &steward::shipped::rules(),
        &steward::shipped::templates(),
    )
    .unwrap();
    let disk = steward_core::rules::Engine::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"),
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("issue_templates"),
    )
    .unwrap();
    assert_eq!(engine.labels_used(), disk.labels_used());
    assert!(engine.programs().iter().eq(disk.programs().iter()));
    assert_eq!(engine.templates().len(), disk.templates().len());

    // An error in an embedded file is located as `rules/x.yaml:line:col`.
    let mut files: Vec<(&str, &str)> = steward::shipped::RULES.to_vec();
    let broken = steward::shipped::RULES
        .iter()
        .find(|(n, _)| *n == "programs.yaml")
        .unwrap()
        .1
        .replacen(
            "    title: Customer Stories",
            "    titel: Customer Stories",
            1,
        );
    for f in &mut files {
        if f.0 == "programs.yaml" {
            f.1 = &broken;
        }
    }
    let errors = steward_core::rules::Engine::load_from(
        &steward_core::loader::Files::memory("rules", &files),
        &steward::shipped::templates(),
    )
    .unwrap_err();
    let shown = errors[0].to_string();
    assert!(
        shown.starts_with("rules/programs.yaml:") && shown.contains("did you mean `title`?"),
        "{shown}"
    );
}
