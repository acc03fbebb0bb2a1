//! The calendar's placeholders: `{{quiet_period.*}}` and `{{expiry.*}}`, allowed in a rule
//! with the matching condition, and the figures they render from.
//!
//! Parsing only; rendering is `text::render`.

use chrono::NaiveDate;

use super::Placeholder;

/// `{{quiet_period.*}}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum QuietPart {
    Start,
    End,
    Quarter,
    FieldDate,
}

/// `{{expiry.*}}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ExpiryPart {
    Date,
    BusinessDaysLeft,
}

const QUIET_PARTS: [(&str, QuietPart); 4] = [
    ("start", QuietPart::Start),
    ("end", QuietPart::End),
    ("quarter", QuietPart::Quarter),
    ("field_date", QuietPart::FieldDate),
];

const EXPIRY_PARTS: [(&str, ExpiryPart); 2] = [
    ("date", ExpiryPart::Date),
    ("business_days_left", ExpiryPart::BusinessDaysLeft),
];

/// Which calendar conditions a rule has, so which of their figures its comments may show.
#[derive(Debug, Clone, Copy, Default)]
pub struct DateScope {
    /// The rule has a `quiet_period` condition (`{{quiet_period.*}}`).
    pub quiet_period: bool,
    /// The rule has an `expiry` condition (`{{expiry.*}}`).
    pub expiry: bool,
}

/// The calendar figures a rule's conditions found for one issue, for its comments.
#[derive(Debug, Clone, Copy, Default)]
pub struct DateFacts {
    /// The quiet period the checked date falls in, with that date.
    pub quiet: Option<(crate::calendar::QuietPeriod, NaiveDate)>,
    /// The approval's expiry and the business days left after today (negative: none).
    pub expiry: Option<(NaiveDate, i64)>,
}

/// The placeholder `name` stands for when it is a calendar one (`None`: it is not).
pub(super) fn placeholder(
    name: &str,
    scope: DateScope,
) -> Option<Result<Placeholder, (String, Option<String>)>> {
    if let Some(part) = name.strip_prefix("quiet_period.") {
        return Some(
            part_of(name, part, scope.quiet_period, "quiet_period", &QUIET_PARTS)
                .map(Placeholder::Quiet),
        );
    }
    let part = name.strip_prefix("expiry.")?;
    Some(part_of(name, part, scope.expiry, "expiry", &EXPIRY_PARTS).map(Placeholder::Expiry))
}

/// The part `part` of a `{{condition.part}}` placeholder, which needs the rule to have
/// `condition` (`has`).
fn part_of<P: Copy>(
    name: &str,
    part: &str,
    has: bool,
    condition: &str,
    parts: &[(&str, P)],
) -> Result<P, (String, Option<String>)> {
    if !has {
        return Err((
            format!("placeholder `{{{{{name}}}}}` needs a `{condition}` condition in this rule"),
            None,
        ));
    }
    parts
        .iter()
        .find(|(n, _)| *n == part)
        .map(|(_, p)| *p)
        .ok_or_else(|| {
            (
                format!(
                    "unknown placeholder `{{{{{name}}}}}`: {}",
                    crate::diagnostics::suggestion(part, parts.iter().map(|(n, _)| *n))
                ),
                None,
            )
        })
}
