use super::*;

const SHIPPED: &str = include_str!("../../../../rules/programs.yaml");

#[test]
fn the_shipped_programs_load_in_handbook_order() {
    let programs = Programs::from_yaml("rules/programs.yaml", SHIPPED).unwrap();
    let keys: Vec<&str> = programs.keys().collect();
    assert_eq!(
        keys,
        [
            "story",
            "earnings",
            "reference",
            "speaker",
            "press",
            "analyst",
            "eab",
            "contest"
        ]
    );
    let story = programs.get("story").unwrap();
    assert_eq!(story.title, "Customer Stories");
    assert_eq!(story.label, LabelName::from("advocacy-program::story"));
    assert_eq!(story.targets, [TargetKind::Story, TargetKind::MarqueeVideo]);
    assert!(programs.get("contest").unwrap().leaderboard);
    assert!(!story.leaderboard && story.tracking.is_none());
}

#[test]
fn the_programs_file_is_read_strictly_with_locations_and_suggestions() {
    let table = [
        (
            "programs:\n  story:\n    titel: Stories\n    label: s\n",
            "programs.yaml:3:5: unknown key `titel`: did you mean `title`?",
        ),
        (
            "programs:\n  story: { title: S, label: s, targets: [marquee_videos] }\n",
            "unknown value `marquee_videos`: did you mean `marquee_video`?",
        ),
        (
            "programs:\n  story: { title: S, label: s, target_names: { stroy: x } }\n",
            "unknown key `stroy`: did you mean `story`?",
        ),
        (
            "programs:\n  story: { title: S, label: s, tracking: epik }\n",
            "did you mean `epic`?",
        ),
        (
            "programs:\n  Story: { title: S, label: s }\n",
            "programs.yaml:2:3: `Story` is not a program key",
        ),
        (
            "programs:\n  story: { title: S, label: s }\n  story: { title: T, label: t }\n",
            "programs.yaml:3:3: duplicate mapping key: story",
        ),
        (
            "programs:\n  story: { title: \" \", label: s }\n",
            "program `story` has an empty `title`",
        ),
        (
            "programs:\n  story: { title: S }\n",
            "missing required key `label`",
        ),
    ];
    for (text, want) in table {
        let errors = Programs::from_yaml("programs.yaml", text).unwrap_err();
        let message = errors[0].to_string();
        assert!(message.contains(want), "{text}: {message}");
    }
}

#[test]
fn a_misspelt_label_or_template_is_refused_with_the_closest_name() {
    let text = "programs:\n  story:\n    title: Stories\n    label: \"advocacy-program::stroy\"\n    templates: [customer-story-ide]\n";
    let programs = Programs::from_yaml("rules/programs.yaml", text).unwrap();
    let labels = ["advocacy-program::story", "advocacy-program::eab"];
    let templates = ["customer-story-idea", "eab-nomination"];
    let errors: Vec<String> = programs
        .check_names(labels, templates)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("rules/programs.yaml:4:12: program `story`: label")
            && errors[0].contains("did you mean `advocacy-program::story`?"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("rules/programs.yaml:5:17: program `story`: no template")
            && errors[1].contains("did you mean `customer-story-idea`?"),
        "{}",
        errors[1]
    );
    let fine = Programs::from_yaml(
        "p.yaml",
        "programs:\n  eab: { title: Board, label: \"advocacy-program::eab\", templates: [eab-nomination] }\n",
    )
    .unwrap();
    assert!(fine.check_names(labels, templates).is_empty());
}
