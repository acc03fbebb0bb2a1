//! Typed parsing of a filled-in description against one template: finds each field's line,
//! reads its value (same line, next lines or ticked checklist items) and converts it.
//!
//! One pass over the lines, no regexes, few allocations: this sits on the hot path of every
//! issue evaluation. Pure; tolerant of what people really type (see `docs/templates.md`).

use std::borrow::Cow;

use super::dates::{DateOrder, DateProblem, date_value};
use super::markdown::{checklist_item, field_line, label_matches, visible_lines};
use super::values::{boolean_value, is_placeholder, number_value, url_value, username_value};
use crate::model::{
    FieldError, FieldKind, FieldSpec, FieldValue, ParsedFields, TemplateSpec, Username,
};

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
            let slot = &mut slots[fi];
            slot.seen = true;
            // A repeated label only fills what is still empty. A placeholder kept on the
            // label's line is no answer: the answer may be on the line below it.
            if slot.inline.is_none() && slot.next.is_none() && !value.is_empty() {
                if is_placeholder(value) {
                    slot.placeholder.get_or_insert_with(|| sub(&line, value));
                } else {
                    slot.inline = Some(sub(&line, value));
                }
            }
            collecting = slot.inline.is_none() && slot.next.is_none();
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

    let mut out = ParsedFields::default();
    for (field, slot) in spec.fields.iter().zip(&slots) {
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

/// The field's value, `None` when absent and optional, or the message for the requester.
fn resolve(
    field: &FieldSpec,
    slot: &Slot<'_>,
    opts: &ParseOptions,
) -> Result<Option<FieldValue>, String> {
    let typed = slot
        .inline
        .as_deref()
        .or(slot.next.as_deref())
        .or(slot.placeholder.as_deref())
        .map(str::trim);
    let filled = typed.filter(|t| !is_placeholder(t));
    let missing = || -> Result<Option<FieldValue>, String> {
        if !field.required {
            return Ok(None);
        }
        let expected = expected(field, opts);
        Err(match (slot.seen, typed) {
            (false, _) => format!("missing: add a \"{}:\" line with {expected}", field.label),
            (true, Some(p)) if !p.is_empty() => {
                format!("not filled in (found {}), expected {expected}", quote(p))
            }
            (true, _) => format!("not filled in, expected {expected}"),
        })
    };
    let bad = |v: &str| {
        Err(format!(
            "found {}, expected {}",
            quote(v),
            expected(field, opts)
        ))
    };

    match field.kind {
        FieldKind::Choice => {
            let picked: Vec<&str> = if !slot.ticked.is_empty() {
                slot.ticked.iter().map(|t| t.as_ref()).collect()
            } else if let Some(t) = filled {
                if field.multiple {
                    t.split([',', ';'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect()
                } else {
                    vec![t]
                }
            } else {
                return missing();
            };
            let mut chosen: Vec<String> = Vec::with_capacity(picked.len());
            for p in &picked {
                match match_choice(&field.choices, p) {
                    Some(c) => {
                        if !chosen.iter().any(|x| x == c) {
                            chosen.push(c.clone());
                        }
                    }
                    None => return bad(p),
                }
            }
            if !field.multiple && chosen.len() > 1 {
                let quoted: Vec<String> = chosen.iter().map(|c| quote(c)).collect();
                return Err(format!(
                    "found {} ticked ({}), expected exactly one of: {}",
                    chosen.len(),
                    quoted.join(", "),
                    field.choices.join(", ")
                ));
            }
            Ok(Some(FieldValue::Choice(chosen)))
        }
        FieldKind::Boolean => {
            if let Some(t) = filled {
                return match boolean_value(t) {
                    Some(b) => Ok(Some(FieldValue::Boolean(b))),
                    None => bad(t),
                };
            }
            match (field.choices.len(), slot.ticked.as_slice()) {
                // A single checkbox: ticked is yes, present but unticked is no.
                (1, [_]) => Ok(Some(FieldValue::Boolean(true))),
                (1, []) if slot.items > 0 => Ok(Some(FieldValue::Boolean(false))),
                (_, []) => missing(),
                (_, [one]) => match boolean_value(one) {
                    Some(b) => Ok(Some(FieldValue::Boolean(b))),
                    None => bad(one),
                },
                (_, _) => Err(format!(
                    "found both answers ticked, expected {}",
                    expected(field, opts)
                )),
            }
        }
        kind => {
            let Some(t) = filled else {
                return missing();
            };
            match kind {
                FieldKind::Text => Ok(Some(FieldValue::Text(t.to_owned()))),
                FieldKind::Date => match date_value(t, opts.date_order) {
                    Ok(d) => Ok(Some(FieldValue::Date(d))),
                    Err(DateProblem::NoSuchDay) => Err(format!(
                        "found {}, which is not a day on the calendar; expected {}",
                        quote(t),
                        expected(field, opts)
                    )),
                    Err(DateProblem::OtherOrder(d)) => Err(format!(
                        "found {}, which is not a day when read as {}; if you meant {}, \
                         write {d}",
                        quote(t),
                        match opts.date_order {
                            DateOrder::MonthFirst => "month/day/year",
                            DateOrder::DayFirst => "day/month/year",
                        },
                        d.format("%B %-d, %Y"),
                    )),
                    Err(DateProblem::TwoDigitYear) => Err(format!(
                        "found {}, whose year has two digits; write the year in full, e.g. {}",
                        quote(t),
                        expected(field, opts)
                    )),
                    Err(DateProblem::NotADate) => bad(t),
                },
                FieldKind::Number => match number_value(t) {
                    Some(n) => Ok(Some(FieldValue::Number(n))),
                    None => bad(t),
                },
                FieldKind::Url => match url_value(t) {
                    Some(u) => Ok(Some(FieldValue::Url(u.to_owned()))),
                    None => bad(t),
                },
                FieldKind::Username => match username_value(t) {
                    Some(u) => Ok(Some(FieldValue::Username(Username(u.to_owned())))),
                    None => bad(t),
                },
                FieldKind::Choice | FieldKind::Boolean => Ok(None),
            }
        }
    }
}

/// The template option a typed or ticked text stands for: the same words, or the option
/// followed by an explanation (`Keynote (30 minutes)`), the longest such option winning; failing
/// that, the same letters and digits whatever the case, spaces and punctuation (`in-person` is
/// `In person`); failing that, the one option those letters begin (`virt` is `Virtual`).
fn match_choice<'c>(choices: &'c [String], typed: &str) -> Option<&'c String> {
    let typed = typed.trim().trim_matches(['*', '_']);
    exact_choice(choices, typed).or_else(|| loose_choice(choices, typed))
}

/// Letters and digits, lower-cased: what a loose choice match compares.
fn loose(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn loose_choice<'c>(choices: &'c [String], typed: &str) -> Option<&'c String> {
    // Long pastes are not worth normalising: they are no option's name.
    const LONGEST: usize = 200;
    if typed.len() > LONGEST {
        return None;
    }
    let t = loose(typed);
    if t.is_empty() {
        return None;
    }
    let keys: Vec<String> = choices.iter().map(|c| loose(c)).collect();
    if let Some(i) = keys.iter().position(|k| *k == t) {
        return choices.get(i);
    }
    // A prefix of at least three letters that only one option starts with.
    if t.chars().count() < 3 {
        return None;
    }
    let mut starting = keys.iter().enumerate().filter(|(_, k)| k.starts_with(&t));
    match (starting.next(), starting.next()) {
        (Some((i, _)), None) => choices.get(i),
        _ => None,
    }
}

fn exact_choice<'c>(choices: &'c [String], typed: &str) -> Option<&'c String> {
    choices
        .iter()
        .filter(|c| {
            if label_matches(typed, c) {
                return true;
            }
            let n = c.len();
            typed.len() > n
                && typed.is_char_boundary(n)
                && typed[..n].eq_ignore_ascii_case(c)
                && !typed[n..].starts_with(|ch: char| ch.is_alphanumeric())
        })
        .max_by_key(|c| c.len())
}

/// What a value of this field looks like, for messages.
fn expected(field: &FieldSpec, opts: &ParseOptions) -> String {
    match field.kind {
        FieldKind::Text => "some text".to_owned(),
        FieldKind::Date => match opts.date_order {
            DateOrder::MonthFirst => "a date like 2027-03-10 (or March 10, 2027)".to_owned(),
            DateOrder::DayFirst => "a date like 2027-03-10 (or 10 March 2027)".to_owned(),
        },
        FieldKind::Number => "a number like 1,500".to_owned(),
        FieldKind::Url => "a link starting with https://".to_owned(),
        FieldKind::Username => "a GitLab username like `@jdoe`".to_owned(),
        FieldKind::Boolean => "yes or no".to_owned(),
        FieldKind::Choice => {
            let how = if field.multiple {
                "one or more of"
            } else {
                "one of"
            };
            format!("{how}: {} (tick it: `- [x] …`)", field.choices.join(", "))
        }
    }
}

/// What the requester typed, quoted for a message that Steward posts: an inert code span
/// (no mention, reference or markup survives), shortened so that a huge paste does not make a
/// huge message.
fn quote(s: &str) -> String {
    const MAX: usize = 60;
    match crate::untrusted::code_capped(s, MAX) {
        q if q.is_empty() => "a blank answer".to_owned(),
        q => q,
    }
}
