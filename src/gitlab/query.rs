//! The shapes of what Steward asks of GitLab's issue endpoints: list filters and order
//! (`GET /projects/:id/issues`) and one edit (`PUT /projects/:id/issues/:iid`). Data only.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use steward_core::model::{IssueState, LabelName, UserId};

/// GitLab's `due_date` list filter (GITLAB.md §3.3). "Today" is evaluated by GitLab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueDateFilter {
    /// No due date (`0`).
    None,
    /// Any due date.
    Any,
    /// Due today.
    Today,
    /// Due tomorrow.
    Tomorrow,
    /// Past its due date (combine with `state: Opened`, or closed issues are included).
    Overdue,
    /// Due this week.
    Week,
    /// Due this month.
    Month,
}

/// Sort key for issue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOrderBy {
    /// Creation time (GitLab's default).
    CreatedAt,
    /// Last update (what the sweep uses with `updated_after`).
    UpdatedAt,
    /// Due date.
    DueDate,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    /// Oldest / smallest first.
    Asc,
    /// Newest / largest first (GitLab's default).
    Desc,
}

/// Filters for listing a project's issues (`GET /projects/:id/issues`, GITLAB.md §3.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueQuery {
    /// `opened` or `closed`; `None` lists both.
    pub state: Option<IssueState>,
    /// Issues must carry all of these labels.
    pub labels: Vec<LabelName>,
    /// Only issues updated after this instant (the sweep's safety net).
    pub updated_after: Option<DateTime<Utc>>,
    /// Due-date filter.
    pub due_date: Option<DueDateFilter>,
    /// Sort key.
    pub order_by: Option<IssueOrderBy>,
    /// Sort direction.
    pub sort: Option<SortDirection>,
    /// Only issues updated at or before this instant (`updated_before`): the sweep's window
    /// when offset paging reaches GitLab's maximum offset (GITLAB.md §6.3).
    pub updated_before: Option<DateTime<Utc>>,
}

/// A due-date change in an issue edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueDateEdit {
    /// Set the due date.
    Set(NaiveDate),
    /// Remove the due date.
    Clear,
}

/// One issue edit: everything the reconciler changes, sent as a single `PUT` (GITLAB.md §3.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueEdit {
    /// Labels to add. They must exist in the project: GitLab silently creates missing ones.
    pub add_labels: BTreeSet<LabelName>,
    /// Labels to remove.
    pub remove_labels: BTreeSet<LabelName>,
    /// The complete new assignee list (replaces the current one); `Some(vec![])` unassigns
    /// everyone; `None` leaves assignees alone.
    pub assignee_ids: Option<Vec<UserId>>,
    /// Due-date change, or `None` to leave it alone.
    pub due_date: Option<DueDateEdit>,
    /// Close or reopen (`state_event`), or `None` to leave the state alone.
    pub state_event: Option<steward_core::model::StateChange>,
}

impl IssueEdit {
    /// True when the edit would change nothing (then no request must be sent).
    pub fn is_empty(&self) -> bool {
        self.add_labels.is_empty()
            && self.remove_labels.is_empty()
            && self.assignee_ids.is_none()
            && self.due_date.is_none()
            && self.state_event.is_none()
    }
}
