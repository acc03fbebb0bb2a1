//! The calendar's conditions and options of a rule: `quiet_period`, `expiry` and a due date's
//! `not_before` (an embargo), each naming date fields of the rule's template.
//!
//! Validation only; `rules::eval` reads the calendar.

use serde_saphyr::Spanned;

use super::Builder;
use crate::model::TemplateSpec;
use crate::rules::raw::{RawExpiryCondition, RawQuietPeriodCondition};
use crate::rules::text::DateScope;
use crate::rules::{Conditions, ExpiryCondition, QuietPeriodCondition};

impl Builder<'_, '_> {
    /// Validates `quiet_period` and `expiry` into `out`.
    pub(super) fn date_conditions(
        &mut self,
        quiet: Option<RawQuietPeriodCondition>,
        expiry: Option<RawExpiryCondition>,
        t: Option<&TemplateSpec>,
        out: &mut Conditions,
    ) {
        // A condition whose field does not resolve is one error: the placeholders that show its
        // figures are not reported again.
        self.dates = DateScope {
            quiet_period: quiet.is_some(),
            expiry: expiry.is_some(),
        };
        if let Some(q) = quiet {
            out.quiet_period = self
                .date_field(t, &q.field, "a quiet_period condition")
                .map(|f| QuietPeriodCondition {
                    key: f.key.clone(),
                    label: f.label.clone(),
                });
        }
        if let Some(e) = expiry {
            out.expiry = self.expiry(e, t);
            self.expiry.clone_from(&out.expiry);
        }
    }

    /// Validates an `expiry` condition: date fields, and something to test.
    fn expiry(
        &mut self,
        e: RawExpiryCondition,
        t: Option<&TemplateSpec>,
    ) -> Option<ExpiryCondition> {
        let what = "an expiry condition";
        let key = |k: &Option<Spanned<String>>, b: &mut Self| match k {
            Some(k) => b.date_field(t, k, what).map(|f| Some(f.key.clone())),
            None => Some(None),
        };
        let expires = key(&e.expires, self);
        let approved = key(&e.approved, self);
        let at = e
            .expires
            .as_ref()
            .or(e.approved.as_ref())
            .map(|k| k.referenced);
        let Some(at) = at else {
            self.errors.push(
                crate::diagnostics::ConfigError::file(self.file, "an `expiry` condition names no date field")
                    .hint("give `expires: FIELD` (the approval's stated expiry), `approved: FIELD` (its date, plus calendar.yaml's default validity), or both"),
            );
            return None;
        };
        if e.within_business_days.is_none() && e.expired.is_none() {
            self.err(at, "an `expiry` condition tests nothing").hint =
                Some("add `within_business_days: N` (a reminder) or `expired: true`".to_owned());
            return None;
        }
        Some(ExpiryCondition {
            expires: expires?,
            approved: approved?,
            within_business_days: e.within_business_days,
            expired: e.expired,
        })
    }

    /// Validates a due date's `not_before: field.KEY` (a date field of the rule's template).
    pub(super) fn not_before(
        &mut self,
        v: &Spanned<String>,
        t: Option<&TemplateSpec>,
    ) -> Option<String> {
        let Some(key) = v.value.strip_prefix("field.") else {
            self.err(
                v.referenced,
                format!("`not_before: {}` is not understood", v.value),
            )
            .hint = Some(
                "write `not_before: field.KEY` for a date field, e.g. `field.embargo_date`"
                    .to_owned(),
            );
            return None;
        };
        let spanned = Spanned::new(key.to_owned(), v.referenced, v.defined);
        self.date_field(t, &spanned, "a due date's `not_before`")
            .map(|f| f.key.clone())
    }
}
