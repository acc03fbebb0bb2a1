//! What one engine would do to one issue at one moment, in the terms a backtest compares
//! (labels, assignees, due date, comments, lead-time flags), and the issue as it was filed.

use std::collections::BTreeSet;

use serde::Serialize;

use steward_core::model::{Issue, IssueState, LabelName, StateChange, Username};
use steward_core::reconcile::{Actions, NoteAction};
use steward_core::rules::{Decision, Engine};

/// When the rules are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// As the issue was filed, at its `created_at`.
    Creation,
    /// As the issue is now, at the backtest's "now".
    Now,
}

impl Moment {
    /// The word used in reports.
    pub fn word(self) -> &'static str {
        match self {
            Moment::Creation => "creation",
            Moment::Now => "now",
        }
    }
}

/// What differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// Labels Steward would add (`+name`) or remove (`-name`).
    Labels,
    /// The assignee list Steward would set (`@name`, in order).
    Assignees,
    /// The due date Steward would set (`YYYY-MM-DD`).
    DueDate,
    /// The owned comments Steward would post (`key`) or edit (`key (edit)`).
    Comments,
    /// Whether Steward would close or reopen the issue (`close`, `reopen`).
    State,
    /// The lead-time rules whose check failed (the request was flagged late).
    LeadTime,
}

impl Aspect {
    /// Every aspect, in report order.
    pub const ALL: [Aspect; 6] = [
        Aspect::Labels,
        Aspect::Assignees,
        Aspect::DueDate,
        Aspect::Comments,
        Aspect::State,
        Aspect::LeadTime,
    ];

    /// Whether the aspect is a set (labels, comments, lead-time flags) rather than one value.
    pub fn is_set(self) -> bool {
        !matches!(self, Aspect::Assignees | Aspect::DueDate | Aspect::State)
    }

    /// The word used in reports (as in the JSON).
    pub fn word(self) -> &'static str {
        match self {
            Aspect::Labels => "labels",
            Aspect::Assignees => "assignees",
            Aspect::DueDate => "due_date",
            Aspect::Comments => "comments",
            Aspect::State => "state",
            Aspect::LeadTime => "lead_time",
        }
    }
}

/// One engine's writes for one issue at one moment, each aspect as a sorted list of words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    values: [Vec<String>; 6],
}

impl Outcome {
    /// What `decision` and `actions` (from `jobs::plan`) would write; `lead_time_rules` are the
    /// engine's rules with a lead-time check.
    pub fn of(decision: &Decision, actions: &Actions, lead_time_rules: &BTreeSet<String>) -> Self {
        let mut labels = Vec::new();
        let mut assignees = Vec::new();
        let mut due = Vec::new();
        let mut state = Vec::new();
        if let Some(edit) = &actions.edit {
            labels.extend(edit.add_labels.iter().map(|l| format!("+{l}")));
            labels.extend(edit.remove_labels.iter().map(|l| format!("-{l}")));
            if edit.assignee_ids.is_some() {
                let names = decision.plan.assignees.iter().flatten();
                assignees.extend(names.map(|u: &Username| format!("@{u}")));
            }
            due.extend(edit.due_date.map(|d| d.to_string()));
            state.extend(edit.state.map(|c| {
                match c {
                    StateChange::Close => "close",
                    StateChange::Reopen => "reopen",
                }
                .to_owned()
            }));
        }
        labels.sort();
        let mut comments: Vec<String> = actions
            .notes
            .iter()
            .map(|n| match n {
                NoteAction::Create { key, .. } => key.clone(),
                NoteAction::Update { key, .. } => format!("{key} (edit)"),
            })
            .collect();
        comments.sort();
        let lead_time = decision
            .matched_rules
            .iter()
            .filter(|r| lead_time_rules.contains(*r))
            .cloned()
            .collect();
        Self {
            values: [labels, assignees, due, comments, state, lead_time],
        }
    }

    /// The words for one aspect.
    pub fn get(&self, aspect: Aspect) -> &[String] {
        &self.values[aspect as usize]
    }
}

/// The names of the engine's rules that check a lead time.
pub fn lead_time_rules(engine: &Engine) -> BTreeSet<String> {
    engine
        .templates()
        .iter()
        .flat_map(|t| engine.rules().lead_time_checks(&t.name))
        .map(|c| c.rule.to_owned())
        .collect()
}

/// The labels a rule may add that no template's intake applies: on an issue now, they may be
/// Steward's doing, so the issue as filed is taken not to carry them.
pub fn steward_labels(engines: &[&Engine]) -> BTreeSet<LabelName> {
    let mut added = BTreeSet::new();
    let mut intake = BTreeSet::new();
    for engine in engines {
        added.extend(engine.rules().labels_added());
        intake.extend(engine.templates().intake_labels());
        if let Some(cover) = engine.roster().cover_label() {
            added.insert(cover.clone());
        }
    }
    added.retain(|l| !intake.contains(l));
    added
}

/// The issue as it was filed, as far as the issue of today tells: its description (GitLab
/// keeps only the current one without one call per issue for its versions), its author, its
/// confidentiality and intake labels; open; none of the labels rules add (`steward_labels`),
/// no assignees, no due date, no Steward notes and no recorded waits.
pub fn as_filed(issue: &Issue, steward_labels: &BTreeSet<LabelName>) -> Issue {
    let mut filed = issue.clone();
    filed.labels.retain(|l| !steward_labels.contains(l));
    filed.assignees.clear();
    filed.due_date = None;
    filed.state = IssueState::Opened;
    filed.updated_at = issue.created_at;
    filed.closed_at = None;
    filed.owned_note_keys.clear();
    filed.managed_due_date = None;
    filed.waiting = Default::default();
    filed
}
