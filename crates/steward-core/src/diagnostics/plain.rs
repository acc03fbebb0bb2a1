//! The YAML parser's words (`invalid u32`, `expected mapping start`) said the way the person
//! editing a rule file thinks: which key, what it must be, what was written instead.
//!
//! Reads the source text only to quote the key and the value at the error's location; it does
//! not decide what is valid.

/// What a number-like key counts, from its name.
fn counts_days(key: &str) -> bool {
    key.ends_with("days") || key == "minimum" || key == "offset"
}

/// The key and the written value at 1-based `line`/`column` of `text`, when they can be read:
/// `key: value` or `{ key: value }` on that line.
pub(super) fn key_and_value(text: &str, line: u64, column: u64) -> (Option<String>, String) {
    let Some(src) = line
        .checked_sub(1)
        .and_then(|i| text.lines().nth(usize::try_from(i).ok()?))
    else {
        return (None, String::new());
    };
    let col = usize::try_from(column.saturating_sub(1)).unwrap_or(0);
    let before: String = src.chars().take(col).collect();
    let rest: String = src.chars().skip(col).collect();
    let value = rest
        .split([',', '}', ']', '#'])
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    // A value on the lines below its key: the key is the last line above ending in `key:`.
    let before = if before.trim().is_empty() {
        let above = usize::try_from(line.saturating_sub(1)).unwrap_or(0);
        text.lines()
            .take(above)
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .last()
            .unwrap_or("")
            .to_owned()
    } else {
        before
    };
    let key = before.trim_end().strip_suffix(':').and_then(|k| {
        let name: String = k
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        (!name.is_empty()).then_some(name)
    });
    (key, value)
}

/// `` `key` `` or "this value" when the key is not on the error's line.
fn subject(key: Option<&str>) -> String {
    match key {
        Some(k) => format!("`{k}`"),
        None => "this value".to_owned(),
    }
}

/// ", not `value`" when something was written.
fn not(value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        format!(", not `{value}`")
    }
}

/// A scalar of the wrong kind (`ty` is the Rust type the parser wanted).
pub(super) fn invalid_scalar(ty: &str, key: Option<&str>, value: &str) -> (String, String) {
    let who = subject(key);
    let example_key = key.unwrap_or("key");
    match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            let unit = if key.is_some_and(counts_days) {
                " of days"
            } else {
                ""
            };
            let hint = if value.starts_with('-') {
                format!(
                    "a count{unit} cannot be negative; write 0 or more in digits, e.g. `{example_key}: 5`"
                )
            } else {
                format!("write the number in digits, e.g. `{example_key}: 5`")
            };
            (
                format!(
                    "{who} must be a whole number{unit}, 0 or more{}",
                    not(value)
                ),
                hint,
            )
        }
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => {
            let unit = if key.is_some_and(counts_days) {
                " of days (negative counts back)"
            } else {
                ""
            };
            (
                format!("{who} must be a whole number{unit}{}", not(value)),
                format!("write the number in digits, e.g. `{example_key}: -30`"),
            )
        }
        "f32" | "f64" => (
            format!("{who} must be a number{}", not(value)),
            format!("write the number in digits, e.g. `{example_key}: 10`"),
        ),
        "bool" => (
            format!("{who} must be `true` or `false`{}", not(value)),
            "write true or false, without quotes".to_owned(),
        ),
        other => (
            format!("{who} cannot be read as {other}{}", not(value)),
            "compare with the examples in docs/rules.md".to_owned(),
        ),
    }
}

/// A node of the wrong shape (`expected` in the parser's words: `mapping start`, …).
pub(super) fn unexpected(expected: &str, key: Option<&str>, value: &str) -> (String, String) {
    let who = subject(key);
    match expected {
        "mapping start" | "empty mapping start" => (
            format!("{who} needs `name: value` entries{}", not(value)),
            "put them on the lines below, indented, or inline as `{ name: value }`".to_owned(),
        ),
        "sequence start" => (
            format!("{who} needs a list{}", not(value)),
            "write `[first, second]`, or one `- item` per line below it, indented".to_owned(),
        ),
        other => (
            format!("expected {other} here{}", not(value)),
            "check the indentation and the punctuation (`:`, `-`, brackets) on this line"
                .to_owned(),
        ),
    }
}

/// serde's "a sequence", "u32", "a boolean" in plain words.
fn plain_expected(expected: &str) -> String {
    match expected {
        "a sequence" => "a list".to_owned(),
        "a map" | "struct" => "`name: value` entries".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        "a string" => "text".to_owned(),
        e if e.starts_with("u") && e[1..].parse::<u32>().is_ok() => {
            "a whole number, 0 or more".to_owned()
        }
        e if e.starts_with("i") && e[1..].parse::<u32>().is_ok() => "a whole number".to_owned(),
        e => e.trim_start_matches("struct ").to_owned(),
    }
}

/// A value of the wrong type (`expected` and `found` in serde's words).
pub(super) fn invalid_type(expected: &str, found: &str, key: Option<&str>) -> (String, String) {
    let found = found
        .replace("sequence", "a list")
        .replace("map", "`name: value` entries");
    (
        format!(
            "{} must be {}, not {found}",
            subject(key),
            plain_expected(expected)
        ),
        "compare with the examples in docs/rules.md".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_value_are_read_from_flow_and_block_mappings() {
        let text = "rules:\n  - due_date: { within_business_days: -3 }\n    minimum: five # days\n  - due_date:\n      - overdue: true\n";
        let cases = [
            (2, 39, Some("within_business_days"), "-3"),
            (3, 14, Some("minimum"), "five"),
            (9, 1, None, ""),
            (5, 7, Some("due_date"), "- overdue: true"),
        ];
        for (line, col, key, value) in cases {
            let (k, v) = key_and_value(text, line, col);
            assert_eq!(k.as_deref(), key, "{line}:{col}");
            assert_eq!(v, value, "{line}:{col}");
        }
    }

    #[test]
    fn numbers_of_days_are_described_as_days() {
        let cases = [
            (
                "u32",
                Some("within_business_days"),
                "-3",
                "`within_business_days` must be a whole number of days, 0 or more, not `-3`",
                "cannot be negative",
            ),
            (
                "u32",
                Some("overdue_business_days"),
                "five",
                "`overdue_business_days` must be a whole number of days, 0 or more, not `five`",
                "in digits",
            ),
            (
                "i32",
                Some("offset"),
                "-30d",
                "`offset` must be a whole number of days (negative counts back), not `-30d`",
                "`offset: -30`",
            ),
            (
                "bool",
                Some("overwrite"),
                "yes please",
                "`overwrite` must be `true` or `false`, not `yes please`",
                "true or false",
            ),
        ];
        for (ty, key, value, message, hint) in cases {
            let (m, h) = invalid_scalar(ty, key, value);
            assert_eq!(m, message);
            assert!(h.contains(hint), "{h}");
        }
    }

    #[test]
    fn wrong_shapes_say_what_was_expected() {
        let (m, h) = unexpected("mapping start", Some("due_date"), "soon");
        assert_eq!(m, "`due_date` needs `name: value` entries, not `soon`");
        assert!(h.contains("{ name: value }"), "{h}");
        let (m, _) = unexpected("sequence start", Some("labels"), "");
        assert_eq!(m, "`labels` needs a list");
        let (m, _) = invalid_type("a sequence", "string \"urgent\"", Some("labels"));
        assert_eq!(m, "`labels` must be a list, not string \"urgent\"");
    }
}
