//! Every comment a rule set can post, rendered for one issue whether or not its rule would fire
//! (both `actions` and `otherwise`), exactly as the plan would carry it: to check the comments
//! a team ships (their length, whom they mention) against realistic requests.
//!
//! Rendering only; whether a rule fires is `evaluate`'s business.

use chrono::{DateTime, NaiveDate, Utc};

use super::notes::append_mentions;
use super::{Ctx, lead_figures};
use crate::calendar::Calendar;
use crate::model::{FieldValue, Issue, ParsedFields, TemplateSpec, Username};
use crate::rules::text::RenderCtx;
use crate::rules::{Roster, RuleSet};

/// One comment of one rule, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentPreview {
    /// The rule's name.
    pub rule: String,
    /// The comment's note key.
    pub key: String,
    /// Whether it is the rule's `otherwise` comment.
    pub otherwise: bool,
    /// The body as planned (mentions appended).
    pub body: String,
}

/// What the comments are rendered from.
pub struct PreviewInput<'a> {
    /// The issue (its author, title, filing date).
    pub issue: &'a Issue,
    /// Its template: only the rules about it are rendered (all, when `None`).
    pub template: Option<&'a TemplateSpec>,
    /// Its parsed fields (lead-time figures are computed from them).
    pub fields: &'a ParsedFields,
    /// The moment of rendering.
    pub now: DateTime<Utc>,
    /// The team's calendar.
    pub calendar: &'a Calendar,
    /// The roster, for `role.*` and mentions.
    pub roster: &'a Roster,
    /// The assignee to show.
    pub assignee: Option<&'a Username>,
    /// The due date to show.
    pub due_date: Option<NaiveDate>,
}

/// Renders every comment of the rules about the input's template, in rule order.
pub fn preview_comments(rules: &RuleSet, input: &PreviewInput<'_>) -> Vec<CommentPreview> {
    let calendar = input.calendar;
    let ctx = Ctx {
        issue: input.issue,
        template: input.template,
        fields: input.fields,
        today: calendar.local_date(input.now),
        created: calendar.local_date(input.issue.created_at),
        calendar,
    };
    let mut out = Vec::new();
    for rule in rules.rules() {
        if let Some(t) = input.template
            && !rule.is_about(&t.name)
        {
            continue;
        }
        let lead = rule
            .check
            .as_ref()
            .and_then(|c| match input.fields.values.get(&c.field) {
                Some(FieldValue::Date(d)) => Some(lead_figures(c, *d, &ctx)),
                _ => None,
            });
        for (otherwise, block) in [(false, &rule.actions), (true, &rule.otherwise)] {
            let Some(block) = block else { continue };
            let Some(comment) = &block.comment else {
                continue;
            };
            let rctx = RenderCtx {
                issue: input.issue,
                template: input.template,
                fields: input.fields,
                lead: lead.as_ref(),
                roster: input.roster,
                assignee: input.assignee,
                due_date: input.due_date,
                today: ctx.today,
                dates: super::dates::date_facts(&rule.conditions, &ctx),
            };
            let mut body = comment.body.render(&rctx);
            append_mentions(&mut body, &block.mention, input.roster);
            out.push(CommentPreview {
                rule: rule.name.clone(),
                key: comment.key.clone(),
                otherwise,
                body,
            });
        }
    }
    out
}
