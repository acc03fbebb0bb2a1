//! A field declaration (`<!-- steward:field key=… type=… -->`): its attributes, its label
//! line, and, once its checklist is read, its options.

use super::{Ctx, Pending, col_of, kind_name};
use crate::model::{FieldKind, FieldSpec};
use crate::templates::markdown::{REQUIRED_MARK, label_matches, marked_field_line};
use crate::templates::values::{boolean_value, is_placeholder};

/// The line a `steward:field` directive is on.
pub(super) struct FieldLine<'a> {
    /// 1-based line number.
    pub(super) line: usize,
    /// 1-based column of the directive's `<!--`.
    pub(super) col: usize,
    /// The line as written.
    pub(super) raw: &'a str,
    /// The line without HTML comments.
    pub(super) visible: &'a str,
}

/// A field declaration's attributes as written; `ok` is false once one is wrong.
struct Attributes<'a> {
    key: Option<&'a str>,
    kind: Option<FieldKind>,
    required: bool,
    multiple: bool,
    ok: bool,
}

/// Reads the attributes of a field declaration (`attrs`, after `steward:field`), reporting
/// invalid or duplicate keys, unknown types and unknown attributes.
fn attributes<'a>(
    cx: &mut Ctx<'_>,
    at: &FieldLine<'_>,
    attrs: &'a str,
    fields: &[FieldSpec],
) -> Attributes<'a> {
    let (line, raw) = (at.line, at.raw);
    let mut key: Option<&str> = None;
    let mut kind: Option<FieldKind> = None;
    let mut required = false;
    let mut multiple = false;
    let mut ok = true;
    for attr in attrs.split_whitespace() {
        let acol = col_of(raw, attr);
        if let Some(k) = attr.strip_prefix("key=") {
            let valid = k.starts_with(|c: char| c.is_ascii_lowercase())
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                cx.err(line, acol, format!("field key `{k}` is not snake_case; use lower-case letters, digits and `_`, starting with a letter (`event_date`)"));
                ok = false;
            } else if fields.iter().any(|f| f.key == k) {
                cx.err(
                    line,
                    acol,
                    format!("duplicate field key `{k}`; every field needs its own key"),
                );
                ok = false;
            }
            key = Some(k);
        } else if let Some(t) = attr.strip_prefix("type=") {
            kind = match t {
                "text" => Some(FieldKind::Text),
                "date" => Some(FieldKind::Date),
                "number" => Some(FieldKind::Number),
                "url" => Some(FieldKind::Url),
                "username" => Some(FieldKind::Username),
                "choice" => Some(FieldKind::Choice),
                "boolean" => Some(FieldKind::Boolean),
                other => {
                    cx.err(line, acol, format!("unknown field type `{other}`; use one of text, date, number, url, username, choice, boolean"));
                    ok = false;
                    None
                }
            };
        } else if attr == "required" {
            required = true;
        } else if attr == "optional" {
            required = false;
        } else if attr == "multiple" {
            multiple = true;
        } else {
            cx.err(line, acol, format!("unknown field attribute `{attr}`; use key=…, type=…, required, optional or multiple"));
            ok = false;
        }
    }
    Attributes {
        key,
        kind,
        required,
        multiple,
        ok,
    }
}

/// Validates a field declaration on line `at` (`attrs` after `steward:field`): its attributes,
/// and its label line against them (the required mark, a distinct label, a placeholder answer).
/// `None` when anything is wrong.
pub(super) fn parse_field(
    cx: &mut Ctx<'_>,
    at: &FieldLine<'_>,
    attrs: &str,
    fields: &[FieldSpec],
) -> Option<Pending> {
    let (line, col, raw, visible) = (at.line, at.col, at.raw, at.visible);
    let Attributes {
        key,
        kind,
        required,
        multiple,
        mut ok,
    } = attributes(cx, at, attrs, fields);
    let Some(key) = key else {
        cx.err(
            line,
            col,
            "field annotation without `key=`; add e.g. `key=event_date`",
        );
        return None;
    };
    let Some(kind) = kind else {
        if ok {
            cx.err(line, col, format!("field `{key}` has no `type=`; add one of text, date, number, url, username, choice, boolean"));
        }
        return None;
    };
    if multiple && kind != FieldKind::Choice {
        cx.err(
            line,
            col_of(raw, "multiple"),
            format!(
                "`multiple` only applies to choice fields, and `{key}` is a {} field; remove it",
                kind_name(kind)
            ),
        );
        ok = false;
    }
    let Some((label, marked, placeholder)) = marked_field_line(visible) else {
        cx.err(line, 1, format!("field `{key}` has no label on its line; write `**Label:** <!-- steward:field key={key} … -->`"));
        return None;
    };
    // What a person reads must say what the rules treat as required, and nothing else (not
    // checked when the attributes themselves are wrong: a misspelt `required` is one error).
    if !ok {
    } else if required && !marked {
        cx.err(line, col_of(raw, label), format!("field `{key}` is required but its label does not say so; write `**{label} {REQUIRED_MARK}:**`"));
        ok = false;
    } else if marked && !required {
        cx.err(line, col_of(raw, label), format!("field `{key}` is marked {REQUIRED_MARK} but is optional; add `required` to its `steward:field` comment or remove the mark"));
        ok = false;
    }
    if let Some(other) = fields.iter().find(|f| label_matches(&f.label, label)) {
        cx.err(line, col_of(raw, label), format!("label `{label}` is already used by field `{}`; labels must differ so requests can be read back", other.key));
        ok = false;
    }
    if !is_placeholder(placeholder) {
        cx.err(line, col_of(raw, placeholder), format!("`{placeholder}` after `{label}` would read as an answer in every request; leave it empty or use a placeholder like `<event name>`, `YYYY-MM-DD` or `@username`"));
        ok = false;
    }
    ok.then(|| Pending {
        spec: FieldSpec {
            key: key.to_owned(),
            label: label.to_owned(),
            kind,
            required,
            choices: Vec::new(),
            multiple,
            synonyms: Vec::new(),
        },
        line,
        col,
    })
}

/// Records a field whose checklist is complete, checking its options against its kind.
pub(super) fn finish_field(cx: &mut Ctx<'_>, p: Pending, fields: &mut Vec<FieldSpec>) {
    let spec = p.spec;
    match spec.kind {
        FieldKind::Choice if spec.choices.len() < 2 => {
            cx.err(p.line, p.col, format!("choice field `{}` needs at least two checklist options under its line (`- [ ] Option`); add them or use another type", spec.key));
        }
        FieldKind::Boolean if spec.choices.len() > 1 => {
            if let Some(bad) = spec.choices.iter().find(|c| boolean_value(c).is_none()) {
                cx.err(p.line, p.col, format!("boolean field `{}` has option `{bad}`, which is not yes or no; use `- [ ] Yes` / `- [ ] No`, a single checkbox, or type=choice", spec.key));
            }
        }
        _ => {}
    }
    fields.push(spec);
}
