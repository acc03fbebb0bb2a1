//! The one escaping function of the status page and the page shell around each view. Every
//! piece of text that reaches the page goes through [`escape`] (issue titles, audit details,
//! errors, label and rule names alike), so no text can open a tag or an attribute.

use std::fmt::Write as _;

/// Text made safe for HTML element content and double- or single-quoted attribute values.
/// Control characters other than newline and tab are dropped (they have no business on a page
/// and some confuse terminals when the page is saved as text).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A query-string value: everything but unreserved characters percent-encoded.
pub fn query_value(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The link to an issue's explanation, showing `PROJECT#IID`.
pub fn issue_link(project: u64, iid: u64) -> String {
    let r = format!("{project}#{iid}");
    format!(
        "<a href=\"/status/explain?issue={}\">{}</a>",
        query_value(&r),
        escape(&r)
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:72rem;color:#222}\
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;width:100%;font-size:.9rem}\
td,th{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left;vertical-align:top}\
.num{font-variant-numeric:tabular-nums;text-align:right}.bad{color:#a40000}.ok{color:#276a00}\
.muted{color:#666}code{background:#f4f4f4;padding:0 .2rem}\
form{margin:1rem 0}input{width:22rem;padding:.3rem}";

/// A complete page: title, the search form, the body.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <p><a href=\"/status\">Steward status</a></p>\
         <form method=\"get\" action=\"/status/explain\" role=\"search\">\
         <label for=\"issue\">Explain an issue:</label> \
         <input id=\"issue\" name=\"issue\" placeholder=\"#12, 42#12, group/project#12 or its URL\"> \
         <button type=\"submit\">Explain</button></form>\n{body}</body></html>\n",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_open_a_tag_or_leave_an_attribute() {
        let cases = [
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("\" onmouseover=\"x", "&quot; onmouseover=&quot;x"),
            ("' autofocus onfocus='x", "&#39; autofocus onfocus=&#39;x"),
            ("Q&A <b>now</b>", "Q&amp;A &lt;b&gt;now&lt;/b&gt;"),
            ("bell\u{7}\u{1b}[2J", "bell[2J"),
            ("@all please", "@all please"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input:?}");
        }
    }

    #[test]
    fn an_issue_reference_survives_the_query_string() {
        assert_eq!(query_value("42#7"), "42%237");
        assert_eq!(query_value("a/b#1 &x"), "a%2Fb%231%20%26x");
        assert_eq!(
            issue_link(42, 7),
            "<a href=\"/status/explain?issue=42%237\">42#7</a>"
        );
    }
}
