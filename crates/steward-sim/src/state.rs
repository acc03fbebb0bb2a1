//! The simulator's in-memory GitLab data (users, tokens, projects, labels, issues, notes, groups,
//! epics) and lookups over it. It holds data and finds things; it does not apply edits (that is
//! `ops`) and knows nothing of HTTP.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use steward_core::model::{GroupId, IssueState, ProjectId, UserId};

/// GitLab's colour for labels created implicitly by `add_labels` (`Label::DEFAULT_COLOR`).
pub(crate) const DEFAULT_LABEL_COLOR: &str = "#6699cc";

pub(crate) struct User {
    pub id: UserId,
    pub username: String,
    pub name: String,
    /// Whether quick actions of this user run (a Guest's do not, GITLAB.md §4.4).
    pub can_set_metadata: bool,
    /// A project/group access token's bot user (`GET /user` says `"bot": true`).
    pub bot: bool,
}

pub(crate) struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub(crate) struct Note {
    pub id: u64,
    pub body: String,
    pub author: UserId,
    pub system: bool,
    pub internal: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) struct Issue {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: String,
    pub state: IssueState,
    /// Label titles in GitLab's order (alphabetical).
    pub labels: Vec<String>,
    pub assignees: Vec<UserId>,
    pub author: UserId,
    pub due_date: Option<NaiveDate>,
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<UserId>,
    pub last_edited_at: Option<DateTime<Utc>>,
    pub last_edited_by: Option<UserId>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<UserId>,
    pub notes: Vec<Note>,
}

pub(crate) struct Project {
    pub id: ProjectId,
    pub path: String,
    pub name: String,
    pub labels: Vec<Label>,
    pub issues: BTreeMap<u64, Issue>,
    pub next_iid: u64,
}

pub(crate) struct Epic {
    pub id: u64,
    pub iid: u64,
    pub work_item_id: u64,
    pub title: String,
    pub author: UserId,
    pub created_at: DateTime<Utc>,
    pub notes: Vec<Note>,
}

pub(crate) struct Group {
    pub id: GroupId,
    pub path: String,
    pub epics: Vec<Epic>,
}

/// Id sequences. Each kind starts in its own range so an `id` never equals an `iid` by accident
/// and tests catch the classic id/iid confusion (GITLAB.md §3).
pub(crate) struct Ids {
    user: u64,
    project: u64,
    group: u64,
    label: u64,
    issue: u64,
    note: u64,
    epic: u64,
}

impl Default for Ids {
    fn default() -> Self {
        Self {
            user: 0,
            project: 10,
            group: 100,
            label: 200,
            issue: 5000,
            note: 90_000,
            epic: 700,
        }
    }
}

fn bump(n: &mut u64) -> u64 {
    *n += 1;
    *n
}

impl Ids {
    pub fn user(&mut self) -> u64 {
        bump(&mut self.user)
    }
    pub fn project(&mut self) -> u64 {
        bump(&mut self.project)
    }
    pub fn group(&mut self) -> u64 {
        bump(&mut self.group)
    }
    pub fn label(&mut self) -> u64 {
        bump(&mut self.label)
    }
    pub fn issue(&mut self) -> u64 {
        bump(&mut self.issue)
    }
    pub fn note(&mut self) -> u64 {
        bump(&mut self.note)
    }
    pub fn epic(&mut self) -> u64 {
        bump(&mut self.epic)
    }
    /// The id the next issue will get (to record its work item type before it is filed).
    pub fn next_issue(&self) -> u64 {
        self.issue + 1
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub users: Vec<User>,
    pub tokens: HashMap<String, UserId>,
    pub projects: Vec<Project>,
    pub groups: Vec<Group>,
    pub ids: Ids,
    /// Base of `web_url`s (`http://127.0.0.1:PORT`).
    pub web_base: String,
    /// Issue links, each seen from both issues (`POST …/issues/:iid/links`).
    pub links: Vec<IssueLink>,
    /// Work item types per top-level group and the type of each issue (GITLAB.md §6.1).
    pub work_items: crate::work_items::WorkItemTypes,
}

/// One issue link: GitLab stores it once, with a source and a target, and shows it from both.
pub(crate) struct IssueLink {
    pub id: u64,
    pub source: (ProjectId, u64),
    pub target: (ProjectId, u64),
    /// `relates_to`, `blocks` or `is_blocked_by`, as seen from the source.
    pub link_type: String,
    pub created_at: DateTime<Utc>,
}

/// Decodes `%XX` escapes (GitLab accepts URL-encoded paths for `:id`).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl State {
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Case-insensitive, like `GET /users?username=` (GITLAB.md §3.5).
    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        let wanted = username.trim_start_matches('@');
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(wanted))
    }

    pub fn user_by_token(&self, token: &str) -> Option<UserId> {
        self.tokens.get(token).copied()
    }

    /// `:id` as GitLab takes it: a number or a (URL-encoded) `namespace/path`.
    pub fn project_ref(&self, raw: &str) -> Option<ProjectId> {
        let decoded = percent_decode(raw);
        if let Ok(n) = decoded.parse::<u64>() {
            return self.projects.iter().find(|p| p.id.0 == n).map(|p| p.id);
        }
        self.projects
            .iter()
            .find(|p| p.path.eq_ignore_ascii_case(&decoded))
            .map(|p| p.id)
    }

    pub fn group_ref(&self, raw: &str) -> Option<GroupId> {
        let decoded = percent_decode(raw);
        if let Ok(n) = decoded.parse::<u64>() {
            return self.groups.iter().find(|g| g.id.0 == n).map(|g| g.id);
        }
        self.groups
            .iter()
            .find(|g| g.path.eq_ignore_ascii_case(&decoded))
            .map(|g| g.id)
    }

    pub fn project(&self, id: ProjectId) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn project_mut(&mut self, id: ProjectId) -> Option<&mut Project> {
        self.projects.iter_mut().find(|p| p.id == id)
    }

    pub fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn group_mut(&mut self, id: GroupId) -> Option<&mut Group> {
        self.groups.iter_mut().find(|g| g.id == id)
    }

    pub fn issue(&self, project: ProjectId, iid: u64) -> Option<&Issue> {
        self.project(project).and_then(|p| p.issues.get(&iid))
    }

    pub fn issue_mut(&mut self, project: ProjectId, iid: u64) -> Option<&mut Issue> {
        self.project_mut(project)
            .and_then(|p| p.issues.get_mut(&iid))
    }

    /// Finds an issue by its global id (GraphQL work item ids of issues equal their issue ids).
    pub fn issue_by_global_id(&self, id: u64) -> Option<(ProjectId, u64)> {
        self.projects.iter().find_map(|p| {
            p.issues
                .values()
                .find(|i| i.id == id)
                .map(|i| (p.id, i.iid))
        })
    }

    /// Finds an epic by its work item id (GraphQL `gid://gitlab/WorkItem/N`).
    pub fn epic_by_work_item(&self, work_item_id: u64) -> Option<(GroupId, u64)> {
        self.groups.iter().find_map(|g| {
            g.epics
                .iter()
                .find(|e| e.work_item_id == work_item_id)
                .map(|e| (g.id, e.id))
        })
    }

    /// Where a note lives: an issue `(project, iid)` or an epic `(group, epic id)`.
    pub fn note_location(&self, note_id: u64) -> Option<NoteLocation> {
        for p in &self.projects {
            for i in p.issues.values() {
                if i.notes.iter().any(|n| n.id == note_id) {
                    return Some(NoteLocation::Issue(p.id, i.iid));
                }
            }
        }
        for g in &self.groups {
            for e in &g.epics {
                if e.notes.iter().any(|n| n.id == note_id) {
                    return Some(NoteLocation::Epic(g.id, e.id));
                }
            }
        }
        None
    }

    /// Adds a project label unless one with that title exists; returns whether it was created.
    pub fn ensure_label(
        &mut self,
        project: ProjectId,
        name: &str,
        color: &str,
        now: DateTime<Utc>,
    ) -> bool {
        let id = self.ids.label();
        let Some(p) = self.project_mut(project) else {
            return false;
        };
        if p.labels.iter().any(|l| l.name == name) {
            return false;
        }
        p.labels.push(Label {
            id,
            name: name.to_owned(),
            color: color.to_owned(),
            description: None,
            created_at: now,
        });
        true
    }

    pub fn label_exists(&self, project: ProjectId, name: &str) -> bool {
        self.project(project)
            .is_some_and(|p| p.labels.iter().any(|l| l.name == name))
    }

    /// The work item type of issue `iid` of `project`, if the issue exists.
    pub fn item_type(&self, project: ProjectId, iid: u64) -> Option<crate::work_items::TypeInfo> {
        let p = self.project(project)?;
        let i = p.issues.get(&iid)?;
        Some(self.work_items.of(&p.path, i.id))
    }

    /// Whether `GET /projects/:id/issues/:iid` and the issue lists show this item.
    pub fn rest_visible(&self, project: ProjectId, iid: u64) -> bool {
        self.item_type(project, iid).is_none_or(|t| t.in_rest())
    }

    pub fn username(&self, id: UserId) -> String {
        self.user(id)
            .map(|u| u.username.clone())
            .unwrap_or_default()
    }
}

/// Where a note is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoteLocation {
    Issue(ProjectId, u64),
    Epic(GroupId, u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_project_paths_decode_to_their_namespace_path() {
        assert_eq!(
            percent_decode("customer-advocacy%2Frequests"),
            "customer-advocacy/requests"
        );
        assert_eq!(percent_decode("a%2fb"), "a/b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
