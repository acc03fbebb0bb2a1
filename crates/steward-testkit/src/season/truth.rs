//! What the generator intended, asked at any instant: never read back from Steward.

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, Utc};
use steward_core::calendar::Calendar;

use super::local_date;

/// The team's programs, as the handbook names them (each has one template).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Program {
    /// Speaking Opportunities: filed at least 60 days before the event.
    Speaker,
    /// Press Opportunities: at least 30 days before the deadline.
    Press,
    /// Peer Reviews & Analyst Interviews: at least 20 business days before the deadline.
    Analyst,
    /// Customer Stories.
    Story,
    /// Logo & Name Usage.
    Reference,
    /// Earnings Customer References.
    Earnings,
    /// Executive Advisory Board.
    Eab,
    /// Reference Sales Contests.
    Contest,
}

/// How a lead time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadTime {
    /// At least this many calendar days from filing to the date.
    CalendarDays(i64),
    /// At least this many business days (team calendar) from filing to the date.
    BusinessDays(i64),
}

impl Program {
    /// Every program.
    pub const ALL: [Program; 8] = [
        Program::Speaker,
        Program::Press,
        Program::Analyst,
        Program::Story,
        Program::Reference,
        Program::Earnings,
        Program::Eab,
        Program::Contest,
    ];

    /// The program key (`rules/programs.yaml`, the digest's target).
    pub fn key(self) -> &'static str {
        match self {
            Program::Speaker => "speaker",
            Program::Press => "press",
            Program::Analyst => "analyst",
            Program::Story => "story",
            Program::Reference => "reference",
            Program::Earnings => "earnings",
            Program::Eab => "eab",
            Program::Contest => "contest",
        }
    }

    /// The template's name (and the stem of its realistic request files).
    pub fn template(self) -> &'static str {
        match self {
            Program::Speaker => "customer-speaker-request",
            Program::Press => "customer-press-request",
            Program::Analyst => "analyst-participation-request",
            Program::Story => "customer-story-idea",
            Program::Reference => "customer-reference-approval",
            Program::Earnings => "earnings-customer-reference",
            Program::Eab => "eab-nomination",
            Program::Contest => "reference-contest-entry",
        }
    }

    /// The handbook's lead time and the field it is counted to, for the programs with one.
    pub fn lead_time(self) -> Option<(&'static str, LeadTime)> {
        match self {
            Program::Speaker => Some(("Event date", LeadTime::CalendarDays(60))),
            Program::Press => Some(("Deadline", LeadTime::CalendarDays(30))),
            Program::Analyst => Some(("Deadline", LeadTime::BusinessDays(20))),
            _ => None,
        }
    }

    /// The outcomes the team closes this program's requests with (`outcome::…`).
    pub fn outcomes(self) -> &'static [&'static str] {
        match self {
            Program::Story | Program::Press => &["published", "declined", "duplicate"],
            Program::Eab | Program::Contest | Program::Reference => {
                &["accepted", "declined", "duplicate"]
            }
            Program::Speaker | Program::Analyst | Program::Earnings => {
                &["delivered", "declined", "duplicate"]
            }
        }
    }
}

/// One state of a request's description, from `at` until the next version.
#[derive(Debug, Clone)]
pub struct Version {
    /// When the requester saved it.
    pub at: DateTime<Utc>,
    /// The description.
    pub text: String,
    /// The date the lead time counts to, as the generator meant it to be read (`None`: left
    /// out, TBD, or a wrong year that puts it before the filing day).
    pub lead_date: Option<NaiveDate>,
    /// A required answer is missing or impossible: the request waits on its requester.
    pub waits_on_requester: bool,
}

/// One request as the generator planned it.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Its index in the season (titles carry it: `(#12)`).
    pub index: usize,
    /// The program.
    pub program: Program,
    /// Who files it.
    pub requester: &'static str,
    /// The title.
    pub title: String,
    /// When it is filed.
    pub filed_at: DateTime<Utc>,
    /// Its descriptions in time order (the first is the one filed).
    pub versions: Vec<Version>,
    /// When the team closes it and with which outcome (`None`: open at the season's end).
    pub closed: Option<(DateTime<Utc>, &'static str)>,
}

impl Planned {
    /// The description in force at `at` (`None` before filing).
    pub fn version_at(&self, at: DateTime<Utc>) -> Option<&Version> {
        self.versions.iter().rev().find(|v| v.at <= at)
    }

    /// Filed by `at` and not yet closed.
    pub fn open_at(&self, at: DateTime<Utc>) -> bool {
        self.filed_at <= at && self.closed.is_none_or(|(c, _)| c > at)
    }

    /// Whether, at `at`, the request waits on its requester.
    pub fn waits_on_requester_at(&self, at: DateTime<Utc>) -> bool {
        self.version_at(at).is_some_and(|v| v.waits_on_requester)
    }

    /// Whether, at `at`, the request is late by the handbook's lead time: `None` when the
    /// program has none or the date cannot be counted (missing or impossible).
    pub fn late_at(&self, at: DateTime<Utc>, calendar: &Calendar) -> Option<bool> {
        let (_, lead) = self.program.lead_time()?;
        let date = self.version_at(at)?.lead_date?;
        let filed = local_date(self.filed_at);
        Some(match lead {
            LeadTime::CalendarDays(n) => (date - filed).num_days() < n,
            LeadTime::BusinessDays(n) => calendar.business_days_between(filed, date) < n,
        })
    }

    /// Whether it is complete (waits on nobody) and on time when filed.
    pub fn on_time_and_complete_when_filed(&self, calendar: &Calendar) -> bool {
        !self.waits_on_requester_at(self.filed_at)
            && self.late_at(self.filed_at, calendar) == Some(false)
    }
}

/// What a program's weekly digest should count for one ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DigestCounts {
    /// Open at the end of the week.
    pub open: usize,
    /// Filed during the week.
    pub filed: usize,
    /// Closed during the week.
    pub closed: usize,
}

/// The digest counts of `program` for `week`, from the plan.
pub fn digest_truth(requests: &[Planned], program: Program, week: IsoWeek) -> DigestCounts {
    let in_week = |at: DateTime<Utc>| local_date(at).iso_week() == week;
    let monday = NaiveDate::from_isoywd_opt(week.year(), week.week(), chrono::Weekday::Mon)
        .unwrap_or(NaiveDate::MIN);
    let end = super::local(monday + chrono::Duration::days(7), 0, 0) - chrono::Duration::seconds(1);
    let mut c = DigestCounts::default();
    for r in requests.iter().filter(|r| r.program == program) {
        c.filed += usize::from(in_week(r.filed_at));
        c.closed += usize::from(r.closed.is_some_and(|(at, _)| in_week(at)));
        c.open += usize::from(r.open_at(end));
    }
    c
}

/// A day as `(year, month, day)`.
pub type Ymd = (i32, u32, u32);

/// Who the handbook's calendar has out of office (the roster's `out_of_office`), inclusive.
pub const ABSENCES: &[(&str, Ymd, Ymd)] = &[("jhernandez", (2026, 12, 21), (2027, 1, 1))];

/// Whether `username` is out of office on the team's date of `at`.
pub fn is_out(username: &str, at: DateTime<Utc>) -> bool {
    let day = local_date(at);
    ABSENCES.iter().any(|(who, from, to)| {
        *who == username
            && super::date(from.0, from.1, from.2) <= day
            && day <= super::date(to.0, to.1, to.2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::season::{SeasonConfig, local, plan};

    fn calendar() -> Calendar {
        let root = crate::process::repo_root();
        let engine =
            steward_core::rules::Engine::load(&root.join("rules"), &root.join("issue_templates"))
                .unwrap();
        engine.calendar().clone()
    }

    fn request(program: Program, filed: NaiveDate, date: Option<NaiveDate>) -> Planned {
        let at = local(filed, 10, 0);
        Planned {
            index: 0,
            program,
            requester: "asales",
            title: String::new(),
            filed_at: at,
            versions: vec![Version {
                at,
                text: String::new(),
                lead_date: date,
                waits_on_requester: date.is_none(),
            }],
            closed: None,
        }
    }

    #[test]
    fn the_absences_the_generator_knows_are_the_rosters() {
        let root = crate::process::repo_root();
        let engine =
            steward_core::rules::Engine::load(&root.join("rules"), &root.join("issue_templates"))
                .unwrap();
        let roster = engine.roster();
        let mut in_roster = Vec::new();
        for role in roster.role_names() {
            for user in roster.role(role).unwrap_or_default() {
                let member = roster.member(user).unwrap();
                for (from, to) in &member.out_of_office {
                    in_roster.push((user.as_str().to_owned(), *from, *to));
                }
            }
        }
        in_roster.sort();
        in_roster.dedup();
        let known: Vec<(String, NaiveDate, NaiveDate)> = ABSENCES
            .iter()
            .map(|(who, f, t)| {
                (
                    (*who).to_owned(),
                    crate::season::date(f.0, f.1, f.2),
                    crate::season::date(t.0, t.1, t.2),
                )
            })
            .collect();
        assert_eq!(in_roster, known);
    }

    #[test]
    fn lateness_follows_the_handbook_at_the_edges() {
        let cal = calendar();
        let filed = crate::season::date(2026, 12, 7);
        let days = |n| Some(filed + chrono::Duration::days(n));
        // (program, date, late?)
        let table = [
            (Program::Speaker, days(60), Some(false)),
            (Program::Speaker, days(59), Some(true)),
            (Program::Press, days(30), Some(false)),
            (Program::Press, days(29), Some(true)),
            (
                Program::Analyst,
                Some(cal.add_business_days(filed, 25)),
                Some(false),
            ),
            (
                Program::Analyst,
                Some(cal.add_business_days(filed, 10)),
                Some(true),
            ),
            (Program::Speaker, None, None),
            (Program::Story, days(5), None),
        ];
        for (program, date, late) in table {
            let r = request(program, filed, date);
            assert_eq!(r.late_at(r.filed_at, &cal), late, "{program:?} {date:?}");
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_season_and_a_full_one_has_everything() {
        let cal = calendar();
        let a = plan::generate(SeasonConfig::full(), &cal).unwrap();
        let b = plan::generate(SeasonConfig::full(), &cal).unwrap();
        let texts = |s: &plan::Season| -> Vec<(DateTime<Utc>, String)> {
            s.requests
                .iter()
                .flat_map(|r| r.versions.iter().map(|v| (v.at, v.text.clone())))
                .collect()
        };
        assert_eq!(texts(&a), texts(&b));
        assert!(a.requests.len() >= 300);
        let end = local(SeasonConfig::full().end(), 0, 0);
        assert!(
            a.actions.windows(2).all(|w| w[0].at <= w[1].at),
            "actions in time order"
        );
        assert!(
            a.actions
                .iter()
                .all(|x| x.at >= local(SeasonConfig::full().start, 0, 0) && x.at < end)
        );
        for program in Program::ALL {
            let mine: Vec<&Planned> = a.requests.iter().filter(|r| r.program == program).collect();
            assert!(mine.len() >= 10, "{program:?}: {}", mine.len());
            for outcome in program.outcomes() {
                assert!(
                    mine.iter()
                        .any(|r| r.closed.is_some_and(|(_, o)| o == *outcome)),
                    "{program:?} closed as {outcome}"
                );
            }
        }
        let late = a
            .requests
            .iter()
            .filter(|r| r.late_at(r.filed_at, &cal) == Some(true))
            .count();
        let waits = a
            .requests
            .iter()
            .filter(|r| r.versions.iter().any(|v| v.waits_on_requester))
            .count();
        let fixed = a.requests.iter().filter(|r| r.versions.len() > 1).count();
        assert!(
            late >= 30 && waits >= 30 && fixed >= 40,
            "late {late}, waiting {waits}, edited {fixed}"
        );
        let other = plan::generate(
            SeasonConfig {
                seed: 1,
                ..SeasonConfig::full()
            },
            &cal,
        )
        .unwrap();
        assert_ne!(texts(&a), texts(&other), "another seed, another season");
    }
}
