//! Ordering and paging of `GET /projects/:id/issues` as GitLab does it (GITLAB.md §6.3):
//! `order_by`/`sort` validated (400 otherwise), keyset pagination from 18.3 for the orders
//! GitLab allows, and the maximum offset on offset pages. Pure: sorts and slices.
//!
//! From GitLab's source (`lib/api/issues.rb`, `lib/api/helpers/pagination_strategies.rb`,
//! `lib/gitlab/pagination/keyset/paginator.rb`):
//! - `pagination=keyset` with an `order_by` keyset does not support is dropped: the request is
//!   answered by offset (no error). Before 18.3 `pagination` is ignored on this endpoint.
//! - A keyset page fetches one row more than `per_page` to know whether another page exists;
//!   only then does it send `Link: <…&cursor=…>; rel="next"` (the request's parameters plus the
//!   cursor, base64url JSON of the last row's order values with `"_kd":"n"`). No `x-page`,
//!   `x-next-page` or `x-total` headers are sent.
//! - An offset page with `page * per_page` above the limit answers 405 with
//!   `{"error": "Offset pagination has a maximum allowed offset of 50000 for requests that
//!   return objects of type Issue. Remaining records can be retrieved using keyset
//!   pagination."}`. The instance-limits doc applies the limit to every endpoint that also
//!   supports keyset; newer code enforces it only for some types, so this simulator takes the
//!   stricter, documented reading.

use std::cmp::Ordering;

use axum::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::super::api::{ApiError, Params};
use super::super::state::Issue;
use super::{encode, paginate};

/// The `order_by` values of the issues API (`Helpers::IssuesHelpers.sort_options`, plus `id`).
const ORDERS: &[&str] = &[
    "created_at",
    "updated_at",
    "priority",
    "due_date",
    "relative_position",
    "label_priority",
    "milestone_due",
    "popularity",
    "weight",
    "title",
    "id",
];

/// The orders keyset supports on project issues (doc/api/rest/_index.md, "Supported
/// resources", Project issues), each `asc` or `desc`.
const KEYSET_ORDERS: &[&str] = &[
    "created_at",
    "updated_at",
    "title",
    "id",
    "weight",
    "due_date",
    "relative_position",
];

/// How GitLab is configured and what it emulates, for one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The emulated release has keyset pagination for project issues (18.3+).
    pub keyset: bool,
    /// The maximum offset (0: none).
    pub max_offset: usize,
}

/// One row's position in the order: the order column's value and the id.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Time(DateTime<Utc>),
    Date(Option<NaiveDate>),
    Text(String),
    Id,
}

fn order_value(i: &Issue, order: &str) -> Key {
    match order {
        "updated_at" => Key::Time(i.updated_at),
        "due_date" => Key::Date(i.due_date),
        "title" => Key::Text(i.title.clone()),
        // The simulator keeps no weight, position or priority: ids break every tie.
        "id" | "weight" | "relative_position" => Key::Id,
        _ => Key::Time(i.created_at),
    }
}

/// GitLab's order: the column in the asked direction (issues without a due date last either
/// way), then the id in the same direction.
fn compare(a: &(Key, u64), b: &(Key, u64), desc: bool) -> Ordering {
    let dir = |o: Ordering| if desc { o.reverse() } else { o };
    let primary = match (&a.0, &b.0) {
        (Key::Time(x), Key::Time(y)) => dir(x.cmp(y)),
        (Key::Text(x), Key::Text(y)) => dir(x.cmp(y)),
        (Key::Date(x), Key::Date(y)) => match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => dir(x.cmp(y)),
        },
        _ => Ordering::Equal,
    };
    primary.then(dir(a.1.cmp(&b.1)))
}

/// `order_by` and whether `sort` is descending, validated like GitLab's API (400 otherwise).
fn order_of(params: &Params) -> Result<(&str, bool), ApiError> {
    let order = params.get("order_by").unwrap_or("created_at");
    if !ORDERS.contains(&order) {
        return Err(ApiError::BadRequest(
            "order_by does not have a valid value".into(),
        ));
    }
    let desc = match params.get("sort").unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        _ => {
            return Err(ApiError::BadRequest(
                "sort does not have a valid value".into(),
            ));
        }
    };
    Ok((order, desc))
}

fn cursor_of(order: &str, i: &Issue) -> String {
    let value = match order_value(i, order) {
        Key::Time(t) => json!(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        Key::Date(d) => d.map_or(Value::Null, |d| json!(d.to_string())),
        Key::Text(t) => json!(t),
        Key::Id => Value::Null,
    };
    let mut data = Map::new();
    if !matches!(order, "id" | "weight" | "relative_position") {
        data.insert(order.to_owned(), value);
    }
    data.insert("id".into(), json!(i.id.to_string()));
    data.insert("_kd".into(), json!("n"));
    base64::engine::general_purpose::URL_SAFE.encode(Value::Object(data).to_string())
}

/// The row position a cursor names, in `order`.
fn decode_cursor(order: &str, cursor: &str) -> Option<(Key, u64)> {
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(cursor)
        .ok()?;
    let data: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    let id = data.get("id")?.as_str()?.parse().ok()?;
    let raw = data.get(order);
    let value = match order {
        "updated_at" | "created_at" => Key::Time(
            DateTime::parse_from_rfc3339(raw?.as_str()?)
                .ok()?
                .with_timezone(&Utc),
        ),
        "due_date" => Key::Date(match raw? {
            Value::Null => None,
            v => Some(v.as_str()?.parse().ok()?),
        }),
        "title" => Key::Text(raw?.as_str()?.to_owned()),
        _ => Key::Id,
    };
    Some((value, id))
}

/// Sorts the matching issues as GitLab lists them and cuts out the page the request asks for,
/// with GitLab's headers. `url` is the absolute request URL without query string.
pub(crate) fn page<'a>(
    hits: &mut [&'a Issue],
    params: &Params,
    url: &str,
    limits: Limits,
) -> Result<(Vec<&'a Issue>, HeaderMap), ApiError> {
    let (order, desc) = order_of(params)?;
    hits.sort_by(|a, b| {
        compare(
            &(order_value(a, order), a.id),
            &(order_value(b, order), b.id),
            desc,
        )
    });
    let keyset = limits.keyset
        && params.get("pagination") == Some("keyset")
        && KEYSET_ORDERS.contains(&order);
    if keyset {
        return keyset_page(hits, params, url, order, desc);
    }
    if limits.keyset && limits.max_offset > 0 {
        let number = |k: &str, default: usize| {
            params
                .get(k)
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(default)
        };
        let offset = number("page", 1).saturating_mul(number("per_page", 20));
        if offset > limits.max_offset {
            return Err(ApiError::MethodNotAllowed(format!(
                "Offset pagination has a maximum allowed offset of {} for requests that return \
                 objects of type Issue. Remaining records can be retrieved using keyset \
                 pagination.",
                limits.max_offset
            )));
        }
    }
    Ok(paginate(hits, params, url))
}

fn keyset_page<'a>(
    hits: &[&'a Issue],
    params: &Params,
    url: &str,
    order: &str,
    desc: bool,
) -> Result<(Vec<&'a Issue>, HeaderMap), ApiError> {
    let per_page = params
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20)
        .min(100);
    let start = match params.get("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(raw) => {
            let after = decode_cursor(order, raw)
                .ok_or_else(|| ApiError::BadRequest("cursor is invalid".into()))?;
            hits.iter()
                .position(|i| compare(&(order_value(i, order), i.id), &after, desc).is_gt())
                .unwrap_or(hits.len())
        }
    };
    let end = (start + per_page).min(hits.len());
    let slice = hits[start..end].to_vec();
    let mut headers = HeaderMap::new();
    if end < hits.len()
        && let Some(last) = slice.last()
    {
        let cursor = cursor_of(order, last);
        // Rails' `to_query`: the request's parameters with the cursor, sorted by name.
        let mut pairs: Vec<(String, String)> = params
            .pairs()
            .iter()
            .filter(|(k, _)| k != "cursor")
            .cloned()
            .collect();
        pairs.push(("cursor".into(), cursor.clone()));
        pairs.sort();
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let link = format!("<{url}?{}>; rel=\"next\"", query.join("&"));
        if let Ok(v) = HeaderValue::from_str(&link) {
            headers.insert("link", v);
        }
        if let Ok(v) = HeaderValue::from_str(&cursor) {
            headers.insert("x-next-cursor", v);
        }
    }
    Ok((slice, headers))
}

#[cfg(test)]
#[path = "issues_tests.rs"]
mod tests;
