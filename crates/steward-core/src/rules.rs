//! Declarative rules: rule files (`rules/*.yaml`) are loaded strictly into a validated
//! [`RuleSet`] (every template, field, role, regex and placeholder resolved once), and
//! [`evaluate`] turns an issue plus its parsed fields into a [`Plan`](crate::model::Plan).
//!
//! Evaluation performs no I/O and never reads the clock: `now`, the calendar, the roster and
//! the workload are parameters. Acting on a plan is the reconciler's job, not this module's.

mod agreement;
pub mod approvals;
mod build;
pub mod engine;

mod eval;
pub mod labels;
pub mod raw;
pub mod roster;
pub mod schema;
mod text;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use regex::Regex;

use crate::model::{IssueState, LabelName, TemplateName, Username};

pub use crate::diagnostics::ConfigError;
pub use build::RuleSource;
pub use engine::{Decision, Engine};
pub use eval::{
    CALENDAR_GAP_KEY, CommentPreview, HANDOVER_KEY, PreviewInput, evaluate, preview_comments,
};
pub use roster::{Member, Roster, Strategy, Workload};
pub use text::{show_value, show_value_markdown};

use text::BodyTemplate;

/// A validated set of rules, in evaluation order (files by name, rules in file order).
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every literal label an action of any rule may add.
    pub fn labels_added(&self) -> BTreeSet<LabelName> {
        self.rules
            .iter()
            .flat_map(|r| r.actions.iter().chain(r.otherwise.iter()))
            .flat_map(|a| a.add_labels.iter().cloned())
            .collect()
    }

    /// The lead-time checks of rules about `template` (by name; `template: "*"` rules too).
    pub fn lead_time_checks(&self, template: &TemplateName) -> Vec<LeadTimeRef<'_>> {
        self.rules
            .iter()
            .filter(|r| r.is_about(template))
            .filter_map(|r| {
                r.check.as_ref().map(|c| LeadTimeRef {
                    rule: &r.name,
                    file: &r.file,
                    at: c.at,
                    minimum: c.minimum,
                    unit: c.unit.words(),
                })
            })
            .collect()
    }

    /// The keys of the date fields rules about `template` count from: those a lead-time check
    /// measures and those a due date is derived from. A date there before the request was
    /// filed cannot be meant.
    pub fn dates_counted_from(&self, template: &TemplateName) -> BTreeSet<&str> {
        let mut keys = self.lead_time_fields(template);
        for r in &self.rules {
            if !r.is_about(template) {
                continue;
            }
            for a in r.actions.iter().chain(r.otherwise.iter()) {
                if let Some(DueDateAction {
                    from: DueFrom::Field(k),
                    ..
                }) = &a.due_date
                {
                    keys.insert(k.as_str());
                }
            }
        }
        keys
    }

    /// The keys of the date fields a lead-time check of `template` measures.
    pub fn lead_time_fields(&self, template: &TemplateName) -> BTreeSet<&str> {
        self.rules
            .iter()
            .filter(|r| r.is_about(template))
            .filter_map(|r| r.check.as_ref().map(|c| c.field.as_str()))
            .collect()
    }
}

/// One validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique name.
    pub name: String,
    /// The file it came from.
    pub file: String,
    conditions: Conditions,
    check: Option<LeadTimeCheck>,
    actions: Option<RuleActions>,
    otherwise: Option<RuleActions>,
}

impl Rule {
    /// Whether the rule applies to issues of `template` (by name, or `template: "*"`).
    fn is_about(&self, template: &TemplateName) -> bool {
        match &self.conditions.template {
            Some(TemplateCond::Named(t)) => t == template,
            Some(TemplateCond::Any) | None => true,
        }
    }
}

/// Which template a rule is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TemplateCond {
    /// Any recognised template.
    Any,
    /// This one.
    Named(TemplateName),
}

/// A label or a whole scope (`advocacy-status::*`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelPattern {
    Exact(LabelName),
    Scope(String),
}

impl LabelPattern {
    fn parse(s: &str) -> LabelPattern {
        match s.strip_suffix("::*") {
            Some(scope) => LabelPattern::Scope(scope.to_owned()),
            None => LabelPattern::Exact(LabelName(s.to_owned())),
        }
    }

    fn matches(&self, label: &LabelName) -> bool {
        match self {
            LabelPattern::Exact(l) => l == label,
            LabelPattern::Scope(s) => eval::label_scope(label.as_str()) == Some(s.as_str()),
        }
    }
}

impl std::fmt::Display for LabelPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabelPattern::Exact(l) => write!(f, "{l}"),
            LabelPattern::Scope(s) => write!(f, "{s}::*"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Calendar,
    Business,
}

impl Unit {
    fn words(self) -> &'static str {
        match self {
            Unit::Calendar => "calendar days",
            Unit::Business => "business days",
        }
    }
}

/// A date to compare against: today (team's zone) plus an offset, or a fixed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateRef {
    Today(i64),
    Fixed(NaiveDate),
}

#[derive(Debug, Clone)]
enum FieldTest {
    Present(bool),
    EqualsText(String),
    EqualsNumber(f64),
    EqualsBool(bool),
    OneOf(Vec<String>),
    NoneOf(Vec<String>),
    Regex(Regex),
    Before(DateRef),
    After(DateRef),
    WithinDays(u32),
    Lt(f64),
    Lte(f64),
    Gt(f64),
    Gte(f64),
}

#[derive(Debug, Clone)]
struct FieldCondition {
    key: String,
    label: String,
    tests: Vec<FieldTest>,
}

#[derive(Debug, Clone, Default)]
struct DueDateCondition {
    present: Option<bool>,
    within_business_days: Option<u32>,
    overdue: Option<bool>,
    overdue_business_days: Option<u32>,
}

#[derive(Debug, Clone, Default)]
struct Conditions {
    template: Option<TemplateCond>,
    labels: Vec<LabelPattern>,
    forbidden_labels: Vec<LabelPattern>,
    state: Option<IssueState>,
    authors: Vec<Username>,
    assignees: Option<raw::RawAssignees>,
    fields: Vec<FieldCondition>,
    field_errors: Option<bool>,
    field_warnings: Option<bool>,
    due_date: Option<DueDateCondition>,
    older_than_business_days: Option<u32>,
    waiting_business_days: Option<u32>,
    without_comments: Vec<String>,
    inactive_business_days: Option<u32>,
    /// Work item type names, lower-cased (empty: any type).
    work_item_types: Vec<String>,
    quiet_period: Option<QuietPeriodCondition>,
    expiry: Option<ExpiryCondition>,
}

impl Conditions {
    /// Whether the outcome depends on labels, assignees or the due date: the parts of the issue
    /// a plan changes (see `eval::evaluate`'s second pass).
    fn reads_issue_state(&self) -> bool {
        !self.labels.is_empty()
            || !self.forbidden_labels.is_empty()
            || self.assignees.is_some()
            || self.due_date.is_some()
    }
}

#[derive(Debug, Clone)]
struct LeadTimeCheck {
    field: String,
    field_label: String,
    minimum: u32,
    unit: Unit,
    /// Where the check is written (its `field:` value), for errors that point at it.
    at: serde_saphyr::Location,
}

/// A lead-time check of a rule, as `steward check` reports it.
#[derive(Debug, Clone)]
pub struct LeadTimeRef<'r> {
    /// The rule's name.
    pub rule: &'r str,
    /// The rule file.
    pub file: &'r str,
    /// Where the check is written.
    pub at: serde_saphyr::Location,
    /// Minimum days.
    pub minimum: u32,
    /// `calendar days` or `business days`.
    pub unit: &'static str,
}

#[derive(Debug, Clone)]
struct Assign {
    role: String,
    strategy: Strategy,
    override_existing: bool,
}

#[derive(Debug, Clone)]
enum DueFrom {
    Created,
    /// The first earnings date on or after the creation date.
    NextEarnings,
    /// The earnings call of the fiscal quarter written in this field (`FY27-Q2`); the next one
    /// after filing when the quarter cannot be read or the calendar does not list it.
    EarningsOf(String),
    Field(String),
    /// The approval's last valid day, as the rule's own `expiry` condition reads it.
    Expiry(ExpiryCondition),
}

#[derive(Debug, Clone)]
struct DueDateAction {
    from: DueFrom,
    offset: i64,
    unit: Unit,
    overwrite: bool,
    /// A date field the due date never falls before (an embargo).
    not_before: Option<String>,
}

#[derive(Debug, Clone)]
struct Comment {
    key: String,
    body: BodyTemplate,
    repeat_every_days: Option<u32>,
}

#[derive(Debug, Clone, Default)]
struct RuleActions {
    add_labels: Vec<LabelName>,
    remove_labels: Vec<LabelPattern>,
    assign: Option<Assign>,
    due_date: Option<DueDateAction>,
    comment: Option<Comment>,
    mention: Vec<String>,
    escalate: Option<Escalate>,
    /// Close (with the outcome label, also in `add_labels`) or reopen the issue.
    state: Option<crate::model::StateChange>,
}

/// An escalation: who it goes to and what they are asked.
#[derive(Debug, Clone)]
struct Escalate {
    role: String,
    ask: String,
}

/// `quiet_period`: the date in this field falls in a quiet period of the calendar.
#[derive(Debug, Clone)]
struct QuietPeriodCondition {
    key: String,
    label: String,
}

/// `expiry`: where an approval stands against its expiry (stated, or the calendar's default
/// validity from the approval date).
#[derive(Debug, Clone, Default)]
struct ExpiryCondition {
    expires: Option<String>,
    approved: Option<String>,
    within_business_days: Option<u32>,
    expired: Option<bool>,
}
