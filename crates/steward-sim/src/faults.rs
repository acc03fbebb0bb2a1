//! Deterministic randomness and throttling: a xorshift PRNG, the per-request fault decision
//! (429 bursts, 5xx rate) and GitLab's per-minute rate-limit windows with their `RateLimit-*`
//! values (GITLAB.md §3.6). It decides; it does not build HTTP responses.

use chrono::{DateTime, Utc};

use super::types::Faults;

/// xorshift64*: tiny, fast and fully determined by its seed (no `rand` crate).
#[derive(Debug, Clone)]
pub(crate) struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Self {
        // Zero is xorshift's fixed point; any other value works.
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[0, n)`; `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }

    /// A version-4-shaped UUID string.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
}

/// What to do with one API request before it reaches its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    TooMany { retry_after: u64 },
    ServerError,
}

/// The rate-limit header values of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateInfo {
    pub limit: u32,
    pub observed: u32,
    pub remaining: u32,
    pub reset: i64,
}

/// GitLab.com's authenticated API limit, shown when none is enforced.
const DEFAULT_LIMIT: u32 = 2_000;

pub(crate) struct FaultState {
    pub faults: Faults,
    rng: Xorshift,
    /// API requests seen since faults were set (1-based numbering for bursts).
    seq: u64,
    window: i64,
    requests_in_window: u32,
    notes_window: i64,
    notes_in_window: u32,
    requests_per_minute: Option<u32>,
    notes_per_minute: Option<u32>,
    /// Note creations still to refuse (`Faults::refused_notes`).
    notes_to_refuse: u32,
}

fn minute(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(60)
}

impl FaultState {
    pub fn new(requests_per_minute: Option<u32>, notes_per_minute: Option<u32>) -> Self {
        let faults = Faults::default();
        Self {
            rng: Xorshift::new(faults.seed),
            faults,
            seq: 0,
            window: i64::MIN,
            requests_in_window: 0,
            notes_window: i64::MIN,
            notes_in_window: 0,
            requests_per_minute,
            notes_per_minute,
            notes_to_refuse: 0,
        }
    }

    /// Replaces the faults and restarts their deterministic sequence.
    pub fn set(&mut self, faults: Faults) {
        self.rng = Xorshift::new(faults.seed);
        self.notes_to_refuse = faults.refused_notes.map_or(0, |r| r.count);
        self.faults = faults;
        self.seq = 0;
    }

    /// Counts one authenticated request in the current minute and decides its fate: the
    /// enforced limit first, then an injected burst, then an injected 5xx.
    pub fn admit(&mut self, now: DateTime<Utc>) -> (Verdict, RateInfo) {
        let m = minute(now);
        if m != self.window {
            self.window = m;
            self.requests_in_window = 0;
        }
        self.requests_in_window = self.requests_in_window.saturating_add(1);
        self.seq += 1;
        let limit = self.requests_per_minute.unwrap_or(DEFAULT_LIMIT);
        let reset = (m + 1) * 60;
        let info = RateInfo {
            limit,
            observed: self.requests_in_window,
            remaining: limit.saturating_sub(self.requests_in_window),
            reset,
        };
        if let Some(l) = self.requests_per_minute
            && self.requests_in_window > l
        {
            let retry_after = (reset - now.timestamp()).max(1) as u64;
            return (Verdict::TooMany { retry_after }, info);
        }
        if let Some(b) = self.faults.burst_429
            && b.every_n > 0
        {
            let pos = (self.seq - 1) % u64::from(b.every_n);
            if pos >= u64::from(b.every_n.saturating_sub(b.len)) {
                return (
                    Verdict::TooMany {
                        retry_after: b.retry_after_secs,
                    },
                    info,
                );
            }
        }
        // Draw only when a rate is set, so enabling bursts alone leaves other draws unchanged.
        if self.faults.error_rate_5xx > 0.0 && self.rng.next_f64() < self.faults.error_rate_5xx {
            return (Verdict::ServerError, info);
        }
        (Verdict::Pass, info)
    }

    /// Takes one note creation from the per-minute note budget (GitLab.com: 60/min).
    pub fn take_note(&mut self, now: DateTime<Utc>) -> Result<(), u64> {
        if let Some(refused) = self.faults.refused_notes
            && self.notes_to_refuse > 0
        {
            self.notes_to_refuse -= 1;
            return Err(refused.retry_after_secs);
        }
        let Some(limit) = self.notes_per_minute else {
            return Ok(());
        };
        let m = minute(now);
        if m != self.notes_window {
            self.notes_window = m;
            self.notes_in_window = 0;
        }
        if self.notes_in_window >= limit {
            return Err(((m + 1) * 60 - now.timestamp()).max(1) as u64);
        }
        self.notes_in_window += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Burst429;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap_or_default()
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let mut a = Xorshift::new(42);
        let mut b = Xorshift::new(42);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Xorshift::new(43).next_u64(), xs[0]);
        assert_eq!(a.uuid().len(), 36);
    }

    #[test]
    fn bursts_refuse_the_last_requests_of_each_block() {
        let mut f = FaultState::new(None, None);
        f.set(Faults {
            burst_429: Some(Burst429 {
                every_n: 4,
                len: 2,
                retry_after_secs: 7,
            }),
            ..Faults::default()
        });
        let verdicts: Vec<bool> = (0..8).map(|_| f.admit(at(0)).0 != Verdict::Pass).collect();
        assert_eq!(
            verdicts,
            [false, false, true, true, false, false, true, true]
        );
    }

    #[test]
    fn the_enforced_limit_resets_with_the_minute() {
        let mut f = FaultState::new(Some(2), None);
        assert_eq!(f.admit(at(60)).0, Verdict::Pass);
        let (v, info) = f.admit(at(61));
        assert_eq!((v, info.remaining, info.reset), (Verdict::Pass, 0, 120));
        assert_eq!(f.admit(at(90)).0, Verdict::TooMany { retry_after: 30 });
        assert_eq!(f.admit(at(120)).0, Verdict::Pass);
    }

    #[test]
    fn refused_notes_answer_429_until_their_count_is_used_up() {
        let mut f = FaultState::new(None, None);
        f.set(Faults {
            refused_notes: Some(crate::types::RefusedNotes {
                count: 2,
                retry_after_secs: 3,
            }),
            ..Faults::default()
        });
        let answers: Vec<Result<(), u64>> = (0..3).map(|_| f.take_note(at(0))).collect();
        assert_eq!(answers, [Err(3), Err(3), Ok(())]);
    }

    #[test]
    fn note_budget_refuses_the_61st_note_in_a_minute() {
        let mut f = FaultState::new(None, Some(60));
        for _ in 0..60 {
            assert!(f.take_note(at(0)).is_ok());
        }
        assert_eq!(f.take_note(at(10)), Err(50));
        assert!(f.take_note(at(60)).is_ok());
    }
}
