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

impl Builder<'_, '_> {
    pub(super) fn field_condition(
        &mut self,
        t: &TemplateSpec,
        key: &Spanned<String>,
        c: RawFieldCondition,
    ) -> Option<FieldCondition> {
        let f = self.field(t, key)?.clone();
        let loc = key.referenced;
        let mut tests = Vec::new();
        let kind = f.kind;
        let is_num = kind == FieldKind::Number;
        let is_date = kind == FieldKind::Date;
        let wrong = |b: &mut Self, op: &str, need: &str| {
            b.err(
                loc,
                format!("`{op}` needs {need}, but field `{}` is {kind:?}", f.key),
            );
        };
        if let Some(p) = c.present {
            tests.push(FieldTest::Present(p));
        }
        if let Some(eq) = c.equals {
            match (&eq.value, kind) {
                (RawScalar::Bool(b), FieldKind::Boolean) => tests.push(FieldTest::EqualsBool(*b)),
                (RawScalar::Number(n), FieldKind::Number) => {
                    tests.push(FieldTest::EqualsNumber(*n))
                }
                (RawScalar::Text(s), FieldKind::Choice) => {
                    if let Some(s) = self.choice(&f, s, eq.referenced) {
                        tests.push(FieldTest::EqualsText(s));
                    }
                }
                (RawScalar::Text(s), FieldKind::Text | FieldKind::Url | FieldKind::Username) => {
                    tests.push(FieldTest::EqualsText(
                        s.trim_start_matches('@').to_lowercase(),
                    ))
                }
                (RawScalar::Text(s), FieldKind::Date) => {
                    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                        Ok(d) => {
                            // Equality on a date: after the day before and before the day after.
                            tests.push(FieldTest::After(DateRef::Fixed(d.pred_opt().unwrap_or(d))));
                            tests
                                .push(FieldTest::Before(DateRef::Fixed(d.succ_opt().unwrap_or(d))));
                        }
                        Err(_) => {
                            self.err(eq.referenced, format!("`{s}` is not a YYYY-MM-DD date"));
                        }
                    }
                }
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
        for (list, none) in [(c.one_of, false), (c.none_of, true)] {
            if list.is_empty() {
                continue;
            }
            if !matches!(
                kind,
                FieldKind::Choice | FieldKind::Text | FieldKind::Username | FieldKind::Url
            ) {
                wrong(
                    self,
                    if none { "none_of" } else { "one_of" },
                    "a text or choice field",
                );
                continue;
            }
            let mut vals = Vec::new();
            for v in &list {
                if kind == FieldKind::Choice {
                    if let Some(s) = self.choice(&f, &v.value, v.referenced) {
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
        if let Some(r) = c.regex {
            match Regex::new(&r.value) {
                Ok(re) => tests.push(FieldTest::Regex(re)),
                Err(e) => {
                    let first = e.to_string().lines().last().unwrap_or_default().to_owned();
                    self.err(
                        r.referenced,
                        format!("invalid regex `{}`: {first}", r.value),
                    )
                    .hint =
                        Some("regex syntax: https://docs.rs/regex/latest/regex/#syntax".to_owned());
                }
            }
        }
        for (v, after) in [(c.before, false), (c.after, true)] {
            let Some(v) = v else { continue };
            if !is_date {
                wrong(self, if after { "after" } else { "before" }, "a date field");
                continue;
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
        if let Some(n) = c.within_days {
            if is_date {
                tests.push(FieldTest::WithinDays(n));
            } else {
                wrong(self, "within_days", "a date field");
            }
        }
        for (v, op, mk) in [
            (c.lt, "lt", FieldTest::Lt as fn(f64) -> FieldTest),
            (c.lte, "lte", FieldTest::Lte),
            (c.gt, "gt", FieldTest::Gt),
            (c.gte, "gte", FieldTest::Gte),
        ] {
            if let Some(v) = v {
                if is_num {
                    tests.push(mk(v));
                } else {
                    wrong(self, op, "a number field");
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
