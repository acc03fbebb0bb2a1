//! The demo's last week: the team closes requests with their outcomes, and every program's
//! digest of the week that ended is posted and printed, then the director's roll-up of every
//! program as posted on the team's epic.

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::harness::{Harness, HarnessError};
use steward_core::model::IssueIid;

/// The team closes three requests the week after filing, each with its outcome (docs/rules.md,
/// "Outcomes"): one comment with `/label ~"outcome::…"` and `/close`.
pub(super) async fn close_with_outcomes(
    h: &Harness,
    closing: DateTime<Utc>,
    filed: &[IssueIid],
    out: &mut dyn Write,
) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let nth = |i: usize| {
        filed
            .get(i)
            .copied()
            .ok_or_else(|| HarnessError(format!("request {i} was not filed")))
    };
    h.set_now(closing);
    let closes = [
        (nth(6)?, "outcome::published", "the story is published"),
        (
            nth(11)?,
            "outcome::declined",
            "the below-VP nomination is declined",
        ),
        (
            nth(12)?,
            "outcome::accepted",
            "the contest entry is accepted, its evidence still missing",
        ),
    ];
    let director = h.user("nsmith")?;
    writeln!(
        out,
        "On {}, the team closes three requests with their outcome:",
        closing.format("%Y-%m-%d")
    )
    .map_err(io)?;
    for (iid, label, what) in closes {
        let body = format!("/label ~\"{label}\"\n/close");
        h.sim
            .add_note(h.project(), iid, director, &body)
            .map_err(|e| HarnessError(format!("closing #{iid}: {e}")))?;
        writeln!(out, "    #{iid:<3} {label:<20} {what}").map_err(io)?;
    }
    h.settle().await?;
    writeln!(out).map_err(io)
}

/// The Monday digests report the week that ended: every program's, as posted on its epic, and
/// the roll-up, as posted on the team's epic.
pub(super) async fn print_digests(h: &Harness, out: &mut dyn Write) -> Result<(), HarnessError> {
    let io = |e: std::io::Error| HarnessError(format!("writing the report: {e}"));
    let posted = h.digest(None).await?;
    writeln!(out, "Weekly digests for the week that ended: {posted}\n").map_err(io)?;
    for program in h.state.engine.programs().iter() {
        let key = program.key.as_str();
        let Some(epic) = h.seed.epics.get(key) else {
            continue;
        };
        for note in h.sim.epic_notes(h.seed.group, epic.id) {
            writeln!(out, "The `{key}` digest, as posted on its tracking epic:\n").map_err(io)?;
            for line in note.body.lines() {
                writeln!(out, "    {line}").map_err(io)?;
            }
            writeln!(out).map_err(io)?;
        }
    }
    for note in h.sim.epic_notes(h.seed.group, h.seed.team_epic.id) {
        writeln!(
            out,
            "The director's roll-up of every program, as posted on the team's epic:\n"
        )
        .map_err(io)?;
        for line in note.body.lines() {
            writeln!(out, "    {line}").map_err(io)?;
        }
        writeln!(out).map_err(io)?;
    }
    Ok(())
}
