//! Pure rendering of a [`Digest`] to the Markdown posted on the tracking epic. It names no
//! confidential request (they reach it only as counts) and starts no line with `/`, which GitLab
//! would run as a quick action (GITLAB.md §3.2).

use std::fmt::Write as _;

use super::IsoWeek;
use super::select::{Digest, DigestItem, Section};
use super::targets::Verdict;

/// Named requests listed per section before the rest are summarised.
pub const MAX_LISTED: usize = 25;

/// The owned-note key of a week's digest (`digest:2026-W48`).
pub fn note_key(week: IsoWeek) -> String {
    format!("digest:{week}")
}

/// The hidden marker line that identifies a week's digest note.
pub fn marker(week: IsoWeek) -> String {
    crate::reconcile::marker(&note_key(week))
}

/// The digest as Markdown: marker line, title, sections, progress and leaderboard.
pub fn render(d: &Digest) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{}", marker(d.week));
    let _ = writeln!(
        w,
        "## {} — weekly digest {} ({} – {})\n",
        d.program.display_name(),
        d.week,
        d.week.monday().format("%a %b %-d"),
        d.week.sunday().format("%a %b %-d, %Y"),
    );
    let _ = writeln!(
        w,
        "As of {} ({}): {} open, {} new and {} closed this week.\n",
        d.as_of_date.format("%a %Y-%m-%d"),
        d.time_zone,
        count(d.open.total(), "request"),
        d.new.total(),
        d.closed.total(),
    );
    section(w, "Overdue", &d.overdue, "Nothing overdue.");
    section(
        w,
        "Due this week",
        &d.due_this_week,
        "Nothing due for the rest of the week.",
    );
    section(w, "New this week", &d.new, "No new requests this week.");
    section(
        w,
        "Filed late, still open",
        &d.late_filed,
        "No open request was filed later than its lead time.",
    );
    section(
        w,
        "Closed this week",
        &d.closed,
        "Nothing closed this week.",
    );
    section(w, "Open", &d.open, "No open requests.");
    progress(w, d);
    leaderboard(w, d);
    let _ = writeln!(
        w,
        "<sub>Posted by Steward; this note is updated in place when the digest is re-run for {}.</sub>",
        d.week
    );
    guard_quick_actions(&out)
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn entries(n: u32) -> String {
    format!("{n} accepted {}", if n == 1 { "entry" } else { "entries" })
}

fn section(w: &mut String, title: &str, s: &Section, empty: &str) {
    let _ = writeln!(w, "### {title} ({})\n", s.total());
    if s.total() == 0 {
        let _ = writeln!(w, "{empty}\n");
        return;
    }
    for item in s.items.iter().take(MAX_LISTED) {
        let _ = writeln!(w, "{}", item_line(item));
    }
    if s.items.len() > MAX_LISTED {
        let more = s.items.len() - MAX_LISTED;
        let _ = writeln!(w, "- …and {} more", count(more, "request"));
    }
    if s.confidential > 0 {
        let _ = writeln!(
            w,
            "- +{} (not named here)",
            count(s.confidential, "confidential request")
        );
    }
    w.push('\n');
}

fn item_line(item: &DigestItem) -> String {
    let owners = if item.owners.is_empty() {
        "unassigned".to_owned()
    } else {
        item.owners
            .iter()
            .map(|u| format!("@{u}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let due = item
        .due_date
        .map(|d| format!(" · due {d}"))
        .unwrap_or_default();
    format!(
        "- [#{}]({}) {} — {owners}{due}",
        item.iid,
        item.web_url.replace(')', "%29").replace(' ', "%20"),
        escape_title(&item.title)
    )
}

/// One line of Markdown-inert text: newlines folded, link and emphasis characters escaped, and
/// `@` broken so a requester's title never pings anyone.
fn escape_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        match c {
            '[' | ']' | '*' | '_' | '`' | '<' | '>' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            _ => out.push(c),
        }
    }
    out
}

fn progress(w: &mut String, d: &Digest) {
    if d.progress.is_empty() {
        return;
    }
    let _ = writeln!(w, "### Targets\n");
    for p in &d.progress {
        let goal = match p.cap {
            Some(cap) => format!("{}–{cap}", p.target),
            None => p.target.to_string(),
        };
        let detail = match p.verdict {
            Verdict::OnPace | Verdict::AtRisk => format!(
                " ({} expected by now, {}% of {} elapsed)",
                p.expected, p.elapsed_percent, p.period
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            w,
            "- {} in {}: **{} of {goal}** — {}{detail}",
            p.what,
            p.period,
            p.done,
            p.verdict.words()
        );
    }
    let _ = writeln!(
        w,
        "\n<sub>On pace means at least as many done as a straight line from zero to the target \
         would have by today, rounded down; at risk means fewer.</sub>\n"
    );
}

fn leaderboard(w: &mut String, d: &Digest) {
    let Some(board) = &d.leaderboard else {
        return;
    };
    let _ = writeln!(w, "### Contest leaderboard, {}\n", board.quarter);
    if board.rows.is_empty() {
        let _ = writeln!(w, "No accepted entries yet this quarter.\n");
    }
    for (rank, row) in board.rows.iter().enumerate() {
        let _ = writeln!(w, "{}. @{} — {}", rank + 1, row.owner, entries(row.entries));
    }
    if board.without_owner > 0 {
        let _ = writeln!(
            w,
            "\n{} named no account owner.",
            entries(board.without_owner)
        );
    }
    w.push('\n');
}

/// Escapes any line that would start with `/` (after indentation), the last line of defence
/// against quick actions in generated text.
fn guard_quick_actions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('/') {
            out.push_str(&line[..line.len() - trimmed.len()]);
            out.push('\\');
            out.push_str(trimmed);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}
