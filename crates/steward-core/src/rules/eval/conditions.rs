//! Whether a rule's conditions hold for an issue, with plain-words reasons on demand.
//!
//! Pure predicates over the evaluation context; no side effects.

use chrono::NaiveDate;

use super::Ctx;
use super::waited::{team_days_since, waiting_days};
use crate::model::FieldValue;
use crate::rules::raw::RawAssignees;
use crate::rules::text::show_value;
use crate::rules::{Conditions, DateRef, DueDateCondition, FieldTest, TemplateCond};

/// Collects plain-words reasons when asked to (`Some`), at no cost otherwise.
pub(super) struct Why(pub(super) Option<Vec<String>>);

impl Why {
    pub(super) fn add(&mut self, reason: impl FnOnce() -> String) {
        if let Some(v) = &mut self.0 {
            v.push(reason());
        }
    }
}

/// Whether a rule's conditions hold. A rule is not applicable at all (neither `actions` nor
/// `otherwise`) to an issue of another template or state, or when a field it tests has no value:
/// it cannot judge those, so it leaves them alone.
pub(super) enum Holds {
    Yes,
    No,
    NotApplicable,
}

/// Whether a rule's conditions hold for the issue in `ctx`, adding reasons as they do.
pub(super) fn conditions_hold(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> Holds {
    let issue = ctx.issue;
    if let Some(t) = &c.template {
        match (t, ctx.template) {
            (TemplateCond::Any, Some(s)) => {
                reasons.add(|| format!("filed from template {}", s.name))
            }
            (TemplateCond::Named(n), Some(s)) if &s.name == n => {
                reasons.add(|| format!("filed from template {n}"))
            }
            _ => return Holds::NotApplicable,
        }
    }
    if let Some(s) = c.state {
        if issue.state != s {
            return Holds::NotApplicable;
        }
        reasons.add(|| format!("is {s:?}").to_lowercase());
    }
    if !c.work_item_types.is_empty() {
        // Like `state`: a rule about other types cannot judge this item, so it leaves it alone.
        let name = issue.type_name();
        if !c.work_item_types.iter().any(|t| *t == name.to_lowercase()) {
            return Holds::NotApplicable;
        }
        reasons.add(|| format!("is a {name}"));
    }
    for f in &c.fields {
        let absent = !ctx.fields.values.contains_key(&f.key);
        if absent && !f.tests.iter().any(|t| matches!(t, FieldTest::Present(_))) {
            return Holds::NotApplicable;
        }
    }
    if !super::dates::dates_applicable(c, ctx) {
        return Holds::NotApplicable;
    }
    if conditions_rest(c, ctx, reasons) {
        Holds::Yes
    } else {
        Holds::No
    }
}

/// The conditions after template, state and field presence, in order; `false` at the first
/// that does not hold (its reason and later ones are not added).
fn conditions_rest(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    labels_hold(c, ctx, reasons)
        && people_hold(c, ctx, reasons)
        && fields_hold(c, ctx, reasons)
        && field_problems_hold(c, ctx, reasons)
        && c.due_date
            .as_ref()
            .is_none_or(|d| due_date_holds(d, ctx, reasons))
        && age_holds(c, ctx, reasons)
        && comments_hold(c, ctx, reasons)
        && super::dates::dates_hold(c, ctx, reasons)
}

/// `labels` (each matched by some label) and `forbidden_labels` (none matched).
fn labels_hold(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    let issue = ctx.issue;
    for p in &c.labels {
        if !issue.labels.iter().any(|l| p.matches(l)) {
            return false;
        }
        reasons.add(|| format!("has label {p}"));
    }
    for p in &c.forbidden_labels {
        if issue.labels.iter().any(|l| p.matches(l)) {
            return false;
        }
        reasons.add(|| format!("has no label {p}"));
    }
    true
}

/// `author` (one of, case-insensitively) and `assignees` (`none` or `any`).
fn people_hold(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    let issue = ctx.issue;
    if !c.authors.is_empty() {
        let Some(a) = &issue.author else { return false };
        if !c
            .authors
            .iter()
            .any(|u| u.as_str().eq_ignore_ascii_case(a.username.as_str()))
        {
            return false;
        }
        reasons.add(|| format!("filed by @{}", a.username));
    }
    match c.assignees {
        Some(RawAssignees::None) if !issue.assignees.is_empty() => return false,
        Some(RawAssignees::Any) if issue.assignees.is_empty() => return false,
        Some(RawAssignees::None) => reasons.add(|| "has no assignee".to_owned()),
        Some(RawAssignees::Any) => reasons.add(|| "has an assignee".to_owned()),
        None => {}
    }
    true
}

/// Every test of every field condition.
fn fields_hold(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    for f in &c.fields {
        let v = ctx.fields.values.get(&f.key);
        for t in &f.tests {
            if !field_test(t, v, ctx) {
                return false;
            }
        }
        reasons.add(|| match v {
            Some(v) => format!("{} is {}", f.label, show_value(v)),
            None => format!("{} is not given", f.label),
        });
    }
    true
}

/// `field_errors` (required fields missing or invalid) and `field_warnings` (optional answers
/// unreadable): whether there are any is as wanted.
fn field_problems_hold(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    if let Some(want) = c.field_errors {
        let errors = || ctx.fields.errors.iter().filter(|e| e.required);
        let has = errors().next().is_some();
        if has != want {
            return false;
        }
        reasons.add(|| {
            if has {
                let names: Vec<&str> = errors().map(|e| e.field.as_str()).collect();
                format!("fields missing or invalid: {}", names.join(", "))
            } else {
                "all required fields are valid".to_owned()
            }
        });
    }
    if let Some(want) = c.field_warnings {
        let warnings = || ctx.fields.errors.iter().filter(|e| !e.required);
        let has = warnings().next().is_some();
        if has != want {
            return false;
        }
        reasons.add(|| {
            if has {
                let names: Vec<&str> = warnings().map(|e| e.field.as_str()).collect();
                format!("optional answers unreadable: {}", names.join(", "))
            } else {
                "every optional answer given can be read".to_owned()
            }
        });
    }
    true
}

/// A `due_date` condition: present, overdue (by business days) or due within business days.
fn due_date_holds(d: &DueDateCondition, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    let due = ctx.issue.due_date;
    if let Some(p) = d.present
        && due.is_some() != p
    {
        return false;
    }
    if let Some(o) = d.overdue
        && due.is_some_and(|x| x < ctx.today) != o
    {
        return false;
    }
    if let Some(n) = d.overdue_business_days
        && !due.is_some_and(|x| x < ctx.today && team_days_since(ctx, x) >= i64::from(n))
    {
        return false;
    }
    if let Some(n) = d.within_business_days {
        let limit = ctx.calendar.add_business_days(ctx.today, i64::from(n));
        if !due.is_some_and(|x| ctx.today <= x && x <= limit) {
            return false;
        }
    }
    reasons.add(|| match due {
        Some(x) => format!("due {x}"),
        None => "has no due date".to_owned(),
    });
    true
}

/// `without_comments`: none of these comments of Steward's is on the issue.
fn comments_hold(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    if c.without_comments.is_empty() {
        return true;
    }
    if c.without_comments
        .iter()
        .any(|k| ctx.issue.owned_note_keys.contains(k))
    {
        return false;
    }
    reasons.add(|| format!("has no `{}` comment", c.without_comments.join("`/`")));
    true
}

/// `older_than_business_days`: filed at least that many business days ago, not counting days
/// spent waiting on the requester; `waiting_business_days`: waiting on the requester for at
/// least that many business days; `inactive_business_days`: nobody but Steward has acted on
/// it for that many business days (`Issue::last_human_activity`, `crate::activity`).
fn age_holds(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    if let Some(n) = c.older_than_business_days {
        let filed = ctx.calendar.local_date(ctx.issue.created_at);
        if team_days_since(ctx, filed) < i64::from(n) {
            return false;
        }
        reasons.add(|| format!("filed {filed}, at least {n} business days ago"));
    }
    if let Some(n) = c.waiting_business_days {
        let Some(days) = waiting_days(ctx) else {
            return false;
        };
        if days < i64::from(n) {
            return false;
        }
        reasons.add(|| format!("waiting on the requester for {days} business days"));
    }
    if let Some(n) = c.inactive_business_days {
        let last = ctx.calendar.local_date(ctx.issue.last_human_activity());
        let days = ctx.calendar.business_days_between(last, ctx.today);
        if days < i64::from(n) {
            return false;
        }
        reasons.add(|| {
            format!("nobody but Steward has acted on it since {last} ({days} business days)")
        });
    }
    true
}

/// The date a date reference names, `now` being today in the team's zone.
fn resolve(d: DateRef, ctx: &Ctx<'_>) -> NaiveDate {
    match d {
        DateRef::Today(n) => ctx.calendar.add_calendar_days(ctx.today, n),
        DateRef::Fixed(x) => x,
    }
}

/// Whether one test holds for the field's value (`None`: no value).
fn field_test(t: &FieldTest, v: Option<&FieldValue>, ctx: &Ctx<'_>) -> bool {
    if let FieldTest::Present(p) = t {
        return v.is_some() == *p;
    }
    // Every other test needs a value.
    let Some(v) = v else { return false };
    let text = || match v {
        FieldValue::Username(u) => u.as_str().to_lowercase(),
        other => show_value(other).trim().to_lowercase(),
    };
    let number = || match v {
        FieldValue::Number(n) => Some(*n),
        _ => None,
    };
    let date = || match v {
        FieldValue::Date(d) => Some(*d),
        _ => None,
    };
    match t {
        FieldTest::Present(_) => true,
        FieldTest::EqualsText(s) => match v {
            FieldValue::Choice(c) => c.iter().any(|x| x == s),
            _ => text() == *s,
        },
        FieldTest::EqualsNumber(n) => number() == Some(*n),
        FieldTest::EqualsBool(b) => matches!(v, FieldValue::Boolean(x) if x == b),
        FieldTest::OneOf(list) => match v {
            FieldValue::Choice(c) => c.iter().any(|x| list.contains(x)),
            _ => list.contains(&text()),
        },
        FieldTest::NoneOf(list) => match v {
            FieldValue::Choice(c) => !c.iter().any(|x| list.contains(x)),
            _ => !list.contains(&text()),
        },
        FieldTest::Regex(re) => re.is_match(&show_value(v)),
        FieldTest::Before(d) => date().is_some_and(|x| x < resolve(*d, ctx)),
        FieldTest::After(d) => date().is_some_and(|x| x > resolve(*d, ctx)),
        FieldTest::WithinDays(n) => date().is_some_and(|x| {
            ctx.today <= x && x <= ctx.calendar.add_calendar_days(ctx.today, i64::from(*n))
        }),
        FieldTest::Lt(n) => number().is_some_and(|x| x < *n),
        FieldTest::Lte(n) => number().is_some_and(|x| x <= *n),
        FieldTest::Gt(n) => number().is_some_and(|x| x > *n),
        FieldTest::Gte(n) => number().is_some_and(|x| x >= *n),
    }
}
