use chrono::NaiveDate;

use super::super::{Calendar, ExpiryState, FiscalQuarter};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn q(s: &str) -> FiscalQuarter {
    FiscalQuarter::parse(s).unwrap()
}

/// The shipped calendar's rules: fiscal year from February, named after its end year, calls
/// the first Thursday at least four weeks after the quarter, quiet from the quarter's last day.
const RULES: &str = "\
time_zone: America/New_York
fiscal_year_start_month: 2
holidays:
  - { date: 2026-12-24, name: Christmas Eve }
  - { date: 2026-12-25, name: Christmas Day }
  - { date: 2027-01-01, name: New Year's Day }
  - { date: 2031-12-04, name: Company day off }
earnings_rule: { weeks_after_quarter_end: 4, weekday: thursday }
quiet_period: { from: quarter_end, days_before: 0 }
approvals: { default_validity_days: 365 }
earnings:
  - { quarter: FY2028-Q2, date: 2027-09-09 }
";

fn cal(yaml: &str) -> Calendar {
    Calendar::from_yaml("calendar.yaml", yaml).unwrap()
}

#[test]
fn the_earnings_rule_reproduces_the_calls_investor_relations_listed() {
    // The shipped calendar.yaml listed these dates by hand until 2028; the rule gives each.
    let c = cal(&RULES.replace(
        "earnings:\n  - { quarter: FY2028-Q2, date: 2027-09-09 }\n",
        "",
    ));
    let listed = [
        ("FY2027-Q3", "2026-12-03"),
        ("FY2027-Q4", "2027-03-04"),
        ("FY2028-Q1", "2027-06-03"),
        ("FY2028-Q2", "2027-09-02"),
        ("FY2028-Q3", "2027-12-02"),
        ("FY2028-Q4", "2028-03-02"),
    ];
    for (quarter, call) in listed {
        assert_eq!(c.earnings_date(q(quarter)), Some(d(call)), "{quarter}");
    }
}

#[test]
fn generated_quarters_and_calls_never_run_out() {
    let c = cal(RULES);
    // (date, quarter it is in, that quarter's first day, last day, its call)
    let cases = [
        // FY2032 runs Feb 2031 - Jan 2032.
        (
            "2031-05-15",
            "FY2032-Q2",
            "2031-05-01",
            "2031-07-31",
            "2031-08-28",
        ),
        // The Q3 call's Thursday (2031-12-04) is a company day off: the next business day.
        (
            "2031-08-01",
            "FY2032-Q3",
            "2031-08-01",
            "2031-10-31",
            "2031-12-05",
        ),
        // January belongs to the fiscal year that ends in it.
        (
            "2036-01-31",
            "FY2036-Q4",
            "2035-11-01",
            "2036-01-31",
            "2036-02-28",
        ),
        // A leap year: FY2041-Q4 ends on 2041-01-31, FY2040-Q4 on 2040-01-31; Feb 29 is Q1.
        (
            "2040-02-29",
            "FY2041-Q1",
            "2040-02-01",
            "2040-04-30",
            "2040-05-31",
        ),
        (
            "2099-11-30",
            "FY2100-Q4",
            "2099-11-01",
            "2100-01-31",
            "2100-03-04",
        ),
    ];
    for (date, quarter, first, last, call) in cases {
        let fq = c.fiscal_quarter(d(date));
        assert_eq!(fq, q(quarter), "{date}");
        assert_eq!(c.quarter_start(fq), Some(d(first)), "{quarter} start");
        assert_eq!(c.quarter_end(fq), Some(d(last)), "{quarter} end");
        assert_eq!(c.earnings_date(fq), Some(d(call)), "{quarter} call");
    }
    assert_eq!(
        c.coverage().earnings_until,
        None,
        "estimated calls never run out"
    );
    // A fiscal year starting in March: a leap year's fourth quarter ends on February 29.
    let march = cal(&RULES.replace("fiscal_year_start_month: 2", "fiscal_year_start_month: 3"));
    assert_eq!(march.quarter_end(q("FY2040-Q4")), Some(d("2040-02-29")));
    assert_eq!(march.quarter_end(q("FY2041-Q4")), Some(d("2041-02-28")));
}

#[test]
fn a_listed_call_overrides_the_rule_and_next_earnings_sees_both() {
    let c = cal(RULES);
    assert_eq!(c.earnings_date(q("FY2028-Q2")), Some(d("2027-09-09")));
    assert_eq!(c.estimated_earnings(q("FY2028-Q2")), Some(d("2027-09-02")));
    let cases = [
        // (from, next call's quarter, its date)
        ("2027-08-01", "FY2028-Q2", "2027-09-09"),
        ("2027-09-09", "FY2028-Q2", "2027-09-09"),
        ("2027-09-10", "FY2028-Q3", "2027-12-02"),
        ("2040-02-29", "FY2040-Q4", "2040-03-01"),
    ];
    for (from, quarter, call) in cases {
        assert_eq!(
            c.next_earnings(d(from)),
            Some((q(quarter), d(call))),
            "{from}"
        );
    }
    assert_eq!(
        c.next_earnings(d("2027-09-10")),
        Some((q("FY2028-Q3"), d("2027-12-02")))
    );
}

#[test]
fn fiscal_years_named_after_their_start_year_shift_every_name_by_one() {
    let c = cal(&format!("{RULES}fiscal_year_named_after: start_year\n"));
    assert_eq!(c.fiscal_quarter(d("2027-02-01")), q("FY2027-Q1"));
    assert_eq!(c.fiscal_quarter(d("2028-01-31")), q("FY2027-Q4"));
    assert_eq!(c.quarter_start(q("FY2027-Q1")), Some(d("2027-02-01")));
    // A fiscal year that is the calendar year is named the same either way.
    let jan = cal("time_zone: UTC\nfiscal_year_named_after: start_year\n");
    assert_eq!(jan.fiscal_quarter(d("2031-12-31")), q("FY2031-Q4"));
}

#[test]
fn quiet_periods_run_from_the_quarters_last_day_through_the_call() {
    let c = cal(RULES);
    // FY2027-Q4 ends 2027-01-31; its call is 2027-03-04.
    let cases = [
        (
            "2027-01-30",
            None,
            "the day before the quarter's last day is not quiet",
        ),
        (
            "2027-01-31",
            Some("FY2027-Q4"),
            "the last day of the quarter is quiet",
        ),
        (
            "2027-02-01",
            Some("FY2027-Q4"),
            "the next quarter's first day is quiet",
        ),
        (
            "2027-03-04",
            Some("FY2027-Q4"),
            "the call day itself is quiet",
        ),
        ("2027-03-05", None, "the day after the call is not"),
        // Leap year: FY2041-Q4 ends 2041-01-31, FY2040's Q1 runs through 2040-04-30.
        (
            "2040-02-29",
            Some("FY2040-Q4"),
            "a leap day before FY2040-Q4's call (2040-03-01)",
        ),
        ("2040-03-02", None, "after that call"),
        ("2040-04-29", None, "a leap year's Q1 before its last day"),
        ("2040-04-30", Some("FY2041-Q1"), "a leap year's Q1 last day"),
        (
            "2032-01-31",
            Some("FY2032-Q4"),
            "generated quarters far ahead",
        ),
    ];
    for (date, quarter, why) in cases {
        let got = c.quiet_period_at(d(date)).map(|p| p.quarter.to_string());
        assert_eq!(got.as_deref(), quarter, "{date}: {why}");
    }
    let p = c.quiet_period_at(d("2027-02-15")).unwrap();
    assert_eq!((p.start, p.end), (d("2027-01-31"), d("2027-03-04")));
}

#[test]
fn quiet_periods_counted_back_from_the_call_start_that_many_days_before_it() {
    let c = cal(&RULES.replace(
        "{ from: quarter_end, days_before: 0 }",
        "{ from: earnings_call, days_before: 14 }",
    ));
    // FY2027-Q4's call is 2027-03-04: quiet from 2027-02-18.
    assert_eq!(c.quiet_period_at(d("2027-02-17")), None);
    let p = c.quiet_period_at(d("2027-02-18")).unwrap();
    assert_eq!((p.start, p.end), (d("2027-02-18"), d("2027-03-04")));
    assert_eq!(c.quiet_period_at(d("2027-01-31")), None);
}

#[test]
fn a_calendar_without_a_quiet_period_rule_has_no_quiet_days() {
    let c = cal("time_zone: UTC\nearnings:\n  - { quarter: FY2027-Q1, date: 2027-04-20 }\n");
    assert_eq!(c.quiet_period_at(d("2027-04-20")), None);
}

#[test]
fn an_approval_without_an_expiry_holds_for_the_default_validity() {
    let c = cal(RULES);
    let e = c.approval_expiry(Some(d("2026-01-15")), None).unwrap();
    assert_eq!((e.expires, e.defaulted), (d("2027-01-15"), true));
    let stated = c
        .approval_expiry(Some(d("2026-01-15")), Some(d("2026-06-30")))
        .unwrap();
    assert_eq!((stated.expires, stated.defaulted), (d("2026-06-30"), false));
    assert_eq!(c.approval_expiry(None, None), None);
    let no_default = cal("time_zone: UTC\n");
    assert_eq!(
        no_default.approval_expiry(Some(d("2026-01-15")), None),
        None
    );
}

#[test]
fn expiry_reminders_count_business_days_across_the_holidays() {
    let c = cal(RULES);
    // Expires Monday 2027-01-04. Christmas Eve, Christmas Day and New Year's Day are holidays.
    let expires = d("2027-01-04");
    let cases = [
        // (today, state with a 7-business-day reminder)
        ("2026-12-18", ExpiryState::Valid),
        // Seven calendar days before would be 2026-12-28, leaving four working days; counted
        // in business days the reminder comes on 2026-12-21 with seven left.
        (
            "2026-12-21",
            ExpiryState::Expiring {
                business_days_left: 7,
            },
        ),
        (
            "2026-12-28",
            ExpiryState::Expiring {
                business_days_left: 4,
            },
        ),
        (
            "2027-01-01",
            ExpiryState::Expiring {
                business_days_left: 1,
            },
        ),
        (
            "2027-01-04",
            ExpiryState::Expiring {
                business_days_left: 0,
            },
        ),
        ("2027-01-05", ExpiryState::Expired),
    ];
    for (today, want) in cases {
        assert_eq!(c.expiry_state(expires, d(today), 7), want, "{today}");
    }
}

#[test]
fn calendar_settings_that_cannot_be_meant_are_refused_with_what_to_write() {
    let cases = [
        (
            "quiet_period: { from: quarter_end, days_before: 0 }",
            "quiet_period: { from: quarter_end, days_before: 120 }",
            "more than 90 days",
        ),
        (
            "weekday: thursday",
            "weekday: thurzday",
            "did you mean `thursday`?",
        ),
        (
            "approvals: { default_validity_days: 365 }",
            "approvals: { default_validity_days: 365, on_expiry: reopen }",
            "the rules decide what becomes of an expired approval",
        ),
    ];
    for (from, to, says) in cases {
        let errors = Calendar::from_yaml("calendar.yaml", &RULES.replace(from, to)).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(text.iter().any(|e| e.contains(says)), "{to}: {text:?}");
    }
}
