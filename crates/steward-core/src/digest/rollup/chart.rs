//! Mermaid `xychart-beta` source for the roll-up's charts: bars and one line over named
//! categories. Only the syntax of Mermaid 10.7 is used (`title`, `x-axis [..]`, `y-axis "…" a
//! --> b`, `bar [..]`, `line [..]`), which GitLab's bundled Mermaid (10.7 and later, 11 since
//! GitLab 18) renders. Every label is reduced to letters, digits and a few plain punctuation
//! marks (parentheses included) before it is quoted: Mermaid strings cannot escape a quote, and
//! square brackets, `#`, `;` or backticks would end the list, start an entity or close the
//! Markdown fence.

use std::fmt::Write as _;

/// The longest category label, in characters (longer ones end with `…`).
pub const MAX_LABEL_CHARS: usize = 40;

/// One bar series and one line series over the same categories.
pub(super) struct XyChart<'a> {
    /// The chart's title (also sanitised).
    pub title: &'a str,
    /// The y axis's name.
    pub y_label: &'a str,
    /// Category labels, left to right.
    pub categories: Vec<String>,
    /// Bar heights, one per category.
    pub bars: Vec<u64>,
    /// Line points, one per category.
    pub line: Vec<u64>,
    /// The y axis's least top (the top is raised to the highest value).
    pub min_top: u64,
}

impl XyChart<'_> {
    /// The fenced ```` ```mermaid ```` block.
    pub fn render(&self) -> String {
        let top = self
            .bars
            .iter()
            .chain(&self.line)
            .copied()
            .fold(self.min_top.max(1), u64::max);
        let list = |values: &[u64]| {
            values
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let categories: Vec<String> = self
            .categories
            .iter()
            .map(|c| format!("\"{}\"", label(c)))
            .collect();
        let mut out = String::new();
        let _ = writeln!(out, "```mermaid");
        let _ = writeln!(out, "xychart-beta");
        let _ = writeln!(out, "    title \"{}\"", label_capped(self.title, 100));
        let _ = writeln!(out, "    x-axis [{}]", categories.join(", "));
        let _ = writeln!(
            out,
            "    y-axis \"{}\" 0 --> {top}",
            label_capped(self.y_label, 40)
        );
        let _ = writeln!(out, "    bar [{}]", list(&self.bars));
        let _ = writeln!(out, "    line [{}]", list(&self.line));
        let _ = writeln!(out, "```");
        out
    }
}

/// A category label safe inside a Mermaid string, at most [`MAX_LABEL_CHARS`] characters (cut
/// after a whole word when it is longer).
pub fn label(text: &str) -> String {
    label_capped(text, MAX_LABEL_CHARS)
}

fn label_capped(text: &str, max_chars: usize) -> String {
    let plain: String = text
        .chars()
        .map(|c| match c {
            '&' => '+',
            c if c.is_alphanumeric()
                || matches!(c, ' ' | '-' | '.' | ',' | ':' | '/' | '+' | '%' | '(' | ')') =>
            {
                c
            }
            _ => ' ',
        })
        .collect();
    let words: Vec<&str> = plain.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.is_empty() {
        return "-".to_owned();
    }
    if joined.chars().count() <= max_chars {
        return joined;
    }
    // Cut at the last word that fits whole, or mid-word when the first word is that long.
    let kept: String = joined.chars().take(max_chars.max(2) - 1).collect();
    let whole = match kept.rfind(' ') {
        Some(_) if joined[kept.len()..].starts_with(' ') => kept.as_str(),
        Some(space) => &kept[..space],
        None => kept.as_str(),
    };
    format!("{}…", whole.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_lose_everything_that_could_end_a_mermaid_string_or_the_fence() {
        let table = [
            ("Customer Logo & Name Usage", "Customer Logo + Name Usage"),
            ("Say \"hi\" [now] (soon)", "Say hi now (soon)"),
            ("a`b`c ```", "a b c"),
            ("#quot; entity;", "quot entity"),
            ("Hernández — ES", "Hernández ES"),
            ("\n\t", "-"),
            (
                "A very long program title that goes on and on and on",
                "A very long program title that goes on…",
            ),
            (
                "Customer stories published in the fiscal quarter",
                "Customer stories published in the…",
            ),
            (
                "Supercalifragilisticexpialidocious-and-then-some-more",
                "Supercalifragilisticexpialidocious-and-…",
            ),
        ];
        for (text, want) in table {
            assert_eq!(label(text), want, "{text:?}");
            assert!(!label(text).contains(['"', '[', ']', '`', '#', ';']));
        }
    }

    #[test]
    fn the_y_axis_reaches_the_highest_value() {
        let chart = XyChart {
            title: "Filed (bars) and closed (line)",
            y_label: "Requests",
            categories: vec!["W47".into(), "W48".into()],
            bars: vec![3, 12],
            line: vec![1, 2],
            min_top: 5,
        };
        let source = chart.render();
        assert!(
            source.contains("y-axis \"Requests\" 0 --> 12\n"),
            "{source}"
        );
        assert!(source.contains("x-axis [\"W47\", \"W48\"]\n"), "{source}");
        assert!(source.starts_with("```mermaid\nxychart-beta\n"));
        assert!(source.ends_with("    bar [3, 12]\n    line [1, 2]\n```\n"));
    }
}
