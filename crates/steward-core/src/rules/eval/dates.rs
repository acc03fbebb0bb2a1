//! The calendar's conditions of a rule for one issue: whether a field's date falls in a quiet
//! period, and where an approval stands against its expiry; and the figures comments show.
//!
//! Pure: `today` comes from the evaluation context; nothing here reads the clock.

use chrono::NaiveDate;

use super::Ctx;
use super::conditions::Why;
use crate::calendar::ExpiryState;
use crate::model::FieldValue;
use crate::rules::text::DateFacts;
use crate::rules::{Conditions, ExpiryCondition};

/// The date in field `key`, if it has one.
fn date_of(ctx: &Ctx<'_>, key: Option<&String>) -> Option<NaiveDate> {
    match ctx.fields.values.get(key?) {
        Some(FieldValue::Date(d)) => Some(*d),
        _ => None,
    }
}

/// An approval's last valid day: the stated expiry, else the approval date plus the calendar's
/// default validity.
pub(super) fn expires(e: &ExpiryCondition, ctx: &Ctx<'_>) -> Option<NaiveDate> {
    let approved = date_of(ctx, e.approved.as_ref());
    let stated = date_of(ctx, e.expires.as_ref());
    ctx.calendar
        .approval_expiry(approved, stated)
        .map(|x| x.expires)
}

/// Whether the rule can judge the issue: a quiet-period field with a date, an approval whose
/// expiry is known. Otherwise it leaves the issue alone (like a tested field with no value).
pub(super) fn dates_applicable(c: &Conditions, ctx: &Ctx<'_>) -> bool {
    c.quiet_period
        .as_ref()
        .is_none_or(|q| date_of(ctx, Some(&q.key)).is_some())
        && c.expiry.as_ref().is_none_or(|e| expires(e, ctx).is_some())
}

/// `quiet_period` (the date is in one) and `expiry` (expired / expiring within N business
/// days), with their reasons.
pub(super) fn dates_hold(c: &Conditions, ctx: &Ctx<'_>, reasons: &mut Why) -> bool {
    if let Some(q) = &c.quiet_period {
        let Some(date) = date_of(ctx, Some(&q.key)) else {
            return false;
        };
        let Some(p) = ctx.calendar.quiet_period_at(date) else {
            return false;
        };
        reasons.add(|| {
            format!(
                "{} {date} falls in the {} quiet period ({} to {})",
                q.label, p.quarter, p.start, p.end
            )
        });
    }
    if let Some(e) = &c.expiry {
        let Some(x) = expires(e, ctx) else {
            return false;
        };
        let within = e.within_business_days.unwrap_or(0);
        let state = ctx.calendar.expiry_state(x, ctx.today, within);
        if let Some(want) = e.expired
            && (state == ExpiryState::Expired) != want
        {
            return false;
        }
        if e.within_business_days.is_some() && !matches!(state, ExpiryState::Expiring { .. }) {
            return false;
        }
        reasons.add(|| match state {
            ExpiryState::Expired => format!("the approval expired after {x}"),
            ExpiryState::Expiring { business_days_left } => {
                format!("the approval expires on {x}, {business_days_left} business days from now")
            }
            ExpiryState::Valid => format!("the approval holds until {x}"),
        });
    }
    true
}

/// The figures a rule's comments show: the quiet period its date falls in, the approval's
/// expiry.
pub(super) fn date_facts(c: &Conditions, ctx: &Ctx<'_>) -> DateFacts {
    let quiet = c.quiet_period.as_ref().and_then(|q| {
        let date = date_of(ctx, Some(&q.key))?;
        Some((ctx.calendar.quiet_period_at(date)?, date))
    });
    let expiry = c.expiry.as_ref().and_then(|e| {
        let x = expires(e, ctx)?;
        let left = if x < ctx.today {
            -1
        } else {
            ctx.calendar.business_days_between(ctx.today, x)
        };
        Some((x, left))
    });
    DateFacts { quiet, expiry }
}

#[cfg(test)]
mod tests;
