//! Typed parsing of a filled-in description against one template: finds each field's line,
//! reads its value (same line, next lines or ticked checklist items) and converts it.
//!
//! One pass over the lines, no regexes, few allocations: this sits on the hot path of every
//! issue evaluation. Pure; tolerant of what people really type (see `docs/templates.md`).

use std::borrow::Cow;

use super::dates::DateOrder;
use super::markdown::{checklist_item, field_line, label_matches, visible_lines};
use super::values::is_placeholder;
use crate::model::{FieldError, ParsedFields, TemplateSpec};

mod resolve;

use resolve::resolve;

/// How ambiguous values are read.
#[derive(Clone, Copy, Debug, Default)]
pub struct ParseOptions {
    /// Order of all-numeric dates with the year last (`03/10/2027`).
    pub date_order: DateOrder,
}

/// What was found in the description for one field.
#[derive(Default)]
struct Slot<'a> {
    /// The field's line was present.
    seen: bool,
    /// Value typed on the field's line.
    inline: Option<Cow<'a, str>>,
    /// The template's placeholder, when it was kept on the field's line (the value may then
    /// follow on the next lines).
    placeholder: Option<Cow<'a, str>>,
    /// Value typed on the following lines.
    next: Option<Cow<'a, str>>,
    /// Checklist items under the line: how many, and the ticked ones' text.
    items: usize,
    ticked: Vec<Cow<'a, str>>,
}

/// Parses `description` against `spec`. Values that are present and readable land in
/// `values` by field key; required fields that are missing or unfilled, and any typed-in value
/// that cannot be read (required or not), become [`FieldError`]s in template order.
pub fn parse_fields(spec: &TemplateSpec, description: &str, opts: &ParseOptions) -> ParsedFields {
    let mut slots: Vec<Slot<'_>> = Vec::with_capacity(spec.fields.len());
    slots.resize_with(spec.fields.len(), Slot::default);
    let mut current: Option<usize> = None;
    // Whether lines of prose still extend the current field's value.
    let mut collecting = false;

    for (_, line) in visible_lines(description) {
        if let Some((ticked, text)) = checklist_item(&line) {
            if let Some(c) = current {
                slots[c].items += 1;
                if ticked {
                    let t = sub(&line, text);
                    slots[c].ticked.push(t);
                }
            }
            collecting = false;
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if current.is_some_and(|c| slots[c].next.is_some()) {
                collecting = false;
            }
            continue;
        }
        if let Some((label, value)) = field_line(trimmed)
            && let Some(fi) = spec
                .fields
                .iter()
                .position(|f| label_matches(label, &f.label))
        {
            current = Some(fi);
            collecting = slots[fi].label_line(&line, value);
            continue;
        }
        // Headings, rules and quick-action lines (GitLab strips those on save, but a pasted
        // template may keep them, GITLAB.md §4.4) end the current field's value.
        if trimmed.starts_with('#')
            || trimmed == "---"
            || trimmed == "***"
            || is_quick_action(trimmed)
        {
            current = None;
            collecting = false;
            continue;
        }
        match current {
            Some(c) if collecting => {
                let slot = &mut slots[c];
                match slot.next.as_mut() {
                    None => slot.next = Some(sub(&line, trimmed)),
                    Some(text) => {
                        let t = text.to_mut();
                        t.push('\n');
                        t.push_str(trimmed);
                    }
                }
            }
            _ => collecting = false,
        }
    }

    resolve_all(spec, &slots, opts)
}

impl<'a> Slot<'a> {
    /// Records the field's labelled `line` with `value` typed after the label; returns whether
    /// the lines below still extend the value (nothing answered yet).
    ///
    /// A repeated label only fills what is still empty. A placeholder kept on the label's line
    /// is no answer: the answer may be on the line below it.
    #[allow(clippy::ptr_arg)] // `sub` needs the Cow: a borrowed line lends its lifetime
    fn label_line(&mut self, line: &Cow<'a, str>, value: &str) -> bool {
        self.seen = true;
        if self.inline.is_none() && self.next.is_none() && !value.is_empty() {
            if is_placeholder(value) {
                self.placeholder.get_or_insert_with(|| sub(line, value));
            } else {
                self.inline = Some(sub(line, value));
            }
        }
        self.inline.is_none() && self.next.is_none()
    }
}

/// Every field's value or error, in template order.
fn resolve_all(spec: &TemplateSpec, slots: &[Slot<'_>], opts: &ParseOptions) -> ParsedFields {
    let mut out = ParsedFields::default();
    for (field, slot) in spec.fields.iter().zip(slots) {
        match resolve(field, slot, opts) {
            Ok(Some(v)) => {
                out.values.insert(field.key.clone(), v);
            }
            Ok(None) => {}
            Err(message) => out.errors.push(FieldError {
                field: field.label.clone(),
                message,
                required: field.required,
            }),
        }
    }
    out
}

/// `/label ~x`, `/assign @u`: a slash, a lower-case command word, then a space or the end.
fn is_quick_action(line: &str) -> bool {
    line.strip_prefix('/').is_some_and(|rest| {
        let word_end = rest.find(' ').unwrap_or(rest.len());
        word_end > 0
            && rest[..word_end]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
    })
}

/// A part of `line` with the line's lifetime when the line is borrowed from the description.
fn sub<'a>(line: &Cow<'a, str>, part: &str) -> Cow<'a, str> {
    match line {
        Cow::Borrowed(whole) => {
            let start = part.as_ptr() as usize - whole.as_ptr() as usize;
            Cow::Borrowed(&whole[start..start + part.len()])
        }
        Cow::Owned(_) => Cow::Owned(part.to_owned()),
    }
}
