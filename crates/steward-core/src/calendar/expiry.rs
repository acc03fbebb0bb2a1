//! When a customer's written approval (to use its name, logo or quote) expires, and whether it
//! is about to: the expiry the approval states, else the approval date plus the calendar's
//! default validity.
//!
//! Pure: `today` is a parameter; nothing here reads the clock or decides what to do about it
//! (rules label, remind and flag).

use chrono::NaiveDate;

use super::Calendar;

/// An approval's expiry: the last day the approval holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalExpiry {
    /// Last valid day (inclusive): the approval has expired from the day after.
    pub expires: NaiveDate,
    /// Whether it came from the default validity (the approval stated no expiry).
    pub defaulted: bool,
}

/// Where an approval stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryState {
    /// Valid, and more than the reminder's business days from expiring.
    Valid,
    /// Valid, expiring within the reminder's business days: this many are left after today
    /// (0 on the expiry day itself, or when only weekends and holidays remain).
    Expiring {
        /// Business days in (today, expiry].
        business_days_left: i64,
    },
    /// Past its last valid day.
    Expired,
}

impl Calendar {
    /// Sets the validity, in calendar days from the approval date, of an approval that states
    /// no expiry (`None`: such an approval does not expire).
    pub fn with_approval_validity(mut self, days: Option<u32>) -> Calendar {
        self.approval_validity_days = days;
        self
    }

    /// The default validity of an approval, in calendar days.
    pub fn approval_validity_days(&self) -> Option<u32> {
        self.approval_validity_days
    }

    /// An approval's expiry: `expires` when it states one, else `approved` plus the default
    /// validity; `None` when neither is known.
    pub fn approval_expiry(
        &self,
        approved: Option<NaiveDate>,
        expires: Option<NaiveDate>,
    ) -> Option<ApprovalExpiry> {
        if let Some(expires) = expires {
            return Some(ApprovalExpiry {
                expires,
                defaulted: false,
            });
        }
        let days = self.approval_validity_days?;
        let expires = self.add_calendar_days(approved?, i64::from(days));
        Some(ApprovalExpiry {
            expires,
            defaulted: true,
        })
    }

    /// Where an approval expiring on `expires` stands on `today`, reminding from
    /// `remind_within` business days before (counted on the team's calendar, so a reminder
    /// "7 business days ahead" leaves seven working days across Christmas, not three).
    pub fn expiry_state(
        &self,
        expires: NaiveDate,
        today: NaiveDate,
        remind_within: u32,
    ) -> ExpiryState {
        if today > expires {
            return ExpiryState::Expired;
        }
        let left = self.business_days_between(today, expires);
        if left <= i64::from(remind_within) {
            ExpiryState::Expiring {
                business_days_left: left,
            }
        } else {
            ExpiryState::Valid
        }
    }
}
