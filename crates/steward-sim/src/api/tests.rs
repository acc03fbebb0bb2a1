//! Tests of request classification and parameter parsing.

use super::*;

#[test]
fn endpoints_are_named_from_method_and_path() {
    let cases = [
        (
            Method::GET,
            "/api/v4/projects/12/issues",
            Some("issues.list"),
        ),
        (
            Method::GET,
            "/api/v4/projects/a%2Fb/issues/3",
            Some("issues.get"),
        ),
        (
            Method::PUT,
            "/api/v4/projects/12/issues/3",
            Some("issues.edit"),
        ),
        (
            Method::POST,
            "/api/v4/projects/12/issues/3/notes",
            Some("notes.create"),
        ),
        (
            Method::PUT,
            "/api/v4/groups/7/epics/701/notes/9",
            Some("epic_notes.edit"),
        ),
        (Method::POST, "/api/graphql", Some("graphql")),
        (Method::DELETE, "/api/v4/projects/12/issues/3", None),
        (Method::GET, "/api/v4/nothing", None),
    ];
    for (m, p, want) in cases {
        assert_eq!(classify(&m, p), want, "{m} {p}");
    }
}

#[test]
fn json_form_and_query_params_read_alike() {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    let j = Params::parse(
        None,
        &h,
        br#"{"add_labels":"a,b","assignee_ids":[],"due_date":null}"#,
    )
    .unwrap();
    assert_eq!(j.list("add_labels"), Some(vec!["a".into(), "b".into()]));
    assert_eq!(j.list("assignee_ids"), Some(vec![]));
    assert_eq!(j.get("due_date"), Some(""));
    let f = Params::parse(
        Some("add_labels=a%2Cb&assignee_ids[]=3&assignee_ids[]=4"),
        &HeaderMap::new(),
        b"",
    )
    .unwrap();
    assert_eq!(f.list("add_labels"), Some(vec!["a".into(), "b".into()]));
    assert_eq!(f.list("assignee_ids"), Some(vec!["3".into(), "4".into()]));
}
