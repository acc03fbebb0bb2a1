//! The overview as HTML. Every value passes through [`escape`]; issues appear as references
//! linked to their explanation, never with their titles (titles are shown on the explanation
//! page, which reads the issue and knows whether it is confidential).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::chart::deliveries_svg;
use super::gather::{CHART_HOURS, Overview};
use super::html::{escape, issue_link, page};
use crate::store::AuditRecord;

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or("—".to_owned(), |t| {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    })
}

fn error(s: &mut String, what: &str, e: &str) {
    let _ = write!(
        s,
        "<p class=\"bad\">Could not read {}: {}</p>",
        escape(what),
        escape(e)
    );
}

/// The whole overview page.
pub fn render(o: &Overview) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<h1>Steward status</h1><p class=\"muted\">As of {} (Steward's clock). Read-only.</p>",
        time(Some(o.now))
    );
    queue(&mut s, o);
    deliveries(&mut s, o);
    health(&mut s, o);
    schedules(&mut s, o);
    labels(&mut s, o);
    super::customers::section(&mut s, &o.customers.0, o.customers.1);
    recent(&mut s, o);
    page("Steward status", &s)
}

fn queue(s: &mut String, o: &Overview) {
    s.push_str("<h2 id=\"queue\">Queue</h2>");
    match &o.queue {
        Ok(q) => {
            let _ = write!(
                s,
                "<table><tr><th>pending</th><th>running</th><th>dead letters</th><th>done</th>\
                 <th>gone</th></tr><tr><td class=\"num\" id=\"pending\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\" id=\"dead\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td></tr></table>",
                q.pending, q.running, q.dead, q.done, q.gone
            );
        }
        Err(e) => error(s, "the queue", e),
    }
    match &o.dead {
        Ok(dead) if dead.is_empty() => s.push_str("<p>No dead letters.</p>"),
        Ok(dead) => {
            s.push_str(
                "<table><tr><th>job</th><th>kind</th><th>attempts</th><th>ended</th>\
                 <th>last error</th></tr>",
            );
            for j in dead {
                let _ = write!(
                    s,
                    "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>\
                     <td>{}</td></tr>",
                    j.id,
                    escape(&j.kind),
                    j.attempts,
                    time(j.finished_at),
                    escape(j.last_error.as_deref().unwrap_or(""))
                );
            }
            s.push_str("</table>");
        }
        Err(e) => error(s, "the dead letters", e),
    }
}

fn deliveries(s: &mut String, o: &Overview) {
    let _ = write!(
        s,
        "<h2 id=\"deliveries\">Webhook deliveries per hour (last {CHART_HOURS} h)</h2>"
    );
    match &o.deliveries {
        Ok(counts) => s.push_str(&deliveries_svg(counts, o.now, CHART_HOURS)),
        Err(e) => error(s, "the deliveries", e),
    }
}

fn health(s: &mut String, o: &Overview) {
    s.push_str("<h2 id=\"gitlab\">GitLab</h2>");
    match o.health {
        None => s.push_str("<p>Metrics are disabled in this process.</p>"),
        Some(h) => {
            let up = match h.up {
                Some(true) => "<span class=\"ok\">answering</span>",
                Some(false) => "<span class=\"bad\">failing (5xx, timeout or refused)</span>",
                None => "no call made yet",
            };
            let _ = write!(
                s,
                "<p>Last call: {up}, at {} (system time).</p>",
                time(h.last_call)
            );
        }
    }
}

fn schedules(s: &mut String, o: &Overview) {
    s.push_str("<h2 id=\"schedules\">Sweeps and digests</h2>");
    if o.schedules.is_empty() {
        s.push_str("<p>This process runs no schedules.</p>");
        return;
    }
    s.push_str("<table><tr><th>schedule</th><th>when</th><th>last finished</th><th>next</th></tr>");
    for l in &o.schedules {
        let _ = write!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(&l.name),
            escape(&l.when),
            time(l.last),
            time(l.next)
        );
    }
    s.push_str("</table>");
}

fn labels(s: &mut String, o: &Overview) {
    s.push_str("<h2 id=\"labels\">Missing labels</h2>");
    if o.missing_labels.is_empty() {
        s.push_str("<p>No projects configured.</p>");
    }
    for (project, missing) in &o.missing_labels {
        match missing {
            Ok(m) if m.is_empty() => {
                let _ = write!(
                    s,
                    "<p>Project {project}: every label the rules use exists.</p>"
                );
            }
            Ok(m) => {
                let names: Vec<String> = m
                    .iter()
                    .map(|l| format!("<code>{}</code>", escape(l)))
                    .collect();
                let _ = write!(
                    s,
                    "<p class=\"bad\">Project {project} lacks {}: Steward will not apply them \
                     until they are created.</p>",
                    names.join(", ")
                );
            }
            Err(e) => error(s, &format!("project {project}'s labels"), e),
        }
    }
}

fn recent(s: &mut String, o: &Overview) {
    s.push_str("<h2 id=\"decisions\">Recent decisions</h2>");
    let groups = match &o.recent {
        Ok(g) => g,
        Err(e) => return error(s, "the audit log", e),
    };
    if groups.is_empty() {
        s.push_str("<p>The audit log is empty.</p>");
        return;
    }
    s.push_str(
        "<table id=\"decisions-table\"><tr><th>issue</th><th>when</th><th>action</th>\
         <th>rules</th><th>change or reason</th><th>GitLab's answer</th></tr>",
    );
    for (issue, entries) in groups {
        let link = issue.map_or("(no issue)".to_owned(), |(p, i)| issue_link(p.0, i));
        for (n, r) in entries.iter().enumerate() {
            let shown = if n == 0 { link.as_str() } else { "" };
            entry_row(s, shown, r);
        }
    }
    s.push_str("</table>");
}

/// One audit entry as a table row, after the issue cell's content.
pub fn entry_row(s: &mut String, issue_cell: &str, r: &AuditRecord) {
    let e = &r.entry;
    let answer = match e.response_status {
        Some(st) if (200..300).contains(&st) => format!("<span class=\"ok\">{st}</span>"),
        Some(st) => format!("<span class=\"bad\">{st}</span>"),
        None if e.api_call.is_some() => "<span class=\"bad\">no answer recorded</span>".to_owned(),
        None => "<span class=\"muted\">no call</span>".to_owned(),
    };
    let _ = write!(
        s,
        "<tr><td>{issue_cell}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{answer}</td></tr>",
        time(Some(e.at)),
        escape(&e.action),
        escape(&e.rule_names.join(", ")),
        escape(&e.detail),
    );
}
