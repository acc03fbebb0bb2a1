//! Read-through caches of slow-changing GitLab data (project labels, user ids), so that a
//! webhook costs one issue read. Shared by every job of a process and by start-up checks.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::RwLock;

use crate::gitlab::{CallContext, GitLab, GitLabError};
use steward_core::model::{LabelName, ProjectId, UserId, Username};

/// How long a project's label list is trusted before it is read again.
const LABEL_CACHE_TTL: Duration = Duration::from_secs(600);
/// The shortest interval between two forced re-reads of a project's labels.
const LABEL_REFRESH_MIN: Duration = Duration::from_secs(60);

/// Project labels and user ids, read from GitLab at most once per lifetime (users) or per
/// [`LABEL_CACHE_TTL`] (labels).
pub struct Directory {
    gitlab: Arc<dyn GitLab>,
    labels: RwLock<HashMap<ProjectId, (BTreeSet<LabelName>, Instant)>>,
    users: RwLock<HashMap<String, Option<UserId>>>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").finish_non_exhaustive()
    }
}

impl Directory {
    /// An empty cache in front of `gitlab`.
    pub fn new(gitlab: Arc<dyn GitLab>) -> Self {
        Self {
            gitlab,
            labels: RwLock::default(),
            users: RwLock::default(),
        }
    }

    /// The project's labels, read at most once per [`LABEL_CACHE_TTL`]. `refresh` forces a read
    /// (used when the rules want a label the cached list lacks: it may have been created since).
    pub async fn project_labels(
        &self,
        project: ProjectId,
        refresh: bool,
    ) -> Result<BTreeSet<LabelName>, GitLabError> {
        // A forced refresh (the rules want a label the list lacks) still reads at most once a
        // minute: a label that is really missing must not cost a label listing per issue.
        let fresh_enough = if refresh {
            LABEL_REFRESH_MIN
        } else {
            LABEL_CACHE_TTL
        };
        if let Some((labels, at)) = self.labels.read().await.get(&project)
            && at.elapsed() < fresh_enough
        {
            return Ok(labels.clone());
        }
        let labels: BTreeSet<LabelName> = self
            .gitlab
            .project_labels(&CallContext::none(), project)
            .await?
            .into_iter()
            .collect();
        self.labels
            .write()
            .await
            .insert(project, (labels.clone(), Instant::now()));
        Ok(labels)
    }

    /// Ids of the given usernames (lower-cased keys); unknown users are left out. Each username
    /// is looked up once per process.
    pub async fn user_ids(
        &self,
        usernames: &[Username],
    ) -> Result<HashMap<String, UserId>, GitLabError> {
        let mut out = HashMap::new();
        for name in usernames {
            let key = name.as_str().to_ascii_lowercase();
            let cached = self.users.read().await.get(&key).copied();
            let id = match cached {
                Some(id) => id,
                None => {
                    let found = self
                        .gitlab
                        .user_by_username(&CallContext::none(), &Username(key.clone()))
                        .await?
                        .map(|u| u.id);
                    self.users.write().await.insert(key.clone(), found);
                    found
                }
            };
            if let Some(id) = id {
                out.insert(key, id);
            }
        }
        Ok(out)
    }
}
