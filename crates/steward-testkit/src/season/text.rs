//! Realistic request texts: the shipped request files (`tests/data/requests/*--clean.md`)
//! with answers replaced, dates written the ways people write them, typos and stray mentions.

use chrono::{Datelike, NaiveDate};

use crate::process::repo_root;

/// The clean request text of `template`, read from `tests/data/requests`.
pub fn clean(template: &str) -> std::io::Result<String> {
    let path = repo_root().join(format!("tests/data/requests/{template}--clean.md"));
    std::fs::read_to_string(path)
}

/// `text` with the answer of `**{label}:**` replaced by `value` (the field's marker comment
/// kept). Unchanged when there is no such line.
pub fn set_answer(text: &str, label: &str, value: &str) -> String {
    let head = format!("**{label}:**");
    let mut out = String::with_capacity(text.len() + value.len());
    for line in text.split_inclusive('\n') {
        match line.find(&head) {
            Some(at) => {
                let rest = &line[at + head.len()..];
                let tail = rest.find("<!--").map_or("\n", |c| &rest[c..]);
                let sep = if tail.starts_with("<!--") { " " } else { "" };
                out.push_str(&line[..at]);
                out.push_str(&head);
                out.push(' ');
                out.push_str(value);
                out.push_str(sep);
                out.push_str(tail);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The label of the first required free-text answer (`type=text required`), which an edit
/// can blank out.
pub fn first_required_text(text: &str) -> Option<String> {
    text.lines()
        .find(|l| l.contains("steward:field") && l.contains("type=text required"))
        .and_then(|l| {
            let start = l.find("**")? + 2;
            let end = l[start..].find(":**")? + start;
            Some(l[start..end].to_owned())
        })
}

/// How a requester writes a date (all readable with the team's month-first order).
#[derive(Debug, Clone, Copy)]
pub enum DateStyle {
    /// `2027-01-20`.
    Iso,
    /// `January 20, 2027`.
    Long,
    /// `01/20/2027`.
    MonthFirst,
}

impl DateStyle {
    /// Every style.
    pub const ALL: [DateStyle; 3] = [DateStyle::Iso, DateStyle::Long, DateStyle::MonthFirst];

    /// `date` written this way.
    pub fn write(self, date: NaiveDate) -> String {
        match self {
            DateStyle::Iso => date.format("%Y-%m-%d").to_string(),
            DateStyle::Long => date.format("%B %-d, %Y").to_string(),
            DateStyle::MonthFirst => {
                format!("{:02}/{:02}/{}", date.month(), date.day(), date.year())
            }
        }
    }
}

/// Things people do to free text that no parser should mind: typos, shouting, a stray
/// mention of someone no rule names (Steward must never echo it as a live mention), trailing
/// spaces, an HTML-ish aside.
pub const MESS: &[(&str, &str)] = &[
    (
        "Topic and key messages",
        "How they moved teh whole org to GitLab in one quartre  ",
    ),
    (
        "Story angle",
        "URGENT!!! exec wants this asap, cc @vp-field-marketing",
    ),
    (
        "Links",
        "see thread w/ @cro-office and <b>the deck</b> https://docs.example.com/x",
    ),
    (
        "Customer criteria",
        "ENT accts, ultimate, 12+ mo.   (pls no EMEA this time)",
    ),
    (
        "Links",
        "Slack: #advocacy-requests  — ping @someone-in-sales if unclear",
    ),
    (
        "Preferred speaker",
        "prob. their VP eng?? @jdoe-customer knows",
    ),
];

/// `text` with one of [`MESS`] applied (`which` picks it; a label the text lacks leaves it
/// unchanged) and Windows line endings when `crlf`.
pub fn messy(text: &str, which: usize, crlf: bool) -> String {
    let (label, value) = MESS[which % MESS.len()];
    let out = set_answer(text, label, value);
    if crlf { out.replace('\n', "\r\n") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_replaced_and_its_marker_kept() {
        let text = "**Event date:** 2027-04-21 <!-- steward:field key=event_date type=date required -->\n**Location:** X\n";
        let out = set_answer(text, "Event date", "TBD");
        assert_eq!(
            out,
            "**Event date:** TBD <!-- steward:field key=event_date type=date required -->\n**Location:** X\n"
        );
        assert_eq!(
            set_answer(text, "Location", "Y").lines().nth(1),
            Some("**Location:** Y")
        );
    }

    #[test]
    fn dates_are_written_as_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        let written: Vec<String> = DateStyle::ALL.iter().map(|s| s.write(d)).collect();
        assert_eq!(written, ["2027-01-05", "January 5, 2027", "01/05/2027"]);
    }
}
