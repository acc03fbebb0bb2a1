//! Schedule configuration: the raw serde form and its one conversion into a validated
//! [`Schedule`] (cron parsed by croner, IANA time zone, grace duration). No slot arithmetic here.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::{Deserialize, Serialize};

use crate::queue::Job;

/// How late a missed slot may still run when a schedule sets no `grace`: a morning's outage.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(6 * 3600);

/// One schedule as written in the configuration file.
///
/// ```yaml
/// - name: weekly-digest
///   cron: "0 9 * * MON"
///   time_zone: America/New_York
///   job: digest
///   grace: 6h
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    /// Unique name; slots are claimed under it, so renaming a schedule starts its history anew.
    pub name: String,
    /// A 5-field cron expression (minute hour day-of-month month day-of-week).
    pub cron: String,
    /// IANA time zone the expression is read in (`America/New_York`).
    pub time_zone: String,
    /// The job to start, by name (`sweep`, `full_sweep` or `digest`).
    #[serde(with = "crate::queue::schedule_name")]
    pub job: Job,
    /// How late a missed slot may still run (`90m`, `6h`, `1d`); [`DEFAULT_GRACE`] when absent.
    #[serde(default)]
    pub grace: Option<String>,
}

/// A configuration mistake in a schedule, said with the schedule's name, the bad value and
/// what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The cron expression does not parse or never fires.
    #[error(
        "schedule `{schedule}`: cron `{cron}` is not usable: {reason}. Write 5 fields \
         (minute hour day-of-month month day-of-week), e.g. `0 9 * * MON` for Mondays at 09:00"
    )]
    Cron {
        /// Schedule name.
        schedule: String,
        /// The expression as written.
        cron: String,
        /// What croner reported.
        reason: String,
    },
    /// The time zone is not an IANA name.
    #[error("schedule `{schedule}`: time zone `{zone}` is not an IANA time zone name{hint}")]
    TimeZone {
        /// Schedule name.
        schedule: String,
        /// The zone as written.
        zone: String,
        /// A suggestion (`; did you mean …?`) or an example.
        hint: String,
    },
    /// The grace duration does not parse.
    #[error(
        "schedule `{schedule}`: grace `{grace}` is not a duration. Write a number and a unit \
         (s, m, h, d), e.g. `90m`, `6h` or `1d12h`"
    )]
    Grace {
        /// Schedule name.
        schedule: String,
        /// The value as written.
        grace: String,
    },
    /// The name is empty or used twice.
    #[error("schedule name `{name}`: {problem}")]
    Name {
        /// The name as written.
        name: String,
        /// What is wrong.
        problem: String,
    },
}

/// A validated schedule: parsed cron expression, time zone, job and grace window.
#[derive(Debug, Clone)]
pub struct Schedule {
    name: String,
    expression: String,
    cron: Cron,
    time_zone: Tz,
    job: Job,
    grace: Duration,
}

impl Schedule {
    /// Builds a schedule, parsing `cron` as a 5-field expression (seconds and years are refused)
    /// and checking that it fires at all (`0 0 30 2 *` never does).
    pub fn new(
        name: &str,
        cron: &str,
        time_zone: Tz,
        job: Job,
        grace: Duration,
    ) -> Result<Self, ScheduleError> {
        if name.trim().is_empty() {
            return Err(ScheduleError::Name {
                name: name.to_owned(),
                problem: "a schedule needs a non-empty name".to_owned(),
            });
        }
        let cron_error = |reason: String| ScheduleError::Cron {
            schedule: name.to_owned(),
            cron: cron.to_owned(),
            reason,
        };
        let fields = cron.split_whitespace().count();
        if fields != 5 && !cron.trim_start().starts_with('@') {
            return Err(cron_error(format!("it has {fields} fields, not 5")));
        }
        let parsed = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(cron)
            .map_err(|e| cron_error(e.to_string()))?;
        let schedule = Self {
            name: name.to_owned(),
            expression: cron.to_owned(),
            cron: parsed,
            time_zone,
            job,
            grace,
        };
        // A pattern such as Feb 30 parses but never fires; say so at load, not at 3 a.m.
        let probe = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        if super::next_slot(&schedule, probe).is_none() {
            return Err(cron_error("it never fires".to_owned()));
        }
        Ok(schedule)
    }

    /// The unique name slots are claimed under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cron expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The parsed expression.
    pub(crate) fn cron(&self) -> &Cron {
        &self.cron
    }

    /// The time zone the expression is read in.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The job it starts (without a slot: [`Job::for_slot`] names the slot it runs for).
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// How late a missed slot may still run.
    pub fn grace(&self) -> Duration {
        self.grace
    }
}

impl TryFrom<&RawSchedule> for Schedule {
    type Error = ScheduleError;

    fn try_from(raw: &RawSchedule) -> Result<Self, Self::Error> {
        let time_zone: Tz = raw.time_zone.parse().map_err(|_| ScheduleError::TimeZone {
            schedule: raw.name.clone(),
            zone: raw.time_zone.clone(),
            hint: zone_hint(&raw.time_zone),
        })?;
        let grace = match &raw.grace {
            None => DEFAULT_GRACE,
            Some(text) => parse_duration(text).ok_or_else(|| ScheduleError::Grace {
                schedule: raw.name.clone(),
                grace: text.clone(),
            })?,
        };
        Schedule::new(&raw.name, &raw.cron, time_zone, raw.job.clone(), grace)
    }
}

/// Validates a configuration's schedule list: each converted, names unique.
pub fn parse_schedules(raw: &[RawSchedule]) -> Result<Vec<Schedule>, ScheduleError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        if !seen.insert(r.name.as_str()) {
            return Err(ScheduleError::Name {
                name: r.name.clone(),
                problem: "used by two schedules; slots are claimed by name, so names must be \
                          unique"
                    .to_owned(),
            });
        }
        out.push(Schedule::try_from(r)?);
    }
    Ok(out)
}

/// `; did you mean America/New_York?` when the name differs only in case, spaces or
/// underscores from a real zone; otherwise an example.
fn zone_hint(written: &str) -> String {
    let fold = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '_' | ' ' | '-'))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted = fold(written);
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| fold(tz.name()) == wanted)
        .map(|tz| format!("; did you mean `{}`?", tz.name()))
        .unwrap_or_else(|| "; write a name such as `America/New_York` or `Europe/Berlin`".into())
}

/// Parses `90m`, `6h`, `1d12h`, `30s` (units s, m, h, d; at least one part, no sign).
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut parts = 0;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        parts += 1;
    }
    (digits.is_empty() && parts > 0).then_some(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(cron: &str, zone: &str, grace: Option<&str>) -> RawSchedule {
        RawSchedule {
            name: "weekly-digest".into(),
            cron: cron.into(),
            time_zone: zone.into(),
            job: Job::digest(),
            grace: grace.map(str::to_owned),
        }
    }

    #[test]
    fn durations_read_as_operators_write_them() {
        let table = [
            ("90m", Some(5400)),
            ("6h", Some(21_600)),
            ("1d12h", Some(129_600)),
            ("30s", Some(30)),
            ("6", None),
            ("6 hours", None),
            ("", None),
            ("-1h", None),
        ];
        for (text, want) in table {
            assert_eq!(parse_duration(text).map(|d| d.as_secs()), want, "{text:?}");
        }
    }

    #[test]
    fn bad_values_are_named_with_the_schedule_and_a_hint() {
        let table = [
            (raw("0 9 * * MONDAY", "UTC", None), "cron `0 9 * * MONDAY`"),
            (raw("0 0 9 * * MON", "UTC", None), "it has 6 fields, not 5"),
            (raw("0 0 30 2 *", "UTC", None), "it never fires"),
            (
                raw("0 9 * * MON", "america/new york", None),
                "did you mean `America/New_York`?",
            ),
            (
                raw("0 9 * * MON", "Mars/Olympus", None),
                "such as `America/New_York`",
            ),
            (
                raw("0 9 * * MON", "UTC", Some("six hours")),
                "grace `six hours`",
            ),
        ];
        for (r, needle) in table {
            let message = Schedule::try_from(&r).unwrap_err().to_string();
            assert!(message.starts_with("schedule `weekly-digest`"), "{message}");
            assert!(message.contains(needle), "{message} lacks {needle}");
        }
    }

    #[test]
    fn yaml_schedule_list_is_read_strictly_and_names_must_be_unique() {
        let yaml = "- name: weekly-digest\n  cron: \"0 9 * * MON\"\n  time_zone: America/New_York\n  job: digest\n  grace: 6h\n- name: catch-up\n  cron: \"0 * * * *\"\n  time_zone: Europe/Berlin\n  job: sweep\n";
        let raw: Vec<RawSchedule> = serde_saphyr::from_str(yaml).unwrap();
        let schedules = parse_schedules(&raw).unwrap();
        assert_eq!(schedules[0].job(), &Job::digest());
        assert_eq!(schedules[0].grace(), Duration::from_secs(21_600));
        assert_eq!(schedules[1].grace(), DEFAULT_GRACE);
        assert_eq!(schedules[1].time_zone(), chrono_tz::Europe::Berlin);

        let typo =
            "- name: x\n  cron: \"0 * * * *\"\n  time_zone: UTC\n  job: sweep\n  grcae: 1h\n";
        assert!(serde_saphyr::from_str::<Vec<RawSchedule>>(typo).is_err());

        let unknown = "- name: x\n  cron: \"0 * * * *\"\n  time_zone: UTC\n  job: issue.sync\n";
        let message = serde_saphyr::from_str::<Vec<RawSchedule>>(unknown)
            .unwrap_err()
            .to_string();
        assert!(message.contains("unknown job `issue.sync`"), "{message}");

        let twice = vec![raw[1].clone(), raw[1].clone()];
        let message = parse_schedules(&twice).unwrap_err().to_string();
        assert!(message.contains("used by two schedules"), "{message}");
    }
}
