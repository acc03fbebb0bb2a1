//! Filing an issue: the form's fields, then the description's quick actions, then the `open`
//! webhook event.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::{
    Edit, Event, Fields, OpError, apply, can_set_metadata, create_missing_labels, issue_event,
    quick_edit,
};
use crate::quick;
use crate::render;
use crate::state::{Issue, Project, State};
use steward_core::model::{IssueState, ProjectId, UserId};

/// The issue fields of a UI/API creation, with resolved assignees.
pub(crate) struct Creation {
    pub title: String,
    pub description: String,
    pub labels: Vec<String>,
    pub assignees: Vec<UserId>,
    pub due_date: Option<NaiveDate>,
    pub confidential: bool,
    pub created_at: Option<DateTime<Utc>>,
}

impl Creation {
    /// An issue filed in the UI (`NewIssue`), its assignees' usernames resolved; an unknown
    /// username is dropped.
    pub(crate) fn from_new(st: &State, new: crate::types::NewIssue) -> Self {
        let assignees = new
            .assignees
            .iter()
            .filter_map(|u| st.user_by_name(u).map(|u| u.id))
            .collect();
        Self {
            title: new.title,
            description: new.description,
            labels: new.labels,
            assignees,
            due_date: new.due_date,
            confidential: new.confidential,
            created_at: new.created_at,
        }
    }
}

/// Files an issue; quick actions in the description run before saving (GITLAB.md §4.4).
pub(crate) fn create_issue(
    st: &mut State,
    project: ProjectId,
    actor: UserId,
    c: Creation,
    now: DateTime<Utc>,
    single_assignee: bool,
) -> Result<(u64, Vec<Event>), OpError> {
    if c.title.trim().is_empty() {
        return Err(OpError::BadRequest("title is missing".into()));
    }
    let allowed = can_set_metadata(st, actor);
    let (description, qa) = quick::extract(&c.description, allowed);
    let mut f = Fields {
        title: c.title,
        description,
        labels: Vec::new(),
        assignees: Vec::new(),
        due: None,
        state: IssueState::Opened,
        confidential: c.confidential,
    };
    let form = Edit {
        labels: Some(c.labels.clone()),
        assignee_ids: Some(c.assignees),
        due_date: Some(c.due_date),
        ..Edit::default()
    };
    create_missing_labels(st, project, &c.labels, now);
    apply(&mut f, &form, single_assignee);
    let q = quick_edit(st, project, &f.assignees, actor, &qa);
    apply(&mut f, &q, single_assignee);
    let id = st.ids.issue();
    let created = c.created_at.unwrap_or(now);
    let p = st.project_mut(project).ok_or(OpError::NotFound)?;
    let iid = p.next_iid;
    p.next_iid += 1;
    p.issues.insert(
        iid,
        Issue {
            id,
            iid,
            title: f.title,
            description: f.description,
            state: IssueState::Opened,
            labels: f.labels,
            assignees: f.assignees,
            author: actor,
            due_date: f.due,
            confidential: f.confidential,
            created_at: created,
            updated_at: created,
            updated_by: None,
            last_edited_at: None,
            last_edited_by: None,
            closed_at: None,
            closed_by: None,
            notes: Vec::new(),
        },
    );
    let events = issue_event(st, project, iid, actor, "open", opening_changes);
    Ok((iid, events))
}

/// The `changes` of an `open` Issue Hook: every field from nothing to its value.
fn opening_changes(p: &Project, i: &Issue) -> Value {
    let mut ch = Map::new();
    for (k, v) in [
        ("author_id", json!(i.author.0)),
        ("created_at", json!(render::ts_hook(i.created_at))),
        ("description", json!(i.description)),
        ("id", json!(i.id)),
        ("iid", json!(i.iid)),
        ("project_id", json!(p.id.0)),
        ("title", json!(i.title)),
        ("updated_at", json!(render::ts_hook(i.updated_at))),
    ] {
        ch.insert(k.into(), json!({ "previous": null, "current": v }));
    }
    if !i.labels.is_empty() {
        ch.insert(
            "labels".into(),
            json!({ "previous": [], "current": render::labels_hook(p, &i.labels) }),
        );
    }
    if let Some(d) = i.due_date {
        ch.insert(
            "due_date".into(),
            json!({ "previous": null, "current": d.to_string() }),
        );
    }
    Value::Object(ch)
}
