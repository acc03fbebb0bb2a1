//! Epic and work-item note calls for the weekly digest (GITLAB.md §3.4). The `gitlab` crate has
//! no group-epic endpoints and no GraphQL builders, so the epic endpoints are our own crate
//! `Endpoint`s (sharing the transport) and the GraphQL request is built in `graphql`.

use std::borrow::Cow;

use gitlab_api::api::endpoint_prelude::{BodyError, Endpoint, FormParams, Method};

use super::super::budget::CallKind;
use super::super::error::GitLabError;
use super::super::wire::{RestEpic, RestNote};
use super::super::{CallContext, Epic, Note, WorkItemNote, graphql};
use super::RestGitLab;
use steward_core::model::{EpicId, EpicIid, GroupId, NoteId};

/// Which GraphQL note mutation to send.
#[derive(Debug, Clone, Copy)]
pub(super) enum NoteMutation {
    /// `createNote` on a work item; `internal`: visible to Reporters and up only.
    Create {
        /// An internal note (GITLAB.md §3.2).
        internal: bool,
    },
    /// `updateNote` on an existing note.
    Update,
}

/// Group epic endpoints. Notes take the epic **id**; `Get` takes the iid.
enum EpicEndpoint<'a> {
    Get {
        group: GroupId,
        epic_iid: EpicIid,
    },
    Notes {
        group: GroupId,
        epic_id: EpicId,
    },
    CreateNote {
        group: GroupId,
        epic_id: EpicId,
        body: &'a str,
    },
    EditNote {
        group: GroupId,
        epic_id: EpicId,
        note: NoteId,
        body: &'a str,
    },
}

impl Endpoint for EpicEndpoint<'_> {
    fn method(&self) -> Method {
        match self {
            Self::Get { .. } | Self::Notes { .. } => Method::GET,
            Self::CreateNote { .. } => Method::POST,
            Self::EditNote { .. } => Method::PUT,
        }
    }

    fn endpoint(&self) -> Cow<'static, str> {
        match self {
            Self::Get { group, epic_iid } => format!("groups/{group}/epics/{epic_iid}"),
            Self::Notes { group, epic_id } | Self::CreateNote { group, epic_id, .. } => {
                format!("groups/{group}/epics/{epic_id}/notes")
            }
            Self::EditNote {
                group,
                epic_id,
                note,
                ..
            } => format!("groups/{group}/epics/{epic_id}/notes/{note}"),
        }
        .into()
    }

    fn body(&self) -> Result<Option<(&'static str, Vec<u8>)>, BodyError> {
        match self {
            Self::CreateNote { body, .. } | Self::EditNote { body, .. } => {
                let mut params = FormParams::default();
                params.push("body", *body);
                params.into_body()
            }
            Self::Get { .. } | Self::Notes { .. } => Ok(None),
        }
    }
}

impl RestGitLab {
    pub(super) async fn epic(
        &self,
        ctx: &CallContext,
        group: GroupId,
        epic_iid: EpicIid,
    ) -> Result<Epic, GitLabError> {
        let endpoint = EpicEndpoint::Get { group, epic_iid };
        let response = self
            .call("epics.get", ctx, CallKind::Request, &endpoint, &[], None)
            .await?;
        Ok(response.json::<RestEpic>()?.into())
    }

    pub(super) async fn epic_notes(
        &self,
        ctx: &CallContext,
        group: GroupId,
        epic_id: EpicId,
    ) -> Result<Vec<Note>, GitLabError> {
        let endpoint = EpicEndpoint::Notes { group, epic_id };
        let raw: Vec<RestNote> = self.all_pages("epic_notes.list", ctx, &endpoint).await?;
        Ok(raw.into_iter().map(Note::from).collect())
    }

    pub(super) async fn epic_note_write(
        &self,
        ctx: &CallContext,
        group: GroupId,
        epic_id: EpicId,
        note: Option<NoteId>,
        body: &str,
    ) -> Result<Note, GitLabError> {
        // The last line of defence; callers send guarded bodies, and guarding is idempotent.
        let body = steward_core::untrusted::guard_body(body);
        let body = body.as_str();
        let (name, kind, endpoint) = match note {
            None => (
                "epic_notes.create",
                CallKind::NoteCreation,
                EpicEndpoint::CreateNote {
                    group,
                    epic_id,
                    body,
                },
            ),
            Some(note) => (
                "epic_notes.edit",
                CallKind::Request,
                EpicEndpoint::EditNote {
                    group,
                    epic_id,
                    note,
                    body,
                },
            ),
        };
        let response = self.call(name, ctx, kind, &endpoint, &[], None).await?;
        Ok(response.json::<RestNote>()?.into())
    }

    /// Sends a `createNote` / `updateNote` mutation; GraphQL `errors` become permanent
    /// [`GitLabError::GraphQl`] errors.
    pub(super) async fn graphql_note(
        &self,
        ctx: &CallContext,
        mutation: NoteMutation,
        target_gid: &str,
        body: &str,
    ) -> Result<WorkItemNote, GitLabError> {
        let body = steward_core::untrusted::guard_body(body);
        let body = body.as_str();
        let (operation, name, kind, payload) = match mutation {
            // GITLAB.md §3.2: GraphQL createNote shares the notes_create limiter.
            NoteMutation::Create { internal } => (
                "createNote",
                "graphql.create_note",
                CallKind::NoteCreation,
                graphql::create_note_request(target_gid, body, internal),
            ),
            NoteMutation::Update => (
                "updateNote",
                "graphql.update_note",
                CallKind::Request,
                graphql::update_note_request(target_gid, body),
            ),
        };
        let response = self.graphql_post(name, ctx, kind, payload).await?;
        graphql::decode_note(operation, &response.body).map_err(|message| {
            // GitLab's answer for a missing (deleted) or hidden noteable or note: a 404 to
            // callers, who post again rather than fail every re-run.
            if message.contains("does not exist or you don't have permission") {
                self.not_found(message)
            } else {
                GitLabError::GraphQl { operation, message }
            }
        })
    }
}
