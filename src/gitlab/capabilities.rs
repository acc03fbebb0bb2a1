//! What the GitLab instance can do, decided from its version (`GET /version`): keyset paging
//! of project issues and the work-item GraphQL path for epics. The decision is pure
//! ([`Capabilities::from_version`]); [`probe`] asks GitLab once and says in one log line which
//! paths Steward uses. It does not page or post anything itself.
//!
//! A probe that fails (GitLab down, a proxy refusing `/version`) is logged and leaves the
//! conservative paths in place (offset paging, REST epic notes), which work on every supported
//! version; the next sweep probes again ([`SharedCapabilities::refresh_if_unknown`]) until one
//! probe succeeds. GitLab can also correct the decision at run time: a 405 to a keyset request
//! turns keyset off for the rest of the process ([`SharedCapabilities::keyset_refused`]).

use std::fmt;
use std::sync::RwLock;

use super::{CallContext, GitLab};

/// A GitLab release number read from `GET /version` (`19.1.0-ee`, `18.3.2`, `16.0.0-pre`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitLabVersion {
    /// Major release (`19`).
    pub major: u32,
    /// Minor release (`1`).
    pub minor: u32,
    /// Patch release (`0`).
    pub patch: u32,
    /// A build before its release (`-pre`, `-rc1`, any suffix other than the `-ee`/`-ce`
    /// edition): GitLab.com and nightly builds report the version they are heading to.
    pub prerelease: bool,
}

impl GitLabVersion {
    /// Reads `MAJOR.MINOR.PATCH[-suffix…]`; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let (numbers, suffix) = raw.split_once('-').unwrap_or((raw, ""));
        let mut parts = numbers.split('.');
        let mut number = || -> Option<u32> {
            let part = parts.next()?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (major, minor, patch) = (number()?, number()?, number()?);
        if parts.next().is_some() {
            return None;
        }
        let prerelease = suffix
            .split('-')
            .filter(|s| !s.is_empty())
            .any(|s| !matches!(s.to_ascii_lowercase().as_str(), "ee" | "ce"));
        Some(Self {
            major,
            minor,
            patch,
            prerelease,
        })
    }

    /// Whether this build includes what release `major.minor` introduced. A pre-release of
    /// `major.minor.0` does not count: the feature may have landed after that build.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        match (self.major, self.minor).cmp(&(major, minor)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => !(self.prerelease && self.patch == 0),
        }
    }
}

impl fmt::Display for GitLabVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if self.prerelease {
            f.write_str("-pre")?;
        }
        Ok(())
    }
}

/// Keyset pagination of `GET /projects/:id/issues` (GITLAB.md §6.3; doc/api/rest/_index.md,
/// "Supported resources": Project issues, introduced in 18.3).
pub const KEYSET_PROJECT_ISSUES: (u32, u32) = (18, 3);
/// Epics are work items and the WorkItem GraphQL API works (GITLAB.md §6.1, §6.2: 18.1+).
pub const WORK_ITEM_EPICS: (u32, u32) = (18, 1);
/// The Epic GraphQL API is planned for removal (GITLAB.md §6.2: 19.0).
pub const EPIC_GRAPHQL_REMOVED: (u32, u32) = (19, 0);

/// How the capabilities were learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Not asked yet (the conservative paths until start-up probes).
    NotProbed,
    /// From the version GitLab reported.
    Version(String),
    /// The probe failed or GitLab's answer was not a version: conservative paths, probed
    /// again by the next sweep.
    Unknown(String),
}

/// What Steward may use on this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The parsed version, when known.
    pub version: Option<GitLabVersion>,
    /// Where the decision came from.
    pub source: Source,
    /// Sweeps page project issues by keyset (no 50,000 offset cap).
    pub keyset_project_issues: bool,
    /// Epic comments can go through WorkItem GraphQL `createNote` (18.1+).
    pub work_items_graphql: bool,
    /// The legacy Epic GraphQL API is gone (19.0+); Steward does not use it, this is reported.
    pub epic_graphql_removed: bool,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self::conservative(Source::NotProbed)
    }
}

impl Capabilities {
    /// The paths that work on every supported version: offset paging, REST epic notes.
    pub fn conservative(source: Source) -> Self {
        Self {
            version: None,
            source,
            keyset_project_issues: false,
            work_items_graphql: false,
            epic_graphql_removed: false,
        }
    }

    /// The decision for the version string `GET /version` returned. Not a version: the
    /// conservative paths (and the reason kept in [`Capabilities::source`]).
    pub fn from_version(raw: &str) -> Self {
        let Some(version) = GitLabVersion::parse(raw) else {
            let shown: String = raw.chars().take(40).collect();
            return Self::conservative(Source::Unknown(format!(
                "GitLab reported version {shown:?}, which is not MAJOR.MINOR.PATCH"
            )));
        };
        let has = |(major, minor): (u32, u32)| version.at_least(major, minor);
        Self {
            version: Some(version),
            source: Source::Version(raw.trim().to_owned()),
            keyset_project_issues: has(KEYSET_PROJECT_ISSUES),
            work_items_graphql: has(WORK_ITEM_EPICS),
            epic_graphql_removed: has(EPIC_GRAPHQL_REMOVED),
        }
    }

    /// Whether epic notes may go through WorkItem GraphQL: the input of an `auto` choice
    /// between GraphQL and REST epic notes.
    pub fn work_item_notes(&self) -> bool {
        self.work_items_graphql
    }

    /// Whether the version is known (a probe succeeded).
    pub fn is_known(&self) -> bool {
        matches!(self.source, Source::Version(_))
    }

    /// The one structured line saying which paths are used.
    pub fn log(&self) {
        let version = match &self.source {
            Source::Version(v) => v.as_str(),
            Source::Unknown(_) | Source::NotProbed => "unknown",
        };
        let reason = match &self.source {
            Source::Unknown(r) => r.as_str(),
            _ => "",
        };
        tracing::info!(
            gitlab_version = version,
            issue_paging = if self.keyset_project_issues {
                "keyset"
            } else {
                "offset"
            },
            epic_notes = if self.work_items_graphql {
                "graphql-work-items"
            } else {
                "rest"
            },
            epic_graphql_removed = self.epic_graphql_removed,
            probe_error = reason,
            "GitLab capabilities"
        );
    }
}

/// Asks GitLab its version once and decides. Never fails: an error becomes the conservative
/// paths, logged as a warning.
pub async fn probe(gitlab: &dyn GitLab) -> Capabilities {
    match gitlab.version(&CallContext::none()).await {
        Ok(v) => Capabilities::from_version(&v.version),
        Err(e) => {
            tracing::warn!(error = %e, "GET /version failed; using offset paging and REST \
                epic notes until a later sweep probes again");
            Capabilities::conservative(Source::Unknown(e.to_string()))
        }
    }
}

/// The capabilities one process shares (the GitLab cache holds them).
#[derive(Debug, Default)]
pub struct SharedCapabilities {
    current: RwLock<Capabilities>,
}

impl SharedCapabilities {
    /// The current decision.
    pub fn get(&self) -> Capabilities {
        self.current
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Replaces the decision and logs it.
    pub fn set(&self, capabilities: Capabilities) {
        capabilities.log();
        match self.current.write() {
            Ok(mut c) => *c = capabilities,
            Err(e) => *e.into_inner() = capabilities,
        }
    }

    /// Probes again when start-up's probe failed; returns the decision to use. Without a
    /// start-up probe (a GitLab wired by hand) nothing is asked: the conservative paths stay.
    pub async fn refresh_if_unknown(&self, gitlab: &dyn GitLab) -> Capabilities {
        let now = self.get();
        if !matches!(now.source, Source::Unknown(_)) {
            return now;
        }
        let probed = probe(gitlab).await;
        if probed != now {
            self.set(probed.clone());
        }
        probed
    }

    /// GitLab refused a keyset request (405): page by offset from now on.
    pub fn keyset_refused(&self, why: &str) {
        let mut now = self.get();
        if now.keyset_project_issues {
            tracing::warn!(
                reason = why,
                "GitLab refused keyset paging of project issues; \
                falling back to offset paging"
            );
            now.keyset_project_issues = false;
            self.set(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_decide_keyset_paging_and_the_work_item_epic_path() {
        // (reported version, keyset project issues, work-item epics, Epic GraphQL removed)
        let cases = [
            ("19.1.0-ee", true, true, true),
            ("19.0.0", true, true, true),
            ("18.3.2", true, true, false),
            ("18.3.0-ee", true, true, false),
            ("18.3.0-pre", false, true, false),
            ("18.3.1-pre", true, true, false),
            ("18.2.9-ee", false, true, false),
            ("18.1.0", false, true, false),
            ("18.0.5-ee", false, false, false),
            ("17.11.5-ee", false, false, false),
            ("16.0.0-pre", false, false, false),
            ("20.0.0-rc2-ee", true, true, true),
            (" 18.4.0 ", true, true, false),
        ];
        for (raw, keyset, work_items, removed) in cases {
            let c = Capabilities::from_version(raw);
            assert!(c.is_known(), "{raw}");
            assert_eq!(c.keyset_project_issues, keyset, "keyset for {raw}");
            assert_eq!(c.work_item_notes(), work_items, "work items for {raw}");
            assert_eq!(c.epic_graphql_removed, removed, "epic GraphQL for {raw}");
        }
    }

    #[test]
    fn a_version_that_is_not_a_version_leaves_the_conservative_paths() {
        for raw in [
            "", "garbage", "19", "19.1", "19.1.x", "v19.1.0", "19.1.0.4", "-19.1.0",
        ] {
            let c = Capabilities::from_version(raw);
            assert!(!c.is_known(), "{raw:?}");
            assert!(!c.keyset_project_issues && !c.work_item_notes(), "{raw:?}");
            assert!(
                matches!(&c.source, Source::Unknown(m) if m.contains("not MAJOR.MINOR.PATCH")),
                "{raw:?}: {:?}",
                c.source
            );
        }
    }

    #[test]
    fn editions_are_not_prereleases_but_other_suffixes_are() {
        let v = GitLabVersion::parse("17.11.5-ee").unwrap();
        assert_eq!(
            (v.major, v.minor, v.patch, v.prerelease),
            (17, 11, 5, false)
        );
        assert!(!GitLabVersion::parse("18.3.0-CE").unwrap().prerelease);
        assert!(GitLabVersion::parse("16.0.0-pre").unwrap().prerelease);
        assert_eq!(
            GitLabVersion::parse("16.0.0-pre").unwrap().to_string(),
            "16.0.0-pre"
        );
    }

    #[test]
    fn a_keyset_refusal_turns_only_keyset_off() {
        let shared = SharedCapabilities::default();
        shared.set(Capabilities::from_version("19.1.0-ee"));
        shared.keyset_refused("405");
        let now = shared.get();
        assert!(!now.keyset_project_issues);
        assert!(now.work_item_notes(), "only keyset is turned off");
        assert!(now.is_known());
    }
}
