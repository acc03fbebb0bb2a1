//! The work-item values of the GitLab port (GITLAB.md §6.1): an item read through GraphQL and a
//! note written through GraphQL. Plain data.

use steward_core::model::{Issue, NoteId};

/// A note created or edited through GraphQL: only its global id comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItemNote {
    /// Global id, e.g. `gid://gitlab/Note/123` (pass it to `work_item_update_note`).
    pub gid: String,
    /// The body GitLab stored.
    pub body: String,
}

impl WorkItemNote {
    /// The note's id: the number of its global id (REST note ids are the same numbers).
    pub fn note_id(&self) -> Result<NoteId, super::GitLabError> {
        let id = super::graphql::work_items::gid_number(&self.gid).map(NoteId);
        id.ok_or_else(|| super::GitLabError::GraphQl {
            operation: "createNote",
            message: format!("note id {:?} is not a global id", self.gid),
        })
    }
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
