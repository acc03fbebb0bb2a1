//! The JSON Schema of rule files, printed by `steward schema` for editors (YAML language servers
//! read it). Hand-written to carry descriptions; a test checks it names every key the loader
//! accepts.
//!
//! Documentation only: loading never consults it (the serde types are the authority).

use serde_json::{Value, json};

/// A list of labels, described.
fn labels(desc: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string", "minLength": 1 }, "description": desc })
}

/// The `unit:` of a day count.
fn days_unit() -> Value {
    json!({ "enum": ["calendar_days", "business_days"], "default": "calendar_days",
            "description": "Calendar days, or business days (team calendar: weekends and holidays skipped)." })
}

/// The schema as a JSON value (draft 2020-12).
pub fn rule_file_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://steward.example/schemas/rules.json",
        "title": "Steward rule file (rules/*.yaml)",
        "type": "object",
        "additionalProperties": false,
        "required": ["rules"],
        "properties": {
            "rules": { "type": "array", "items": { "$ref": "#/$defs/rule" },
                       "description": "Rules, evaluated in order (files by name, then file order)." }
        },
        "$defs": {
            "rule": rule_def(),
            "conditions": conditions_def(),
            "field_condition": field_condition_def(),
            "due_date_condition": due_date_condition_def(),
            "check": check_def(),
            "lead_time": lead_time_def(),
            "actions": actions_def(),
            "assign": assign_def(),
            "due_date": due_date_def(),
            "comment": comment_def(),
            "escalate": escalate_def()
        }
    })
}

/// The schema of one rule: its name, conditions, check and action blocks.
fn rule_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["name"],
        "properties": {
            "name": { "type": "string", "description": "Unique rule name, shown in matched_rules." },
            "description": { "type": "string" },
            "conditions": { "$ref": "#/$defs/conditions" },
            "check": { "$ref": "#/$defs/check" },
            "actions": { "$ref": "#/$defs/actions", "description": "Applied when the conditions hold and the check (if any) fails." },
            "otherwise": { "$ref": "#/$defs/actions", "description": "Applied when the conditions do not hold or the check passes; may only change labels and update an existing comment." }
        }
    })
}

/// The schema of what a rule tests about an issue.
fn conditions_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "template": { "type": "string", "description": "Template name (issue_templates/NAME.md) or \"*\" for any recognised template." },
            "labels": labels("The issue has all of these labels; `scope::*` matches any label of the scope."),
            "forbidden_labels": labels("The issue has none of these labels; `scope::*` allowed."),
            "state": { "enum": ["opened", "closed", "all"] },
            "author": { "type": "array", "items": { "type": "string" }, "description": "The author is one of these usernames." },
            "assignees": { "enum": ["none", "any"] },
            "fields": { "type": "object", "additionalProperties": { "$ref": "#/$defs/field_condition" },
                        "description": "Tests by field key of the rule's template." },
            "field_errors": { "type": "boolean", "description": "true: some required field is missing or unreadable." },
            "field_warnings": { "type": "boolean", "description": "true: some optional field's answer is unreadable (a warning: it never holds the request up)." },
            "due_date": { "$ref": "#/$defs/due_date_condition" },
            "older_than_business_days": { "type": "integer", "minimum": 1, "description": "Filed at least N business days ago, not counting business days spent waiting on the requester." },
            "waiting_business_days": { "type": "integer", "minimum": 1, "description": "Waiting on the requester (a label declared `waiting_on_requester`) for at least N business days in the current wait." },
            "without_comments": { "type": "array", "items": { "type": "string" }, "description": "None of these comments (by the `key` of a rule's comment) is on the issue." },
            "inactive_business_days": { "type": "integer", "minimum": 1, "description": "Nobody but Steward has acted on the issue (commented, edited, filed it) for at least N business days; Steward's own edits and comments are not activity." },
            "work_item_type": { "type": "array", "items": { "type": "string" }, "description": "The work item's type is one of these names (case-insensitive), e.g. Issue, \"Speaker request\"; items of other types are left alone." },
            "quiet_period": {
                "type": "object", "additionalProperties": false, "required": ["field"],
                "description": "The date in this field falls in a quiet period (calendar.yaml `quiet_period`).",
                "properties": { "field": { "type": "string", "description": "A date field of the rule's template." } }
            },
            "expiry": {
                "type": "object", "additionalProperties": false,
                "description": "Where a written approval stands against its expiry: the stated one, else the approval date plus calendar.yaml's `approvals.default_validity_days`.",
                "properties": {
                    "expires": { "type": "string", "description": "Date field: the expiry the approval states." },
                    "approved": { "type": "string", "description": "Date field: when it was approved." },
                    "within_business_days": { "type": "integer", "minimum": 0, "description": "Expires within N business days (not yet expired)." },
                    "expired": { "type": "boolean", "description": "true: past its last valid day." }
                }
            }
        }
    })
}

/// The schema of the tests of one field of the rule's template.
fn field_condition_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "present": { "type": "boolean" },
            "equals": { "type": ["string", "number", "boolean"], "description": "Text case-insensitively; for a choice, this option is ticked; for a date, YYYY-MM-DD." },
            "one_of": { "type": "array", "items": { "type": "string" } },
            "none_of": { "type": "array", "items": { "type": "string" } },
            "regex": { "type": "string", "description": "Rust regex syntax (linear time)." },
            "before": { "type": "string", "pattern": "^(now([+-][0-9]+d)?|[0-9]{4}-[0-9]{2}-[0-9]{2})$" },
            "after": { "type": "string", "pattern": "^(now([+-][0-9]+d)?|[0-9]{4}-[0-9]{2}-[0-9]{2})$" },
            "within_days": { "type": "integer", "minimum": 0, "description": "Between today and today + N days." },
            "lt": { "type": "number" }, "lte": { "type": "number" },
            "gt": { "type": "number" }, "gte": { "type": "number" }
        }
    })
}

/// The schema of a rule's tests of the due date.
fn due_date_condition_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "present": { "type": "boolean" },
            "within_business_days": { "type": "integer", "minimum": 0 },
            "overdue": { "type": "boolean" },
            "overdue_business_days": { "type": "integer", "minimum": 1, "description": "Overdue by at least N business days." }
        }
    })
}

/// The schema of a rule's check (a lead-time check).
fn check_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["lead_time"],
        "properties": { "lead_time": { "$ref": "#/$defs/lead_time" } }
    })
}

/// The schema of a lead-time check: a date field at least a minimum number of days after filing.
fn lead_time_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["field", "minimum"],
        "properties": {
            "field": { "type": "string", "description": "A date field of the rule's template." },
            "minimum": { "type": "integer", "minimum": 0 },
            "unit": days_unit()
        }
    })
}

/// The schema of an action block (`actions`, `otherwise`).
fn actions_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "labels": labels("Labels to add; a scoped label replaces its siblings."),
            "remove_labels": labels("Labels to remove; `scope::*` allowed. Never removes a label another rule adds."),
            "assign": { "$ref": "#/$defs/assign" },
            "due_date": { "$ref": "#/$defs/due_date" },
            "comment": { "$ref": "#/$defs/comment" },
            "mention": { "type": "array", "items": { "type": "string" }, "description": "Roles mentioned at the end of the comment." },
            "escalate": { "$ref": "#/$defs/escalate" },
            "close": { "type": "string", "description": "Close the issue with this outcome label (`outcome::*`, see rules/outcomes.yaml)." },
            "reopen": { "type": "boolean", "description": "true: reopen the issue." }
        }
    })
}

/// The schema of an assignment to a member of a roster role.
fn assign_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["role"],
        "properties": {
            "role": { "type": "string", "description": "A role from rules/roster.yaml." },
            "strategy": { "enum": ["fixed", "round_robin", "least_loaded"], "default": "fixed" },
            "override": { "type": "boolean", "default": false, "description": "Replace existing assignees." }
        }
    })
}

/// The schema of a due-date action: a base date and an offset.
fn due_date_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["from"],
        "properties": {
            "from": { "type": "string", "pattern": "^(created|next_earnings|earnings\\.[A-Za-z0-9_]+|field\\.[A-Za-z0-9_]+)$" },
            "offset": { "type": "integer", "default": 0 },
            "unit": days_unit(),
            "overwrite": { "type": "boolean", "default": false, "description": "Replace a due date already set." },
            "not_before": { "type": "string", "pattern": "^field\\.[A-Za-z0-9_]+$", "description": "Never a due date before this date field's date (an embargo)." }
        }
    })
}

/// The schema of an escalation: the role asked (never the assignee) and what it is asked.
fn escalate_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["role", "ask"],
        "description": "Ends the comment asking the role's members other than the assignee (or the role's backup) to act; with nobody left, says the labels carry it.",
        "properties": {
            "role": { "type": "string", "description": "A role from rules/roster.yaml." },
            "ask": { "type": "string", "description": "What they are asked, after their mention." }
        }
    })
}

/// The schema of a comment: its key and Markdown body with placeholders.
fn comment_def() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["key", "body"],
        "properties": {
            "key": { "type": "string", "pattern": "^[A-Za-z0-9_-]+$", "description": "One note per key per issue, updated in place." },
            "repeat_every_days": { "type": "integer", "minimum": 1, "description": "Post a new note (a new notification) at most once per N days instead of updating one." },
            "body": { "type": "string", "description": "Markdown with {{author}}, {{title}}, {{iid}}, {{url}}, {{template}}, {{today}}, {{due_date}}, {{assignee}}, {{assignee_name}}, {{field_errors}}, {{field_warnings}}, {{field.KEY}}, {{lead_time.required_days|actual_days|earliest_ok_date|latest_filing_date|unit|field_date|filed_date|field_label}}, {{quiet_period.start|end|quarter|field_date}}, {{expiry.date|business_days_left}}, {{role.NAME}}." }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::raw::*;
    use serde::de::DeserializeOwned;

    /// The keys a strict raw type accepts, read from its unknown-key error.
    fn accepted_keys<T: DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
        let err = serde_saphyr::from_str::<T>("zz_probe: 1\n").unwrap_err();
        match err.without_snippet() {
            serde_saphyr::Error::SerdeUnknownField { expected, .. } => {
                expected.iter().map(|s| (*s).to_owned()).collect()
            }
            other => panic!("no key list: {other}"),
        }
    }

    fn schema_keys(def: &str) -> Vec<String> {
        let s = rule_file_schema();
        let props = if def.is_empty() {
            &s["properties"]
        } else {
            &s["$defs"][def]["properties"]
        };
        props.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn schema_names_every_key_the_loader_accepts() {
        let cases: Vec<(&str, Vec<String>)> = vec![
            ("", accepted_keys::<RawRuleFile>()),
            ("rule", accepted_keys::<RawRule>()),
            ("conditions", accepted_keys::<RawConditions>()),
            ("field_condition", accepted_keys::<RawFieldCondition>()),
            ("due_date_condition", accepted_keys::<RawDueDateCondition>()),
            ("check", accepted_keys::<RawCheck>()),
            ("lead_time", accepted_keys::<RawLeadTime>()),
            ("actions", accepted_keys::<RawActions>()),
            ("assign", accepted_keys::<RawAssign>()),
            ("due_date", accepted_keys::<RawDueDate>()),
            ("comment", accepted_keys::<RawComment>()),
            ("escalate", accepted_keys::<RawEscalate>()),
        ];
        for (def, mut keys) in cases {
            let mut in_schema = schema_keys(def);
            keys.sort();
            in_schema.sort();
            assert_eq!(keys, in_schema, "schema definition `{def}`");
        }
    }
}
