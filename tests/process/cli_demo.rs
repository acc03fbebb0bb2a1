//! `steward demo` from the command line: the README's run command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;

#[test]
fn demo_reports_the_expected_outcome_for_every_request() {
    let out = Command::cargo_bin("steward")
        .unwrap()
        .arg("demo")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("13 requests filed"), "{text}");
    // The late speaker request is flagged, then cleared when its date is fixed.
    let (intake, after_fix) = text.split_once("corrects the event date").unwrap();
    assert!(intake.contains("lead-time::violated"));
    assert!(intake.contains("45 days"));
    assert!(after_fix.contains("Update: with the event date now 2027-03-01"));
    // Incomplete requests get a checklist; re-deliveries cost nothing.
    assert!(text.contains("advocacy::needs-info"));
    assert!(text.contains("- [ ] **Event date**: found `next spring`"));
    assert!(text.contains("0 more API calls, 0 more writes"));
    assert!(text.contains("quick actions run by Steward's text 0"));
    // A customer asked too often, and a duplicate pair linked, each requester told once; the
    // team's ledger note is internal.
    let (_, ledger) = text
        .split_once("Customer ledger: one more request")
        .unwrap();
    let ledger = ledger
        .split_once("unticks the type")
        .map_or(ledger, |(l, _)| l);
    assert!(ledger.contains("reference-fatigue"), "{ledger}");
    assert_eq!(ledger.matches("possible-duplicate").count(), 2, "{ledger}");
    assert!(
        ledger.contains("internal   `team-customer-ledger`"),
        "{ledger}"
    );
    assert!(ledger.contains("comment    `customer-fatigue`"), "{ledger}");
    assert_eq!(
        ledger.matches("comment    `customer-duplicate`").count(),
        2,
        "{ledger}"
    );
    // The team closes three requests with their outcome the next week.
    let (_, closing) = text.split_once("the team closes three requests").unwrap();
    assert!(closing.contains("outcome::published"), "{closing}");
    // Time travel: the sweep marks overdue requests, and every program's digest of the week
    // that ended (W49, the week of the closes) is posted on its epic and shown, then the roll-up.
    let (_, later) = text.split_once("Two weeks later").unwrap();
    assert!(later.contains("+deadline::overdue"), "{later}");
    let programs = steward_core::digest::Programs::from_yaml(
        "rules/programs.yaml",
        include_str!("../../rules/programs.yaml"),
    )
    .unwrap();
    assert_eq!(programs.len(), 8);
    for program in programs.iter() {
        let posted = format!("{} 2026-W49: posted", program.key);
        assert!(later.contains(&posted), "{posted} missing:\n{later}");
        let heading = format!("## {} — weekly digest 2026-W49", program.title);
        assert!(later.contains(&heading), "{heading} missing:\n{later}");
    }
    // Then the director's roll-up of every program, posted on the team's epic.
    assert!(later.contains("roll-up 2026-W49: posted"), "{later}");
    let (_, rollup) = later
        .split_once("The director's roll-up of every program, as posted on the team's epic:")
        .unwrap();
    assert!(
        rollup.contains("## Roll-up of every program — 2026-W49"),
        "{rollup}"
    );
    assert_eq!(rollup.matches("```mermaid").count(), 2, "{rollup}");
    assert_eq!(later.matches("<!-- steward:digest:2026-W49 -->").count(), 9);
    // The digests name the team and the account owners without notifying anyone.
    let (_, digests) = later
        .split_once("Weekly digests for the week that ended")
        .unwrap();
    let (digests, clocks) = digests.split_once("Clocks and cover").unwrap();
    assert!(digests.contains("`@rlurie`"), "{digests}");
    assert!(
        steward_core::untrusted::live_mentions(digests).is_empty(),
        "{digests}"
    );
    // Only the published story counts; the accepted entry whose evidence is missing does not.
    assert!(
        later.contains("Customer stories published in FY2027-Q4: **1 of 3**"),
        "{later}"
    );
    assert!(
        later.contains("`Reference contest entry` — `@rlurie` · `advocacy::needs-info`"),
        "{later}"
    );
    assert!(
        later.contains("No accepted entries yet in this contest."),
        "{later}"
    );
    // A request waiting on its requester: its clock pauses (the two-week sweep only nudges the
    // requester), then resumes when they answer, without counting the days waited.
    let (_, two_weeks) = text.split_once("Two weeks later").unwrap();
    let (sweep, _) = two_weeks.split_once("Weekly digests").unwrap();
    let waiting = sweep
        .lines()
        .find(|l| l.contains("Customer quote for a trade-press feature"))
        .unwrap();
    assert!(
        waiting.ends_with("new comment `needs-info-nudge`"),
        "{waiting}"
    );
    let (clocks, _) = clocks.split_once("GitLab API calls in total").unwrap();
    assert!(clocks.contains("Hi @ccs, a gentle nudge"), "{clocks}");
    assert!(clocks.contains("8 days waited not counted"), "{clocks}");
    // The lead's own overdue request: nobody is asked about their own work.
    assert!(!clocks.contains("@nsmith, please"), "{clocks}");
    assert!(
        clocks.contains("so the issue's labels carry it."),
        "{clocks}"
    );
    // ... and names her without notifying her.
    assert!(
        clocks.contains("`@nsmith` is responsible for it."),
        "{clocks}"
    );
    // Jocelyn's absence: her overdue request is covered by Rachel, who gets the reminder.
    assert!(clocks.contains("+handover::cover"), "{clocks}");
    assert!(clocks.contains("@rlurie covers it until then."), "{clocks}");
    assert!(
        clocks.contains("@rlurie, this request was due on **2026-12-04**"),
        "{clocks}"
    );
    // The company calendar: an interview in the quiet period is flagged with the period's
    // dates; an accepted approval is reminded, and flagged and reopened for its renewal by the
    // nightly sweep once expired.
    let (_, calendar) = text.split_once("The company calendar").unwrap();
    assert!(calendar.contains("calendar::quiet-period"), "{calendar}");
    assert!(
        calendar.contains("quiet period before the FY2027-Q4 earnings call"),
        "{calendar}"
    );
    assert!(calendar.contains("approval::expiring"), "{calendar}");
    assert!(
        calendar
            .contains("+approval::expired, -approval::expiring, due 2027-01-25, reopened, new comment `approval-expired`"),
        "{calendar}"
    );
    // Every request was recognised.
    assert!(!text.contains("(not recognised)"), "{text}");
}

/// The demo's report with what changes from run to run (ports, the temporary database) masked.
fn demo_report(dir: &std::path::Path) -> String {
    let out = Command::cargo_bin("steward")
        .unwrap()
        .arg("demo")
        .current_dir(dir)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let text = regex::Regex::new(r"127\.0\.0\.1:\d+")
        .unwrap()
        .replace_all(&text, "127.0.0.1:PORT");
    regex::Regex::new(r"SQLite store \S+")
        .unwrap()
        .replace_all(&text, "SQLite store DB")
        .into_owned()
}

#[test]
fn the_installed_binary_runs_the_same_demo_in_any_directory() {
    let elsewhere =
        std::env::temp_dir().join(format!("steward-demo-anywhere-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&elsewhere);
    std::fs::create_dir_all(&elsewhere).unwrap();
    assert!(!elsewhere.join("rules").exists() && !elsewhere.join("issue_templates").exists());
    let checkout = demo_report(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
    let anywhere = demo_report(&elsewhere);
    assert!(checkout.contains("13 requests filed"), "{checkout}");
    assert_eq!(anywhere, checkout);
    let _ = std::fs::remove_dir_all(&elsewhere);
}
