//! Conversion of one field's typed-in text into a typed value: dates, numbers, URLs, GitLab
//! usernames, yes/no, and recognition of unfilled placeholders.
//!
//! Pure string functions on one value; knows nothing of lines, labels or templates.

use chrono::NaiveDate;

/// Values longer than this are not a date, number, URL or username; refusing them early keeps
/// garbage input cheap.
const MAX_SCALAR_LEN: usize = 300;

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
    let s = cut_at_range(s);
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
                match order {
                    DateOrder::MonthFirst => (c.0 as i32, a.0, b.0),
                    DateOrder::DayFirst => (c.0 as i32, b.0, a.0),
                }
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
    for pat in ["(", ";", "–", "—", " - ", " to ", " through ", " until "] {
        if let Some(i) = s.find(pat) {
            end = end.min(i);
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

/// Parses a count as people type it: `1500`, `1,500`, `1.5k`, `2M`, `~2000 users`,
/// `about 3,000 seats`, `2,000+`. A range (`1000-2000`) is refused.
pub(crate) fn number_value(s: &str) -> Option<f64> {
    let mut t = s.trim();
    if t.len() > MAX_SCALAR_LEN {
        return None;
    }
    // Approximation prefixes carry no number.
    loop {
        let before = t;
        for p in [
            "~",
            "≈",
            ">",
            "+",
            "approx.",
            "approximately",
            "approx",
            "about",
            "around",
            "over",
            "roughly",
            "ca.",
        ] {
            if t.len() >= p.len()
                && t.is_char_boundary(p.len())
                && t[..p.len()].eq_ignore_ascii_case(p)
            {
                t = t[p.len()..].trim_start();
            }
        }
        if t == before {
            break;
        }
    }
    let bytes = t.as_bytes();
    let mut i = 0;
    let mut digits = String::new();
    let mut seen_dot = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            digits.push(b as char);
        } else if b == b',' && !seen_dot && !digits.is_empty() {
            // A thousands separator must be followed by exactly three digits.
            let group = &bytes[i + 1..];
            let ok = group.len() >= 3
                && group[..3].iter().all(u8::is_ascii_digit)
                && group.get(3).is_none_or(|c| !c.is_ascii_digit());
            if !ok {
                break;
            }
        } else if b == b'.' && !seen_dot && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            seen_dot = true;
            digits.push('.');
        } else {
            break;
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    let mut value: f64 = digits.parse().ok()?;
    let mut rest = &t[i..];
    let suffix = rest.trim_start();
    let multipliers: [(&str, f64); 6] = [
        ("k", 1e3),
        ("thousand", 1e3),
        ("m", 1e6),
        ("mm", 1e6),
        ("million", 1e6),
        ("b", 1e9),
    ];
    let word_end = suffix
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(suffix.len());
    let word = &suffix[..word_end];
    if let Some((_, f)) = multipliers
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
    {
        value *= f;
        rest = &suffix[word_end..];
    }
    let rest = rest.trim_start();
    // `1000-2000`, `1,5`, `12/3`: not one count.
    if rest.starts_with(['-', '–', '/', ',', '.'])
        && rest[1..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(value)
}

/// Extracts an http(s) URL: a bare link, `<https://…>` or a Markdown link `[text](https://…)`.
/// Surrounding prose is allowed after the link (`https://… (agenda)`).
pub(crate) fn url_value(s: &str) -> Option<&str> {
    let t = s.trim();
    if t.len() > 4 * MAX_SCALAR_LEN {
        return None;
    }
    let candidate = if let Some(i) = t.find("](") {
        let inner = &t[i + 2..];
        &inner[..inner.find(')')?]
    } else if let Some(inner) = t.strip_prefix('<') {
        &inner[..inner.find('>')?]
    } else {
        t.split_whitespace().next()?
    };
    let candidate = candidate.trim_end_matches(['.', ',', ';', ')']);
    let lower_ok = |p: &str| {
        candidate.len() > p.len()
            && candidate.is_char_boundary(p.len())
            && candidate[..p.len()].eq_ignore_ascii_case(p)
    };
    let scheme_len = if lower_ok("https://") {
        8
    } else if lower_ok("http://") {
        7
    } else {
        return None;
    };
    let host = candidate[scheme_len..].split(['/', '?', '#']).next()?;
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '@' | '_' | '[' | ']'));
    (host_ok && !candidate.contains(char::is_whitespace)).then_some(candidate)
}

/// Extracts a GitLab username from `@jdoe`, `@jdoe (Jane Doe)` or a bare `jdoe`. A bare value
/// must be one word (so `Jane Doe` is refused rather than read as `Jane`).
pub(crate) fn username_value(s: &str) -> Option<&str> {
    let t = s.trim();
    if t.len() > MAX_SCALAR_LEN {
        return None;
    }
    let (token, rest) = match t.strip_prefix('@') {
        Some(after) => {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
                .unwrap_or(after.len());
            (&after[..end], "")
        }
        None => {
            let end = t.find(char::is_whitespace).unwrap_or(t.len());
            (&t[..end], t[end..].trim())
        }
    };
    // A sentence full stop after a mention is not part of the name.
    let token = token.trim_end_matches('.');
    let invalid = !rest.is_empty()
        || token.is_empty()
        || token.len() > 255
        || token.starts_with(['-', '.'])
        || !token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (!invalid).then_some(token)
}

/// Reads yes/no answers: `yes`, `no`, `y`, `n`, `true`, `false` (the first word counts, so
/// `Yes, signed in March` is yes).
pub(crate) fn boolean_value(s: &str) -> Option<bool> {
    let first = s
        .trim()
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';' | '!' | '-' | '(' | ':'))
        .next()?;
    match first.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Some(true),
        "no" | "n" | "false" => Some(false),
        _ => None,
    }
}

/// Whether a value is an unfilled placeholder rather than an answer: empty, `<event name>`,
/// `[name]`, `YYYY-MM-DD`, `MM/DD/YYYY`, `TBD`, `N/A`, `@`, `@username`, `https://`, `...`.
pub(crate) fn is_placeholder(s: &str) -> bool {
    let t = s.trim().trim_matches(['*', '_', '`']).trim();
    if t.is_empty() {
        return true;
    }
    if t.starts_with('<') && t.ends_with('>') && !t[1..].to_ascii_lowercase().starts_with("http") {
        return true;
    }
    if t.starts_with('[') && t.ends_with(']') && !t.contains("](") {
        return true;
    }
    if t.len() >= 6
        && t.chars().all(|c| {
            matches!(
                c.to_ascii_lowercase(),
                'y' | 'm' | 'd' | '/' | '-' | '.' | ' '
            )
        })
        && t.contains(['y', 'Y'])
    {
        return true;
    }
    if t.chars()
        .all(|c| matches!(c, '-' | '_' | '.' | '…' | '?' | '—' | '–'))
    {
        return true;
    }
    const WORDS: [&str; 12] = [
        "tbd",
        "tbc",
        "tba",
        "n/a",
        "na",
        "to be determined",
        "to be confirmed",
        "@",
        "@username",
        "@handle",
        "http://",
        "https://",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(t))
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
            Err(DateProblem::NoSuchDay)
        );
        for bad in [
            "next spring",
            "Q3",
            "03/10/27",
            "2027",
            "March 2027",
            "10 March",
            "",
        ] {
            assert_eq!(
                date_value(bad, DateOrder::MonthFirst),
                Err(DateProblem::NotADate),
                "{bad}"
            );
        }
    }

    #[test]
    fn counts_are_read_the_way_people_type_them() {
        let cases: [(&str, Option<f64>); 12] = [
            ("1500", Some(1500.0)),
            ("1,500", Some(1500.0)),
            ("1.5k", Some(1500.0)),
            ("~2000 users", Some(2000.0)),
            ("about 3,000 seats", Some(3000.0)),
            ("2,000+", Some(2000.0)),
            ("2M", Some(2_000_000.0)),
            ("12,500 developers", Some(12500.0)),
            ("1000-2000", None),
            ("lots", None),
            ("1,50", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(number_value(s), want, "{s}");
        }
    }

    #[test]
    fn urls_must_be_http_or_https() {
        assert_eq!(
            url_value("https://kubecon.io/eu"),
            Some("https://kubecon.io/eu")
        );
        assert_eq!(
            url_value("<https://a.example/x>"),
            Some("https://a.example/x")
        );
        assert_eq!(
            url_value("[agenda](http://a.example/x)"),
            Some("http://a.example/x")
        );
        assert_eq!(
            url_value("https://a.example/x (agenda)"),
            Some("https://a.example/x")
        );
        assert_eq!(url_value("www.example.com"), None);
        assert_eq!(url_value("ftp://example.com"), None);
        assert_eq!(url_value("https://"), None);
    }

    #[test]
    fn usernames_follow_gitlab_charset() {
        assert_eq!(username_value("@jdoe"), Some("jdoe"));
        assert_eq!(username_value("@j.doe-2 (Jane Doe)"), Some("j.doe-2"));
        assert_eq!(username_value("jdoe"), Some("jdoe"));
        assert_eq!(username_value("@jdoe."), Some("jdoe"));
        assert_eq!(username_value("Jane Doe"), None);
        assert_eq!(username_value("jane@example.com"), None);
        assert_eq!(username_value("@"), None);
    }

    #[test]
    fn placeholders_left_in_are_recognised() {
        for p in [
            "",
            "YYYY-MM-DD",
            "MM/DD/YYYY",
            "<event name>",
            "[name]",
            "TBD",
            "tbc",
            "N/A",
            "@username",
            "@",
            "https://",
            "...",
            "_",
        ] {
            assert!(is_placeholder(p), "{p:?}");
        }
        for v in [
            "DevOps Days",
            "<https://x.example>",
            "2027-03-10",
            "@jdoe",
            "No",
        ] {
            assert!(!is_placeholder(v), "{v:?}");
        }
    }

    #[test]
    fn yes_and_no_answers() {
        assert_eq!(boolean_value("Yes, signed in March"), Some(true));
        assert_eq!(boolean_value("n"), Some(false));
        assert_eq!(boolean_value("FALSE"), Some(false));
        assert_eq!(boolean_value("maybe"), None);
    }
}
