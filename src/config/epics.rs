//! `gitlab.epics_api`: which API tracking-epic digests are posted through (GITLAB.md §6.2):
//! `graphql` (work-item notes, GitLab 18.1+), `rest` (the deprecated epic notes, for older
//! instances) or `auto` (the default: what the instance supports, GraphQL until told).

use std::collections::HashMap;

use serde::Deserialize;
use steward_core::digest::EpicApi;

use super::SettingsError;
use super::sections::var;

/// The `gitlab.epics_api` setting as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpicsApiSetting {
    /// What the instance supports: see [`EpicsApiSetting::resolve`].
    #[default]
    Auto,
    /// GraphQL work-item notes.
    #[serde(rename = "graphql")]
    GraphQl,
    /// REST epic notes.
    Rest,
}

impl EpicsApiSetting {
    /// The API to use. `work_item_notes` is what a probe of the instance found: whether epics
    /// are work items there (GitLab 18.1+); `None` when nothing was probed. `auto` takes
    /// GraphQL unless the probe says the instance lacks it.
    pub fn resolve(self, work_item_notes: Option<bool>) -> EpicApi {
        match (self, work_item_notes) {
            (Self::Rest, _) | (Self::Auto, Some(false)) => EpicApi::Rest,
            (Self::GraphQl, _) | (Self::Auto, _) => EpicApi::GraphQl,
        }
    }
}

/// `STEWARD_GITLAB_EPICS_API`, else the file's value, else `auto`.
pub(super) fn from_raw(
    raw: Option<EpicsApiSetting>,
    env: &HashMap<String, String>,
) -> Result<EpicsApiSetting, SettingsError> {
    let Some(v) = var(env, "STEWARD_GITLAB_EPICS_API") else {
        return Ok(raw.unwrap_or_default());
    };
    match v.trim() {
        "auto" => Ok(EpicsApiSetting::Auto),
        "graphql" => Ok(EpicsApiSetting::GraphQl),
        "rest" => Ok(EpicsApiSetting::Rest),
        other => Err(SettingsError::Env {
            name: "STEWARD_GITLAB_EPICS_API".into(),
            message: format!("`{other}` is not one of auto, graphql, rest"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_posts_through_graphql_unless_the_instance_lacks_it() {
        assert_eq!(EpicsApiSetting::Auto.resolve(None), EpicApi::GraphQl);
        assert_eq!(EpicsApiSetting::Auto.resolve(Some(true)), EpicApi::GraphQl);
        assert_eq!(EpicsApiSetting::Auto.resolve(Some(false)), EpicApi::Rest);
        assert_eq!(EpicsApiSetting::Rest.resolve(Some(true)), EpicApi::Rest);
        assert_eq!(
            EpicsApiSetting::GraphQl.resolve(Some(false)),
            EpicApi::GraphQl
        );
        let env = HashMap::from([("STEWARD_GITLAB_EPICS_API".to_owned(), "soap".to_owned())]);
        assert!(
            from_raw(None, &env)
                .unwrap_err()
                .to_string()
                .contains("auto, graphql, rest")
        );
    }
}
