//! How far ahead the calendar knows the team's dates: holidays are listed year by year and
//! earnings calls quarter by quarter, so a shipped calendar runs out. This says until when it
//! holds and warns while there is still time to extend it.
//!
//! Pure: callers pass `today`; nothing here reads the clock or logs.

use chrono::{Datelike, Months, NaiveDate};

use super::Calendar;

/// How many months ahead the calendar should cover before it is worth a warning.
pub const WANTED_MONTHS: u32 = 12;

/// Until when each kind of dated entry is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// December 31 of the last year that lists a holiday (`None`: the calendar lists none, a
    /// team's choice that never expires).
    pub holidays_until: Option<NaiveDate>,
    /// The last earnings call listed (`None`: none listed, or the calendar's earnings rule
    /// estimates the calls it does not list).
    pub earnings_until: Option<NaiveDate>,
}

impl Coverage {
    /// The earliest of the two ends: the day after which some date may be unknown.
    pub fn until(&self) -> Option<NaiveDate> {
        match (self.holidays_until, self.earnings_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Days from `today` to the end of coverage (negative once it has run out).
    pub fn days_left(&self, today: NaiveDate) -> Option<i64> {
        self.until().map(|u| (u - today).num_days())
    }

    /// A warning when the calendar covers less than [`WANTED_MONTHS`] from `today`, naming what
    /// runs out and what to add. `None` when it covers enough (or lists nothing that expires).
    pub fn warning(&self, today: NaiveDate) -> Option<String> {
        let wanted = today.checked_add_months(Months::new(WANTED_MONTHS))?;
        let mut short = Vec::new();
        if let Some(h) = self.holidays_until.filter(|h| *h < wanted) {
            short.push(format!(
                "holidays until {h} (add the holidays of {})",
                h.year() + 1
            ));
        }
        if let Some(e) = self.earnings_until.filter(|e| *e < wanted) {
            short.push(format!(
                "earnings calls until {e} (add the earnings dates Investor Relations has announced after it)"
            ));
        }
        if short.is_empty() {
            return None;
        }
        let state = match self.until() {
            Some(u) if u < today => "has run out".to_owned(),
            _ => format!("covers less than {WANTED_MONTHS} months from {today}"),
        };
        Some(format!(
            "calendar.yaml {state}: it lists {}; due dates after that skip no holidays and \
             earnings references get no due date",
            short.join(" and ")
        ))
    }
}

impl Calendar {
    /// Until when the calendar's holidays and earnings dates are known.
    pub fn coverage(&self) -> Coverage {
        Coverage {
            holidays_until: self
                .holidays
                .keys()
                .next_back()
                .and_then(|d| NaiveDate::from_ymd_opt(d.year(), 12, 31)),
            // Calls the earnings rule estimates never run out.
            earnings_until: if self.earnings_rule.is_some() {
                None
            } else {
                self.last_earnings()
            },
        }
    }

    /// The last earnings call the calendar lists.
    pub fn last_earnings(&self) -> Option<NaiveDate> {
        self.earnings.values().max().copied()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{NaiveDate, Weekday};

    use super::super::{Calendar, FiscalQuarter, NumericDateOrder};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendar(holidays: &[&str], earnings: &[(&str, &str)]) -> Calendar {
        Calendar::new(
            chrono_tz::America::New_York,
            &[Weekday::Sat, Weekday::Sun],
            holidays
                .iter()
                .map(|h| (d(h), "Holiday".to_owned()))
                .collect(),
            2,
            earnings
                .iter()
                .map(|(q, e)| (FiscalQuarter::parse(q).unwrap(), d(e)))
                .collect::<BTreeMap<_, _>>(),
            NumericDateOrder::MonthFirst,
        )
        .unwrap()
    }

    #[test]
    fn coverage_warnings_follow_the_date_asked_about() {
        let cal = calendar(
            &["2026-12-25", "2027-07-05"],
            &[("FY2027-Q4", "2027-03-04"), ("FY2028-Q4", "2028-03-02")],
        );
        // (today, warns, mentions)
        let cases: &[(&str, bool, &[&str])] = &[
            ("2026-12-01", false, &[]),
            ("2026-12-31", false, &[]),
            (
                "2027-01-01",
                true,
                &["holidays until 2027-12-31", "add the holidays of 2028"],
            ),
            (
                "2027-03-03",
                true,
                &[
                    "earnings calls until 2028-03-02",
                    "covers less than 12 months",
                ],
            ),
            ("2029-06-01", true, &["has run out"]),
        ];
        for (today, warns, mentions) in cases {
            let w = cal.coverage().warning(d(today));
            assert_eq!(w.is_some(), *warns, "{today}: {w:?}");
            for m in *mentions {
                assert!(
                    w.as_deref().unwrap_or("").contains(m),
                    "{today}: {w:?} lacks {m}"
                );
            }
        }
        assert_eq!(cal.coverage().until(), Some(d("2027-12-31")));
        assert_eq!(cal.coverage().days_left(d("2027-12-01")), Some(30));
    }

    #[test]
    fn a_calendar_without_dated_entries_never_expires() {
        let cal = calendar(&[], &[]);
        assert_eq!(cal.coverage().until(), None);
        assert_eq!(cal.coverage().warning(d("2040-01-01")), None);
    }
}
