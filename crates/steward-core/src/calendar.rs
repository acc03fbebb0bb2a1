//! The team's calendar: its time zone, weekends, holidays, fiscal quarters and earnings dates,
//! and business-day arithmetic over them.
//!
//! Pure date arithmetic plus one loader for `rules/calendar.yaml`; it never reads the clock
//! (callers pass `now`) and never decides anything about issues (that is `rules`).

mod coverage;
mod expiry;
mod fiscal;
mod load;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

pub use coverage::{Coverage, WANTED_MONTHS};
pub use expiry::{ApprovalExpiry, ExpiryState};
pub use fiscal::{EarningsRule, FiscalNaming, QuietAnchor, QuietPeriod, QuietRule};
pub use load::RawCalendar;

/// How the team writes numeric dates such as `03/10/2027`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericDateOrder {
    /// `03/10/2027` is March 10 (US order).
    MonthFirst,
    /// `03/10/2027` is 3 October.
    DayFirst,
}

/// A fiscal quarter, e.g. `FY2028-Q1`. Fiscal years are named after the calendar year in which
/// they end (a year starting 2027-02-01 is FY2028), the usual convention for February starts,
/// unless the calendar says `fiscal_year_named_after: start_year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalQuarter {
    /// Fiscal year number.
    pub year: i32,
    /// Quarter within the fiscal year, 1 to 4.
    pub quarter: u8,
}

impl fmt::Display for FiscalQuarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}-Q{}", self.year, self.quarter)
    }
}

impl FiscalQuarter {
    /// Parses `FY2028-Q1` (case-insensitive).
    pub fn parse(s: &str) -> Option<FiscalQuarter> {
        let s = s.trim().to_ascii_uppercase();
        let rest = s.strip_prefix("FY")?;
        let (year, quarter) = rest.split_once("-Q")?;
        let year: i32 = year.parse().ok()?;
        let quarter: u8 = quarter.parse().ok()?;
        (1..=4)
            .contains(&quarter)
            .then_some(FiscalQuarter { year, quarter })
    }

    /// Reads a quarter as requesters write it: `FY2028-Q1`, `FY28-Q1`, `FY28 Q1`, `fy28q1`
    /// (a two-digit year is in this century).
    pub fn parse_written(s: &str) -> Option<FiscalQuarter> {
        let compact: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        let rest = compact.strip_prefix("FY")?;
        let (year, quarter) = rest.split_once('Q')?;
        let year: i32 = year.parse().ok()?;
        let year = match year {
            0..=99 => 2000 + year,
            1000..=9999 => year,
            _ => return None,
        };
        let quarter: u8 = quarter.parse().ok()?;
        (1..=4)
            .contains(&quarter)
            .then_some(FiscalQuarter { year, quarter })
    }
}

/// The team's calendar, validated. Cheap to share (`Send + Sync`, no interior mutability).
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    /// Indexed by `Weekday::num_days_from_monday`.
    weekend: [bool; 7],
    holidays: BTreeMap<NaiveDate, String>,
    fiscal_year_start_month: u32,
    earnings: BTreeMap<FiscalQuarter, NaiveDate>,
    date_order: NumericDateOrder,
    fiscal_naming: FiscalNaming,
    earnings_rule: Option<EarningsRule>,
    quiet_rule: Option<QuietRule>,
    approval_validity_days: Option<u32>,
}

impl Default for Calendar {
    /// UTC, Saturday/Sunday weekend, no holidays, fiscal year = calendar year, US date order.
    fn default() -> Self {
        Calendar {
            tz: chrono_tz::UTC,
            weekend: [false, false, false, false, false, true, true],
            holidays: BTreeMap::new(),
            fiscal_year_start_month: 1,
            earnings: BTreeMap::new(),
            date_order: NumericDateOrder::MonthFirst,
            fiscal_naming: FiscalNaming::EndYear,
            earnings_rule: None,
            quiet_rule: None,
            approval_validity_days: None,
        }
    }
}

impl Calendar {
    /// Builds a calendar. `weekend` must leave at least one working day and
    /// `fiscal_year_start_month` must be 1..=12, otherwise `None`.
    pub fn new(
        tz: Tz,
        weekend: &[Weekday],
        holidays: BTreeMap<NaiveDate, String>,
        fiscal_year_start_month: u32,
        earnings: BTreeMap<FiscalQuarter, NaiveDate>,
        date_order: NumericDateOrder,
    ) -> Option<Calendar> {
        // A seven-day weekend would make business-day arithmetic loop forever.
        let mut days = [false; 7];
        for w in weekend {
            days[w.num_days_from_monday() as usize] = true;
        }
        if days.iter().all(|d| *d) || !(1..=12).contains(&fiscal_year_start_month) {
            return None;
        }
        Some(Calendar {
            tz,
            weekend: days,
            holidays,
            fiscal_year_start_month,
            earnings,
            date_order,
            fiscal_naming: FiscalNaming::EndYear,
            earnings_rule: None,
            quiet_rule: None,
            approval_validity_days: None,
        })
    }

    /// The team's time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// How the team writes numeric dates.
    pub fn date_order(&self) -> NumericDateOrder {
        self.date_order
    }

    /// The calendar date of an instant in the team's time zone (an issue created
    /// 2027-01-14T04:30Z is 2027-01-13 in America/New_York).
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.tz).date_naive()
    }

    /// The holiday's name when `date` is a holiday.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// True when `day` is a weekend day.
    pub fn is_weekend(&self, day: Weekday) -> bool {
        self.weekend[day.num_days_from_monday() as usize]
    }

    /// True when `date` is neither a weekend day nor a holiday.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !self.is_weekend(date.weekday()) && !self.holidays.contains_key(&date)
    }

    /// Moves `n` business days from `date` (backwards when negative), stepping over weekends and
    /// holidays. `n == 0` returns `date` unchanged. Saturates at chrono's date range.
    pub fn add_business_days(&self, date: NaiveDate, n: i64) -> NaiveDate {
        let mut d = date;
        let mut left = n.unsigned_abs();
        while left > 0 {
            let next = if n > 0 {
                d.checked_add_days(Days::new(1))
            } else {
                d.checked_sub_days(Days::new(1))
            };
            let Some(next) = next else { return d };
            d = next;
            if self.is_business_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// `date` when it is a business day, otherwise the business day before it (a due date that
    /// would fall on a Sunday or a holiday is the working day before).
    pub fn business_day_on_or_before(&self, date: NaiveDate) -> NaiveDate {
        if self.is_business_day(date) {
            date
        } else {
            self.add_business_days(date, -1)
        }
    }

    /// `date` when it is a business day, otherwise the next one.
    pub fn business_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        if self.is_business_day(date) {
            date
        } else {
            self.add_business_days(date, 1)
        }
    }

    /// Business days from `from` to `to`, counted the way [`Self::add_business_days`] steps:
    /// the business days in `(from, to]` when `to >= from`, or minus those in `[to, from)`
    /// otherwise. Monday to Friday of one week is 4; Saturday back to Friday is -1.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to >= from {
            self.business_days_in(from, to)
        } else {
            match (to.pred_opt(), from.pred_opt()) {
                (Some(a), Some(b)) => -self.business_days_in(a, b),
                _ => -self.business_days_in(to, from),
            }
        }
    }

    /// Business days in `(start, end]`, `start <= end`: whole weeks at once, then the rest.
    fn business_days_in(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        let total = (end - start).num_days();
        let full_weeks = total / 7;
        let working_per_week = self.weekend.iter().filter(|w| !**w).count() as i64;
        let mut count = full_weeks * working_per_week;
        let mut d = start + chrono::Duration::days(full_weeks * 7);
        while d < end {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            if !self.is_weekend(d.weekday()) {
                count += 1;
            }
        }
        let holidays = self
            .holidays
            .range((
                std::ops::Bound::Excluded(start),
                std::ops::Bound::Included(end),
            ))
            .filter(|(h, _)| !self.is_weekend(h.weekday()))
            .count() as i64;
        count - holidays
    }

    /// Adds `n` calendar days (negative subtracts), saturating at chrono's date range.
    pub fn add_calendar_days(&self, date: NaiveDate, n: i64) -> NaiveDate {
        let r = if n >= 0 {
            date.checked_add_days(Days::new(n.unsigned_abs()))
        } else {
            date.checked_sub_days(Days::new(n.unsigned_abs()))
        };
        r.unwrap_or(if n >= 0 {
            NaiveDate::MAX
        } else {
            NaiveDate::MIN
        })
    }

    /// The first month (1..=12) of the fiscal year.
    pub fn fiscal_year_start_month(&self) -> u32 {
        self.fiscal_year_start_month
    }

    /// The fiscal quarter a date falls in.
    pub fn fiscal_quarter(&self, date: NaiveDate) -> FiscalQuarter {
        let start = self.fiscal_year_start_month;
        let months_in = (date.month() + 12 - start) % 12;
        let quarter = (months_in / 3 + 1) as u8;
        let start_year = if date.month() >= start {
            date.year()
        } else {
            date.year() - 1
        };
        FiscalQuarter {
            year: self.fiscal_year_named(start_year),
            quarter,
        }
    }

    /// The first day of a fiscal quarter.
    pub fn quarter_start(&self, q: FiscalQuarter) -> Option<NaiveDate> {
        let start = self.fiscal_year_start_month;
        let first_year = self.fiscal_start_year(q.year);
        let month0 = start - 1 + 3 * (u32::from(q.quarter) - 1);
        NaiveDate::from_ymd_opt(first_year + (month0 / 12) as i32, month0 % 12 + 1, 1)
    }
}

#[cfg(test)]
mod tests;
