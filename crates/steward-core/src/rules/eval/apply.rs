//! The labels, assignee and due date that the applied action blocks plan for an issue.

use chrono::NaiveDate;

use super::{Applied, Ctx, Inputs, label_scope};
use crate::calendar::{Calendar, FiscalQuarter};
use crate::model::{FieldValue, Issue, IssueState, LabelName, Plan, StateChange, Username};
use crate::rules::{DueDateAction, DueFrom, LabelPattern, Unit};

/// Plans the label changes: adds in order, one per scope, never removed by anyone; a scoped
/// label added removes its siblings. Scopes are computed once per label (this runs for every
/// issue).
pub(super) fn plan_labels(applied: &[Applied<'_>], issue: &Issue, plan: &mut Plan) {
    let mut adds: Vec<(&LabelName, Option<&str>)> = Vec::new();
    let mut removes: Vec<&LabelPattern> = Vec::new();
    for a in applied {
        for l in &a.actions.add_labels {
            let scope = label_scope(l.as_str());
            let taken = adds
                .iter()
                .any(|(x, s)| *x == l || (scope.is_some() && *s == scope));
            if !taken {
                adds.push((l, scope));
            }
        }
        removes.extend(a.actions.remove_labels.iter());
    }
    for (l, _) in &adds {
        if !issue.labels.contains(*l) {
            plan.add_labels.insert((*l).clone());
        }
    }
    for l in &issue.labels {
        if adds.iter().any(|(x, _)| *x == l) {
            continue;
        }
        let scope = label_scope(l.as_str());
        let replaced = scope.is_some() && adds.iter().any(|(_, s)| *s == scope);
        if replaced || removes.iter().any(|p| p.matches(l)) {
            plan.remove_labels.insert(l.clone());
        }
    }
}

/// The state change of the first applied block that closes or reopens, planned when the issue
/// is not already in that state.
pub(super) fn plan_state(applied: &[Applied<'_>], issue: &Issue, plan: &mut Plan) {
    let Some(change) = applied.iter().find_map(|a| a.actions.state) else {
        return;
    };
    let already = match change {
        StateChange::Close => issue.state == IssueState::Closed,
        StateChange::Reopen => issue.state == IssueState::Opened,
    };
    if !already {
        plan.state = Some(change);
    }
}

/// The assignee of the first fired rule that assigns and for whom the roster picks someone;
/// planned when it differs from the issue's assignees.
pub(super) fn plan_assignee(
    applied: &[Applied<'_>],
    inputs: &Inputs<'_>,
    issue: &Issue,
    plan: &mut Plan,
) -> Option<Username> {
    for a in applied.iter().filter(|a| a.fired) {
        if let Some(asg) = &a.actions.assign
            && (issue.assignees.is_empty() || asg.override_existing)
            && let Some(u) = inputs.roster.choose(
                &asg.role,
                asg.strategy,
                issue.iid,
                inputs.now,
                inputs.calendar.time_zone(),
                inputs.workload,
            )
        {
            let current: Vec<&Username> = issue.assignees.iter().map(|r| &r.username).collect();
            if current != [&u] {
                plan.assignees = Some(vec![u.clone()]);
            }
            return Some(u);
        }
    }
    None
}

/// The due date of the first fired rule that sets one and can compute it; planned when the
/// issue has none, or when it differs and is Steward's own or the rule says `overwrite`.
/// Returns that date, and whether a due date needed a date the calendar no longer lists.
pub(super) fn plan_due_date(
    applied: &[Applied<'_>],
    ctx: &Ctx<'_>,
    plan: &mut Plan,
) -> (Option<NaiveDate>, bool) {
    let issue = ctx.issue;
    let mut calendar_gap = false;
    for a in applied.iter().filter(|a| a.fired) {
        let Some(d) = &a.actions.due_date else {
            continue;
        };
        let Some(target) = due_target(d, ctx, &mut calendar_gap) else {
            continue;
        };
        let differs = issue.due_date != Some(target);
        // Steward keeps the due date it set in step with its source field; a date a
        // person chose is kept unless the rule says `overwrite`.
        let ours = issue.due_date.is_some() && issue.due_date == issue.managed_due_date;
        if issue.due_date.is_none() || (differs && (ours || d.overwrite)) {
            plan.due_date = Some(target);
        }
        return (Some(target), calendar_gap);
    }
    (None, calendar_gap)
}

/// The date a due-date action gives, or `None` when its base date is unknown (a missing
/// field, or no next earnings call listed: then `calendar_gap` is set).
///
/// A due date falls on a day the team works: a weekend or holiday moves it to the working day
/// before. One on or before the day the request was filed is not set at all: the request is
/// late (a lead-time check labels it and explains why), and a date that starts due or overdue
/// would only raise a same-day reminder and then alarms nobody can act on. The team sets a
/// date by hand if it takes the request on; Steward keeps a date a person chose.
fn due_target(d: &DueDateAction, ctx: &Ctx<'_>, calendar_gap: &mut bool) -> Option<NaiveDate> {
    let calendar = ctx.calendar;
    let base = match &d.from {
        DueFrom::Created => Some(ctx.created),
        DueFrom::NextEarnings => {
            let next = calendar.next_earnings(ctx.created).map(|(_, d)| d);
            *calendar_gap |= next.is_none();
            next
        }
        DueFrom::EarningsOf(k) => {
            let chosen = ctx.fields.values.get(k).and_then(|v| match v {
                FieldValue::Text(t) => FiscalQuarter::parse_written(t),
                _ => None,
            });
            // A quarter that cannot be read, or that the calendar does not list (long past, or
            // beyond the dates the team has entered), counts from the next call after filing.
            let date = chosen
                .and_then(|q| calendar.earnings_date(q))
                .or_else(|| calendar.next_earnings(ctx.created).map(|(_, d)| d));
            *calendar_gap |= date.is_none();
            date
        }
        DueFrom::Field(k) => match ctx.fields.values.get(k) {
            Some(FieldValue::Date(date)) => Some(*date),
            _ => None,
        },
        DueFrom::Expiry(e) => super::dates::expires(e, ctx),
    }?;
    let target = calendar.business_day_on_or_before(shift(calendar, base, d.offset, d.unit));
    // An embargo: nothing is due before it lifts (the first business day from it).
    let embargo = d
        .not_before
        .as_ref()
        .and_then(|k| match ctx.fields.values.get(k) {
            Some(FieldValue::Date(date)) => Some(calendar.business_day_on_or_after(*date)),
            _ => None,
        });
    let target = embargo.map_or(target, |e| target.max(e));
    (target > ctx.created).then_some(target)
}

/// `base` moved by `offset` days of `unit`.
fn shift(calendar: &Calendar, base: NaiveDate, offset: i64, unit: Unit) -> NaiveDate {
    match unit {
        Unit::Calendar => calendar.add_calendar_days(base, offset),
        Unit::Business => calendar.add_business_days(base, offset),
    }
}
