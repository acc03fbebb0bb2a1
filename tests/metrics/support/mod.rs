//! Support shared by the tests that read `/metrics`.

pub mod panicking;

/// Held for the whole of each test: the metrics recorder is one per process, so two tests on
/// threads of one process (`cargo test`) would see each other's gauges and counters. Under
/// nextest each test has a process of its own and the lock is always free.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}
