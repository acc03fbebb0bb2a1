//! Conversion of one field's typed-in text into a number, URL, GitLab username or yes/no, and
//! recognition of unfilled placeholders (dates are in `dates`).
//!
//! Pure string functions on one value; knows nothing of lines, labels or templates.

/// Values longer than this are not a number, URL or username; refusing them early keeps
/// garbage input cheap.
pub(crate) const MAX_SCALAR_LEN: usize = 300;

/// Parses a count as people type it: `1500`, `1,500`, `1.5k`, `2M`, `~2000 users`,
/// `about 3,000 seats`, `2,000+`. A range (`1000-2000`) is refused.
pub(crate) fn number_value(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.len() > MAX_SCALAR_LEN {
        return None;
    }
    let t = without_approximation(t);
    let (digits, len) = leading_number(t);
    if digits.is_empty() {
        return None;
    }
    let (factor, rest) = multiplier(&t[len..]);
    let value = digits.parse::<f64>().ok()? * factor;
    if more_number_follows(rest.trim_start()) {
        return None;
    }
    Some(value)
}

/// `t` without its approximation prefixes (`~`, `about`, `>`, …): they carry no number.
fn without_approximation(mut t: &str) -> &str {
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
            return t;
        }
    }
}

/// The number `t` starts with, as digits and at most one decimal point (thousands separators
/// dropped), and how many bytes of `t` it takes.
fn leading_number(t: &str) -> (String, usize) {
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
    (digits, i)
}

/// The factor of a multiplier word after the number (`k`, `million`, …; 1 without one) and
/// the text after it.
fn multiplier(rest: &str) -> (f64, &str) {
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
    match multipliers
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
    {
        Some((_, f)) => (*f, &suffix[word_end..]),
        None => (1.0, rest),
    }
}

/// Whether `rest` (trimmed) goes on with another number: `1000-2000`, `1000–2000`, `1,5`,
/// `12/3` are not one count.
fn more_number_follows(rest: &str) -> bool {
    // Step over the separator as a char: `–` is three bytes, and slicing after its first byte
    // panicked (found by fuzzing).
    let mut after = rest.chars();
    if after
        .next()
        .is_some_and(|c| matches!(c, '-' | '–' | '/' | ',' | '.'))
        && after
            .as_str()
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return true;
    }
    rest.starts_with(|c: char| c.is_ascii_digit())
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
