//! Where configuration files come from: a directory on disk, or files held in memory (the set
//! embedded in the binary, a test's). Either way a file is named `dir/name` in messages, so an
//! error in an embedded file still reads `rules/x.yaml:line:col`.
//!
//! Reading only; parsing is the loaders'.

use std::path::{Path, PathBuf};

use crate::diagnostics::ConfigError;
use crate::templates::{TemplateError, TemplateSet};

/// A set of configuration files: the rules directory or the templates directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Files {
    /// The files of a directory on disk.
    Dir(PathBuf),
    /// Files held in memory, as `(file name, text)`, shown as `dir/name`.
    Memory {
        /// The directory name shown in messages (`rules`).
        dir: String,
        /// The files, by file name (`roster.yaml`).
        files: Vec<(String, String)>,
    },
}

impl Files {
    /// The files of `dir`.
    pub fn dir(dir: &Path) -> Files {
        Files::Dir(dir.to_path_buf())
    }

    /// Files held in memory, shown as `dir/name`.
    pub fn memory(dir: &str, files: &[(&str, &str)]) -> Files {
        Files::Memory {
            dir: dir.to_owned(),
            files: files
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
                .collect(),
        }
    }

    /// How the file `name` is named in messages.
    pub fn display(&self, name: &str) -> String {
        match self {
            Files::Dir(dir) => dir.join(name).display().to_string(),
            Files::Memory { dir, .. } => format!("{dir}/{name}"),
        }
    }

    /// Whether the file `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        match self {
            Files::Dir(dir) => dir.join(name).exists(),
            Files::Memory { files, .. } => files.iter().any(|(n, _)| n == name),
        }
    }

    /// The text of the file `name`.
    pub fn read(&self, name: &str) -> Result<String, ConfigError> {
        let missing = |message: String| {
            ConfigError::file(&self.display(name), message)
                .hint("check the path given with --rules / --templates")
        };
        match self {
            Files::Dir(dir) => std::fs::read_to_string(dir.join(name))
                .map_err(|e| missing(format!("cannot read: {e}"))),
            Files::Memory { files, .. } => files
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| missing("cannot read: no such file".to_owned())),
        }
    }

    /// The rule files: every `*.yaml` / `*.yml` but those in `except`, in file-name order.
    pub(crate) fn rule_file_names(
        &self,
        except: &[&str],
        errors: &mut Vec<ConfigError>,
    ) -> Vec<String> {
        let is_rule_file = |name: &str| {
            (name.ends_with(".yaml") || name.ends_with(".yml")) && !except.contains(&name)
        };
        let mut names: Vec<String> = match self {
            Files::Dir(dir) => match std::fs::read_dir(dir) {
                Ok(entries) => entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                    .collect(),
                Err(e) => {
                    errors.push(
                        ConfigError::file(
                            &dir.display().to_string(),
                            format!("cannot read the rules directory: {e}"),
                        )
                        .hint(
                            "pass the directory holding roster.yaml, calendar.yaml and the rule \
                             files with --rules",
                        ),
                    );
                    Vec::new()
                }
            },
            Files::Memory { files, .. } => files.iter().map(|(n, _)| n.clone()).collect(),
        };
        names.retain(|n| is_rule_file(n));
        names.sort();
        names
    }

    /// Every `*.md` file as a template.
    pub(crate) fn templates(&self) -> Result<TemplateSet, Vec<ConfigError>> {
        let set = match self {
            Files::Dir(dir) => TemplateSet::load_dir(dir),
            Files::Memory { dir, files } => {
                let mut sources: Vec<(PathBuf, String)> = files
                    .iter()
                    .filter(|(n, _)| n.ends_with(".md"))
                    .map(|(n, t)| (Path::new(dir).join(n), t.clone()))
                    .collect();
                sources.sort();
                TemplateSet::from_sources(&sources)
            }
        };
        set.map_err(|es| es.into_iter().map(template_error).collect())
    }
}

fn template_error(e: TemplateError) -> ConfigError {
    ConfigError {
        file: e.path.display().to_string(),
        line: e.line as u64,
        column: e.col as u64,
        message: e.message,
        hint: None,
    }
}
