//! Raw rule files → validated [`RuleSet`]: templates, fields, roles, labels, regexes, dates and
//! placeholders are resolved once, every problem reported with `file:line:col`.
//!
//! Validation only: nothing here looks at issues.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::{Location, Spanned};

use super::labels::{LABELS_FILE, LabelCatalog};
use super::raw::{RawConditions, RawRule, RawRuleFile, RawState, RawUnit};
use crate::diagnostics::{ConfigError, suggestion};

mod actions;
mod dates;
mod fields;
use super::{
    Conditions, DueDateCondition, LabelPattern, LeadTimeCheck, Roster, Rule, RuleSet, TemplateCond,
    Unit,
};
use crate::model::{FieldKind, IssueState, LabelName, TemplateSpec, Username};

/// Everything needed to validate rule files.
pub struct RuleSource<'a> {
    /// Parsed rule files with the name to report them under, in evaluation order.
    pub files: Vec<(String, RawRuleFile)>,
    /// The known templates.
    pub templates: &'a [TemplateSpec],
    /// The roster (roles).
    pub roster: &'a Roster,
    /// The declared labels: a rule naming any other label is refused (`None`: not checked).
    pub labels: Option<&'a LabelCatalog>,
    /// Whether `without_comments` keys are checked against the comments these files post:
    /// only when every rule file of the set is here and parsed (when one did not parse, its
    /// keys are unknown and the one mistake would be reported twice).
    pub check_comment_keys: bool,
}

impl TryFrom<RuleSource<'_>> for RuleSet {
    type Error = Vec<ConfigError>;

    fn try_from(src: RuleSource<'_>) -> Result<RuleSet, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let comment_keys: BTreeSet<String> = src
            .files
            .iter()
            .flat_map(|(_, raw)| &raw.rules)
            .flat_map(|r| [Some(&r.actions), r.otherwise.as_ref()])
            .flatten()
            .filter_map(|a| a.comment.as_ref().map(|c| c.key.value.clone()))
            .collect();
        for (file, raw) in src.files {
            for r in raw.rules {
                let name = r.name.value.clone();
                if let Some(first) = seen.get(&name) {
                    errors.push(
                        ConfigError::at(
                            &file,
                            r.name.referenced,
                            format!("rule `{name}` is defined twice"),
                        )
                        .hint(format!(
                            "the first is in {first}; rule names must be unique"
                        )),
                    );
                } else {
                    seen.insert(name, file.clone());
                }
                let mut b = Builder {
                    file: &file,
                    templates: src.templates,
                    roster: src.roster,
                    labels: src.labels,
                    comment_keys: &comment_keys,
                    check_comment_keys: src.check_comment_keys,
                    errors: &mut errors,
                    dates: Default::default(),
                    expiry: None,
                };
                if let Some(rule) = b.rule(r) {
                    rules.push(rule);
                }
            }
        }
        if errors.is_empty() {
            Ok(RuleSet { rules })
        } else {
            Err(errors)
        }
    }
}

impl RuleSet {
    /// Parses rule files (`(name, text)`, in evaluation order) and validates them (labels
    /// and `without_comments` keys are not checked: `Engine::load` does, with every file).
    pub fn from_yaml(
        files: &[(String, String)],
        templates: &[TemplateSpec],
        roster: &Roster,
    ) -> Result<RuleSet, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        for (name, text) in files {
            match crate::yaml::from_str_all::<RawRuleFile>(name, text) {
                Ok(raw) => parsed.push((name.clone(), raw)),
                Err(es) => errors.extend(es),
            }
        }
        let built = RuleSet::try_from(RuleSource {
            files: parsed,
            templates,
            roster,
            labels: None,
            // A subset of the files may be given (one at a time, as the fuzzer does): names
            // across files, like declared labels, are checked by `Engine::load`.
            check_comment_keys: false,
        });
        match built {
            Ok(set) if errors.is_empty() => Ok(set),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }
}

struct Builder<'a, 'e> {
    file: &'a str,
    templates: &'a [TemplateSpec],
    roster: &'a Roster,
    labels: Option<&'a LabelCatalog>,
    /// Every comment key the rule files post (for `without_comments`).
    comment_keys: &'a BTreeSet<String>,
    /// See [`RuleSource::check_comment_keys`].
    check_comment_keys: bool,
    errors: &'e mut Vec<ConfigError>,
    dates: super::text::DateScope,
    /// The rule's `expiry` condition, once validated (a due date `from: expiry` counts from it).
    expiry: Option<super::ExpiryCondition>,
}

impl<'a> Builder<'a, '_> {
    /// Records an error at `loc` of this file and returns it for a hint.
    fn err(&mut self, loc: Location, msg: impl Into<String>) -> &mut ConfigError {
        self.errors.push(ConfigError::at(self.file, loc, msg));
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    /// Validates one rule; `None` when it has any error (all of them are recorded).
    fn rule(&mut self, r: RawRule) -> Option<Rule> {
        let before = self.errors.len();
        let loc = r.name.referenced;
        let (conditions, template) = self.conditions(r.conditions);
        // A check whose field does not resolve is already one error: its placeholders are not
        // reported again (one misspelt field used to produce a dozen errors).
        let lead = r.check.is_some();
        let check = r.check.and_then(|c| {
            let lt = c.lead_time;
            let f = self.date_field(template, &lt.field, "a lead-time check")?;
            Some(LeadTimeCheck {
                field: f.key.clone(),
                field_label: f.label.clone(),
                minimum: lt.minimum,
                unit: unit(lt.unit),
                at: lt.field.referenced,
            })
        });
        let actions = self.actions(r.actions, template, lead, false);
        let otherwise = r.otherwise.map(|o| self.actions(o, template, lead, true));
        if let Some(o) = &otherwise
            && (o.assign.is_some() || o.due_date.is_some() || o.escalate.is_some())
        {
            self.err(
                loc,
                format!(
                    "rule `{}`: `otherwise` can only change labels and update comments",
                    r.name.value
                ),
            )
            .hint = Some("move `assign` / `due_date` / `escalate` to `actions`".to_owned());
        }
        (self.errors.len() == before).then(|| Rule {
            name: r.name.value,
            file: self.file.to_owned(),
            conditions,
            check,
            actions: Some(actions),
            otherwise,
        })
    }

    /// Resolves a rule's `template:` (`*` for any).
    fn template(&mut self, t: &Spanned<String>) -> Option<TemplateCond> {
        if t.value == "*" {
            return Some(TemplateCond::Any);
        }
        match self.templates.iter().find(|s| s.name.as_str() == t.value) {
            Some(s) => Some(TemplateCond::Named(s.name.clone())),
            None => {
                let known = self.templates.iter().map(|s| s.name.as_str());
                let msg = format!(
                    "unknown template `{}`: {}",
                    t.value,
                    suggestion(&t.value, known)
                );
                self.err(t.referenced, msg).hint = Some(
                    "templates are the file names in issue_templates/ without .md, or `*` for any"
                        .to_owned(),
                );
                None
            }
        }
    }

    /// Validates a rule's conditions, with the one template they name (if any).
    fn conditions(&mut self, c: RawConditions) -> (Conditions, Option<&'a TemplateSpec>) {
        let mut out = Conditions::default();
        let mut spec: Option<&'a TemplateSpec> = None;
        if let Some(t) = &c.template {
            out.template = self.template(t);
            if let Some(TemplateCond::Named(n)) = &out.template {
                let templates: &'a [TemplateSpec] = self.templates;
                spec = templates.iter().find(|s| &s.name == n);
            }
        }
        out.labels = c
            .labels
            .iter()
            .filter_map(|l| self.label_pattern(l))
            .collect();
        out.forbidden_labels = c
            .forbidden_labels
            .iter()
            .filter_map(|l| self.label_pattern(l))
            .collect();
        out.state = match c.state {
            None | Some(RawState::All) => None,
            Some(RawState::Opened) => Some(IssueState::Opened),
            Some(RawState::Closed) => Some(IssueState::Closed),
        };
        out.authors = c
            .author
            .iter()
            .map(|a| Username(a.value.trim_start_matches('@').to_owned()))
            .collect();
        out.assignees = c.assignees;
        out.work_item_types = c
            .work_item_type
            .iter()
            .map(|t| t.value.trim().to_lowercase())
            .collect();
        out.fields = self.field_conditions(c.fields, spec);
        out.field_errors = c.field_errors;
        out.field_warnings = c.field_warnings;
        out.due_date = c.due_date.map(|d| DueDateCondition {
            present: d.present,
            within_business_days: d.within_business_days,
            overdue: d.overdue,
            overdue_business_days: d.overdue_business_days,
        });
        out.older_than_business_days = c.older_than_business_days;
        out.waiting_business_days = c.waiting_business_days;
        out.inactive_business_days = c.inactive_business_days;
        for k in &c.without_comments {
            if self.comment_keys.contains(&k.value) || !self.check_comment_keys {
                out.without_comments.push(k.value.clone());
            } else {
                let msg = format!(
                    "no rule posts a comment with key `{}`: {}",
                    k.value,
                    suggestion(&k.value, self.comment_keys.iter().map(String::as_str))
                );
                self.err(k.referenced, msg).hint =
                    Some("`without_comments` names the `key` of a rule's comment".to_owned());
            }
        }
        self.date_conditions(c.quiet_period, c.expiry, spec, &mut out);
        (out, spec)
    }

    /// Validates a label or `scope::*` pattern, declared in the catalog when there is one.
    fn label_pattern(&mut self, l: &Spanned<String>) -> Option<LabelPattern> {
        let s = l.value.trim();
        if s.is_empty() || s.contains(',') {
            self.err(l.referenced, format!("`{}` is not a usable label", l.value))
                .hint = Some("GitLab label names cannot be empty or contain commas".to_owned());
            return None;
        }
        if s.contains('*') && !s.ends_with("::*") {
            self.err(
                l.referenced,
                format!("`{s}`: `*` is only allowed as a whole scope, as in `scope::*`"),
            );
            return None;
        }
        let pattern = LabelPattern::parse(s);
        if let Some(catalog) = self.labels {
            let declared = match &pattern {
                LabelPattern::Exact(name) => catalog.contains(name.as_str()),
                LabelPattern::Scope(scope) => catalog.has_scope(scope),
            };
            if !declared {
                let hint = suggestion(s, catalog.names());
                self.err(
                    l.referenced,
                    format!("label `{s}` is not declared in {LABELS_FILE}"),
                )
                .hint = Some(format!(
                    "{hint}; or declare a new label in {LABELS_FILE} with its colour and description"
                ));
                return None;
            }
        }
        Some(pattern)
    }

    /// Validates a label to add: a concrete label, not a wildcard.
    fn literal_label(&mut self, l: &Spanned<String>) -> Option<LabelName> {
        match self.label_pattern(l)? {
            LabelPattern::Exact(name) => Some(name),
            LabelPattern::Scope(_) => {
                self.err(
                    l.referenced,
                    format!("cannot add the wildcard `{}`", l.value),
                )
                .hint = Some("add one concrete label, e.g. `advocacy-status::triage`".to_owned());
                None
            }
        }
    }

    /// Resolves field `key` of template `t`, suggesting the closest when there is none.
    fn field<'t>(
        &mut self,
        t: &'t TemplateSpec,
        key: &Spanned<String>,
    ) -> Option<&'t crate::model::FieldSpec> {
        let f = t.field(&key.value);
        if f.is_none() {
            let msg = format!(
                "template `{}` has no field `{}`: {}",
                t.name,
                key.value,
                suggestion(&key.value, t.fields.iter().map(|f| f.key.as_str()))
            );
            self.err(key.referenced, msg);
        }
        f
    }

    /// Resolves a date field of the rule's template, for `what` (a check, a due date).
    fn date_field<'t>(
        &mut self,
        t: Option<&'t TemplateSpec>,
        key: &Spanned<String>,
        what: &str,
    ) -> Option<&'t crate::model::FieldSpec> {
        let Some(t) = t else {
            self.err(
                key.referenced,
                format!(
                    "{what} on `{}` needs the rule to name one `template`",
                    key.value
                ),
            );
            return None;
        };
        let f = self.field(t, key)?;
        if f.kind != FieldKind::Date {
            self.err(
                key.referenced,
                format!("{what} needs a date field, but `{}` is {:?}", f.key, f.kind),
            );
            return None;
        }
        Some(f)
    }
}

/// The unit a raw `unit:` names.
fn unit(u: RawUnit) -> Unit {
    match u {
        RawUnit::CalendarDays => Unit::Calendar,
        RawUnit::BusinessDays => Unit::Business,
    }
}
