//! The roster (`rules/roster.yaml`): roles → members with time zone, capacity and out-of-office
//! ranges, backups and handover, and the pure choice of an assignee among a role's members
//! (who covers an absence and who takes an escalation: `roster::cover`).
//!
//! No I/O beyond parsing the text it is given; the open-issue counts it balances on come in as
//! a [`Workload`] from the caller.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostics::{ConfigError, suggestion};
use crate::model::{IssueIid, LabelName, Username};

/// `rules/roster.yaml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoster {
    /// Role name → member usernames, in preference order.
    pub roles: BTreeMap<String, Vec<Spanned<String>>>,
    /// Username → details.
    pub members: BTreeMap<String, RawMember>,
    /// Role → the role that backs it up (covers its members' absences and takes its
    /// escalations when nobody else in it can). A backup role may be empty: a placeholder.
    #[serde(default)]
    pub backups: BTreeMap<String, Spanned<String>>,
    /// What happens to an absent member's requests that fall due while they are away.
    #[serde(default)]
    pub handover: Handover,
    /// The label that marks a request for cover (`handover: flag`); none: the note alone.
    #[serde(default)]
    pub cover_label: Option<Spanned<String>>,
}

/// What happens to an absent member's open requests that fall due during the absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Handover {
    /// Keep the assignee; label the request for cover and say who covers until when.
    #[default]
    Flag,
    /// Reassign the request to the member who covers, saying so.
    Reassign,
}

/// One member as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMember {
    /// Display name.
    pub name: String,
    /// IANA time zone (out-of-office dates are read in it); the team's when absent.
    #[serde(default)]
    pub time_zone: Option<Spanned<String>>,
    /// Open issues this person can own at once.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Absences, inclusive date ranges.
    #[serde(default)]
    pub out_of_office: Vec<RawAbsence>,
}

/// An absence as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAbsence {
    /// First day away, `YYYY-MM-DD`.
    pub from: Spanned<String>,
    /// Last day away, `YYYY-MM-DD`.
    pub to: Spanned<String>,
}

/// A team member.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// GitLab username.
    pub username: Username,
    /// Display name.
    pub name: String,
    /// The member's time zone, when it differs from the team's.
    pub time_zone: Option<Tz>,
    /// Open issues this person can own at once (`None`: unlimited).
    pub capacity: Option<u32>,
    /// Inclusive absence ranges.
    pub out_of_office: Vec<(NaiveDate, NaiveDate)>,
}

impl Member {
    /// True when the member is away on the date `now` falls on in their time zone (or the
    /// team's, `team_tz`, when they have none).
    pub fn is_away(&self, now: DateTime<Utc>, team_tz: Tz) -> bool {
        let date = now
            .with_timezone(&self.time_zone.unwrap_or(team_tz))
            .date_naive();
        self.out_of_office
            .iter()
            .any(|(from, to)| *from <= date && date <= *to)
    }
}

/// Open-issue count per username, supplied by the caller for least-loaded assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workload {
    /// Open issues currently assigned to each user (absent = 0).
    pub open_issues: BTreeMap<Username, u32>,
}

impl Workload {
    /// The open-issue count of a user.
    pub fn of(&self, user: &Username) -> u32 {
        self.open_issues.get(user).copied().unwrap_or(0)
    }
}

/// How an assignee is chosen among a role's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The first available member in roster order (a DRI with backups).
    #[default]
    Fixed,
    /// Members in turn, by issue iid: deterministic, no state needed.
    RoundRobin,
    /// The available member with the lowest open-issue count relative to capacity.
    LeastLoaded,
}

/// Roles and members, validated: every role's members exist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Roster {
    roles: BTreeMap<String, Vec<Username>>,
    members: BTreeMap<Username, Member>,
    backups: BTreeMap<String, String>,
    handover: Handover,
    cover_label: Option<LabelName>,
}

impl Roster {
    /// Parses and validates roster YAML; `file` names it in errors.
    pub fn from_yaml(file: &str, text: &str) -> Result<Roster, Vec<ConfigError>> {
        let raw: RawRoster = crate::yaml::from_str_all(file, text)?;
        Roster::from_raw(file, raw)
    }

    /// Validates a parsed roster.
    pub fn from_raw(file: &str, raw: RawRoster) -> Result<Roster, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut members = BTreeMap::new();
        for (username, m) in raw.members {
            let member = member_from_raw(file, &username, m, &mut errors);
            members.insert(member.username.clone(), member);
        }
        let may_be_empty: Vec<String> = raw.backups.values().map(|b| b.value.clone()).collect();
        let mut roles = BTreeMap::new();
        for (role, users) in raw.roles {
            let empty_ok = may_be_empty.contains(&role);
            let list = role_members(file, &role, users, &members, empty_ok, &mut errors);
            roles.insert(role, list);
        }
        let backups = cover::backups_from_raw(file, raw.backups, &roles, &mut errors);
        let cover_label = raw
            .cover_label
            .map(|l| LabelName(l.value.trim().to_owned()));
        // An entry nobody's role reaches is dead configuration, usually a misspelt username:
        // its absences and capacity would silently never apply.
        for u in members.keys() {
            if !roles.values().any(|list: &Vec<Username>| list.contains(u)) {
                errors.push(
                    ConfigError::file(
                        file,
                        format!("`{u}` is under `members` but in no role, so their out-of-office dates and capacity are never used"),
                    )
                    .hint("add them to a role, or fix the username if it is misspelt"),
                );
            }
        }
        if errors.is_empty() {
            Ok(Roster {
                roles,
                members,
                backups,
                handover: raw.handover,
                cover_label,
            })
        } else {
            Err(errors)
        }
    }

    /// Role names.
    pub fn role_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.roles.keys().map(String::as_str)
    }

    /// A role's members in roster order.
    pub fn role(&self, role: &str) -> Option<&[Username]> {
        self.roles.get(role).map(Vec::as_slice)
    }

    /// A member by username.
    pub fn member(&self, username: &Username) -> Option<&Member> {
        self.members.get(username)
    }

    /// Chooses an assignee among `role`'s members present on the date of `now`. `None` when
    /// the role is unknown or everyone is away.
    pub fn choose(
        &self,
        role: &str,
        strategy: Strategy,
        iid: IssueIid,
        now: DateTime<Utc>,
        team_tz: Tz,
        workload: &Workload,
    ) -> Option<Username> {
        let available: Vec<&Member> = self
            .role(role)?
            .iter()
            .filter_map(|u| self.members.get(u))
            .filter(|m| !m.is_away(now, team_tz))
            .collect();
        if available.is_empty() {
            return None;
        }
        let chosen = match strategy {
            Strategy::Fixed => available[0],
            Strategy::RoundRobin => available[(iid.0 % available.len() as u64) as usize],
            Strategy::LeastLoaded => {
                // Members with room first; among them (or, when all are full, among everyone)
                // the lowest load relative to capacity; ties go to roster order.
                let has_room =
                    |m: &&Member| m.capacity.is_none_or(|c| workload.of(&m.username) < c);
                let pool: Vec<&Member> = if available.iter().any(has_room) {
                    available.iter().copied().filter(has_room).collect()
                } else {
                    available.clone()
                };
                let ratio = |m: &Member| {
                    let load = f64::from(workload.of(&m.username));
                    match m.capacity {
                        Some(c) if c > 0 => load / f64::from(c),
                        Some(_) => f64::INFINITY,
                        None => load / 1000.0,
                    }
                };
                let mut best = pool[0];
                for m in pool.iter().skip(1) {
                    if ratio(m) < ratio(best) {
                        best = m;
                    }
                }
                best
            }
        };
        Some(chosen.username.clone())
    }
}

mod cover;
#[cfg(test)]
mod tests;

/// Validates one member entry (its time zone and absences), reporting problems in `errors`.
fn member_from_raw(
    file: &str,
    username: &str,
    m: RawMember,
    errors: &mut Vec<ConfigError>,
) -> Member {
    let time_zone = match &m.time_zone {
        None => None,
        Some(tz) => match tz.value.parse::<Tz>() {
            Ok(t) => Some(t),
            Err(_) => {
                errors.push(
                    ConfigError::at(
                        file,
                        tz.referenced,
                        format!("unknown time zone `{}` for {username}", tz.value),
                    )
                    .hint("use an IANA name such as Europe/Madrid"),
                );
                None
            }
        },
    };
    let mut out_of_office = Vec::new();
    for a in &m.out_of_office {
        if let (Some(from), Some(to)) = (
            absence_date(file, &a.from, errors),
            absence_date(file, &a.to, errors),
        ) {
            if to < from {
                errors.push(ConfigError::at(
                    file,
                    a.to.referenced,
                    format!("absence of {username} ends ({to}) before it starts ({from})"),
                ));
            }
            out_of_office.push((from, to));
        }
    }
    Member {
        username: Username(username.trim_start_matches('@').to_owned()),
        name: m.name,
        time_zone,
        capacity: m.capacity,
        out_of_office,
    }
}

/// A `YYYY-MM-DD` date of an absence, or `None` with an error in `errors`.
fn absence_date(
    file: &str,
    s: &Spanned<String>,
    errors: &mut Vec<ConfigError>,
) -> Option<NaiveDate> {
    let r = NaiveDate::parse_from_str(s.value.trim(), "%Y-%m-%d").ok();
    if r.is_none() {
        errors.push(
            ConfigError::at(file, s.referenced, format!("`{}` is not a date", s.value))
                .hint("write dates as YYYY-MM-DD"),
        );
    }
    r
}

/// The members a role lists that are under `members`; every other name is an error, and so
/// is a role left empty (when nothing else is wrong yet) unless it is a backup (`empty_ok`).
fn role_members(
    file: &str,
    role: &str,
    users: Vec<Spanned<String>>,
    members: &BTreeMap<Username, Member>,
    empty_ok: bool,
    errors: &mut Vec<ConfigError>,
) -> Vec<Username> {
    let mut list = Vec::new();
    for u in users {
        let name = Username(u.value.trim_start_matches('@').to_owned());
        if members.contains_key(&name) {
            list.push(name);
        } else {
            errors.push(
                ConfigError::at(
                    file,
                    u.referenced,
                    format!(
                        "role `{role}` lists `{}`, who is not under `members`: {}",
                        u.value,
                        suggestion(&u.value, members.keys().map(Username::as_str))
                    ),
                )
                .hint("add the person under `members` or fix the username"),
            );
        }
    }
    if list.is_empty() && !empty_ok && errors.is_empty() {
        errors.push(
            ConfigError::file(file, format!("role `{role}` has no members"))
                .hint("list at least one username under the role"),
        );
    }
    list
}
