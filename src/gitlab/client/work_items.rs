//! Work-item calls through GraphQL (GITLAB.md §6.1): reading an item the Issues API does not
//! show, listing its notes, and editing it with one `workItemUpdate`. The requests are built
//! and decoded in `graphql::work_items`; this module sends them.

use std::collections::BTreeMap;

use gitlab_api::api::endpoint_prelude::Method;
use serde_json::Value;

use super::super::budget::CallKind;
use super::super::error::{CallSite, GitLabError};
use super::super::graphql::work_items as gql;
use super::super::{CallContext, IssueEdit, Note, WorkItem};
use super::{Response, RestGitLab};
use steward_core::model::{IssueIid, LabelName, ProjectId};

/// Pages of notes read before giving up (100 discussions each).
const MAX_NOTE_PAGES: usize = 50;

impl RestGitLab {
    /// Posts one GraphQL request. GraphQL answers 200 even on failure; the caller decodes.
    pub(super) async fn graphql_post(
        &self,
        name: &'static str,
        ctx: &CallContext,
        kind: CallKind,
        payload: Value,
    ) -> Result<Response, GitLabError> {
        let call = CallSite {
            method: "POST".into(),
            path: self.graphql_url.path().to_owned(),
        };
        let mut request = reqwest::Request::new(Method::POST, self.graphql_url.clone());
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        *request.body_mut() = Some(payload.to_string().into());
        self.send(name, ctx, kind, request, call).await
    }

    /// The GraphQL failure of `operation`, or a 404 when the item is missing (so callers treat
    /// it like REST's "gone").
    pub(super) fn not_found(&self, what: String) -> GitLabError {
        GitLabError::Rejected {
            call: CallSite {
                method: "POST".into(),
                path: self.graphql_url.path().to_owned(),
            },
            status: 404,
            message: what,
        }
    }

    pub(super) async fn read_work_item(
        &self,
        ctx: &CallContext,
        project: ProjectId,
        namespace_path: &str,
        iid: IssueIid,
    ) -> Result<WorkItem, GitLabError> {
        let payload = gql::work_item_request(namespace_path, iid);
        let response = self
            .graphql_post("graphql.work_item", ctx, CallKind::Request, payload)
            .await?;
        let operation = "workItem";
        match gql::decode_work_item(project, &response.body) {
            Ok(Some(item)) => Ok(item),
            Ok(None) => Err(self.not_found(format!("no work item {namespace_path}#{iid}"))),
            Err(message) => Err(GitLabError::GraphQl { operation, message }),
        }
    }

    pub(super) async fn read_work_item_notes(
        &self,
        ctx: &CallContext,
        work_item_gid: &str,
    ) -> Result<Vec<Note>, GitLabError> {
        let operation = "workItem.notes";
        let mut notes = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_NOTE_PAGES {
            let payload = gql::notes_request(work_item_gid, after.as_deref());
            let response = self
                .graphql_post("graphql.work_item_notes", ctx, CallKind::Request, payload)
                .await?;
            let (page, next) = gql::decode_notes(&response.body)
                .map_err(|message| GitLabError::GraphQl { operation, message })?;
            let Some(page) = page else {
                return Err(self.not_found(format!("no work item {work_item_gid}")));
            };
            notes.extend(page);
            match next {
                Some(cursor) => after = Some(cursor),
                None => break,
            }
        }
        notes.sort_by_key(|n| (n.created_at, n.id.0));
        Ok(notes)
    }

    pub(super) async fn write_work_item(
        &self,
        ctx: &CallContext,
        namespace_path: &str,
        work_item_gid: &str,
        edit: &IssueEdit,
    ) -> Result<(), GitLabError> {
        if edit.is_empty() {
            return Err(GitLabError::InvalidRequest(
                "a work item edit that changes nothing".into(),
            ));
        }
        let mut ids: BTreeMap<LabelName, Option<String>> = BTreeMap::new();
        for title in edit.add_labels.iter().chain(&edit.remove_labels) {
            let payload = gql::labels_request(namespace_path, title.as_str());
            let response = self
                .graphql_post("graphql.labels", ctx, CallKind::Request, payload)
                .await?;
            let id = gql::decode_label(title.as_str(), &response.body).map_err(|message| {
                GitLabError::GraphQl {
                    operation: "project.labels",
                    message,
                }
            })?;
            ids.insert(title.clone(), id);
        }
        let operation = "workItemUpdate";
        let lookup = |l: &LabelName| ids.get(l).cloned().flatten();
        let payload = gql::update_request(work_item_gid, edit, &lookup)
            .map_err(|message| GitLabError::GraphQl { operation, message })?;
        let response = self
            .graphql_post("graphql.work_item_update", ctx, CallKind::Request, payload)
            .await?;
        gql::decode_update(&response.body)
            .map_err(|message| GitLabError::GraphQl { operation, message })
    }
}
