#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Creating the declared labels a project lacks (`steward labels --apply`): the REST call as
//! GitLab expects it, the simulator as strict as GitLab (409 on an existing name, 400 on a
//! missing or bad colour, 403 for a Guest), and every creation audited before it is sent.

use std::sync::Arc;

use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use steward::gitlab::{CallContext, ClientConfig, GitLab, RestGitLab};
use steward::label_sync::{Creation, create_labels, missing_labels};
use steward::store::{self, AuditFilter, Store, StoreOptions};
use steward_core::model::{LabelName, ProjectId};
use steward_core::rules::Engine;
use steward_core::rules::labels::LabelSpec;
use steward_sim::{SimConfig, SimHandle, Simulator};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::gitlab::{client, form, only_request};
use crate::support::rules::{at, root};

const TOKEN: &str = "glpat-labels";

fn spec(name: &str, color: &str, description: &str) -> LabelSpec {
    LabelSpec {
        name: LabelName::from(name),
        color: color.to_owned(),
        description: description.to_owned(),
        waiting_on_requester: false,
    }
}

#[tokio::test]
async fn the_rest_client_posts_name_colour_and_description_and_reports_a_409() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/42/labels"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 9, "name": "lead-time::violated", "color": "#d9534f"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let gl = client(&server);
    let label = spec(
        "lead-time::violated",
        "#d9534f",
        "Filed later than the program's lead time",
    );
    gl.create_label(&CallContext::none(), ProjectId(42), &label)
        .await
        .unwrap();
    let req = only_request(&server).await;
    let sent = form(&req);
    for (k, v) in [
        ("name", "lead-time::violated"),
        ("color", "#d9534f"),
        ("description", "Filed later than the program's lead time"),
    ] {
        assert!(
            sent.contains(&(k.to_owned(), v.to_owned())),
            "{k}: {sent:?}"
        );
    }

    Mock::given(method("POST"))
        .and(path("/api/v4/projects/42/labels"))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(json!({"message": "Label already exists"})),
        )
        .mount(&server)
        .await;
    let err = gl
        .create_label(&CallContext::none(), ProjectId(42), &label)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(!err.is_transient(), "{err}");
}

async fn sim_with_project() -> (SimHandle, ProjectId) {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let bot = sim.add_user("steward-bot", "Steward");
    sim.add_token(TOKEN, bot);
    let project = sim.add_project("customer-advocacy/new-requests");
    sim.add_label(project, "Customer Advocacy", "#6699cc");
    (sim, project)
}

async fn post(
    sim: &SimHandle,
    token: &str,
    project: ProjectId,
    body: Value,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!(
            "{}/api/v4/projects/{}/labels",
            sim.base_url(),
            project.0
        ))
        .header("PRIVATE-TOKEN", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_simulator_creates_a_label_once_and_refuses_what_gitlab_refuses() {
    let (sim, project) = sim_with_project().await;
    let guest = sim.add_user("guest", "A Guest");
    sim.add_token("glpat-guest", guest);
    sim.set_can_set_metadata(guest, false);
    let new = json!({"name": "deadline::overdue", "color": "#d9534f", "description": "Past its due date"});
    let cases = [
        (
            TOKEN,
            json!({"name": "x", "description": "no colour"}),
            StatusCode::BAD_REQUEST,
            json!({"error": "color is missing"}),
        ),
        (
            TOKEN,
            json!({"color": "#ffffff"}),
            StatusCode::BAD_REQUEST,
            json!({"error": "name is missing"}),
        ),
        (
            TOKEN,
            json!({"name": "x", "color": "ff0000"}),
            StatusCode::BAD_REQUEST,
            json!({"message": {"color": ["must be a valid color code"]}}),
        ),
        (
            "glpat-guest",
            new.clone(),
            StatusCode::FORBIDDEN,
            json!({"message": "403 Forbidden"}),
        ),
        (TOKEN, new.clone(), StatusCode::CREATED, Value::Null),
        (
            TOKEN,
            new.clone(),
            StatusCode::CONFLICT,
            json!({"message": "Label already exists"}),
        ),
        (
            TOKEN,
            json!({"name": "Customer Advocacy", "color": "#000000"}),
            StatusCode::CONFLICT,
            json!({"message": "Label already exists"}),
        ),
    ];
    for (token, body, status, answer) in cases {
        let (got, json) = post(&sim, token, project, body.clone()).await;
        assert_eq!(got, status, "{body}: {json}");
        if answer.is_null() {
            assert_eq!(json["name"], "deadline::overdue", "{json}");
            assert_eq!(json["color"], "#d9534f", "{json}");
            assert_eq!(json["description"], "Past its due date", "{json}");
        } else {
            assert_eq!(json, answer, "{body}");
        }
    }
    assert_eq!(
        sim.project_label_names(project),
        ["Customer Advocacy", "deadline::overdue"]
    );
}

#[tokio::test]
async fn missing_declared_labels_are_created_once_each_with_an_audit_entry() {
    let (sim, project) = sim_with_project().await;
    let gl: Arc<dyn GitLab> = Arc::new(
        RestGitLab::new(ClientConfig::new(
            sim.base_url().parse().unwrap(),
            SecretString::from(TOKEN.to_owned()),
        ))
        .unwrap(),
    );
    let store: Arc<dyn Store> = store::open("sqlite::memory:", &StoreOptions::default())
        .await
        .unwrap();
    let engine = Engine::load(&root().join("rules"), &root().join("issue_templates")).unwrap();
    let catalog = engine.label_catalog();
    let declared = catalog.iter().count();

    let missing = missing_labels(gl.as_ref(), catalog, project).await.unwrap();
    assert_eq!(missing.len(), declared - 1);
    assert!(
        !missing
            .iter()
            .any(|l| l.name.as_str() == "Customer Advocacy")
    );
    // Listing writes nothing.
    assert_eq!(sim.project_label_names(project).len(), 1);

    // Someone creates one of them between the listing and the creation: GitLab's 409 is
    // reported as "already there", not as a failure.
    sim.add_label(project, missing[0].name.as_str(), "#123456");
    let now = at("2027-01-04T15:00:00Z");
    let done = create_labels(gl.as_ref(), store.as_ref(), project, &missing, now)
        .await
        .unwrap();
    assert!(matches!(done[0].1, Creation::AlreadyThere), "{:?}", done[0]);
    assert!(
        done[1..]
            .iter()
            .all(|(_, c)| matches!(c, Creation::Created)),
        "{done:?}"
    );
    assert_eq!(sim.project_label_names(project).len(), declared);

    let audit = store
        .list_audit(&AuditFilter {
            action: Some("label.create".to_owned()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), missing.len());
    let created: Vec<_> = audit
        .iter()
        .filter(|a| a.entry.response_status == Some(201))
        .collect();
    assert_eq!(created.len(), missing.len() - 1);
    assert!(audit.iter().any(|a| a.entry.response_status == Some(409)));
    for a in &audit {
        assert_eq!(a.entry.project_id, Some(project));
        assert_eq!(
            a.entry.api_call.as_deref(),
            Some(format!("POST /projects/{project}/labels").as_str())
        );
        assert!(
            !a.entry.detail.contains("no answer recorded"),
            "{}",
            a.entry.detail
        );
    }

    // Nothing is missing any more.
    assert!(
        missing_labels(gl.as_ref(), catalog, project)
            .await
            .unwrap()
            .is_empty()
    );
}
