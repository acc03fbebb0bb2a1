//! Support shared by Steward's tests and benchmarks.
//!
//! - [`process`]: `steward serve` child processes configured as an operator would (all through
//!   `STEWARD_*`), killed on drop, readiness polling, free ports, logs and `/proc` memory.
//! - [`hostile`]: hostile and heavy HTTP clients (raw-TCP uploads, slow senders, costly bodies).
//! - [`season`]: the season scenario's generator, ground truth and figures (docs/QUALITY.md).
//! - [`fake_gitlab`]: a recording fake GitLab (in-memory issues, notes, labels and users; every
//!   call recorded with its arguments; calls failed on demand).

pub mod fake_gitlab;
pub mod hostile;
pub mod process;
pub mod season;

pub use fake_gitlab::{Call, Failure, FakeGitLab};
