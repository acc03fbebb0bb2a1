//! ISO weeks (`2026-W48`): parsing, formatting, and their Monday–Sunday bounds as instants in
//! the team's time zone. Pure date arithmetic.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// An ISO 8601 week: weeks start on Monday, and week 1 is the one holding the year's first
/// Thursday (so 2026-W53 exists and 2027-W53 does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

/// A week string that is not `YYYY-Www` or names a week the year does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an ISO week: {reason}. Write it as YYYY-Www, e.g. 2026-W48")]
pub struct WeekError {
    /// The text as given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl IsoWeek {
    /// The week `week` of ISO year `year`, if the year has it.
    pub fn new(year: i32, week: u32) -> Option<Self> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| Self { year, week })
    }

    /// The week holding `date`.
    pub fn of_date(date: NaiveDate) -> Self {
        let w = date.iso_week();
        Self {
            year: w.year(),
            week: w.week(),
        }
    }

    /// The week holding `instant` as seen in `tz` (Sunday 23:30 in New York is still that
    /// Sunday's week, though it is Monday in UTC).
    pub fn containing(instant: DateTime<Utc>, tz: Tz) -> Self {
        Self::of_date(instant.with_timezone(&tz).date_naive())
    }

    /// The last complete week at `instant` in `tz`: the week before the one `instant` falls in.
    /// A digest run on Monday 09:00 reports the Monday-to-Sunday week that just ended, not the
    /// nine hours of the new one; so does a run late on Sunday (its week is not over yet).
    pub fn last_complete(instant: DateTime<Utc>, tz: Tz) -> Self {
        Self::containing(instant, tz).previous()
    }

    /// The ISO year (can differ from the calendar year near 1 January).
    pub fn year(self) -> i32 {
        self.year
    }

    /// The week number, 1–53.
    pub fn week(self) -> u32 {
        self.week
    }

    /// The week's Monday.
    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or_default()
    }

    /// The week's Sunday.
    pub fn sunday(self) -> NaiveDate {
        self.monday() + chrono::Days::new(6)
    }

    /// The week before.
    pub fn previous(self) -> Self {
        Self::of_date(self.monday() - chrono::Days::new(7))
    }

    /// The week after.
    pub fn next(self) -> Self {
        Self::of_date(self.monday() + chrono::Days::new(7))
    }

    /// Monday 00:00 in `tz`, as an instant.
    pub fn start_in(self, tz: Tz) -> DateTime<Utc> {
        start_of_day(self.monday(), tz)
    }

    /// The next Monday 00:00 in `tz` (exclusive end of the week).
    pub fn end_in(self, tz: Tz) -> DateTime<Utc> {
        start_of_day(self.monday() + chrono::Days::new(7), tz)
    }
}

/// The first instant of `date` in `tz`. Where midnight falls in a DST gap (some zones switch at
/// 00:00) the day starts at the first valid minute after it.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    for minutes in 0..=180 {
        let local = midnight + chrono::Duration::minutes(minutes);
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    midnight.and_utc()
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = WeekError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| WeekError {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (year, week) = text
            .trim()
            .split_once("-W")
            .ok_or_else(|| err("expected a `-W` between year and week"))?;
        if year.len() != 4 || week.len() != 2 {
            return Err(err("expected a 4-digit year and a 2-digit week"));
        }
        let year: i32 = year.parse().map_err(|_| err("the year is not a number"))?;
        let week: u32 = week.parse().map_err(|_| err("the week is not a number"))?;
        Self::new(year, week).ok_or_else(|| {
            let last = Self::of_date(NaiveDate::from_ymd_opt(year, 12, 28).unwrap_or_default());
            err(&format!("{year} has weeks 01 to {:02}", last.week))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_parse_and_format_with_their_edge_cases() {
        let table = [
            ("2026-W48", Some(("2026-11-23", "2026-11-29"))),
            ("2026-W53", Some(("2026-12-28", "2027-01-03"))),
            ("2027-W01", Some(("2027-01-04", "2027-01-10"))),
            ("2026-W01", Some(("2025-12-29", "2026-01-04"))),
            ("2027-W53", None),
            ("2026-W00", None),
            ("2026W48", None),
            ("26-W48", None),
        ];
        for (text, want) in table {
            let got = text.parse::<IsoWeek>();
            match want {
                Some((mon, sun)) => {
                    let w = got.unwrap();
                    assert_eq!(w.to_string(), text);
                    assert_eq!(w.monday().to_string(), mon, "{text}");
                    assert_eq!(w.sunday().to_string(), sun, "{text}");
                }
                None => assert!(got.is_err(), "{text} should be refused"),
            }
        }
        let message = "2027-W53".parse::<IsoWeek>().unwrap_err().to_string();
        assert!(message.contains("2027 has weeks 01 to 52"), "{message}");
    }

    #[test]
    fn the_week_holding_new_year_belongs_to_the_iso_year_of_its_thursday() {
        let jan1 = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(IsoWeek::of_date(jan1).to_string(), "2026-W53");
        let jan1 = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(IsoWeek::of_date(jan1).to_string(), "2026-W01");
        let w53: IsoWeek = "2026-W53".parse().unwrap();
        assert_eq!(w53.next().to_string(), "2027-W01");
        assert_eq!(w53.next().previous(), w53);
    }

    #[test]
    fn week_bounds_are_midnights_in_the_team_time_zone() {
        let w: IsoWeek = "2026-W48".parse().unwrap();
        let ny = chrono_tz::America::New_York;
        assert_eq!(w.start_in(ny).to_rfc3339(), "2026-11-23T05:00:00+00:00");
        assert_eq!(w.end_in(ny).to_rfc3339(), "2026-11-30T05:00:00+00:00");
        let sunday_late = DateTime::parse_from_rfc3339("2026-11-30T04:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(IsoWeek::containing(sunday_late, ny), w);
        assert_eq!(IsoWeek::containing(sunday_late, chrono_tz::UTC), w.next());
    }

    #[test]
    fn a_monday_run_reports_the_week_that_ended_in_the_team_time_zone() {
        let ny = chrono_tz::America::New_York;
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let table = [
            (
                "Monday 09:00 in New York",
                "2026-11-30T14:00:00Z",
                "2026-W48",
            ),
            (
                "Monday 00:00 in New York",
                "2026-11-30T05:00:00Z",
                "2026-W48",
            ),
            // Monday 04:30 UTC is still Sunday in New York: W48 is not over there yet.
            (
                "Sunday 23:30 in New York",
                "2026-11-30T04:30:00Z",
                "2026-W47",
            ),
            ("Monday 4 January 2027", "2027-01-04T14:00:00Z", "2026-W53"),
            ("Monday 5 January 2026", "2026-01-05T14:00:00Z", "2026-W01"),
        ];
        for (name, instant, week) in table {
            assert_eq!(
                IsoWeek::last_complete(at(instant), ny).to_string(),
                week,
                "{name}"
            );
        }
    }
}
