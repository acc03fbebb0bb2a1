//! `POST /api/graphql`: the operations Steward uses, with GraphQL-shaped `data` and `errors`
//! (GITLAB.md §3.4, §6.1, §6.2): the note mutations `createNote` on a work item (an epic's
//! `gid://gitlab/WorkItem/<work_item_id>` or an issue's) and `updateNote`, and in
//! [`work_items`] the work-item queries and `workItemUpdate`. It is not a GraphQL engine: it
//! parses the operation enough to refuse fields and operations it does not model the way
//! GitLab refuses unknown ones ([`parse`]), and reads arguments from inline literals,
//! `$variables` or an `input` variable. Quick actions in notes run and are stripped (§6.4).

mod parse;
mod work_items;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{Actor, ApiError, EventUuid, Sh};
use super::api_notes::{
    EPIC_404, create_epic_note_at, create_issue_note, edit_issue_note, epic_note_json,
};
use super::state::NoteLocation;
use super::{lock, ops};

/// Field names of the modelled types (any type: selections are not checked per type).
const KNOWN_FIELDS: &[&str] = &[
    "__typename",
    "id",
    "iid",
    "title",
    "description",
    "state",
    "confidential",
    "webUrl",
    "createdAt",
    "updatedAt",
    "closedAt",
    "author",
    "username",
    "name",
    "workItemType",
    "widgets",
    "type",
    "labels",
    "assignees",
    "dueDate",
    "startDate",
    "discussions",
    "notes",
    "nodes",
    "pageInfo",
    "hasNextPage",
    "endCursor",
    "body",
    "system",
    "internal",
    "note",
    "errors",
    "workItem",
];

/// Root fields of queries and mutations the simulator answers.
const QUERIES: &[&str] = &["namespace", "workItem", "project"];
const MUTATIONS: &[&str] = &["createNote", "updateNote", "workItemUpdate"];

pub(super) const NOT_FOUND: &str = "The resource that you are attempting to access does not exist or you don't have permission to perform this action";

/// Reads a GraphQL string literal starting at `s` (just after the opening quote).
fn string_literal(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// An argument of the mutation: from `variables.input`, an inline literal, a `$variable`, or a
/// top-level variable of the same name.
pub(super) fn arg(query: &str, vars: &Value, name: &str) -> Option<String> {
    if let Some(v) = vars.get("input").and_then(|i| i.get(name)).and_then(scalar) {
        return Some(v);
    }
    let mut from = 0;
    while let Some(pos) = query[from..].find(name) {
        let start = from + pos;
        let after = &query[start + name.len()..];
        from = start + name.len();
        let boundary = query[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$'));
        if !boundary {
            continue;
        }
        let Some(rest) = after.trim_start().strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(lit) = rest.strip_prefix('"') {
            return string_literal(lit);
        }
        if let Some(var) = rest.strip_prefix('$') {
            let ident: String = var
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            return vars.get(&ident).and_then(scalar);
        }
    }
    vars.get(name).and_then(scalar)
}

/// A string or boolean variable as text (`"true"`/`"false"` for a `Boolean`).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn gid(raw: &str, kind: &str) -> Option<u64> {
    raw.strip_prefix("gid://gitlab/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?
        .parse()
        .ok()
}

pub(super) fn failure_json(field: &str, message: &str) -> Value {
    json!({
        "data": { field: Value::Null },
        "errors": [{ "message": message, "locations": [{ "line": 1, "column": 12 }], "path": [field] }]
    })
}

fn failure(field: &str, message: &str) -> Response {
    axum::Json(failure_json(field, message)).into_response()
}

fn note_out(field: &str, id: u64, body: &str) -> Response {
    axum::Json(json!({
        "data": { field: {
            "note": { "id": format!("gid://gitlab/Note/{id}"), "body": body },
            "errors": []
        } }
    }))
    .into_response()
}

fn errors(message: String) -> Response {
    axum::Json(json!({ "errors": [{ "message": message }] })).into_response()
}

pub(crate) async fn graphql(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Extension(EventUuid(uuid)): Extension<EventUuid>,
    body: Bytes,
) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return errors("Invalid JSON body".into());
    };
    let query = req.get("query").and_then(Value::as_str).unwrap_or("");
    let vars = req.get("variables").cloned().unwrap_or(Value::Null);
    let op = match parse::parse(query) {
        Ok(op) => op,
        Err(e) => return errors(e),
    };
    let (roots, parent) = if op.mutation {
        (MUTATIONS, "Mutation")
    } else {
        (QUERIES, "Query")
    };
    if !roots.contains(&op.root.as_str()) {
        return errors(format!(
            "Field '{}' doesn't exist on type '{parent}'",
            op.root
        ));
    }
    if let Some(f) = op
        .fields
        .iter()
        .find(|f| !KNOWN_FIELDS.contains(&f.as_str()))
    {
        return errors(format!(
            "Field '{f}' doesn't exist on the types the simulator models"
        ));
    }
    let result = match op.root.as_str() {
        "createNote" => create(&sh, me, uuid, query, &vars),
        "updateNote" => update(&sh, me, uuid, query, &vars),
        "workItemUpdate" => {
            work_items::update(&sh, me, uuid, &vars).map(|v| axum::Json(v).into_response())
        }
        "namespace" => {
            Ok(axum::Json(work_items::namespace_item(&sh, query, &vars)).into_response())
        }
        "workItem" => Ok(axum::Json(work_items::item_by_id(&sh, query, &vars)).into_response()),
        _ => Ok(axum::Json(work_items::project_labels(&sh, query, &vars)).into_response()),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// An epic note's body with its quick-action lines run and removed (GITLAB.md §6.4). Epic
/// metadata is not modelled, so the commands only disappear; `None` when nothing is left.
fn strip_commands(
    sh: &super::Shared,
    me: steward_core::model::UserId,
    body: &str,
) -> Option<String> {
    let allowed = ops::can_set_metadata(&lock(&sh.state), me);
    let (clean, _) = super::quick::extract(body, allowed);
    (!clean.trim().is_empty()).then_some(clean)
}

fn commands_only(field: &str) -> Response {
    axum::Json(
        json!({ "data": { field: { "note": Value::Null, "errors": ["Commands only note"] } } }),
    )
    .into_response()
}

fn create(
    sh: &super::Shared,
    me: steward_core::model::UserId,
    uuid: Option<String>,
    query: &str,
    vars: &Value,
) -> Result<Response, ApiError> {
    const F: &str = "createNote";
    let (Some(target), Some(body)) = (arg(query, vars, "noteableId"), arg(query, vars, "body"))
    else {
        return Ok(failure(F, "noteableId and body are required"));
    };
    let (epic, issue) = {
        let st = lock(&sh.state);
        let wi = gid(&target, "WorkItem");
        // Before 18.1 epics are not reachable as work items (GITLAB.md §6.2).
        let epic = wi
            .filter(|_| super::version::work_item_epics(sh))
            .and_then(|w| st.epic_by_work_item(w));
        // An issue's work item id is its issue id; `gid://gitlab/Issue/N` is accepted too.
        let issue = wi
            .or_else(|| gid(&target, "Issue"))
            .and_then(|i| st.issue_by_global_id(i));
        (epic, issue)
    };
    if let Some((g, epic_id)) = epic {
        let Some(body) = strip_commands(sh, me, &body) else {
            return Ok(commands_only(F));
        };
        let (json, id) = create_epic_note_at(sh, me, g, epic_id, &body)?;
        return Ok(note_out(F, id, json["body"].as_str().unwrap_or("")));
    }
    if let Some((p, iid)) = issue {
        // `CreateNoteInput.internal`: a note for the project's Reporters and up (§3.2).
        let internal = arg(query, vars, "internal").is_some_and(|v| v == "true");
        let (_, json, id) = create_issue_note(sh, me, uuid, p, iid, &body, internal)?;
        return Ok(match id {
            Some(id) => note_out(F, id, json["body"].as_str().unwrap_or("")),
            None => commands_only(F),
        });
    }
    Ok(failure(F, NOT_FOUND))
}

fn update(
    sh: &super::Shared,
    me: steward_core::model::UserId,
    uuid: Option<String>,
    query: &str,
    vars: &Value,
) -> Result<Response, ApiError> {
    const F: &str = "updateNote";
    let (Some(target), Some(body)) = (arg(query, vars, "id"), arg(query, vars, "body")) else {
        return Ok(failure(F, "id and body are required"));
    };
    let Some(note) = gid(&target, "Note") else {
        return Ok(failure(F, NOT_FOUND));
    };
    let location = lock(&sh.state).note_location(note);
    match location {
        Some(NoteLocation::Issue(p, iid)) => {
            let json = edit_issue_note(sh, me, uuid, p, iid, note, &body)?;
            Ok(note_out(F, note, json["body"].as_str().unwrap_or("")))
        }
        Some(NoteLocation::Epic(g, epic_id)) => {
            let Some(body) = strip_commands(sh, me, &body) else {
                return Ok(commands_only(F));
            };
            let now = sh.now();
            let mut st = lock(&sh.state);
            ops::edit_epic_note(&mut st, g, epic_id, note, &body, now)
                .map_err(|e| ApiError::from_op(e, EPIC_404))?;
            let json = epic_note_json(&st, g, epic_id, note)?;
            drop(st);
            lock(&sh.counters).notes_updated += 1;
            Ok(note_out(F, note, json["body"].as_str().unwrap_or("")))
        }
        None => Ok(failure(F, NOT_FOUND)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_from_literals_variables_and_input() {
        let q = r#"mutation { createNote(input: {noteableId: "gid://gitlab/WorkItem/7", body: "a \"b\"\nc"}) { note { id } errors } }"#;
        assert_eq!(
            arg(q, &Value::Null, "noteableId").as_deref(),
            Some("gid://gitlab/WorkItem/7")
        );
        assert_eq!(arg(q, &Value::Null, "body").as_deref(), Some("a \"b\"\nc"));
        let q2 = "mutation($id: NoteableID!, $b: String!) { createNote(input: {noteableId: $id, body: $b}) { errors } }";
        let vars = json!({ "id": "gid://gitlab/WorkItem/8", "b": "x" });
        assert_eq!(
            arg(q2, &vars, "noteableId").as_deref(),
            Some("gid://gitlab/WorkItem/8")
        );
        let q3 = "mutation($input: CreateNoteInput!) { createNote(input: $input) { errors } }";
        let vars3 = json!({ "input": { "noteableId": "gid://gitlab/WorkItem/9", "body": "y" } });
        assert_eq!(
            arg(q3, &vars3, "noteableId").as_deref(),
            Some("gid://gitlab/WorkItem/9")
        );
        assert_eq!(gid("gid://gitlab/WorkItem/9", "WorkItem"), Some(9));
        assert_eq!(gid("gid://gitlab/Note/9", "WorkItem"), None);
    }
}
