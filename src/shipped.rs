//! The configuration Steward ships (`rules/`, `issue_templates/`), embedded in the binary at
//! build time, so `steward demo` and `steward check` work from the installed binary in any
//! directory. Messages about these files still name them `rules/x.yaml:line:col`.
//!
//! Data only; a test keeps it equal to the files on disk (`tests/shipped_embedded.rs`).

use steward_core::loader::Files;

/// The directory the rules are shipped in, as messages name it.
pub const RULES_DIR: &str = "rules";

/// The directory the templates are shipped in, as messages name it.
pub const TEMPLATES_DIR: &str = "issue_templates";

/// Every shipped rules file, `(file name, text)`.
pub const RULES: &[(&str, &str)] = &[
    (
        "acknowledgements.yaml",
        include_str!("../rules/acknowledgements.yaml"),
    ),
    ("analyst.yaml", include_str!("../rules/analyst.yaml")),
    ("calendar.yaml", include_str!("../rules/calendar.yaml")),
    ("contest.yaml", include_str!("../rules/contest.yaml")),
    ("customers.yaml", include_str!("../rules/customers.yaml")),
    ("deadlines.yaml", include_str!("../rules/deadlines.yaml")),
    ("eab.yaml", include_str!("../rules/eab.yaml")),
    ("earnings.yaml", include_str!("../rules/earnings.yaml")),
    ("intake.yaml", include_str!("../rules/intake.yaml")),
    ("labels.yaml", include_str!("../rules/labels.yaml")),
    ("outcomes.yaml", include_str!("../rules/outcomes.yaml")),
    ("press.yaml", include_str!("../rules/press.yaml")),
    ("programs.yaml", include_str!("../rules/programs.yaml")),
    ("references.yaml", include_str!("../rules/references.yaml")),
    ("roster.yaml", include_str!("../rules/roster.yaml")),
    ("speaker.yaml", include_str!("../rules/speaker.yaml")),
    ("stories.yaml", include_str!("../rules/stories.yaml")),
];

/// Every shipped issue template, `(file name, text)`.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "analyst-participation-request.md",
        include_str!("../issue_templates/analyst-participation-request.md"),
    ),
    (
        "customer-press-request.md",
        include_str!("../issue_templates/customer-press-request.md"),
    ),
    (
        "customer-reference-approval.md",
        include_str!("../issue_templates/customer-reference-approval.md"),
    ),
    (
        "customer-speaker-request.md",
        include_str!("../issue_templates/customer-speaker-request.md"),
    ),
    (
        "customer-story-idea.md",
        include_str!("../issue_templates/customer-story-idea.md"),
    ),
    (
        "eab-nomination.md",
        include_str!("../issue_templates/eab-nomination.md"),
    ),
    (
        "earnings-customer-reference.md",
        include_str!("../issue_templates/earnings-customer-reference.md"),
    ),
    (
        "reference-contest-entry.md",
        include_str!("../issue_templates/reference-contest-entry.md"),
    ),
];

/// The shipped rules, as a loader source.
pub fn rules() -> Files {
    Files::memory(RULES_DIR, RULES)
}

/// The shipped templates, as a loader source.
pub fn templates() -> Files {
    Files::memory(TEMPLATES_DIR, TEMPLATES)
}
