//! Pure rendering of a [`Digest`] to the Markdown posted on the tracking epic. It names no
//! confidential request (they reach it only as counts), shows every title and username through
//! [`crate::untrusted`] (inert code spans: nobody is notified, nothing is cross-referenced),
//! lists a bounded number of requests per section with a link to the full issue list, and
//! passes the whole body through [`crate::untrusted::guard_body`] (no line starts a quick
//! action, GITLAB.md §3.2; the body fits in a GitLab note).

use std::fmt::Write as _;

use super::select::{Digest, DigestItem, Section};
use super::targets::Verdict;
use super::{IsoWeek, Program};
use crate::untrusted;

/// Named requests listed per section before the rest are summarised.
pub const MAX_LISTED: usize = 25;

/// Assignees named on one line before the rest are counted.
pub const MAX_OWNERS_SHOWN: usize = 5;

/// Account owners listed on the contest leaderboard before the rest are counted.
pub const MAX_BOARD_ROWS: usize = 50;

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
    let open = |s, title, empty| (s, title, empty, "opened");
    for (s, title, empty, state) in [
        open(&d.overdue, "Overdue", "Nothing overdue."),
        open(
            &d.due_this_week,
            "Due this week",
            "Nothing due for the rest of the week.",
        ),
        (&d.new, "New this week", "No new requests this week.", "all"),
        open(
            &d.late_filed,
            "Filed late, still open",
            "No open request was filed later than its lead time.",
        ),
        (
            &d.closed,
            "Closed this week",
            "Nothing closed this week.",
            "closed",
        ),
        open(&d.open, "Open", "No open requests."),
    ] {
        let list = ListLink {
            program: d.program,
            state,
        };
        section(w, title, s, empty, &list);
    }
    progress(w, d);
    leaderboard(w, d);
    let _ = writeln!(
        w,
        "<sub>Posted by Steward; this note is updated in place when the digest is re-run for {}.</sub>",
        d.week
    );
    untrusted::guard_body(&out)
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn entries(n: u32) -> String {
    format!("{n} accepted {}", if n == 1 { "entry" } else { "entries" })
}

/// Where the full list of a section's requests is: the program's label, in a state.
struct ListLink {
    program: Program,
    /// GitLab's issue-list state filter: `opened`, `closed` or `all`.
    state: &'static str,
}

impl ListLink {
    /// ` — see [the issue list](…)`, one link per project the section's requests are in.
    fn words(&self, items: &[DigestItem]) -> String {
        let mut bases: Vec<&str> = Vec::new();
        for item in items {
            if let Some((base, _)) = item.web_url.split_once("/-/issues/")
                && !bases.contains(&base)
            {
                bases.push(base);
            }
        }
        let label = query_value(&self.program.label());
        let links: Vec<String> = bases
            .iter()
            .filter_map(|base| {
                let url = format!(
                    "{base}/-/issues?state={}&label_name%5B%5D={label}",
                    self.state
                );
                untrusted::link_url(&url)
            })
            .enumerate()
            .map(|(i, url)| match i {
                0 => format!("[the issue list]({url})"),
                n => format!("[list {}]({url})", n + 1),
            })
            .collect();
        if links.is_empty() {
            String::new()
        } else {
            format!(" — see {}", links.join(" · "))
        }
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn section(w: &mut String, title: &str, s: &Section, empty: &str, list: &ListLink) {
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
        let _ = writeln!(w, "- … and {more} more{}", list.words(&s.items));
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

/// `- [#12](link) `title` — `@owner` · due 2026-12-01`: the title and names as inert code
/// spans, so the digest notifies nobody.
fn item_line(item: &DigestItem) -> String {
    let mut owners: Vec<String> = item
        .owners
        .iter()
        .take(MAX_OWNERS_SHOWN)
        .map(|u| untrusted::name(u.as_str()))
        .filter(|n| !n.is_empty())
        .collect();
    if item.owners.len() > MAX_OWNERS_SHOWN {
        owners.push(format!("+{} more", item.owners.len() - MAX_OWNERS_SHOWN));
    }
    let owners = if owners.is_empty() {
        "unassigned".to_owned()
    } else {
        owners.join(", ")
    };
    let due = item
        .due_date
        .map(|d| format!(" · due {d}"))
        .unwrap_or_default();
    let number = match untrusted::link_url(&item.web_url) {
        Some(url) => format!("[#{}]({url})", item.iid),
        None => format!("`#{}`", item.iid),
    };
    let title = match untrusted::code(&item.title) {
        t if t.is_empty() => "(no title)".to_owned(),
        t => t,
    };
    format!("- {number} {title} — {owners}{due}")
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
    for (rank, row) in board.rows.iter().take(MAX_BOARD_ROWS).enumerate() {
        let owner = match untrusted::name(row.owner.as_str()) {
            n if n.is_empty() => "(no name)".to_owned(),
            n => n,
        };
        let _ = writeln!(w, "{}. {owner} — {}", rank + 1, entries(row.entries));
    }
    if board.rows.len() > MAX_BOARD_ROWS {
        let more = board.rows.len() - MAX_BOARD_ROWS;
        let _ = writeln!(w, "\n… and {more} more account owners.");
    }
    if board.without_owner > 0 {
        let _ = writeln!(
            w,
            "\n{} named no account owner.",
            entries(board.without_owner)
        );
    }
    if board.confidential > 0 {
        let verb = if board.confidential == 1 { "is" } else { "are" };
        let _ = writeln!(
            w,
            "\n{} from confidential requests {verb} counted but not attributed here.",
            entries(board.confidential)
        );
    }
    w.push('\n');
}
