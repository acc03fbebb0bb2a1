//! The whole-body guard: no line of a body Steward sends starts a quick action, and no body
//! reaches GitLab's note length limit.

/// GitLab refuses a note body longer than this many characters (GITLAB.md §3.2, §6.5).
pub const GITLAB_NOTE_LIMIT: usize = 1_000_000;

/// The most characters Steward sends in one body: a tenth under [`GITLAB_NOTE_LIMIT`], so that
/// GitLab's own rewriting (absolute image URLs, normalised line ends) cannot push it over.
pub const BODY_BUDGET: usize = 900_000;

/// Said at the end of a body that had to be cut to [`BODY_BUDGET`].
const CUT_NOTICE: &str =
    "\n\n… (cut here: the rest was longer than a GitLab comment may be; see the issue list)";

/// The body as it may be sent: line ends normalised to `\n`, every line that would start a
/// quick action escaped ([`escape_quick_actions`]), and at most [`BODY_BUDGET`] characters,
/// cut at a line end with a notice when longer. Applying it twice changes nothing more.
pub fn guard_body(body: &str) -> String {
    let normalised = if body.contains('\r') {
        body.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        body.to_owned()
    };
    let escaped = escape_quick_actions(&normalised);
    cap_body(escaped)
}

/// Escapes every line that would start a GitLab quick action (GITLAB.md §3.2: a `/command` on
/// its own line in a note is executed, in new and edited notes alike, §6.4): a leading `/`,
/// after any indentation, becomes `\/`.
pub fn escape_quick_actions(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('/') {
            out.push_str(&line[..line.len() - trimmed.len()]);
            out.push('\\');
            out.push_str(trimmed);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Cuts `body` to at most [`BODY_BUDGET`] characters, notice included, at the last line end
/// that fits (or at a character boundary when one line is longer than that).
fn cap_body(body: String) -> String {
    // Bytes bound characters from above: most bodies never need counting.
    if body.len() <= BODY_BUDGET || body.chars().count() <= BODY_BUDGET {
        return body;
    }
    let keep_chars = BODY_BUDGET - CUT_NOTICE.chars().count();
    let end = body
        .char_indices()
        .nth(keep_chars)
        .map_or(body.len(), |(i, _)| i);
    let head = &body[..end];
    let head = match head.rfind('\n') {
        Some(nl) if nl > 0 => &head[..nl],
        _ => head,
    };
    let mut out = String::with_capacity(head.len() + CUT_NOTICE.len());
    out.push_str(head.trim_end());
    out.push_str(CUT_NOTICE);
    out
}
