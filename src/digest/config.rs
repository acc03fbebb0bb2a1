//! The digest section of the configuration: targets and where each program's digest is posted.
//! Validated once at load; posting and selection trust it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DigestTarget, Program, Targets};

/// ```yaml
/// digest:
///   targets:
///     story: { per_quarter: 3 }
///     marquee_video: { per_year: 2, label: "story-format::video" }
///   post_to:
///     speaker: { epic: { group: 7, epic_iid: 12, api: graphql } }
///     story: { epic: { group: 7, epic_iid: 13 } }
///     eab: { issue: { project: 42, iid: 5 } }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigestConfig {
    /// Program targets (handbook defaults when absent).
    pub targets: Targets,
    /// Where each program's digest goes; programs not listed get no digest.
    pub post_to: BTreeMap<Program, DigestTarget>,
}

/// Two programs configured to post on the same epic or issue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "digest.post_to: `{first}` and `{second}` post to the same target; each program needs its \
     own epic or issue, because a target holds one digest note per week"
)]
pub struct SharedTargetError {
    /// The first program.
    pub first: Program,
    /// The second program.
    pub second: Program,
}

impl DigestConfig {
    /// Checks that no two programs share a target (their weekly notes would overwrite each
    /// other, as both carry the same week's marker).
    pub fn validate(&self) -> Result<(), SharedTargetError> {
        let entries: Vec<_> = self.post_to.iter().collect();
        for (i, (first, a)) in entries.iter().enumerate() {
            if let Some((second, _)) = entries[i + 1..].iter().find(|(_, b)| same_place(a, b)) {
                return Err(SharedTargetError {
                    first: **first,
                    second: **second,
                });
            }
        }
        Ok(())
    }
}

fn same_place(a: &DigestTarget, b: &DigestTarget) -> bool {
    match (a, b) {
        (
            DigestTarget::Epic {
                group: g1,
                epic_iid: e1,
                ..
            },
            DigestTarget::Epic {
                group: g2,
                epic_iid: e2,
                ..
            },
        ) => g1 == g2 && e1 == e2,
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::EpicApi;
    use crate::model::GroupId;

    #[test]
    fn digest_config_reads_targets_and_post_targets_strictly() {
        let yaml = "post_to:\n  speaker: { epic: { group: 7, epic_iid: 12, api: graphql } }\n  story: { epic: { group: 7, epic_iid: 13 } }\n  eab: { issue: { project: 42, iid: 5 } }\n";
        let config: DigestConfig = serde_saphyr::from_str(yaml).unwrap();
        assert_eq!(
            config.post_to[&Program::Speaker],
            DigestTarget::Epic {
                group: GroupId(7),
                epic_iid: 12,
                api: EpicApi::GraphQl
            }
        );
        assert!(matches!(
            config.post_to[&Program::Story],
            DigestTarget::Epic {
                api: EpicApi::Rest,
                ..
            }
        ));
        assert_eq!(config.targets, Targets::default());
        assert!(config.validate().is_ok());

        let typo = "post_to:\n  speaker: { epic: { group: 7, epic_id: 12 } }\n";
        assert!(serde_saphyr::from_str::<DigestConfig>(typo).is_err());
        let unknown = "post_to:\n  webinar: { issue: { project: 1, iid: 2 } }\n";
        assert!(serde_saphyr::from_str::<DigestConfig>(unknown).is_err());
    }

    #[test]
    fn two_programs_on_one_epic_are_refused() {
        let yaml = "post_to:\n  speaker: { epic: { group: 7, epic_iid: 12 } }\n  press: { epic: { group: 7, epic_iid: 12, api: graphql } }\n";
        let config: DigestConfig = serde_saphyr::from_str(yaml).unwrap();
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("`speaker` and `press`"), "{message}");
    }
}
