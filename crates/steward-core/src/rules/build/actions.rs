//! The action blocks of a rule (`actions`, `otherwise`): labels, assignment, due date, comment
//! mentions and escalation, with every role and placeholder resolved.

use serde_saphyr::Spanned;

use super::{Builder, unit};
use crate::diagnostics::suggestion;
use crate::model::{StateChange, TemplateSpec};
use crate::rules::raw::{RawActions, RawComment, RawDueDate};
use crate::rules::text::{BodyTemplate, Scope};
use crate::rules::{Assign, Comment, DueDateAction, DueFrom, Escalate, RuleActions};

impl Builder<'_, '_> {
    /// Validates an action block; `otherwise` blocks are checked by the caller.
    pub(super) fn actions(
        &mut self,
        a: RawActions,
        t: Option<&TemplateSpec>,
        lead: bool,
        otherwise: bool,
    ) -> RuleActions {
        let mut out = RuleActions {
            add_labels: a
                .labels
                .iter()
                .filter_map(|l| self.literal_label(l))
                .collect(),
            remove_labels: a
                .remove_labels
                .iter()
                .filter_map(|l| self.label_pattern(l))
                .collect(),
            ..RuleActions::default()
        };
        if let Some(asg) = a.assign
            && self.role(&asg.role)
        {
            out.assign = Some(Assign {
                role: asg.role.value,
                strategy: asg.strategy,
                override_existing: asg.override_existing,
            });
        }
        if let Some(d) = a.due_date {
            out.due_date = self.due_date(d, t);
        }
        for m in &a.mention {
            if self.role(m) {
                out.mention.push(m.value.clone());
            }
        }
        if let Some(e) = &a.escalate
            && self.role(&e.role)
        {
            out.escalate = Some(Escalate {
                role: e.role.value.clone(),
                ask: e.ask.value.trim().to_owned(),
            });
        }
        if let Some(c) = a.comment {
            out.comment = self.comment(c, t, lead);
        } else if let Some(m) = a.mention.first() {
            self.err(
                m.referenced,
                "`mention` needs a `comment` to put the mentions in",
            );
        } else if let Some(e) = &a.escalate {
            self.err(
                e.role.referenced,
                "`escalate` needs a `comment` to put the escalation in",
            );
        }
        let _ = otherwise;
        self.state_change(a.close.as_ref(), a.reopen, &mut out);
        out
    }

    /// `close: OUTCOME` (the outcome label is added as the issue closes, so the digest counts
    /// it) and `reopen: true`; not both.
    fn state_change(
        &mut self,
        close: Option<&Spanned<String>>,
        reopen: Option<bool>,
        out: &mut RuleActions,
    ) {
        if let Some(c) = close {
            if reopen == Some(true) {
                self.err(
                    c.referenced,
                    "an action block cannot both `close` and `reopen`",
                );
                return;
            }
            if !c.value.starts_with("outcome::") {
                self.err(
                    c.referenced,
                    format!("`close: {}` needs an outcome label", c.value),
                )
                .hint = Some(
                    "close with one of the `outcome::*` labels of rules/outcomes.yaml, e.g. `close: \"outcome::declined\"`".to_owned(),
                );
                return;
            }
            if let Some(l) = self.literal_label(c) {
                out.add_labels.push(l);
                out.state = Some(StateChange::Close);
            }
        } else if reopen == Some(true) {
            out.state = Some(StateChange::Reopen);
        }
    }

    /// Whether role `r` is in the roster; reports it, with the closest, when not.
    fn role(&mut self, r: &Spanned<String>) -> bool {
        if self.roster.role(&r.value).is_some() {
            return true;
        }
        let msg = format!(
            "unknown role `{}`: {}",
            r.value,
            suggestion(&r.value, self.roster.role_names())
        );
        self.err(r.referenced, msg).hint =
            Some("roles are defined in rules/roster.yaml".to_owned());
        false
    }

    /// Validates a due-date action: `from: created`, `next_earnings` or `field.KEY`.
    fn due_date(&mut self, d: RawDueDate, t: Option<&TemplateSpec>) -> Option<DueDateAction> {
        let from = if d.from.value == "created" {
            DueFrom::Created
        } else if d.from.value == "next_earnings" {
            DueFrom::NextEarnings
        } else if d.from.value == "expiry" {
            let Some(e) = self.expiry.clone() else {
                self.err(
                    d.from.referenced,
                    "a due date `from: expiry` needs the rule's own `expiry` condition",
                )
                .hint = Some(
                    "add `expiry: { expires: FIELD, approved: FIELD, expired: true }` to the rule's conditions"
                        .to_owned(),
                );
                return None;
            };
            DueFrom::Expiry(e)
        } else if let Some(key) = d.from.value.strip_prefix("earnings.") {
            let spanned = Spanned::new(key.to_owned(), d.from.referenced, d.from.defined);
            let t = t.or_else(|| {
                self.err(
                    d.from.referenced,
                    format!(
                        "a due date from `{}` needs the rule to name one `template`",
                        d.from.value
                    ),
                );
                None
            })?;
            let f = self.field(t, &spanned)?;
            DueFrom::EarningsOf(f.key.clone())
        } else if let Some(key) = d.from.value.strip_prefix("field.") {
            let spanned = Spanned::new(key.to_owned(), d.from.referenced, d.from.defined);
            let f = self.date_field(t, &spanned, "a due date")?;
            DueFrom::Field(f.key.clone())
        } else {
            self.err(
                d.from.referenced,
                format!("due date `from: {}` is not understood", d.from.value),
            )
            .hint =
                Some("use `created`, `next_earnings`, `expiry` (with an `expiry` condition), `earnings.KEY` for a fiscal-quarter field or `field.KEY` for a date field".to_owned());
            return None;
        };
        let not_before = match &d.not_before {
            Some(v) => Some(self.not_before(v, t)?),
            None => None,
        };
        Some(DueDateAction {
            from,
            offset: i64::from(d.offset),
            unit: unit(d.unit),
            overwrite: d.overwrite,
            not_before,
        })
    }

    /// Validates a comment: its key, and its body's placeholders against the rule's template
    /// and check. Body errors point at the placeholder's own line.
    fn comment(&mut self, c: RawComment, t: Option<&TemplateSpec>, lead: bool) -> Option<Comment> {
        let scope = Scope {
            template: t,
            lead_time: lead,
            roster: self.roster,
            dates: self.dates,
        };
        let key = c.key.value.trim().to_owned();
        if key.is_empty()
            || !key
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            self.err(
                c.key.referenced,
                format!(
                    "comment key `{}` must be letters, digits, `-` or `_`",
                    c.key.value
                ),
            );
        }
        match BodyTemplate::parse(&c.body.value, &scope) {
            Ok(body) => Some(Comment {
                key,
                body,
                repeat_every_days: c.repeat_every_days.filter(|d| *d > 0),
            }),
            Err(errs) => {
                for (line, msg, hint) in errs {
                    // The body's location is its first content line (for `|` blocks too),
                    // so the placeholder's own line is that plus its line within the body.
                    let e = self.err(c.body.referenced, msg);
                    e.line += line as u64;
                    e.hint = hint;
                }
                None
            }
        }
    }
}
