//! Reading Markdown back the way GitLab's reference filters see it: the text outside code
//! spans, fenced code blocks and HTML comments, and the `@name` mentions in that text.

/// The parts of `markdown` where GitLab looks for mentions and references: everything except
/// HTML comments, fenced code blocks and inline code spans (each replaced by one space).
pub fn outside_code(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut fence: Option<(char, usize)> = None;
    for line in strip_comments(markdown).split('\n') {
        let t = line.trim_start();
        let opener = fence_of(t);
        match (fence, opener) {
            (Some((c, n)), Some((c2, n2))) if c == c2 && n2 >= n && t.trim_end().len() == n2 => {
                fence = None;
            }
            (Some(_), _) => {}
            (None, Some(f)) => fence = Some(f),
            (None, None) => out.push_str(&strip_code_spans(line)),
        }
        out.push('\n');
    }
    out
}

/// The names GitLab would notify from `markdown`: each `@name` (or `@group/sub`) outside code,
/// not preceded by a word character, in order of appearance. `all` is returned as `all`.
pub fn live_mentions(markdown: &str) -> Vec<String> {
    let text = outside_code(markdown);
    let chars: Vec<char> = text.chars().collect();
    let mut names = Vec::new();
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    let mut i = 0;
    while i < chars.len() {
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if chars[i] == '@' && !after_word {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && name_char(chars[end]) {
                end += 1;
            }
            let name: String = chars[start..end].iter().collect();
            let name = name.trim_end_matches(['.', '/', '-']);
            if name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                names.push(name.to_owned());
            }
            i = end.max(start);
        } else {
            i += 1;
        }
    }
    names
}

fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find("<!--") {
        out.push_str(&rest[..open]);
        match rest[open + 4..].find("-->") {
            Some(close) => {
                // Keep the line structure so fences are still recognised.
                let inner = &rest[open..open + 4 + close + 3];
                out.extend(inner.chars().filter(|&c| c == '\n'));
                out.push(' ');
                rest = &rest[open + 4 + close + 3..];
            }
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// A fence opener (three or more backticks or tildes) at the start of `t`.
fn fence_of(t: &str) -> Option<(char, usize)> {
    let c = t.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let n = t.chars().take_while(|&x| x == c).count();
    (n >= 3).then_some((c, n))
}

/// `line` with every inline code span (a backtick run closed by a run of the same length)
/// replaced by a space; unmatched backticks stay as text.
fn strip_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&c| c == '`').count();
        match closing_run(&chars, i + run, run) {
            Some(close) => {
                out.push(' ');
                i = close + run;
            }
            None => {
                out.extend(std::iter::repeat_n('`', run));
                i += run;
            }
        }
    }
    out
}

fn closing_run(chars: &[char], from: usize, len: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let run = chars[j..].iter().take_while(|&&c| c == '`').count();
            if run == len {
                return Some(j);
            }
            j += run;
        } else {
            j += 1;
        }
    }
    None
}
