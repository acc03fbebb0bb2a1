//! Work item types "in the UI" (GITLAB.md §6.1): a top-level group's owner creates and renames
//! types, and people file items of a chosen type (a Service Desk email becomes a Ticket).

use super::super::ops::{self, Creation};
use super::super::work_items::{TypeKey, root_of};
use super::super::{SimError, webhooks};
use super::{SimHandle, op_err};
use crate::types::NewIssue;
use steward_core::model::{IssueIid, ProjectId, UserId};

impl SimHandle {
    /// Creates a custom work item type in the top-level group `root_group` (its path).
    pub fn create_work_item_type(&self, root_group: &str, name: &str) -> Result<(), SimError> {
        let mut st = self.state();
        let root = root_group.to_lowercase();
        st.work_items
            .create(&root, name)
            .map(|_| ())
            .map_err(SimError::Invalid)
    }

    /// Renames a work item type (system-defined, e.g. `Issue`, or custom) of `root_group`.
    pub fn rename_work_item_type(
        &self,
        root_group: &str,
        from: &str,
        to: &str,
    ) -> Result<(), SimError> {
        let mut st = self.state();
        let root = root_group.to_lowercase();
        st.work_items
            .rename(&root, from, to)
            .map_err(SimError::Invalid)
    }

    /// Files an item of the type named `type_name` as `as_user`; returns its iid. Emits the
    /// Issue Hook `open` with the `object_kind` of that type.
    pub fn create_work_item(
        &self,
        project: ProjectId,
        as_user: UserId,
        type_name: &str,
        new: NewIssue,
    ) -> Result<IssueIid, SimError> {
        let now = self.now();
        let (iid, events) = {
            let mut st = self.state();
            let p = st
                .project(project)
                .ok_or_else(|| SimError::NotFound(format!("project {project}")))?;
            let root = root_of(&p.path);
            let key: TypeKey = st
                .work_items
                .find(&root, type_name)
                .ok_or_else(|| SimError::NotFound(format!("work item type `{type_name}`")))?;
            let c = Creation::from_new(&st, new);
            // The type is known before the item is saved, so the `open` hook carries it.
            let id = st.ids.next_issue();
            st.work_items.set(id, key);
            let single = self.shared.config.single_assignee;
            match ops::create_issue(&mut st, project, as_user, c, now, single) {
                Ok(done) => done,
                Err(e) => {
                    st.work_items.unset(id);
                    return Err(op_err(e, format!("project {project}")));
                }
            }
        };
        webhooks::enqueue(&self.shared, events, None);
        Ok(IssueIid(iid))
    }

    /// The current name of the item's work item type.
    pub fn work_item_type(&self, project: ProjectId, iid: IssueIid) -> Option<String> {
        self.state().item_type(project, iid.0).map(|t| t.name)
    }
}
