//! The generator: a seeded quarter of requests and the team's actions on them.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use steward_core::calendar::Calendar;

pub use super::rng::Lcg;
use super::text::{DateStyle, clean, first_required_text, messy, set_answer};
use super::truth::{LeadTime, Planned, Program, Version};
use super::{SeasonConfig, local, local_date};

/// Who files requests.
pub const REQUESTERS: [&str; 3] = ["asales", "bmarketing", "ccs"];

/// What happens at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    /// The requester files the request (its first version).
    File,
    /// The requester saves version `n` of the description.
    Edit(usize),
    /// The team closes it with `outcome::{0}` (one comment with the quick actions).
    Close(&'static str),
}

/// One step of the season.
#[derive(Debug, Clone)]
pub struct Action {
    /// When.
    pub at: DateTime<Utc>,
    /// Which request ([`Planned::index`]).
    pub request: usize,
    /// What.
    pub kind: ActionKind,
}

/// A generated season: the requests (with their truth) and every action in time order.
#[derive(Debug, Clone)]
pub struct Season {
    /// Its size and start.
    pub config: SeasonConfig,
    /// Every request, by index.
    pub requests: Vec<Planned>,
    /// Every action, in time order.
    pub actions: Vec<Action>,
}

/// How each program's share of requests is weighted.
const WEIGHTS: [(Program, u64); 8] = [
    (Program::Speaker, 24),
    (Program::Press, 16),
    (Program::Analyst, 10),
    (Program::Story, 12),
    (Program::Reference, 12),
    (Program::Earnings, 8),
    (Program::Eab, 8),
    (Program::Contest, 10),
];

fn pick_program(rng: &mut Lcg) -> Program {
    let total: u64 = WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut n = rng.below(total);
    for (p, w) in WEIGHTS {
        if n < w {
            return p;
        }
        n -= w;
    }
    Program::Story
}

/// The request text with a customer account of its own (`Globex 12`), as the answers of
/// "Customer account" / "Company" (the EAB's). The season does not model repeated asks of one
/// account: the customer ledger's fatigue cap and duplicate check would flag every request
/// filed from the same file's account, which is a property of the generator, not of a season.
/// (Drawn without the random generator, so the rest of the season stays as it was.)
fn own_account(text: &str, index: usize) -> String {
    const NAMES: [&str; 6] = [
        "Northwind",
        "Aperture",
        "Globex",
        "Initech",
        "Umbrella",
        "Stark",
    ];
    let account = format!("{} {index}", NAMES[index % NAMES.len()]);
    let text = set_answer(text, "Customer account", &account);
    set_answer(&text, "Company", &account)
}

/// Generates the season of `config`, reading the request texts from the repository.
pub fn generate(config: SeasonConfig, calendar: &Calendar) -> std::io::Result<Season> {
    let mut rng = Lcg::new(config.seed);
    let mut requests = Vec::with_capacity(config.requests);
    for index in 0..config.requests {
        let program = pick_program(&mut rng);
        let base = own_account(&clean(program.template())?, index);
        requests.push(plan_request(
            index, program, &base, config, calendar, &mut rng,
        ));
    }
    let mut actions = Vec::new();
    for r in &requests {
        actions.push(Action {
            at: r.filed_at,
            request: r.index,
            kind: ActionKind::File,
        });
        for (n, v) in r.versions.iter().enumerate().skip(1) {
            actions.push(Action {
                at: v.at,
                request: r.index,
                kind: ActionKind::Edit(n),
            });
        }
        if let Some((at, outcome)) = r.closed {
            actions.push(Action {
                at,
                request: r.index,
                kind: ActionKind::Close(outcome),
            });
        }
    }
    actions.sort_by_key(|a| (a.at, a.request));
    Ok(Season {
        config,
        requests,
        actions,
    })
}

/// A working-hours instant `lo..=hi` days after `from` (most land on business days).
fn later(rng: &mut Lcg, from: DateTime<Utc>, lo: i64, hi: i64) -> DateTime<Utc> {
    let days = rng.range(lo, hi);
    let mut day = local_date(from) + Duration::days(days);
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && rng.chance(85) {
        day += Duration::days(if day.weekday() == Weekday::Sat { 2 } else { 1 });
    }
    let at = local(day, rng.range(8, 17) as u32, rng.range(0, 59) as u32);
    at.max(from + Duration::minutes(7))
}

/// How a lead-time request's date is first written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timing {
    OnTime,
    Late,
    /// Exactly the minimum (on time) or one day short (late), for calendar-day lead times.
    Edge(bool),
    /// The right day and month, last year's year: before the filing day.
    WrongYear,
    /// `TBD`.
    Unknown,
}

fn lead_date(
    rng: &mut Lcg,
    lead: LeadTime,
    filed: NaiveDate,
    timing: Timing,
    cal: &Calendar,
) -> NaiveDate {
    match (lead, timing) {
        (LeadTime::CalendarDays(n), Timing::Edge(late)) => {
            filed + Duration::days(n - i64::from(late))
        }
        (LeadTime::CalendarDays(n), Timing::Late) => {
            filed + Duration::days(rng.range(n / 4, n - 1))
        }
        (LeadTime::CalendarDays(n), _) => filed + Duration::days(rng.range(n, n * 5 / 2)),
        (LeadTime::BusinessDays(n), Timing::Late | Timing::Edge(true)) => {
            cal.add_business_days(filed, rng.range(3, n - 5))
        }
        (LeadTime::BusinessDays(n), _) => cal.add_business_days(filed, rng.range(n + 5, n * 5 / 2)),
    }
}

fn plan_request(
    index: usize,
    program: Program,
    base: &str,
    config: SeasonConfig,
    cal: &Calendar,
    rng: &mut Lcg,
) -> Planned {
    let last_day = config.end() - Duration::days(3);
    let span = (last_day - config.start).num_days();
    let start = local(config.start, 0, 0) - Duration::days(1);
    let filed_at = later(rng, start, 1, span);
    let filed = local_date(filed_at);
    // A logo or name is used from a publish date after filing (the file's own date is fixed).
    let owned;
    let base = if program == Program::Reference {
        let publish = filed + Duration::days(rng.range(10, 60));
        owned = set_answer(base, "Publish date", &DateStyle::Iso.write(publish));
        owned.as_str()
    } else {
        base
    };
    let style = *rng.pick(&DateStyle::ALL);
    let (mess, crlf) = (rng.below(64) as usize, rng.chance(8));
    let write = |text: &str| messy(text, mess, crlf);
    let mut versions = Vec::new();
    match program.lead_time() {
        Some((label, lead)) => {
            let roll = rng.below(100);
            let timing = match roll {
                0..30 => Timing::Late,
                30..36 if matches!(lead, LeadTime::CalendarDays(_)) => Timing::Edge(roll >= 33),
                36..42 => Timing::WrongYear,
                42..48 => Timing::Unknown,
                _ => Timing::OnTime,
            };
            let meant = lead_date(rng, lead, filed, timing, cal);
            let (written, date, waits) = match timing {
                Timing::WrongYear => {
                    let typo = meant.with_year(meant.year() - 1).unwrap_or(meant);
                    (style.write(typo), None, true)
                }
                Timing::Unknown => {
                    // Not a date; some of these Steward quotes back (inertly) in its checklist.
                    let said = *rng.pick(&[
                        "TBD",
                        "tbd, waiting on @cro-office",
                        "Q1?? cc @vp-field-marketing",
                    ]);
                    (said.to_owned(), None, true)
                }
                _ => (style.write(meant), Some(meant), false),
            };
            versions.push(Version {
                at: filed_at,
                text: write(&set_answer(base, label, &written)),
                lead_date: date,
                waits_on_requester: waits,
            });
            // The requester fixes the wrong year or the missing date (most do, some never).
            if waits && rng.chance(80) {
                let at = later(rng, filed_at, 1, 6);
                let fixed = if timing == Timing::Unknown && rng.chance(40) {
                    lead_date(rng, lead, filed, Timing::Late, cal)
                } else {
                    meant
                };
                versions.push(Version {
                    at,
                    text: write(&set_answer(base, label, &style.write(fixed))),
                    lead_date: Some(fixed),
                    waits_on_requester: false,
                });
            } else if !waits && rng.chance(14) {
                // The date moves: later (now on time, or still late) or, rarely, earlier.
                let moved =
                    (meant + Duration::days(rng.range(-10, 70))).max(filed + Duration::days(1));
                let at = later(rng, filed_at, 1, 9);
                versions.push(Version {
                    at,
                    text: write(&set_answer(base, label, &style.write(moved))),
                    lead_date: Some(moved),
                    waits_on_requester: false,
                });
            }
        }
        None => {
            let incomplete = rng.chance(12);
            let blanked = first_required_text(base).map(|l| set_answer(base, &l, ""));
            let first = match (&blanked, incomplete) {
                (Some(b), true) => b.clone(),
                _ => base.to_owned(),
            };
            let waits = incomplete && blanked.is_some();
            versions.push(Version {
                at: filed_at,
                text: write(&first),
                lead_date: None,
                waits_on_requester: waits,
            });
            if waits && rng.chance(75) {
                versions.push(Version {
                    at: later(rng, filed_at, 1, 7),
                    text: write(base),
                    lead_date: None,
                    waits_on_requester: false,
                });
            }
        }
    }
    break_and_fix(rng, base, &mut versions);
    let closed = closing(rng, program, filed_at, &versions, config);
    // Nothing happens after the request is closed, or after the season.
    let until = closed.map_or(local(config.end(), 0, 0), |(at, _)| at);
    versions.retain(|v| v.at < until);
    Planned {
        index,
        program,
        requester: REQUESTERS[rng.below(3) as usize],
        title: title(program, index, rng),
        filed_at,
        versions,
        closed,
    }
}

/// Some complete requests are broken by a careless edit (a required answer deleted) and
/// fixed a few days later.
fn break_and_fix(rng: &mut Lcg, base: &str, versions: &mut Vec<Version>) {
    let Some(last) = versions.last().cloned() else {
        return;
    };
    if last.waits_on_requester || !rng.chance(9) {
        return;
    }
    let Some(label) = first_required_text(base) else {
        return;
    };
    let broke_at = later(rng, last.at, 1, 4);
    versions.push(Version {
        at: broke_at,
        text: set_answer(&last.text, &label, ""),
        waits_on_requester: true,
        ..last.clone()
    });
    versions.push(Version {
        at: later(rng, broke_at, 1, 3),
        ..last
    });
}

fn closing(
    rng: &mut Lcg,
    program: Program,
    filed_at: DateTime<Utc>,
    versions: &[Version],
    config: SeasonConfig,
) -> Option<(DateTime<Utc>, &'static str)> {
    // Requests with a date are closed within two weeks of their due date (the event, the outlet's or the
    // firm's deadline, less the preparation the rules give); the others within weeks.
    let due_ahead = match program {
        Program::Speaker => 30,
        _ => 7,
    };
    let dated = versions.last().and_then(|v| v.lead_date);
    let at = match dated {
        Some(date) if rng.chance(85) => {
            let due = local(date - Duration::days(due_ahead), 12, 0);
            later(rng, due.max(filed_at), 0, 12)
        }
        None if rng.chance(62) => later(rng, filed_at, 2, 35),
        _ => return None,
    };
    let at = at.max(filed_at + Duration::hours(2));
    if at >= local(config.end(), 0, 0) - Duration::hours(20) {
        return None;
    }
    let waiting = versions
        .iter()
        .rev()
        .find(|v| v.at <= at)
        .is_some_and(|v| v.waits_on_requester);
    let outcome = if waiting {
        "declined"
    } else {
        *rng.pick(program.outcomes())
    };
    Some((at, outcome))
}

fn title(program: Program, index: usize, rng: &mut Lcg) -> String {
    let words: &[&str] = match program {
        Program::Speaker => &[
            "Customer speaker for",
            "Speaker request:",
            "need a customer speaker -",
        ],
        Program::Press => &[
            "Press: customer quote for",
            "Media interview -",
            "press release quote",
        ],
        Program::Analyst => &[
            "Analyst survey participants",
            "Peer review customers for",
            "AR ask:",
        ],
        Program::Story => &["Story idea:", "Case study -", "customer story"],
        Program::Reference => &["Logo usage", "Name use on website:", "reference approval"],
        Program::Earnings => &[
            "Earnings call reference",
            "Earnings name drop:",
            "earnings ref",
        ],
        Program::Eab => &["EAB nomination", "Nominating for the EAB:", "eab nom"],
        Program::Contest => &[
            "Contest entry",
            "Reference contest:",
            "contest - new agreement",
        ],
    };
    let account = rng.pick(&[
        "Northwind",
        "Aperture",
        "Globex",
        "Initech",
        "Umbrella",
        "Stark Ind.",
    ]);
    format!("{} {account} (#{index})", rng.pick(words))
}
