//! Keeps the service's long-running tasks (workers, the scheduler) alive: a task that ends
//! before shutdown, by returning or by panicking outside a job, is logged, counted and started
//! again after a pause that grows while it keeps dying young. It knows nothing of what the
//! tasks do.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::task::{JoinError, JoinHandle};
use tokio_util::sync::CancellationToken;

/// Pause before the first restart of a task.
pub const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between restarts of a task that keeps dying.
const MAX_RESTART_PAUSE: Duration = Duration::from_secs(30);
/// A task that ran at least this long before ending was healthy: its next restart pauses
/// [`RESTART_PAUSE`] again.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// Runs `start()` as a task and starts it again whenever it ends before `shutdown`, until
/// `shutdown` is cancelled and the running task has ended. Each restart is logged at error level
/// and counted in `steward_task_restarts_total{task=role}`. Returns how many restarts there were.
pub async fn supervise<F, Fut>(
    role: &'static str,
    name: String,
    shutdown: CancellationToken,
    first_pause: Duration,
    mut start: F,
) -> u64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut restarts = 0;
    let mut pause = first_pause;
    loop {
        let started = tokio::time::Instant::now();
        let ended = AbortOnDrop(tokio::spawn(start())).await;
        if shutdown.is_cancelled() {
            return restarts;
        }
        if started.elapsed() >= HEALTHY_RUN {
            pause = first_pause;
        }
        restarts += 1;
        metrics::counter!("steward_task_restarts_total", "task" => role).increment(1);
        tracing::error!(
            task = %name,
            role,
            reason = %end_reason(ended),
            restart_in_ms = pause.as_millis() as u64,
            restarts,
            "a background task stopped before shutdown; restarting it"
        );
        tokio::select! {
            _ = shutdown.cancelled() => return restarts,
            _ = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(MAX_RESTART_PAUSE);
    }
}

fn end_reason(ended: Result<(), JoinError>) -> String {
    match ended {
        Ok(()) => "it returned".to_owned(),
        Err(e) if e.is_panic() => format!(
            "it panicked: {}",
            super::unwind::panic_message(e.into_panic().as_ref())
        ),
        Err(e) => format!("it was cancelled: {e}"),
    }
}

/// A task handle that aborts its task when dropped, so a supervisor that is itself aborted
/// (its `JoinSet` dropped) takes its task with it.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Future for AbortOnDrop {
    type Output = Result<(), JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_or_returns_is_restarted_until_shutdown() {
        let starts = Arc::new(AtomicU32::new(0));
        let (started_tx, mut started_rx) = tokio::sync::mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let task_stop = stop.clone();
        let counter = starts.clone();
        let supervisor = tokio::spawn(supervise(
            "worker",
            "test-worker".to_owned(),
            stop.clone(),
            RESTART_PAUSE,
            move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let stop = task_stop.clone();
                let started = started_tx.clone();
                async move {
                    let _ = started.send(n);
                    match n {
                        0 => panic!("worker bug on start {n}"),
                        1 => {} // returns early
                        _ => stop.cancelled().await,
                    }
                }
            },
        ));
        for expected in 0..3 {
            assert_eq!(started_rx.recv().await, Some(expected));
        }
        stop.cancel();
        assert_eq!(
            supervisor.await.unwrap(),
            2,
            "two restarts, none at shutdown"
        );
        assert_eq!(starts.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn restarts_of_a_task_that_keeps_dying_slow_down_and_shutdown_interrupts_the_pause() {
        let stop = CancellationToken::new();
        let started = tokio::time::Instant::now();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let supervisor = tokio::spawn(supervise(
            "scheduler",
            "test-scheduler".to_owned(),
            stop.clone(),
            RESTART_PAUSE,
            move || {
                let _ = tx.send(tokio::time::Instant::now());
                async {}
            },
        ));
        let mut at = Vec::new();
        for _ in 0..4 {
            at.push(rx.recv().await.unwrap() - started);
        }
        let secs: Vec<u64> = at.iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, [0, 1, 3, 7], "pauses of 1, 2 and 4 s");
        // Virtual time: lets the supervisor see the fourth end and start its 8 s pause.
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.cancel();
        assert_eq!(supervisor.await.unwrap(), 4);
    }
}
