//! Support shared by Steward's tests and benchmarks.
//!
//! - [`process`]: `steward serve` child processes configured as an operator would (all through
//!   `STEWARD_*`), killed on drop, readiness polling, free ports, logs and `/proc` memory.
//! - [`hostile`]: hostile and heavy HTTP clients (raw-TCP uploads, slow senders, costly bodies).

pub mod hostile;
pub mod process;
