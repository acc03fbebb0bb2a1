//! Reading Steward's Markdown as GitLab renders it: live mentions, digest summary lines.

/// `[open, filed, closed]` from a digest's summary line (`…: N requests open; N filed and N
/// closed this week …`).
pub fn summary_counts(body: &str) -> Option<[usize; 3]> {
    let line = body
        .lines()
        .find(|l| l.contains(" open; ") && l.contains("this week"))?;
    let from = line.find("): ")? + 3;
    let to = line.find("this week")?;
    let numbers: Vec<usize> = line[from..to]
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match numbers[..] {
        [open, filed, closed] => Some([open, filed, closed]),
        _ => None,
    }
}

/// The live mentions in a Markdown body: `@name` outside code spans and HTML comments, not
/// part of an e-mail address.
pub fn mentions(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prose = String::new();
    let mut rest = body;
    // HTML comments (Steward's markers) are not rendered.
    while let Some(start) = rest.find("<!--") {
        prose.push_str(&rest[..start]);
        rest = rest[start..]
            .find("-->")
            .map_or("", |end| &rest[start + end + 3..]);
    }
    prose.push_str(rest);
    for (i, segment) in prose.split('`').enumerate() {
        if i % 2 == 1 {
            continue; // inside a code span
        }
        let chars: Vec<char> = segment.chars().collect();
        for (j, c) in chars.iter().enumerate() {
            let after_word = j > 0 && (chars[j - 1].is_alphanumeric() || chars[j - 1] == '_');
            if *c != '@' || after_word {
                continue;
            }
            let name: String = chars[j + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .collect();
            let name = name.trim_end_matches(['.', '-']);
            if !name.is_empty() {
                out.push(name.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_in_code_spans_comments_and_addresses_are_not_live() {
        let body = "<!-- steward:reminder-due-soon @nobody -->\nReminder for @jhernandez: see `@vp-sales`, mail a@b.com, cc @rlurie.";
        assert_eq!(mentions(body), ["jhernandez", "rlurie"]);
    }

    #[test]
    fn the_summary_line_gives_open_filed_and_closed() {
        let body = "<!-- steward:digest:2026-W51 -->\n## T\n\nAs of the end of the week, Sun 2026-12-20 (America/New_York): 5 requests open; 3 filed and 1 closed this week (1 `outcome::published`).\n";
        assert_eq!(summary_counts(body), Some([5, 3, 1]));
        let one = "So far, as of Mon 2026-12-21 (America/New_York): 1 request open; 0 filed and 0 closed this week.";
        assert_eq!(summary_counts(one), Some([1, 0, 0]));
    }
}
