//! Paging through GitLab lists: where a page starts (an offset page number or a keyset link)
//! and what one page holds; plus the instance version `GET /version` reports. Plain data: the
//! client reads and writes the headers, the sweep decides which kind of paging to use.

/// Where a page of an issue list starts (GITLAB.md §3.3, §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageCursor {
    /// Offset pagination: page `n` (1-based) of 100 issues (`page`, `per_page`).
    Offset(u32),
    /// Keyset pagination (`pagination=keyset`, project issues on GitLab 18.3+). `None` asks
    /// for the first page; `Some(url)` is the `Link: <url>; rel="next"` GitLab sent with the
    /// previous page, followed as given ("use only the given link", doc/api/rest/_index.md).
    Keyset(Option<String>),
}

impl PageCursor {
    /// The first page: keyset when `keyset` is true, else offset page 1.
    pub fn first(keyset: bool) -> Self {
        if keyset {
            Self::Keyset(None)
        } else {
            Self::Offset(1)
        }
    }

    /// Whether this cursor pages by keyset.
    pub fn is_keyset(&self) -> bool {
        matches!(self, Self::Keyset(_))
    }

    /// Whether `next` moves past `self`: a page number that does not grow, or a keyset link
    /// equal to the one just followed, would loop forever and counts as the end.
    pub fn advances_to(&self, next: &PageCursor) -> bool {
        match (self, next) {
            (Self::Offset(now), Self::Offset(n)) => n > now,
            (Self::Keyset(now), Self::Keyset(Some(url))) => now.as_deref() != Some(url),
            (Self::Offset(_), Self::Keyset(Some(_))) => true,
            // GitLab answered a keyset request with offset paging (it ignores `pagination`
            // before 18.3): page 2 follows the first page.
            (Self::Keyset(None), Self::Offset(n)) => *n > 1,
            _ => false,
        }
    }
}

/// One page of a paginated list and where the next one starts, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The next page: GitLab's `x-next-page` for offset pages, the `Link` `rel="next"` URL
    /// for keyset pages; `None` on the last page.
    pub next: Option<PageCursor>,
}

/// What `GET /version` says about the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceVersion {
    /// The version string as GitLab wrote it, e.g. `19.1.0-ee` or `17.11.5`.
    pub version: String,
    /// The source revision it was built from.
    pub revision: String,
}
