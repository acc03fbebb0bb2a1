use chrono::TimeZone;

use super::*;
use steward_core::model::{IssueState, UserId};

fn issue(id: u64, minutes: i64, due: Option<&str>) -> Issue {
    let t =
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes);
    Issue {
        id,
        iid: id - 5000,
        title: format!("Issue {id}"),
        description: String::new(),
        state: IssueState::Opened,
        labels: vec![],
        assignees: vec![],
        author: UserId(1),
        due_date: due.map(|d| d.parse().unwrap()),
        confidential: false,
        created_at: t,
        updated_at: t,
        updated_by: None,
        last_edited_at: None,
        last_edited_by: None,
        closed_at: None,
        closed_by: None,
        notes: vec![],
    }
}

fn params(q: &str) -> Params {
    Params::parse(Some(q), &HeaderMap::new(), b"").unwrap()
}

const URL: &str = "https://gitlab.example.com/api/v4/projects/11/issues";
const CURRENT: Limits = Limits {
    keyset: true,
    max_offset: 50_000,
};

/// The error of a request expected to fail.
fn refused(hits: &mut [&Issue], query: &str, limits: Limits) -> ApiError {
    match page(hits, &params(query), URL, limits) {
        Ok(_) => panic!("{query} was served"),
        Err(e) => e,
    }
}

fn header<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Follows `rel="next"` links from `first` to the end; the ids in order and the pages read.
fn walk(issues: &[Issue], first: &str, limits: Limits) -> (Vec<u64>, usize) {
    let mut query = first.to_owned();
    let (mut ids, mut pages) = (Vec::new(), 0);
    loop {
        let mut hits: Vec<&Issue> = issues.iter().collect();
        let (page, h) = page(&mut hits, &params(&query), URL, limits).unwrap();
        pages += 1;
        ids.extend(page.iter().map(|i| i.id));
        let Some(link) = header(&h, "link") else {
            return (ids, pages);
        };
        let next = link
            .strip_prefix('<')
            .and_then(|l| l.split_once('>'))
            .unwrap()
            .0;
        query = next.split_once('?').unwrap().1.to_owned();
    }
}

#[test]
fn keyset_pages_follow_the_next_link_to_every_issue_in_order_without_offset_headers() {
    let issues: Vec<Issue> = (5001..=5045)
        .map(|id| issue(id, (id % 7) as i64, None))
        .collect();
    let mut hits: Vec<&Issue> = issues.iter().collect();
    let first = params("pagination=keyset&order_by=updated_at&sort=desc&per_page=20&state=opened");
    let (page1, h) = page(&mut hits, &first, URL, CURRENT).unwrap();
    assert_eq!(page1.len(), 20);
    let link = header(&h, "link").unwrap();
    assert!(
        link.starts_with(&format!("<{URL}?")) && link.ends_with(">; rel=\"next\""),
        "{link}"
    );
    assert!(
        link.contains("cursor=") && link.contains("state=opened"),
        "filters kept: {link}"
    );
    for absent in ["x-page", "x-next-page", "x-total", "x-total-pages"] {
        assert!(
            h.get(absent).is_none(),
            "{absent} is not sent on keyset pages"
        );
    }
    let (ids, pages) = walk(
        &issues,
        "pagination=keyset&order_by=updated_at&sort=desc&per_page=20",
        CURRENT,
    );
    assert_eq!(pages, 3, "20 + 20 + 5, and no link after the last page");
    let mut expected: Vec<&Issue> = issues.iter().collect();
    expected.sort_by_key(|i| std::cmp::Reverse((i.updated_at, i.id)));
    assert_eq!(ids, expected.iter().map(|i| i.id).collect::<Vec<_>>());
}

#[test]
fn a_keyset_walk_is_exact_for_every_order_gitlab_allows_in_both_directions() {
    let dues = [
        Some("2026-12-01"),
        None,
        Some("2026-11-20"),
        Some("2026-12-01"),
        None,
    ];
    let issues: Vec<Issue> = (5001..=5023)
        .map(|id| issue(id, (id % 5) as i64, dues[(id % 5) as usize]))
        .collect();
    for order in [
        "created_at",
        "updated_at",
        "due_date",
        "title",
        "id",
        "weight",
        "relative_position",
    ] {
        for sort in ["asc", "desc"] {
            let offset = format!("order_by={order}&sort={sort}&per_page=100");
            let mut hits: Vec<&Issue> = issues.iter().collect();
            let (all, _) = page(&mut hits, &params(&offset), URL, CURRENT).unwrap();
            let first = format!("pagination=keyset&order_by={order}&sort={sort}&per_page=4");
            let (ids, pages) = walk(&issues, &first, CURRENT);
            assert_eq!(
                ids,
                all.iter().map(|i| i.id).collect::<Vec<_>>(),
                "{order} {sort}"
            );
            assert_eq!(pages, 6, "{order} {sort}");
        }
    }
}

#[test]
fn an_order_keyset_does_not_support_is_answered_by_offset_and_bad_values_are_refused() {
    let issues: Vec<Issue> = (5001..=5030).map(|id| issue(id, 0, None)).collect();
    let mut hits: Vec<&Issue> = issues.iter().collect();
    let (got, h) = page(
        &mut hits,
        &params("pagination=keyset&order_by=priority&per_page=20"),
        URL,
        CURRENT,
    )
    .unwrap();
    assert_eq!(got.len(), 20);
    assert_eq!(
        header(&h, "x-next-page"),
        Some("2"),
        "pagination dropped: offset paging"
    );
    for bad in [
        "order_by=nonsense",
        "sort=sideways",
        "pagination=keyset&order_by=created_at&sort=up",
    ] {
        let err = refused(&mut hits, bad, CURRENT);
        assert!(
            matches!(err, ApiError::BadRequest(ref m) if m.contains("does not have a valid value")),
            "{bad}: {err:?}"
        );
    }
    let err = refused(&mut hits, "pagination=keyset&cursor=%%%", CURRENT);
    assert!(matches!(err, ApiError::BadRequest(_)), "{err:?}");
}

#[test]
fn offset_pages_past_the_maximum_offset_get_gitlabs_405_and_older_releases_have_no_cap() {
    let issues: Vec<Issue> = (5001..=5030).map(|id| issue(id, 0, None)).collect();
    let mut hits: Vec<&Issue> = issues.iter().collect();
    let capped = Limits {
        keyset: true,
        max_offset: 20,
    };
    // page * per_page may equal the limit; one more page is refused.
    assert!(page(&mut hits, &params("page=2&per_page=10"), URL, capped).is_ok());
    let err = refused(&mut hits, "page=3&per_page=10", capped);
    let ApiError::MethodNotAllowed(message) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        message,
        "Offset pagination has a maximum allowed offset of 20 for requests that return objects \
         of type Issue. Remaining records can be retrieved using keyset pagination."
    );
    // Keyset pages are never capped.
    let (ids, _) = walk(&issues, "pagination=keyset&per_page=10", capped);
    assert_eq!(ids.len(), 30);
    // GitLab 17.11: no keyset (the parameter is ignored) and no cap on this endpoint.
    let old = Limits {
        keyset: false,
        max_offset: 20,
    };
    let (got, h) = page(
        &mut hits,
        &params("pagination=keyset&page=3&per_page=10"),
        URL,
        old,
    )
    .unwrap();
    assert_eq!(got.len(), 10);
    assert_eq!(header(&h, "x-page"), Some("3"));
    // A limit of 0 disables the cap.
    let off = Limits {
        keyset: true,
        max_offset: 0,
    };
    assert!(page(&mut hits, &params("page=3&per_page=10"), URL, off).is_ok());
}

#[test]
fn the_default_cap_is_gitlabs_fifty_thousand() {
    let issues: Vec<Issue> = (1..=50_100u64).map(|n| issue(5000 + n, 0, None)).collect();
    let mut hits: Vec<&Issue> = issues.iter().collect();
    let defaults = Limits {
        keyset: true,
        max_offset: crate::types::SimConfig::default().offset_pagination_limit,
    };
    let (last, _) = page(&mut hits, &params("page=500&per_page=100"), URL, defaults).unwrap();
    assert_eq!(last.len(), 100, "offset 50,000 is still served");
    let err = refused(&mut hits, "page=501&per_page=100", defaults);
    assert!(
        matches!(err, ApiError::MethodNotAllowed(ref m) if m.contains("of 50000 for")),
        "{err:?}"
    );
}
