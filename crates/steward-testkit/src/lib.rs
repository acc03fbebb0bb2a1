//! Support shared by Steward's tests and benchmarks.
//!
//! - [`fake_gitlab`]: a recording fake GitLab (in-memory issues, notes, labels and users; every
//!   call recorded with its arguments; calls failed on demand).

pub mod fake_gitlab;

pub use fake_gitlab::{Call, Failure, FakeGitLab};
