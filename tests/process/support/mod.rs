//! Support shared by the tests that run `steward` processes.

pub mod cli;
pub mod cluster;
pub mod workload;
