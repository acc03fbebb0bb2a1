//! Tests of roster validation and assignee choice.

use super::*;
use chrono::TimeZone;

const YAML: &str = "\
roles:
  pmm: [ana, ben, cai]
members:
  ana: { name: Ana, capacity: 10, out_of_office: [{ from: 2027-03-01, to: 2027-03-05 }] }
  ben: { name: Ben, capacity: 5 }
  cai: { name: Cai, capacity: 20, time_zone: Asia/Tokyo }
";

fn u(s: &str) -> Username {
    Username(s.to_owned())
}

fn load(pairs: &[(&str, u32)]) -> Workload {
    Workload {
        open_issues: pairs.iter().map(|(n, c)| (u(n), *c)).collect(),
    }
}

#[test]
fn assignment_strategies_pick_the_expected_member() {
    let r = Roster::from_yaml("roster.yaml", YAML).unwrap();
    let tz = chrono_tz::America::New_York;
    let working = Utc.with_ymd_and_hms(2027, 2, 10, 15, 0, 0).unwrap();
    let ana_away = Utc.with_ymd_and_hms(2027, 3, 3, 15, 0, 0).unwrap();
    let none = Workload::default();
    type Case<'a> = (&'a str, Strategy, u64, DateTime<Utc>, Workload, &'a str);
    let cases: Vec<Case> = vec![
        (
            "fixed takes the first member",
            Strategy::Fixed,
            1,
            working,
            none.clone(),
            "ana",
        ),
        (
            "fixed skips an absent first member",
            Strategy::Fixed,
            1,
            ana_away,
            none.clone(),
            "ben",
        ),
        (
            "round robin by iid 0",
            Strategy::RoundRobin,
            3,
            working,
            none.clone(),
            "ana",
        ),
        (
            "round robin by iid 1",
            Strategy::RoundRobin,
            4,
            working,
            none.clone(),
            "ben",
        ),
        (
            "round robin by iid 2",
            Strategy::RoundRobin,
            5,
            working,
            none.clone(),
            "cai",
        ),
        (
            "round robin over present members",
            Strategy::RoundRobin,
            5,
            ana_away,
            none.clone(),
            "cai",
        ),
        (
            "least loaded by ratio",
            Strategy::LeastLoaded,
            1,
            working,
            load(&[("ana", 5), ("ben", 1), ("cai", 2)]),
            "cai",
        ),
        (
            "least loaded skips full members",
            Strategy::LeastLoaded,
            1,
            working,
            load(&[("ana", 9), ("ben", 5), ("cai", 19)]),
            "ana",
        ),
        (
            "least loaded when all are full",
            Strategy::LeastLoaded,
            1,
            working,
            load(&[("ana", 12), ("ben", 6), ("cai", 20)]),
            "cai",
        ),
        (
            "least loaded skips absent",
            Strategy::LeastLoaded,
            1,
            ana_away,
            load(&[("ben", 4), ("cai", 19)]),
            "ben",
        ),
    ];
    for (why, strategy, iid, now, wl, want) in cases {
        let got = r.choose("pmm", strategy, IssueIid(iid), now, tz, &wl);
        assert_eq!(got, Some(u(want)), "{why}");
    }
}

#[test]
fn absence_is_read_in_the_members_time_zone() {
    let yaml = "roles: { r: [kei] }\nmembers:\n  kei: { name: Kei, time_zone: Asia/Tokyo, out_of_office: [{ from: 2027-03-01, to: 2027-03-01 }] }\n";
    let r = Roster::from_yaml("roster.yaml", yaml).unwrap();
    // 2027-02-28 16:00 UTC is already March 1st in Tokyo.
    let now = Utc.with_ymd_and_hms(2027, 2, 28, 16, 0, 0).unwrap();
    assert_eq!(
        r.choose(
            "r",
            Strategy::Fixed,
            IssueIid(1),
            now,
            chrono_tz::UTC,
            &Workload::default()
        ),
        None
    );
}

#[test]
fn role_listing_an_unknown_member_is_a_located_error() {
    let yaml = "roles:\n  pmm: [anna]\nmembers:\n  ana: { name: Ana }\n";
    let errs = Roster::from_yaml("roster.yaml", yaml).unwrap_err();
    let shown = errs[0].to_string();
    assert!(shown.starts_with("roster.yaml:2:"), "{shown}");
    assert!(shown.contains("did you mean `ana`?"), "{shown}");
}

const COVER_YAML: &str = "\
roles:
  lead: [dee]
  lead-backup: []
  pmm: [ana, ben]
backups:
  lead: lead-backup
  pmm: lead
members:
  dee: { name: Dee Lead (Director), out_of_office: [{ from: 2027-03-08, to: 2027-03-12 }] }
  ana: { name: Ana, out_of_office: [{ from: 2027-03-01, to: 2027-03-05 }] }
  ben: { name: Ben, out_of_office: [{ from: 2027-03-01, to: 2027-03-02 }] }
";

#[test]
fn absences_are_covered_and_escalations_skip_the_person_they_are_about() {
    let r = Roster::from_yaml("roster.yaml", COVER_YAML).unwrap();
    let tz = chrono_tz::America::New_York;
    let day = |d: u32| Utc.with_ymd_and_hms(2027, 3, d, 15, 0, 0).unwrap();
    // (who is out, day, who covers)
    let covers = [
        ("ana", 3, Some("ben")), // the next member of her role
        ("ana", 1, Some("dee")), // ben is out too: the role's backup
        ("ben", 1, Some("dee")), // ana is out: the backup
        ("ana", 10, None),       // ana is back: no cover needed
        ("dee", 9, None),        // the lead's backup is an empty placeholder
    ];
    for (who, d, want) in covers {
        let got = r
            .cover_for(&u(who), day(d), tz)
            .map(|m| m.username.as_str());
        assert_eq!(got, want, "{who} on 2027-03-{d:02}");
    }
    assert_eq!(r.member(&u("dee")).unwrap().short_name(), "Dee Lead");
    // (role, about, day, asked)
    let escalations: [(&str, Vec<&str>, u32, Vec<&str>); 4] = [
        ("lead", vec!["ana"], 3, vec!["dee"]),
        ("lead", vec!["dee"], 3, vec![]), // never the lead about their own work
        ("lead", vec!["ana"], 9, vec![]), // the lead is out, the backup is empty
        ("pmm", vec!["ana"], 15, vec!["ben"]),
    ];
    for (role, about, d, want) in escalations {
        let about: Vec<Username> = about.into_iter().map(u).collect();
        let refs: Vec<&Username> = about.iter().collect();
        let got: Vec<&str> = r
            .escalation_to(role, &refs, day(d), tz)
            .into_iter()
            .map(Username::as_str)
            .collect();
        assert_eq!(got, want, "{role} about {about:?} on 2027-03-{d:02}");
    }
}

#[test]
fn backups_naming_unknown_roles_and_empty_roles_that_back_up_nothing_are_refused() {
    let cases = [
        (
            COVER_YAML.replace("pmm: lead\n", "pmm: leed\n"),
            "`backups` names `leed`, which is not a role",
        ),
        (
            COVER_YAML.replace("pmm: lead\n", "pmm: pmm\n"),
            "role `pmm` cannot back up itself",
        ),
        (
            COVER_YAML.replace("  lead: lead-backup\n", ""),
            "role `lead-backup` has no members",
        ),
        (
            COVER_YAML.replace("backups:", "handover: hand_off\nbackups:"),
            "hand_off",
        ),
    ];
    for (text, want) in cases {
        let errors = Roster::from_yaml("roster.yaml", &text).unwrap_err();
        let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(all.iter().any(|e| e.contains(want)), "{want}: {all:?}");
    }
    let flag = Roster::from_yaml("roster.yaml", COVER_YAML).unwrap();
    assert_eq!(flag.handover(), Handover::Flag, "flag is the default");
    let text = COVER_YAML.replace(
        "backups:",
        "handover: reassign\ncover_label: \"cover::x\"\nbackups:",
    );
    let reassign = Roster::from_yaml("roster.yaml", &text).unwrap();
    assert_eq!(reassign.handover(), Handover::Reassign);
    assert_eq!(
        reassign.cover_label().map(LabelName::as_str),
        Some("cover::x")
    );
}
