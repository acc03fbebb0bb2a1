//! The referenceable customers: each approval request the team accepted, with its written
//! approval's source, date, scope and expiry, as `steward approvals` lists them for the team's
//! spreadsheet (the Customer Advocacy SSOT) to be refreshed from.
//!
//! Pure: the issues and `today` are parameters; nothing here reads GitLab or the clock.
//! Requester text in a row is made inert for a spreadsheet by `untrusted::spreadsheet_cell`.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Engine, RuleSet, TemplateCond, Workload};
use crate::model::{FieldValue, Issue, IssueState, TemplateName};
use crate::rules::show_value;
use crate::untrusted::spreadsheet_cell;

/// The longest a cell quoting requester text may be.
const CELL_CHARS: usize = 200;

/// One referenceable customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRow {
    /// The customer account (requester text, spreadsheet-safe; `(confidential)` for a
    /// confidential issue).
    pub customer: String,
    /// What the customer agreed to (the approval's scope, else the usages asked for).
    pub scope: String,
    /// The written approval's source (contract / order form, license agreement, email).
    pub source: String,
    /// When the customer approved.
    pub approved: Option<NaiveDate>,
    /// Its last valid day (stated, or the default validity from the approval date).
    pub expires: Option<NaiveDate>,
    /// Whether `expires` came from the default validity.
    pub defaulted: bool,
    /// Where it stands today: `valid`, `expiring` (within `expiring_days`) or `expired`.
    pub status: &'static str,
    /// The request's URL.
    pub url: String,
}

/// The date fields an `expiry` condition of the rules about a template reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalFields {
    /// The template.
    pub template: TemplateName,
    /// The stated expiry field.
    pub expires: Option<String>,
    /// The approval date field.
    pub approved: Option<String>,
}

impl RuleSet {
    /// The templates whose rules test an approval's expiry, with the fields they read (the
    /// first such rule of each template).
    pub fn approval_fields(&self) -> Vec<ApprovalFields> {
        let mut out: Vec<ApprovalFields> = Vec::new();
        for r in &self.rules {
            let (Some(e), Some(TemplateCond::Named(t))) =
                (&r.conditions.expiry, &r.conditions.template)
            else {
                continue;
            };
            if out.iter().all(|a| &a.template != t) {
                out.push(ApprovalFields {
                    template: t.clone(),
                    expires: e.expires.clone(),
                    approved: e.approved.clone(),
                });
            }
        }
        out
    }
}

impl RuleSet {
    /// The label sets that select the closed issues rules still look after (rules with
    /// `state: closed` naming labels, e.g. accepted approvals whose expiry is watched): the
    /// full sweep lists closed issues carrying each set. A closed-issue rule that names no
    /// label is not swept (listing every closed issue daily would not scale).
    pub fn closed_issue_label_sets(&self) -> Vec<Vec<crate::model::LabelName>> {
        let mut out: Vec<Vec<crate::model::LabelName>> = Vec::new();
        for r in &self.rules {
            if r.conditions.state != Some(IssueState::Closed) {
                continue;
            }
            let set: Vec<_> = r
                .conditions
                .labels
                .iter()
                .filter_map(|p| match p {
                    super::LabelPattern::Exact(l) => Some(l.clone()),
                    super::LabelPattern::Scope(_) => None,
                })
                .collect();
            if !set.is_empty() && !out.contains(&set) {
                out.push(set);
            }
        }
        out
    }
}

impl Engine {
    /// The row of an accepted approval request (closed with its program's success outcome),
    /// `None` for any other issue. `expiring_days`: calendar days from `today` within which an
    /// approval is `expiring`.
    pub fn approval_row(
        &self,
        issue: &Issue,
        now: DateTime<Utc>,
        expiring_days: u32,
    ) -> Option<ApprovalRow> {
        // The team accepts an approval by closing it with the success outcome; one reopened for
        // its renewal keeps that outcome and stays listed (as expired) until it is renewed.
        let decision = self.decide(issue, now, &Workload::default());
        let template = decision.template.as_ref()?;
        let fields = self
            .rules()
            .approval_fields()
            .into_iter()
            .find(|a| &a.template == template)?;
        let program = self
            .programs()
            .iter()
            .find(|p| p.templates.contains(template))?;
        if !self
            .outcomes()
            .program(&program.key)
            .of(&issue.labels)
            .counts()
        {
            return None;
        }
        let text = |key: &str| {
            decision
                .fields
                .get(key)
                .map(|v| spreadsheet_cell(&show_value(v), CELL_CHARS))
                .unwrap_or_default()
        };
        let date = |key: Option<&String>| match decision.fields.get(key?) {
            Some(FieldValue::Date(d)) => Some(*d),
            _ => None,
        };
        let approved = date(fields.approved.as_ref());
        let calendar = self.calendar();
        let expiry = calendar.approval_expiry(approved, date(fields.expires.as_ref()));
        let today = calendar.local_date(now);
        let status = match expiry {
            None => "valid",
            Some(x) if x.expires < today => "expired",
            Some(x) if (x.expires - today).num_days() <= i64::from(expiring_days) => "expiring",
            Some(_) => "valid",
        };
        let scope = match text("approval_scope") {
            s if s.is_empty() => text("usage_type"),
            s => s,
        };
        let (customer, scope, source) = if issue.confidential {
            ("(confidential)".to_owned(), String::new(), String::new())
        } else {
            (text("customer_account"), scope, text("approval_source"))
        };
        Some(ApprovalRow {
            customer,
            scope,
            source,
            approved,
            expires: expiry.map(|x| x.expires),
            defaulted: expiry.is_some_and(|x| x.defaulted),
            status,
            url: issue.web_url.clone(),
        })
    }
}

/// One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled), as
/// RFC 4180 writes it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests;
