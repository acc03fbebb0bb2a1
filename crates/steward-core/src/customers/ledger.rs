//! The ledger's entries and the pure decisions over them: which ask an issue is, whether it
//! goes over the reference-fatigue cap, and which open asks it may duplicate.
//!
//! The service stores the asks and passes them in; nothing here reads a store or a clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::config::{CustomerRules, Fatigue, Scope};
use super::names::{AccountKey, Unreadable};
use super::similar::similarity;
use crate::model::{
    FieldError, FieldKind, FieldValue, Issue, IssueIid, IssueState, LabelName, ProjectId,
    TemplateName,
};

/// One ask of a customer account: one request filed for it, in any program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ask {
    /// The project of the request.
    pub project: ProjectId,
    /// The request's iid.
    pub iid: IssueIid,
    /// The account asked.
    pub account: AccountKey,
    /// The account as the requester typed it (untrusted text).
    pub account_name: String,
    /// The program's key (`speaker`), when the template belongs to one.
    pub program: Option<String>,
    /// The template it was filed with.
    pub template: TemplateName,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// Open or closed.
    pub state: IssueState,
    /// Its `outcome::*` label once closed, if any.
    pub outcome: Option<LabelName>,
    /// What identifies the ask for the duplicate check, by field key (dates `YYYY-MM-DD`).
    pub subjects: BTreeMap<String, String>,
    /// Whether the request is confidential (shared views show counts only).
    pub confidential: bool,
}

impl Ask {
    /// Whether `self` was filed before `other` (by time, then project and iid).
    pub fn before(&self, other: &Ask) -> bool {
        (self.filed_at, self.project, self.iid) < (other.filed_at, other.project, other.iid)
    }

    /// Whether this is the same request as `other`.
    pub fn same_request(&self, other: &Ask) -> bool {
        self.project == other.project && self.iid == other.iid
    }
}

/// The ask an issue is: `Ok(None)` when its template is not in the ledger, `Err` (a field
/// warning, never a failure) when the account name is missing or unreadable.
pub fn ask_of(
    rules: &CustomerRules,
    issue: &Issue,
    template: Option<&TemplateName>,
    fields: &BTreeMap<String, FieldValue>,
    program: Option<&str>,
) -> Result<Option<Ask>, FieldError> {
    let Some((template, spec)) = template.and_then(|t| rules.templates.get_key_value(t)) else {
        return Ok(None);
    };
    let typed = match fields.get(&spec.account) {
        Some(FieldValue::Text(t)) => t.as_str(),
        _ => "",
    };
    let account = rules.directory.resolve(typed).map_err(|why| FieldError {
        field: spec.account.clone(),
        message: match why {
            Unreadable::Missing => "no customer account is named, so this request is not \
                                    counted in the customer ledger"
                .to_owned(),
            Unreadable::Placeholder => "the customer account could not be read (a placeholder \
                                        or no name), so this request is not counted in the \
                                        customer ledger"
                .to_owned(),
        },
        required: false,
    })?;
    let subjects = spec
        .same
        .iter()
        .filter_map(|(key, _)| {
            let text = match fields.get(key)? {
                FieldValue::Text(t) => t.trim().to_owned(),
                FieldValue::Date(d) => d.format("%Y-%m-%d").to_string(),
                _ => return None,
            };
            (!text.is_empty()).then(|| (key.clone(), text))
        })
        .collect();
    Ok(Some(Ask {
        project: issue.project_id,
        iid: issue.iid,
        account,
        account_name: typed.trim().to_owned(),
        program: program.map(str::to_owned),
        template: template.clone(),
        filed_at: issue.created_at,
        state: issue.state,
        outcome: issue
            .labels
            .iter()
            .find(|l| l.as_str().starts_with("outcome::"))
            .cloned(),
        subjects,
        confidential: issue.confidential,
    }))
}

/// What the fatigue cap found for one ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FatigueCheck {
    /// Earlier asks of the account still open (the cap's scope).
    pub open: Vec<(ProjectId, IssueIid)>,
    /// Earlier asks filed within the window (the cap's scope).
    pub in_window: Vec<(ProjectId, IssueIid)>,
    /// `open_at_once` is exceeded.
    pub over_open: bool,
    /// `per_window` is exceeded.
    pub over_window: bool,
}

impl FatigueCheck {
    /// Whether the ask goes over the cap.
    pub fn is_over(&self) -> bool {
        self.over_open || self.over_window
    }
}

/// Checks `this` against the account's other asks. Only asks filed before it compete (the
/// request that goes over the cap is the one flagged, never an earlier one), so the answer
/// does not change as time passes. `None` when there is no cap, the account is exempt or
/// `this` is closed.
pub fn fatigue(rules: &CustomerRules, this: &Ask, others: &[Ask]) -> Option<FatigueCheck> {
    let cap: &Fatigue = rules.fatigue.as_ref()?;
    if this.state == IssueState::Closed || rules.exempt.contains(&this.account) {
        return None;
    }
    let competing = others.iter().filter(|o| {
        o.account == this.account
            && !o.same_request(this)
            && o.before(this)
            && (cap.scope == Scope::All || o.program == this.program)
            && !o
                .outcome
                .as_ref()
                .is_some_and(|l| o.state == IssueState::Closed && cap.not_counted.contains(l))
    });
    let mut check = FatigueCheck {
        open: Vec::new(),
        in_window: Vec::new(),
        over_open: false,
        over_window: false,
    };
    for o in competing {
        if o.state == IssueState::Opened {
            check.open.push((o.project, o.iid));
        }
        let age = (this.filed_at.date_naive() - o.filed_at.date_naive()).num_days();
        if age <= i64::from(cap.window_days) {
            check.in_window.push((o.project, o.iid));
        }
    }
    let count = |v: &Vec<_>| u32::try_from(v.len()).unwrap_or(u32::MAX).saturating_add(1);
    check.over_open = cap.open_at_once.is_some_and(|n| count(&check.open) > n);
    check.over_window = cap.per_window.is_some_and(|n| count(&check.in_window) > n);
    Some(check)
}

/// An open ask that `this` may duplicate, and the field that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    /// The other request's project.
    pub project: ProjectId,
    /// The other request's iid.
    pub iid: IssueIid,
    /// The field key that matched.
    pub field: String,
    /// How similar the values are (1.0 for equal dates).
    pub score: f64,
}

/// Whether two values of a field are "the same": equal dates, or texts at least `threshold`
/// similar.
pub fn same_value(kind: FieldKind, a: &str, b: &str, threshold: f64) -> Option<f64> {
    if kind == FieldKind::Date {
        return (a == b).then_some(1.0);
    }
    let score = similarity(a, b);
    (score >= threshold).then_some(score)
}

/// How many possible duplicates one request is linked to and told about.
pub const MAX_DUPLICATES: usize = 3;

/// The open asks `this` may duplicate: same account, same template, and one of the template's
/// `same` fields alike. A request is linked to the earliest of those filed before it (at most
/// [`MAX_DUPLICATES`]); the first request of a group, having none, to the earliest filed after
/// it. So the same request filed a hundred times makes a hundred links, not five thousand, and
/// a new request changes the flags of the requests it is linked to only. Empty when `this` is
/// closed or no duplicate check is configured.
pub fn duplicates(rules: &CustomerRules, this: &Ask, others: &[Ask]) -> Vec<Duplicate> {
    let (Some(check), Some(spec)) = (&rules.duplicates, rules.templates.get(&this.template)) else {
        return Vec::new();
    };
    if this.state == IssueState::Closed {
        return Vec::new();
    }
    let mut out = Vec::new();
    for other in others {
        if other.same_request(this)
            || other.state == IssueState::Closed
            || other.account != this.account
            || other.template != this.template
        {
            continue;
        }
        let matched = spec.same.iter().find_map(|(key, kind)| {
            let (a, b) = (this.subjects.get(key)?, other.subjects.get(key)?);
            same_value(*kind, a, b, check.threshold).map(|score| (key.clone(), score))
        });
        if let Some((field, score)) = matched {
            out.push((
                other,
                Duplicate {
                    project: other.project,
                    iid: other.iid,
                    field,
                    score,
                },
            ));
        }
    }
    out.sort_by_key(|(o, _)| (o.filed_at, o.project, o.iid));
    let earlier = out.iter().any(|(o, _)| o.before(this));
    out.into_iter()
        .filter(|(o, _)| o.before(this) == earlier)
        .take(MAX_DUPLICATES)
        .map(|(_, d)| d)
        .collect()
}
