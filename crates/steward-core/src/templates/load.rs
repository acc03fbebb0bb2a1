//! Reading one description template file into a validated [`TemplateSpec`], strictly: every
//! problem is reported with `path:line:col`, what is wrong and what to do.
//!
//! Knows the template file syntax (see `docs/templates.md`); does no I/O (the caller reads the
//! file) and never looks at filled-in descriptions.

use std::path::Path;

use super::TemplateError;
use super::markdown::{
    REQUIRED_MARK, checklist_item, label_matches, marked_field_line, strip_comments,
};
use super::values::{boolean_value, is_placeholder};
use crate::model::{FieldKind, FieldSpec, LabelName, TemplateName, TemplateSpec};

/// Most fields a template may declare (recognition keeps one bit per field).
pub(crate) const MAX_FIELDS: usize = 64;

const MARKER_PREFIX: &str = "steward:template=";
const FIELD_PREFIX: &str = "steward:field";

struct Ctx<'p> {
    path: &'p Path,
    errors: Vec<TemplateError>,
}

impl Ctx<'_> {
    fn err(&mut self, line: usize, col: usize, message: impl Into<String>) {
        self.errors.push(TemplateError {
            path: self.path.to_path_buf(),
            line,
            col,
            message: message.into(),
        });
    }
}

/// A field being declared, before its checklist options are collected.
struct Pending {
    spec: FieldSpec,
    line: usize,
    col: usize,
}

/// Parses one template source. `path`'s file stem is the template's name.
pub(crate) fn parse_template(
    path: &Path,
    source: &str,
) -> Result<TemplateSpec, Vec<TemplateError>> {
    let mut cx = Ctx {
        path,
        errors: Vec::new(),
    };
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    if path.extension().and_then(|e| e.to_str()) != Some("md") {
        cx.err(1, 1, "a description template must be a `.md` file (GitLab only offers `.md` files in `.gitlab/issue_templates/`); rename it");
    }

    let mut marker: Option<(String, Option<String>, usize, usize)> = None;
    let mut fields: Vec<FieldSpec> = Vec::new();
    let mut pending: Option<Pending> = None;
    let mut quick_labels: Vec<String> = Vec::new();
    let mut in_comment = false;

    for (idx, raw) in source.lines().enumerate() {
        let lineno = idx + 1;
        let started_in_comment = in_comment;
        let visible = strip_comments(raw, &mut in_comment);
        let directives = if started_in_comment {
            Vec::new()
        } else {
            directives(raw)
        };

        // Checklist options belong to the pending choice/boolean field.
        if let Some((ticked, text)) = checklist_item(&visible) {
            match pending.as_mut() {
                Some(p) if matches!(p.spec.kind, FieldKind::Choice | FieldKind::Boolean) => {
                    if ticked {
                        cx.err(lineno, col_of(raw, "["), format!("option `{text}` of `{}` is ticked in the template, so every request would answer it; write `- [ ] {text}`", p.spec.key));
                    }
                    if text.is_empty() {
                        cx.err(
                            lineno,
                            col_of(raw, "["),
                            format!(
                                "an option of `{}` has no text; write `- [ ] Option`",
                                p.spec.key
                            ),
                        );
                    } else if p.spec.choices.iter().any(|c| label_matches(c, text)) {
                        cx.err(
                            lineno,
                            col_of(raw, text),
                            format!(
                                "option `{text}` of `{}` appears twice; remove one",
                                p.spec.key
                            ),
                        );
                    } else {
                        p.spec.choices.push(text.to_owned());
                    }
                }
                Some(p) => {
                    cx.err(lineno, col_of(raw, "["), format!("checklist under `{}`, which is a {} field; only choice and boolean fields take options (set `type=choice`) or move the checklist", p.spec.key, kind_name(p.spec.kind)));
                }
                None => {}
            }
            continue;
        }
        let is_blank = visible.trim().is_empty();
        if (!is_blank || !directives.is_empty())
            && let Some(p) = pending.take()
        {
            finish_field(&mut cx, p, &mut fields);
        }

        for (col, text) in &directives {
            if let Some(rest) = text.strip_prefix(MARKER_PREFIX) {
                let (name, intake) = parse_marker(&mut cx, lineno, *col, rest);
                if marker.is_some() {
                    cx.err(lineno, *col, "a second `steward:template=` marker; a template has exactly one, remove this one");
                } else {
                    if name != stem {
                        cx.err(lineno, col_of(raw, MARKER_PREFIX) + MARKER_PREFIX.len(), format!("marker names template `{name}` but the file is `{stem}.md`; the marker must equal the file name without `.md`"));
                    }
                    marker = Some((name, intake, lineno, *col));
                }
            } else if let Some(rest) = text
                .strip_prefix(FIELD_PREFIX)
                .filter(|r| r.is_empty() || r.starts_with(char::is_whitespace))
            {
                if let Some(p) = parse_field(&mut cx, lineno, *col, rest, raw, &visible, &fields) {
                    pending = Some(p);
                }
            } else {
                cx.err(lineno, *col, format!("unknown directive `{}`; Steward knows `steward:template=NAME intake=\"LABEL\"` and `steward:field key=… type=…`", text.split_whitespace().next().unwrap_or("")));
            }
        }

        let trimmed = visible.trim_start();
        if let Some(args) = trimmed
            .strip_prefix("/labels ")
            .or_else(|| trimmed.strip_prefix("/label "))
        {
            quick_labels.extend(quick_action_labels(args));
        }
    }
    if let Some(p) = pending.take() {
        finish_field(&mut cx, p, &mut fields);
    }
    if in_comment {
        cx.err(
            source.lines().count().max(1),
            1,
            "an HTML comment `<!--` is never closed; add `-->`",
        );
    }

    let intake_label = match &marker {
        None => {
            cx.err(1, 1, format!("no template marker; add `<!-- steward:template={stem} intake=\"LABEL\" -->` at the top, LABEL being the label the template's `/label` quick action applies"));
            None
        }
        Some((_, None, line, col)) => {
            cx.err(*line, *col, "the marker has no intake label; add `intake=\"LABEL\"` (the program label the `/label` quick action applies)");
            None
        }
        Some((_, Some(intake), line, col)) => {
            if !quick_labels.iter().any(|l| l == intake) {
                cx.err(*line, *col, format!("missing intake-label quick action: no `/label` line applies `{intake}`; add `/label ~\"{intake}\"` at the end of the template"));
            }
            Some(intake.clone())
        }
    };
    if fields.is_empty() {
        cx.err(1, 1, "the template declares no fields; annotate each field line with `<!-- steward:field key=… type=… -->`");
    }
    if fields.len() > MAX_FIELDS {
        cx.err(1, 1, format!("the template declares {} fields, more than the {MAX_FIELDS} Steward supports; split it", fields.len()));
    }
    match intake_label {
        Some(intake) if cx.errors.is_empty() => Ok(TemplateSpec {
            name: TemplateName(stem),
            intake_label: LabelName(intake),
            fields,
        }),
        _ => Err(cx.errors),
    }
}

/// The `<!-- steward:… -->` comments on one raw line: (1-based column of `<!--`, inner text).
fn directives(raw: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(i) = raw[pos..].find("<!--") {
        let start = pos + i;
        let inner_start = start + 4;
        let Some(end) = raw[inner_start..].find("-->") else {
            break;
        };
        let inner = raw[inner_start..inner_start + end].trim();
        if inner.starts_with("steward:") {
            out.push((char_col(raw, start), inner));
        }
        pos = inner_start + end + 3;
    }
    out
}

fn parse_marker(cx: &mut Ctx<'_>, line: usize, col: usize, rest: &str) -> (String, Option<String>) {
    let rest = rest.trim_start();
    let name_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let name = rest[..name_end].trim_matches('"').to_owned();
    let mut intake = None;
    let attrs = rest[name_end..].trim();
    if let Some(v) = attrs.strip_prefix("intake=") {
        let v = v.trim();
        let label = match v.strip_prefix('"') {
            Some(q) => match q.find('"') {
                Some(end) => {
                    if !q[end + 1..].trim().is_empty() {
                        cx.err(line, col, format!("unexpected text after the intake label: `{}`; the marker is `steward:template=NAME intake=\"LABEL\"`", q[end + 1..].trim()));
                    }
                    &q[..end]
                }
                None => {
                    cx.err(
                        line,
                        col,
                        "the intake label's quote is never closed; write `intake=\"LABEL\"`",
                    );
                    q
                }
            },
            None => v,
        };
        if label.is_empty() {
            cx.err(
                line,
                col,
                "the intake label is empty; write `intake=\"LABEL\"`",
            );
        } else {
            intake = Some(label.to_owned());
        }
    } else if !attrs.is_empty() {
        cx.err(line, col, format!("unknown marker attribute `{attrs}`; the marker is `steward:template=NAME intake=\"LABEL\"`"));
    }
    if name.is_empty() {
        cx.err(line, col, "the marker names no template; write `steward:template=NAME` with NAME the file name without `.md`");
    }
    (name, intake)
}

fn parse_field(
    cx: &mut Ctx<'_>,
    line: usize,
    col: usize,
    attrs: &str,
    raw: &str,
    visible: &str,
    fields: &[FieldSpec],
) -> Option<Pending> {
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
        },
        line,
        col,
    })
}

fn finish_field(cx: &mut Ctx<'_>, p: Pending, fields: &mut Vec<FieldSpec>) {
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

/// Labels named by a `/label` quick action's arguments: `~"Customer Advocacy" ~speaker`.
pub(crate) fn quick_action_labels(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = args.trim();
    while let Some(i) = rest.find('~') {
        rest = &rest[i + 1..];
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            out.push(q[..end].to_owned());
            rest = q.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Date => "date",
        FieldKind::Number => "number",
        FieldKind::Url => "url",
        FieldKind::Username => "username",
        FieldKind::Choice => "choice",
        FieldKind::Boolean => "boolean",
    }
}

/// 1-based character column of byte offset `byte` in `line`.
fn char_col(line: &str, byte: usize) -> usize {
    line.get(..byte).map_or(1, |p| p.chars().count() + 1)
}

/// 1-based character column where `needle` (a sub-slice or a search string) starts in `line`.
fn col_of(line: &str, needle: &str) -> usize {
    let base = line.as_ptr() as usize;
    let p = needle.as_ptr() as usize;
    if !needle.is_empty() && p >= base && p + needle.len() <= base + line.len() {
        return char_col(line, p - base);
    }
    line.find(needle).map_or(1, |b| char_col(line, b))
}
