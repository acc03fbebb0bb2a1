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
    // The team closes three requests with their outcome the next week.
    let (_, closing) = text.split_once("the team closes three requests").unwrap();
    assert!(closing.contains("outcome::published"), "{closing}");
    // Time travel: the sweep marks overdue requests, and every program's digest of the week
    // that ended (W49, the week of the closes) is posted on its epic and shown.
    let (_, later) = text.split_once("Two weeks later").unwrap();
    assert!(later.contains("+deadline::overdue"), "{later}");
    for program in steward_core::digest::Program::ALL {
        let posted = format!("{} 2026-W49: posted", program.key());
        assert!(later.contains(&posted), "{posted} missing:\n{later}");
        let heading = format!("## {} — weekly digest 2026-W49", program.display_name());
        assert!(later.contains(&heading), "{heading} missing:\n{later}");
    }
    assert_eq!(later.matches("<!-- steward:digest:2026-W49 -->").count(), 8);
    // The digests name the team and the account owners without notifying anyone.
    let (_, digests) = later
        .split_once("Weekly digests for the week that ended")
        .unwrap();
    let (digests, _) = digests.split_once("GitLab API calls in total").unwrap();
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
    // Every request was recognised.
    assert!(!text.contains("(not recognised)"), "{text}");
}
