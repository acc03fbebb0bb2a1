//! Program targets from configuration and the pace rule that turns progress into an on-pace /
//! at-risk verdict. Pure arithmetic on counts and instants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::LabelName;

/// Targets per program: the handbook's numbers are the defaults, and a target the handbook does
/// not state has none. Only successes count (see `outcomes`), each in its fiscal period.
///
/// ```yaml
/// targets:
///   story: { per_quarter: 3 }
///   marquee_video: { per_year: 2, label: "story-format::video" }
///   eab: { cohort_min: 12, cohort_max: 15 }
///   earnings: { per_quarter: 2 }   # no default: the handbook sets no number
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Targets {
    /// Customer stories published per fiscal quarter ("We strive to produce three customer
    /// stories per quarter").
    pub story: PerQuarter,
    /// Marquee videos per fiscal year: published stories carrying `label` ("and two marquee
    /// videos per year").
    pub marquee_video: PerYear,
    /// Executive Advisory Board cohort size, nominations accepted in the fiscal year ("an
    /// invitation-only cohort of 12-15 VP+ level executives").
    pub eab: Cohort,
    /// Earnings customer references delivered per fiscal quarter: only when configured.
    pub earnings: Option<PerQuarter>,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            story: PerQuarter { per_quarter: 3 },
            marquee_video: PerYear {
                per_year: 2,
                label: LabelName::from("story-format::video"),
            },
            eab: Cohort {
                cohort_min: 12,
                cohort_max: 15,
            },
            earnings: None,
        }
    }
}

/// A count to reach each fiscal quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerQuarter {
    /// How many per quarter.
    pub per_quarter: u32,
}

/// A count to reach each fiscal year, of requests carrying a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerYear {
    /// How many per year.
    pub per_year: u32,
    /// The label that makes a request count.
    pub label: LabelName,
}

/// A cohort size range for the fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    /// Smallest full cohort.
    pub cohort_min: u32,
    /// The cap.
    pub cohort_max: u32,
}

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The target is reached.
    Met,
    /// Not reached yet, but at least as far along as the straight line says.
    OnPace,
    /// Behind the straight line: the team should act.
    AtRisk,
    /// The period ended short of the target.
    Missed,
    /// A cohort above its cap.
    OverCap,
}

impl Verdict {
    /// The words used in the digest.
    pub fn words(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::OnPace => "on pace",
            Self::AtRisk => "at risk",
            Self::Missed => "missed",
            Self::OverCap => "over the cap",
        }
    }
}

/// The pace rule. With `elapsed` the share of the period gone by at `now` (0 at its first
/// instant, 1 at its end), the straight line expects `⌊target × elapsed⌋` done by now.
/// A target is **on pace** when `done` is at least that, **at risk** when it is less, **met**
/// once `done ≥ target`, and **missed** when the period is over without it.
///
/// Rounding down gives each item its full share of the period: with 3 stories a quarter, none
/// is expected until a third of the quarter has passed. Integer arithmetic keeps the boundary
/// exact: at precisely a third with 0 done the verdict is at risk; a second earlier, on pace.
pub fn pace(
    done: u32,
    target: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (Verdict, u32) {
    let expected = expected_by(target, start, end, now);
    let verdict = if done >= target {
        Verdict::Met
    } else if now >= end {
        Verdict::Missed
    } else if done >= expected {
        Verdict::OnPace
    } else {
        Verdict::AtRisk
    };
    (verdict, expected)
}

/// `⌊target × elapsed share⌋`, in whole seconds.
fn expected_by(target: u32, start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    let length = (end - start).num_seconds().max(1);
    let elapsed = (now - start).num_seconds().clamp(0, length);
    let expected = i128::from(target) * i128::from(elapsed) / i128::from(length);
    u32::try_from(expected).unwrap_or(target)
}

/// The share of the period elapsed at `now`, in whole percent (for the rendered text).
pub fn elapsed_percent(start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    expected_by(100, start, end, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn pace_verdicts_at_their_boundaries() {
        // A 90-day quarter: a third is exactly 30 days.
        let (start, end) = (t("2026-11-01T00:00:00Z"), t("2027-01-30T00:00:00Z"));
        let third = t("2026-12-01T00:00:00Z");
        let second = chrono::Duration::seconds(1);
        let table = [
            ("first instant, nothing done", 0, start, Verdict::OnPace, 0),
            (
                "a second before a third, nothing done",
                0,
                third - second,
                Verdict::OnPace,
                0,
            ),
            (
                "exactly a third, nothing done",
                0,
                third,
                Verdict::AtRisk,
                1,
            ),
            ("exactly a third, one done", 1, third, Verdict::OnPace, 1),
            ("three done early", 3, third, Verdict::Met, 1),
            (
                "a second before the end, two done",
                2,
                end - second,
                Verdict::OnPace,
                2,
            ),
            ("period over, two done", 2, end, Verdict::Missed, 3),
            ("period over, three done", 3, end, Verdict::Met, 3),
        ];
        for (name, done, now, verdict, expected) in table {
            assert_eq!(
                pace(done, 3, start, end, now),
                (verdict, expected),
                "{name}"
            );
        }
    }

    #[test]
    fn targets_default_to_the_handbook_and_reject_unknown_keys() {
        let t: Targets = serde_saphyr::from_str("story: { per_quarter: 4 }\n").unwrap();
        assert_eq!(t.story.per_quarter, 4);
        assert_eq!(t.marquee_video.per_year, 2);
        assert_eq!((t.eab.cohort_min, t.eab.cohort_max), (12, 15));
        assert_eq!(t.earnings, None, "the handbook sets no earnings number");
        assert!(serde_saphyr::from_str::<Targets>("stories: { per_quarter: 4 }\n").is_err());
        let t: Targets = serde_saphyr::from_str("earnings: { per_quarter: 2 }\n").unwrap();
        assert_eq!(t.earnings, Some(PerQuarter { per_quarter: 2 }));
    }
}
