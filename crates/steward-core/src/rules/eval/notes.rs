//! The notes the applied action blocks plan: rule comments (one per key, with mentions and
//! escalations, addressed to whoever covers for an absent assignee) and the note about a due
//! date the calendar cannot give.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{Applied, Chosen, Ctx, Inputs};
use crate::calendar::Calendar;
use crate::model::{Issue, Plan, PlannedNote, Username};
use crate::rules::text::RenderCtx;
use crate::rules::{Comment, Escalate, Roster};

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
            // A reminder is a message of its moment: once this window's is posted it is not
            // rewritten (an edit would re-address it without notifying, or leave a To-Do for
            // someone it was never sent to, e.g. when an absence ends mid-window).
            if c.repeat_every_days.is_some() && issue.owned_note_keys.contains(&key) {
                keys.insert(key);
                continue;
            }
            // A reminder or escalation about the assignee's work goes to whoever covers for
            // them while they are away (the note says why).
            let cover = shown_assignee
                .as_ref()
                .filter(|_| c.body.addresses_assignee())
                .and_then(|u| covered(inputs, u));
            let addressed = cover.as_ref().map(|(c, _)| c).or(shown_assignee.as_ref());
            let rctx = RenderCtx {
                issue,
                template: inputs.template,
                fields: inputs.fields,
                lead: a.lead.as_ref(),
                roster: inputs.roster,
                assignee: addressed,
                due_date: shown_due,
                today: ctx.today,
                dates: a.dates,
            };
            let mut body = c.body.render(&rctx);
            if let Some((_, line)) = &cover {
                body.push_str("\n\n");
                body.push_str(line);
            }
            if let Some(e) = &a.actions.escalate {
                let assignees = issue.assignees.iter().map(|a| &a.username);
                let about: Vec<&Username> = assignees
                    .chain(shown_assignee.iter())
                    .chain(addressed)
                    .collect();
                append_escalation(&mut body, e, &about, inputs);
            }
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

/// The member covering for `user` while they are away, with the line that says so (the
/// absent person by name, not mentioned); `None` when `user` is present or nobody covers.
fn covered(inputs: &Inputs<'_>, user: &Username) -> Option<(Username, String)> {
    let tz = inputs.calendar.time_zone();
    let cover = inputs.roster.cover_for(user, inputs.now, tz)?;
    let absent = inputs.roster.member(user)?;
    let (_, until) = absent.absence(inputs.now, tz)?;
    let line = format!(
        "_{} is out of office until {until}, so this goes to {}, who covers for them._",
        absent.short_name(),
        cover.short_name()
    );
    Some((cover.username.clone(), line))
}

/// Appends the escalation: the role's members other than those the escalation is `about`
/// (the assignee and whoever stands in for them), asked to act; when nobody else can take
/// it, a line saying the issue's labels carry it. Nobody is ever asked about their own work.
fn append_escalation(body: &mut String, e: &Escalate, about: &[&Username], inputs: &Inputs<'_>) {
    let tz = inputs.calendar.time_zone();
    let to = inputs.roster.escalation_to(&e.role, about, inputs.now, tz);
    body.push_str("\n\n");
    if to.is_empty() {
        body.push_str(&format!(
            "Nobody else in the `{}` role or its backup can take this escalation today, so \
             the issue's labels carry it.",
            e.role
        ));
        return;
    }
    let names: Vec<String> = to
        .iter()
        .map(|u| crate::untrusted::mention_or_name(u.as_str()))
        .collect();
    body.push_str(&format!("{}, {}", names.join(" "), e.ask));
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
