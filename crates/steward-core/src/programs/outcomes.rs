//! What counts as a program's success: the outcome labels the team closes requests with, as
//! declared in `rules/outcomes.yaml`, and which outcome a closed request has. Loading and
//! classifying only; counting toward targets is `select`'s job.
//!
//! ```yaml
//! programs:
//!   story:
//!     success: ["outcome::published"]
//!     never: ["outcome::declined", "outcome::duplicate"]
//! ```
//!
//! A request counts as a success when it is closed with one of its program's `success` labels
//! and carries none of its `never` labels (a `never` label wins: a nomination closed as accepted
//! but still labelled below VP is not a board member).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{ProgramKey, Programs};
use crate::diagnostics::ConfigError;
use crate::model::LabelName;
use crate::yaml::SpannedMap;

/// The outcomes file inside the rules directory (optional: without it no program declares a
/// success, and the digest says its targets are not measured).
pub const OUTCOMES_FILE: &str = "outcomes.yaml";

/// Every program's declared outcomes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcomes {
    programs: BTreeMap<ProgramKey, ProgramOutcomes>,
}

/// One program's outcome labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramOutcomes {
    /// Closing with one of these is a success (counted toward targets and the leaderboard).
    pub success: Vec<LabelName>,
    /// A request carrying one of these never counts, whatever else it carries.
    pub never: Vec<LabelName>,
}

/// How a closed request ended, as its labels say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome<'a> {
    /// Closed with a success label and no never-counts label.
    Success(&'a LabelName),
    /// Carries a never-counts label.
    Never(&'a LabelName),
    /// Carries none of the program's outcome labels.
    Unrecorded,
}

impl<'a> Outcome<'a> {
    /// Whether it counts toward targets and the leaderboard.
    pub fn counts(self) -> bool {
        matches!(self, Outcome::Success(_))
    }

    /// The outcome label, if any.
    pub fn label(self) -> Option<&'a LabelName> {
        match self {
            Outcome::Success(l) | Outcome::Never(l) => Some(l),
            Outcome::Unrecorded => None,
        }
    }
}

impl ProgramOutcomes {
    /// The outcome of a request carrying `labels` (the first never-counts label wins, then the
    /// first success label, in declaration order).
    pub fn of<'a>(&'a self, labels: &BTreeSet<LabelName>) -> Outcome<'a> {
        if let Some(l) = self.never.iter().find(|l| labels.contains(*l)) {
            return Outcome::Never(l);
        }
        match self.success.iter().find(|l| labels.contains(*l)) {
            Some(l) => Outcome::Success(l),
            None => Outcome::Unrecorded,
        }
    }

    /// Whether the program declares any success at all (without one, nothing can count).
    pub fn declares_success(&self) -> bool {
        !self.success.is_empty()
    }

    /// Every outcome label, success ones first, in declaration order.
    pub fn labels(&self) -> impl Iterator<Item = &LabelName> {
        self.success.iter().chain(self.never.iter())
    }
}

impl Outcomes {
    /// Builds outcomes from already validated parts (tests and callers that assemble them).
    pub fn new(programs: BTreeMap<ProgramKey, ProgramOutcomes>) -> Self {
        Self { programs }
    }

    /// A program's outcomes (none declared: empty).
    pub fn program(&self, program: &ProgramKey) -> ProgramOutcomes {
        self.programs.get(program).cloned().unwrap_or_default()
    }

    /// Every outcome label of every program: the team's project must have them all.
    pub fn labels(&self) -> BTreeSet<LabelName> {
        self.programs
            .values()
            .flat_map(|p| p.labels().cloned())
            .collect()
    }

    /// Parses and validates the outcomes file against the declared programs; every problem is
    /// reported with `file:line:col`, an unknown program with the closest declared key.
    pub fn from_yaml(
        file: &str,
        text: &str,
        declared: &Programs,
    ) -> Result<Self, Vec<ConfigError>> {
        let raw: RawOutcomes = crate::yaml::from_str_all(file, text)?;
        let mut errors = Vec::new();
        let mut programs = BTreeMap::new();
        for (key, raw) in raw.programs.0 {
            let Some(program) = declared.get(&key.value).map(|p| p.key.clone()) else {
                errors.push(declared.unknown(file, key.referenced, &key.value));
                continue;
            };
            if programs.contains_key(&program) {
                errors.push(ConfigError::at(
                    file,
                    key.referenced,
                    format!("program `{program}` is declared twice; declare each program once"),
                ));
                continue;
            }
            if let Some(p) = build_program(file, &key, raw, &mut errors) {
                programs.insert(program, p);
            }
        }
        if errors.is_empty() {
            Ok(Self { programs })
        } else {
            Err(errors)
        }
    }
}

fn build_program(
    file: &str,
    key: &Spanned<String>,
    raw: RawProgramOutcomes,
    errors: &mut Vec<ConfigError>,
) -> Option<ProgramOutcomes> {
    let before = errors.len();
    if raw.success.is_empty() {
        errors.push(
            ConfigError::at(
                file,
                key.referenced,
                format!("program `{}` declares no `success` outcome", key.value),
            )
            .hint(
                "list the label the team closes a successful request with, or remove the program",
            ),
        );
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for label in raw.success.iter().chain(raw.never.iter()) {
        let name = label.value.trim();
        if name.is_empty() || name.contains('*') {
            errors.push(
                ConfigError::at(
                    file,
                    label.referenced,
                    format!("`{name}` is not a label name"),
                )
                .hint("outcomes are exact labels such as \"outcome::published\" (no wildcards)"),
            );
        } else if !seen.insert(name) {
            errors.push(ConfigError::at(
                file,
                label.referenced,
                format!(
                    "`{name}` is listed twice for `{}`; a label is either a success or never counts",
                    key.value
                ),
            ));
        }
    }
    let labels = |v: &[Spanned<String>]| {
        v.iter()
            .map(|l| LabelName(l.value.trim().to_owned()))
            .collect()
    };
    (errors.len() == before).then(|| ProgramOutcomes {
        success: labels(&raw.success),
        never: labels(&raw.never),
    })
}

/// The outcomes file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcomes {
    /// Outcomes by program key.
    programs: SpannedMap<RawProgramOutcomes>,
}

/// One program's outcomes as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramOutcomes {
    success: Vec<Spanned<String>>,
    #[serde(default)]
    never: Vec<Spanned<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> BTreeSet<LabelName> {
        names.iter().map(|l| LabelName::from(*l)).collect()
    }

    #[test]
    fn a_never_counts_label_wins_over_a_success_label() {
        let eab = ProgramOutcomes {
            success: vec![LabelName::from("outcome::accepted")],
            never: vec![
                LabelName::from("outcome::declined"),
                LabelName::from("eab::below-vp"),
            ],
        };
        let accepted = LabelName::from("outcome::accepted");
        let below = LabelName::from("eab::below-vp");
        let table = [
            (vec!["outcome::accepted"], Outcome::Success(&accepted)),
            (
                vec!["outcome::accepted", "eab::below-vp"],
                Outcome::Never(&below),
            ),
            (vec!["eab::below-vp"], Outcome::Never(&below)),
            (vec!["advocacy-status::done"], Outcome::Unrecorded),
            (vec![], Outcome::Unrecorded),
        ];
        for (have, want) in table {
            assert_eq!(eab.of(&labels(&have)), want, "{have:?}");
            assert_eq!(eab.of(&labels(&have)).counts(), want.counts());
        }
    }

    #[test]
    fn the_outcomes_file_is_read_strictly_with_locations() {
        let ok = "programs:\n  story:\n    success: [\"outcome::published\"]\n    never: [\"outcome::declined\"]\n";
        let declared = Programs::from_yaml(
            "programs.yaml",
            "programs:\n  story: { title: Stories, label: s }\n  eab: { title: Board, label: e }\n",
        )
        .unwrap();
        let o = Outcomes::from_yaml("outcomes.yaml", ok, &declared).unwrap();
        assert_eq!(
            o.program(&ProgramKey::from("story")).success,
            [LabelName::from("outcome::published")]
        );
        assert!(o.program(&ProgramKey::from("eab")).success.is_empty());
        assert_eq!(o.labels().len(), 2);

        let table = [
            (
                "programs:\n  webinar:\n    success: [a]\n",
                "outcomes.yaml:2:3: unknown program `webinar`",
            ),
            (
                "programs:\n  stroy:\n    success: [a]\n",
                "unknown program `stroy` (hint: did you mean `story`?)",
            ),
            (
                "programs:\n  story:\n    never: [a]\n",
                "missing required key `success`",
            ),
            (
                "programs:\n  story:\n    success: []\n",
                "outcomes.yaml:2:3: program `story` declares no `success` outcome",
            ),
            (
                "programs:\n  story:\n    success: [a]\n    never: [a]\n",
                "outcomes.yaml:4:13: `a` is listed twice",
            ),
            (
                "programs:\n  story:\n    success: [\"outcome::*\"]\n",
                "`outcome::*` is not a label name",
            ),
            (
                "programs:\n  story:\n    succes: [a]\n",
                "did you mean `success`?",
            ),
        ];
        for (text, want) in table {
            let errors = Outcomes::from_yaml("outcomes.yaml", text, &declared).unwrap_err();
            let message = errors[0].to_string();
            assert!(message.contains(want), "{text}: {message}");
        }
    }
}
