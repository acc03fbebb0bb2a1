//! Pure rendering of a [`Rollup`] to the Markdown posted on the team's epic or issue: the
//! summary, the 8-week intake and closure chart, the target-pace chart (each a Mermaid block
//! with a text table beside it for clients that do not render Mermaid), load against capacity,
//! what waits on requesters, what is at risk, and the program boards. Titles and usernames go
//! through [`crate::untrusted`] (nobody is notified), confidential requests are counts, empty
//! sections fold into one line, and the body passes [`untrusted::guard_body`].

use std::fmt::Write as _;

use super::super::render::{item_line, marker, query_value};
use super::super::select::Section;
use super::chart::XyChart;
use super::{ProgramRollup, Rollup};
use crate::untrusted;

/// Requests named per program in a list before the rest are counted.
pub const ROLLUP_LISTED: usize = 10;

/// The roll-up as Markdown, starting with the week's marker line (a re-run for the same week
/// updates the same note).
pub fn render_rollup(r: &Rollup) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{}", marker(r.week));
    let _ = writeln!(
        w,
        "## Roll-up of every program — {} ({} – {})\n",
        r.week,
        r.week.monday().format("%a %b %-d"),
        r.week.sunday().format("%a %b %-d, %Y"),
    );
    summary(w, r);
    trend(w, r);
    pace(w, r);
    load(w, r);
    let mut empty = Vec::new();
    for (title, pick) in [
        ("Waiting on requesters", waiting as Pick),
        ("At risk or overdue", risky),
    ] {
        if !listing(w, r, title, pick) {
            empty.push(title);
        }
    }
    if !empty.is_empty() {
        let _ = writeln!(w, "Nothing to list under: {}.\n", empty.join(" · "));
    }
    boards(w, r);
    let _ = writeln!(
        w,
        "<sub>Posted by Steward; this note is updated in place when the roll-up is re-run for {}. \
         Each program's own digest is on its tracking epic or issue.</sub>",
        r.week
    );
    untrusted::guard_body(&out)
}

/// The sections of a program one list shows, each with what its lines add.
type Pick = fn(&ProgramRollup) -> Vec<(&Section, &'static str)>;

fn waiting(p: &ProgramRollup) -> Vec<(&Section, &'static str)> {
    vec![(&p.waiting, "")]
}

fn risky(p: &ProgramRollup) -> Vec<(&Section, &'static str)> {
    vec![(&p.overdue, " · overdue"), (&p.at_risk, "")]
}

fn summary(w: &mut String, r: &Rollup) {
    let when = if r.complete {
        format!(
            "As of the end of the week, {}",
            r.as_of_date.format("%a %Y-%m-%d")
        )
    } else {
        format!("So far, as of {}", r.as_of_date.format("%a %Y-%m-%d"))
    };
    let last = |v: &[usize]| v.last().copied().unwrap_or(0);
    let open: usize = r.programs.iter().map(|p| p.open).sum();
    let filed: usize = r.programs.iter().map(|p| last(&p.filed)).sum();
    let closed: usize = r.programs.iter().map(|p| last(&p.closed)).sum();
    let _ = writeln!(
        w,
        "{when} ({}): {open} open across {} programs; {filed} filed and {closed} closed this \
         week.\n",
        r.time_zone,
        r.programs.len(),
    );
}

/// A table cell: plain configuration text on one line, with no pipe to break the table.
fn cell(text: &str) -> String {
    untrusted::one_line(text, 80).replace('|', "\u{2223}")
}

fn trend(w: &mut String, r: &Rollup) {
    let n = r.weeks.len();
    let sum = |pick: fn(&ProgramRollup) -> &Vec<usize>, i: usize| -> u64 {
        let total: usize = r
            .programs
            .iter()
            .map(|p| pick(p).get(i).copied().unwrap_or(0))
            .sum();
        u64::try_from(total).unwrap_or(u64::MAX)
    };
    let chart = XyChart {
        title: "Requests filed (bars) and closed (line), all programs",
        y_label: "Requests",
        categories: r
            .weeks
            .iter()
            .map(|wk| format!("W{:02}", wk.week()))
            .collect(),
        bars: (0..n).map(|i| sum(|p| &p.filed, i)).collect(),
        line: (0..n).map(|i| sum(|p| &p.closed, i)).collect(),
        min_top: 5,
    };
    let _ = writeln!(w, "### Intake and closures, last {n} weeks\n");
    let _ = writeln!(w, "{}", chart.render());
    let weeks: Vec<String> = r.weeks.iter().map(ToString::to_string).collect();
    let _ = writeln!(w, "| Program | {} | Open |", weeks.join(" | "));
    let _ = writeln!(w, "|---|{}---:|", "---:|".repeat(n));
    for p in &r.programs {
        let cells: Vec<String> = (0..n)
            .map(|i| {
                let (f, c) = (p.filed.get(i), p.closed.get(i));
                format!("{} / {}", f.copied().unwrap_or(0), c.copied().unwrap_or(0))
            })
            .collect();
        let _ = writeln!(
            w,
            "| {} | {} | {} |",
            cell(&p.program.title),
            cells.join(" | "),
            p.open
        );
    }
    let totals: Vec<String> = (0..n)
        .map(|i| format!("{} / {}", sum(|p| &p.filed, i), sum(|p| &p.closed, i)))
        .collect();
    let open: usize = r.programs.iter().map(|p| p.open).sum();
    let _ = writeln!(w, "| **All programs** | {} | {open} |", totals.join(" | "));
    let _ = writeln!(
        w,
        "\n<sub>Each week: filed / closed. Weeks run Monday to Sunday in {}.</sub>\n",
        r.time_zone
    );
}

fn pace(w: &mut String, r: &Rollup) {
    let _ = writeln!(w, "### Target pace\n");
    let lines: Vec<_> = r
        .programs
        .iter()
        .flat_map(|p| p.progress.iter().map(move |t| (p, t)))
        .collect();
    if lines.is_empty() {
        let _ = writeln!(
            w,
            "No program reports progress toward a target this week.\n"
        );
    } else {
        let percent = |n: u32, of: u32| u64::from(n) * 100 / u64::from(of.max(1));
        let chart = XyChart {
            title: "Done (bars) and the straight-line pace (line), % of target",
            y_label: "% of target",
            categories: lines.iter().map(|(_, t)| t.what.clone()).collect(),
            bars: lines
                .iter()
                .map(|(_, t)| percent(t.done, t.target))
                .collect(),
            line: lines
                .iter()
                .map(|(_, t)| u64::from(t.elapsed_percent).min(100))
                .collect(),
            min_top: 100,
        };
        let _ = writeln!(w, "{}", chart.render());
        let _ = writeln!(
            w,
            "| Program | Target | Done | Expected by now | Where it stands |"
        );
        let _ = writeln!(w, "|---|---|---:|---:|---|");
        for (p, t) in &lines {
            let goal = match t.cap {
                Some(cap) => format!("{}–{cap}", t.target),
                None => t.target.to_string(),
            };
            let _ = writeln!(
                w,
                "| {} | {} in {}: {goal} | {} | {} | {} ({}% of {} elapsed) |",
                cell(&p.program.title),
                cell(&t.what),
                cell(&t.period),
                t.done,
                t.expected,
                t.verdict.words(),
                t.elapsed_percent,
                cell(&t.period),
            );
        }
        w.push('\n');
    }
    let unmeasured: Vec<String> = r
        .programs
        .iter()
        .filter(|p| p.unmeasured)
        .map(|p| format!("`{}`", p.program.key))
        .collect();
    if !unmeasured.is_empty() {
        let _ = writeln!(
            w,
            "Not measured (no success outcome declared in `rules/outcomes.yaml`): {}.\n",
            unmeasured.join(", ")
        );
    }
}

fn load(w: &mut String, r: &Rollup) {
    let _ = writeln!(w, "### Load against capacity\n");
    if r.load.is_empty() {
        let _ = writeln!(
            w,
            "Nobody owns an open request, and the roster names nobody.\n"
        );
        return;
    }
    let _ = writeln!(w, "| Person | Open requests | Capacity | Load |");
    let _ = writeln!(w, "|---|---:|---:|---|");
    for p in &r.load {
        let who = match (untrusted::name(p.username.as_str()), &p.name) {
            (n, Some(full)) => format!("{n} {}", cell(full)),
            (n, None) => format!("{n} (not in the roster)"),
        };
        let (capacity, share) = match (p.capacity, p.percent()) {
            (Some(c), Some(pc)) if p.over_capacity() => {
                (c.to_string(), format!("**{pc}% — over capacity**"))
            }
            (Some(c), Some(pc)) => (c.to_string(), format!("{pc}%")),
            _ => ("—".to_owned(), "no capacity set".to_owned()),
        };
        let _ = writeln!(w, "| {who} | {} | {capacity} | {share} |", p.open);
    }
    let _ = writeln!(
        w,
        "\n<sub>Open requests of every program each person is assigned, confidential ones \
         included as numbers; capacity from `rules/roster.yaml`.</sub>\n"
    );
}

/// One section across programs: each program's requests under its title. Returns whether
/// anything was listed.
fn listing(w: &mut String, r: &Rollup, title: &str, pick: Pick) -> bool {
    let total: usize = r
        .programs
        .iter()
        .flat_map(|p| pick(p))
        .map(|(s, _)| s.total())
        .sum();
    if total == 0 {
        return false;
    }
    let _ = writeln!(w, "### {title} ({total})\n");
    for p in &r.programs {
        let parts = pick(p);
        let n: usize = parts.iter().map(|(s, _)| s.total()).sum();
        if n == 0 {
            continue;
        }
        let _ = writeln!(w, "**{}** ({n})\n", cell(&p.program.title));
        let items: Vec<String> = parts
            .iter()
            .flat_map(|(s, note)| {
                s.items
                    .iter()
                    .map(move |i| format!("{}{note}", item_line(i, true)))
            })
            .collect();
        for line in items.iter().take(ROLLUP_LISTED) {
            let _ = writeln!(w, "{line}");
        }
        if items.len() > ROLLUP_LISTED {
            let _ = writeln!(
                w,
                "- … and {} more (the program's digest lists them all)",
                items.len() - ROLLUP_LISTED
            );
        }
        let confidential: usize = parts.iter().map(|(s, _)| s.confidential).sum();
        if confidential > 0 {
            let noun = if confidential == 1 {
                "request"
            } else {
                "requests"
            };
            let _ = writeln!(w, "- +{confidential} confidential {noun} (not named here)");
        }
        w.push('\n');
    }
    true
}

fn boards(w: &mut String, r: &Rollup) {
    let mut lines = Vec::new();
    for p in &r.programs {
        let label = query_value(p.program.label.as_str());
        let links: Vec<String> = p
            .projects
            .iter()
            .filter_map(|base| {
                untrusted::link_url(&format!("{base}/-/boards?label_name%5B%5D={label}"))
            })
            .enumerate()
            .map(|(i, url)| match i {
                0 => format!("[board]({url})"),
                n => format!("[board {}]({url})", n + 1),
            })
            .collect();
        if !links.is_empty() {
            lines.push(format!(
                "- {}: {}",
                cell(&p.program.title),
                links.join(" · ")
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(w, "### Boards\n\n{}\n", lines.join("\n"));
}
