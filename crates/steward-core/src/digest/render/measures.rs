//! Rendering of the digest's measures: progress toward the targets and the contest leaderboard.
//! Pure text; the numbers come from `digest::measure`.

use std::fmt::Write as _;

use super::super::select::Digest;
use super::super::targets::Verdict;
use crate::untrusted;

/// Account owners listed on the contest leaderboard before the rest are counted.
pub const MAX_BOARD_ROWS: usize = 50;

fn entries(n: u32) -> String {
    format!("{n} accepted {}", if n == 1 { "entry" } else { "entries" })
}

pub(super) fn progress(w: &mut String, d: &Digest) {
    if d.unmeasured {
        let _ = writeln!(
            w,
            "### Targets\n\nNot measured: the `{}` program declares no success outcome \
             (`rules/outcomes.yaml`), so no closed request can count.\n",
            d.program.key
        );
        return;
    }
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
        "\n<sub>Only requests closed with a success outcome count. On pace means at least as \
         many done as a straight line from zero to the target would have by this digest's date, \
         rounded down; at risk means fewer.</sub>\n"
    );
}

pub(super) fn leaderboard(w: &mut String, d: &Digest) {
    let Some(board) = &d.leaderboard else {
        return;
    };
    let Some(contest) = &board.contest else {
        let _ = writeln!(
            w,
            "### Contest leaderboard\n\nNo reference contest has started. The leaderboard \
             counts the entries filed and accepted between a contest's own start and end dates \
             (`digest.contests` in the settings).\n"
        );
        return;
    };
    let _ = writeln!(
        w,
        "### Contest leaderboard, {} ({} – {}{})\n",
        untrusted::one_line(&contest.name, 100),
        contest.first_day,
        contest.last_day,
        if board.ended { ", final" } else { "" }
    );
    if d.unmeasured {
        let _ = writeln!(
            w,
            "Not measured: the `contest` program declares no success outcome \
             (`rules/outcomes.yaml`).\n"
        );
        return;
    }
    if board.rows.is_empty() {
        let _ = writeln!(w, "No accepted entries yet in this contest.\n");
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
