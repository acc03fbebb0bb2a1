//! The programs a team runs, declared in `rules/programs.yaml`: each program's key, title, the
//! label (and intake templates) that put a request in it, the kind of item tracking it, what
//! its digest measures, and (in `rules/outcomes.yaml`) what counts as its success.
//!
//! Loading and lookups only: selecting and rendering digests is `digest`, checking names
//! against the label catalogue and the templates is the loader's job (it has both).
//!
//! ```yaml
//! programs:
//!   story:
//!     title: Customer Stories
//!     label: "advocacy-program::story"
//!     templates: [customer-story-idea]
//!     tracking: epic
//!     targets: [story, marquee_video]
//!     target_names: { story: "Customer stories published" }   # optional
//! ```

mod outcomes;

use serde::{Deserialize, Serialize};
use serde_saphyr::{Location, Spanned};

pub use self::outcomes::{OUTCOMES_FILE, Outcome, Outcomes, ProgramOutcomes};
use crate::diagnostics::{ConfigError, suggestion};
pub use crate::model::ProgramKey;
use crate::model::{LabelName, TemplateName};
use crate::yaml::SpannedMap;

/// The programs file inside the rules directory.
pub const PROGRAMS_FILE: &str = "programs.yaml";

/// What kind of item tracks a program: where its weekly digest may be posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tracking {
    /// A tracking epic (`digest.post_to.KEY: { epic: … }`).
    Epic,
    /// A plain tracking issue (`digest.post_to.KEY: { issue: … }`), for tiers without epics.
    Issue,
}

/// A target the digest measures a program against, by its key in `digest.targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Successes per fiscal quarter (`digest.targets.story`).
    Story,
    /// Successes carrying a label, per fiscal year (`digest.targets.marquee_video`).
    MarqueeVideo,
    /// A cohort size range for the fiscal year (`digest.targets.eab`).
    Eab,
    /// Successes per fiscal quarter, only when configured (`digest.targets.earnings`).
    Earnings,
}

impl TargetKind {
    /// What is counted, as the digest says it when the program names it no other way.
    pub fn default_name(self) -> &'static str {
        match self {
            Self::Story => "Customer stories published",
            Self::MarqueeVideo => "Marquee videos",
            Self::Eab => "EAB cohort members accepted",
            Self::Earnings => "Earnings references delivered",
        }
    }
}

/// How a program's digest names what its targets count (`Meetups held`), by target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetNames {
    /// For `story`.
    pub story: Option<String>,
    /// For `marquee_video`.
    pub marquee_video: Option<String>,
    /// For `eab`.
    pub eab: Option<String>,
    /// For `earnings`.
    pub earnings: Option<String>,
}

/// One declared program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Its key (`story`).
    pub key: ProgramKey,
    /// How the team names it (`Customer Stories`): the digest's heading.
    pub title: String,
    /// The label that puts a request in the program (`advocacy-program::story`).
    pub label: LabelName,
    /// The intake templates whose requests belong to it.
    pub templates: Vec<TemplateName>,
    /// What its digest must be posted on (none declared: an epic or an issue).
    pub tracking: Option<Tracking>,
    /// The targets its digest reports progress on, in this order.
    pub targets: Vec<TargetKind>,
    /// Whether its digest carries the contest leaderboard.
    pub leaderboard: bool,
    /// What its targets count, where it names them itself.
    pub target_names: TargetNames,
}

impl Program {
    /// What the target `kind` counts, as this program's digest says it.
    pub fn target_name(&self, kind: TargetKind) -> &str {
        let named = match kind {
            TargetKind::Story => &self.target_names.story,
            TargetKind::MarqueeVideo => &self.target_names.marquee_video,
            TargetKind::Eab => &self.target_names.eab,
            TargetKind::Earnings => &self.target_names.earnings,
        };
        named.as_deref().unwrap_or(kind.default_name())
    }
}

/// Every declared program, in declaration order (the order digests are previewed in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Programs {
    file: String,
    programs: Vec<Program>,
    spans: Vec<Spans>,
}

/// Where a program's names were written, to locate errors found against other files.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spans {
    key: Location,
    label: Location,
    templates: Vec<Location>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrograms {
    programs: SpannedMap<RawProgram>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    title: String,
    label: Spanned<String>,
    #[serde(default)]
    templates: Vec<Spanned<String>>,
    #[serde(default)]
    tracking: Option<Tracking>,
    #[serde(default)]
    targets: Vec<TargetKind>,
    #[serde(default)]
    leaderboard: bool,
    #[serde(default)]
    target_names: TargetNames,
}

/// Whether `key` can name a program in configuration keys and reports.
fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Programs {
    /// Parses and validates the programs file; every problem is reported with `file:line:col`.
    pub fn from_yaml(file: &str, text: &str) -> Result<Self, Vec<ConfigError>> {
        let raw: RawPrograms = crate::yaml::from_str_all(file, text)?;
        let mut errors = Vec::new();
        let mut out = Programs {
            file: file.to_owned(),
            ..Programs::default()
        };
        for (key, raw) in raw.programs.0 {
            let at = |message: String| ConfigError::at(file, key.referenced, message);
            if !is_key(&key.value) {
                errors.push(
                    at(format!("`{}` is not a program key", key.value))
                        .hint("use lowercase letters, digits, `_` and `-` (e.g. `story`)"),
                );
            } else if out.get(&key.value).is_some() {
                errors.push(at(format!(
                    "program `{}` is declared twice; declare each program once",
                    key.value
                )));
            } else if raw.title.trim().is_empty() {
                errors.push(at(format!("program `{}` has an empty `title`", key.value)));
            } else {
                out.push(key, raw);
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn push(&mut self, key: Spanned<String>, raw: RawProgram) {
        self.spans.push(Spans {
            key: key.referenced,
            label: raw.label.referenced,
            templates: raw.templates.iter().map(|t| t.referenced).collect(),
        });
        self.programs.push(Program {
            key: ProgramKey(key.value),
            title: raw.title.trim().to_owned(),
            label: LabelName(raw.label.value.trim().to_owned()),
            templates: raw
                .templates
                .into_iter()
                .map(|t| TemplateName(t.value.trim().to_owned()))
                .collect(),
            tracking: raw.tracking,
            targets: raw.targets,
            leaderboard: raw.leaderboard,
            target_names: raw.target_names,
        });
    }

    /// The program with this key.
    pub fn get(&self, key: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.key.as_str() == key)
    }

    /// Every program, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = &Program> {
        self.programs.iter()
    }

    /// Every key, in declaration order (for suggestions).
    pub fn keys(&self) -> impl Iterator<Item = &str> + Clone {
        self.programs.iter().map(|p| p.key.as_str())
    }

    /// How many programs are declared.
    pub fn len(&self) -> usize {
        self.programs.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.programs.is_empty()
    }

    /// "unknown program `x`" for a key not declared, located at `loc` of `file`, with the
    /// closest declared key.
    pub fn unknown(&self, file: &str, loc: Location, key: &str) -> ConfigError {
        ConfigError::at(file, loc, format!("unknown program `{key}`"))
            .hint(suggestion(key, self.keys()))
    }

    /// Checks every program's label against the declared labels and its templates against the
    /// loaded ones; each problem names the closest valid name.
    pub fn check_names<'a>(
        &self,
        labels: impl IntoIterator<Item = &'a str> + Clone,
        templates: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        for (p, spans) in self.programs.iter().zip(&self.spans) {
            let label = p.label.as_str();
            if !labels.clone().into_iter().any(|l| l == label) {
                errors.push(
                    ConfigError::at(
                        &self.file,
                        spans.label,
                        format!("program `{}`: label `{label}` is not declared", p.key),
                    )
                    .hint(format!(
                        "{} (labels are declared in labels.yaml)",
                        suggestion(label, labels.clone())
                    )),
                );
            }
            for (t, loc) in p.templates.iter().zip(&spans.templates) {
                if !templates.clone().into_iter().any(|n| n == t.as_str()) {
                    errors.push(
                        ConfigError::at(
                            &self.file,
                            *loc,
                            format!("program `{}`: no template `{t}`", p.key),
                        )
                        .hint(suggestion(t.as_str(), templates.clone())),
                    );
                }
            }
        }
        errors
    }

    /// Where the program `key` is declared (for errors found elsewhere), if it is.
    pub fn location(&self, key: &str) -> Option<Location> {
        let i = self.programs.iter().position(|p| p.key.as_str() == key)?;
        Some(self.spans[i].key)
    }
}

#[cfg(test)]
mod tests;
