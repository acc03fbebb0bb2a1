//! Business days that count against the team: the days between two dates, less those the
//! issue spent waiting on its requester (`Issue::waiting`, recorded by the service).
//!
//! Pure arithmetic over the calendar; no I/O.

use chrono::NaiveDate;

use super::Ctx;

/// Business days in `(from, today]` during which the team could act: the business days the
/// issue waited on its requester in that window are not counted. A wait is counted from the
/// day after it began to the day it ended, both in the team's zone, so a request answered the
/// day it was asked about loses nothing.
pub(super) fn team_days_since(ctx: &Ctx<'_>, from: NaiveDate) -> i64 {
    let cal = ctx.calendar;
    let all = cal.business_days_between(from, ctx.today);
    if all <= 0 {
        return all;
    }
    let waiting = &ctx.issue.waiting;
    let current = waiting.since.map(|s| (cal.local_date(s), ctx.today));
    let spans = waiting
        .past
        .iter()
        .map(|w| (cal.local_date(w.from), cal.local_date(w.to)))
        .chain(current);
    let waited: i64 = spans
        .map(|(s, e)| {
            let (a, b) = (s.max(from), e.min(ctx.today));
            if a < b {
                cal.business_days_between(a, b)
            } else {
                0
            }
        })
        .sum();
    (all - waited).max(0)
}

/// Business days the issue has waited on its requester in the current wait; `None` when it is
/// not waiting.
pub(super) fn waiting_days(ctx: &Ctx<'_>) -> Option<i64> {
    let since = ctx.issue.waiting.since?;
    let start = ctx.calendar.local_date(since);
    Some(ctx.calendar.business_days_between(start, ctx.today).max(0))
}
