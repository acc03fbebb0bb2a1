//! The load generator of the ingest benchmark: closed loop at fixed concurrency and open loop
//! at a fixed rate, with the latencies and statuses of what was sent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::hooks::Deliveries;

#[derive(Default)]
pub struct Outcome {
    /// 2xx answers to deliveries sent in the measured window.
    pub accepted: u64,
    /// Other statuses, by status.
    pub rejected: BTreeMap<u16, u64>,
    /// Transport errors (refused, reset, timeout).
    pub errors: u64,
    /// Acknowledgement latencies of the accepted deliveries, microseconds.
    pub latencies: Vec<u32>,
    /// Length of the measured window.
    pub window: Duration,
}

impl Outcome {
    fn add(&mut self, result: Result<u16, ()>, latency: Duration) {
        match result {
            Ok(s) if (200..300).contains(&s) => {
                self.accepted += 1;
                self.latencies
                    .push(latency.as_micros().min(u128::from(u32::MAX)) as u32);
            }
            Ok(s) => *self.rejected.entry(s).or_insert(0) += 1,
            Err(()) => self.errors += 1,
        }
    }

    fn merge(&mut self, other: Outcome) {
        self.accepted += other.accepted;
        for (k, v) in other.rejected {
            *self.rejected.entry(k).or_insert(0) += v;
        }
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
    }

    pub fn per_sec(&self) -> f64 {
        self.accepted as f64 / self.window.as_secs_f64()
    }

    pub fn percentile(&mut self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies.sort_unstable();
        let rank =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        Duration::from_micros(u64::from(self.latencies[rank - 1]))
    }

    pub fn failures(&self) -> String {
        let mut parts: Vec<String> = self
            .rejected
            .iter()
            .map(|(s, n)| format!("{n}×{s}"))
            .collect();
        if self.errors > 0 {
            parts.push(format!("{}×transport error", self.errors));
        }
        if parts.is_empty() {
            "0".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

async fn send(req: reqwest::RequestBuilder) -> Result<u16, ()> {
    match req.timeout(Duration::from_secs(15)).send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            // Read the (empty) body so the connection goes back to the pool.
            let _ = res.bytes().await;
            Ok(status)
        }
        Err(_) => Err(()),
    }
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .build()?)
}

/// `concurrency` senders, each sending its next delivery as soon as the previous one is
/// answered; latencies of deliveries sent after the warm-up are kept.
pub async fn closed_loop(
    url: &str,
    deliveries: &Arc<Deliveries>,
    concurrency: usize,
    warmup: Duration,
    measure: Duration,
) -> anyhow::Result<Outcome> {
    let client = client()?;
    let start = Instant::now();
    let measure_from = start + warmup;
    let until = measure_from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_owned();
        let deliveries = deliveries.clone();
        tasks.spawn(async move {
            let mut out = Outcome::default();
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let result = send(deliveries.request(&client, &url)).await;
                if sent >= measure_from {
                    out.add(result, sent.elapsed());
                }
            }
            out
        });
    }
    let mut total = Outcome {
        window: measure,
        ..Outcome::default()
    };
    while let Some(done) = tasks.join_next().await {
        total.merge(done?);
    }
    Ok(total)
}

/// Deliveries sent on a fixed schedule (`rate` per second) whatever the answers; each latency
/// runs from the delivery's scheduled send time, so a stall counts against every delivery that
/// should have gone out during it.
pub async fn open_loop(
    url: &str,
    deliveries: &Arc<Deliveries>,
    rate: f64,
    warmup: Duration,
    measure: Duration,
) -> anyhow::Result<(Outcome, Duration)> {
    let client = client()?;
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now() + Duration::from_millis(10);
    let measure_from = start + warmup;
    let until = measure_from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    let mut worst_lag = Duration::ZERO;
    let mut out = Outcome {
        window: measure,
        ..Outcome::default()
    };
    let mut collect = |done: (bool, Result<u16, ()>, Duration)| {
        let (measured, result, latency) = done;
        if measured {
            out.add(result, latency);
        }
    };
    for i in 0u32.. {
        let at = start + period * i;
        if at >= until {
            break;
        }
        tokio::time::sleep_until(at).await;
        worst_lag = worst_lag.max(tokio::time::Instant::now() - at);
        let req = deliveries.request(&client, url);
        let measured = at >= measure_from;
        tasks.spawn(async move {
            let result = send(req).await;
            (measured, result, tokio::time::Instant::now() - at)
        });
        // Collect the answered ones as we go so the set stays small.
        while let Some(done) = tasks.try_join_next() {
            collect(done?);
        }
    }
    while let Some(done) = tasks.join_next().await {
        collect(done?);
    }
    Ok((out, worst_lag))
}
