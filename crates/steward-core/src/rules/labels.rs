//! The label catalogue (`rules/labels.yaml`): every label the rules, templates and outcomes may
//! use, with its colour and description. Rules naming a label not declared here are refused
//! at load (GitLab would create a stray label for a typo, GITLAB.md §3.1).
//!
//! Loading and lookups only; it never talks to GitLab.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostics::ConfigError;
use crate::model::LabelName;

/// The file inside the rules directory.
pub const LABELS_FILE: &str = "labels.yaml";

/// One declared label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSpec {
    /// The label's name.
    pub name: LabelName,
    /// `#rrggbb`.
    pub color: String,
    /// What the label means, as shown in GitLab.
    pub description: String,
    /// While an issue carries it, the issue waits on its requester: the service records since
    /// when, so rules can pause clocks and nudge the requester (`waiting_business_days`).
    pub waiting_on_requester: bool,
}

/// Every declared label, by name.
#[derive(Debug, Clone, Default)]
pub struct LabelCatalog {
    labels: BTreeMap<String, LabelSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    labels: Vec<RawLabel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    name: Spanned<String>,
    color: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    waiting_on_requester: bool,
}

impl LabelCatalog {
    /// Reads `labels.yaml` strictly: unknown keys, duplicate names and colours that are not
    /// `#rrggbb` are errors at their `file:line:col`.
    pub fn from_yaml(file: &str, text: &str) -> Result<LabelCatalog, Vec<ConfigError>> {
        let raw: RawCatalog = crate::yaml::from_str_all(file, text)?;
        let mut errors = Vec::new();
        let mut labels = BTreeMap::new();
        for l in raw.labels {
            let name = l.name.value.trim().to_owned();
            let c = &l.color.value;
            let hex =
                c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
            if !hex {
                errors.push(
                    ConfigError::at(
                        file,
                        l.color.referenced,
                        format!("colour `{c}` of `{name}` is not `#rrggbb`"),
                    )
                    .hint("write it as GitLab shows it, e.g. `#428bca`"),
                );
            }
            if name.is_empty() || name.contains(',') {
                errors.push(ConfigError::at(
                    file,
                    l.name.referenced,
                    format!("`{name}` is not a usable label name"),
                ));
                continue;
            }
            let spec = LabelSpec {
                name: LabelName::from(name.as_str()),
                color: c.clone(),
                description: l.description,
                waiting_on_requester: l.waiting_on_requester,
            };
            if labels.insert(name.clone(), spec).is_some() {
                errors.push(ConfigError::at(
                    file,
                    l.name.referenced,
                    format!("label `{name}` is declared twice"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(LabelCatalog { labels })
        } else {
            Err(errors)
        }
    }

    /// Whether `name` is declared.
    pub fn contains(&self, name: &str) -> bool {
        self.labels.contains_key(name)
    }

    /// Whether some declared label is in `scope` (`advocacy-status` for `advocacy-status::*`).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.labels.keys().any(|l| {
            l.strip_prefix(scope)
                .is_some_and(|rest| rest.starts_with("::"))
        })
    }

    /// The declared names, for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.labels.keys().map(String::as_str)
    }

    /// The labels that mean the issue waits on its requester.
    pub fn waiting_labels(&self) -> Vec<LabelName> {
        let waiting = self.labels.values().filter(|l| l.waiting_on_requester);
        waiting.map(|l| l.name.clone()).collect()
    }

    /// Every declared label, by name.
    pub fn iter(&self) -> impl Iterator<Item = &LabelSpec> {
        self.labels.values()
    }
}

#[cfg(test)]
mod tests {
    use super::LabelCatalog;

    #[test]
    fn the_catalogue_is_read_strictly() {
        let ok = LabelCatalog::from_yaml(
            "labels.yaml",
            "labels:\n  - { name: \"a::b\", color: \"#112233\", description: d }\n",
        )
        .unwrap();
        assert!(ok.contains("a::b") && ok.has_scope("a") && !ok.has_scope("b"));
        assert!(ok.waiting_labels().is_empty());
        let waiting = LabelCatalog::from_yaml(
            "labels.yaml",
            "labels:\n  - { name: \"needs-info\", color: \"#112233\", waiting_on_requester: true }\n  - { name: other, color: \"#112233\" }\n",
        )
        .unwrap();
        assert_eq!(
            waiting.waiting_labels(),
            vec![crate::model::LabelName::from("needs-info")]
        );
        // (text, expected message part)
        let cases = [
            (
                "labels:\n  - { name: x, color: blue }\n",
                "colour `blue` of `x` is not `#rrggbb`",
            ),
            (
                "labels:\n  - { name: x, color: \"#000000\" }\n  - { name: x, color: \"#000000\" }\n",
                "label `x` is declared twice",
            ),
            ("labels:\n  - { name: x, colour: \"#000000\" }\n", "colour"),
        ];
        for (text, want) in cases {
            let errors = LabelCatalog::from_yaml("labels.yaml", text).unwrap_err();
            let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
            assert!(all.iter().any(|e| e.contains(want)), "{text}: {all:?}");
        }
    }
}
