//! Quick-action extraction from descriptions and notes (GITLAB.md §4.4, §3.2): finds `/label`,
//! `/assign`, `/due`… lines, removes them from the text and says what they ask for. It does not
//! apply them (that is `ops`, which knows which labels and users exist).

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

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
const METADATA_COMMANDS: &[&str] = &[
    "label",
    "labels",
    "unlabel",
    "remove_label",
    "relabel",
    "assign",
    "unassign",
    "reassign",
    "due",
    "remove_due_date",
    "close",
    "reopen",
    "confidential",
];

/// Commands anyone who may comment can run.
const OPEN_COMMANDS: &[&str] = &["cc"];

/// GitLab's extractor as one regular expression (Code: `lib/gitlab/quick_actions/extractor.rb`,
/// `commands_regex`; GITLAB.md §6.4). Matched in order, leftmost first: a ```` ``` ```` code
/// block, a run of lines closed by inline-code backticks, an HTML block (`<details>…</details>`)
/// and a `>>>` quote block are kept verbatim (their `/commands` do not run); otherwise a line
/// that *starts* with `/` and a known command name, in any letter case, is a command. A `~~~`
/// fence protects nothing, and an indented `  /close` is not at the start of its line.
fn commands_regex(names: &[&str]) -> Result<Regex, regex::Error> {
    // Longest first, so that `labels` is not read as `label` + `s`.
    let mut names: Vec<&str> = names.to_vec();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let names = names.join("|");
    Regex::new(&format!(
        r"(?msix)
          (?P<code>^```.+?\n```$)
        | (?P<inline>^.*`\n*.+?\n*`$)
        | (?P<html>^<[^>]+?>\n.+?\n</[^>]+?>$)
        | (?P<quote>^>>>.+?\n>>>$)
        | (?:^/(?P<cmd>{names})(?:\x20(?P<arg>[^\n]*))?(?:\s*\n|$))"
    ))
}

static WITH_METADATA: LazyLock<Result<Regex, regex::Error>> = LazyLock::new(|| {
    let mut all = METADATA_COMMANDS.to_vec();
    all.extend_from_slice(OPEN_COMMANDS);
    commands_regex(&all)
});
static WITHOUT_METADATA: LazyLock<Result<Regex, regex::Error>> =
    LazyLock::new(|| commands_regex(OPEN_COMMANDS));

/// Records one command (name lower-cased, like GitLab) in `qa`.
fn record(qa: &mut QuickActions, cmd: &str, args: &str) {
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
            if let Ok(d) = NaiveDate::parse_from_str(args, "%Y-%m-%d") {
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

/// Removes quick-action lines from `text` and returns the cleaned text and the actions.
/// When `allowed` is false, metadata commands are not available to the user: GitLab then leaves
/// those lines in the text untouched and runs nothing. Like GitLab, carriage returns are
/// dropped and, when a command was removed, trailing whitespace is trimmed.
pub(crate) fn extract(text: &str, allowed: bool) -> (String, QuickActions) {
    let mut qa = QuickActions::default();
    let re = if allowed {
        &*WITH_METADATA
    } else {
        &*WITHOUT_METADATA
    };
    let Ok(re) = re else {
        return (text.to_owned(), qa);
    };
    let content = text.replace('\r', "");
    let cleaned = re.replace_all(&content, |c: &regex::Captures<'_>| match c.name("cmd") {
        Some(cmd) => {
            let args = c.name("arg").map_or("", |a| a.as_str()).trim();
            record(&mut qa, &cmd.as_str().to_lowercase(), args);
            String::new()
        }
        None => c[0].to_owned(),
    });
    let mut cleaned = cleaned.into_owned();
    if qa.commands > 0 {
        cleaned = cleaned.trim_end().to_owned();
    } else {
        cleaned = text.to_owned();
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
    fn lines_in_backtick_fences_and_unknown_commands_are_kept() {
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

    #[test]
    fn command_names_match_in_any_letter_case() {
        let (clean, qa) = extract("thanks\n/Close\n/LABEL ~x", true);
        assert_eq!(clean, "thanks");
        assert!(qa.close);
        assert_eq!(qa.add_labels, vec!["x"]);
    }

    #[test]
    fn a_tilde_fence_does_not_protect_its_commands() {
        let (clean, qa) = extract("~~~\n/close\n~~~", true);
        assert!(qa.close);
        assert_eq!(clean, "~~~\n~~~");
    }

    #[test]
    fn details_and_triple_quote_blocks_protect_their_commands() {
        for text in [
            "<details>\n/close\n</details>",
            ">>>\n/close\n>>>",
            "see `this`\n/close\nand `that`",
        ] {
            let (clean, qa) = extract(text, true);
            assert!(!qa.close, "{text}");
            assert_eq!(clean, text);
        }
    }

    #[test]
    fn the_command_patterns_compile() {
        assert!(WITH_METADATA.is_ok(), "{:?}", WITH_METADATA.as_ref().err());
        assert!(WITHOUT_METADATA.is_ok());
    }

    #[test]
    fn an_indented_command_does_not_run() {
        let (clean, qa) = extract("  /close", true);
        assert!(!qa.close);
        assert_eq!(clean, "  /close");
    }

    #[test]
    fn a_command_swallows_the_blank_lines_after_it() {
        let (clean, qa) = extract("/close\n\n\nthanks", true);
        assert!(qa.close);
        assert_eq!(clean, "thanks");
    }
}
