//! What the digest is computed from: the program, its issues as plain data, and the period
//! boundaries the caller passes in (fiscal quarter and year come from the calendar, not here).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::IsoWeek;
use crate::model::{Issue, IssueIid, IssueState, LabelName, Username};
use crate::programs::{Program, ProgramOutcomes};

/// The label that marks a request filed later than its program's lead time.
pub const LATE_FILED_LABEL: &str = "lead-time::violated";

/// The label that marks a request waiting on its requester (missing or unreadable answers).
pub const WAITING_LABEL: &str = "advocacy::needs-info";

/// One issue of a program, as the digest needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestIssue {
    /// Project-scoped number.
    pub iid: IssueIid,
    /// Title (never shown when `confidential`).
    pub title: String,
    /// Link (never shown when `confidential`).
    pub web_url: String,
    /// Confidential issues are counted, never named or linked (GITLAB.md §5.4).
    pub confidential: bool,
    /// Current state.
    pub state: IssueState,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
    /// When it was closed, if it is closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Current assignees: the request's owners.
    pub assignees: Vec<Username>,
    /// Current labels.
    pub labels: BTreeSet<LabelName>,
    /// The account owner named in the request (contest leaderboard).
    pub account_owner: Option<Username>,
    /// Filed later than the program's lead time (carries [`LATE_FILED_LABEL`]).
    pub late_filed: bool,
}

impl DigestIssue {
    /// The digest's view of an issue read from GitLab. `closed_at` is passed separately because
    /// [`Issue`] does not carry it; `account_owner` comes from the parsed template fields.
    pub fn from_issue(
        issue: &Issue,
        closed_at: Option<DateTime<Utc>>,
        account_owner: Option<Username>,
    ) -> Self {
        Self {
            iid: issue.iid,
            title: issue.title.clone(),
            web_url: issue.web_url.clone(),
            confidential: issue.confidential,
            state: issue.state,
            created_at: issue.created_at,
            closed_at,
            due_date: issue.due_date,
            assignees: issue.assignees.iter().map(|u| u.username.clone()).collect(),
            labels: issue.labels.clone(),
            account_owner,
            late_filed: issue.labels.iter().any(|l| l.as_str() == LATE_FILED_LABEL),
        }
    }

    /// Whether the issue carries `label`.
    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l.as_str() == label)
    }

    /// Whether it was open at `instant`: filed by then and not closed by then.
    pub fn open_at(&self, instant: DateTime<Utc>) -> bool {
        self.created_at <= instant
            && match (self.state, self.closed_at) {
                (IssueState::Opened, _) => true,
                (IssueState::Closed, Some(closed)) => closed > instant,
                (IssueState::Closed, None) => false,
            }
    }

    /// When it was closed, if it is closed (a closed issue without `closed_at` has no time to
    /// count it in and is left out of period counts).
    pub fn closed_time(&self) -> Option<DateTime<Utc>> {
        match self.state {
            IssueState::Closed => self.closed_at,
            IssueState::Opened => None,
        }
    }
}

/// A period by its first and last day: a fiscal quarter or year as the calendar defines it, or
/// a contest's own dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalPeriod {
    /// How the team names it (`FY27-Q4`, `FY27`).
    pub name: String,
    /// First day.
    pub first_day: NaiveDate,
    /// Last day (inclusive).
    pub last_day: NaiveDate,
}

/// Which digest to compute: program, week, time zone, the moment it is computed, the periods
/// counted in (fiscal quarter and year, the contest), what counts as the program's success and
/// who is out of office.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestScope {
    /// The program, as declared.
    pub program: Program,
    /// The ISO week reported on.
    pub week: IsoWeek,
    /// The team's time zone: week and period bounds are midnights there.
    pub time_zone: Tz,
    /// When the digest is computed; a past week is reported as of its end.
    pub now: DateTime<Utc>,
    /// The fiscal quarter targets are measured in.
    pub quarter: FiscalPeriod,
    /// The fiscal year targets are measured in.
    pub year: FiscalPeriod,
    /// The contest the leaderboard counts (contest program; none configured: no leaderboard).
    pub contest: Option<FiscalPeriod>,
    /// What counts as the program's success, and what never counts.
    pub outcomes: ProgramOutcomes,
    /// Out-of-office date ranges (inclusive, team's time zone) of the requests' owners.
    pub away: BTreeMap<Username, Vec<(NaiveDate, NaiveDate)>>,
}

/// The out-of-office ranges of every owner of `issues` who is in the roster (the digest's
/// "owner out of office" risk).
pub fn absences(
    roster: &crate::rules::Roster,
    issues: &[DigestIssue],
) -> BTreeMap<Username, Vec<(NaiveDate, NaiveDate)>> {
    issues
        .iter()
        .flat_map(|i| i.assignees.iter())
        .filter_map(|u| {
            let member = roster.member(u)?;
            (!member.out_of_office.is_empty()).then(|| (u.clone(), member.out_of_office.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IssueId, ProjectId, UserId, UserRef};

    #[test]
    fn an_issue_read_from_gitlab_becomes_a_digest_issue_with_its_late_flag() {
        let created = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let issue = Issue {
            project_id: ProjectId(5),
            id: IssueId(1121),
            iid: IssueIid(121),
            title: "Speaker for Commit".into(),
            description: String::new(),
            state: IssueState::Opened,
            labels: [LATE_FILED_LABEL, "advocacy-program::speaker"]
                .into_iter()
                .map(LabelName::from)
                .collect(),
            assignees: vec![UserRef {
                id: UserId(9),
                username: Username::from("jhernandez"),
            }],
            author: None,
            created_at: created,
            updated_at: created,
            due_date: None,
            confidential: true,
            web_url: "https://gitlab.example.com/a/b/-/issues/121".into(),
            owned_note_keys: BTreeSet::new(),
            managed_due_date: None,
            waiting: Default::default(),
            user_notes_count: None,
            last_human_activity_at: None,
            work_item_type: None,
            closed_at: None,
        };
        let d = DigestIssue::from_issue(&issue, None, Some(Username::from("ae-sam")));
        assert!(d.late_filed && d.confidential);
        assert_eq!(d.assignees, [Username::from("jhernandez")]);
        assert_eq!(d.account_owner, Some(Username::from("ae-sam")));
        assert!(d.open_at(created) && !d.open_at(created - chrono::Duration::seconds(1)));
    }
}
