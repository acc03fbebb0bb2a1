//! Rule files as written (`rules/*.yaml`): strict serde types that keep source locations.
//!
//! No validation beyond shape (unknown keys are rejected here); names, regexes and placeholders
//! are resolved by `rules::build`.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::roster::Strategy;
pub use crate::yaml::SpannedMap;

/// One rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleFile {
    /// The rules, evaluated in order.
    pub rules: Vec<RawRule>,
}

/// One rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Unique name (shown in `matched_rules`).
    pub name: Spanned<String>,
    /// Free text for people reading the file.
    #[serde(default)]
    pub description: Option<String>,
    /// All must hold for the rule to apply.
    #[serde(default)]
    pub conditions: RawConditions,
    /// An optional check; the actions run when it fails.
    #[serde(default)]
    pub check: Option<RawCheck>,
    /// What to do when the rule fires.
    #[serde(default)]
    pub actions: RawActions,
    /// What to do when it does not (conditions false or check passed).
    #[serde(default)]
    pub otherwise: Option<RawActions>,
}

/// Conditions as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConditions {
    /// Template name, or `"*"` for any recognised template.
    #[serde(default)]
    pub template: Option<Spanned<String>>,
    /// All of these labels (`scope::*` wildcards allowed).
    #[serde(default)]
    pub labels: Vec<Spanned<String>>,
    /// None of these labels (`scope::*` wildcards allowed).
    #[serde(default)]
    pub forbidden_labels: Vec<Spanned<String>>,
    /// `opened`, `closed` or `all`.
    #[serde(default)]
    pub state: Option<RawState>,
    /// The author is one of these usernames.
    #[serde(default)]
    pub author: Vec<Spanned<String>>,
    /// `none` or `any`.
    #[serde(default)]
    pub assignees: Option<RawAssignees>,
    /// Field tests by field key.
    #[serde(default)]
    pub fields: SpannedMap<RawFieldCondition>,
    /// Whether a required field is missing or unreadable.
    #[serde(default)]
    pub field_errors: Option<bool>,
    /// Whether an optional field's answer is unreadable.
    #[serde(default)]
    pub field_warnings: Option<bool>,
    /// Tests on the due date.
    #[serde(default)]
    pub due_date: Option<RawDueDateCondition>,
    /// The issue was filed at least N business days ago (time waited on the requester not
    /// counted).
    #[serde(default)]
    pub older_than_business_days: Option<u32>,
    /// The issue has waited on its requester for at least N business days (this wait).
    #[serde(default)]
    pub waiting_business_days: Option<u32>,
    /// None of these comments (by `key`) has been posted on the issue.
    #[serde(default)]
    pub without_comments: Vec<Spanned<String>>,
    /// Nobody but Steward has acted on the issue for at least N business days (its own edits
    /// and comments do not count as activity).
    #[serde(default)]
    pub inactive_business_days: Option<u32>,
    /// The work item's type is one of these names (case-insensitive; GITLAB.md §6.1).
    #[serde(default)]
    pub work_item_type: Vec<Spanned<String>>,
    /// The date in a field falls in one of the calendar's quiet periods.
    #[serde(default)]
    pub quiet_period: Option<RawQuietPeriodCondition>,
    /// Where a written approval stands against its expiry.
    #[serde(default)]
    pub expiry: Option<RawExpiryCondition>,
}

/// `quiet_period: { field: KEY }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuietPeriodCondition {
    /// A date field of the rule's template (a publish or interview date).
    pub field: Spanned<String>,
}

/// `expiry: { expires, approved, within_business_days, expired }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpiryCondition {
    /// A date field: the expiry the approval states.
    #[serde(default)]
    pub expires: Option<Spanned<String>>,
    /// A date field: when it was approved (the calendar's default validity counts from it
    /// when no expiry is stated).
    #[serde(default)]
    pub approved: Option<Spanned<String>>,
    /// Expires within N business days (not yet expired).
    #[serde(default)]
    pub within_business_days: Option<u32>,
    /// `true`: past its expiry; `false`: not.
    #[serde(default)]
    pub expired: Option<bool>,
}

/// Issue state condition.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawState {
    /// Open issues.
    Opened,
    /// Closed issues.
    Closed,
    /// Both.
    All,
}

/// Assignee condition.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawAssignees {
    /// No assignee.
    None,
    /// At least one assignee.
    Any,
}

/// A scalar in `equals`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RawScalar {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

/// Tests on one field; all given must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFieldCondition {
    /// `true`: has a value; `false`: has none.
    #[serde(default)]
    pub present: Option<bool>,
    /// Equal to (text case-insensitively; for choices: this option is ticked).
    #[serde(default)]
    pub equals: Option<Spanned<RawScalar>>,
    /// One of (for choices: any ticked option is in the list).
    #[serde(default)]
    pub one_of: Vec<Spanned<String>>,
    /// None of (for choices: no ticked option is in the list).
    #[serde(default)]
    pub none_of: Vec<Spanned<String>>,
    /// Matches this regex.
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    /// Date strictly before `now`, `now+30d`, `now-7d` or `YYYY-MM-DD`.
    #[serde(default)]
    pub before: Option<Spanned<String>>,
    /// Date strictly after the same forms.
    #[serde(default)]
    pub after: Option<Spanned<String>>,
    /// Date between today and today + N days (team's zone), inclusive.
    #[serde(default)]
    pub within_days: Option<u32>,
    /// Number < N.
    #[serde(default)]
    pub lt: Option<f64>,
    /// Number <= N.
    #[serde(default)]
    pub lte: Option<f64>,
    /// Number > N.
    #[serde(default)]
    pub gt: Option<f64>,
    /// Number >= N.
    #[serde(default)]
    pub gte: Option<f64>,
}

/// Tests on the due date.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDueDateCondition {
    /// `true`: has one; `false`: has none.
    #[serde(default)]
    pub present: Option<bool>,
    /// Due within N business days from today (not yet overdue).
    #[serde(default)]
    pub within_business_days: Option<u32>,
    /// `true`: the due date is before today; `false`: it is not.
    #[serde(default)]
    pub overdue: Option<bool>,
    /// Overdue by at least N business days (escalation thresholds).
    #[serde(default)]
    pub overdue_business_days: Option<u32>,
}

/// Day unit for offsets and lead times.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RawUnit {
    /// Calendar days.
    #[default]
    CalendarDays,
    /// Business days (team calendar: weekends and holidays skipped).
    BusinessDays,
}

/// A rule's check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    /// The lead-time check.
    pub lead_time: RawLeadTime,
}

/// A lead-time check: `field` minus the creation date (team's zone) must be at least `minimum`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLeadTime {
    /// A date field of the rule's template.
    pub field: Spanned<String>,
    /// Minimum days.
    pub minimum: u32,
    /// Unit of `minimum`.
    #[serde(default)]
    pub unit: RawUnit,
}

/// Actions as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActions {
    /// Labels to add (a scoped label replaces its sibling).
    #[serde(default)]
    pub labels: Vec<Spanned<String>>,
    /// Labels to remove (`scope::*` wildcards allowed).
    #[serde(default)]
    pub remove_labels: Vec<Spanned<String>>,
    /// Assign by role.
    #[serde(default)]
    pub assign: Option<RawAssign>,
    /// Set the due date.
    #[serde(default)]
    pub due_date: Option<RawDueDate>,
    /// An owned comment.
    #[serde(default)]
    pub comment: Option<RawComment>,
    /// Roles to mention at the end of the comment.
    #[serde(default)]
    pub mention: Vec<Spanned<String>>,
    /// Escalate to a role: its members other than the assignee are asked, at the end of the
    /// comment, to act.
    #[serde(default)]
    pub escalate: Option<RawEscalate>,
    /// Close the issue with this outcome label (`outcome::no-response`).
    #[serde(default)]
    pub close: Option<Spanned<String>>,
    /// Reopen the issue (`reopen: true`).
    #[serde(default)]
    pub reopen: Option<bool>,
}

/// An escalation as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEscalate {
    /// The role escalations go to (its backup when nobody else in it can take it).
    pub role: Spanned<String>,
    /// What they are asked, after their mention: `please check whether it needs help.`
    pub ask: Spanned<String>,
}

/// Assignment as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssign {
    /// Role from the roster.
    pub role: Spanned<String>,
    /// `fixed` (default), `round_robin` or `least_loaded`.
    #[serde(default)]
    pub strategy: Strategy,
    /// Replace existing assignees (default: only assign unassigned issues).
    #[serde(default, rename = "override")]
    pub override_existing: bool,
}

/// Due-date action as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDueDate {
    /// `created` or `field.KEY` (a date field).
    pub from: Spanned<String>,
    /// Days to add (negative: before).
    #[serde(default)]
    pub offset: i32,
    /// Unit of `offset`.
    #[serde(default)]
    pub unit: RawUnit,
    /// Replace a due date that is already set (default: keep it).
    #[serde(default)]
    pub overwrite: bool,
    /// `field.KEY`: never a due date before this field's date (an embargo).
    #[serde(default)]
    pub not_before: Option<Spanned<String>>,
}

/// An owned comment as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComment {
    /// Marker key: one note per key per issue, updated in place.
    pub key: Spanned<String>,
    /// Markdown with `{{placeholders}}`.
    pub body: Spanned<String>,
    /// Post a fresh note (a new notification) at most once per this many days, instead of
    /// keeping one note updated: the key gets the window's start date appended.
    #[serde(default)]
    pub repeat_every_days: Option<u32>,
}
