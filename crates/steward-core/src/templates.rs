//! Description templates: loading the template files, recognising which template a filed issue
//! came from, and parsing its filled-in fields into typed values.
//!
//! Everything here is a pure function of its inputs except [`TemplateSet::load_dir`], which
//! reads the template directory once at start-up. Nothing here decides what to do with an issue
//! (that is `rules`) or talks to GitLab.
//!
//! The template file syntax is documented in `docs/templates.md`: one `**Label:** value` line per
//! field annotated with `<!-- steward:field key=… type=… [required] [multiple] -->`, checklists
//! for choices, a `<!-- steward:template=NAME intake="LABEL" -->` marker and a `/label` quick
//! action applying the intake label.

mod dates;
mod load;
mod markdown;
mod parse;
mod recognise;
mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{LabelName, TemplateName, TemplateSpec};

pub use dates::{DateOrder, parse_date};
pub use parse::{ParseOptions, parse_fields};

/// A problem in a template file, located at `path:line:col` (1-based), saying what is wrong and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{col}: {message}", path.display())]
pub struct TemplateError {
    /// The template file (as given to the loader).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// Which signal identified the template of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RecognisedBy {
    /// The hidden `<!-- steward:template=NAME -->` marker in the description.
    Marker,
    /// The template's intake label on the issue.
    IntakeLabel,
    /// The template's field labels found in the description.
    FieldLabels {
        /// How many of the template's field labels were found.
        matched: usize,
        /// How many field labels the template has.
        total: usize,
    },
}

/// The outcome of recognising an issue's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Recognition {
    /// Exactly one template was identified.
    Found {
        /// The template.
        template: TemplateName,
        /// The signal that identified it.
        by: RecognisedBy,
    },
    /// The strongest signal present names several templates; Steward does not guess.
    Ambiguous {
        /// The templates named (sorted).
        candidates: Vec<TemplateName>,
        /// The signal that named them.
        by: RecognisedBy,
    },
    /// Not filed from any known template.
    Unknown,
}

impl Recognition {
    /// The template, when exactly one was found.
    pub fn template(&self) -> Option<&TemplateName> {
        match self {
            Recognition::Found { template, .. } => Some(template),
            _ => None,
        }
    }
}

impl fmt::Display for Recognition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let by = |b: &RecognisedBy| match b {
            RecognisedBy::Marker => "hidden marker".to_owned(),
            RecognisedBy::IntakeLabel => "intake label".to_owned(),
            RecognisedBy::FieldLabels { matched, total } => {
                format!("{matched} of {total} field labels")
            }
        };
        match self {
            Recognition::Found { template, by: b } => write!(f, "{template} (by {})", by(b)),
            Recognition::Ambiguous { candidates, by: b } => {
                let names: Vec<_> = candidates.iter().map(TemplateName::as_str).collect();
                write!(f, "ambiguous between {} (by {})", names.join(", "), by(b))
            }
            Recognition::Unknown => f.write_str("no known template"),
        }
    }
}

/// The validated set of description templates, indexed for recognition.
#[derive(Debug, Clone, Default)]
pub struct TemplateSet {
    /// Sorted by name.
    templates: Vec<TemplateSpec>,
    by_name: BTreeMap<TemplateName, usize>,
    by_intake: BTreeMap<LabelName, usize>,
    /// Normalised field label → (template index, field index) pairs using it.
    by_field_label: HashMap<String, Vec<(usize, usize)>>,
}

impl TemplateSet {
    /// Loads every `*.md` file of `dir` (sorted by name) as a template. Every problem of every
    /// file is returned, each located at `path:line:col`.
    pub fn load_dir(dir: &Path) -> Result<TemplateSet, Vec<TemplateError>> {
        let io_err = |path: &Path, e: std::io::Error| TemplateError {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
            message: format!(
                "cannot read the template directory: {e}; check the path and its permissions"
            ),
        };
        let entries = std::fs::read_dir(dir).map_err(|e| vec![io_err(dir, e)])?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| vec![io_err(dir, e)])?.path();
            if path.extension().and_then(|e| e.to_str()) == Some("md") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        if paths.is_empty() {
            return Err(vec![TemplateError {
                path: dir.to_path_buf(),
                line: 1,
                col: 1,
                message: "no `.md` templates in this directory; point Steward at the directory holding the issue templates".to_owned(),
            }]);
        }
        let mut sources = Vec::with_capacity(paths.len());
        let mut errors = Vec::new();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => sources.push((path, text)),
                Err(e) => errors.push(TemplateError {
                    path,
                    line: 1,
                    col: 1,
                    message: format!(
                        "cannot read the template: {e}; it must be readable UTF-8 text"
                    ),
                }),
            }
        }
        match Self::from_sources(&sources) {
            Ok(set) if errors.is_empty() => Ok(set),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// Builds the set from already-read sources; each path is used for the template's name (its
    /// file stem) and in error messages.
    pub fn from_sources(sources: &[(PathBuf, String)]) -> Result<TemplateSet, Vec<TemplateError>> {
        let mut errors = Vec::new();
        let mut parsed: Vec<(&Path, TemplateSpec)> = Vec::new();
        for (path, text) in sources {
            match load::parse_template(path, text) {
                Ok(spec) => {
                    if let Some((first, _)) = parsed.iter().find(|(_, s)| s.name == spec.name) {
                        errors.push(TemplateError {
                            path: path.clone(),
                            line: 1,
                            col: 1,
                            message: format!(
                                "template `{}` is defined twice (also in {}); keep one",
                                spec.name,
                                first.display()
                            ),
                        });
                    } else if let Some((first, other)) = parsed
                        .iter()
                        .find(|(_, s)| s.intake_label == spec.intake_label)
                    {
                        errors.push(TemplateError {
                            path: path.clone(),
                            line: 1,
                            col: 1,
                            message: format!("intake label `{}` is also the intake label of `{}` ({}); each template needs its own so issues can be told apart", spec.intake_label, other.name, first.display()),
                        });
                    } else {
                        parsed.push((path, spec));
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut templates: Vec<TemplateSpec> = parsed.into_iter().map(|(_, s)| s).collect();
        templates.sort_by(|a, b| a.name.cmp(&b.name));
        let mut set = TemplateSet::default();
        let mut key = String::new();
        for (ti, t) in templates.iter().enumerate() {
            set.by_name.insert(t.name.clone(), ti);
            set.by_intake.insert(t.intake_label.clone(), ti);
            for (fi, f) in t.fields.iter().enumerate() {
                markdown::normalise_label_into(&f.label, &mut key);
                set.by_field_label
                    .entry(key.clone())
                    .or_default()
                    .push((ti, fi));
            }
        }
        set.templates = templates;
        Ok(set)
    }

    /// The template with this name.
    pub fn get(&self, name: &TemplateName) -> Option<&TemplateSpec> {
        self.by_name.get(name).map(|&i| &self.templates[i])
    }

    /// All templates, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &TemplateSpec> {
        self.templates.iter()
    }

    /// Number of templates.
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// Whether the set holds no template.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// Every template's intake label.
    pub fn intake_labels(&self) -> BTreeSet<LabelName> {
        self.by_intake.keys().cloned().collect()
    }

    /// Recognises the template an issue was filed from: the hidden marker first, else the intake
    /// label, else a meaningful share (at least half, and at least two) of a template's field
    /// labels. Conflicting evidence at the deciding level is reported as `Ambiguous`.
    pub fn recognise(&self, description: &str, labels: &BTreeSet<LabelName>) -> Recognition {
        recognise::recognise(self, description, labels)
    }
}
