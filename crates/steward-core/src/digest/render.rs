//! Pure rendering of a [`Digest`] to the Markdown posted on the tracking epic. It names no
//! confidential request (they reach it only as counts), shows every title and username through
//! [`crate::untrusted`] (inert code spans: nobody is notified, nothing is cross-referenced;
//! only a rule's `mention` notifies anyone, never a digest), lists a bounded number of requests
//! per section with a link to the full issue list, folds the empty sections into one line, and
//! passes the whole body through [`crate::untrusted::guard_body`] (no line starts a quick
//! action, GITLAB.md §3.2; the body fits in a GitLab note).

use std::fmt::Write as _;

mod measures;

use super::select::{AT_RISK_DAYS, Digest, DigestItem, ItemNote, Section};
use super::{IsoWeek, Program};
use crate::untrusted;
use measures::{leaderboard, progress};

/// Named requests listed per section before the rest are summarised.
pub const MAX_LISTED: usize = 25;

/// Assignees named on one line before the rest are counted.
pub const MAX_OWNERS_SHOWN: usize = 5;

/// The owned-note key of a week's digest (`digest:2026-W48`).
pub fn note_key(week: IsoWeek) -> String {
    format!("digest:{week}")
}

/// The hidden marker line that identifies a week's digest note.
pub fn marker(week: IsoWeek) -> String {
    crate::reconcile::marker(&note_key(week))
}

/// The digest as Markdown: marker line, title, summary, the week's sections, the look ahead,
/// one line naming the empty sections, progress and leaderboard.
pub fn render(d: &Digest) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{}", marker(d.week));
    let _ = writeln!(
        w,
        "## {} — weekly digest {} ({} – {})\n",
        d.program.title,
        d.week,
        d.week.monday().format("%a %b %-d"),
        d.week.sunday().format("%a %b %-d, %Y"),
    );
    summary(w, d);
    let mut empty = Vec::new();
    for (s, title, short, state) in sections(d) {
        if s.total() == 0 {
            empty.push(short);
            continue;
        }
        let list = ListLink {
            program: &d.program,
            state,
        };
        section(w, &title, s, &list, state != "closed");
        if state == "closed" {
            unrecorded_hint(w, d);
        }
    }
    if !empty.is_empty() {
        let _ = writeln!(w, "Nothing to list under: {}.\n", empty.join(" · "));
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

/// `As of …: N open; N filed and N closed this week (by outcome).`
fn summary(w: &mut String, d: &Digest) {
    let when = if d.complete {
        format!(
            "As of the end of the week, {}",
            d.as_of_date.format("%a %Y-%m-%d")
        )
    } else {
        format!("So far, as of {}", d.as_of_date.format("%a %Y-%m-%d"))
    };
    let outcomes: Vec<String> = d
        .closed_by_outcome
        .iter()
        .map(|(label, n)| match label {
            Some(l) => format!("{n} {}", untrusted::code(l.as_str())),
            None => format!("{n} with no outcome recorded"),
        })
        .collect();
    let outcomes = if outcomes.is_empty() {
        String::new()
    } else {
        format!(" ({})", outcomes.join(", "))
    };
    let _ = writeln!(
        w,
        "{when} ({}): {} open; {} filed and {} closed this week{outcomes}.\n",
        d.time_zone,
        count(d.open, "request"),
        d.filed,
        d.closed.total(),
    );
}

/// The sections in reading order: section, title, short name (for the line naming the empty
/// ones) and the issue-list state filter.
fn sections(d: &Digest) -> [(&Section, String, String, &'static str); 6] {
    let span = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        format!("{} – {}", from.format("%a %b %-d"), to.format("%a %b %-d"))
    };
    let overdue = if d.complete {
        "Overdue at the week's end"
    } else {
        "Overdue"
    };
    let at_risk = format!("At risk in the next {AT_RISK_DAYS} days");
    let due = "Due this week";
    let same = |s: &str| (s.to_owned(), s.to_owned());
    let (closed, closed_short) = same("Closed this week");
    let (late, late_short) = same("Filed late this week");
    let (new, new_short) = same("New this week");
    [
        (&d.closed, closed, closed_short, "closed"),
        (&d.overdue, overdue.to_owned(), overdue.to_owned(), "opened"),
        (
            &d.at_risk,
            format!("{at_risk}, {}", span(d.look_from, d.look_until())),
            at_risk,
            "opened",
        ),
        (
            &d.due_this_week,
            format!("{due}, {}", span(d.look_from, d.due_week_end())),
            due.to_owned(),
            "opened",
        ),
        (&d.filed_late, late, late_short, "opened"),
        (&d.new, new, new_short, "opened"),
    ]
}

/// Under "Closed", when some request ended without an outcome label: how to record one.
fn unrecorded_hint(w: &mut String, d: &Digest) {
    if !d.closed_by_outcome.iter().any(|(l, _)| l.is_none()) || d.outcome_labels.is_empty() {
        return;
    }
    let labels: Vec<String> = d
        .outcome_labels
        .iter()
        .map(|l| untrusted::code(l.as_str()))
        .collect();
    let _ = writeln!(
        w,
        "<sub>No outcome recorded: add one of {} to say how the request ended; only a success \
         outcome counts toward the targets.</sub>\n",
        labels.join(", ")
    );
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Where the full list of a section's requests is: the program's label, in a state.
struct ListLink<'a> {
    program: &'a Program,
    /// GitLab's issue-list state filter: `opened`, `closed` or `all`.
    state: &'static str,
}

impl ListLink<'_> {
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
        let label = query_value(self.program.label.as_str());
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
pub(super) fn query_value(s: &str) -> String {
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

fn section(w: &mut String, title: &str, s: &Section, list: &ListLink<'_>, show_due: bool) {
    let _ = writeln!(w, "### {title} ({})\n", s.total());
    for item in s.items.iter().take(MAX_LISTED) {
        let _ = writeln!(w, "{}", item_line(item, show_due));
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

/// `- [#12](link) `title` — `@owner` · due 2026-12-01 · notes`: the title and names as inert
/// code spans, so the digest notifies nobody.
pub(super) fn item_line(item: &DigestItem, show_due: bool) -> String {
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
    let due = match item.due_date {
        Some(d) if show_due => format!(" · due {d}"),
        _ => String::new(),
    };
    let number = match untrusted::link_url(&item.web_url) {
        Some(url) => format!("[#{}]({url})", item.iid),
        None => format!("`#{}`", item.iid),
    };
    let title = match untrusted::code(&item.title) {
        t if t.is_empty() => "(no title)".to_owned(),
        t => t,
    };
    format!("- {number} {title} — {owners}{due}{}", notes(&item.notes))
}

/// ` · outcome … · at risk: … · filed this week`, or nothing.
fn notes(notes: &[ItemNote]) -> String {
    let mut parts = Vec::new();
    let mut risks = Vec::new();
    for n in notes {
        match n {
            ItemNote::Outcome(Some(l)) => parts.push(untrusted::code(l.as_str())),
            ItemNote::Outcome(None) => parts.push("no outcome recorded".to_owned()),
            ItemNote::Unassigned => risks.push("unassigned".to_owned()),
            ItemNote::WaitingOnRequester => risks.push("waiting on the requester".to_owned()),
            ItemNote::OwnerAway { owner, from, to } => risks.push(format!(
                "{} out of office {} – {}",
                untrusted::name(owner.as_str()),
                from.format("%b %-d"),
                to.format("%b %-d")
            )),
            ItemNote::FiledThisWeek | ItemNote::FiledLate => {}
        }
    }
    if !risks.is_empty() {
        parts.push(format!("at risk: {}", risks.join(", ")));
    }
    for n in notes {
        match n {
            ItemNote::FiledThisWeek => parts.push("filed this week".to_owned()),
            ItemNote::FiledLate => parts.push("filed late".to_owned()),
            _ => {}
        }
    }
    parts.iter().map(|p| format!(" · {p}")).collect()
}
