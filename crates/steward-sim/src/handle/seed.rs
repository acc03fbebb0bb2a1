//! Seeding the simulator: users, tokens, projects, labels, groups, epics and webhooks.

use super::SimHandle;
use crate::state::{Epic, Group, Project, User};
use crate::types::{HookConfig, HookId, HookStatus};
use crate::{SimError, lock};
use steward_core::model::{GroupId, ProjectId, UserId};

impl SimHandle {
    /// Adds a user (quick actions allowed by default).
    pub fn add_user(&self, username: &str, name: &str) -> UserId {
        let mut st = self.state();
        let id = UserId(st.ids.user());
        st.users.push(User {
            id,
            username: username.to_owned(),
            name: name.to_owned(),
            can_set_metadata: true,
            bot: false,
        });
        id
    }

    /// Whether the user's quick actions run (a Guest's do not, GITLAB.md §4.4).
    pub fn set_can_set_metadata(&self, user: UserId, allowed: bool) {
        if let Some(u) = self.state().users.iter_mut().find(|u| u.id == user) {
            u.can_set_metadata = allowed;
        }
    }

    /// Marks a user as a bot user (like the one behind a project access token).
    pub fn set_bot(&self, user: UserId, bot: bool) {
        if let Some(u) = self.state().users.iter_mut().find(|u| u.id == user) {
            u.bot = bot;
        }
    }

    /// Registers an API token acting as `user`.
    pub fn add_token(&self, token: &str, user: UserId) {
        self.state().tokens.insert(token.to_owned(), user);
    }

    /// Adds a project; its name is the last path segment.
    pub fn add_project(&self, path_with_namespace: &str) -> ProjectId {
        let mut st = self.state();
        let id = ProjectId(st.ids.project());
        let name = path_with_namespace
            .rsplit('/')
            .next()
            .unwrap_or(path_with_namespace)
            .to_owned();
        st.projects.push(Project {
            id,
            path: path_with_namespace.to_owned(),
            name,
            labels: Vec::new(),
            issues: Default::default(),
            next_iid: 1,
        });
        id
    }

    /// Adds a project label (no-op when it exists).
    pub fn add_label(&self, project: ProjectId, name: &str, color: &str) {
        let now = self.now();
        self.state().ensure_label(project, name, color, now);
    }

    /// The project's label titles, in creation order.
    pub fn project_label_names(&self, project: ProjectId) -> Vec<String> {
        self.state()
            .project(project)
            .map(|p| p.labels.iter().map(|l| l.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Adds a group.
    pub fn add_group(&self, path: &str) -> GroupId {
        let mut st = self.state();
        let id = GroupId(st.ids.group());
        st.groups.push(Group {
            id,
            path: path.to_owned(),
            epics: Vec::new(),
        });
        id
    }

    /// Adds an epic with the given iid; returns `(epic id, work item id)`, both different from
    /// the iid like on GitLab (GITLAB.md §3.4).
    pub fn add_epic(&self, group: GroupId, iid: u64, title: &str) -> Result<(u64, u64), SimError> {
        let now = self.now();
        let mut st = self.state();
        let id = st.ids.epic();
        // Work items live in the issues table on GitLab: one id space for issues and epics' items.
        let work_item_id = st.ids.issue();
        let author = st.users.first().map(|u| u.id).unwrap_or(UserId(0));
        let g = st
            .group_mut(group)
            .ok_or_else(|| SimError::NotFound(format!("group {group}")))?;
        g.epics.push(Epic {
            id,
            iid,
            work_item_id,
            title: title.to_owned(),
            author,
            created_at: now,
            notes: Vec::new(),
        });
        Ok((id, work_item_id))
    }

    /// Adds a webhook to a project.
    pub fn add_hook(&self, project: ProjectId, cfg: HookConfig) -> HookId {
        lock(&self.shared.hooks).add(project, cfg)
    }

    /// Whether a hook fires now (simulator clock).
    pub fn hook_status(&self, hook: HookId) -> Option<HookStatus> {
        lock(&self.shared.hooks).status(hook, self.now())
    }
}
