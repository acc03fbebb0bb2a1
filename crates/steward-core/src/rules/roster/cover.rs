//! Who stands in for whom: the member who covers an absent colleague (their role's next
//! member present, then the role's backup), who an escalation goes to (never the person it
//! is about), and the handover settings.
//!
//! Pure lookups over the validated roster; `now` and the team's time zone are parameters.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_saphyr::Spanned;

use super::{Handover, Member, Roster};
use crate::diagnostics::{ConfigError, suggestion};
use crate::model::{LabelName, Username};

impl Member {
    /// The member's name without the parenthesised role the roster may add
    /// (`Rachel Lurie (Product Marketing Manager, …)` → `Rachel Lurie`), for sentences.
    pub fn short_name(&self) -> &str {
        self.name.split(" (").next().unwrap_or(&self.name).trim()
    }

    /// The absence the member is in on the date `now` falls on in their time zone (or the
    /// team's), as its first and last day.
    pub fn absence(&self, now: DateTime<Utc>, team_tz: Tz) -> Option<(NaiveDate, NaiveDate)> {
        let date = now
            .with_timezone(&self.time_zone.unwrap_or(team_tz))
            .date_naive();
        self.out_of_office
            .iter()
            .copied()
            .find(|(from, to)| *from <= date && date <= *to)
    }
}

impl Roster {
    /// What happens to an absent member's requests that fall due while they are away.
    pub fn handover(&self) -> Handover {
        self.handover
    }

    /// The label that marks a request for cover, if the roster names one.
    pub fn cover_label(&self) -> Option<&LabelName> {
        self.cover_label.as_ref()
    }

    /// The role that backs up `role`, if the roster names one.
    pub fn backup_of(&self, role: &str) -> Option<&str> {
        self.backups.get(role).map(String::as_str)
    }

    /// Who covers for `user` while they are away at `now`: in each role that lists them (by
    /// role name), the first other member present, then the first member present of that
    /// role's backup. `None` when `user` is present, unknown, or nobody can cover.
    pub fn cover_for(&self, user: &Username, now: DateTime<Utc>, team_tz: Tz) -> Option<&Member> {
        let absent = self.members.get(user)?;
        absent.absence(now, team_tz)?;
        let roles = self.roles.iter().filter(|(_, list)| list.contains(user));
        for (role, list) in roles {
            let backup = self.backup_of(role).and_then(|b| self.roles.get(b));
            let candidates = list.iter().chain(backup.into_iter().flatten());
            if let Some(m) = self.first_present(candidates, &[user], now, team_tz) {
                return Some(m);
            }
        }
        None
    }

    /// Who an escalation to `role` goes to: its members present at `now` other than those in
    /// `about` (the assignee the escalation is about, and whoever stands in for them); when
    /// none is left, the first such member of the role's backup. Empty when nobody can take
    /// it: the escalation's label then carries it alone.
    pub fn escalation_to(
        &self,
        role: &str,
        about: &[&Username],
        now: DateTime<Utc>,
        team_tz: Tz,
    ) -> Vec<&Username> {
        let direct = self.present_except(self.role(role).unwrap_or(&[]), about, now, team_tz);
        if !direct.is_empty() {
            return direct;
        }
        let backup = self.backup_of(role).and_then(|b| self.role(b));
        let mut backup = self.present_except(backup.unwrap_or(&[]), about, now, team_tz);
        backup.truncate(1);
        backup
    }

    /// The members of `list` present at `now`, except those in `except`.
    fn present_except<'s>(
        &self,
        list: &'s [Username],
        except: &[&Username],
        now: DateTime<Utc>,
        team_tz: Tz,
    ) -> Vec<&'s Username> {
        list.iter()
            .filter(|u| !except.contains(u))
            .filter(|u| {
                self.members
                    .get(*u)
                    .is_some_and(|m| !m.is_away(now, team_tz))
            })
            .collect()
    }

    /// The first member of `candidates` who is not in `except` and is present at `now`.
    fn first_present<'u>(
        &self,
        candidates: impl Iterator<Item = &'u Username>,
        except: &[&Username],
        now: DateTime<Utc>,
        team_tz: Tz,
    ) -> Option<&Member> {
        candidates
            .filter(|u| !except.contains(u))
            .filter_map(|u| self.members.get(u))
            .find(|m| !m.is_away(now, team_tz))
    }
}

/// Validates `backups`: both sides are roles, and no role backs up itself.
pub(super) fn backups_from_raw(
    file: &str,
    raw: BTreeMap<String, Spanned<String>>,
    roles: &BTreeMap<String, Vec<Username>>,
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (role, backup) in raw {
        let mut known = true;
        for name in [&role, &backup.value] {
            if !roles.contains_key(name) {
                known = false;
                errors.push(
                    ConfigError::at(
                        file,
                        backup.referenced,
                        format!(
                            "`backups` names `{name}`, which is not a role: {}",
                            suggestion(name, roles.keys().map(String::as_str))
                        ),
                    )
                    .hint("both the role and its backup must be listed under `roles`"),
                );
            }
        }
        if role == backup.value {
            errors.push(ConfigError::at(
                file,
                backup.referenced,
                format!("role `{role}` cannot back up itself"),
            ));
        } else if known {
            out.insert(role, backup.value);
        }
    }
    out
}
