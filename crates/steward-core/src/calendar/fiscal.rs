//! Fiscal quarters generated from the fiscal-year rule, earnings calls estimated from the
//! earnings rule (listed dates override), and the quiet periods around them.
//!
//! Pure date arithmetic: nothing here reads the clock (callers pass the date) or knows about
//! issues. A calendar that lists its earnings calls one by one runs out; one that states the
//! rule ("the first Thursday at least four weeks after the quarter ends") never does.

use chrono::{Datelike, NaiveDate, Weekday};

use super::{Calendar, FiscalQuarter};

/// Which calendar year names a fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FiscalNaming {
    /// The year in which it ends (a year starting 2027-02-01 is FY2028); the default.
    #[default]
    EndYear,
    /// The year in which it starts (a year starting 2027-02-01 is FY2027).
    StartYear,
}

/// When an earnings call is held when Investor Relations has not listed its date yet: the first
/// `weekday` at least `weeks_after_quarter_end` weeks after the quarter's last day (the next
/// business day when that is a holiday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarningsRule {
    /// Whole weeks after the quarter's last day.
    pub weeks_after_quarter_end: u32,
    /// The weekday calls are held on.
    pub weekday: Weekday,
}

/// What a quiet period is counted back from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuietAnchor {
    /// The quarter's last day.
    QuarterEnd,
    /// The quarter's earnings call.
    EarningsCall,
}

/// The quiet period before each earnings call: from `days_before` days before the anchor until
/// the call day, both inclusive (nothing is published on the call day before the call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietRule {
    /// What the start is counted back from.
    pub anchor: QuietAnchor,
    /// Calendar days before the anchor the period starts (0: on the anchor day).
    pub days_before: u32,
}

/// One quarter's quiet period, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietPeriod {
    /// The quarter whose results are being prepared.
    pub quarter: FiscalQuarter,
    /// First quiet day.
    pub start: NaiveDate,
    /// Last quiet day: the earnings call.
    pub end: NaiveDate,
}

impl FiscalQuarter {
    /// The quarter after this one.
    pub fn next(self) -> FiscalQuarter {
        if self.quarter >= 4 {
            FiscalQuarter {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            FiscalQuarter {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }

    /// The quarter before this one.
    pub fn prev(self) -> FiscalQuarter {
        if self.quarter <= 1 {
            FiscalQuarter {
                year: self.year - 1,
                quarter: 4,
            }
        } else {
            FiscalQuarter {
                year: self.year,
                quarter: self.quarter - 1,
            }
        }
    }
}

impl Calendar {
    /// Sets how fiscal years are named.
    pub fn with_fiscal_naming(mut self, naming: FiscalNaming) -> Calendar {
        self.fiscal_naming = naming;
        self
    }

    /// Sets the rule that estimates earnings calls not listed.
    pub fn with_earnings_rule(mut self, rule: Option<EarningsRule>) -> Calendar {
        self.earnings_rule = rule;
        self
    }

    /// Sets the quiet-period rule.
    pub fn with_quiet_rule(mut self, rule: Option<QuietRule>) -> Calendar {
        self.quiet_rule = rule;
        self
    }

    /// How fiscal years are named.
    pub fn fiscal_naming(&self) -> FiscalNaming {
        self.fiscal_naming
    }

    /// The rule estimating unlisted earnings calls, if any.
    pub fn earnings_rule(&self) -> Option<EarningsRule> {
        self.earnings_rule
    }

    /// The quiet-period rule, if any.
    pub fn quiet_rule(&self) -> Option<QuietRule> {
        self.quiet_rule
    }

    /// The calendar year in which fiscal year `year` starts.
    pub(super) fn fiscal_start_year(&self, year: i32) -> i32 {
        match self.fiscal_naming {
            FiscalNaming::EndYear if self.fiscal_year_start_month != 1 => year - 1,
            FiscalNaming::EndYear | FiscalNaming::StartYear => year,
        }
    }

    /// The fiscal year's number for a year starting in calendar year `start_year`.
    pub(super) fn fiscal_year_named(&self, start_year: i32) -> i32 {
        match self.fiscal_naming {
            FiscalNaming::EndYear if self.fiscal_year_start_month != 1 => start_year + 1,
            FiscalNaming::EndYear | FiscalNaming::StartYear => start_year,
        }
    }

    /// The last day of a fiscal quarter.
    pub fn quarter_end(&self, q: FiscalQuarter) -> Option<NaiveDate> {
        self.quarter_start(q.next())?.pred_opt()
    }

    /// The earnings call the rule estimates for a quarter (ignoring listed dates).
    pub fn estimated_earnings(&self, q: FiscalQuarter) -> Option<NaiveDate> {
        let rule = self.earnings_rule?;
        let end = self.quarter_end(q)?;
        let earliest = end.checked_add_days(chrono::Days::new(
            7 * u64::from(rule.weeks_after_quarter_end),
        ))?;
        let ahead = (7 + rule.weekday.num_days_from_monday()
            - earliest.weekday().num_days_from_monday())
            % 7;
        let day = earliest.checked_add_days(chrono::Days::new(u64::from(ahead)))?;
        Some(self.business_day_on_or_after(day))
    }

    /// The quarter's earnings call: the listed date, else the rule's estimate.
    pub fn earnings_date(&self, q: FiscalQuarter) -> Option<NaiveDate> {
        self.earnings
            .get(&q)
            .copied()
            .or_else(|| self.estimated_earnings(q))
    }

    /// The first earnings call on or after `date`, with its quarter: listed or estimated.
    pub fn next_earnings(&self, date: NaiveDate) -> Option<(FiscalQuarter, NaiveDate)> {
        let listed = self
            .earnings
            .iter()
            .filter(|(_, d)| **d >= date)
            .min_by_key(|(_, d)| **d)
            .map(|(q, d)| (*q, *d));
        if self.earnings_rule.is_none() {
            return listed;
        }
        // A call comes one to a few months after its quarter: two quarters back to four ahead
        // of `date`'s quarter holds the next one for any sensible rule.
        let mut q = self.fiscal_quarter(date).prev().prev();
        let mut best: Option<(FiscalQuarter, NaiveDate)> = None;
        for _ in 0..7 {
            if let Some(d) = self.earnings_date(q).filter(|d| *d >= date)
                && best.is_none_or(|(_, b)| d < b)
            {
                best = Some((q, d));
            }
            q = q.next();
        }
        match (best, listed) {
            (Some(b), Some(l)) if l.1 < b.1 => Some(l),
            (b, l) => b.or(l),
        }
    }

    /// The quiet period of quarter `q`, when its earnings call is known and a rule is set.
    pub fn quiet_period_of(&self, q: FiscalQuarter) -> Option<QuietPeriod> {
        let rule = self.quiet_rule?;
        let call = self.earnings_date(q)?;
        let anchor = match rule.anchor {
            QuietAnchor::QuarterEnd => self.quarter_end(q)?,
            QuietAnchor::EarningsCall => call,
        };
        let start = anchor.checked_sub_days(chrono::Days::new(u64::from(rule.days_before)))?;
        (start <= call).then_some(QuietPeriod {
            quarter: q,
            start,
            end: call,
        })
    }

    /// The quiet period `date` falls in, if any.
    pub fn quiet_period_at(&self, date: NaiveDate) -> Option<QuietPeriod> {
        self.quiet_rule?;
        let mut q = self.fiscal_quarter(date).prev().prev();
        for _ in 0..4 {
            if let Some(p) = self.quiet_period_of(q)
                && p.start <= date
                && date <= p.end
            {
                return Some(p);
            }
            q = q.next();
        }
        None
    }
}

#[cfg(test)]
mod tests;
