//! The notes the applied action blocks plan: rule comments (one per key, with mentions) and
//! the note about a due date the calendar cannot give.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{Applied, Chosen, Ctx, Inputs};
use crate::calendar::Calendar;
use crate::model::{Issue, Plan, PlannedNote, Username};
use crate::rules::text::RenderCtx;
use crate::rules::{Comment, Roster};

/// The key of the note that says a due date is missing because the calendar ran out.
pub const CALENDAR_GAP_KEY: &str = "calendar-gap";

/// Plans the notes, rendered with the final assignee and due date: fired rules' comments
/// first, then `otherwise` comments for notes that already exist; one note per key.
pub(super) fn plan_notes(
    applied: &[Applied<'_>],
    inputs: &Inputs<'_>,
    ctx: &Ctx<'_>,
    chosen: &Chosen,
    plan: &mut Plan,
) {
    let issue = ctx.issue;
    let shown_assignee = chosen
        .assignee
        .clone()
        .or_else(|| issue.assignees.first().map(|r| r.username.clone()));
    let shown_due = plan.due_date.or(issue.due_date).or(chosen.due);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for pass_fired in [true, false] {
        for a in applied.iter().filter(|a| a.fired == pass_fired) {
            let Some(c) = &a.actions.comment else {
                continue;
            };
            let Some(key) = note_key(c, a.fired, issue, ctx.today) else {
                continue;
            };
            if keys.contains(&key) || (!a.fired && !issue.owned_note_keys.contains(&key)) {
                continue;
            }
            let rctx = RenderCtx {
                issue,
                template: inputs.template,
                fields: inputs.fields,
                lead: a.lead.as_ref(),
                roster: inputs.roster,
                assignee: shown_assignee.as_ref(),
                due_date: shown_due,
                today: ctx.today,
            };
            let mut body = c.body.render(&rctx);
            append_mentions(&mut body, &a.actions.mention, inputs.roster);
            keys.insert(key.clone());
            plan.notes.push(PlannedNote { key, body });
        }
    }
    let gap = chosen.calendar_gap && chosen.due.is_none();
    if let Some(note) = calendar_gap_note(inputs.calendar, issue, gap) {
        plan.notes.push(note);
    }
}

/// The key a comment is posted under, or `None` for a repeating comment of a rule that did
/// not fire. A repeating note gets a fresh key each window, so GitLab notifies again; within
/// a window the same note is kept.
fn note_key(c: &Comment, fired: bool, issue: &Issue, today: NaiveDate) -> Option<String> {
    match c.repeat_every_days {
        Some(days) if fired => Some(repeat_key(&c.key, &issue.owned_note_keys, today, days)),
        Some(_) => None,
        None => Some(c.key.clone()),
    }
}

/// Appends a `cc` line mentioning every member of the `roles` (each once, in role order).
pub(super) fn append_mentions(body: &mut String, roles: &[String], roster: &Roster) {
    let mut mentioned: Vec<&Username> = Vec::new();
    for role in roles {
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
        // One blank line before the `cc` line, whether or not the body ends with a newline
        // (a YAML `|` body does).
        body.truncate(body.trim_end().len());
        body.push_str("\n\ncc ");
        body.push_str(&line.join(" "));
    }
}

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
fn repeat_key(key: &str, owned: &BTreeSet<String>, today: NaiveDate, days: u32) -> String {
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
