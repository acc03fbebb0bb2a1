//! Work items through GraphQL (GITLAB.md §6.1): reading one by namespace path and iid, listing
//! its notes (the notes widget's discussions), resolving label titles to global ids, and one
//! `workItemUpdate` with the labels, assignees and start-and-due-date widgets. Request bodies
//! and decoding only. Every text travels in `variables`, never inside the query.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data_field;
use crate::gitlab::error::truncate;
use crate::gitlab::{DueDateEdit, IssueEdit, Note, WorkItem};
use steward_core::model::{
    Issue, IssueId, IssueIid, IssueState, LabelName, NoteId, ProjectId, UserId, UserRef, Username,
};

const WORK_ITEM: &str = "query StewardWorkItem($fullPath: ID!, $iid: String!) { namespace(fullPath: $fullPath) { workItem(iid: $iid) { id iid title description state confidential webUrl createdAt updatedAt closedAt author { id username } workItemType { name } widgets { type ... on WorkItemWidgetLabels { labels(first: 100) { nodes { id title } } } ... on WorkItemWidgetAssignees { assignees(first: 100) { nodes { id username } } } ... on WorkItemWidgetStartAndDueDate { dueDate } } } } }";

const NOTES: &str = "query StewardWorkItemNotes($id: WorkItemID!, $after: String) { workItem(id: $id) { widgets { type ... on WorkItemWidgetNotes { discussions(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { notes { nodes { id body system createdAt updatedAt author { id username } } } } } } } } }";

const LABELS: &str = "query StewardProjectLabels($fullPath: ID!, $search: String!) { project(fullPath: $fullPath) { labels(searchTerm: $search, includeAncestorGroups: true, first: 100) { nodes { id title } } } }";

const UPDATE: &str = "mutation StewardWorkItemUpdate($input: WorkItemUpdateInput!) { workItemUpdate(input: $input) { workItem { id } errors } }";

/// Body of the query reading one work item.
pub(crate) fn work_item_request(namespace_path: &str, iid: IssueIid) -> Value {
    json!({
        "query": WORK_ITEM,
        "variables": { "fullPath": namespace_path, "iid": iid.0.to_string() },
    })
}

/// Body of one page of a work item's notes (`after`: the previous page's end cursor).
pub(crate) fn notes_request(work_item_gid: &str, after: Option<&str>) -> Value {
    json!({
        "query": NOTES,
        "variables": { "id": work_item_gid, "after": after },
    })
}

/// Body of the label search for one title (the project's and its ancestor groups' labels).
pub(crate) fn labels_request(project_path: &str, title: &str) -> Value {
    json!({
        "query": LABELS,
        "variables": { "fullPath": project_path, "search": title },
    })
}

/// The global id of a user, as the assignees widget takes it.
fn user_gid(id: UserId) -> String {
    format!("gid://gitlab/User/{}", id.0)
}

/// Body of the `workItemUpdate` carrying `edit`; `label_ids` resolves a label title to its
/// global id (every title of the edit must resolve).
pub(crate) fn update_request(
    work_item_gid: &str,
    edit: &IssueEdit,
    label_ids: &dyn Fn(&LabelName) -> Option<String>,
) -> Result<Value, String> {
    let ids = |names: &BTreeSet<LabelName>| -> Result<Vec<String>, String> {
        names
            .iter()
            .map(|n| label_ids(n).ok_or_else(|| format!("the project has no label `{n}`")))
            .collect()
    };
    let mut input = json!({ "id": work_item_gid });
    if !edit.add_labels.is_empty() || !edit.remove_labels.is_empty() {
        input["labelsWidget"] = json!({
            "addLabelIds": ids(&edit.add_labels)?,
            "removeLabelIds": ids(&edit.remove_labels)?,
        });
    }
    if let Some(assignees) = &edit.assignee_ids {
        let gids: Vec<String> = assignees.iter().map(|u| user_gid(*u)).collect();
        input["assigneesWidget"] = json!({ "assigneeIds": gids });
    }
    match edit.due_date {
        Some(DueDateEdit::Set(d)) => {
            input["startAndDueDateWidget"] = json!({ "dueDate": d.format("%Y-%m-%d").to_string() })
        }
        Some(DueDateEdit::Clear) => input["startAndDueDateWidget"] = json!({ "dueDate": null }),
        None => {}
    }
    Ok(json!({ "query": UPDATE, "variables": { "input": input } }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Node {
    id: String,
    iid: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    state: String,
    #[serde(default)]
    confidential: bool,
    #[serde(default)]
    web_url: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(default)]
    closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    author: Option<GqlUser>,
    #[serde(default)]
    work_item_type: Option<TypeNode>,
    #[serde(default)]
    widgets: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct TypeNode {
    name: String,
}

#[derive(Debug, Deserialize)]
struct GqlUser {
    id: String,
    username: String,
}

impl GqlUser {
    fn user_ref(self) -> Option<UserRef> {
        Some(UserRef {
            id: UserId(gid_number(&self.id)?),
            username: Username(self.username),
        })
    }
}

#[derive(Debug, Deserialize)]
struct Titled {
    id: String,
    title: String,
}

/// The number at the end of a global id (`gid://gitlab/Note/12` → 12).
pub(crate) fn gid_number(gid: &str) -> Option<u64> {
    gid.strip_prefix("gid://gitlab/")?
        .rsplit_once('/')?
        .1
        .parse()
        .ok()
}

/// The nodes of `widget[field].nodes`, decoded; none when the widget does not have them.
fn widget_nodes<T: serde::de::DeserializeOwned>(widgets: &[Value], field: &str) -> Vec<T> {
    widgets
        .iter()
        .find_map(|w| w.get(field)?.get("nodes").cloned())
        .and_then(|nodes| serde_json::from_value(nodes).ok())
        .unwrap_or_default()
}

/// Decodes the work item query; a `null` work item is `Ok(None)` (not found or hidden).
pub(crate) fn decode_work_item(
    project: ProjectId,
    response: &[u8],
) -> Result<Option<WorkItem>, String> {
    let namespace = data_field("namespace", response)?;
    let Some(node) = namespace.get("workItem").filter(|v| !v.is_null()).cloned() else {
        return Ok(None);
    };
    let n: Node = serde_json::from_value(node).map_err(|e| format!("unexpected workItem: {e}"))?;
    let id =
        gid_number(&n.id).ok_or_else(|| format!("work item id {:?} is not a global id", n.id))?;
    let iid = n
        .iid
        .parse()
        .map_err(|_| format!("work item iid {:?} is not a number", n.iid))?;
    let labels: Vec<Titled> = widget_nodes(&n.widgets, "labels");
    let assignees: Vec<GqlUser> = widget_nodes(&n.widgets, "assignees");
    let due_date = n
        .widgets
        .iter()
        .find_map(|w| w.get("dueDate")?.as_str().map(str::to_owned))
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let issue = Issue {
        project_id: project,
        id: IssueId(id),
        iid: IssueIid(iid),
        title: n.title,
        description: n.description.unwrap_or_default(),
        // GraphQL's `WorkItemState` is `OPEN` or `CLOSED`.
        state: if n.state.eq_ignore_ascii_case("closed") {
            IssueState::Closed
        } else {
            IssueState::Opened
        },
        labels: labels.into_iter().map(|l| LabelName(l.title)).collect(),
        assignees: assignees
            .into_iter()
            .filter_map(GqlUser::user_ref)
            .collect(),
        author: n.author.and_then(GqlUser::user_ref),
        created_at: n.created_at,
        updated_at: n.updated_at,
        closed_at: n.closed_at,
        due_date,
        confidential: n.confidential,
        web_url: n.web_url.unwrap_or_default(),
        // Human activity is measured on REST reads only (`user_notes_count`, GITLAB.md §6.5).
        user_notes_count: None,
        last_human_activity_at: None,
        owned_note_keys: BTreeSet::new(),
        managed_due_date: None,
        waiting: Default::default(),
        work_item_type: n.work_item_type.map(|t| t.name),
    };
    Ok(Some(WorkItem { gid: n.id, issue }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlNote {
    id: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    system: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    author: GqlUser,
}

/// One page of notes: the notes (`None` when the work item is not found) and the next cursor.
pub(crate) type NotesPage = (Option<Vec<Note>>, Option<String>);

/// Decodes one page of the notes query.
pub(crate) fn decode_notes(response: &[u8]) -> Result<NotesPage, String> {
    let item = data_field("workItem", response)?;
    if item.is_null() {
        return Ok((None, None));
    }
    let widgets = item
        .get("widgets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(discussions) = widgets.iter().find_map(|w| w.get("discussions")) else {
        return Err("the work item has no notes widget".to_owned());
    };
    let page = discussions.get("pageInfo");
    let next = page
        .filter(|p| p.get("hasNextPage").and_then(Value::as_bool) == Some(true))
        .and_then(|p| p.get("endCursor")?.as_str().map(str::to_owned));
    let mut notes = Vec::new();
    for d in discussions
        .get("nodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let nodes = d.get("notes").and_then(|n| n.get("nodes")).cloned();
        let nodes: Vec<GqlNote> = serde_json::from_value(nodes.unwrap_or(Value::Null))
            .map_err(|e| format!("unexpected note: {e}"))?;
        for n in nodes {
            let (Some(id), Some(author)) = (gid_number(&n.id), n.author.user_ref()) else {
                continue;
            };
            notes.push(Note {
                id: NoteId(id),
                body: n.body,
                author,
                system: n.system,
                created_at: n.created_at,
                updated_at: n.updated_at,
            });
        }
    }
    Ok((Some(notes), next))
}

/// Decodes the label search: the global id of the label titled exactly `title`.
pub(crate) fn decode_label(title: &str, response: &[u8]) -> Result<Option<String>, String> {
    let project = data_field("project", response)?;
    let nodes = project
        .get("labels")
        .and_then(|l| l.get("nodes"))
        .cloned()
        .unwrap_or(Value::Null);
    let labels: Vec<Titled> = serde_json::from_value(nodes).unwrap_or_default();
    Ok(labels.into_iter().find(|l| l.title == title).map(|l| l.id))
}

/// Decodes the `workItemUpdate` answer: mutation `errors` and a missing work item fail.
pub(crate) fn decode_update(response: &[u8]) -> Result<(), String> {
    let payload = data_field("workItemUpdate", response)?;
    let errors: Vec<String> = payload
        .get("errors")
        .cloned()
        .and_then(|e| serde_json::from_value(e).ok())
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(truncate(&errors.join("; "), 300));
    }
    if payload.get("workItem").is_none_or(Value::is_null) {
        return Err("workItemUpdate returned no work item".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_item_is_read_with_its_type_labels_assignees_and_due_date() {
        let body = br#"{"data":{"namespace":{"workItem":{"id":"gid://gitlab/WorkItem/5001","iid":"3","title":"Talk","description":"d","state":"OPEN","confidential":false,"webUrl":"u","createdAt":"2026-11-02T10:00:00Z","updatedAt":"2026-11-02T10:00:00Z","closedAt":null,"author":{"id":"gid://gitlab/User/3","username":"ann"},"workItemType":{"name":"Speaker request"},"widgets":[{"type":"LABELS","labels":{"nodes":[{"id":"gid://gitlab/ProjectLabel/201","title":"speaker"}]}},{"type":"ASSIGNEES","assignees":{"nodes":[{"id":"gid://gitlab/User/4","username":"bo"}]}},{"type":"START_AND_DUE_DATE","dueDate":"2026-12-10"}]}}}}"#;
        let wi = decode_work_item(ProjectId(11), body).unwrap().unwrap();
        assert_eq!(wi.gid, "gid://gitlab/WorkItem/5001");
        assert_eq!(wi.issue.type_name(), "Speaker request");
        assert_eq!(wi.issue.iid, IssueIid(3));
        assert!(wi.issue.labels.contains(&LabelName("speaker".into())));
        assert_eq!(wi.issue.assignees[0].id, UserId(4));
        assert_eq!(wi.issue.due_date, NaiveDate::from_ymd_opt(2026, 12, 10));
        let missing = br#"{"data":{"namespace":{"workItem":null}}}"#;
        assert!(decode_work_item(ProjectId(11), missing).unwrap().is_none());
    }

    #[test]
    fn an_update_sends_label_and_user_global_ids_and_fails_on_an_unknown_label() {
        let edit = IssueEdit {
            add_labels: [LabelName("a".into())].into(),
            assignee_ids: Some(vec![UserId(4)]),
            due_date: Some(DueDateEdit::Set(
                NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            )),
            ..Default::default()
        };
        let req = update_request("gid://gitlab/WorkItem/1", &edit, &|l| {
            (l.as_str() == "a").then(|| "gid://gitlab/ProjectLabel/9".to_owned())
        })
        .unwrap();
        let input = &req["variables"]["input"];
        assert_eq!(
            input["labelsWidget"]["addLabelIds"][0],
            "gid://gitlab/ProjectLabel/9"
        );
        assert_eq!(
            input["assigneesWidget"]["assigneeIds"][0],
            "gid://gitlab/User/4"
        );
        assert_eq!(input["startAndDueDateWidget"]["dueDate"], "2026-12-10");
        let unknown = IssueEdit {
            add_labels: [LabelName("b".into())].into(),
            ..Default::default()
        };
        assert!(update_request("gid://gitlab/WorkItem/1", &unknown, &|_| None).is_err());
        let errs = br#"{"data":{"workItemUpdate":{"workItem":null,"errors":["nope"]}}}"#;
        assert_eq!(decode_update(errs).unwrap_err(), "nope");
    }
}
