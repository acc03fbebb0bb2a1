//! The digest section of the configuration: targets, the reference contests' dates and where
//! each program's digest is posted. Validated once at load; posting and selection trust it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{FiscalPeriod, PostTo, Targets};
use crate::model::{EpicIid, GroupId, IssueIid, ProgramKey, ProjectId};

/// ```yaml
/// digest:
///   targets:
///     story: { per_quarter: 3 }
///     marquee_video: { per_year: 2, label: "story-format::video" }
///   contests:
///     - { name: "FY27-Q4 reference contest", from: 2026-11-01, to: 2027-01-31 }
///   post_to:
///     speaker: { epic: { group: 7, epic_iid: 12, api: graphql } }
///     story: { epic: { group: 7, epic_iid: 13 } }
///     eab: { issue: { project: 42, iid: 5 } }
///   rollup_to: { epic: { group: 7, epic_iid: 1 } }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigestConfig {
    /// Program targets (handbook defaults when absent).
    pub targets: Targets,
    /// The reference sales contests, each with its own dates ("On an adhoc basis, the Customer
    /// Advocacy team runs contests"): none by default, and the leaderboard needs one.
    pub contests: Vec<Contest>,
    /// Where each program's digest goes, in the order posted; programs not listed get no
    /// digest. Keys are checked against the declared programs with [`PostTo::check`].
    pub post_to: PostTo,
    /// Where the director's roll-up of every program goes (a team-level epic or issue, never
    /// one a program posts on); absent: no roll-up is posted.
    pub rollup_to: Option<DigestTarget>,
}

/// One reference sales contest: its leaderboard counts the entries filed and accepted from `from`
/// to `to` (inclusive dates in the team's time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawContest")]
pub struct Contest {
    /// How the team names it (`FY27-Q4 reference contest`).
    pub name: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContest {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

impl TryFrom<RawContest> for Contest {
    type Error = String;

    fn try_from(raw: RawContest) -> Result<Self, Self::Error> {
        if raw.to < raw.from {
            return Err(format!(
                "contest `{}` ends ({}) before it starts ({}); give `from` and `to` in order",
                raw.name, raw.to, raw.from
            ));
        }
        Ok(Self {
            name: raw.name,
            from: raw.from,
            to: raw.to,
        })
    }
}

impl Contest {
    fn period(&self) -> FiscalPeriod {
        FiscalPeriod {
            name: self.name.clone(),
            first_day: self.from,
            last_day: self.to,
        }
    }
}

/// Two digests configured to post on the same epic or issue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharedTargetError {
    /// Two programs share a target.
    #[error(
        "digest.post_to: `{first}` and `{second}` post to the same target; each program needs \
         its own epic or issue, because a target holds one digest note per week"
    )]
    Programs {
        /// The first program.
        first: ProgramKey,
        /// The second program.
        second: ProgramKey,
    },
    /// The roll-up is configured on a program's target.
    #[error(
        "digest.rollup_to: the roll-up would post on the target of `{program}` \
         (digest.post_to.{program}); give the roll-up its own team-level epic or issue, \
         because a target holds one digest note per week"
    )]
    Rollup {
        /// The program.
        program: ProgramKey,
    },
}

impl SharedTargetError {
    /// The settings key the error is about (`digest.post_to` or `digest.rollup_to`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::Programs { .. } => "digest.post_to",
            Self::Rollup { .. } => "digest.rollup_to",
        }
    }
}

impl DigestConfig {
    /// Checks that no two programs share a target, and that the roll-up has a target of its
    /// own (their weekly notes would overwrite each other, as both carry the same week's
    /// marker).
    pub fn validate(&self) -> Result<(), SharedTargetError> {
        let entries: Vec<_> = self.post_to.iter().collect();
        for (i, (first, a)) in entries.iter().enumerate() {
            if let Some((second, _)) = entries[i + 1..].iter().find(|(_, b)| same_place(a, b)) {
                return Err(SharedTargetError::Programs {
                    first: (*first).clone(),
                    second: (*second).clone(),
                });
            }
        }
        if let Some(rollup) = &self.rollup_to
            && let Some((program, _)) = entries.iter().find(|(_, t)| same_place(rollup, t))
        {
            return Err(SharedTargetError::Rollup {
                program: (*program).clone(),
            });
        }
        Ok(())
    }
}

impl DigestConfig {
    /// The contest the leaderboard reports on `date`: the one running then (the latest to
    /// start, if several overlap), else the one that ended last (its final standings), else
    /// none (every contest is still to come, or none is configured).
    pub fn contest_on(&self, date: NaiveDate) -> Option<FiscalPeriod> {
        let started = self.contests.iter().filter(|c| c.from <= date);
        let running = started
            .clone()
            .filter(|c| date <= c.to)
            .max_by_key(|c| c.from);
        running
            .or_else(|| started.max_by_key(|c| c.to))
            .map(Contest::period)
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

/// Which epic API to post through (GITLAB.md §3.4, §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EpicApi {
    /// `POST /groups/:id/epics/:epic_id/notes` (deprecated since GitLab 17.0, still served):
    /// the fallback for instances older than 18.1.
    Rest,
    /// GraphQL `createNote` / `updateNote` on the epic's work item: epics are work items
    /// since GitLab 18.1.
    #[default]
    #[serde(rename = "graphql")]
    GraphQl,
}

impl DigestConfig {
    /// Gives every epic target that names no `api` the instance's one (`gitlab.epics_api`).
    pub fn resolve_epic_api(&mut self, api: EpicApi) {
        let targets = self.post_to.targets_mut().chain(self.rollup_to.as_mut());
        for target in targets {
            if let DigestTarget::Epic { api: a @ None, .. } = target {
                *a = Some(api);
            }
        }
    }
}

/// Where a program's digest is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DigestTarget {
    /// The program's tracking epic, by group and epic iid (the `&12` users see).
    Epic {
        /// Group.
        group: GroupId,
        /// Epic iid.
        epic_iid: EpicIid,
        /// API to post through; absent: the instance's (`gitlab.epics_api`, GraphQL by
        /// default).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api: Option<EpicApi>,
    },
    /// A plain tracking issue (for GitLab tiers without epics).
    Issue {
        /// Project.
        project: ProjectId,
        /// Issue iid.
        iid: IssueIid,
    },
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
            config
                .post_to
                .get(&ProgramKey::from("speaker"))
                .unwrap()
                .clone(),
            DigestTarget::Epic {
                group: GroupId(7),
                epic_iid: EpicIid(12),
                api: Some(EpicApi::GraphQl)
            }
        );
        assert!(matches!(
            config.post_to.get(&ProgramKey::from("story")).unwrap(),
            DigestTarget::Epic { api: None, .. }
        ));
        assert_eq!(config.targets, Targets::default());
        assert!(config.validate().is_ok());

        let typo = "post_to:\n  speaker: { epic: { group: 7, epic_id: 12 } }\n";
        assert!(serde_saphyr::from_str::<DigestConfig>(typo).is_err());
        let programs = crate::programs::Programs::from_yaml(
            "programs.yaml",
            "programs:\n  speaker: { title: S, label: s, tracking: epic }\n  webinar: { title: W, label: w }\n",
        )
        .unwrap();
        let check = |yaml: &str| {
            let config: DigestConfig = serde_saphyr::from_str(yaml).unwrap();
            config.post_to.check(&programs).map_err(|e| e.to_string())
        };
        assert_eq!(
            check("post_to:\n  webinar: { issue: { project: 1, iid: 2 } }\n"),
            Ok(())
        );
        let typo = check("post_to:\n  speakr: { epic: { group: 7, epic_iid: 12 } }\n");
        assert!(typo.unwrap_err().contains("did you mean `speaker`?"));
        let kind = check("post_to:\n  speaker: { issue: { project: 1, iid: 2 } }\n");
        assert!(
            kind.unwrap_err()
                .contains("`speaker` is tracked by an epic")
        );
        let twice = "post_to:\n  webinar: { issue: { project: 1, iid: 2 } }\n  webinar: { issue: { project: 1, iid: 3 } }\n";
        assert!(serde_saphyr::from_str::<DigestConfig>(twice).is_err());
    }

    #[test]
    fn the_leaderboard_reports_the_running_contest_else_the_last_one_that_ended() {
        let yaml = "contests:\n  - { name: Spring, from: 2026-03-01, to: 2026-04-30 }\n  - { name: Autumn, from: 2026-10-01, to: 2026-12-31 }\n";
        let config: DigestConfig = serde_saphyr::from_str(yaml).unwrap();
        let on = |d: &str| config.contest_on(d.parse().unwrap()).map(|p| p.name);
        assert_eq!(on("2026-02-28"), None, "nothing has started yet");
        assert_eq!(on("2026-03-01").as_deref(), Some("Spring"));
        assert_eq!(
            on("2026-07-15").as_deref(),
            Some("Spring"),
            "final standings"
        );
        assert_eq!(on("2026-12-31").as_deref(), Some("Autumn"));
        assert_eq!(on("2027-02-01").as_deref(), Some("Autumn"));
        assert_eq!(
            DigestConfig::default().contest_on("2026-12-01".parse().unwrap()),
            None
        );

        let backwards = "contests:\n  - { name: Oops, from: 2026-04-30, to: 2026-03-01 }\n";
        let message = serde_saphyr::from_str::<DigestConfig>(backwards)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("ends (2026-03-01) before it starts"),
            "{message}"
        );
    }

    #[test]
    fn two_programs_on_one_epic_are_refused() {
        let yaml = "post_to:\n  speaker: { epic: { group: 7, epic_iid: 12 } }\n  press: { epic: { group: 7, epic_iid: 12, api: graphql } }\n";
        let config: DigestConfig = serde_saphyr::from_str(yaml).unwrap();
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("`speaker` and `press`"), "{message}");
    }

    #[test]
    fn the_roll_up_needs_a_target_no_program_posts_on() {
        let table = [
            ("own epic", "{ epic: { group: 7, epic_iid: 1 } }", None),
            ("own issue", "{ issue: { project: 42, iid: 9 } }", None),
            (
                "the speaker epic through another API",
                "{ epic: { group: 7, epic_iid: 12, api: graphql } }",
                Some("the target of `speaker` (digest.post_to.speaker)"),
            ),
            (
                "the eab issue",
                "{ issue: { project: 42, iid: 5 } }",
                Some("the target of `eab`"),
            ),
        ];
        for (name, target, refused) in table {
            let yaml = format!(
                "post_to:\n  speaker: {{ epic: {{ group: 7, epic_iid: 12 }} }}\n  eab: {{ issue: {{ project: 42, iid: 5 }} }}\nrollup_to: {target}\n"
            );
            let config: DigestConfig = serde_saphyr::from_str(&yaml).unwrap();
            assert!(config.rollup_to.is_some(), "{name}");
            match (config.validate(), refused) {
                (Ok(()), None) => {}
                (Err(e), Some(words)) => {
                    assert_eq!(e.key(), "digest.rollup_to", "{name}");
                    assert!(e.to_string().contains(words), "{name}: {e}");
                }
                (got, want) => panic!("{name}: got {got:?}, want refusal {want:?}"),
            }
        }
        assert_eq!(
            DigestConfig::default().rollup_to,
            None,
            "absent: no roll-up"
        );
        let typo = "rollup_to: { epic: { group: 7, iid: 1 } }\n";
        assert!(serde_saphyr::from_str::<DigestConfig>(typo).is_err());
    }
}
