//! The decision engine: everything loaded once (templates, rules, roster, calendar, programs)
//! and `decide` = recognise → parse → evaluate for one issue.
//!
//! Deciding is pure (no I/O, `now` is a parameter); loading and validating the files is
//! `crate::loader`, acting on the decision belongs to the reconciler.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::labels::LabelCatalog;
use super::{Roster, RuleSet, Workload, evaluate};
use crate::calendar::{Calendar, NumericDateOrder};
use crate::customers::CustomerRules;
use crate::diagnostics::ConfigError;
use crate::model::{
    FieldError, FieldValue, Issue, LabelName, ParsedFields, Plan, TemplateName, TemplateSpec,
};
use crate::programs::{Outcomes, Programs};
use crate::templates::{DateOrder, ParseOptions, Recognition, TemplateSet, parse_fields};

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
    programs: Programs,
    outcomes: Outcomes,
    labels: LabelCatalog,
    parse: ParseOptions,
    waiting_labels: Vec<LabelName>,
    customers: CustomerRules,
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

/// The parts of an engine, validated by the loader (`crate::loader`).
pub(crate) struct EngineParts {
    pub(crate) templates: TemplateSet,
    pub(crate) rules: RuleSet,
    pub(crate) roster: Roster,
    pub(crate) calendar: Calendar,
    pub(crate) programs: Programs,
    pub(crate) outcomes: Outcomes,
    pub(crate) waiting_labels: Vec<LabelName>,
    pub(crate) labels: LabelCatalog,
    pub(crate) customers: CustomerRules,
}

/// What the template at `file` (text `text`) tells requesters about lead times that its rules
/// do not require (one error at the template and one at the rule).
pub(crate) fn lead_times_disagree(
    rules: &RuleSet,
    template: &TemplateName,
    file: &str,
    text: &str,
) -> Vec<ConfigError> {
    let checks = rules.lead_time_checks(template);
    if checks.is_empty() {
        return Vec::new();
    }
    super::agreement::lead_times_agree(file, text, &checks)
}

impl Engine {
    /// Assembles an engine from validated parts.
    pub(crate) fn from_parts(parts: EngineParts) -> Engine {
        let date_order = match parts.calendar.date_order() {
            NumericDateOrder::MonthFirst => DateOrder::MonthFirst,
            NumericDateOrder::DayFirst => DateOrder::DayFirst,
        };
        Engine {
            templates: parts.templates,
            rules: parts.rules,
            roster: parts.roster,
            calendar: parts.calendar,
            programs: parts.programs,
            outcomes: parts.outcomes,
            labels: parts.labels,
            parse: ParseOptions { date_order },
            waiting_labels: parts.waiting_labels,
            customers: parts.customers,
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

    /// Every literal label a rule or a template's intake may add (and the roster's cover
    /// label), and every outcome label the team closes requests with, to check against the project's labels before writing
    /// (GITLAB.md §3.1: unknown labels are created silently).
    pub fn labels_used(&self) -> BTreeSet<LabelName> {
        let mut all = self.rules.labels_added();
        all.extend(self.templates.intake_labels());
        all.extend(self.outcomes.labels());
        all.extend(self.programs.iter().map(|p| p.label.clone()));
        all.extend(self.roster.cover_label().cloned());
        all.extend(self.customers.labels());
        all
    }

    /// The declared labels (`rules/labels.yaml`), with their colours and descriptions.
    pub fn label_catalog(&self) -> &LabelCatalog {
        &self.labels
    }

    /// The declared programs (`rules/programs.yaml`).
    pub fn programs(&self) -> &Programs {
        &self.programs
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

    /// The labels that mean an issue waits on its requester (`waiting_on_requester` in the
    /// label catalogue).
    pub fn waiting_labels(&self) -> &[LabelName] {
        &self.waiting_labels
    }

    /// Whether an issue with `labels` waits on its requester (carries a label the catalogue
    /// marks `waiting_on_requester`).
    pub fn is_waiting(&self, labels: &BTreeSet<LabelName>) -> bool {
        self.waiting_labels.iter().any(|l| labels.contains(l))
    }

    /// The roster.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The customer ledger's settings (`rules/customers.yaml`; empty without it).
    pub fn customers(&self) -> &CustomerRules {
        &self.customers
    }
}
