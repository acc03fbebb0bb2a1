//! The GitLab release the simulator pretends to be (`SimConfig::gitlab_version`) and
//! `GET /version`, which reports it the way GitLab does: `{"version", "revision"}`, for any
//! authenticated user (doc/api/version.md; `lib/api/version.rb` runs `authenticate!`, so the
//! gate's 401 applies). Features introduced after the emulated release behave as that release
//! did (keyset paging of project issues from 18.3, epics as GraphQL work items from 18.1).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Shared;
use super::api::Sh;

/// A made-up build revision, shaped like GitLab's short commit hash.
const REVISION: &str = "5e1d2c3a9f0";

/// `major.minor` of the emulated release; a version string that does not start with two
/// numbers emulates the newest release.
fn release(sh: &Shared) -> (u32, u32) {
    let raw = sh.config.gitlab_version.trim();
    let numbers = raw.split('-').next().unwrap_or("");
    let mut parts = numbers.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor),
        _ => (u32::MAX, u32::MAX),
    }
}

/// Whether the emulated release includes what `major.minor` introduced.
pub(crate) fn at_least(sh: &Shared, major: u32, minor: u32) -> bool {
    release(sh) >= (major, minor)
}

/// Keyset pagination of project issues (doc/api/rest/_index.md, "Supported resources":
/// introduced in GitLab 18.3).
pub(crate) fn keyset_project_issues(sh: &Shared) -> bool {
    at_least(sh, 18, 3)
}

/// Epics as work items through GraphQL (GITLAB.md §6.1, §6.2: 18.1 and later).
pub(crate) fn work_item_epics(sh: &Shared) -> bool {
    at_least(sh, 18, 1)
}

/// `GET /api/v4/version`.
pub(crate) async fn version(State(sh): Sh) -> Response {
    axum::Json(json!({ "version": sh.config.gitlab_version, "revision": REVISION })).into_response()
}
