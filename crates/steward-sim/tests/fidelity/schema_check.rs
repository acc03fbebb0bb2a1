//! A checker for the subset of JSON Schema that GitLab's vendored v4 response schemas use
//! (`tests/fixtures/gitlab-schemas/README.md` lists it): small enough to read, strict where the
//! files are. Returns every violation with its JSON path, so a failure says what to fix.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The vendored schemas' directory.
pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gitlab-schemas")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read schema {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks `value` against the vendored schema `file` (relative to the schema directory).
/// `extra_keys` are object keys allowed beyond an `additionalProperties: false` (each needs a
/// reason in the README).
pub fn violations(file: &str, value: &Value, extra_keys: &[&str]) -> Vec<String> {
    let path = schema_dir().join(file);
    let schema = load(&path);
    let mut out = Vec::new();
    let c = Checker { extra_keys };
    c.check(&schema, &path, value, "$", &mut out);
    out
}

struct Checker<'a> {
    extra_keys: &'a [&'a str],
}

/// Whether `v` is of the schema type `name`. `date` and `uri` (not JSON Schema names, used by
/// GitLab's files) and names with stray spaces are read as strings, as GitLab's matcher does.
fn is_type(name: &str, v: &Value) -> bool {
    match name.trim() {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" | "date" | "uri" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("schema type {other:?} is not in the checked subset"),
    }
}

impl Checker<'_> {
    fn check(&self, s: &Value, file: &Path, v: &Value, at: &str, out: &mut Vec<String>) {
        let Some(s) = s.as_object() else { return };
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let target = file.parent().unwrap_or(file).join(r);
            self.check(&load(&target), &target, v, at, out);
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, file, v, at, out);
            }
        }
        if let Some(t) = s.get("type") {
            let names: Vec<&str> = match t {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !names.iter().any(|n| is_type(n, v)) {
                out.push(format!("{at}: {v} is not of type {names:?}"));
                return;
            }
        }
        if let Some(allowed) = s.get("enum").and_then(Value::as_array)
            && !allowed.contains(v)
        {
            out.push(format!("{at}: {v} is not one of {allowed:?}"));
        }
        if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), v.as_str()) {
            let re = regex::Regex::new(p).unwrap_or_else(|e| panic!("pattern {p}: {e}"));
            if !re.is_match(text) {
                out.push(format!("{at}: {text:?} does not match {p}"));
            }
        }
        if let Some(items) = s.get("items")
            && let Some(arr) = v.as_array()
        {
            for (i, x) in arr.iter().enumerate() {
                self.check(items, file, x, &format!("{at}[{i}]"), out);
            }
        }
        if let Some(obj) = v.as_object() {
            self.check_object(s, file, obj, at, out);
        }
    }

    fn check_object(
        &self,
        s: &serde_json::Map<String, Value>,
        file: &Path,
        obj: &serde_json::Map<String, Value>,
        at: &str,
        out: &mut Vec<String>,
    ) {
        for key in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(k) = key.as_str()
                && !obj.contains_key(k)
            {
                out.push(format!("{at}: required key {k:?} is missing"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        // `issues.json` writes `"properties": {"$ref": "./issue.json"}`: the items' schema.
        if let Some(r) = props.and_then(|p| p.get("$ref")).filter(|r| r.is_string()) {
            let target = file.parent().unwrap_or(file).join(r.as_str().unwrap_or(""));
            self.check(
                &load(&target),
                &target,
                &Value::Object(obj.clone()),
                at,
                out,
            );
            return;
        }
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => self.check(sub, file, x, &format!("{at}.{k}"), out),
                None if s.get("additionalProperties") == Some(&Value::Bool(false))
                    && !self.extra_keys.contains(&k.as_str()) =>
                {
                    out.push(format!("{at}: key {k:?} is not allowed by the schema"));
                }
                None => {}
            }
        }
    }
}

#[test]
fn the_checker_reports_missing_keys_wrong_types_and_unknown_keys() {
    let note = serde_json::json!([{ "id": "7", "body": "x", "stray": 1 }]);
    let v = violations("notes.json", &note, &[]);
    assert!(
        v.iter().any(|m| m.contains("\"author\" is missing")),
        "{v:?}"
    );
    assert!(v.iter().any(|m| m.contains("$[0].id")), "{v:?}");
    assert!(
        v.iter().any(|m| m.contains("\"stray\" is not allowed")),
        "{v:?}"
    );
}
