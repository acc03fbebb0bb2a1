//! Field conditions of a rule: each test checked against the field's kind and, for choices,
//! against the template's options (so `equals: Enterprise` on an `ENT | MM | SMB` field is a
//! load error naming the closest option).
//!
//! Validation only; the tests are run by `rules::eval`.

use chrono::NaiveDate;
use regex::Regex;
use serde_saphyr::{Location, Spanned};

use super::Builder;
use crate::diagnostics::suggestion;
use crate::model::{FieldKind, FieldSpec, TemplateSpec};
use crate::rules::raw::{RawFieldCondition, RawScalar};
use crate::rules::{DateRef, FieldCondition, FieldTest};
use crate::yaml::SpannedMap;

impl Builder<'_, '_> {
    /// Validates a rule's field conditions against the one template the rule names.
    pub(super) fn field_conditions(
        &mut self,
        fields: SpannedMap<RawFieldCondition>,
        spec: Option<&TemplateSpec>,
    ) -> Vec<FieldCondition> {
        let mut out = Vec::new();
        for (key, cond) in fields.0 {
            let Some(t) = spec else {
                self.err(
                    key.referenced,
                    format!(
                        "field condition on `{}` needs the rule to name one `template`",
                        key.value
                    ),
                )
                .hint = Some(
                    "set `conditions.template` to the template that has this field".to_owned(),
                );
                continue;
            };
            if let Some(fc) = self.field_condition(t, &key, cond) {
                out.push(fc);
            }
        }
        out
    }

    /// Validates a rule's condition on field `key` of template `t` into its tests, reporting
    /// every test that does not fit the field's kind or options.
    pub(super) fn field_condition(
        &mut self,
        t: &TemplateSpec,
        key: &Spanned<String>,
        c: RawFieldCondition,
    ) -> Option<FieldCondition> {
        let f = self.field(t, key)?.clone();
        let loc = key.referenced;
        let mut tests = Vec::new();
        if let Some(p) = c.present {
            tests.push(FieldTest::Present(p));
        }
        if let Some(eq) = c.equals {
            self.equals_test(&f, &eq, &mut tests);
        }
        for (list, none) in [(c.one_of, false), (c.none_of, true)] {
            if !list.is_empty() {
                self.membership_test(&f, loc, &list, none, &mut tests);
            }
        }
        if let Some(r) = c.regex {
            self.regex_test(&r, &mut tests);
        }
        for (v, after) in [(c.before, false), (c.after, true)] {
            if let Some(v) = v {
                self.date_bound_test(&f, loc, &v, after, &mut tests);
            }
        }
        if let Some(n) = c.within_days {
            if f.kind == FieldKind::Date {
                tests.push(FieldTest::WithinDays(n));
            } else {
                self.wrong_kind(&f, loc, "within_days", "a date field");
            }
        }
        for (v, op, mk) in [
            (c.lt, "lt", FieldTest::Lt as fn(f64) -> FieldTest),
            (c.lte, "lte", FieldTest::Lte),
            (c.gt, "gt", FieldTest::Gt),
            (c.gte, "gte", FieldTest::Gte),
        ] {
            if let Some(v) = v {
                if f.kind == FieldKind::Number {
                    tests.push(mk(v));
                } else {
                    self.wrong_kind(&f, loc, op, "a number field");
                }
            }
        }
        if tests.is_empty() {
            self.err(loc, format!("field condition on `{}` tests nothing", f.key)).hint =
                Some("use present, equals, one_of, none_of, regex, before, after, within_days, lt, lte, gt or gte".to_owned());
        }
        Some(FieldCondition {
            key: f.key.clone(),
            label: f.label.clone(),
            tests,
        })
    }

    /// Reports test `op` on field `f`, which needs a field of another kind (`need`).
    fn wrong_kind(&mut self, f: &FieldSpec, loc: Location, op: &str, need: &str) {
        self.err(
            loc,
            format!("`{op}` needs {need}, but field `{}` is {:?}", f.key, f.kind),
        );
    }

    /// The test of `equals:`, by the field's kind: a date is equal when after the day before
    /// and before the day after; text and usernames compare lowercased, without `@`.
    fn equals_test(&mut self, f: &FieldSpec, eq: &Spanned<RawScalar>, tests: &mut Vec<FieldTest>) {
        match (&eq.value, f.kind) {
            (RawScalar::Bool(b), FieldKind::Boolean) => tests.push(FieldTest::EqualsBool(*b)),
            (RawScalar::Number(n), FieldKind::Number) => tests.push(FieldTest::EqualsNumber(*n)),
            (RawScalar::Text(s), FieldKind::Choice) => {
                if let Some(s) = self.choice(f, s, eq.referenced) {
                    tests.push(FieldTest::EqualsText(s));
                }
            }
            (RawScalar::Text(s), FieldKind::Text | FieldKind::Url | FieldKind::Username) => tests
                .push(FieldTest::EqualsText(
                    s.trim_start_matches('@').to_lowercase(),
                )),
            (RawScalar::Text(s), FieldKind::Date) => match NaiveDate::parse_from_str(s, "%Y-%m-%d")
            {
                Ok(d) => {
                    tests.push(FieldTest::After(DateRef::Fixed(d.pred_opt().unwrap_or(d))));
                    tests.push(FieldTest::Before(DateRef::Fixed(d.succ_opt().unwrap_or(d))));
                }
                Err(_) => {
                    self.err(eq.referenced, format!("`{s}` is not a YYYY-MM-DD date"));
                }
            },
            (v, k) => {
                self.err(
                    eq.referenced,
                    format!(
                        "`equals: {v:?}` does not fit field `{}` of kind {k:?}",
                        f.key
                    ),
                );
            }
        }
    }

    /// The test of `one_of:` (or, with `none`, `none_of:`) on a text or choice field.
    fn membership_test(
        &mut self,
        f: &FieldSpec,
        loc: Location,
        list: &[Spanned<String>],
        none: bool,
        tests: &mut Vec<FieldTest>,
    ) {
        if !matches!(
            f.kind,
            FieldKind::Choice | FieldKind::Text | FieldKind::Username | FieldKind::Url
        ) {
            let op = if none { "none_of" } else { "one_of" };
            self.wrong_kind(f, loc, op, "a text or choice field");
            return;
        }
        let mut vals = Vec::new();
        for v in list {
            if f.kind == FieldKind::Choice {
                if let Some(s) = self.choice(f, &v.value, v.referenced) {
                    vals.push(s);
                }
            } else {
                vals.push(v.value.trim_start_matches('@').to_lowercase());
            }
        }
        tests.push(if none {
            FieldTest::NoneOf(vals)
        } else {
            FieldTest::OneOf(vals)
        });
    }

    /// The test of `regex:`, or an error quoting the regex parser's reason.
    fn regex_test(&mut self, r: &Spanned<String>, tests: &mut Vec<FieldTest>) {
        match Regex::new(&r.value) {
            Ok(re) => tests.push(FieldTest::Regex(re)),
            Err(e) => {
                let first = e.to_string().lines().last().unwrap_or_default().to_owned();
                self.err(
                    r.referenced,
                    format!("invalid regex `{}`: {first}", r.value),
                )
                .hint = Some("regex syntax: https://docs.rs/regex/latest/regex/#syntax".to_owned());
            }
        }
    }

    /// The test of `before:` (or, with `after`, `after:`) on a date field.
    fn date_bound_test(
        &mut self,
        f: &FieldSpec,
        loc: Location,
        v: &Spanned<String>,
        after: bool,
        tests: &mut Vec<FieldTest>,
    ) {
        if f.kind != FieldKind::Date {
            let op = if after { "after" } else { "before" };
            self.wrong_kind(f, loc, op, "a date field");
            return;
        }
        match parse_date_ref(&v.value) {
            Some(d) => tests.push(if after {
                FieldTest::After(d)
            } else {
                FieldTest::Before(d)
            }),
            None => {
                self.err(
                    v.referenced,
                    format!("`{}` is not a date reference", v.value),
                )
                .hint = Some("write `now`, `now+30d`, `now-7d` or YYYY-MM-DD".to_owned());
            }
        }
    }

    /// Resolves a choice option as the template spells it (case-insensitive match).
    fn choice(&mut self, f: &FieldSpec, s: &str, loc: Location) -> Option<String> {
        if let Some(c) = f.choices.iter().find(|c| c.eq_ignore_ascii_case(s.trim())) {
            return Some(c.clone());
        }
        let msg = format!(
            "`{s}` is not an option of field `{}`: {}",
            f.key,
            suggestion(s, f.choices.iter().map(String::as_str))
        );
        self.err(loc, msg);
        None
    }
}

/// `now`, `now+30d`, `now-7d` or `YYYY-MM-DD`.
fn parse_date_ref(s: &str) -> Option<DateRef> {
    let s = s.trim();
    if s == "now" {
        return Some(DateRef::Today(0));
    }
    if let Some(rest) = s.strip_prefix("now") {
        let days = rest.strip_suffix('d')?;
        let n: i64 = days.trim_start_matches('+').parse().ok()?;
        if !(rest.starts_with('+') || rest.starts_with('-')) {
            return None;
        }
        return Some(DateRef::Today(n));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(DateRef::Fixed)
}
