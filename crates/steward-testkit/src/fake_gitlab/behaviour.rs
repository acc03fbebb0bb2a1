//! [`GitLab`] for [`FakeGitLab`]: each call is recorded (and failed when told to), then served
//! from the in-memory world.

use steward::gitlab::{
    BoxFuture, CallContext, Epic, GitLab, GitLabError, InstanceVersion, IssueEdit, IssueQuery,
    Note, Page, PageCursor, WorkItem, WorkItemNote,
};
use steward_core::model::{
    EpicId, EpicIid, GroupId, Issue, IssueIid, LabelName, NoteId, ProjectId, UserRef, Username,
};

use steward::gitlab::error::CallSite;
use steward_core::rules::labels::LabelSpec;

use super::{Call, FakeGitLab, apply_edit, epic_call, issue_path, listed, not_found};

impl GitLab for FakeGitLab {
    fn current_user<'a>(
        &'a self,
        _: &'a CallContext,
    ) -> BoxFuture<'a, Result<UserRef, GitLabError>> {
        Box::pin(async move {
            self.record(Call::CurrentUser, "GET", || "/api/v4/user".into())?;
            Ok(self.world().bot.clone())
        })
    }

    fn get_issue<'a>(
        &'a self,
        ctx: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>> {
        Box::pin(async move {
            let call = Call::GetIssue {
                project,
                iid,
                event_uuid: ctx.event_uuid.clone(),
            };
            self.record(call, "GET", || issue_path(project, iid))?;
            let found = self.world().issues.get(&(project, iid)).cloned();
            found.ok_or_else(|| not_found("GET", issue_path(project, iid)))
        })
    }

    fn list_issues_page<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        query: &'a IssueQuery,
        cursor: &'a PageCursor,
    ) -> BoxFuture<'a, Result<Page<Issue>, GitLabError>> {
        Box::pin(async move {
            let path = || format!("/api/v4/projects/{project}/issues");
            let call = Call::ListIssuesPage {
                project,
                query: query.clone(),
                cursor: cursor.clone(),
            };
            self.record(call, "GET", path)?;
            let issues: Vec<Issue> = self
                .world()
                .issues
                .values()
                .filter(|i| i.project_id == project)
                .cloned()
                .collect();
            Ok(listed(issues, query, cursor))
        })
    }

    fn edit_issue<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        edit: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<Issue, GitLabError>> {
        Box::pin(async move {
            let call = Call::EditIssue {
                project,
                iid,
                edit: edit.clone(),
            };
            self.record(call, "PUT", || issue_path(project, iid))?;
            let mut w = self.world();
            let (now, users) = (w.now, w.users.clone());
            let issue = w
                .issues
                .get_mut(&(project, iid))
                .ok_or_else(|| not_found("PUT", issue_path(project, iid)))?;
            apply_edit(issue, edit, &users, now);
            Ok(issue.clone())
        })
    }

    fn list_notes<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        Box::pin(async move {
            let path = || format!("{}/notes", issue_path(project, iid));
            self.record(Call::ListNotes { project, iid }, "GET", path)?;
            Ok(self.notes(project, iid))
        })
    }

    fn create_note<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        let call = Call::CreateNote {
            project,
            iid,
            body: body.to_owned(),
        };
        Box::pin(self.add_note(project, iid, body, call))
    }

    fn edit_note<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        note: NoteId,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        Box::pin(async move {
            let path = || format!("{}/notes/{note}", issue_path(project, iid));
            let call = Call::EditNote {
                project,
                iid,
                note,
                body: body.to_owned(),
            };
            self.record(call, "PUT", path)?;
            let mut w = self.world();
            let now = w.now;
            let found = w
                .notes
                .get_mut(&(project, iid))
                .and_then(|notes| notes.iter_mut().find(|n| n.id == note))
                .ok_or_else(|| not_found("PUT", path()))?;
            found.body = body.to_owned();
            found.updated_at = now;
            Ok(found.clone())
        })
    }

    fn project_labels<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
    ) -> BoxFuture<'a, Result<Vec<LabelName>, GitLabError>> {
        Box::pin(async move {
            let path = || format!("/api/v4/projects/{project}/labels");
            self.record(Call::ProjectLabels { project }, "GET", path)?;
            Ok(self
                .world()
                .labels
                .get(&project)
                .cloned()
                .unwrap_or_default())
        })
    }

    /// As strict as GitLab: a name already in the project's labels is a 409.
    fn create_label<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        label: &'a LabelSpec,
    ) -> BoxFuture<'a, Result<(), GitLabError>> {
        Box::pin(async move {
            let path = || format!("/api/v4/projects/{project}/labels");
            let call = Call::CreateLabel {
                project,
                name: label.name.clone(),
                color: label.color.clone(),
            };
            self.record(call, "POST", path)?;
            let mut w = self.world();
            let labels = w.labels.entry(project).or_default();
            if labels.contains(&label.name) {
                return Err(GitLabError::Rejected {
                    call: CallSite {
                        method: "POST".to_owned(),
                        path: path(),
                    },
                    status: 409,
                    message: "Label already exists".to_owned(),
                });
            }
            labels.push(label.name.clone());
            Ok(())
        })
    }

    fn user_by_username<'a>(
        &'a self,
        _: &'a CallContext,
        username: &'a Username,
    ) -> BoxFuture<'a, Result<Option<UserRef>, GitLabError>> {
        Box::pin(async move {
            let call = Call::UserByUsername {
                username: username.clone(),
            };
            self.record(call, "GET", || "/api/v4/users".into())?;
            let wanted = username.as_str().to_ascii_lowercase();
            let users = &self.world().users;
            Ok(users
                .iter()
                .find(|u| u.username.as_str().to_ascii_lowercase() == wanted)
                .cloned())
        })
    }

    fn get_epic<'a>(
        &'a self,
        _: &'a CallContext,
        group: GroupId,
        epic_iid: EpicIid,
    ) -> BoxFuture<'a, Result<Epic, GitLabError>> {
        epic_call(
            self,
            "get_epic",
            format!("/api/v4/groups/{group}/epics/{epic_iid}"),
        )
    }

    fn list_epic_notes<'a>(
        &'a self,
        _: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        epic_call(
            self,
            "list_epic_notes",
            format!("/api/v4/groups/{group}/epics/{epic_id}/notes"),
        )
    }

    fn create_epic_note<'a>(
        &'a self,
        _: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        epic_call(
            self,
            "create_epic_note",
            format!("/api/v4/groups/{group}/epics/{epic_id}/notes"),
        )
    }

    fn edit_epic_note<'a>(
        &'a self,
        _: &'a CallContext,
        group: GroupId,
        epic_id: EpicId,
        note: NoteId,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        let path = format!("/api/v4/groups/{group}/epics/{epic_id}/notes/{note}");
        epic_call(self, "edit_epic_note", path)
    }

    fn work_item_create_note<'a>(
        &'a self,
        _: &'a CallContext,
        _: &'a str,
        _: &'a str,
        _: bool,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>> {
        epic_call(self, "work_item_create_note", "/api/graphql".into())
    }

    fn work_item_update_note<'a>(
        &'a self,
        _: &'a CallContext,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<WorkItemNote, GitLabError>> {
        epic_call(self, "work_item_update_note", "/api/graphql".into())
    }

    fn version<'a>(
        &'a self,
        _: &'a CallContext,
    ) -> BoxFuture<'a, Result<InstanceVersion, GitLabError>> {
        Box::pin(async move {
            self.record(Call::Version, "GET", || "/api/v4/version".into())?;
            Ok(InstanceVersion {
                version: self.world().version.clone(),
                revision: "fake".to_owned(),
            })
        })
    }
    fn create_internal_note<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        body: &'a str,
    ) -> BoxFuture<'a, Result<Note, GitLabError>> {
        let call = Call::CreateInternalNote {
            project,
            iid,
            body: body.to_owned(),
        };
        Box::pin(self.add_note(project, iid, body, call))
    }

    fn link_issues<'a>(
        &'a self,
        _: &'a CallContext,
        project: ProjectId,
        iid: IssueIid,
        target: (ProjectId, IssueIid),
    ) -> BoxFuture<'a, Result<bool, GitLabError>> {
        let (target_project, target_iid) = target;
        Box::pin(async move {
            let path = || format!("{}/links", issue_path(project, iid));
            let call = Call::LinkIssues {
                project,
                iid,
                target_project,
                target_iid,
            };
            self.record(call, "POST", path)?;
            let mut w = self.world();
            let (a, b) = ((project, iid), (target_project, target_iid));
            if !w.issues.contains_key(&a) || !w.issues.contains_key(&b) {
                return Err(not_found("POST", path()));
            }
            // GitLab keeps one link per pair, whichever way it was made (409 otherwise).
            Ok(w.links.insert((a.min(b), a.max(b))))
        })
    }

    // Work items, like epics, are not modelled by the fake (the simulator serves them): each
    // call is recorded and answers 404.
    fn get_work_item<'a>(
        &'a self,
        _: &'a CallContext,
        _: ProjectId,
        namespace_path: &'a str,
        iid: IssueIid,
    ) -> BoxFuture<'a, Result<WorkItem, GitLabError>> {
        let path = format!("/api/graphql workItem {namespace_path}#{iid}");
        epic_call(self, "get_work_item", path)
    }

    fn work_item_notes<'a>(
        &'a self,
        _: &'a CallContext,
        gid: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Note>, GitLabError>> {
        epic_call(self, "work_item_notes", format!("/api/graphql notes {gid}"))
    }

    fn update_work_item<'a>(
        &'a self,
        _: &'a CallContext,
        _: &'a str,
        gid: &'a str,
        _: &'a IssueEdit,
    ) -> BoxFuture<'a, Result<(), GitLabError>> {
        let path = format!("/api/graphql workItemUpdate {gid}");
        epic_call(self, "update_work_item", path)
    }
}

impl FakeGitLab {
    /// Records `call`, then adds a note by the bot to the issue (404 when it is unknown).
    async fn add_note(
        &self,
        project: ProjectId,
        iid: IssueIid,
        body: &str,
        call: Call,
    ) -> Result<Note, GitLabError> {
        let path = || format!("{}/notes", issue_path(project, iid));
        self.record(call, "POST", path)?;
        let mut w = self.world();
        if !w.issues.contains_key(&(project, iid)) {
            return Err(not_found("POST", path()));
        }
        w.next_note += 1;
        let note = Note {
            id: NoteId(w.next_note),
            body: body.to_owned(),
            author: w.bot.clone(),
            system: false,
            created_at: w.now,
            updated_at: w.now,
        };
        w.notes
            .entry((project, iid))
            .or_default()
            .push(note.clone());
        Ok(note)
    }
}
