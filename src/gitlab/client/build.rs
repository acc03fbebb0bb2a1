//! The request builders of the issue list and the issue edit: `model` queries and edits turned
//! into the `gitlab` crate's endpoints. No sending, no decisions.

use gitlab_api::api::common::SortOrder;
use gitlab_api::api::projects::issues::{
    EditIssue, IssueDueDateFilter, IssueOrderBy as GlIssueOrderBy, IssueState as GlIssueState,
    IssueStateEvent, Issues,
};

use super::super::error::GitLabError;
use super::super::{
    DueDateEdit, DueDateFilter, IssueEdit, IssueOrderBy, IssueQuery, SortDirection,
};
use super::paging::invalid;
use steward_core::model::{IssueIid, IssueState, ProjectId, StateChange};

/// `GET /projects/:id/issues` with the query's filters and order (GITLAB.md §3.3).
pub(super) fn issue_list_endpoint(
    project: ProjectId,
    query: &IssueQuery,
) -> Result<Issues<'_>, GitLabError> {
    let mut builder = Issues::builder();
    builder.project(project.0);
    if let Some(state) = query.state {
        builder.state(match state {
            IssueState::Opened => GlIssueState::Opened,
            IssueState::Closed => GlIssueState::Closed,
        });
    }
    if !query.labels.is_empty() {
        builder.labels(query.labels.iter().map(|l| l.as_str()));
    }
    if let Some(after) = query.updated_after {
        builder.updated_after(after);
    }
    if let Some(before) = query.updated_before {
        builder.updated_before(before);
    }
    if let Some(due) = query.due_date {
        builder.due_date(match due {
            DueDateFilter::None => IssueDueDateFilter::None,
            DueDateFilter::Any => IssueDueDateFilter::Any,
            DueDateFilter::Today => IssueDueDateFilter::Today,
            DueDateFilter::Tomorrow => IssueDueDateFilter::Tomorrow,
            DueDateFilter::Overdue => IssueDueDateFilter::Overdue,
            DueDateFilter::Week => IssueDueDateFilter::ThisWeek,
            DueDateFilter::Month => IssueDueDateFilter::ThisMonth,
        });
    }
    if let Some(order) = query.order_by {
        builder.order_by(match order {
            IssueOrderBy::CreatedAt => GlIssueOrderBy::CreatedAt,
            IssueOrderBy::UpdatedAt => GlIssueOrderBy::UpdatedAt,
            IssueOrderBy::DueDate => GlIssueOrderBy::DueDate,
        });
    }
    if let Some(sort) = query.sort {
        builder.sort(match sort {
            SortDirection::Asc => SortOrder::Ascending,
            SortDirection::Desc => SortOrder::Descending,
        });
    }
    builder.build().map_err(|e| invalid("issue list", e))
}

/// `PUT /projects/:id/issues/:iid` for the edit, and the raw `due_date=` to send when the edit
/// clears the due date (the crate's `due_date` takes a date only).
pub(super) fn issue_edit_endpoint(
    project: ProjectId,
    iid: IssueIid,
    edit: &IssueEdit,
) -> Result<(EditIssue<'_>, Option<&'static str>), GitLabError> {
    let mut builder = EditIssue::builder();
    builder.project(project.0).issue(iid.0);
    for label in &edit.add_labels {
        builder.add_label(label.as_str());
    }
    for label in &edit.remove_labels {
        builder.remove_label(label.as_str());
    }
    match &edit.assignee_ids {
        Some(ids) if ids.is_empty() => {
            builder.unassign();
        }
        Some(ids) => {
            builder.assignee_ids(ids.iter().map(|id| id.0));
        }
        None => {}
    }
    if let Some(DueDateEdit::Set(date)) = edit.due_date {
        builder.due_date(date);
    }
    // `state_event=close|reopen` (GITLAB.md §3.1).
    match edit.state_event {
        Some(StateChange::Close) => {
            builder.state_event(IssueStateEvent::Close);
        }
        Some(StateChange::Reopen) => {
            builder.state_event(IssueStateEvent::Reopen);
        }
        None => {}
    }
    // The crate's `due_date` takes a date only; GitLab clears it on an empty value.
    let clear_due = matches!(edit.due_date, Some(DueDateEdit::Clear)).then_some("due_date=");
    let endpoint = builder.build().map_err(|e| invalid("issue edit", e))?;
    Ok((endpoint, clear_due))
}
