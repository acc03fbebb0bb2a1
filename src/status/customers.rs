//! The status page's customer-ledger section: per account, its asks, open asks and asks in the
//! recent window (`steward_core::customers::summarise`). Account names are requester text,
//! escaped; an account seen only on confidential requests is shown by counts alone.
//!
//! Rendering only; the ledger is kept by issue sync.

use std::fmt::Write as _;

use super::html::escape;
use steward_core::customers::AccountSummary;

/// Accounts listed (most recently asked first); the heading counts them all.
pub const LISTED: usize = 50;

/// Writes the section for `ledger` (or the error that kept it from being read).
pub fn section(s: &mut String, ledger: &Result<Vec<AccountSummary>, String>, window_days: u32) {
    s.push_str("<h2 id=\"customers\">Customer ledger</h2>");
    let lines = match ledger {
        Ok(l) => l,
        Err(e) => {
            let _ = write!(
                s,
                "<p class=\"error\">Could not read the customer ledger: {}</p>",
                escape(e)
            );
            return;
        }
    };
    if lines.is_empty() {
        s.push_str("<p>No customer asks recorded yet.</p>");
        return;
    }
    let _ = write!(
        s,
        "<p>{} accounts. Most recently asked first.</p><table id=\"customers-table\"><tr>\
         <th>account</th><th>asks</th><th>open</th><th>last {window_days} days</th>\
         <th>last ask</th></tr>",
        lines.len()
    );
    for l in lines.iter().take(LISTED) {
        let name = l
            .name
            .as_deref()
            .map_or_else(|| "<i>confidential requests only</i>".to_owned(), escape);
        let _ = write!(
            s,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.asks,
            l.open,
            l.recent,
            l.last_filed.format("%Y-%m-%d")
        );
    }
    s.push_str("</table>");
}
