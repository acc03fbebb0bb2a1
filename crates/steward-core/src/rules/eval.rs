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

use chrono::{DateTime, NaiveDate, Utc};

use super::text::LeadFigures;

mod apply;
mod conditions;
mod dates;
mod handover;
mod notes;
mod preview;
mod waited;

use super::{Conditions, LeadTimeCheck, Roster, RuleActions, RuleSet, Unit, Workload};
use crate::calendar::Calendar;
use crate::model::{FieldValue, Issue, MatchedRule, ParsedFields, Plan, TemplateSpec, Username};
use conditions::{Holds, Why, conditions_hold};

pub use handover::HANDOVER_KEY;
pub use notes::CALENDAR_GAP_KEY;
pub use preview::{CommentPreview, PreviewInput, preview_comments};

/// What a condition or check reads about the issue being evaluated, with the dates that
/// measure it in the team's time zone.
struct Ctx<'a> {
    issue: &'a Issue,
    template: Option<&'a TemplateSpec>,
    fields: &'a ParsedFields,
    today: NaiveDate,
    created: NaiveDate,
    calendar: &'a Calendar,
}

/// Everything an evaluation pass reads besides the issue (which the second pass projects).
struct Inputs<'a> {
    rules: &'a RuleSet,
    template: Option<&'a TemplateSpec>,
    fields: &'a ParsedFields,
    now: DateTime<Utc>,
    calendar: &'a Calendar,
    roster: &'a Roster,
    workload: &'a Workload,
}

/// What a rule does to an issue on one pass.
#[derive(Clone)]
enum RuleOutcome {
    Fire(Vec<String>, Option<LeadFigures>),
    Otherwise(Option<LeadFigures>),
    Neither,
}

/// An action block that applies to the issue: a fired rule's `actions` or a rule's `otherwise`.
struct Applied<'a> {
    actions: &'a RuleActions,
    /// Whether the rule fired (`actions`) rather than not (`otherwise`).
    fired: bool,
    lead: Option<LeadFigures>,
    /// The calendar figures of the rule's conditions, for its comments.
    dates: crate::rules::text::DateFacts,
}

/// The assignee and due date the fired rules choose, before comparing with the issue.
struct Chosen {
    /// The first fired rule's assignee the roster could pick.
    assignee: Option<Username>,
    /// The first fired rule's due date that could be computed.
    due: Option<NaiveDate>,
    /// A due date needs a date the calendar no longer lists (it ran out).
    calendar_gap: bool,
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
    let inputs = Inputs {
        rules,
        template,
        fields,
        now,
        calendar,
        roster,
        workload,
    };
    let mut outcomes = Vec::with_capacity(rules.rules().len());
    let cover = handover::needed(&inputs, issue);
    let first = evaluate_once(&inputs, issue, cover.as_ref(), true, &mut outcomes);
    let new_due = first.due_date.filter(|d| issue.due_date != Some(*d));
    if first.add_labels.is_empty() && first.remove_labels.is_empty() && new_due.is_none() {
        return first;
    }
    let projected = project(issue, &first, new_due);
    let second = evaluate_once(&inputs, &projected, cover.as_ref(), false, &mut outcomes);
    combine_passes(issue, &projected, first, second, new_due)
}

/// The issue as the first pass's plan would leave it (labels, due date, assignees).
fn project(issue: &Issue, first: &Plan, new_due: Option<NaiveDate>) -> Issue {
    // Rules never read the description (fields are parsed before), so it is not copied.
    let mut projected = Issue {
        description: String::new(),
        title: issue.title.clone(),
        labels: issue.labels.clone(),
        assignees: issue.assignees.clone(),
        author: issue.author.clone(),
        web_url: issue.web_url.clone(),
        owned_note_keys: issue.owned_note_keys.clone(),
        waiting: issue.waiting.clone(),
        work_item_type: issue.work_item_type.clone(),
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
    projected
}

/// The plan of both passes: the end state is the projection plus what the second pass still
/// changes, expressed relative to the issue as it is now.
fn combine_passes(
    issue: &Issue,
    projected: &Issue,
    first: Plan,
    second: Plan,
    new_due: Option<NaiveDate>,
) -> Plan {
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
        state: second.state.or(first.state),
        matched_rules,
    }
}

/// One pass over the rules, then the out-of-office `cover` the issue needs. With
/// `skip_notes_if_changing`, a pass whose plan changes labels or the due date returns before
/// rendering comments: a second pass will render them against the projected issue, so
/// rendering them here would be wasted (this runs for every issue).
fn evaluate_once(
    inputs: &Inputs<'_>,
    issue: &Issue,
    cover: Option<&handover::Cover<'_>>,
    skip_notes_if_changing: bool,
    outcomes: &mut Vec<RuleOutcome>,
) -> Plan {
    let calendar = inputs.calendar;
    let ctx = Ctx {
        issue,
        template: inputs.template,
        fields: inputs.fields,
        today: calendar.local_date(inputs.now),
        created: calendar.local_date(issue.created_at),
        calendar,
    };
    let mut plan = Plan::default();
    let applied = applied_blocks(inputs.rules, &ctx, outcomes, &mut plan.matched_rules);
    apply::plan_labels(&applied, issue, &mut plan);
    let assignee = apply::plan_assignee(&applied, inputs, issue, &mut plan);
    let assignee = assignee.or(handover::plan_cover(inputs, &ctx, cover, &mut plan));
    let (due, calendar_gap) = apply::plan_due_date(&applied, &ctx, &mut plan);
    apply::plan_state(&applied, issue, &mut plan);
    let chosen = Chosen {
        assignee,
        due,
        calendar_gap,
    };

    if skip_notes_if_changing
        && (!plan.add_labels.is_empty()
            || !plan.remove_labels.is_empty()
            || plan.due_date.is_some_and(|d| issue.due_date != Some(d)))
    {
        return plan;
    }

    notes::plan_notes(&applied, inputs, &ctx, &chosen, &mut plan);
    if let Some(c) = cover {
        plan.notes.push(handover::note(inputs, c));
    }
    plan
}

/// The action blocks that apply, in rule order, recording fired rules in `matched`.
///
/// On the second pass (`outcomes` already holds one per rule) only rules that read labels,
/// assignees or the due date can change their outcome; the others' first-pass outcomes are
/// reused. On the first pass every outcome is recorded in `outcomes`.
fn applied_blocks<'r>(
    rules: &'r RuleSet,
    ctx: &Ctx<'_>,
    outcomes: &mut Vec<RuleOutcome>,
    matched: &mut Vec<MatchedRule>,
) -> Vec<Applied<'r>> {
    let mut applied = Vec::new();
    let reuse = outcomes.len() == rules.rules().len();
    for (i, rule) in rules.rules().iter().enumerate() {
        let result = match outcomes.get(i) {
            Some(prior) if reuse && !rule.conditions.reads_issue_state() => prior.clone(),
            _ => outcome(&rule.conditions, rule.check.as_ref(), ctx),
        };
        if !reuse {
            outcomes.push(result.clone());
        }
        match result {
            RuleOutcome::Fire(reasons, lead) => {
                matched.push(MatchedRule {
                    name: rule.name.clone(),
                    reasons,
                });
                if let Some(a) = &rule.actions {
                    applied.push(Applied {
                        actions: a,
                        fired: true,
                        lead,
                        dates: dates::date_facts(&rule.conditions, ctx),
                    });
                }
            }
            RuleOutcome::Otherwise(lead) => {
                if let Some(o) = &rule.otherwise {
                    applied.push(Applied {
                        actions: o,
                        fired: false,
                        lead,
                        dates: dates::date_facts(&rule.conditions, ctx),
                    });
                }
            }
            RuleOutcome::Neither => {}
        }
    }
    applied
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

/// Whether a rule fires, applies its `otherwise`, or neither, with the reasons it fired and
/// the figures of its lead-time check (when it has one and the date is known).
fn outcome(c: &Conditions, check: Option<&LeadTimeCheck>, ctx: &Ctx<'_>) -> RuleOutcome {
    // Reasons are only worth building for rules that fire: evaluate silently first.
    let holds = match conditions_hold(c, ctx, &mut Why(None)) {
        Holds::Yes => true,
        Holds::No => false,
        Holds::NotApplicable => return RuleOutcome::Neither,
    };
    let explain = || {
        let mut why = Why(Some(Vec::new()));
        conditions_hold(c, ctx, &mut why);
        why.0.unwrap_or_default()
    };
    let Some(check) = check else {
        return if holds {
            RuleOutcome::Fire(explain(), None)
        } else {
            RuleOutcome::Otherwise(None)
        };
    };
    let Some(FieldValue::Date(date)) = ctx.fields.values.get(&check.field) else {
        // No date to measure: leave whatever the last evaluation did.
        return RuleOutcome::Neither;
    };
    let figures = lead_figures(check, *date, ctx);
    if !holds {
        return RuleOutcome::Otherwise(Some(figures));
    }
    if figures.actual < i64::from(figures.required) {
        let mut reasons = explain();
        reasons.push(format!(
            "{} is {} {} after filing ({}), fewer than the {} required",
            check.field_label, figures.actual, figures.unit, figures.filed, figures.required
        ));
        RuleOutcome::Fire(reasons, Some(figures))
    } else {
        RuleOutcome::Otherwise(Some(figures))
    }
}

/// The figures of a lead-time check for a field `date`, as comment bodies show them.
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
mod inactive_tests;

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
