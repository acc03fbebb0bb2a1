//! In-process tests that read the values of `/metrics`. The service installs one
//! process-wide metrics recorder, so these tests live apart from the other in-process tests
//! (whose services would move the same gauges and counters), and take [`support::serial`] so
//! they do not move each other's when a runner puts them on threads of one process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod e2e_job_faults;
mod e2e_ops;
