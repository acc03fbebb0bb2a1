//! Loading `rules/calendar.yaml` strictly into a [`Calendar`](super::Calendar).
//!
//! Parsing and validation only; the arithmetic lives in the parent module.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{
    Calendar, EarningsRule, FiscalNaming, FiscalQuarter, NumericDateOrder, QuietAnchor, QuietRule,
};
use crate::diagnostics::{ConfigError, suggestion};

/// `rules/calendar.yaml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    /// IANA zone name, e.g. `America/New_York`.
    pub time_zone: Spanned<String>,
    /// Weekend day names (`saturday`, `sun`…); default Saturday and Sunday.
    #[serde(default)]
    pub weekend: Option<Vec<Spanned<String>>>,
    /// `month_first` (US, default) or `day_first`.
    #[serde(default)]
    pub date_order: Option<RawDateOrder>,
    /// Holidays (no business day).
    #[serde(default)]
    pub holidays: Vec<RawHoliday>,
    /// First month of the fiscal year, 1..=12 (default 1).
    #[serde(default)]
    pub fiscal_year_start_month: Option<Spanned<u32>>,
    /// Earnings call date per fiscal quarter.
    #[serde(default)]
    pub earnings: Vec<RawEarnings>,
    /// `end_year` (default) or `start_year`: which calendar year names a fiscal year.
    #[serde(default)]
    pub fiscal_year_named_after: Option<RawFiscalNaming>,
    /// When unlisted earnings calls are held.
    #[serde(default)]
    pub earnings_rule: Option<RawEarningsRule>,
    /// The quiet period before each earnings call.
    #[serde(default)]
    pub quiet_period: Option<RawQuietPeriod>,
    /// How long a customer's written approval holds when it states no expiry.
    #[serde(default)]
    pub approvals: Option<RawApprovals>,
}

/// Fiscal-year naming as written.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawFiscalNaming {
    /// Named after the year it ends in.
    EndYear,
    /// Named after the year it starts in.
    StartYear,
}

/// The earnings rule as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEarningsRule {
    /// Whole weeks after the quarter's last day.
    pub weeks_after_quarter_end: u32,
    /// The weekday calls are held on (`thursday`).
    pub weekday: Spanned<String>,
}

/// What a quiet period counts back from, as written.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawQuietAnchor {
    /// The quarter's last day.
    QuarterEnd,
    /// The earnings call.
    EarningsCall,
}

/// The quiet period as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuietPeriod {
    /// `quarter_end` or `earnings_call`.
    pub from: RawQuietAnchor,
    /// Calendar days before `from` the period starts (default 0).
    #[serde(default)]
    pub days_before: u32,
}

/// Approval settings as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApprovals {
    /// Calendar days from the approval date.
    pub default_validity_days: u32,
    /// No longer read: refused with a pointer to the rules (see [`on_expiry`]).
    #[serde(default)]
    pub on_expiry: Option<Spanned<String>>,
}

/// `approvals.on_expiry`, which earlier versions read, is refused with where the choice lives
/// now: what becomes of an expired approval's request is its rules' (rules/references.yaml
/// flags it; a rule with `reopen: true` also reopens it), so one file says it, not two.
fn on_expiry(file: &str, raw: Option<&RawApprovals>, errors: &mut Vec<ConfigError>) {
    let Some(v) = raw.and_then(|a| a.on_expiry.as_ref()) else {
        return;
    };
    errors.push(
        ConfigError::at(
            file,
            v.referenced,
            format!(
                "`on_expiry: {}` is no longer read here: the rules decide what becomes of an expired approval",
                v.value
            ),
        )
        .hint(
            "delete `on_expiry`; to reopen expired approvals, enable the `approval-expired-reopen` rule in rules/references.yaml (docs/rules.md, \"Approvals that expire\")",
        ),
    );
}

/// Numeric date order as written.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawDateOrder {
    /// US order.
    MonthFirst,
    /// Day first.
    DayFirst,
}

/// One holiday.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHoliday {
    /// `YYYY-MM-DD`.
    pub date: Spanned<String>,
    /// Name shown in explanations.
    pub name: String,
}

/// One earnings date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEarnings {
    /// `FY2028-Q1`.
    pub quarter: Spanned<String>,
    /// `YYYY-MM-DD`.
    pub date: Spanned<String>,
}

/// The weekday a name or three-letter abbreviation names, in any case.
fn parse_weekday(s: &str) -> Option<Weekday> {
    match s.trim().to_ascii_lowercase().as_str() {
        "monday" | "mon" => Some(Weekday::Mon),
        "tuesday" | "tue" => Some(Weekday::Tue),
        "wednesday" | "wed" => Some(Weekday::Wed),
        "thursday" | "thu" => Some(Weekday::Thu),
        "friday" | "fri" => Some(Weekday::Fri),
        "saturday" | "sat" => Some(Weekday::Sat),
        "sunday" | "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

/// The weekday names, for suggestions.
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A `YYYY-MM-DD` date, or `None` with an error in `errors`.
fn parse_date(file: &str, s: &Spanned<String>, errors: &mut Vec<ConfigError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s.value.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(
                ConfigError::at(file, s.referenced, format!("`{}` is not a date", s.value))
                    .hint("write dates as YYYY-MM-DD, e.g. 2027-01-01"),
            );
            None
        }
    }
}

impl Calendar {
    /// Parses and validates calendar YAML; `file` names it in errors.
    pub fn from_yaml(file: &str, text: &str) -> Result<Calendar, Vec<ConfigError>> {
        let raw: RawCalendar = crate::yaml::from_str_all(file, text)?;
        Calendar::from_raw(file, raw)
    }

    /// Validates an already parsed calendar file.
    pub fn from_raw(file: &str, raw: RawCalendar) -> Result<Calendar, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let tz: Option<Tz> = match raw.time_zone.value.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                errors.push(
                    ConfigError::at(
                        file,
                        raw.time_zone.referenced,
                        format!("unknown time zone `{}`", raw.time_zone.value),
                    )
                    .hint("use an IANA name such as America/New_York or Europe/Berlin"),
                );
                None
            }
        };
        let weekend = weekend_days(file, raw.weekend.as_deref(), &mut errors);
        let mut holidays = BTreeMap::new();
        for h in &raw.holidays {
            if let Some(d) = parse_date(file, &h.date, &mut errors) {
                holidays.insert(d, h.name.clone());
            }
        }
        let start_month = match &raw.fiscal_year_start_month {
            None => 1,
            Some(m) if (1..=12).contains(&m.value) => m.value,
            Some(m) => {
                errors.push(
                    ConfigError::at(
                        file,
                        m.referenced,
                        format!("fiscal_year_start_month {} is not a month", m.value),
                    )
                    .hint("use 1 (January) to 12 (December); e.g. 2 for a year starting Feb 1"),
                );
                1
            }
        };
        let earnings = earnings_dates(file, &raw.earnings, &mut errors);
        let date_order = match raw.date_order {
            None | Some(RawDateOrder::MonthFirst) => NumericDateOrder::MonthFirst,
            Some(RawDateOrder::DayFirst) => NumericDateOrder::DayFirst,
        };
        let (naming, earnings_rule, quiet_rule) = fiscal_rules(file, &raw, &mut errors);
        on_expiry(file, raw.approvals.as_ref(), &mut errors);
        match tz {
            Some(tz) if errors.is_empty() => {
                Calendar::new(tz, &weekend, holidays, start_month, earnings, date_order)
                    .map(|c| {
                        c.with_fiscal_naming(naming)
                            .with_earnings_rule(earnings_rule)
                            .with_quiet_rule(quiet_rule)
                            .with_approval_validity(
                                raw.approvals.as_ref().map(|a| a.default_validity_days),
                            )
                    })
                    .ok_or_else(|| vec![ConfigError::file(file, "invalid calendar")])
            }
            _ => Err(errors),
        }
    }
}

/// The fiscal-year naming, the earnings rule and the quiet-period rule; an unknown weekday is
/// an error.
fn fiscal_rules(
    file: &str,
    raw: &RawCalendar,
    errors: &mut Vec<ConfigError>,
) -> (FiscalNaming, Option<EarningsRule>, Option<QuietRule>) {
    let earnings_rule = raw.earnings_rule.as_ref().and_then(|r| {
        let weekday = parse_weekday(&r.weekday.value);
        if weekday.is_none() {
            errors.push(ConfigError::at(
                file,
                r.weekday.referenced,
                format!(
                    "`{}` is not a day of the week: {}",
                    r.weekday.value,
                    suggestion(&r.weekday.value, WEEKDAYS)
                ),
            ));
        }
        weekday.map(|weekday| EarningsRule {
            weeks_after_quarter_end: r.weeks_after_quarter_end,
            weekday,
        })
    });
    let quiet_rule = raw.quiet_period.as_ref().map(|q| QuietRule {
        anchor: match q.from {
            RawQuietAnchor::QuarterEnd => QuietAnchor::QuarterEnd,
            RawQuietAnchor::EarningsCall => QuietAnchor::EarningsCall,
        },
        days_before: q.days_before,
    });
    // Looked up among the quarters around a date: longer than a quarter is surely a typo.
    if raw
        .quiet_period
        .as_ref()
        .is_some_and(|q| q.days_before > 90)
    {
        errors.push(
            ConfigError::file(file, "`quiet_period.days_before` is more than 90 days").hint(
                "a quiet period starts at most a quarter before its anchor; e.g. `days_before: 30`",
            ),
        );
    }
    let naming = match raw.fiscal_year_named_after {
        None | Some(RawFiscalNaming::EndYear) => FiscalNaming::EndYear,
        Some(RawFiscalNaming::StartYear) => FiscalNaming::StartYear,
    };
    (naming, earnings_rule, quiet_rule)
}

/// The weekend days (`None`: Saturday and Sunday), each once; unknown names and a week with
/// no working day are errors.
fn weekend_days(
    file: &str,
    days: Option<&[Spanned<String>]>,
    errors: &mut Vec<ConfigError>,
) -> Vec<Weekday> {
    let mut weekend: Vec<Weekday> = Vec::new();
    match days {
        None => {
            weekend.push(Weekday::Sat);
            weekend.push(Weekday::Sun);
        }
        Some(days) => {
            for d in days {
                match parse_weekday(&d.value) {
                    Some(w) => {
                        if !weekend.contains(&w) {
                            weekend.push(w);
                        }
                    }
                    None => errors.push(ConfigError::at(
                        file,
                        d.referenced,
                        format!(
                            "`{}` is not a day of the week: {}",
                            d.value,
                            suggestion(&d.value, WEEKDAYS)
                        ),
                    )),
                }
            }
            if weekend.len() >= 7 {
                errors.push(
                    ConfigError::file(file, "every day is a weekend day")
                        .hint("leave at least one working day in `weekend`"),
                );
            }
        }
    }
    weekend
}

/// The earnings date of each fiscal quarter; unreadable quarters or dates and a quarter given
/// twice are errors.
fn earnings_dates(
    file: &str,
    raw: &[RawEarnings],
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<FiscalQuarter, NaiveDate> {
    let mut earnings = BTreeMap::new();
    for e in raw {
        let q = FiscalQuarter::parse(&e.quarter.value);
        if q.is_none() {
            errors.push(
                ConfigError::at(
                    file,
                    e.quarter.referenced,
                    format!("`{}` is not a fiscal quarter", e.quarter.value),
                )
                .hint("write quarters as FY2028-Q1"),
            );
        }
        let d = parse_date(file, &e.date, errors);
        if let (Some(q), Some(d)) = (q, d)
            && earnings.insert(q, d).is_some()
        {
            errors.push(ConfigError::at(
                file,
                e.quarter.referenced,
                format!("{q} has two earnings dates"),
            ));
        }
    }
    earnings
}
