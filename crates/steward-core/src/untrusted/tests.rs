use super::*;

/// Hostile requester text, each with why it is dangerous.
fn hostile() -> Vec<(&'static str, String)> {
    vec![
        ("notifies the whole project", "@all".to_owned()),
        ("Slack-style broadcast", "@here".to_owned()),
        ("Slack-style broadcast", "@channel".to_owned()),
        ("notifies a subgroup", "@group/subgroup".to_owned()),
        ("a field line", "**Event name:** @all".to_owned()),
        (
            "29 mentions in one title",
            (0..29)
                .map(|i| format!("@user{i}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("script tag", "<script>alert(1)</script>".to_owned()),
        ("javascript link", "[click](javascript:alert(1))".to_owned()),
        ("image", "![x](https://evil.example/p.png)".to_owned()),
        ("heading", "# heading".to_owned()),
        ("table", "| a | b |\n|---|---|\n| @all | x |".to_owned()),
        ("quick action", "/close".to_owned()),
        (
            "quick action after a newline",
            "fine\n/assign @me".to_owned(),
        ),
        (
            "cross-reference",
            "see #123 and other/project#4 and !5 &6".to_owned(),
        ),
        (
            "labels and milestones",
            "~urgent %\"Q4\" ~\"a b\"".to_owned(),
        ),
        (
            "quote and emphasis",
            "> *quoted* _em_ __strong__".to_owned(),
        ),
        (
            "raw HTML",
            "<img src=x onerror=alert(1)><details>".to_owned(),
        ),
        ("backticks", "`@all` and ``@here``".to_owned()),
        ("trailing backtick", "@all`".to_owned()),
        ("issue link", "https://gitlab.com/g/p/-/issues/9".to_owned()),
        ("bidi override", "@al\u{202E}l\u{200B}".to_owned()),
        ("1 MB value", "@all ".repeat(200_000)),
    ]
}

#[test]
fn every_hostile_value_becomes_one_inert_code_span() {
    for (why, input) in hostile() {
        let out = code(&input);
        assert!(
            outside_code(&out).trim().is_empty(),
            "{why}: not one code span: {out}"
        );
        assert!(live_mentions(&out).is_empty(), "{why}: mention in {out}");
        assert!(!out.contains('\n'), "{why}: newline kept in {out}");
        assert!(!out.contains('|'), "{why}: table pipe kept in {out}");
        assert!(
            !out.trim_start().starts_with('/'),
            "{why}: quick action in {out}"
        );
        let inner = out.trim_matches('`').trim();
        assert!(
            inner.chars().count() <= MAX_VALUE_CHARS,
            "{why}: {} characters shown",
            inner.chars().count()
        );
    }
}

#[test]
fn code_spans_show_the_text_as_typed() {
    let cases = [
        ("@all", "`@all`"),
        ("a`b", "``a`b``"),
        ("`x`", "`` `x` ``"),
        ("a ``b`` c", "```a ``b`` c```"),
        ("fine\n/close", "`fine /close`"),
        ("  spaced \t out\r\n  ", "`spaced out`"),
        ("a | b", "`a \u{2223} b`"),
        ("a\u{202E}b\u{200B}c", "`abc`"),
        ("", ""),
        (" \n ", ""),
    ];
    for (input, want) in cases {
        assert_eq!(code(input), want, "{input:?}");
    }
}

#[test]
fn a_pipe_in_a_value_does_not_add_table_cells() {
    let row = format!("| Event | {} |", code("x | @all | y"));
    let pipes = outside_code(&row).matches('|').count();
    assert_eq!(pipes, 3, "{row}");
}

#[test]
fn long_values_are_cut_by_characters_with_an_ellipsis() {
    let cases: [(String, usize); 4] = [
        ("é".repeat(300), 200),
        ("👍".repeat(201), 200),
        ("a".repeat(200), 200),
        (format!("{}b", "日".repeat(199)), 200),
    ];
    for (input, max) in cases {
        let shown = one_line(&input, max);
        assert!(shown.chars().count() <= max, "{shown}");
        let cut = input.chars().count() > max;
        assert_eq!(shown.ends_with('…'), cut, "{shown}");
        let kept = shown.trim_end_matches('…');
        assert!(input.starts_with(kept));
    }
    assert_eq!(one_line("abc def", 5), "abc…");
    assert_eq!(one_line("abcdef", 1), "…");
    let huge = "x".repeat(1_000_000);
    assert!(code(&huge).len() < 300);
}

#[test]
fn only_plain_usernames_become_live_mentions() {
    let cases = [
        ("jhernandez", Some("@jhernandez")),
        ("@rlurie", Some("@rlurie")),
        ("sam.seller", Some("@sam.seller")),
        ("a_b-c", Some("@a_b-c")),
        ("all", None),
        ("ALL", None),
        ("here", None),
        ("channel", None),
        ("group/sub", None),
        ("two words", None),
        ("", None),
        ("-dash", None),
        ("trailing.", None),
        ("<b>x</b>", None),
    ];
    for (input, want) in cases {
        assert_eq!(mention(input).as_deref(), want, "{input:?}");
    }
    assert_eq!(mention_or_name("all"), "`@all`");
    assert_eq!(name("@alice"), "`@alice`");
}

#[test]
fn guarded_bodies_never_start_a_quick_action_and_fit_in_a_gitlab_note() {
    let cases = [
        ("/close", "\\/close".to_owned()),
        (
            "ok\n  /label ~x\nfine",
            "ok\n  \\/label ~x\nfine".to_owned(),
        ),
        (
            "ok\r\n/close\r/reopen",
            "ok\n\\/close\n\\/reopen".to_owned(),
        ),
        ("a /b in the middle", "a /b in the middle".to_owned()),
        ("", String::new()),
    ];
    for (input, want) in cases {
        assert_eq!(guard_body(input), want, "{input:?}");
    }
    for huge in [
        format!("<!-- steward:k -->\n{}", "line of text\n".repeat(150_000)),
        "é".repeat(1_000_001),
        "/close\n".repeat(200_000),
    ] {
        let once = guard_body(&huge);
        assert!(once.chars().count() <= BODY_BUDGET, "{}", once.len());
        assert!(once.ends_with("see the issue list)"));
        assert!(once.lines().all(|l| !l.trim_start().starts_with('/')));
        assert_eq!(guard_body(&once), once, "not idempotent");
    }
}

#[test]
fn mentions_are_read_back_as_gitlab_would() {
    let cases: [(&str, &[&str]); 7] = [
        ("hi @all and `@x` <!-- @y -->", &["all"]),
        ("mail a@b.com", &[]),
        ("```\n@z\n```\n@after", &["after"]),
        ("cc @group/sub.", &["group/sub"]),
        ("``a ` @in``", &[]),
        ("unclosed ` @open", &["open"]),
        ("@\u{200B}zw", &[]),
    ];
    for (input, want) in cases {
        assert_eq!(live_mentions(input), want, "{input:?}");
    }
}

#[test]
fn only_web_links_are_linked() {
    assert_eq!(link_url("javascript:alert(1)"), None);
    assert_eq!(link_url("data:text/html,x"), None);
    assert_eq!(
        link_url("https://gitlab.example/a b/(x)").as_deref(),
        Some("https://gitlab.example/a%20b/%28x%29")
    );
}

proptest::proptest! {
    #[test]
    fn any_text_becomes_one_inert_capped_code_span(
        text in "[@#!&~%`|<>/\\[\\]()*_ \n\ta-z0-9é👍\u{202E}]{0,300}",
    ) {
        let out = code(&text);
        proptest::prop_assert!(outside_code(&out).trim().is_empty(), "{}", out);
        proptest::prop_assert!(live_mentions(&out).is_empty(), "{}", out);
        proptest::prop_assert!(!out.contains('\n') && !out.contains('|'), "{}", out);
        let guarded = guard_body(&format!("x\n{text}"));
        proptest::prop_assert!(guarded.lines().all(|l| !l.trim_start().starts_with('/')));
        proptest::prop_assert_eq!(guard_body(&guarded), guarded.clone());
    }
}
