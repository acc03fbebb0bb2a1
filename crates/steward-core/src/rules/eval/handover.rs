//! Out-of-office handover: an open request whose assignee is away and that falls due before
//! they are back is covered. The roster's `handover` says how: `flag` keeps the assignee and
//! labels the request for cover, `reassign` gives it to the member who covers. Either way one
//! note says who covers until when.
//!
//! Pure: the roster's absences are read on the date `now` falls on; no I/O.

use chrono::NaiveDate;

use super::{Ctx, Inputs};
use crate::model::{Issue, IssueState, Plan, PlannedNote, Username};
use crate::rules::roster::{Handover, Member};

/// The key of the note that says who covers an absent assignee's request.
pub const HANDOVER_KEY: &str = "handover";

/// An absent assignee's request that needs cover.
pub(super) struct Cover<'r> {
    absent: &'r Member,
    from: NaiveDate,
    until: NaiveDate,
    due: NaiveDate,
    cover: Option<&'r Member>,
}

/// The cover `issue` needs: its first assignee who is away today, when the request falls
/// due before they are back (or is already overdue). Judged on the issue as it is (not as a
/// plan would leave it), so a reassignment does not hide the note that explains it. A request
/// waiting on its requester needs no cover yet: nobody is to act on it until they answer, and
/// the sync that ends the wait covers it then.
pub(super) fn needed<'r>(inputs: &Inputs<'r>, issue: &Issue) -> Option<Cover<'r>> {
    if issue.state != IssueState::Opened || issue.waiting.since.is_some() {
        return None;
    }
    let due = issue.due_date?;
    let tz = inputs.calendar.time_zone();
    issue.assignees.iter().find_map(|a| {
        let absent = inputs.roster.member(&a.username)?;
        let (from, until) = absent.absence(inputs.now, tz)?;
        (due <= until).then(|| Cover {
            absent,
            from,
            until,
            due,
            cover: inputs.roster.cover_for(&a.username, inputs.now, tz),
        })
    })
}

/// Plans the cover label (added while cover is needed under `flag`, or when nobody can cover;
/// removed once it is not) and, under `reassign`, the new assignee, unless a rule already
/// assigns. Returns the assignee planned, if any.
pub(super) fn plan_cover(
    inputs: &Inputs<'_>,
    ctx: &Ctx<'_>,
    need: Option<&Cover<'_>>,
    plan: &mut Plan,
) -> Option<Username> {
    let roster = inputs.roster;
    let reassign = |c: &Cover<'_>| roster.handover() == Handover::Reassign && c.cover.is_some();
    let labelled = need.is_some_and(|c| !reassign(c));
    if let Some(label) = roster.cover_label() {
        let has = ctx.issue.labels.contains(label);
        if labelled && !has {
            plan.add_labels.insert(label.clone());
        } else if !labelled && has && !plan.add_labels.contains(label) {
            plan.remove_labels.insert(label.clone());
        }
    }
    let c = need.filter(|c| reassign(c) && plan.assignees.is_none())?;
    let to = c.cover?.username.clone();
    let mut names: Vec<Username> = ctx
        .issue
        .assignees
        .iter()
        .map(|a| a.username.clone())
        .filter(|u| *u != c.absent.username && *u != to)
        .collect();
    names.insert(0, to.clone());
    plan.assignees = Some(names);
    Some(to)
}

/// The one note saying who covers, until when.
pub(super) fn note(inputs: &Inputs<'_>, c: &Cover<'_>) -> PlannedNote {
    let roster = inputs.roster;
    let label = roster
        .cover_label()
        .map(|l| format!(" The ~\"{l}\" label marks it until they are back."))
        .unwrap_or_default();
    let due = if c.due < c.from {
        format!("has been overdue since {}", c.due)
    } else {
        format!("is due on {}", c.due)
    };
    let head = format!(
        "**Out-of-office cover.** {} is out of office from {} until {}, and this request {due}.",
        c.absent.short_name(),
        c.from,
        c.until
    );
    let rest = match c.cover {
        Some(m) => {
            let who = crate::untrusted::mention_or_name(m.username.as_str());
            if roster.handover() == Handover::Reassign {
                format!(" It is reassigned to {who}, who covers for them until then.")
            } else {
                format!(" {who} covers it until then.{label}")
            }
        }
        None => {
            format!(" Nobody in the roster can cover for them, so the team picks it up.{label}")
        }
    };
    PlannedNote {
        key: HANDOVER_KEY.to_owned(),
        body: head + &rest,
    }
}
