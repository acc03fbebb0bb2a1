//! Request parameters as GitLab's API reads them: query string, form body or JSON body.

use axum::http::HeaderMap;
use serde_json::Value;

use super::ApiError;
use crate::state::percent_decode;

/// Request parameters from the query string, a form body or a JSON body (GitLab takes all
/// three). Array keys lose their `[]`; an empty JSON array is kept as one empty value so that
/// `assignee_ids: []` still means "unassign".
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

fn form_pairs(s: &str, out: &mut Vec<(String, String)>) {
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(&k.replace('+', " "));
        let v = percent_decode(&v.replace('+', " "));
        out.push((k.strip_suffix("[]").map(str::to_owned).unwrap_or(k), v));
    }
}

fn json_value(k: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((k.to_owned(), s.clone())),
        Value::Null => out.push((k.to_owned(), String::new())),
        Value::Array(a) if a.is_empty() => out.push((k.to_owned(), String::new())),
        Value::Array(a) => a.iter().for_each(|x| json_value(k, x, out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k2, x)| json_value(&format!("{k}[{k2}]"), x, out)),
        other => out.push((k.to_owned(), other.to_string())),
    }
}

impl Params {
    pub fn parse(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Self, ApiError> {
        let mut out = Vec::new();
        if let Some(q) = query {
            form_pairs(q, &mut out);
        }
        if !body.is_empty() {
            let ct = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if ct.starts_with("application/json") {
                let v: Value = serde_json::from_slice(body)
                    .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
                if let Value::Object(o) = v {
                    o.iter().for_each(|(k, x)| json_value(k, x, &mut out));
                }
            } else {
                form_pairs(&String::from_utf8_lossy(body), &mut out);
            }
        }
        Ok(Self(out))
    }

    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value given for `key`, comma-separated lists split.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        let vals: Vec<&str> = self
            .0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        if vals.is_empty() {
            return None;
        }
        Some(
            vals.iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// The raw pairs, for rebuilding pagination links.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}
