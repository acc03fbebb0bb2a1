//! The scheduler loop: for each schedule, work out the due slot, claim it in the store (one
//! winner across replicas) and hand it to a [`SlotSink`]. It runs no job itself; whoever runs
//! the job calls `Store::finish_slot` when it is done.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{Schedule, due_slots, next_slot};
use crate::store::{BoxFuture, Store};
use steward_core::clock::Clock;

/// The longest the loop sleeps between passes, so a clock jump or a schedule whose next slot
/// is far away is still noticed.
const MAX_SLEEP: Duration = Duration::from_secs(300);

/// Receives the slots this replica won. Typically enqueues a job in the store.
pub trait SlotSink: Send + Sync {
    /// Starts (or queues) `schedule`'s job for `slot`. An error is reported in the tick's
    /// [`TickReport`] and the slot is recorded as finished with the error, because a claimed
    /// slot cannot be claimed again.
    fn enqueue<'a>(
        &'a self,
        schedule: &'a Schedule,
        slot: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// What one pass did with one schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotEvent {
    /// This replica won the slot and handed it to the sink.
    Enqueued {
        /// Schedule name.
        schedule: String,
        /// The slot.
        slot: DateTime<Utc>,
        /// Missed slots this run stands in for.
        coalesced: usize,
    },
    /// Another replica (or an earlier pass) already claimed the slot.
    AlreadyClaimed {
        /// Schedule name.
        schedule: String,
        /// The slot.
        slot: DateTime<Utc>,
    },
    /// Missed slots older than the grace window were skipped; the newest is recorded as
    /// finished with this reason so that the skip is reported once.
    Skipped {
        /// Schedule name.
        schedule: String,
        /// Skipped slots, newest first.
        slots: Vec<DateTime<Utc>>,
    },
    /// The store or the sink failed for this schedule; other schedules went on.
    Failed {
        /// Schedule name.
        schedule: String,
        /// What failed.
        error: String,
    },
}

/// Everything one [`Scheduler::tick`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TickReport {
    /// One or two events per schedule that had something due or missed.
    pub events: Vec<SlotEvent>,
}

impl TickReport {
    /// The `(schedule, slot)` pairs this pass enqueued.
    pub fn enqueued(&self) -> Vec<(String, DateTime<Utc>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                SlotEvent::Enqueued { schedule, slot, .. } => Some((schedule.clone(), *slot)),
                _ => None,
            })
            .collect()
    }
}

/// Claims due slots of its schedules and hands the ones it wins to a sink.
pub struct Scheduler {
    schedules: Vec<Schedule>,
    store: Arc<dyn Store>,
    sink: Arc<dyn SlotSink>,
    owner: String,
}

impl Scheduler {
    /// A scheduler for `schedules`, claiming slots in `store` as `owner` (the replica's id).
    pub fn new(
        schedules: Vec<Schedule>,
        store: Arc<dyn Store>,
        sink: Arc<dyn SlotSink>,
        owner: impl Into<String>,
    ) -> Self {
        Self {
            schedules,
            store,
            sink,
            owner: owner.into(),
        }
    }

    /// The schedules it runs.
    pub fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// One pass at `now`: for each schedule, claim and enqueue the due slot, and record skipped
    /// slots. Never fails as a whole; per-schedule failures are events.
    pub async fn tick(&self, now: DateTime<Utc>) -> TickReport {
        let mut report = TickReport::default();
        for schedule in &self.schedules {
            if let Err(error) = self.tick_one(schedule, now, &mut report).await {
                tracing::warn!(schedule = schedule.name(), %error, "schedule pass failed");
                report.events.push(SlotEvent::Failed {
                    schedule: schedule.name().to_owned(),
                    error,
                });
            }
        }
        report
    }

    async fn tick_one(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), String> {
        let name = schedule.name();
        let last = self
            .store
            .last_finished_slot(name)
            .await
            .map_err(|e| e.to_string())?;
        let due = due_slots(schedule, last, now);
        if let Some(&newest) = due.skipped.first() {
            // Recording the newest skipped slot as finished moves `last_finished` past the
            // skipped ones, so the skip is reported once, by one replica.
            if self.claim(name, newest, now).await? {
                let outcome = format!(
                    "skipped {} missed slot(s): older than the {}s grace window",
                    due.skipped.len(),
                    schedule.grace().as_secs()
                );
                self.store
                    .finish_slot(name, newest, now, &outcome)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::warn!(schedule = name, skipped = due.skipped.len(), %newest, "missed slots skipped");
                report.events.push(SlotEvent::Skipped {
                    schedule: name.to_owned(),
                    slots: due.skipped.clone(),
                });
            }
        }
        let Some(slot) = due.run else {
            return Ok(());
        };
        if !self.claim(name, slot, now).await? {
            report.events.push(SlotEvent::AlreadyClaimed {
                schedule: name.to_owned(),
                slot,
            });
            return Ok(());
        }
        if let Err(error) = self.sink.enqueue(schedule, slot).await {
            let outcome = format!("not run: enqueue failed: {error}");
            self.store
                .finish_slot(name, slot, now, &outcome)
                .await
                .map_err(|e| e.to_string())?;
            return Err(outcome);
        }
        tracing::info!(schedule = name, %slot, coalesced = due.coalesced.len(), "slot enqueued");
        report.events.push(SlotEvent::Enqueued {
            schedule: name.to_owned(),
            slot,
            coalesced: due.coalesced.len(),
        });
        Ok(())
    }

    async fn claim(
        &self,
        name: &str,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, String> {
        self.store
            .claim_slot(name, slot, &self.owner, now)
            .await
            .map_err(|e| e.to_string())
    }

    /// Ticks at start, then sleeps until the next slot of any schedule (at most five minutes
    /// at a time, or the clock's [`Clock::poll_interval`] when it has one) and ticks again,
    /// until `shutdown` is cancelled.
    pub async fn run(&self, shutdown: CancellationToken, clock: Arc<dyn Clock>) {
        loop {
            let now = clock.now();
            self.tick(now).await;
            let wait = self
                .schedules
                .iter()
                .filter_map(|s| next_slot(s, now))
                .min()
                .and_then(|next| (next - clock.now()).to_std().ok())
                .map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP))
                .min(clock.poll_interval().unwrap_or(MAX_SLEEP));
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
