//! The ledger per account, for the command line and the status page: how many asks each
//! account has had, how many are open, how many were filed in the recent window, and a name to
//! show. An account seen only on confidential requests has no name to show (its name is the
//! requesters' text from issues a viewer may not see): counts only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::config::CustomerRules;
use super::ledger::Ask;
use super::names::AccountKey;
use crate::model::IssueState;

/// One account's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    /// The account's key.
    pub key: AccountKey,
    /// The declared name, else the latest spelling on a non-confidential request; `None` when
    /// every ask is confidential.
    pub name: Option<String>,
    /// Every ask recorded.
    pub asks: usize,
    /// Asks still open.
    pub open: usize,
    /// Asks filed within `window_days` before `now`.
    pub recent: usize,
    /// When the latest ask was filed.
    pub last_filed: DateTime<Utc>,
}

/// Summarises `asks` per account, most recently asked first.
pub fn summarise(
    rules: &CustomerRules,
    asks: &[Ask],
    now: DateTime<Utc>,
    window_days: u32,
) -> Vec<AccountSummary> {
    let mut by: BTreeMap<&AccountKey, AccountSummary> = BTreeMap::new();
    for a in asks {
        let line = by.entry(&a.account).or_insert_with(|| AccountSummary {
            key: a.account.clone(),
            name: rules.directory.name_of(&a.account).map(str::to_owned),
            asks: 0,
            open: 0,
            recent: 0,
            last_filed: a.filed_at,
        });
        line.asks += 1;
        line.open += usize::from(a.state == IssueState::Opened);
        let age = (now.date_naive() - a.filed_at.date_naive()).num_days();
        line.recent += usize::from((0..=i64::from(window_days)).contains(&age));
        if a.filed_at >= line.last_filed {
            line.last_filed = a.filed_at;
        }
        if !a.confidential && rules.directory.name_of(&a.account).is_none() {
            line.name = Some(a.account_name.clone());
        }
    }
    let mut out: Vec<AccountSummary> = by.into_values().collect();
    out.sort_by(|x, y| y.last_filed.cmp(&x.last_filed).then(x.key.cmp(&y.key)));
    out
}
