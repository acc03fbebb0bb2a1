use super::*;
use chrono::TimeZone;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const YAML: &str = "\
time_zone: America/New_York
weekend: [saturday, sunday]
holidays:
  - { date: 2027-05-31, name: Memorial Day }
  - { date: 2027-07-05, name: Independence Day (observed) }
  - { date: 2027-12-24, name: Christmas Eve }
fiscal_year_start_month: 2
earnings:
  - { quarter: FY2028-Q1, date: 2027-06-02 }
  - { quarter: FY2028-Q2, date: 2027-09-01 }
";

fn cal() -> Calendar {
    Calendar::from_yaml("calendar.yaml", YAML).unwrap()
}

#[test]
fn business_days_are_added_across_weekends_and_holidays() {
    let c = cal();
    let cases = [
        // (start, n, expected, why)
        (
            "2027-05-28",
            1,
            "2027-06-01",
            "Fri + 1 skips the weekend and Memorial Day",
        ),
        (
            "2027-06-01",
            -1,
            "2027-05-28",
            "Tue - 1 skips Memorial Day and the weekend",
        ),
        (
            "2027-07-02",
            1,
            "2027-07-06",
            "Fri + 1 skips the weekend and July 5th (observed)",
        ),
        ("2027-01-14", 5, "2027-01-21", "Thu + 5 is next Thu"),
        ("2027-01-14", 0, "2027-01-14", "zero moves nothing"),
        ("2027-01-16", 0, "2027-01-16", "zero keeps a Saturday"),
        (
            "2027-12-23",
            1,
            "2027-12-27",
            "Thu + 1 skips Christmas Eve and the weekend",
        ),
    ];
    for (start, n, want, why) in cases {
        assert_eq!(c.add_business_days(d(start), n), d(want), "{why}");
    }
}

#[test]
fn business_days_between_counts_working_days_after_start_up_to_end() {
    let c = cal();
    let cases = [
        ("2027-01-18", "2027-01-22", 4, "Mon to Fri"),
        ("2027-01-22", "2027-01-18", -4, "backwards"),
        ("2027-05-29", "2027-05-28", -1, "Saturday back to Friday"),
        (
            "2027-05-28",
            "2027-06-01",
            1,
            "over a weekend and a holiday",
        ),
        ("2027-05-24", "2027-06-07", 9, "two weeks with Memorial Day"),
        ("2027-01-14", "2027-01-14", 0, "same day"),
    ];
    for (from, to, want, why) in cases {
        assert_eq!(c.business_days_between(d(from), d(to)), want, "{why}");
    }
}

#[test]
fn business_days_between_agrees_with_adding_business_days() {
    let c = cal();
    let start = d("2027-05-20");
    for n in 0..40 {
        let end = c.add_business_days(start, n);
        assert_eq!(c.business_days_between(start, end), n, "n = {n}");
    }
}

#[test]
fn weekends_and_holidays_are_not_business_days() {
    let c = cal();
    assert!(!c.is_business_day(d("2027-05-29")), "Saturday");
    assert!(!c.is_business_day(d("2027-05-31")), "Memorial Day");
    assert!(c.is_business_day(d("2027-06-01")), "Tuesday");
    assert_eq!(c.holiday(d("2027-05-31")), Some("Memorial Day"));
}

#[test]
fn local_date_uses_the_team_time_zone() {
    let c = cal();
    let cases = [
        (
            Utc.with_ymd_and_hms(2027, 1, 14, 4, 30, 0).unwrap(),
            "2027-01-13",
        ),
        // 23:30 in New York (EST, UTC-5) is 04:30 UTC the next day.
        (
            Utc.with_ymd_and_hms(2027, 3, 2, 4, 30, 0).unwrap(),
            "2027-03-01",
        ),
        (
            Utc.with_ymd_and_hms(2027, 1, 14, 5, 0, 0).unwrap(),
            "2027-01-14",
        ),
        // Summer time: UTC-4.
        (
            Utc.with_ymd_and_hms(2027, 7, 1, 3, 59, 0).unwrap(),
            "2027-06-30",
        ),
        (
            Utc.with_ymd_and_hms(2027, 7, 1, 4, 0, 0).unwrap(),
            "2027-07-01",
        ),
    ];
    for (instant, want) in cases {
        assert_eq!(c.local_date(instant), d(want), "{instant}");
    }
}

#[test]
fn fiscal_quarters_follow_a_february_start() {
    let c = cal();
    let q = |y, n| FiscalQuarter {
        year: y,
        quarter: n,
    };
    let cases = [
        ("2027-01-31", q(2027, 4)),
        ("2027-02-01", q(2028, 1)),
        ("2027-04-30", q(2028, 1)),
        ("2027-05-01", q(2028, 2)),
        ("2027-11-01", q(2028, 4)),
        ("2028-01-15", q(2028, 4)),
    ];
    for (date, want) in cases {
        assert_eq!(c.fiscal_quarter(d(date)), want, "{date}");
    }
    assert_eq!(c.quarter_start(q(2028, 1)), Some(d("2027-02-01")));
    assert_eq!(c.quarter_start(q(2028, 4)), Some(d("2027-11-01")));
    assert_eq!(c.earnings_date(q(2028, 1)), Some(d("2027-06-02")));
    assert_eq!(
        c.next_earnings(d("2027-06-03")),
        Some((q(2028, 2), d("2027-09-01")))
    );
    assert_eq!(q(2028, 1).to_string(), "FY2028-Q1");
    assert_eq!(FiscalQuarter::parse("fy2028-q3"), Some(q(2028, 3)));
    assert_eq!(FiscalQuarter::parse("FY2028-Q5"), None);
}

#[test]
fn calendar_file_errors_are_located_and_helpful() {
    let cases = [
        ("time_zone: America/New_Yrok\n", "1:", "unknown time zone"),
        (
            "time_zone: UTC\nweekend: [saturdy]\n",
            "2:",
            "did you mean `saturday`?",
        ),
        (
            "time_zone: UTC\nholidays:\n  - { date: 2027-13-01, name: X }\n",
            "3:",
            "is not a date",
        ),
        (
            "time_zone: UTC\nfiscal_year_start: 2\n",
            "2:",
            "did you mean `fiscal_year_start_month`?",
        ),
    ];
    for (yaml, line, needle) in cases {
        let errs = Calendar::from_yaml("calendar.yaml", yaml).unwrap_err();
        let shown = errs[0].to_string();
        assert!(
            shown.starts_with(&format!("calendar.yaml:{line}")),
            "{shown}"
        );
        assert!(shown.contains(needle), "{shown}");
    }
}

proptest::proptest! {
    #[test]
    fn adding_then_counting_business_days_round_trips(offset in 0i64..2000, n in -120i64..120) {
        let c = cal();
        let start = d("2026-01-01") + chrono::Duration::days(offset);
        let end = c.add_business_days(start, n);
        proptest::prop_assert_eq!(c.business_days_between(start, end), n);
        if n != 0 {
            proptest::prop_assert!(c.is_business_day(end));
        }
    }
}
