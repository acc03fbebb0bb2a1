//! Converting what was found for one field into its typed value, or the message that tells the
//! requester what is wrong and what was expected.

use super::{ParseOptions, Slot};
use crate::model::{FieldKind, FieldSpec, FieldValue, Username};
use crate::templates::dates::{DateOrder, DateProblem, date_value};
use crate::templates::markdown::label_matches;
use crate::templates::values::{
    boolean_value, is_placeholder, number_value, url_value, username_value,
};

/// The field's value, `None` when absent and optional, or the message for the requester.
pub(super) fn resolve(
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
    let read = Reading {
        field,
        slot,
        opts,
        typed,
    };
    match field.kind {
        FieldKind::Choice => read.choice(filled),
        FieldKind::Boolean => read.boolean(filled),
        kind => {
            let Some(t) = filled else {
                return read.missing();
            };
            read.scalar(kind, t)
        }
    }
}

/// One field's value being read from what was found for it.
struct Reading<'r, 'a> {
    field: &'r FieldSpec,
    slot: &'r Slot<'a>,
    opts: &'r ParseOptions,
    /// What was typed (or the placeholder left), trimmed.
    typed: Option<&'r str>,
}

impl Reading<'_, '_> {
    /// No value: fine for an optional field; for a required one, the message says whether its
    /// line is missing or not filled in.
    fn missing(&self) -> Result<Option<FieldValue>, String> {
        let field = self.field;
        if !field.required {
            return Ok(None);
        }
        let expected = expected(field, self.opts);
        Err(match (self.slot.seen, self.typed) {
            (false, _) => format!("missing: add a \"{}:\" line with {expected}", field.label),
            (true, Some(p)) if !p.is_empty() => {
                format!("not filled in (found {}), expected {expected}", quote(p))
            }
            (true, _) => format!("not filled in, expected {expected}"),
        })
    }

    /// A value that cannot be read as this field's kind.
    fn bad(&self, v: &str) -> Result<Option<FieldValue>, String> {
        Err(format!(
            "found {}, expected {}",
            quote(v),
            expected(self.field, self.opts)
        ))
    }

    /// A choice: the ticked options, else the typed ones (comma-separated when `multiple`),
    /// each matched to an option; one only unless `multiple`.
    fn choice(&self, filled: Option<&str>) -> Result<Option<FieldValue>, String> {
        let (field, slot) = (self.field, self.slot);
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
            return self.missing();
        };
        let mut chosen: Vec<String> = Vec::with_capacity(picked.len());
        for p in &picked {
            match match_choice(field, p) {
                Some(c) => {
                    if !chosen.iter().any(|x| x == c) {
                        chosen.push(c.clone());
                    }
                }
                None => return self.bad(p),
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

    /// Yes or no: typed, a single checkbox (ticked or not), or one of two ticked answers.
    fn boolean(&self, filled: Option<&str>) -> Result<Option<FieldValue>, String> {
        if let Some(t) = filled {
            return match boolean_value(t) {
                Some(b) => Ok(Some(FieldValue::Boolean(b))),
                None => self.bad(t),
            };
        }
        match (self.field.choices.len(), self.slot.ticked.as_slice()) {
            // A single checkbox: ticked is yes, present but unticked is no.
            (1, [_]) => Ok(Some(FieldValue::Boolean(true))),
            (1, []) if self.slot.items > 0 => Ok(Some(FieldValue::Boolean(false))),
            (_, []) => self.missing(),
            (_, [one]) => match boolean_value(one) {
                Some(b) => Ok(Some(FieldValue::Boolean(b))),
                None => self.bad(one),
            },
            (_, _) => Err(format!(
                "found both answers ticked, expected {}",
                expected(self.field, self.opts)
            )),
        }
    }

    /// A value typed as text: text, a date, a number, a link or a username.
    fn scalar(&self, kind: FieldKind, t: &str) -> Result<Option<FieldValue>, String> {
        match kind {
            FieldKind::Text => Ok(Some(FieldValue::Text(t.to_owned()))),
            FieldKind::Date => self.date(t),
            FieldKind::Number => match number_value(t) {
                Some(n) => Ok(Some(FieldValue::Number(n))),
                None => self.bad(t),
            },
            FieldKind::Url => match url_value(t) {
                Some(u) => Ok(Some(FieldValue::Url(u.to_owned()))),
                None => self.bad(t),
            },
            FieldKind::Username => match username_value(t) {
                Some(u) => Ok(Some(FieldValue::Username(Username(u.to_owned())))),
                None => self.bad(t),
            },
            FieldKind::Choice | FieldKind::Boolean => Ok(None),
        }
    }

    /// A date, or a message saying what is wrong with it (no such day, the other day/month
    /// order, a two-digit year).
    fn date(&self, t: &str) -> Result<Option<FieldValue>, String> {
        let opts = self.opts;
        match date_value(t, opts.date_order) {
            Ok(d) => Ok(Some(FieldValue::Date(d))),
            Err(DateProblem::NoSuchDay) => Err(format!(
                "found {}, which is not a day on the calendar; expected {}",
                quote(t),
                expected(self.field, opts)
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
                expected(self.field, opts)
            )),
            Err(DateProblem::NotADate) => self.bad(t),
        }
    }
}

/// The template option a typed or ticked text stands for: the same words, or the option
/// followed by an explanation (`Keynote (30 minutes)`), the longest such option winning; failing
/// that, the same letters and digits whatever the case, spaces and punctuation (`in-person` is
/// `In person`), or a synonym the template declares (`Enterprise` for `ENT`); failing that, the
/// one option those letters begin (`virt` is `Virtual`).
fn match_choice<'c>(field: &'c FieldSpec, typed: &str) -> Option<&'c String> {
    let typed = typed.trim().trim_matches(['*', '_']);
    let choices = &field.choices;
    exact_choice(choices, typed)
        .or_else(|| synonym_choice(field, typed))
        .or_else(|| loose_choice(choices, typed))
}

/// The option a synonym the template declares stands for, compared as loosely as options
/// (`enterprise`, `Enterprise.`), also followed by an explanation.
fn synonym_choice<'c>(field: &'c FieldSpec, typed: &str) -> Option<&'c String> {
    let t = loose(typed);
    let (_, option) = field
        .synonyms
        .iter()
        .filter(|(s, _)| {
            (!t.is_empty() && loose(s) == t)
                || exact_choice(std::slice::from_ref(s), typed).is_some()
        })
        .max_by_key(|(s, _)| s.len())?;
    field.choices.iter().find(|c| *c == option)
}

/// Letters and digits, lower-cased: what a loose choice match compares.
fn loose(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The option with the same letters and digits, or the one option they begin (three or more).
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

/// The longest option typed as is, or followed by an explanation.
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
