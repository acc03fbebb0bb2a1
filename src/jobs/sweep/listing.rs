//! The sweep's walk through one project's issue list, page by page: keyset pages where the
//! instance supports them (GitLab 18.3+, GITLAB.md §6.3), offset pages elsewhere, and a way
//! past the offset cap on offset pages. It lists; it decides nothing about the issues.
//!
//! - A keyset request GitLab refuses (405) or answers by offset (GitLab before 18.3 ignores
//!   `pagination=keyset`) turns keyset off for the process and the walk goes on by offset.
//! - An offset page past GitLab's maximum offset (405, "Offset pagination has a maximum allowed
//!   offset of 50000 …", `lib/api/helpers/pagination_strategies.rb`) starts a new window: the
//!   list (newest update first) is asked again from page 1 with `updated_before` set to the
//!   oldest `updated_at` listed so far. Issues on the boundary are listed twice (the sweep skips
//!   what it has seen); none is skipped.

use chrono::{DateTime, Utc};

use crate::gitlab::cached::CachedGitLab;
use crate::gitlab::{CallContext, GitLab, GitLabError, IssueOrderBy, IssueQuery, PageCursor};
use steward_core::model::{Issue, ProjectId};

/// How a listing paged, for the sweep's report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListingStats {
    /// Pages read by keyset.
    pub keyset_pages: usize,
    /// Pages read by offset.
    pub offset_pages: usize,
    /// Keyset asked for but not given (refused or answered by offset).
    pub keyset_fallbacks: usize,
    /// New `updated_before` windows started at the offset cap.
    pub windows: usize,
}

/// One project's walk.
pub(super) struct Listing<'a> {
    gitlab: &'a CachedGitLab,
    project: ProjectId,
    query: IssueQuery,
    cursor: Option<PageCursor>,
    oldest: Option<DateTime<Utc>>,
    pub stats: ListingStats,
}

/// GitLab's 405 to a keyset request it cannot serve (`pagination_strategies.rb`).
fn keyset_refused(e: &GitLabError) -> bool {
    matches!(e, GitLabError::Rejected { status: 405, message, .. }
        if message.contains("Keyset pagination is not yet available"))
}

/// GitLab's 405 to an offset page past its maximum offset (`pagination_strategies.rb`).
fn offset_capped(e: &GitLabError) -> bool {
    matches!(e, GitLabError::Rejected { status: 405, message, .. }
        if message.contains("maximum allowed offset"))
}

impl<'a> Listing<'a> {
    /// A walk over `query`'s issues, by keyset when `keyset`.
    pub fn new(
        gitlab: &'a CachedGitLab,
        project: ProjectId,
        query: IssueQuery,
        keyset: bool,
    ) -> Self {
        Self {
            gitlab,
            project,
            query,
            cursor: Some(PageCursor::first(keyset)),
            oldest: None,
            stats: ListingStats::default(),
        }
    }

    /// The next page's issues, or `None` after the last page.
    pub async fn next(&mut self, ctx: &CallContext) -> Result<Option<Vec<Issue>>, GitLabError> {
        loop {
            let Some(cursor) = self.cursor.take() else {
                return Ok(None);
            };
            let result = self
                .gitlab
                .list_issues_page(ctx, self.project, &self.query, &cursor)
                .await;
            match result {
                Ok(page) => {
                    // A one-page answer cannot tell; a longer one says how it pages.
                    let answered_by_offset =
                        cursor.is_keyset() && matches!(page.next, Some(PageCursor::Offset(_)));
                    if answered_by_offset {
                        self.fall_back("GitLab answered a keyset request with offset pages");
                    }
                    match cursor {
                        PageCursor::Keyset(_) if !answered_by_offset => {
                            self.stats.keyset_pages += 1
                        }
                        _ => self.stats.offset_pages += 1,
                    }
                    let oldest = page.items.iter().map(|i| i.updated_at).min();
                    self.oldest = match (self.oldest, oldest) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    self.cursor = page.next.filter(|next| cursor.advances_to(next));
                    return Ok(Some(page.items));
                }
                Err(e) if cursor.is_keyset() && keyset_refused(&e) => {
                    self.fall_back(&e.to_string());
                    self.cursor = Some(PageCursor::Offset(1));
                }
                Err(e) if !cursor.is_keyset() && offset_capped(&e) => {
                    self.next_window(e)?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn fall_back(&mut self, why: &str) {
        self.stats.keyset_fallbacks += 1;
        tracing::warn!(project = %self.project, reason = why,
            "keyset paging unavailable; listing by offset");
        self.gitlab.capabilities().keyset_refused(why);
    }

    /// Starts the next `updated_before` window, or gives the cap's error back when the list is
    /// not ordered by update or the window would not move (every listed issue has one
    /// `updated_at`).
    fn next_window(&mut self, capped: GitLabError) -> Result<(), GitLabError> {
        let by_update = self.query.order_by == Some(IssueOrderBy::UpdatedAt)
            && self.query.sort != Some(crate::gitlab::SortDirection::Asc);
        match self.oldest {
            Some(oldest) if by_update && self.query.updated_before != Some(oldest) => {
                tracing::info!(project = %self.project, updated_before = %oldest,
                    "offset paging reached GitLab's maximum offset; listing the older issues \
                     in a new window");
                self.stats.windows += 1;
                self.query.updated_before = Some(oldest);
                self.cursor = Some(PageCursor::Offset(1));
                Ok(())
            }
            _ => Err(capped),
        }
    }
}
