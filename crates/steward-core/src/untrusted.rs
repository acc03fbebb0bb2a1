//! Requester text made inert before Steward writes it back: the one place that turns titles,
//! field values and typed usernames into Markdown for notes, digests and tracking-issue text,
//! and the final guard every body passes before it is sent.
//!
//! Untrusted text is always rendered as a Markdown **code span** ([`code`], [`name`]). GitLab
//! runs no reference filter inside code, so no `@all`, `@group/sub`, `#123`, `group/p#4`, `!5`,
//! `&6`, `~label`, `%milestone` or issue URL in it mentions anyone or cross-references another
//! issue, and Markdown and HTML in it are shown as typed (`<script>`, `[x](javascript:…)`, `# h`,
//! `> q`, `*em*`, `![]()`). Before it is wrapped the text is folded onto one line (so it cannot
//! start a quick action, a heading or a table row), stripped of control and bidirectional
//! formatting characters, capped by characters (never inside a UTF-8 character) with an
//! ellipsis, and its `|` becomes `∣` (a table row would otherwise split a code span into cells).
//! The fence is one backtick longer than any run inside.
//!
//! The only live mentions Steward writes are of accounts a rule names (roster roles, `mention:`,
//! the author and assignee as GitLab reports them), through [`mention`], which refuses
//! anything that is not a plain GitLab username (`all`, `here`, `channel`, `group/sub`).
//!
//! [`guard_body`] is applied to every whole body Steward sends (rule notes new and edited,
//! digests over REST, GraphQL and on tracking issues, and again by the GitLab client): it escapes
//! line-leading `/` (GITLAB.md §3.2, §6.4) and keeps the body under GitLab's 1,000,000-character
//! note limit with a margin. [`outside_code`] and [`live_mentions`] read Markdown back the way
//! GitLab would, so tests and checks can prove a body is inert.
//!
//! This module decides nothing about what is said or whether it is posted, and performs no
//! I/O. Its output is inert in Markdown inline context (paragraphs, list items, headings, table
//! cells, emphasis, link text); a rule must not place placeholders inside a raw HTML block.

mod body;
mod scan;
#[cfg(test)]
mod tests;

pub use body::{BODY_BUDGET, GITLAB_NOTE_LIMIT, escape_quick_actions, guard_body};
pub use scan::{live_mentions, outside_code};

/// How many characters of one untrusted value a note or digest shows.
pub const MAX_VALUE_CHARS: usize = 200;

/// What replaces a table pipe inside a code span (U+2223 DIVIDES, which looks like `|`).
const PIPE: char = '\u{2223}';

/// Untrusted text as one inert code span, showing at most [`MAX_VALUE_CHARS`] characters.
/// Empty (or all-blank) text renders as nothing.
pub fn code(text: &str) -> String {
    code_capped(text, MAX_VALUE_CHARS)
}

/// [`code`] with its own cap (at least one character is shown).
pub fn code_capped(text: &str, max_chars: usize) -> String {
    let shown: String = one_line(text, max_chars)
        .chars()
        .map(|c| if c == '|' { PIPE } else { c })
        .collect();
    if shown.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_backtick_run(&shown) + 1);
    // CommonMark strips one space from each end when both ends have one, so a span that starts
    // or ends with a backtick is padded on both sides and shows exactly what was typed.
    let pad = if shown.starts_with('`') || shown.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{shown}{pad}{fence}")
}

/// A username shown for information (digest lists, leaderboards, typed values): `` `@name` ``,
/// which GitLab does not notify.
pub fn name(username: &str) -> String {
    let bare = username.trim().trim_start_matches('@');
    if bare.is_empty() {
        return String::new();
    }
    code(&format!("@{bare}"))
}

/// A live `@name` mention of an account a rule names, or `None` when `username` is not a plain
/// GitLab username (empty, too long, odd characters, a `group/sub` path, or one of the names
/// that reach many people: `all`, `here`, `channel`). Callers render `None` with [`name`].
pub fn mention(username: &str) -> Option<String> {
    const SPECIAL: [&str; 3] = ["all", "here", "channel"];
    let u = username.strip_prefix('@').unwrap_or(username);
    let plain = !u.is_empty()
        && u.len() <= 255
        && u.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && !u.ends_with('.')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (plain && !SPECIAL.iter().any(|s| u.eq_ignore_ascii_case(s))).then(|| format!("@{u}"))
}

/// A live mention through [`mention`], or the inert [`name`] when it is refused.
pub fn mention_or_name(username: &str) -> String {
    mention(username).unwrap_or_else(|| name(username))
}

/// Untrusted text as one plain line for a terminal or log: whitespace runs (newlines included)
/// become one space, control and bidirectional formatting characters are dropped, and at most
/// `max_chars` characters are kept, the last being `…` when the text was longer. Not Markdown:
/// use [`code`] for anything GitLab renders.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let max_chars = max_chars.max(1);
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut count = 0usize;
    let mut pending_space = false;
    let mut cut = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = count > 0;
            continue;
        }
        if is_format_char(c) {
            continue;
        }
        let need = usize::from(pending_space) + 1;
        if count + need > max_chars {
            cut = true;
            break;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    if cut {
        // Make room for the ellipsis: drop the last character (and a space before it).
        out.pop();
        if out.ends_with(' ') {
            out.pop();
        }
        out.push('…');
    }
    out
}

/// Invisible characters that change how text reads without being seen: zero-width spaces and
/// joiners, bidirectional embeddings, overrides and isolates, the byte-order mark.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A link destination for a URL Steward got from GitLab (an issue's or project's `web_url`):
/// `None` unless it is `http(s)://`; characters that could end or break a Markdown link
/// (spaces, parentheses, angle brackets, quotes, backslashes, controls) are percent-encoded.
pub fn link_url(url: &str) -> Option<String> {
    let lower = url.trim_start().get(..8).unwrap_or("").to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        match c {
            ' ' | '(' | ')' | '<' | '>' | '"' | '\'' | '\\' | '`' | '[' | ']' | '|' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c if c.is_control() || c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Untrusted text as one spreadsheet cell (a CSV field a person opens in a spreadsheet): one
/// line as [`one_line`] makes it, and a leading `=`, `+`, `-`, `@` (or a tab or carriage return
/// before one) is preceded by `'`, so a customer name such as `=HYPERLINK(…)` is shown as text
/// and never runs as a formula. CSV quoting is the writer's job.
pub fn spreadsheet_cell(text: &str, max_chars: usize) -> String {
    let line = one_line(text, max_chars);
    if line.starts_with(['=', '+', '-', '@']) {
        format!("'{line}")
    } else {
        line
    }
}
