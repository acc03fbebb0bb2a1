//! Quick-action extraction from descriptions and notes (GITLAB.md §4.4, §3.2): finds `/label`,
//! `/assign`, `/due`… lines, removes them from the text and says what they ask for. It does not
//! apply them (that is `ops`, which knows which labels and users exist).

use chrono::NaiveDate;

/// What the quick-action lines of one text ask for.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct QuickActions {
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    pub relabel: Option<Vec<String>>,
    /// Usernames (or `me`) to add as assignees.
    pub assign: Vec<String>,
    pub unassign: Vec<String>,
    pub unassign_all: bool,
    pub reassign: Option<Vec<String>>,
    /// `Some(Some(d))`: `/due d`; `Some(None)`: `/remove_due_date`.
    pub due: Option<Option<NaiveDate>>,
    pub close: bool,
    pub reopen: bool,
    pub confidential: bool,
    /// Number of command lines found (and removed).
    pub commands: usize,
}

/// Splits `~"a b" ~c d` into label titles.
fn label_args(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = args.trim();
    while !rest.is_empty() {
        let r = rest.strip_prefix('~').unwrap_or(rest);
        if let Some(q) = r.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            out.push(q[..end].to_owned());
            rest = q.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = r.find(char::is_whitespace).unwrap_or(r.len());
            let name = r[..end].trim_start_matches('~');
            if !name.is_empty() {
                out.push(name.to_owned());
            }
            rest = r[end..].trim_start();
        }
    }
    out
}

fn user_args(args: &str) -> Vec<String> {
    args.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_start_matches('@').to_owned())
        .collect()
}

/// Commands that change metadata, which only a user with permission may run.
fn is_metadata_command(cmd: &str) -> bool {
    matches!(
        cmd,
        "label"
            | "labels"
            | "unlabel"
            | "remove_label"
            | "relabel"
            | "assign"
            | "unassign"
            | "reassign"
            | "due"
            | "remove_due_date"
            | "close"
            | "reopen"
            | "confidential"
    )
}

/// Removes quick-action lines from `text` and returns the cleaned text and the actions.
/// When `allowed` is false, metadata commands are not available to the user: GitLab then leaves
/// those lines in the text untouched and runs nothing. Lines inside code fences are never
/// commands.
pub(crate) fn extract(text: &str, allowed: bool) -> (String, QuickActions) {
    let mut qa = QuickActions::default();
    let mut kept: Vec<&str> = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            kept.push(line);
            continue;
        }
        let Some(cmdline) = line.strip_prefix('/').filter(|_| !in_fence) else {
            kept.push(line);
            continue;
        };
        let (cmd, args) = match cmdline.find(char::is_whitespace) {
            Some(i) => (&cmdline[..i], cmdline[i..].trim()),
            None => (cmdline.trim_end(), ""),
        };
        let known = is_metadata_command(cmd) || cmd == "cc";
        if !known || (is_metadata_command(cmd) && !allowed) {
            kept.push(line);
            continue;
        }
        qa.commands += 1;
        match cmd {
            "label" | "labels" => qa.add_labels.extend(label_args(args)),
            "unlabel" | "remove_label" => {
                if args.is_empty() {
                    qa.relabel = Some(Vec::new());
                } else {
                    qa.remove_labels.extend(label_args(args));
                }
            }
            "relabel" => qa.relabel = Some(label_args(args)),
            "assign" => qa.assign.extend(user_args(args)),
            "unassign" => {
                if args.is_empty() {
                    qa.unassign_all = true;
                } else {
                    qa.unassign.extend(user_args(args));
                }
            }
            "reassign" => qa.reassign = Some(user_args(args)),
            "due" => {
                if let Ok(d) = NaiveDate::parse_from_str(args.trim(), "%Y-%m-%d") {
                    qa.due = Some(Some(d));
                }
            }
            "remove_due_date" => qa.due = Some(None),
            "close" => qa.close = true,
            "reopen" => qa.reopen = true,
            "confidential" => qa.confidential = true,
            // `/cc @user` only mentions; GitLab removes the line all the same.
            _ => {}
        }
    }
    let mut cleaned = kept.join("\n");
    // GitLab trims the whitespace left behind by removed command lines.
    if qa.commands > 0 {
        cleaned = cleaned.trim_end().to_owned();
    }
    (cleaned, qa)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_quick_actions_are_removed_and_parsed() {
        let text = "## Event\n\nDate: 2027-01-01\n\n/label ~\"Customer Advocacy\" ~advocacy-program::speaker\n/assign @jhernandez\n/due 2027-01-01\n";
        let (clean, qa) = extract(text, true);
        assert_eq!(clean, "## Event\n\nDate: 2027-01-01");
        assert_eq!(
            qa.add_labels,
            vec!["Customer Advocacy", "advocacy-program::speaker"]
        );
        assert_eq!(qa.assign, vec!["jhernandez"]);
        assert_eq!(qa.due, Some(NaiveDate::from_ymd_opt(2027, 1, 1)));
        assert_eq!(qa.commands, 3);
    }

    #[test]
    fn a_user_without_permission_keeps_the_lines_and_runs_nothing() {
        let text = "hello\n/label ~x\n/cc @nsmith";
        let (clean, qa) = extract(text, false);
        assert_eq!(clean, "hello\n/label ~x");
        assert!(qa.add_labels.is_empty());
        assert_eq!(qa.commands, 1);
    }

    #[test]
    fn lines_in_code_fences_and_unknown_commands_are_kept() {
        let text = "```\n/label ~x\n```\n/not-a-command\nsome /label inline";
        let (clean, qa) = extract(text, true);
        assert_eq!(clean, text);
        assert_eq!(qa, QuickActions::default());
    }

    #[test]
    fn unlabel_without_arguments_removes_every_label() {
        let (_, qa) = extract("/unlabel", true);
        assert_eq!(qa.relabel, Some(Vec::new()));
    }
}
