//! Comment bodies: `{{placeholder}}` parsing (at load, so an unknown placeholder is a
//! configuration error) and rendering (at evaluation).
//!
//! Rendering is pure string building; it decides nothing about whether a note is posted.
//! Everything a requester wrote (title, field values, typed usernames, quoted answers) goes
//! through [`crate::untrusted`], so it shows as inert data; only accounts the rule names
//! (`{{author}}`, `{{assignee}}`, `{{role.X}}`) are mentioned.

use chrono::NaiveDate;

use crate::model::{FieldValue, Issue, ParsedFields, TemplateSpec, Username};
use crate::untrusted;

use super::roster::Roster;

mod dates;
mod render;

pub use dates::{DateFacts, DateScope};
use dates::{ExpiryPart, QuietPart};

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
    /// The assignee named without notifying them (an escalation names whose work it is).
    AssigneeName,
    DueDate,
    /// A figure of the quiet period the rule's `quiet_period` condition found.
    Quiet(QuietPart),
    /// A figure of the approval expiry the rule's `expiry` condition read.
    Expiry(ExpiryPart),
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
pub const SIMPLE: [&str; 10] = [
    "author",
    "title",
    "iid",
    "url",
    "template",
    "today",
    "field_errors",
    "field_warnings",
    "assignee",
    "assignee_name",
];

/// What a body may refer to.
pub struct Scope<'a> {
    /// The rule's single template, when it names one.
    pub template: Option<&'a TemplateSpec>,
    /// Whether the rule has a lead-time check.
    pub lead_time: bool,
    /// The roster (roles).
    pub roster: &'a Roster,
    /// The calendar conditions of the rule.
    pub dates: DateScope,
}

/// A placeholder problem: the 0-based line within the body, the message and a hint.
pub type BodyTemplateError = (usize, String, Option<String>);

impl BodyTemplate {
    /// Parses `body`, resolving every placeholder against `scope`.
    pub fn parse(body: &str, scope: &Scope<'_>) -> Result<BodyTemplate, Vec<BodyTemplateError>> {
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

/// The placeholder a name without arguments stands for.
fn simple(name: &str) -> Option<Placeholder> {
    match name {
        "author" => Some(Placeholder::Author),
        "title" => Some(Placeholder::Title),
        "iid" => Some(Placeholder::Iid),
        "url" => Some(Placeholder::Url),
        "template" => Some(Placeholder::Template),
        "today" => Some(Placeholder::Today),
        "field_errors" => Some(Placeholder::FieldErrors),
        "field_warnings" => Some(Placeholder::FieldWarnings),
        "assignee" => Some(Placeholder::Assignee),
        "assignee_name" => Some(Placeholder::AssigneeName),
        "due_date" => Some(Placeholder::DueDate),
        _ => None,
    }
}

fn resolve(name: &str, scope: &Scope<'_>) -> Result<Placeholder, (String, Option<String>)> {
    if let Some(p) = simple(name) {
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
    if let Some(p) = dates::placeholder(name, scope.dates) {
        return p;
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
        Some("placeholders: author, title, iid, url, template, today, due_date, assignee, assignee_name, field_errors, field_warnings, field.KEY, lead_time.PART, quiet_period.PART, expiry.PART, role.NAME".to_owned()),
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
    /// The calendar figures of the rule's conditions.
    pub dates: DateFacts,
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
            dates: DateScope::default(),
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
