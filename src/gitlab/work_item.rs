//! The work-item values of the GitLab port (GITLAB.md §6.1): an item read through GraphQL and a
//! note written through GraphQL. Plain data.

use steward_core::model::Issue;

/// A note created or edited through GraphQL: only its global id comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItemNote {
    /// Global id, e.g. `gid://gitlab/Note/123` (pass it to `work_item_update_note`).
    pub gid: String,
    /// The body GitLab stored.
    pub body: String,
}

/// A work item read through GraphQL (GITLAB.md §6.1): how Steward reads the items the Issues
/// REST API does not show (custom types such as "Speaker request").
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    /// Global id, `gid://gitlab/WorkItem/<id>` (notes and edits take it).
    pub gid: String,
    /// The item as rules see it; `work_item_type` holds the type's current name.
    pub issue: Issue,
}
