//! An issue's explanation as HTML (the page the overview links each issue to and the search
//! opens): the same rows as `steward explain`. A confidential issue's title and the rules'
//! reasons (which may quote its fields) are shown only to an authenticated viewer.

use std::fmt::Write as _;

use super::auth::Viewer;
use super::html::{escape, page};
use super::page::entry_row;
use crate::explain::Explanation;
use crate::explain::origin_text;

/// The explanation page.
pub fn render(e: &Explanation, viewer: Viewer) -> String {
    let issue = &e.issue;
    let hidden = issue.confidential && viewer != Viewer::Authenticated;
    let reference = format!("{}#{}", issue.project_id, issue.iid);
    let title = if hidden {
        "<em>confidential issue: its title is shown only with the status token</em>".to_owned()
    } else {
        escape(&issue.title)
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<h1><span id=\"issue-ref\">{}</span> <span id=\"issue-title\">{title}</span></h1>\
         <p>{:?}{}</p>",
        escape(&reference),
        issue.state,
        if issue.confidential {
            " · confidential"
        } else {
            ""
        },
    );
    s.push_str("<h2>Now</h2><table id=\"now\"><tr><th>what</th><th>value</th><th>set</th></tr>");
    for r in e.state_rows() {
        let _ = write!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            r.what,
            escape(&r.value),
            escape(&origin_text(r.set_by.as_ref()))
        );
    }
    s.push_str("</table>");
    let _ = write!(
        s,
        "<h2>Decided now</h2><p>At {} · template: {}</p><ul id=\"rules\">",
        e.now.format("%Y-%m-%d %H:%M UTC"),
        escape(&e.decision.recognition.to_string())
    );
    if e.decision.plan.matched_rules.is_empty() {
        s.push_str("<li>no rule matches</li>");
    }
    for m in &e.decision.plan.matched_rules {
        let reasons = if hidden {
            String::new()
        } else {
            format!(": {}", escape(&m.reasons.join("; ")))
        };
        let _ = write!(s, "<li><code>{}</code>{reasons}</li>", escape(&m.name));
    }
    s.push_str("</ul><h2>Would change now</h2><ul id=\"would\">");
    let would = e.would_lines();
    if would.is_empty() {
        s.push_str("<li>nothing</li>");
    }
    for line in would {
        let _ = write!(s, "<li>{}</li>", escape(&line));
    }
    for p in &e.would.problems {
        let _ = write!(
            s,
            "<li class=\"bad\">left out: {}</li>",
            escape(&p.to_string())
        );
    }
    let _ = write!(
        s,
        "</ul><p class=\"muted\">A dry run: nothing was written.</p>\
         <h2>Audit log</h2><table><tr><th></th><th>when</th><th>action</th><th>rules</th>\
         <th>change or reason</th><th>GitLab's answer</th></tr>"
    );
    for r in e.history.iter().rev() {
        entry_row(&mut s, "", r);
    }
    s.push_str("</table>");
    page(&format!("Steward: {reference}"), &s)
}
