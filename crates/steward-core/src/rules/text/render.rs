//! Rendering a comment body: each placeholder's text for one issue, then the guard that keeps
//! a body from starting a quick action.

use std::fmt::Write as _;

use super::{
    BodyTemplate, DateFacts, ExpiryPart, LeadFigures, LeadPart, Placeholder, QuietPart, RenderCtx,
    Segment, show_value_markdown,
};
use crate::untrusted;

impl BodyTemplate {
    /// Renders the body; the result is safe to post (no line starts a quick action, no
    /// requester text is live Markdown).
    pub fn render(&self, ctx: &RenderCtx<'_>) -> String {
        let mut out = String::new();
        for s in &self.segments {
            match s {
                Segment::Text(t) => out.push_str(t),
                Segment::Ph(p) => render_one(p, ctx, &mut out),
            }
        }
        untrusted::guard_body(&out)
    }

    /// Whether the body addresses the assignee (`{{assignee}}`): a reminder or escalation
    /// about the assignee's work, which goes to whoever covers for them while they are away.
    pub fn addresses_assignee(&self) -> bool {
        self.segments.iter().any(|s| {
            matches!(
                s,
                Segment::Ph(Placeholder::Assignee | Placeholder::AssigneeName)
            )
        })
    }
}

/// Writes one placeholder's text.
fn render_one(p: &Placeholder, ctx: &RenderCtx<'_>, out: &mut String) {
    match p {
        Placeholder::Author => match &ctx.issue.author {
            Some(a) if !a.username.as_str().is_empty() => {
                out.push_str(&untrusted::mention_or_name(a.username.as_str()));
            }
            _ => out.push_str("there"),
        },
        Placeholder::Title => match untrusted::code(&ctx.issue.title) {
            t if t.is_empty() => out.push_str("(no title)"),
            t => out.push_str(&t),
        },
        Placeholder::Iid => {
            let _ = write!(out, "{}", ctx.issue.iid);
        }
        Placeholder::Url => out.push_str(&ctx.issue.web_url),
        Placeholder::Template => match ctx.template {
            Some(t) => out.push_str(t.name.as_str()),
            None => out.push_str("(no template)"),
        },
        Placeholder::Today => {
            let _ = write!(out, "{}", ctx.today.format("%Y-%m-%d"));
        }
        Placeholder::Field(k) => match ctx.fields.values.get(k) {
            Some(v) => out.push_str(&show_value_markdown(v)),
            None => out.push_str("(not given)"),
        },
        // The checklist: what holds the request up first, then optional answers as warnings.
        Placeholder::FieldErrors => write_field_errors(out, ctx),
        Placeholder::FieldWarnings => {
            for e in ctx.fields.errors.iter().filter(|e| !e.required) {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                write_warning(out, e);
            }
        }
        Placeholder::Lead(part) => write_lead(out, *part, ctx.lead),
        Placeholder::Role(r) => {
            let members = ctx.roster.role(r).unwrap_or(&[]);
            let names: Vec<String> = members
                .iter()
                .map(|u| untrusted::mention_or_name(u.as_str()))
                .collect();
            out.push_str(&names.join(" "));
        }
        Placeholder::Assignee => match ctx.assignee {
            Some(u) => out.push_str(&untrusted::mention_or_name(u.as_str())),
            None => out.push_str("the team"),
        },
        Placeholder::AssigneeName => match ctx.assignee {
            Some(u) => out.push_str(&untrusted::name(u.as_str())),
            None => out.push_str("nobody yet"),
        },
        Placeholder::DueDate => match ctx.due_date {
            Some(d) => {
                let _ = write!(out, "{}", d.format("%Y-%m-%d"));
            }
            None => out.push_str("not set"),
        },
        Placeholder::Quiet(part) => write_quiet(out, *part, &ctx.dates),
        Placeholder::Expiry(part) => write_expiry(out, *part, &ctx.dates),
    }
}

/// One figure of the quiet period the rule's condition found, `(unknown)` without one.
fn write_quiet(out: &mut String, part: QuietPart, facts: &DateFacts) {
    let Some((p, date)) = facts.quiet else {
        out.push_str("(unknown)");
        return;
    };
    let _ = match part {
        QuietPart::Start => write!(out, "{}", p.start.format("%Y-%m-%d")),
        QuietPart::End => write!(out, "{}", p.end.format("%Y-%m-%d")),
        QuietPart::Quarter => write!(out, "{}", p.quarter),
        QuietPart::FieldDate => write!(out, "{}", date.format("%Y-%m-%d")),
    };
}

/// One figure of the approval's expiry, `(unknown)` without one.
fn write_expiry(out: &mut String, part: ExpiryPart, facts: &DateFacts) {
    let Some((date, left)) = facts.expiry else {
        out.push_str("(unknown)");
        return;
    };
    let _ = match part {
        ExpiryPart::Date => write!(out, "{}", date.format("%Y-%m-%d")),
        ExpiryPart::BusinessDaysLeft => write!(out, "{}", left.max(0)),
    };
}

/// One optional answer that could not be read: a warning line, not a checklist item.
fn write_warning(out: &mut String, e: &crate::model::FieldError) {
    let _ = write!(
        out,
        "- (optional, not needed to start) **{}**: {}",
        e.field, e.message
    );
}

/// The field-errors checklist: what holds the request up first (unticked items), then
/// optional answers that could not be read, as warnings.
fn write_field_errors(out: &mut String, ctx: &RenderCtx<'_>) {
    let (required, optional): (Vec<_>, Vec<_>) = ctx.fields.errors.iter().partition(|e| e.required);
    for (i, e) in required.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "- [ ] **{}**: {}", e.field, e.message);
    }
    for e in optional {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        write_warning(out, e);
    }
}

/// One figure of the rule's lead-time check, `(unknown)` without one.
fn write_lead(out: &mut String, part: LeadPart, lead: Option<&LeadFigures>) {
    match lead {
        None => out.push_str("(unknown)"),
        Some(l) => {
            let _ = match part {
                LeadPart::RequiredDays => write!(out, "{}", l.required),
                LeadPart::ActualDays => write!(out, "{}", l.actual),
                LeadPart::EarliestOkDate => write!(out, "{}", l.earliest_ok.format("%Y-%m-%d")),
                LeadPart::LatestFilingDate => {
                    write!(out, "{}", l.latest_filing.format("%Y-%m-%d"))
                }
                LeadPart::Unit => write!(out, "{}", l.unit),
                LeadPart::FieldDate => write!(out, "{}", l.field_date.format("%Y-%m-%d")),
                LeadPart::FiledDate => write!(out, "{}", l.filed.format("%Y-%m-%d")),
                LeadPart::FieldLabel => write!(out, "{}", l.field_label),
            };
        }
    }
}
