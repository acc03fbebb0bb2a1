//! `rules/customers.yaml`: which field of each template names the customer account, which
//! fields make two requests for one account "the same ask", the declared accounts (aliases,
//! exemptions), the reference-fatigue cap and the duplicate check's label and threshold.
//!
//! Parsing and validation only (against the loaded templates and the label catalogue, every
//! problem at `file:line:col`); deciding is `customers::decide`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::names::{AccountKey, Directory};
use crate::diagnostics::{ConfigError, suggestion};
use crate::model::{FieldKind, LabelName, TemplateName};
use crate::templates::TemplateSet;
use crate::yaml::SpannedMap;

/// The customers file inside the rules directory (optional: without it there is no ledger).
pub const CUSTOMERS_FILE: &str = "customers.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomers {
    #[serde(default)]
    templates: SpannedMap<RawTemplate>,
    #[serde(default)]
    accounts: Vec<RawAccount>,
    fatigue: Option<RawFatigue>,
    duplicates: Option<RawDuplicates>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    account: Spanned<String>,
    #[serde(default)]
    same: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    exempt: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFatigue {
    label: Spanned<String>,
    open_at_once: Option<u32>,
    per_window: Option<u32>,
    #[serde(default = "default_window")]
    window_days: u32,
    #[serde(default)]
    scope: Scope,
    #[serde(default = "default_not_counted")]
    not_counted: Vec<Spanned<String>>,
}

fn default_window() -> u32 {
    90
}

fn default_not_counted() -> Vec<Spanned<String>> {
    Vec::new()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDuplicates {
    label: Spanned<String>,
    #[serde(default = "default_threshold")]
    threshold: f64,
}

fn default_threshold() -> f64 {
    0.9
}

/// Which asks the fatigue cap counts together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every ask of the account, whatever the program.
    #[default]
    All,
    /// Only the asks of the same program.
    Program,
}

/// One template's account field and the fields that identify the ask.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateAccount {
    /// The field key naming the customer account.
    pub account: String,
    /// Fields any one of which, when alike on two open requests for the same account, makes
    /// them possible duplicates: text fields by similarity, dates when equal.
    pub same: Vec<(String, FieldKind)>,
}

/// The reference-fatigue cap.
#[derive(Debug, Clone, PartialEq)]
pub struct Fatigue {
    /// The label a request over the cap gets.
    pub label: LabelName,
    /// At most this many open asks at once (this one included).
    pub open_at_once: Option<u32>,
    /// At most this many asks filed within `window_days` (this one included).
    pub per_window: Option<u32>,
    /// The rolling window, in days: an ask filed `window_days` days before this one is in it,
    /// one filed a day earlier is not.
    pub window_days: u32,
    /// Across all programs or per program.
    pub scope: Scope,
    /// Closed asks with one of these outcome labels do not count (a duplicate was no ask).
    pub not_counted: Vec<LabelName>,
}

/// The duplicate check.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicates {
    /// The label a possible duplicate gets.
    pub label: LabelName,
    /// Texts at least this similar (0–1, [`super::similarity`]) are "the same".
    pub threshold: f64,
}

/// The validated customers file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerRules {
    /// Account field per template; a template not listed is not in the ledger.
    pub templates: BTreeMap<TemplateName, TemplateAccount>,
    /// Declared accounts and their aliases.
    pub directory: Directory,
    /// Declared accounts never capped.
    pub exempt: Vec<AccountKey>,
    /// The cap, if any.
    pub fatigue: Option<Fatigue>,
    /// The duplicate check, if any.
    pub duplicates: Option<Duplicates>,
}

impl CustomerRules {
    /// The labels this file makes Steward add.
    pub fn labels(&self) -> Vec<LabelName> {
        let fatigue = self.fatigue.iter().map(|f| f.label.clone());
        fatigue
            .chain(self.duplicates.iter().map(|d| d.label.clone()))
            .collect()
    }

    /// Parses and validates the file against the loaded templates and the declared label names.
    pub fn from_yaml(
        file: &str,
        text: &str,
        templates: &TemplateSet,
        labels: &[&str],
    ) -> Result<CustomerRules, Vec<ConfigError>> {
        let raw: RawCustomers = crate::yaml::from_str_all(file, text)?;
        let mut check = Check {
            file,
            labels,
            errors: Vec::new(),
        };
        let mut out = CustomerRules::default();
        for (name, t) in raw.templates.0 {
            if let Some(spec) = check.template_account(templates, &name, t) {
                out.templates.insert(TemplateName(name.value), spec);
            }
        }
        for account in raw.accounts {
            let taken = out.directory.declare(&account.name.value, &account.aliases);
            for spelling in taken {
                check.error(
                    account.name.referenced,
                    format!("`{spelling}` already names another account"),
                    "give each spelling to one account",
                );
            }
            if account.exempt {
                out.exempt.push(AccountKey(
                    super::names::loose(&account.name.value).replace(' ', "-"),
                ));
            }
        }
        let fatigue_at = raw.fatigue.as_ref().map(|f| f.label.referenced);
        out.fatigue = raw.fatigue.and_then(|f| check.fatigue(f));
        out.duplicates = raw.duplicates.and_then(|d| check.duplicates(d));
        // Scoped labels of one scope replace each other on GitLab: a request both over the cap
        // and a possible duplicate would keep only one flag.
        if let (Some(f), Some(d), Some(at)) = (&out.fatigue, &out.duplicates, fatigue_at)
            && f.label.scope().is_some()
            && f.label.scope() == d.label.scope()
        {
            let message = format!(
                "the fatigue label `{}` and the duplicate label `{}` share a scope, so GitLab \
                 would keep only one of them",
                f.label, d.label
            );
            check.error(
                at,
                message,
                "use labels of different scopes, or unscoped labels",
            );
        }
        if check.errors.is_empty() {
            Ok(out)
        } else {
            Err(check.errors)
        }
    }
}

struct Check<'a> {
    file: &'a str,
    labels: &'a [&'a str],
    errors: Vec<ConfigError>,
}

impl Check<'_> {
    fn error(&mut self, at: Location, message: String, hint: &str) {
        self.errors
            .push(ConfigError::at(self.file, at, message).hint(hint));
    }

    fn label(&mut self, name: &Spanned<String>) -> Option<LabelName> {
        if self.labels.contains(&name.value.as_str()) {
            return Some(LabelName(name.value.clone()));
        }
        let hint = format!(
            "declare it in labels.yaml with its colour and description ({})",
            suggestion(&name.value, self.labels.iter().copied())
        );
        let message = format!("label `{}` is not declared in labels.yaml", name.value);
        self.error(name.referenced, message, &hint);
        None
    }

    fn template_account(
        &mut self,
        templates: &TemplateSet,
        name: &Spanned<String>,
        raw: RawTemplate,
    ) -> Option<TemplateAccount> {
        let Some(spec) = templates.get(&TemplateName(name.value.clone())) else {
            let names: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
            let hint = suggestion(&name.value, names.iter().copied());
            let message = format!("no template is named `{}`", name.value);
            self.error(name.referenced, message, &hint);
            return None;
        };
        let mut field = |key: &Spanned<String>| -> Option<FieldKind> {
            let found = spec.field(&key.value).map(|f| f.kind);
            if found.is_none() {
                let keys = spec.fields.iter().map(|f| f.key.as_str());
                let hint = suggestion(&key.value, keys);
                let message = format!("template `{}` has no field `{}`", name.value, key.value);
                self.error(key.referenced, message, &hint);
            }
            found
        };
        let account_kind = field(&raw.account)?;
        let same: Vec<(String, FieldKind)> = raw
            .same
            .iter()
            .filter_map(|k| field(k).map(|kind| (k.value.clone(), kind)))
            .collect();
        if account_kind != FieldKind::Text {
            let message = format!(
                "the account field `{}` is not a text field",
                raw.account.value
            );
            self.error(
                raw.account.referenced,
                message,
                "name the field holding the account name",
            );
            return None;
        }
        Some(TemplateAccount {
            account: raw.account.value,
            same,
        })
    }

    fn fatigue(&mut self, raw: RawFatigue) -> Option<Fatigue> {
        let label = self.label(&raw.label);
        let not_counted: Vec<LabelName> = raw
            .not_counted
            .iter()
            .filter_map(|l| self.label(l))
            .collect();
        if raw.open_at_once.is_none() && raw.per_window.is_none() {
            let message = "`fatigue` sets neither `open_at_once` nor `per_window`".to_owned();
            self.error(
                raw.label.referenced,
                message,
                "set at least one limit, e.g. `per_window: 4`",
            );
            return None;
        }
        if raw.open_at_once == Some(0) || raw.per_window == Some(0) || raw.window_days == 0 {
            let message = "a fatigue limit or window of 0 would flag every request".to_owned();
            self.error(raw.label.referenced, message, "use 1 or more");
            return None;
        }
        Some(Fatigue {
            label: label?,
            open_at_once: raw.open_at_once,
            per_window: raw.per_window,
            window_days: raw.window_days,
            scope: raw.scope,
            not_counted,
        })
    }

    fn duplicates(&mut self, raw: RawDuplicates) -> Option<Duplicates> {
        let label = self.label(&raw.label)?;
        if !(0.5..=1.0).contains(&raw.threshold) {
            let message = format!("`threshold` {} is outside 0.5 … 1.0", raw.threshold);
            self.error(
                raw.label.referenced,
                message,
                "0.9 tolerates typos, 1.0 wants equal texts",
            );
            return None;
        }
        Some(Duplicates {
            label,
            threshold: raw.threshold,
        })
    }
}
