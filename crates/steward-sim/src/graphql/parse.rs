//! Just enough of GraphQL's syntax to answer like GitLab: the operation's kind, its root field,
//! and every field name selected, so a field or operation the simulator does not model gets
//! GitLab's "doesn't exist" error instead of a made-up answer. Not a GraphQL engine: no
//! fragments by name, no directives, and selections are not checked per type.

/// A parsed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Op {
    /// `mutation` (else a query).
    pub mutation: bool,
    /// The first field of the operation's selection set (`createNote`, `namespace`, …).
    pub root: String,
    /// Every field name selected below the root, in order.
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Punct(char),
    Spread,
    Value,
}

fn tokens(q: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ',' {
            i += 1;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            if i >= chars.len() {
                return Err("Parse error: unterminated string".into());
            }
            i += 1;
            out.push(Tok::Value);
        } else if c == '.' {
            if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') {
                out.push(Tok::Spread);
                i += 3;
            } else {
                return Err("Parse error on \".\"".into());
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() || c == '-' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || ".-+".contains(chars[i]))
            {
                i += 1;
            }
            out.push(Tok::Value);
        } else if "{}()[]:$!=@".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            return Err(format!("Parse error on \"{c}\""));
        }
    }
    Ok(out)
}

/// Parses one operation (the first in the document).
pub(crate) fn parse(query: &str) -> Result<Op, String> {
    let toks = tokens(query)?;
    let mut i = 0;
    let mutation = matches!(toks.first(), Some(Tok::Ident(k)) if k == "mutation");
    // Skip the operation header (`query Name($a: T!)`) up to the selection set.
    while i < toks.len() && toks[i] != Tok::Punct('{') {
        i += 1;
    }
    if i >= toks.len() {
        return Err("Parse error: the document has no selection set".into());
    }
    let (mut depth, mut parens) = (0usize, 0usize);
    let mut names: Vec<String> = Vec::new();
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') if parens == 0 => depth += 1,
            Tok::Punct('}') if parens == 0 => depth = depth.saturating_sub(1),
            Tok::Punct('(') => parens += 1,
            Tok::Punct(')') => parens = parens.saturating_sub(1),
            Tok::Spread => {
                // `... on Type`: skip the type condition.
                if matches!(toks.get(i + 1), Some(Tok::Ident(k)) if k == "on") {
                    i += 2;
                }
            }
            Tok::Ident(name) if parens == 0 && depth > 0 => {
                let alias = toks.get(i + 1) == Some(&Tok::Punct(':'));
                if !alias {
                    names.push(name.clone());
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 || parens != 0 {
        return Err("Parse error: unbalanced braces".into());
    }
    let mut names = names.into_iter();
    let root = names
        .next()
        .ok_or_else(|| "Parse error: empty selection".to_owned())?;
    Ok(Op {
        mutation,
        root,
        fields: names.collect(),
    })
}

/// The `first:` argument given inside `field(...)`, if it is a literal number.
pub(crate) fn first_arg(query: &str, field: &str) -> Option<usize> {
    let at = query.find(&format!("{field}("))?;
    let args = &query[at + field.len() + 1..];
    let args = &args[..args.find(')')?];
    let v = args.split("first:").nth(1)?.trim_start();
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_field_and_selected_fields_are_found_past_arguments_and_fragments() {
        let op = parse("query Q($p: ID!, $i: String!) { namespace(fullPath: $p) { workItem(iid: $i) { id widgets { type ... on WorkItemWidgetLabels { labels(first: 100) { nodes { id title } } } } } } }").unwrap();
        assert!(!op.mutation);
        assert_eq!(op.root, "namespace");
        assert_eq!(
            op.fields,
            [
                "workItem", "id", "widgets", "type", "labels", "nodes", "id", "title"
            ]
        );
        let m = parse(r#"mutation { createNote(input: {noteableId: "gid://gitlab/WorkItem/1", body: "a } b"}) { note { id } errors } }"#).unwrap();
        assert!(m.mutation);
        assert_eq!(m.root, "createNote");
        assert!(parse("{ a { b }").is_err());
        assert_eq!(
            first_arg("discussions(first: 30, after: $a)", "discussions"),
            Some(30)
        );
    }
}
