//! GitLab's offset pagination: `page`/`per_page` (default 20, max 100) and the `x-*` and `Link`
//! response headers, without `x-total`, `x-total-pages` and `rel="last"` above 10,000 matches
//! (GITLAB.md §3.3). Pure: slices a list and computes headers. Project issue lists (keyset,
//! the maximum offset) are in `issues`.

use axum::http::{HeaderMap, HeaderValue};

use super::api::Params;

pub(crate) mod issues;

/// Above this many matches GitLab stops counting.
const COUNT_LIMIT: usize = 10_000;

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One page of `items` and GitLab's pagination headers. `url` is the absolute request URL
/// without query string.
pub(crate) fn paginate<T: Clone>(items: &[T], params: &Params, url: &str) -> (Vec<T>, HeaderMap) {
    let per_page = params
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20)
        .min(100);
    let page = params
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = (start + per_page).min(total);
    let slice = items[start..end].to_vec();
    let has_next = end < total;
    let counted = total <= COUNT_LIMIT;

    let kept: Vec<String> = params
        .pairs()
        .iter()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let link = |p: usize, rel: &str| {
        let mut q = kept.clone();
        q.push(format!("page={p}"));
        q.push(format!("per_page={per_page}"));
        format!("<{url}?{}>; rel=\"{rel}\"", q.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link(page - 1, "prev"));
    }
    if has_next {
        links.push(link(page + 1, "next"));
    }
    links.push(link(1, "first"));
    if counted {
        links.push(link(total_pages, "last"));
    }

    let mut h = HeaderMap::new();
    let mut set = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    set("x-page", page.to_string());
    set("x-per-page", per_page.to_string());
    set(
        "x-next-page",
        if has_next {
            (page + 1).to_string()
        } else {
            String::new()
        },
    );
    set(
        "x-prev-page",
        if page > 1 {
            (page - 1).to_string()
        } else {
            String::new()
        },
    );
    if counted {
        set("x-total", total.to_string());
        set("x-total-pages", total_pages.to_string());
    }
    set("link", links.join(", "));
    (slice, h)
}
