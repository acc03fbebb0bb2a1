//! `GET /version` (doc/api/version.md: any authenticated user; `{"version", "revision"}`), the
//! input of the start-up capability probe. The `gitlab` crate has no builder for it.

use std::borrow::Cow;

use gitlab_api::api::endpoint_prelude::{Endpoint, Method};
use serde::Deserialize;

use super::super::budget::CallKind;
use super::super::error::GitLabError;
use super::super::{CallContext, InstanceVersion};
use super::RestGitLab;

struct VersionEndpoint;

impl Endpoint for VersionEndpoint {
    fn method(&self) -> Method {
        Method::GET
    }

    fn endpoint(&self) -> Cow<'static, str> {
        "version".into()
    }
}

#[derive(Deserialize)]
struct RestVersion {
    version: String,
    #[serde(default)]
    revision: String,
}

impl RestGitLab {
    pub(super) async fn instance_version(
        &self,
        ctx: &CallContext,
    ) -> Result<InstanceVersion, GitLabError> {
        let response = self
            .call(
                "version",
                ctx,
                CallKind::Request,
                &VersionEndpoint,
                &[],
                None,
            )
            .await?;
        let raw: RestVersion = response.json()?;
        Ok(InstanceVersion {
            version: raw.version,
            revision: raw.revision,
        })
    }
}
