//! The decision engine: everything loaded from disk once (templates, rules, roster, calendar)
//! and `decide` = recognise → parse → evaluate for one issue.
//!
//! Loading reads files; deciding is pure (no I/O, `now` is a parameter). Acting on the
//! decision belongs to the reconciler.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::labels::{LABELS_FILE, LabelCatalog};
use super::raw::RawRuleFile;
use super::{Roster, RuleSet, RuleSource, Workload, evaluate};
use crate::calendar::{Calendar, NumericDateOrder};
use crate::diagnostics::ConfigError;
use crate::digest::{OUTCOMES_FILE, Outcomes};
use crate::model::{
    FieldError, FieldValue, Issue, LabelName, ParsedFields, Plan, TemplateName, TemplateSpec,
};
use crate::templates::{
    DateOrder, ParseOptions, Recognition, TemplateError, TemplateSet, parse_fields,
};

/// The roster file inside the rules directory.
pub const ROSTER_FILE: &str = "roster.yaml";
/// The calendar file inside the rules directory.
pub const CALENDAR_FILE: &str = "calendar.yaml";

/// Everything needed to decide, validated. Immutable and `Send + Sync`: share it behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Engine {
    templates: TemplateSet,
    rules: RuleSet,
    roster: Roster,
    calendar: Calendar,
    outcomes: Outcomes,
    parse: ParseOptions,
}

/// What Steward decided for one issue. Serialises to the JSON printed by `steward plan`:
/// exactly `template`, `fields`, `field_errors`, `matched_rules` and `plan`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The recognised template, or null.
    pub template: Option<TemplateName>,
    /// Parsed values by field key (dates as `YYYY-MM-DD`).
    pub fields: BTreeMap<String, FieldValue>,
    /// Missing or unreadable required fields.
    pub field_errors: Vec<FieldError>,
    /// Names of the rules that fired, in evaluation order.
    pub matched_rules: Vec<String>,
    /// The desired end state (its `matched_rules` holds the reasons; not serialised).
    pub plan: Plan,
    /// How the template was (or was not) recognised.
    #[serde(skip)]
    pub recognition: Recognition,
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

fn read(path: &Path, errors: &mut Vec<ConfigError>) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(
                ConfigError::file(&path.display().to_string(), format!("cannot read: {e}"))
                    .hint("check the path given with --rules / --templates"),
            );
            None
        }
    }
}

/// The rule files in `rules_dir` (every `*.yaml` / `*.yml` but the roster, calendar and
/// outcomes), in file-name order.
fn rule_files(rules_dir: &Path, errors: &mut Vec<ConfigError>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(rules_dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                (name.ends_with(".yaml") || name.ends_with(".yml"))
                    && name != ROSTER_FILE
                    && name != CALENDAR_FILE
                    && name != OUTCOMES_FILE
                    && name != LABELS_FILE
            })
            .collect(),
        Err(e) => {
            errors.push(
                ConfigError::file(
                    &rules_dir.display().to_string(),
                    format!("cannot read the rules directory: {e}"),
                )
                .hint(
                    "pass the directory holding roster.yaml, calendar.yaml and the rule files \
                     with --rules",
                ),
            );
            Vec::new()
        }
    };
    paths.sort();
    paths
}

/// The optional outcomes file: absent means no program declares a success.
fn load_outcomes(path: &Path, errors: &mut Vec<ConfigError>) -> Outcomes {
    if !path.exists() {
        return Outcomes::default();
    }
    read(path, errors)
        .and_then(|t| {
            Outcomes::from_yaml(&path.display().to_string(), &t)
                .map_err(|es| errors.extend(es))
                .ok()
        })
        .unwrap_or_default()
}

/// Labels that templates (their intake label) and outcomes use but `labels.yaml` lacks.
fn undeclared_elsewhere(
    labels: &LabelCatalog,
    templates: &TemplateSet,
    outcomes: &Outcomes,
    labels_file: &str,
) -> Vec<ConfigError> {
    let mut used: BTreeSet<LabelName> = templates.intake_labels();
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
fn templates_agree_with(
    rules: &RuleSet,
    templates: &TemplateSet,
    templates_dir: &Path,
) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for spec in templates.iter() {
        let checks = rules.lead_time_checks(&spec.name);
        if checks.is_empty() {
            continue;
        }
        let path = templates_dir.join(format!("{}.md", spec.name.0));
        if let Some(text) = read(&path, &mut errors) {
            errors.extend(super::agreement::lead_times_agree(
                &path.display().to_string(),
                &text,
                &checks,
            ));
        }
    }
    errors
}

impl Engine {
    /// Loads and validates templates (`templates_dir/*.md`), the roster and calendar
    /// (`rules_dir/roster.yaml`, `rules_dir/calendar.yaml`), the programs' outcomes
    /// (`rules_dir/outcomes.yaml`, optional) and every other `rules_dir/*.yaml`
    /// as rule files, in file-name order. Returns every problem found, each `file:line:col: …`.
    pub fn load(rules_dir: &Path, templates_dir: &Path) -> Result<Engine, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let templates = match TemplateSet::load_dir(templates_dir) {
            Ok(t) => Some(t),
            Err(es) => {
                errors.extend(es.into_iter().map(template_error));
                None
            }
        };
        let display = |p: &Path| p.display().to_string();
        let roster_path = rules_dir.join(ROSTER_FILE);
        let roster = read(&roster_path, &mut errors).and_then(|t| {
            Roster::from_yaml(&display(&roster_path), &t)
                .map_err(|es| errors.extend(es))
                .ok()
        });
        let cal_path = rules_dir.join(CALENDAR_FILE);
        let calendar = read(&cal_path, &mut errors).and_then(|t| {
            Calendar::from_yaml(&display(&cal_path), &t)
                .map_err(|es| errors.extend(es))
                .ok()
        });
        let labels_path = rules_dir.join(LABELS_FILE);
        let labels = read(&labels_path, &mut errors).and_then(|t| {
            LabelCatalog::from_yaml(&display(&labels_path), &t)
                .map_err(|es| errors.extend(es))
                .ok()
        });
        let rule_paths = rule_files(rules_dir, &mut errors);
        let outcomes = load_outcomes(&rules_dir.join(OUTCOMES_FILE), &mut errors);
        let mut parsed = Vec::new();
        for p in &rule_paths {
            if let Some(text) = read(p, &mut errors) {
                match serde_saphyr::from_str::<RawRuleFile>(&text) {
                    Ok(raw) => parsed.push((display(p), raw)),
                    Err(e) => errors.push(ConfigError::from_yaml(&display(p), &e)),
                }
            }
        }
        // Names can only be resolved against templates and roles that loaded.
        let (Some(templates), Some(roster), Some(calendar), Some(labels)) =
            (templates, roster, calendar, labels)
        else {
            return Err(errors);
        };
        let specs: Vec<_> = templates.iter().cloned().collect();
        let rules = RuleSet::try_from(RuleSource {
            files: parsed,
            templates: &specs,
            roster: &roster,
            labels: Some(&labels),
        });
        errors.extend(undeclared_elsewhere(
            &labels,
            &templates,
            &outcomes,
            &display(&labels_path),
        ));
        if let Ok(rules) = &rules {
            errors.extend(templates_agree_with(rules, &templates, templates_dir));
        }
        match rules {
            Ok(rules) if errors.is_empty() => {
                let date_order = match calendar.date_order() {
                    NumericDateOrder::MonthFirst => DateOrder::MonthFirst,
                    NumericDateOrder::DayFirst => DateOrder::DayFirst,
                };
                Ok(Engine {
                    templates,
                    rules,
                    roster,
                    calendar,
                    outcomes,
                    parse: ParseOptions { date_order },
                })
            }
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// Recognises the issue's template, parses its fields and evaluates the rules.
    pub fn decide(&self, issue: &Issue, now: DateTime<Utc>, workload: &Workload) -> Decision {
        let recognition = self.templates.recognise(&issue.description, &issue.labels);
        let spec = recognition.template().and_then(|t| self.templates.get(t));
        let fields = match spec {
            Some(s) => {
                let parsed = parse_fields(s, &issue.description, &self.parse);
                let parsed = self.refuse_dates_before_filing(s, issue, parsed);
                self.explain_lead_time_dates(s, parsed)
            }
            None => ParsedFields::default(),
        };
        let plan = evaluate(
            &self.rules,
            issue,
            spec,
            &fields,
            now,
            &self.calendar,
            &self.roster,
            workload,
        );
        Decision {
            template: spec.map(|s| s.name.clone()),
            fields: fields.values,
            field_errors: fields.errors,
            matched_rules: plan.matched_rules.iter().map(|m| m.name.clone()).collect(),
            plan,
            recognition,
        }
    }

    /// A date the rules count from (an event, a deadline) that lies before the day the request
    /// was filed cannot be meant: it becomes a field error naming the likely intended year,
    /// instead of a negative lead time or a due date in the past.
    fn refuse_dates_before_filing(
        &self,
        spec: &TemplateSpec,
        issue: &Issue,
        mut fields: ParsedFields,
    ) -> ParsedFields {
        let filed = self.calendar.local_date(issue.created_at);
        for key in self.rules.dates_counted_from(&spec.name) {
            let Some(FieldValue::Date(d)) = fields.values.get(key).cloned() else {
                continue;
            };
            if d >= filed {
                continue;
            }
            let Some(f) = spec.field(key) else { continue };
            fields.values.remove(key);
            // The same day and month in the filing year or the next: the usual slip is the year.
            let meant = [filed.year(), filed.year() + 1]
                .into_iter()
                .filter_map(|y| d.with_year(y))
                .find(|m| *m >= filed);
            let hint = match meant {
                Some(m) => format!("; did you mean {m}?"),
                None => String::new(),
            };
            fields.errors.push(FieldError {
                field: f.label.clone(),
                message: format!("{d} is before this request was filed ({filed}){hint}"),
                required: f.required,
            });
        }
        fields
    }

    /// Says, on each unreadable date that a lead-time check measures, that the lead time is
    /// checked once the date can be read (until then no lead-time verdict is given).
    fn explain_lead_time_dates(
        &self,
        spec: &TemplateSpec,
        mut fields: ParsedFields,
    ) -> ParsedFields {
        let measured = self.rules.lead_time_fields(&spec.name);
        for e in &mut fields.errors {
            let is_measured = spec
                .fields
                .iter()
                .any(|f| f.label == e.field && measured.contains(f.key.as_str()));
            if is_measured {
                e.message
                    .push_str(" — the lead time is checked as soon as this date can be read");
            }
        }
        fields
    }

    /// Every literal label a rule or a template's intake may add, and every outcome label the
    /// team closes requests with, to check against the project's labels before writing
    /// (GITLAB.md §3.1: unknown labels are created silently).
    pub fn labels_used(&self) -> BTreeSet<LabelName> {
        let mut all = self.rules.labels_added();
        all.extend(self.templates.intake_labels());
        all.extend(self.outcomes.labels());
        all
    }

    /// The programs' declared outcomes (`rules/outcomes.yaml`).
    pub fn outcomes(&self) -> &Outcomes {
        &self.outcomes
    }

    /// The templates.
    pub fn templates(&self) -> &TemplateSet {
        &self.templates
    }

    /// The rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The roster.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }
}
