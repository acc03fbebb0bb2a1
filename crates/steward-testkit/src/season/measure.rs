//! Steward's output in the simulator, compared with the generator's truth.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, Utc};
use steward_core::calendar::Calendar;
use steward_core::model::IssueState;
use steward_core::reconcile::marker_key;
use steward_core::rules::Engine;
use steward_sim::{SimIssue, SimNote};

use super::local_date;
use super::markdown::{mentions, summary_counts};
use super::plan::{ActionKind, Season};
use super::report::SeasonReport;
use super::truth::{Planned, Program, digest_truth, is_out};

/// Collects observations while the season runs, then measures the final state.
#[derive(Debug)]
pub struct Observer<'a> {
    season: &'a Season,
    calendar: Calendar,
    /// Everyone a rule can name: the roster's role members.
    named: BTreeSet<String>,
    flagged_wrong: BTreeSet<usize>,
    unflagged_wrong: BTreeSet<usize>,
    due_bad: BTreeSet<(usize, NaiveDate)>,
    needs_info_wrong: BTreeSet<usize>,
    examples: Vec<String>,
}

/// At most this many examples per kind of problem.
const EXAMPLES: usize = 4;

fn note_example(examples: &mut Vec<String>, kind: &str, text: String) {
    if examples.iter().filter(|e| e.starts_with(kind)).count() < EXAMPLES {
        examples.push(format!("{kind}: {text}"));
    }
}

impl<'a> Observer<'a> {
    /// An observer of `season` under `engine`'s roster and calendar.
    pub fn new(season: &'a Season, engine: &Engine) -> Self {
        let roster = engine.roster();
        let named = roster
            .role_names()
            .filter_map(|r| roster.role(r))
            .flatten()
            .map(|u| u.as_str().to_owned())
            .collect();
        Self {
            season,
            calendar: engine.calendar().clone(),
            named,
            flagged_wrong: BTreeSet::new(),
            unflagged_wrong: BTreeSet::new(),
            due_bad: BTreeSet::new(),
            needs_info_wrong: BTreeSet::new(),
            examples: Vec::new(),
        }
    }

    /// The team's calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Looks at request `index` as GitLab has it at `at` (the queue drained): its late flag
    /// against the handbook, its due date against the calendar.
    pub fn look(&mut self, index: usize, issue: &SimIssue, at: DateTime<Utc>) {
        let Some(planned) = self.season.requests.get(index) else {
            return;
        };
        if issue.state != IssueState::Opened {
            return;
        }
        let flagged = issue
            .labels
            .iter()
            .any(|l| l.as_str() == "lead-time::violated");
        let truth = planned.late_at(at, &self.calendar);
        let when = at.format("%Y-%m-%d %H:%M");
        match (flagged, truth) {
            (true, Some(false) | None) if self.flagged_wrong.insert(index) => {
                note_example(
                    &mut self.examples,
                    "flagged late",
                    format!(
                        "#{} ({}) at {when}, truth {truth:?}",
                        issue.iid, planned.title
                    ),
                );
            }
            (false, Some(true)) if self.unflagged_wrong.insert(index) => {
                note_example(
                    &mut self.examples,
                    "not flagged late",
                    format!("#{} ({}) at {when}", issue.iid, planned.title),
                );
            }
            _ => {}
        }
        let needs_info = issue
            .labels
            .iter()
            .any(|l| l.as_str() == "advocacy::needs-info");
        if needs_info != planned.waits_on_requester_at(at) && self.needs_info_wrong.insert(index) {
            note_example(
                &mut self.examples,
                "needs-info",
                format!(
                    "#{} ({}) at {when}: labelled {needs_info}",
                    issue.iid, planned.title
                ),
            );
        }
        if let Some(due) = issue.due_date
            && !self.calendar.is_business_day(due)
            && self.due_bad.insert((index, due))
        {
            note_example(
                &mut self.examples,
                "due on a non-business day",
                format!("#{} due {due} ({})", issue.iid, due.weekday()),
            );
        }
    }

    /// The report: `issues` holds each request's final issue and notes (by index), `digests`
    /// each program's digest notes; `bot` is Steward's username.
    pub fn finish(
        mut self,
        issues: &BTreeMap<usize, (SimIssue, Vec<SimNote>)>,
        digests: &BTreeMap<Program, Vec<SimNote>>,
        bot: &str,
    ) -> SeasonReport {
        let season = self.season;
        let mut r = SeasonReport {
            days: season.config.days().count() as u64,
            from: season.config.start.to_string(),
            to: (season.config.end() - chrono::Duration::days(1)).to_string(),
            requests: season.requests.len() as u64,
            ..SeasonReport::default()
        };
        let programs: BTreeSet<Program> = season.requests.iter().map(|q| q.program).collect();
        r.programs = programs.len() as u64;
        r.edits = season
            .actions
            .iter()
            .filter(|a| matches!(a.kind, ActionKind::Edit(_)))
            .count() as u64;
        r.closed = season
            .requests
            .iter()
            .filter(|q| q.closed.is_some())
            .count() as u64;
        r.late_when_filed = season
            .requests
            .iter()
            .filter(|q| q.late_at(q.filed_at, &self.calendar) == Some(true))
            .count() as u64;
        r.waited_on_requester = season
            .requests
            .iter()
            .filter(|q| q.versions.iter().any(|v| v.waits_on_requester))
            .count() as u64;
        let mut per_request = Vec::new();
        let mut busiest = (0, String::new());
        for (index, (issue, notes)) in issues {
            let Some(planned) = season.requests.get(*index) else {
                continue;
            };
            // What the requester reads: the team's internal notes (the customer ledger's, for
            // Reporters and up only) are not comments to them.
            let mine: Vec<&SimNote> = notes
                .iter()
                .filter(|n| !n.system && !n.internal && n.author.as_str() == bot)
                .collect();
            per_request.push(mine.len() as u64);
            if mine.len() as u64 > busiest.0 {
                let keys: Vec<&str> = mine.iter().filter_map(|n| marker_key(&n.body)).collect();
                busiest = (
                    mine.len() as u64,
                    format!("#{} ({}): {keys:?}", issue.iid, planned.title),
                );
            }
            self.notes(&mut r, planned, issue, &mine);
        }
        per_request.sort_unstable();
        r.comments = per_request.iter().sum();
        r.comments_max = per_request.last().copied().unwrap_or_default();
        r.comments_median = median(&per_request);
        r.wrongly_flagged_late = self.flagged_wrong.len() as u64;
        r.wrongly_not_flagged = self.unflagged_wrong.len() as u64;
        r.due_on_non_business_days = self.due_bad.len() as u64;
        r.needs_info_wrong = self.needs_info_wrong.len() as u64;
        self.digests(&mut r, digests, bot);
        if busiest.0 > 0 {
            self.examples.push(format!("most comments: {}", busiest.1));
        }
        r.examples = self.examples;
        r
    }

    fn notes(
        &mut self,
        r: &mut SeasonReport,
        planned: &Planned,
        issue: &SimIssue,
        mine: &[&SimNote],
    ) {
        let assignees: BTreeSet<&str> = issue.assignees.iter().map(|u| u.as_str()).collect();
        let iid = issue.iid;
        for n in mine {
            let key = marker_key(&n.body).unwrap_or("");
            let mentions = mentions(&n.body);
            let nag = key.starts_with("reminder-") || key.starts_with("escalation-");
            if nag && planned.waits_on_requester_at(n.created_at) {
                r.nagged_while_waiting += 1;
                note_example(
                    &mut self.examples,
                    "nagged while waiting",
                    format!("#{iid} `{key}` on {}", local_date(n.created_at)),
                );
            }
            // An escalation is for someone above or beside the assignee: one that reaches
            // nobody but the assignee escalates to the assignee themselves.
            let only_assignees =
                !mentions.is_empty() && mentions.iter().all(|m| assignees.contains(m.as_str()));
            if key.starts_with("escalation-") && only_assignees {
                r.escalated_to_assignee += 1;
                note_example(
                    &mut self.examples,
                    "escalated to the assignee",
                    format!("#{iid} `{key}` assignees {assignees:?}"),
                );
            }
            if key.starts_with("reminder-") && mentions.iter().any(|m| is_out(m, n.created_at)) {
                r.reminded_absent += 1;
                note_example(
                    &mut self.examples,
                    "reminded someone away",
                    format!(
                        "#{iid} `{key}` on {} to {mentions:?}",
                        local_date(n.created_at)
                    ),
                );
            }
            for m in &mentions {
                if m != planned.requester
                    && !assignees.contains(m.as_str())
                    && !self.named.contains(m)
                {
                    r.unnamed_mentions += 1;
                    note_example(
                        &mut self.examples,
                        "unnamed mention",
                        format!("#{iid} `{key}` mentions @{m}"),
                    );
                }
            }
        }
        if matches!(planned.program, Program::Speaker | Program::Press)
            && planned.on_time_and_complete_when_filed(&self.calendar)
        {
            r.on_time_complete += 1;
            let day = local_date(planned.filed_at);
            let first_day = mine
                .iter()
                .filter(|n| local_date(n.created_at) == day)
                .count();
            if first_day != 1 {
                r.on_time_without_ack += 1;
                note_example(
                    &mut self.examples,
                    "no single acknowledgement",
                    format!("#{iid}: {first_day} comments on its first day"),
                );
            }
        }
    }

    fn digests(
        &mut self,
        r: &mut SeasonReport,
        digests: &BTreeMap<Program, Vec<SimNote>>,
        bot: &str,
    ) {
        let weeks: Vec<IsoWeek> = self
            .season
            .config
            .days()
            .map(|d| d.iso_week())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for program in Program::ALL {
            let posted: BTreeMap<String, &SimNote> = digests
                .get(&program)
                .into_iter()
                .flatten()
                .filter(|n| n.author.as_str() == bot)
                .filter_map(|n| Some((marker_key(&n.body)?.to_owned(), n)))
                .collect();
            for week in &weeks {
                r.digest_cells += 1;
                let key = format!("digest:{}-W{:02}", week.year(), week.week());
                let truth = digest_truth(&self.season.requests, program, *week);
                match posted.get(&key).and_then(|n| summary_counts(&n.body)) {
                    None => {
                        r.digests_missing += 1;
                        note_example(
                            &mut self.examples,
                            "digest missing",
                            format!("{} {key}", program.key()),
                        );
                    }
                    Some(seen) if seen != [truth.open, truth.filed, truth.closed] => {
                        r.digest_mismatches += 1;
                        note_example(
                            &mut self.examples,
                            "digest counts",
                            format!(
                                "{} {key}: posted open/filed/closed {seen:?}, truth {truth:?}",
                                program.key()
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

/// The median of sorted values.
fn median(sorted: &[u64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2] as f64,
        n => (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0,
    }
}

#[cfg(test)]
#[path = "measure_tests.rs"]
mod tests;
