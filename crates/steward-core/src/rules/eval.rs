//! Pure rule evaluation: an issue, its template and parsed fields, `now`, the calendar, roster
//! and workload in; the desired end state (`Plan`) out.
//!
//! No I/O, no clock, no randomness: the same inputs always give the same plan.
//!
//! How rules combine (documented in docs/rules.md):
//! - A rule *fires* when all its conditions hold and its check (if any) fails. Its `actions`
//!   apply. When its conditions do not hold, or its check passes, its `otherwise` block applies.
//!   When a check cannot be computed (its date field is missing), neither applies.
//! - A label that any applied block adds is never removed by another rule. Within one scope the
//!   first rule (file order, then rule order) wins; adding a scoped label removes its siblings.
//! - The first fired rule that assigns, and the first that sets a due date, win.
//! - One note per key: a fired rule's comment wins over an `otherwise` comment; an `otherwise`
//!   comment is planned only for a note that already exists (never post "all is well").

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::text::{LeadFigures, RenderCtx};

mod conditions;

use super::{Actions, Conditions, LabelPattern, LeadTimeCheck, Roster, RuleSet, Unit, Workload};
use crate::calendar::Calendar;
use crate::model::{
    FieldValue, Issue, LabelName, MatchedRule, ParsedFields, Plan, PlannedNote, TemplateSpec,
    Username,
};
use conditions::{Holds, Why, conditions_hold};

struct Ctx<'a> {
    issue: &'a Issue,
    template: Option<&'a TemplateSpec>,
    fields: &'a ParsedFields,
    today: NaiveDate,
    created: NaiveDate,
    calendar: &'a Calendar,
}

#[derive(Clone)]
enum Outcome {
    Fire(Vec<String>, Option<LeadFigures>),
    Otherwise(Option<LeadFigures>),
    Neither,
}

/// Evaluates every rule against one issue and returns the plan (see the module docs for how
/// rules combine). `template` is the recognised template, `fields` what was parsed with it.
///
/// When the plan changes labels or the due date, the rules are evaluated once more against the
/// issue as the plan would leave it, so the plan is already the end state: a request that gets
/// its intake labels and a due date tomorrow is labelled due-soon (a rule that reads both) by
/// the same edit, not by the next sweep.
#[allow(clippy::too_many_arguments)] // each input is a distinct, explicit dependency of a pure function
pub fn evaluate(
    rules: &RuleSet,
    issue: &Issue,
    template: Option<&TemplateSpec>,
    fields: &ParsedFields,
    now: DateTime<Utc>,
    calendar: &Calendar,
    roster: &Roster,
    workload: &Workload,
) -> Plan {
    let mut outcomes = Vec::with_capacity(rules.rules().len());
    let first = evaluate_once(
        rules,
        issue,
        template,
        fields,
        now,
        calendar,
        roster,
        workload,
        true,
        &mut outcomes,
    );
    let new_due = first.due_date.filter(|d| issue.due_date != Some(*d));
    if first.add_labels.is_empty() && first.remove_labels.is_empty() && new_due.is_none() {
        return first;
    }
    // Rules never read the description (fields are parsed before), so it is not copied.
    let mut projected = Issue {
        description: String::new(),
        title: issue.title.clone(),
        labels: issue.labels.clone(),
        assignees: issue.assignees.clone(),
        author: issue.author.clone(),
        web_url: issue.web_url.clone(),
        owned_note_keys: issue.owned_note_keys.clone(),
        ..*issue
    };
    projected
        .labels
        .retain(|l| !first.remove_labels.contains(l));
    projected.labels.extend(first.add_labels.iter().cloned());
    if let Some(due) = new_due {
        projected.due_date = Some(due);
        projected.managed_due_date = Some(due);
    }
    if let Some(names) = &first.assignees {
        // Only the usernames matter to rules; ids are the reconciler's business.
        projected.assignees = names
            .iter()
            .map(|u| crate::model::UserRef {
                id: crate::model::UserId(0),
                username: u.clone(),
            })
            .collect();
    }
    let second = evaluate_once(
        rules,
        &projected,
        template,
        fields,
        now,
        calendar,
        roster,
        workload,
        false,
        &mut outcomes,
    );
    // The end state is the projection plus what the second pass still changes; the plan is
    // that end state relative to the issue as it is now.
    let mut end = projected.labels.clone();
    end.retain(|l| !second.remove_labels.contains(l));
    end.extend(second.add_labels.iter().cloned());
    // Rules that fired on either pass explain the plan (the intake rule fired on the first,
    // a due-soon rule may fire only on the second).
    let mut matched_rules = first.matched_rules;
    for m in second.matched_rules {
        if !matched_rules.iter().any(|r| r.name == m.name) {
            matched_rules.push(m);
        }
    }
    Plan {
        add_labels: end.difference(&issue.labels).cloned().collect(),
        remove_labels: issue.labels.difference(&end).cloned().collect(),
        assignees: second.assignees.or(first.assignees),
        due_date: second.due_date.or(new_due),
        notes: second.notes,
        matched_rules,
    }
}

/// One pass over the rules. With `skip_notes_if_changing`, a pass whose plan changes labels or
/// the due date returns before rendering comments: a second pass will render them against the
/// projected issue, so rendering them here would be wasted (this runs for every issue).
#[allow(clippy::too_many_arguments)]
fn evaluate_once(
    rules: &RuleSet,
    issue: &Issue,
    template: Option<&TemplateSpec>,
    fields: &ParsedFields,
    now: DateTime<Utc>,
    calendar: &Calendar,
    roster: &Roster,
    workload: &Workload,
    skip_notes_if_changing: bool,
    outcomes: &mut Vec<Outcome>,
) -> Plan {
    let ctx = Ctx {
        issue,
        template,
        fields,
        today: calendar.local_date(now),
        created: calendar.local_date(issue.created_at),
        calendar,
    };
    let mut plan = Plan::default();
    let mut applied: Vec<(&Actions, bool, Option<LeadFigures>)> = Vec::new();
    // On the second pass only rules that read labels, assignees or the due date can change
    // their outcome; the others' outcomes from the first pass are reused.
    let reuse = outcomes.len() == rules.rules().len();
    for (i, rule) in rules.rules().iter().enumerate() {
        let result = match outcomes.get(i) {
            Some(prior) if reuse && !rule.conditions.reads_issue_state() => prior.clone(),
            _ => outcome(&rule.conditions, rule.check.as_ref(), &ctx),
        };
        if !reuse {
            outcomes.push(result.clone());
        }
        match result {
            Outcome::Fire(reasons, lead) => {
                plan.matched_rules.push(MatchedRule {
                    name: rule.name.clone(),
                    reasons,
                });
                if let Some(a) = &rule.actions {
                    applied.push((a, true, lead));
                }
            }
            Outcome::Otherwise(lead) => {
                if let Some(o) = &rule.otherwise {
                    applied.push((o, false, lead));
                }
            }
            Outcome::Neither => {}
        }
    }

    // Labels: adds in order, one per scope, never removed by anyone. Scopes are computed once
    // per label (this loop runs for every issue).
    let mut adds: Vec<(&LabelName, Option<&str>)> = Vec::new();
    let mut removes: Vec<&LabelPattern> = Vec::new();
    for (a, _, _) in &applied {
        for l in &a.add_labels {
            let scope = label_scope(l.as_str());
            let taken = adds
                .iter()
                .any(|(x, s)| *x == l || (scope.is_some() && *s == scope));
            if !taken {
                adds.push((l, scope));
            }
        }
        removes.extend(a.remove_labels.iter());
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

    // Assignee and due date: first fired rule wins.
    let mut assignee: Option<Username> = None;
    let mut due: Option<NaiveDate> = None;
    // A due date that needs a date the calendar no longer lists (it ran out).
    let mut calendar_gap = false;
    for (a, fired, _) in &applied {
        if !*fired {
            continue;
        }
        if assignee.is_none()
            && let Some(asg) = &a.assign
            && (issue.assignees.is_empty() || asg.override_existing)
            && let Some(u) = roster.choose(
                &asg.role,
                asg.strategy,
                issue.iid,
                now,
                calendar.time_zone(),
                workload,
            )
        {
            let current: Vec<&Username> = issue.assignees.iter().map(|r| &r.username).collect();
            if current != [&u] {
                plan.assignees = Some(vec![u.clone()]);
            }
            assignee = Some(u);
        }
        if due.is_none()
            && let Some(d) = &a.due_date
        {
            let base = match &d.from {
                super::DueFrom::Created => Some(ctx.created),
                super::DueFrom::NextEarnings => {
                    let next = calendar.next_earnings(ctx.created).map(|(_, d)| d);
                    calendar_gap |= next.is_none();
                    next
                }
                super::DueFrom::Field(k) => match fields.values.get(k) {
                    Some(FieldValue::Date(date)) => Some(*date),
                    _ => None,
                },
            };
            if let Some(base) = base {
                // A due date falls on a day the team works: a weekend or holiday moves it to
                // the working day before. One before the request was filed helps nobody (it
                // starts overdue): the first working day from filing instead.
                let target =
                    calendar.business_day_on_or_before(shift(calendar, base, d.offset, d.unit));
                let target = if target < ctx.created {
                    calendar.business_day_on_or_after(ctx.created)
                } else {
                    target
                };
                due = Some(target);
                let differs = issue.due_date != Some(target);
                // Steward keeps the due date it set in step with its source field; a date a
                // person chose is kept unless the rule says `overwrite`.
                let ours = issue.due_date.is_some() && issue.due_date == issue.managed_due_date;
                if issue.due_date.is_none() || (differs && (ours || d.overwrite)) {
                    plan.due_date = Some(target);
                }
            }
        }
    }

    if skip_notes_if_changing
        && (!plan.add_labels.is_empty()
            || !plan.remove_labels.is_empty()
            || plan.due_date.is_some_and(|d| issue.due_date != Some(d)))
    {
        return plan;
    }

    // Notes, rendered with the final assignee and due date.
    let shown_assignee = assignee.or_else(|| issue.assignees.first().map(|r| r.username.clone()));
    let shown_due = plan.due_date.or(issue.due_date).or(due);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for pass_fired in [true, false] {
        for (a, fired, lead) in &applied {
            if *fired != pass_fired {
                continue;
            }
            let Some(c) = &a.comment else { continue };
            // A repeating note gets a fresh key each window, so GitLab notifies again; within
            // a window the same note is kept.
            let key = match c.repeat_every_days {
                Some(days) if *fired => repeat_key(&c.key, &issue.owned_note_keys, ctx.today, days),
                Some(_) => continue,
                None => c.key.clone(),
            };
            if keys.contains(&key) || (!fired && !issue.owned_note_keys.contains(&key)) {
                continue;
            }
            let rctx = RenderCtx {
                issue,
                template,
                fields,
                lead: lead.as_ref(),
                roster,
                assignee: shown_assignee.as_ref(),
                due_date: shown_due,
                today: ctx.today,
            };
            let mut body = c.body.render(&rctx);
            let mut mentioned: Vec<&Username> = Vec::new();
            for role in &a.mention {
                for u in roster.role(role).unwrap_or(&[]) {
                    if !mentioned.contains(&u) {
                        mentioned.push(u);
                    }
                }
            }
            if !mentioned.is_empty() {
                let line: Vec<String> = mentioned
                    .iter()
                    .map(|u| crate::untrusted::mention_or_name(u.as_str()))
                    .collect();
                body.push_str("\n\ncc ");
                body.push_str(&line.join(" "));
            }
            keys.insert(key.clone());
            plan.notes.push(PlannedNote { key, body });
        }
    }
    if let Some(note) = calendar_gap_note(calendar, issue, calendar_gap && due.is_none()) {
        plan.notes.push(note);
    }
    plan
}

/// The key of the note that says a due date is missing because the calendar ran out.
pub const CALENDAR_GAP_KEY: &str = "calendar-gap";

/// The note explaining a due date the calendar cannot give (`gap`), or, once it can again, the
/// same note updated to say so (only when that note exists: never post "all is well").
fn calendar_gap_note(calendar: &Calendar, issue: &Issue, gap: bool) -> Option<PlannedNote> {
    let body = if gap {
        let listed = match calendar.last_earnings() {
            Some(last) => format!("lists no earnings call after {last} yet"),
            None => "lists no earnings calls".to_owned(),
        };
        format!(
            "**This request has no due date yet.** Its due date is counted back from the next \
             earnings call, and the team's calendar {listed}. Nothing is needed from you: the \
             due date is set as soon as the team adds the coming earnings dates."
        )
    } else if issue.owned_note_keys.contains(CALENDAR_GAP_KEY) {
        "The team's calendar now lists the coming earnings call, and this request's due date \
         is set from it."
            .to_owned()
    } else {
        return None;
    };
    Some(PlannedNote {
        key: CALENDAR_GAP_KEY.to_owned(),
        body,
    })
}

/// The key of a repeating note: `key-YYYY-MM-DD`, dated the day it was first posted. While the
/// newest such note is less than `days` old it is kept (same key); after that a new one is due.
/// The dates live in the keys of the issue's owned notes, so evaluation stays pure.
pub(super) fn repeat_key(
    key: &str,
    owned: &BTreeSet<String>,
    today: NaiveDate,
    days: u32,
) -> String {
    let prefix = format!("{key}-");
    let newest = owned
        .iter()
        .filter_map(|k| k.strip_prefix(&prefix))
        .filter_map(|d| d.parse::<NaiveDate>().ok())
        .max();
    match newest {
        Some(last) if (today - last).num_days() < i64::from(days) => format!("{prefix}{last}"),
        _ => format!("{prefix}{today}"),
    }
}

/// A scoped label's scope (`a::b::c` → `a::b`, as GitLab scopes on the last `::`); a byte scan,
/// cheaper than a substring search on this hot path.
pub(super) fn label_scope(label: &str) -> Option<&str> {
    label
        .as_bytes()
        .windows(2)
        .rposition(|w| w == b"::")
        .map(|i| &label[..i])
}

fn shift(calendar: &Calendar, base: NaiveDate, offset: i64, unit: Unit) -> NaiveDate {
    match unit {
        Unit::Calendar => calendar.add_calendar_days(base, offset),
        Unit::Business => calendar.add_business_days(base, offset),
    }
}

fn outcome(c: &Conditions, check: Option<&LeadTimeCheck>, ctx: &Ctx<'_>) -> Outcome {
    // Reasons are only worth building for rules that fire: evaluate silently first.
    let holds = match conditions_hold(c, ctx, &mut Why(None)) {
        Holds::Yes => true,
        Holds::No => false,
        Holds::NotApplicable => return Outcome::Neither,
    };
    let explain = || {
        let mut why = Why(Some(Vec::new()));
        conditions_hold(c, ctx, &mut why);
        why.0.unwrap_or_default()
    };
    let Some(check) = check else {
        return if holds {
            Outcome::Fire(explain(), None)
        } else {
            Outcome::Otherwise(None)
        };
    };
    let Some(FieldValue::Date(date)) = ctx.fields.values.get(&check.field) else {
        // No date to measure: leave whatever the last evaluation did.
        return Outcome::Neither;
    };
    let figures = lead_figures(check, *date, ctx);
    if !holds {
        return Outcome::Otherwise(Some(figures));
    }
    if figures.actual < i64::from(figures.required) {
        let mut reasons = explain();
        reasons.push(format!(
            "{} is {} {} after filing ({}), fewer than the {} required",
            check.field_label, figures.actual, figures.unit, figures.filed, figures.required
        ));
        Outcome::Fire(reasons, Some(figures))
    } else {
        Outcome::Otherwise(Some(figures))
    }
}

fn lead_figures(check: &LeadTimeCheck, date: NaiveDate, ctx: &Ctx<'_>) -> LeadFigures {
    let cal = ctx.calendar;
    let req = i64::from(check.minimum);
    let (actual, earliest_ok, latest_filing) = match check.unit {
        Unit::Calendar => (
            (date - ctx.created).num_days(),
            cal.add_calendar_days(ctx.created, req),
            cal.add_calendar_days(date, -req),
        ),
        Unit::Business => (
            cal.business_days_between(ctx.created, date),
            cal.add_business_days(ctx.created, req),
            cal.add_business_days(date, -req),
        ),
    };
    LeadFigures {
        required: check.minimum,
        actual,
        unit: check.unit.words(),
        earliest_ok,
        latest_filing,
        field_date: date,
        filed: ctx.created,
        field_label: check.field_label.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::LabelName;

    #[test]
    fn label_scope_agrees_with_gitlab_scoping() {
        for l in [
            "a::b::c",
            "a::b",
            "plain",
            "::x",
            "a::",
            "a:b",
            "Customer Advocacy",
        ] {
            assert_eq!(super::label_scope(l), LabelName::from(l).scope(), "{l}");
        }
    }
}
