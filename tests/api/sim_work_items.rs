#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The simulator's work items over real HTTP (GITLAB.md §6.1, §6.4): custom types are hidden
//! from the Issues API and read through GraphQL, the GraphQL endpoint refuses fields and
//! operations it does not model as GitLab refuses unknown ones, and quick actions in a
//! work-item note run and are stripped.

use reqwest::Client;
use serde_json::{Value, json};
use steward_sim::{NewIssue, SimConfig, SimHandle, Simulator};

const TOKEN: &str = "bot-token";

async fn sim() -> (
    SimHandle,
    steward_core::model::ProjectId,
    steward_core::model::UserId,
) {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let bot = sim.add_user("steward-bot", "Steward");
    let alice = sim.add_user("alice", "Alice Requester");
    sim.add_token(TOKEN, bot);
    let project = sim.add_project("customer-advocacy/requests");
    sim.add_label(project, "advocacy-program::speaker", "#428bca");
    sim.create_work_item_type("customer-advocacy", "Speaker request")
        .unwrap();
    (sim, project, alice)
}

async fn graphql(sim: &SimHandle, query: &str, variables: Value) -> Value {
    Client::new()
        .post(format!("{}/api/graphql", sim.base_url()))
        .header("PRIVATE-TOKEN", TOKEN)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const ITEM: &str = "query($p: ID!, $i: String!) { namespace(fullPath: $p) { workItem(iid: $i) { id workItemType { name } widgets { type ... on WorkItemWidgetLabels { labels { nodes { id title } } } } } } }";

#[tokio::test]
async fn a_custom_type_item_is_hidden_from_rest_and_read_and_labelled_through_graphql() {
    let (sim, project, alice) = sim().await;
    let new = NewIssue {
        title: "Talk".into(),
        description: "hello".into(),
        ..NewIssue::default()
    };
    let iid = sim
        .create_work_item(project, alice, "Speaker request", new)
        .unwrap();
    let rest = Client::new()
        .get(format!(
            "{}/api/v4/projects/{project}/issues/{iid}",
            sim.base_url()
        ))
        .header("PRIVATE-TOKEN", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 404);
    let vars = json!({ "p": "customer-advocacy/requests", "i": iid.0.to_string() });
    let read = graphql(&sim, ITEM, vars.clone()).await;
    let item = &read["data"]["namespace"]["workItem"];
    assert_eq!(item["workItemType"]["name"], "Speaker request");
    let labels = graphql(
        &sim,
        "query($p: ID!) { project(fullPath: $p) { labels(searchTerm: \"speaker\") { nodes { id title } } } }",
        json!({ "p": "customer-advocacy/requests" }),
    )
    .await;
    let label = labels["data"]["project"]["labels"]["nodes"][0]["id"].clone();
    let update = graphql(
        &sim,
        "mutation($input: WorkItemUpdateInput!) { workItemUpdate(input: $input) { workItem { id } errors } }",
        json!({ "input": { "id": item["id"], "labelsWidget": { "addLabelIds": [label] } } }),
    )
    .await;
    assert_eq!(update["data"]["workItemUpdate"]["errors"], json!([]));
    let issue = sim.issue(project, iid).unwrap();
    assert!(
        issue
            .labels
            .iter()
            .any(|l| l.as_str() == "advocacy-program::speaker")
    );
}

#[tokio::test]
async fn unknown_graphql_fields_and_operations_answer_errors_without_data() {
    let (sim, _, _) = sim().await;
    let unknown_root = graphql(&sim, "query { issuesEverywhere { id } }", Value::Null).await;
    assert_eq!(
        unknown_root["errors"][0]["message"],
        "Field 'issuesEverywhere' doesn't exist on type 'Query'"
    );
    assert!(unknown_root.get("data").is_none());
    let unknown_field = graphql(
        &sim,
        "query($p: ID!, $i: String!) { namespace(fullPath: $p) { workItem(iid: $i) { id colour } } }",
        json!({ "p": "customer-advocacy/requests", "i": "1" }),
    )
    .await;
    assert!(
        unknown_field["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("'colour' doesn't exist"),
        "{unknown_field}"
    );
    let broken = graphql(
        &sim,
        "query { namespace(fullPath: \"x\") { id }",
        Value::Null,
    )
    .await;
    assert!(
        broken["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Parse error")
    );
}

#[tokio::test]
async fn quick_actions_in_a_work_item_note_run_and_are_stripped() {
    let (sim, project, alice) = sim().await;
    let new = NewIssue {
        title: "Talk".into(),
        description: "hello".into(),
        ..NewIssue::default()
    };
    let iid = sim
        .create_work_item(project, alice, "Speaker request", new)
        .unwrap();
    let vars = json!({ "p": "customer-advocacy/requests", "i": iid.0.to_string() });
    let gid = graphql(&sim, ITEM, vars).await["data"]["namespace"]["workItem"]["id"].clone();
    let created = graphql(
        &sim,
        "mutation($id: NoteableID!, $b: String!) { createNote(input: {noteableId: $id, body: $b}) { note { id body } errors } }",
        json!({ "id": gid, "b": "Thanks!\n/label ~\"advocacy-program::speaker\"" }),
    )
    .await;
    assert_eq!(created["data"]["createNote"]["note"]["body"], "Thanks!");
    let issue = sim.issue(project, iid).unwrap();
    assert!(
        issue
            .labels
            .iter()
            .any(|l| l.as_str() == "advocacy-program::speaker")
    );
}
