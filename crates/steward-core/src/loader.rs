//! Loading a team's configuration into a validated [`Engine`]: templates, roster, calendar,
//! labels, programs and their outcomes, and the rule files, from a directory or from files held
//! in memory ([`Files`]; e.g. the set embedded in the binary). Every problem is returned at once,
//! each `file:line:col: …`, with the file named as the person editing it knows it.
//!
//! Reading and validating only; deciding is `rules::Engine::decide`.

mod files;
#[cfg(test)]
mod tests_customers;

use std::path::Path;

pub use self::files::Files;
use crate::calendar::Calendar;
use crate::customers::{CUSTOMERS_FILE, CustomerRules};
use crate::diagnostics::ConfigError;
use crate::model::LabelName;
use crate::programs::{OUTCOMES_FILE, Outcomes, PROGRAMS_FILE, Programs};
use crate::rules::engine::{CALENDAR_FILE, EngineParts, ROSTER_FILE, lead_times_disagree};
use crate::rules::labels::{LABELS_FILE, LabelCatalog};
use crate::rules::raw::RawRuleFile;
use crate::rules::{Engine, Roster, RuleSet, RuleSource};
use crate::templates::TemplateSet;

/// Files of the rules directory that are not rule files.
pub const NOT_RULE_FILES: [&str; 6] = [
    ROSTER_FILE,
    CALENDAR_FILE,
    OUTCOMES_FILE,
    LABELS_FILE,
    PROGRAMS_FILE,
    CUSTOMERS_FILE,
];

/// Every file read and parsed on its own; names are resolved across them afterwards.
struct Read {
    templates: Option<TemplateSet>,
    roster: Option<Roster>,
    calendar: Option<Calendar>,
    labels: Option<LabelCatalog>,
    programs: Programs,
    outcomes: Outcomes,
    rule_files: Vec<(String, RawRuleFile)>,
    /// Every rule file was read and parsed.
    all_rule_files_parsed: bool,
}

impl Engine {
    /// Loads and validates templates (`templates_dir/*.md`), the roster and calendar
    /// (`rules_dir/roster.yaml`, `rules_dir/calendar.yaml`), the label catalogue, the programs
    /// and their outcomes (`rules_dir/programs.yaml`, `rules_dir/outcomes.yaml`, both optional)
    /// and every other `rules_dir/*.yaml` as rule files, in file-name order. Returns every
    /// problem found, each `file:line:col: …`.
    pub fn load(rules_dir: &Path, templates_dir: &Path) -> Result<Engine, Vec<ConfigError>> {
        Self::load_from(&Files::dir(rules_dir), &Files::dir(templates_dir))
    }

    /// [`Engine::load`] from any source of files (a directory, or files held in memory).
    pub fn load_from(rules: &Files, templates: &Files) -> Result<Engine, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let read = read_all(rules, templates, &mut errors);
        // Names can only be resolved against templates and roles that loaded.
        let (Some(templates_set), Some(roster), Some(calendar), Some(labels)) =
            (read.templates, read.roster, read.calendar, read.labels)
        else {
            return Err(errors);
        };
        let specs: Vec<_> = templates_set.iter().cloned().collect();
        let rule_set = RuleSet::try_from(RuleSource {
            files: read.rule_files,
            templates: &specs,
            roster: &roster,
            labels: Some(&labels),
            check_comment_keys: read.all_rule_files_parsed,
        });
        errors.extend(
            read.programs
                .check_names(labels.names(), specs.iter().map(|s| s.name.as_str())),
        );
        errors.extend(undeclared_elsewhere(
            &labels,
            &templates_set,
            &read.outcomes,
            &rules.display(LABELS_FILE),
        ));
        if let Ok(rule_set) = &rule_set {
            errors.extend(templates_agree_with(rule_set, &templates_set, templates));
        }
        if let Some(l) = roster.cover_label()
            && !labels.contains(l.as_str())
        {
            errors.push(
                ConfigError::file(
                    &rules.display(ROSTER_FILE),
                    format!("`cover_label` `{l}` is not declared in {LABELS_FILE}"),
                )
                .hint("declare it with its colour and description"),
            );
        }
        let customers = if rules.exists(CUSTOMERS_FILE) {
            let names: Vec<&str> = labels.names().collect();
            let parse = |f: &str, t: &str| CustomerRules::from_yaml(f, t, &templates_set, &names);
            required(rules, CUSTOMERS_FILE, &mut errors, parse).unwrap_or_default()
        } else {
            CustomerRules::default()
        };
        let waiting_labels = labels.waiting_labels();
        match rule_set {
            Ok(rule_set) if errors.is_empty() => Ok(Engine::from_parts(EngineParts {
                templates: templates_set,
                rules: rule_set,
                roster,
                calendar,
                programs: read.programs,
                outcomes: read.outcomes,
                waiting_labels,
                labels,
                customers,
            })),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }
}

/// Reads and parses every file, each on its own.
fn read_all(rules: &Files, templates: &Files, errors: &mut Vec<ConfigError>) -> Read {
    let templates = templates.templates().map_err(|es| errors.extend(es)).ok();
    let roster = required(rules, ROSTER_FILE, errors, Roster::from_yaml);
    let calendar = required(rules, CALENDAR_FILE, errors, Calendar::from_yaml);
    let labels = required(rules, LABELS_FILE, errors, LabelCatalog::from_yaml);
    let names = rules.rule_file_names(&NOT_RULE_FILES, errors);
    let programs = optional(rules, PROGRAMS_FILE, errors, Programs::from_yaml);
    let outcomes = optional(rules, OUTCOMES_FILE, errors, |f, t| {
        Outcomes::from_yaml(f, t, &programs)
    });
    let mut rule_files = Vec::new();
    for name in &names {
        let Ok(text) = rules.read(name).map_err(|e| errors.push(e)) else {
            continue;
        };
        let file = rules.display(name);
        match crate::yaml::from_str_all::<RawRuleFile>(&file, &text) {
            Ok(raw) => rule_files.push((file, raw)),
            Err(es) => errors.extend(es),
        }
    }
    Read {
        templates,
        roster,
        calendar,
        labels,
        programs,
        outcomes,
        all_rule_files_parsed: rule_files.len() == names.len(),
        rule_files,
    }
}

/// A file of the rules directory that must be there.
fn required<T>(
    rules: &Files,
    name: &str,
    errors: &mut Vec<ConfigError>,
    parse: impl FnOnce(&str, &str) -> Result<T, Vec<ConfigError>>,
) -> Option<T> {
    rules
        .read(name)
        .map_err(|e| vec![e])
        .and_then(|text| parse(&rules.display(name), &text))
        .map_err(|es| errors.extend(es))
        .ok()
}

/// An optional file of the rules directory: absent means its default (no programs, no
/// outcomes).
fn optional<T: Default>(
    rules: &Files,
    name: &str,
    errors: &mut Vec<ConfigError>,
    parse: impl FnOnce(&str, &str) -> Result<T, Vec<ConfigError>>,
) -> T {
    if !rules.exists(name) {
        return T::default();
    }
    required(rules, name, errors, parse).unwrap_or_default()
}

/// Labels that templates (their intake label) and outcomes use but `labels.yaml` lacks.
fn undeclared_elsewhere(
    labels: &LabelCatalog,
    templates: &TemplateSet,
    outcomes: &Outcomes,
    labels_file: &str,
) -> Vec<ConfigError> {
    let mut used: std::collections::BTreeSet<LabelName> = templates.intake_labels();
    used.extend(outcomes.labels());
    used.iter()
        .filter(|l| !labels.contains(l.as_str()))
        .map(|l| {
            ConfigError::file(
                labels_file,
                format!("label `{l}` is used by a template or outcomes.yaml but not declared"),
            )
            .hint("declare it with its colour and description")
        })
        .collect()
}

/// What each template tells requesters about lead times, checked against its rules (the
/// template files are read again: the loaded templates keep only their fields).
fn templates_agree_with(rules: &RuleSet, set: &TemplateSet, files: &Files) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for spec in set.iter() {
        if rules.lead_time_checks(&spec.name).is_empty() {
            continue;
        }
        let name = format!("{}.md", spec.name.0);
        match files.read(&name) {
            Ok(text) => errors.extend(lead_times_disagree(
                rules,
                &spec.name,
                &files.display(&name),
                &text,
            )),
            Err(e) => errors.push(e),
        }
    }
    errors
}
