//! Line-level reading of Markdown descriptions as people really type them: HTML comments,
//! `**Label:** value` field lines, checklist items and unfilled placeholders.
//!
//! Shared by template loading, recognition and field parsing so that all three read a line the
//! same way. Performs no type conversion of values (that is `values`) and knows no template.

use std::borrow::Cow;

/// Labels longer than this are prose, not field labels. Also bounds the work done per line on
/// garbage input.
pub(crate) const MAX_LABEL_LEN: usize = 100;

/// Removes HTML comments from one line, carrying the "inside a comment" state across lines so
/// that multi-line instruction comments disappear. Borrows when at most one piece survives (the
/// usual case: a trailing field annotation), so filled descriptions cost few allocations.
pub(crate) fn strip_comments<'a>(line: &'a str, in_comment: &mut bool) -> Cow<'a, str> {
    let mut out: Option<Cow<'a, str>> = None;
    let mut push = |seg: &'a str| {
        if seg.is_empty() {
            return;
        }
        match out.as_mut() {
            None => out = Some(Cow::Borrowed(seg)),
            Some(cow) => cow.to_mut().push_str(seg),
        }
    };
    let mut pos = 0;
    loop {
        let rest = &line[pos..];
        if *in_comment {
            match find_bytes(rest, b"-->") {
                Some(i) => {
                    pos += i + 3;
                    *in_comment = false;
                }
                None => break,
            }
        } else {
            match find_bytes(rest, b"<!--") {
                Some(i) => {
                    push(&rest[..i]);
                    pos += i + 4;
                    *in_comment = true;
                }
                None => {
                    push(rest);
                    break;
                }
            }
        }
    }
    out.unwrap_or(Cow::Borrowed(""))
}

/// Byte offset of `needle` in `hay`: a first-byte scan, cheaper than `str::find`'s two-way
/// searcher for the short markers searched on every line, and linear in `hay`.
pub(crate) fn find_bytes(hay: &str, needle: &[u8]) -> Option<usize> {
    let h = hay.as_bytes();
    let (&first, rest) = needle.split_first()?;
    // Needles are ASCII, so every match of `first` is on a character boundary and
    // `str::find(char)` can use its memchr fast path.
    let first = char::from(first);
    let mut i = 0;
    while let Some(p) = hay.get(i..)?.find(first) {
        let at = i + p;
        let tail = &h[at + 1..];
        if tail.len() >= rest.len() && rest.iter().zip(tail).all(|(a, b)| a == b) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Iterates over the lines of `text` with HTML comments removed; yields `(line_number, line)`
/// with 1-based line numbers.
pub(crate) fn visible_lines(text: &str) -> impl Iterator<Item = (usize, Cow<'_, str>)> {
    let mut in_comment = false;
    text.lines()
        .enumerate()
        .map(move |(i, l)| (i + 1, strip_comments(l, &mut in_comment)))
}

/// A checklist item: `- [ ] Option`, `- [x] Option`, `* [X] Option`, `+ [x] Option`.
/// Returns whether it is ticked and its text (trimmed).
pub(crate) fn checklist_item(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    let t = t
        .strip_prefix('-')
        .or_else(|| t.strip_prefix('*'))
        .or_else(|| t.strip_prefix('+'))?
        .trim_start();
    let (ticked, rest) = if let Some(r) = t.strip_prefix("[ ]").or_else(|| t.strip_prefix("[]")) {
        (false, r)
    } else if let Some(r) = t.strip_prefix("[x]").or_else(|| t.strip_prefix("[X]")) {
        (true, r)
    } else {
        return None;
    };
    // `- [x]Security` (no space after the box) is still an item; `- [x](https://…)` is a link.
    if rest.starts_with(['(', '[']) {
        return None;
    }
    Some((ticked, rest.trim()))
}

/// A line that may be a field line, split into its label candidate and the rest.
///
/// Accepts `**Label:** value`, `**Label**: value`, `Label: value`, `- **Label:** value`, and a
/// label alone on its line (`### Label`, `**Label**`, `Label`) with the value on the next lines. The label is returned
/// without emphasis markers and without the `(required)` mark templates put on required
/// fields (a requester may delete it); the value without the closing `**`.
pub(crate) fn field_line(line: &str) -> Option<(&str, &str)> {
    marked_field_line(line).map(|(label, _, value)| (label, value))
}

/// The mark a template puts after a required field's label, as a person reads it.
pub(crate) const REQUIRED_MARK: &str = "(required)";

/// [`field_line`], also saying whether the label carried the `(required)` mark.
pub(crate) fn marked_field_line(line: &str) -> Option<(&str, bool, &str)> {
    let (label, value) = unmarked_field_line(line)?;
    let n = label.len();
    let m = REQUIRED_MARK.len();
    let marked = n > m
        && label.is_char_boundary(n - m)
        && label[n - m..].eq_ignore_ascii_case(REQUIRED_MARK);
    if !marked {
        return Some((label, false, value));
    }
    let bare = trim_emphasis(&label[..n - m]);
    (!bare.is_empty()).then_some((bare, true, value))
}

fn unmarked_field_line(line: &str) -> Option<(&str, &str)> {
    // Callers deal with checklist items first; `- [ ] X` would only yield the label `[ ] X`.
    let mut t = line.trim();
    if t.is_empty() {
        return None;
    }
    if t.starts_with('#') {
        t = t.trim_start_matches('#').trim_start();
    } else if let Some(r) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        t = r.trim_start();
    }
    let window = &t.as_bytes()[..t.len().min(MAX_LABEL_LEN + 8)];
    match window.iter().position(|&b| b == b':') {
        Some(colon) => {
            let label = trim_emphasis(&t[..colon]);
            if label.is_empty() || label.len() > MAX_LABEL_LEN {
                return None;
            }
            let value = t[colon + 1..].trim_start_matches(['*', '_']).trim();
            Some((label, value))
        }
        None => {
            // Without a colon the whole line may still be a label alone (`### Event date`,
            // `**Event date**`, `License tier`) with its value on the next lines; callers only
            // accept it if it equals a known label.
            if t.len() > MAX_LABEL_LEN + 8 {
                return None;
            }
            let label = trim_emphasis(t);
            (!label.is_empty()).then_some((label, ""))
        }
    }
}

fn trim_emphasis(s: &str) -> &str {
    let t = s.trim();
    let b = t.as_bytes();
    let is_em = |c: &u8| *c == b'*' || *c == b'_';
    let start = b.iter().position(|c| !is_em(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_em(c)).map_or(start, |e| e + 1);
    // `*` and `_` are ASCII, so these offsets are character boundaries.
    t[start..end.max(start)].trim()
}

/// Whether `candidate` (as typed) names `label`: case-insensitive, runs of white space equal,
/// emphasis markers ignored. Allocates nothing.
pub(crate) fn label_matches(candidate: &str, label: &str) -> bool {
    // Fast path for the hot loop: compare bytes until the first difference; only a
    // difference involving white space, emphasis or non-ASCII needs the normalising compare.
    let (a, b) = (candidate.as_bytes(), label.as_bytes());
    let special = |c: u8| !c.is_ascii() || c.is_ascii_whitespace() || c == b'*' || c == b'_';
    let mut i = 0;
    while i < a.len() && i < b.len() {
        let (x, y) = (a[i], b[i]);
        if !x.eq_ignore_ascii_case(&y) {
            if special(x) || special(y) {
                return label_matches_slow(candidate, label);
            }
            return false;
        }
        i += 1;
    }
    a.len() == b.len() || label_matches_slow(candidate, label)
}

fn label_matches_slow(candidate: &str, label: &str) -> bool {
    let mut a = significant_chars(candidate);
    let mut b = significant_chars(label);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

/// The normal form of a label (what [`label_matches`] compares), for use as a map key.
pub(crate) fn normalise_label_into(label: &str, out: &mut String) {
    out.clear();
    out.extend(significant_chars(label));
}

fn significant_chars(s: &str) -> SignificantChars<'_> {
    SignificantChars {
        chars: s.chars(),
        pending: None,
        started: false,
    }
}

/// Lower-cased characters of a label without emphasis markers, with white space trimmed and
/// collapsed to single spaces (a space is only emitted once a later character follows it).
pub(crate) struct SignificantChars<'a> {
    chars: std::str::Chars<'a>,
    pending: Option<char>,
    started: bool,
}

impl Iterator for SignificantChars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if let Some(c) = self.pending.take() {
            return Some(c);
        }
        let mut saw_space = false;
        for c in self.chars.by_ref() {
            if c == '*' || c == '_' {
                continue;
            }
            if c.is_whitespace() {
                saw_space = true;
                continue;
            }
            let c = c.to_ascii_lowercase();
            if saw_space && self.started {
                self.pending = Some(c);
                return Some(' ');
            }
            self.started = true;
            return Some(c);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn comments_are_removed_across_lines_and_one_surviving_piece_is_borrowed() {
        let mut inside = false;
        let line = "**Event date:** 2027-03-10 <!-- steward:field key=event_date -->";
        assert!(matches!(
            strip_comments(line, &mut inside),
            Cow::Borrowed("**Event date:** 2027-03-10 ")
        ));
        assert_eq!(
            strip_comments("a <!-- x --> b <!-- y", &mut inside),
            "a  b "
        );
        assert!(inside);
        assert_eq!(strip_comments("still hidden", &mut inside), "");
        assert_eq!(strip_comments("end --> shown", &mut inside), " shown");
        assert!(!inside);
    }

    #[test]
    fn find_bytes_finds_the_first_occurrence_or_none() {
        assert_eq!(find_bytes("a <-- <!-- b", b"<!--"), Some(6));
        assert_eq!(find_bytes("é <!--", b"<!--"), Some(3));
        assert_eq!(find_bytes("--- -> --", b"-->"), None);
    }

    proptest! {
        #[test]
        fn fast_label_comparison_agrees_with_the_normalising_one(
            a in "[ *_a-cA-Cé]{0,8}", b in "[ *_a-cA-Cé]{0,8}",
        ) {
            prop_assert_eq!(label_matches(&a, &b), label_matches_slow(&a, &b));
        }
    }
}
