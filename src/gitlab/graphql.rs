//! The GraphQL operations Steward uses on work items: the note mutations (`createNote`,
//! `updateNote`; GITLAB.md §3.4) here, reading, listing notes and `workItemUpdate` in
//! [`work_items`] (§6.1). Request bodies and response decoding only; sending is the client's
//! job. The `gitlab` crate has no GraphQL builders for these, so the JSON is built here.

pub(crate) mod work_items;

use serde::Deserialize;
use serde_json::{Value, json};

use super::WorkItemNote;
use super::error::truncate;

const CREATE_NOTE: &str = "mutation StewardCreateNote($noteableId: NoteableID!, $body: String!, $internal: Boolean) { createNote(input: {noteableId: $noteableId, body: $body, internal: $internal}) { note { id body } errors } }";
const UPDATE_NOTE: &str = "mutation StewardUpdateNote($id: NoteID!, $body: String!) { updateNote(input: {id: $id, body: $body}) { note { id body } errors } }";

/// Body of a `createNote` request. Variables carry the text, so no escaping into the query.
/// `internal`: a note only the project's Reporters and up see (`CreateNoteInput.internal`).
pub(crate) fn create_note_request(work_item_gid: &str, body: &str, internal: bool) -> Value {
    json!({
        "query": CREATE_NOTE,
        "variables": { "noteableId": work_item_gid, "body": body, "internal": internal },
    })
}

/// Body of an `updateNote` request.
pub(crate) fn update_note_request(note_gid: &str, body: &str) -> Value {
    json!({
        "query": UPDATE_NOTE,
        "variables": { "id": note_gid, "body": body },
    })
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<GraphQlError>,
}

#[derive(Debug, Deserialize)]
struct GraphQlError {
    #[serde(default)]
    message: String,
}

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(default)]
    note: Option<NoteNode>,
    // Mutation-level errors (validation), reported as strings.
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct NoteNode {
    id: String,
    #[serde(default)]
    body: String,
}

/// `data.<field>` of a response; top-level `errors` are a failure with their messages.
pub(crate) fn data_field(field: &str, response: &[u8]) -> Result<Value, String> {
    let envelope: Envelope = serde_json::from_slice(response)
        .map_err(|e| format!("response is not GraphQL JSON: {e}"))?;
    if !envelope.errors.is_empty() {
        let joined: Vec<&str> = envelope.errors.iter().map(|e| e.message.as_str()).collect();
        return Err(truncate(&joined.join("; "), 300));
    }
    envelope
        .data
        .and_then(|mut d| d.get_mut(field).map(Value::take))
        .ok_or_else(|| format!("response has no data.{field}"))
}

/// Decodes a mutation response: top-level `errors`, mutation `errors` and a missing note are
/// all failures, reported as one readable message.
pub(crate) fn decode_note(operation: &str, response: &[u8]) -> Result<WorkItemNote, String> {
    let payload = data_field(operation, response)?;
    let payload: Payload =
        serde_json::from_value(payload).map_err(|e| format!("unexpected data.{operation}: {e}"))?;
    if !payload.errors.is_empty() {
        return Err(truncate(&payload.errors.join("; "), 300));
    }
    let note = payload
        .note
        .ok_or_else(|| format!("data.{operation}.note is null"))?;
    Ok(WorkItemNote {
        gid: note.id,
        body: note.body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_note_is_decoded_with_its_global_id() {
        let body = br#"{"data":{"createNote":{"note":{"id":"gid://gitlab/Note/9","body":"hi"},"errors":[]}}}"#;
        let note = decode_note("createNote", body).unwrap();
        assert_eq!(note.gid, "gid://gitlab/Note/9");
        assert_eq!(note.body, "hi");
    }

    #[test]
    fn graphql_errors_at_either_level_are_failures_with_their_messages() {
        let top = br#"{"errors":[{"message":"The resource that you are attempting to access does not exist"}],"data":null}"#;
        assert!(
            decode_note("createNote", top)
                .unwrap_err()
                .contains("does not exist")
        );
        let nested = br#"{"data":{"updateNote":{"note":null,"errors":["Note can't be blank"]}}}"#;
        assert_eq!(
            decode_note("updateNote", nested).unwrap_err(),
            "Note can't be blank"
        );
    }

    #[test]
    fn note_text_travels_in_variables_not_in_the_query() {
        let req = create_note_request("gid://gitlab/WorkItem/7", "a \"quoted\" }{ body", true);
        assert_eq!(req["variables"]["internal"], true);
        assert_eq!(req["variables"]["body"], "a \"quoted\" }{ body");
        assert!(!req["query"].as_str().unwrap().contains("quoted"));
    }
}
