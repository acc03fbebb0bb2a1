//! `POST /projects/:id/labels`: creating a project label as GitLab does (`lib/api/labels.rb`,
//! `create_label`): `name` and `color` required (400 naming the missing one), a colour that is
//! `#rgb`/`#rrggbb` or a CSS colour name, 409 `Label already exists` when a label of that title
//! is available to the project, 403 for a user who may not manage labels (a Guest), 201 with
//! the label otherwise.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::api::{Actor, ApiError, Params, Sh};
use super::state::Label;
use super::{lock, render};

const PROJECT_404: &str = "404 Project Not Found";

/// Whether GitLab's label colour validation (`ColorValidator`) accepts `c`.
fn valid_color(c: &str) -> bool {
    match c.strip_prefix('#') {
        Some(hex) => matches!(hex.len(), 3 | 6) && hex.chars().all(|ch| ch.is_ascii_hexdigit()),
        // A CSS colour name (`red`, `darkseagreen`).
        None => !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphabetic()),
    }
}

pub(crate) async fn create_label(
    State(sh): Sh,
    Extension(Actor(me)): Extension<Actor>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &headers, &body)?;
    let name = params.get("name").unwrap_or("").trim().to_owned();
    let color = params.get("color").unwrap_or("").trim().to_owned();
    let description = params.get("description").map(str::to_owned);
    for (key, value) in [("name", &name), ("color", &color)] {
        if value.is_empty() {
            return Err(ApiError::BadRequest(format!("{key} is missing")));
        }
    }
    let now = sh.now();
    let mut st = lock(&sh.state);
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    if st.project(pid).is_none() {
        return Err(ApiError::NotFound(PROJECT_404));
    }
    if !st.user(me).is_some_and(|u| u.can_set_metadata) {
        return Err(ApiError::Forbidden);
    }
    if st.label_exists(pid, &name) {
        return Err(ApiError::Conflict("Label already exists"));
    }
    if !valid_color(&color) {
        return Err(ApiError::Invalid(
            "color",
            "must be a valid color code".to_owned(),
        ));
    }
    let label = Label {
        id: st.ids.label(),
        name,
        color,
        description,
        created_at: now,
    };
    let json = render::label_rest(&label);
    if let Some(p) = st.project_mut(pid) {
        p.labels.push(label);
    }
    Ok((StatusCode::CREATED, axum::Json(json)).into_response())
}

/// `GET /projects/:id/labels/:label_id`: one label by id or by (URL-encoded) title, like
/// `find_label` in GitLab's `lib/api/helpers/label_helpers.rb`; `404 Label Not Found` otherwise.
pub(crate) async fn get_label(
    State(sh): Sh,
    Path((id, label)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let st = lock(&sh.state);
    let pid = st.project_ref(&id).ok_or(ApiError::NotFound(PROJECT_404))?;
    let p = st.project(pid).ok_or(ApiError::NotFound(PROJECT_404))?;
    let wanted = super::state::percent_decode(&label);
    let found = p
        .labels
        .iter()
        .find(|l| wanted.parse::<u64>().is_ok_and(|n| n == l.id))
        .or_else(|| p.labels.iter().find(|l| l.name == wanted))
        .ok_or(ApiError::NotFound("404 Label Not Found"))?;
    Ok(axum::Json(render::label_rest(found)).into_response())
}

#[cfg(test)]
mod tests {
    use super::valid_color;

    #[test]
    fn colours_are_validated_like_gitlab() {
        for ok in ["#6699cc", "#FFF", "red", "darkseagreen"] {
            assert!(valid_color(ok), "{ok}");
        }
        for bad in ["6699cc", "#6699c", "#gggggg", "", "#", "light blue"] {
            assert!(!valid_color(bad), "{bad}");
        }
    }
}
