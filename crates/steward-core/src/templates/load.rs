//! Reading one description template file into a validated [`TemplateSpec`], strictly: every
//! problem is reported with `path:line:col`, what is wrong and what to do.
//!
//! Knows the template file syntax (see `docs/templates.md`); does no I/O (the caller reads the
//! file) and never looks at filled-in descriptions.

use std::path::Path;

use super::TemplateError;
use super::markdown::{checklist_item, label_matches, strip_comments};
use crate::model::{FieldKind, FieldSpec, LabelName, TemplateName, TemplateSpec};

mod field;
mod option;

use field::{FieldLine, finish_field, parse_field};

/// Most fields a template may declare (recognition keeps one bit per field).
pub(crate) const MAX_FIELDS: usize = 64;

const MARKER_PREFIX: &str = "steward:template=";
const FIELD_PREFIX: &str = "steward:field";
const SYNONYMS_PREFIX: &str = "steward:synonyms";

/// Where errors are reported, and those found so far.
struct Ctx<'p> {
    path: &'p Path,
    errors: Vec<TemplateError>,
}

impl Ctx<'_> {
    /// Records an error at `line`:`col` (1-based).
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

/// A template file being read, line by line.
struct Loader<'p> {
    cx: Ctx<'p>,
    /// The template's name: the file stem.
    stem: String,
    /// The marker: template name, intake label, line and column.
    marker: Option<(String, Option<String>, usize, usize)>,
    fields: Vec<FieldSpec>,
    /// The field whose checklist options are being collected.
    pending: Option<Pending>,
    /// Labels the template's `/label` quick actions apply.
    quick_labels: Vec<String>,
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
    let mut loader = Loader {
        cx,
        stem,
        marker: None,
        fields: Vec::new(),
        pending: None,
        quick_labels: Vec::new(),
    };
    let mut in_comment = false;
    for (idx, raw) in source.lines().enumerate() {
        loader.line(idx + 1, raw, &mut in_comment);
    }
    loader.finish(source, in_comment)
}

impl Loader<'_> {
    /// Reads one raw line (`lineno` 1-based); `in_comment` carries an open HTML comment over.
    fn line(&mut self, lineno: usize, raw: &str, in_comment: &mut bool) {
        let started_in_comment = *in_comment;
        let visible = strip_comments(raw, in_comment);
        let directives = if started_in_comment {
            Vec::new()
        } else {
            directives(raw)
        };

        if let Some((ticked, text)) = checklist_item(&visible) {
            self.checklist_option(lineno, raw, ticked, text);
            for (col, d) in &directives {
                self.option_directive(lineno, *col, d, text.trim());
            }
            return;
        }
        let is_blank = visible.trim().is_empty();
        if (!is_blank || !directives.is_empty())
            && let Some(p) = self.pending.take()
        {
            finish_field(&mut self.cx, p, &mut self.fields);
        }

        for (col, text) in &directives {
            self.directive(lineno, *col, text, raw, &visible);
        }

        let trimmed = visible.trim_start();
        if let Some(args) = trimmed
            .strip_prefix("/labels ")
            .or_else(|| trimmed.strip_prefix("/label "))
        {
            self.quick_labels.extend(quick_action_labels(args));
        }
    }

    /// A checklist item: an option of the pending choice/boolean field, which must be unticked,
    /// named and new; under any other field, an error.
    fn checklist_option(&mut self, lineno: usize, raw: &str, ticked: bool, text: &str) {
        let cx = &mut self.cx;
        match self.pending.as_mut() {
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
    }

    /// One `steward:` directive at `col`: the template marker or a field declaration.
    fn directive(&mut self, lineno: usize, col: usize, text: &str, raw: &str, visible: &str) {
        let cx = &mut self.cx;
        if let Some(rest) = text.strip_prefix(MARKER_PREFIX) {
            let (name, intake) = parse_marker(cx, lineno, col, rest);
            if self.marker.is_some() {
                cx.err(lineno, col, "a second `steward:template=` marker; a template has exactly one, remove this one");
            } else {
                if name != self.stem {
                    cx.err(lineno, col_of(raw, MARKER_PREFIX) + MARKER_PREFIX.len(), format!("marker names template `{name}` but the file is `{}.md`; the marker must equal the file name without `.md`", self.stem));
                }
                self.marker = Some((name, intake, lineno, col));
            }
        } else if let Some(rest) = text
            .strip_prefix(FIELD_PREFIX)
            .filter(|r| r.is_empty() || r.starts_with(char::is_whitespace))
        {
            let line = FieldLine {
                line: lineno,
                col,
                raw,
                visible,
            };
            if let Some(p) = parse_field(cx, &line, rest, &self.fields) {
                self.pending = Some(p);
            }
        } else {
            cx.err(lineno, col, format!("unknown directive `{}`; Steward knows `steward:template=NAME intake=\"LABEL\"`, `steward:field key=… type=…` and, on an option's line, `steward:synonyms …`", text.split_whitespace().next().unwrap_or("")));
        }
    }

    /// After the last line: the template as a whole (comments closed, a marker with an intake
    /// label its quick action applies, between one and `MAX_FIELDS` fields).
    fn finish(
        mut self,
        source: &str,
        in_comment: bool,
    ) -> Result<TemplateSpec, Vec<TemplateError>> {
        let cx = &mut self.cx;
        if let Some(p) = self.pending.take() {
            finish_field(cx, p, &mut self.fields);
        }
        if in_comment {
            cx.err(
                source.lines().count().max(1),
                1,
                "an HTML comment `<!--` is never closed; add `-->`",
            );
        }
        let intake_label = self.intake_label();
        let (cx, fields) = (&mut self.cx, self.fields);
        if fields.is_empty() {
            cx.err(1, 1, "the template declares no fields; annotate each field line with `<!-- steward:field key=… type=… -->`");
        }
        if fields.len() > MAX_FIELDS {
            cx.err(1, 1, format!("the template declares {} fields, more than the {MAX_FIELDS} Steward supports; split it", fields.len()));
        }
        match intake_label {
            Some(intake) if cx.errors.is_empty() => Ok(TemplateSpec {
                name: TemplateName(self.stem),
                intake_label: LabelName(intake),
                fields,
            }),
            _ => Err(self.cx.errors),
        }
    }

    /// The marker's intake label, reporting a missing marker, a missing label, or a label no
    /// `/label` quick action applies.
    fn intake_label(&mut self) -> Option<String> {
        let cx = &mut self.cx;
        match &self.marker {
            None => {
                cx.err(1, 1, format!("no template marker; add `<!-- steward:template={} intake=\"LABEL\" -->` at the top, LABEL being the label the template's `/label` quick action applies", self.stem));
                None
            }
            Some((_, None, line, col)) => {
                cx.err(*line, *col, "the marker has no intake label; add `intake=\"LABEL\"` (the program label the `/label` quick action applies)");
                None
            }
            Some((_, Some(intake), line, col)) => {
                if !self.quick_labels.iter().any(|l| l == intake) {
                    cx.err(*line, *col, format!("missing intake-label quick action: no `/label` line applies `{intake}`; add `/label ~\"{intake}\"` at the end of the template"));
                }
                Some(intake.clone())
            }
        }
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

/// The template name and intake label of a `steward:template=` marker's text after `=`.
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

/// The name of a field kind, as the `type=` attribute spells it.
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
