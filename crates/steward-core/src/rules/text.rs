//! Comment bodies: `{{placeholder}}` parsing (at load, so an unknown placeholder is a
//! configuration error) and rendering (at evaluation).
//!
//! Rendering is pure string building; it decides nothing about whether a note is posted.
//! Everything a requester wrote (title, field values, typed usernames, quoted answers) goes
//! through [`crate::untrusted`], so it shows as inert data; only accounts the rule names
//! (`{{author}}`, `{{assignee}}`, `{{role.X}}`) are mentioned.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::model::{FieldValue, Issue, ParsedFields, TemplateSpec, Username};
use crate::untrusted;

use super::roster::Roster;

/// A parsed comment body.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyTemplate {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Text(String),
    Ph(Placeholder),
}

#[derive(Debug, Clone, PartialEq)]
enum Placeholder {
    Author,
    Title,
    Iid,
    Url,
    Template,
    Today,
    Field(String),
    FieldErrors,
    FieldWarnings,
    Lead(LeadPart),
    Role(String),
    Assignee,
    DueDate,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum LeadPart {
    RequiredDays,
    ActualDays,
    EarliestOkDate,
    LatestFilingDate,
    Unit,
    FieldDate,
    FiledDate,
    FieldLabel,
}

const LEAD_PARTS: [(&str, LeadPart); 8] = [
    ("required_days", LeadPart::RequiredDays),
    ("actual_days", LeadPart::ActualDays),
    ("earliest_ok_date", LeadPart::EarliestOkDate),
    ("latest_filing_date", LeadPart::LatestFilingDate),
    ("unit", LeadPart::Unit),
    ("field_date", LeadPart::FieldDate),
    ("filed_date", LeadPart::FiledDate),
    ("field_label", LeadPart::FieldLabel),
];

/// Every simple placeholder name, for suggestions and docs.
pub const SIMPLE: [&str; 9] = [
    "author",
    "title",
    "iid",
    "url",
    "template",
    "today",
    "field_errors",
    "field_warnings",
    "assignee",
];

/// What a body may refer to.
pub struct Scope<'a> {
    /// The rule's single template, when it names one.
    pub template: Option<&'a TemplateSpec>,
    /// Whether the rule has a lead-time check.
    pub lead_time: bool,
    /// The roster (roles).
    pub roster: &'a Roster,
}

/// A placeholder problem: the 0-based line within the body, the message and a hint.
pub type BodyError = (usize, String, Option<String>);

impl BodyTemplate {
    /// Parses `body`, resolving every placeholder against `scope`.
    pub fn parse(body: &str, scope: &Scope<'_>) -> Result<BodyTemplate, Vec<BodyError>> {
        let mut segments = Vec::new();
        let mut errors = Vec::new();
        let mut rest = body;
        let mut consumed = 0usize;
        while let Some(open) = rest.find("{{") {
            let Some(close_rel) = rest[open + 2..].find("}}") else {
                let line = body[..consumed + open].matches('\n').count();
                errors.push((
                    line,
                    "`{{` is never closed".to_owned(),
                    Some("close it with `}}`".to_owned()),
                ));
                break;
            };
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_owned()));
            }
            let name = rest[open + 2..open + 2 + close_rel].trim();
            let line = body[..consumed + open].matches('\n').count();
            match resolve(name, scope) {
                Ok(p) => segments.push(Segment::Ph(p)),
                Err((msg, hint)) => errors.push((line, msg, hint)),
            }
            let advance = open + 2 + close_rel + 2;
            consumed += advance;
            rest = &rest[advance..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_owned()));
        }
        if errors.is_empty() {
            Ok(BodyTemplate { segments })
        } else {
            Err(errors)
        }
    }
}

fn resolve(name: &str, scope: &Scope<'_>) -> Result<Placeholder, (String, Option<String>)> {
    let simple = match name {
        "author" => Some(Placeholder::Author),
        "title" => Some(Placeholder::Title),
        "iid" => Some(Placeholder::Iid),
        "url" => Some(Placeholder::Url),
        "template" => Some(Placeholder::Template),
        "today" => Some(Placeholder::Today),
        "field_errors" => Some(Placeholder::FieldErrors),
        "field_warnings" => Some(Placeholder::FieldWarnings),
        "assignee" => Some(Placeholder::Assignee),
        "due_date" => Some(Placeholder::DueDate),
        _ => None,
    };
    if let Some(p) = simple {
        return Ok(p);
    }
    if let Some(key) = name.strip_prefix("field.") {
        let Some(t) = scope.template else {
            return Err((
                format!("placeholder `{{{{{name}}}}}` needs the rule to name one `template`"),
                Some("set `conditions.template` to the template whose field this is".to_owned()),
            ));
        };
        return match t.field(key) {
            Some(_) => Ok(Placeholder::Field(key.to_owned())),
            None => Err((
                format!(
                    "unknown placeholder `{{{{{name}}}}}`: template `{}` has no field `{key}`; {}",
                    t.name,
                    crate::diagnostics::suggestion(key, t.fields.iter().map(|f| f.key.as_str()))
                ),
                None,
            )),
        };
    }
    if let Some(part) = name.strip_prefix("lead_time.") {
        if !scope.lead_time {
            return Err((
                format!("placeholder `{{{{{name}}}}}` needs a `check: lead_time` in this rule"),
                None,
            ));
        }
        return LEAD_PARTS
            .iter()
            .find(|(n, _)| *n == part)
            .map(|(_, p)| Placeholder::Lead(*p))
            .ok_or_else(|| {
                (
                    format!(
                        "unknown placeholder `{{{{{name}}}}}`: {}",
                        crate::diagnostics::suggestion(part, LEAD_PARTS.iter().map(|(n, _)| *n))
                    ),
                    None,
                )
            });
    }
    if let Some(role) = name.strip_prefix("role.") {
        return if scope.roster.role(role).is_some() {
            Ok(Placeholder::Role(role.to_owned()))
        } else {
            Err((
                format!(
                    "unknown role `{role}` in `{{{{{name}}}}}`: {}",
                    crate::diagnostics::suggestion(role, scope.roster.role_names())
                ),
                Some("roles are defined in rules/roster.yaml".to_owned()),
            ))
        };
    }
    let mut all: Vec<&str> = SIMPLE.to_vec();
    all.push("due_date");
    Err((
        format!(
            "unknown placeholder `{{{{{name}}}}}`: {}",
            crate::diagnostics::suggestion(name, all.iter().copied())
        ),
        Some("placeholders: author, title, iid, url, template, today, due_date, assignee, field_errors, field_warnings, field.KEY, lead_time.PART, role.NAME".to_owned()),
    ))
}

/// Lead-time figures for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFigures {
    /// Minimum required.
    pub required: u32,
    /// Actual lead time.
    pub actual: i64,
    /// Unit in words.
    pub unit: &'static str,
    /// Earliest field date that would satisfy the rule given the filing date.
    pub earliest_ok: NaiveDate,
    /// Last filing date that would have satisfied the rule for this field date.
    pub latest_filing: NaiveDate,
    /// The field's date.
    pub field_date: NaiveDate,
    /// The filing date (team's zone).
    pub filed: NaiveDate,
    /// The field's label.
    pub field_label: String,
}

/// Everything a body may render from.
pub struct RenderCtx<'a> {
    /// The issue.
    pub issue: &'a Issue,
    /// Recognised template.
    pub template: Option<&'a TemplateSpec>,
    /// Parsed fields.
    pub fields: &'a ParsedFields,
    /// Lead-time figures, when the rule has a check that could be computed.
    pub lead: Option<&'a LeadFigures>,
    /// Roster for `role.*`.
    pub roster: &'a Roster,
    /// The assignee planned or present.
    pub assignee: Option<&'a Username>,
    /// The due date planned or present.
    pub due_date: Option<NaiveDate>,
    /// Today in the team's zone.
    pub today: NaiveDate,
}

/// A field value as plain text, for conditions, regexes and the terminal. Not for Markdown:
/// comments use [`show_value_markdown`].
pub fn show_value(v: &FieldValue) -> String {
    match v {
        FieldValue::Text(s) | FieldValue::Url(s) => s.clone(),
        FieldValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        FieldValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Username(u) => format!("@{u}"),
        FieldValue::Choice(c) => c.join(", "),
        FieldValue::Boolean(b) => if *b { "yes" } else { "no" }.to_owned(),
    }
}

/// A field value for a comment: what the requester typed (text, links, usernames) as an inert
/// code span; dates, numbers, yes/no and the template's own choices as they are.
pub fn show_value_markdown(v: &FieldValue) -> String {
    match v {
        FieldValue::Text(s) | FieldValue::Url(s) => untrusted::code(s),
        FieldValue::Username(u) => untrusted::name(u.as_str()),
        FieldValue::Date(_)
        | FieldValue::Number(_)
        | FieldValue::Choice(_)
        | FieldValue::Boolean(_) => show_value(v),
    }
}

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
}

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
        Placeholder::FieldErrors => {
            let (required, optional): (Vec<_>, Vec<_>) =
                ctx.fields.errors.iter().partition(|e| e.required);
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
        Placeholder::FieldWarnings => {
            for e in ctx.fields.errors.iter().filter(|e| !e.required) {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                write_warning(out, e);
            }
        }
        Placeholder::Lead(part) => match ctx.lead {
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
        },
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
        Placeholder::DueDate => match ctx.due_date {
            Some(d) => {
                let _ = write!(out, "{}", d.format("%Y-%m-%d"));
            }
            None => out.push_str("not set"),
        },
    }
}

/// One optional answer that could not be read: a warning line, not a checklist item.
fn write_warning(out: &mut String, e: &crate::model::FieldError) {
    let _ = write!(
        out,
        "- (optional, not needed to start) **{}**: {}",
        e.field, e.message
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_placeholders_are_rejected_with_a_suggestion() {
        let roster = Roster::default();
        let scope = Scope {
            template: None,
            lead_time: false,
            roster: &roster,
        };
        let err =
            BodyTemplate::parse("Hi {{autor}}\nsee {{lead_time.actual_days}}", &scope).unwrap_err();
        assert_eq!(err.len(), 2);
        assert_eq!(err[0].0, 0);
        assert!(err[0].1.contains("did you mean `author`?"), "{}", err[0].1);
        assert_eq!(err[1].0, 1);
        assert!(
            err[1].1.contains("needs a `check: lead_time`"),
            "{}",
            err[1].1
        );
    }
}
