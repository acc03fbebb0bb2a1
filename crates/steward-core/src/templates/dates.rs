//! Reading a calendar date as people type it, in either day/month order.
//!
//! Pure string function on one value, shared with other modules through
//! [`parse_date`](crate::templates::parse_date); knows nothing of templates.

use chrono::NaiveDate;

use super::markdown::find_bytes;
use super::values::MAX_SCALAR_LEN;

/// How to read an all-numeric date whose year comes last (`03/10/2027`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// US order: `03/10/2027` is March 10.
    #[default]
    MonthFirst,
    /// Day first: `10/03/2027` is March 10.
    DayFirst,
}

/// Why a text is not a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateProblem {
    /// It does not look like a date at all.
    NotADate,
    /// It has the shape of a date but names no calendar day (`2027-02-30`).
    NoSuchDay,
    /// No day in the team's order, but a day in the other (`18/12/2026` month first): the
    /// date it would be, for the hint. Not taken silently: the writer may mean something else.
    OtherOrder(NaiveDate),
    /// A numeric date with a two-digit year (`03/10/27`): which century is not guessed.
    TwoDigitYear,
}

/// Parses a date as people type it: `2027-03-10`, `2027/03/10`, `March 10, 2027`,
/// `Mar 10 2027`, `10 Mar 2027`, `10 March 2027`, `Tuesday, March 10th, 2027`, `03/10/2027`
/// (read with `order`). A range (`March 10-12, 2027`, `2027-03-10 to 2027-03-12`) gives its
/// first day. Two-digit years are refused as ambiguous.
pub fn parse_date(s: &str, order: DateOrder) -> Option<NaiveDate> {
    date_value(s, order).ok()
}

/// [`parse_date`] with the reason for a refusal.
pub(crate) fn date_value(s: &str, order: DateOrder) -> Result<NaiveDate, DateProblem> {
    let s = s.trim();
    if s.len() > MAX_SCALAR_LEN {
        return Err(DateProblem::NotADate);
    }
    match read(cut_at_range(s), order) {
        // `Jan 14 - 15, 2027`, `14–15 January 2027`: the range is inside the date, so the cut
        // left no year; read the whole text with the range's second day as one more day.
        Err(DateProblem::NotADate) if has_day_range(s) => {
            let annotated = s.find(['(', ';']).map_or(s, |i| &s[..i]);
            read(&join_day_range(annotated), order)
        }
        r => r,
    }
}

/// Whether the text holds a range separator (`14 - 15`, `14–15`, `14 to 15`).
fn has_day_range(s: &str) -> bool {
    RANGE_SEPARATORS.iter().any(|sep| s.contains(sep))
}

/// The text with each range separator replaced by a space.
fn join_day_range(s: &str) -> String {
    let mut out = s.to_owned();
    for sep in RANGE_SEPARATORS {
        out = out.replace(sep, " ");
    }
    out
}

/// Separators of a range (`A - B`, `A – B`, `A to B`).
const RANGE_SEPARATORS: [&str; 6] = ["–", "—", " - ", " to ", " through ", " until "];

fn read(s: &str, order: DateOrder) -> Result<NaiveDate, DateProblem> {
    let mut nums: [(u32, usize); 4] = [(0, 0); 4];
    let mut n_nums = 0;
    let mut month: Option<u32> = None;
    for tok in tokens(s) {
        match tok {
            Tok::Num(v, digits) => {
                if n_nums == nums.len() || digits > 4 {
                    return Err(DateProblem::NotADate);
                }
                nums[n_nums] = (v, digits);
                n_nums += 1;
            }
            Tok::Word(w) => {
                if let Some(m) = month_number(w) {
                    if month.replace(m).is_some() {
                        return Err(DateProblem::NotADate);
                    }
                } else if !is_filler_word(w) {
                    return Err(DateProblem::NotADate);
                }
            }
        }
    }
    let nums = &nums[..n_nums];
    let (y, m, d) = match month {
        Some(m) => {
            // One 4-digit year and one day (or two days: a range, keep the first).
            let years: Vec<_> = nums.iter().filter(|(_, dg)| *dg == 4).collect();
            let days: Vec<_> = nums.iter().filter(|(_, dg)| *dg <= 2).collect();
            if years.len() != 1
                || days.is_empty()
                || days.len() > 2
                || years.len() + days.len() != nums.len()
            {
                return Err(DateProblem::NotADate);
            }
            (years[0].0 as i32, m, days[0].0)
        }
        None => {
            let [a, b, c] = nums else {
                return Err(DateProblem::NotADate);
            };
            if a.1 == 4 && b.1 <= 2 && c.1 <= 2 {
                (a.0 as i32, b.0, c.0)
            } else if c.1 == 4 && a.1 <= 2 && b.1 <= 2 {
                let (m, d, other) = match order {
                    DateOrder::MonthFirst => (a.0, b.0, (b.0, a.0)),
                    DateOrder::DayFirst => (b.0, a.0, (a.0, b.0)),
                };
                let year = c.0 as i32;
                if NaiveDate::from_ymd_opt(year, m, d).is_none()
                    && let Some(o) = NaiveDate::from_ymd_opt(year, other.0, other.1)
                {
                    return Err(DateProblem::OtherOrder(o));
                }
                (year, m, d)
            } else if c.1 == 2 && a.1 <= 2 && b.1 <= 2 {
                return Err(DateProblem::TwoDigitYear);
            } else {
                return Err(DateProblem::NotADate);
            }
        }
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateProblem::NoSuchDay)
}

/// Keeps the first part of a range or an annotated date: `March 10 (tentative)`,
/// `2027-03-10 to 2027-03-12`, `2027-03-10 – 2027-03-12`.
fn cut_at_range(s: &str) -> &str {
    let mut end = s.len();
    for pat in ["(", ";"].iter().chain(RANGE_SEPARATORS.iter()) {
        if let Some(i) = find_bytes(&s[..end], pat.as_bytes()) {
            end = i;
        }
    }
    &s[..end]
}

enum Tok<'a> {
    Num(u32, usize),
    Word(&'a str),
}

fn tokens(s: &str) -> impl Iterator<Item = Tok<'_>> {
    let bytes = s.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !bytes[i].is_ascii_alphanumeric() {
            if !matches!(bytes[i], b' ' | b',' | b'/' | b'-' | b'.' | b'\t') {
                // Any other symbol makes the token stream unusable: report it as a word
                // that no filter accepts.
                let start = i;
                i = bytes.len();
                return Some(Tok::Word(&s[start..]));
            }
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        if bytes[i].is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = i - start;
            let v = s[start..i].parse::<u32>().unwrap_or(u32::MAX);
            Some(Tok::Num(v, digits))
        } else {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            Some(Tok::Word(&s[start..i]))
        }
    })
}

fn month_number(w: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if w.len() < 3 {
        return None;
    }
    let lower = w.to_ascii_lowercase();
    if lower == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| *m == lower || (lower.len() == 3 && m.starts_with(&lower)))
        .map(|i| i as u32 + 1)
}

fn is_filler_word(w: &str) -> bool {
    const FILLERS: [&str; 19] = [
        "st",
        "nd",
        "rd",
        "th",
        "of",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ];
    FILLERS.iter().any(|f| f.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_documented_date_format_reads_as_march_tenth() {
        let cases = [
            "2027-03-10",
            "March 10, 2027",
            "Mar 10 2027",
            "10 Mar 2027",
            "10 March 2027",
            "2027/03/10",
            "03/10/2027",
            "Wednesday, March 10th, 2027",
            "March 10-12, 2027",
            "2027-03-10 to 2027-03-12",
            "10-Mar-2027",
            "March 10, 2027 (tentative)",
            "Sept 10 2027",
        ];
        for c in cases {
            let want = if c.starts_with("Sept") {
                d(2027, 9, 10)
            } else {
                d(2027, 3, 10)
            };
            assert_eq!(parse_date(c, DateOrder::MonthFirst), Some(want), "{c}");
        }
    }

    #[test]
    fn day_first_order_reads_slashed_dates_day_first_but_iso_unchanged() {
        assert_eq!(
            parse_date("10/03/2027", DateOrder::DayFirst),
            Some(d(2027, 3, 10))
        );
        assert_eq!(
            parse_date("2027-03-10", DateOrder::DayFirst),
            Some(d(2027, 3, 10))
        );
        assert_eq!(
            parse_date("03/10/2027", DateOrder::DayFirst),
            Some(d(2027, 10, 3))
        );
    }

    #[test]
    fn impossible_or_vague_dates_are_refused_with_the_right_reason() {
        assert_eq!(
            date_value("2027-02-30", DateOrder::MonthFirst),
            Err(DateProblem::NoSuchDay)
        );
        assert_eq!(
            date_value("13/10/2027", DateOrder::MonthFirst),
            Err(DateProblem::OtherOrder(d(2027, 10, 13)))
        );
        assert_eq!(
            date_value("32/13/2027", DateOrder::MonthFirst),
            Err(DateProblem::NoSuchDay)
        );
        assert_eq!(
            date_value("03/10/27", DateOrder::MonthFirst),
            Err(DateProblem::TwoDigitYear)
        );
        for bad in ["next spring", "Q3", "2027", "March 2027", "10 March", ""] {
            assert_eq!(
                date_value(bad, DateOrder::MonthFirst),
                Err(DateProblem::NotADate),
                "{bad}"
            );
        }
    }
}
