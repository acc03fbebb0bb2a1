//! Tests that run the `steward` binary as a child process: the command line (`check`, `plan`,
//! `sweep`, `digest`, `demo`, `export`, `migrate`, `customers`, `approvals`), `steward serve`
//! under hostile clients and readiness checks, multi-replica deployments and the failure drill.
//! One test binary (each former test file is a module), so the crate links once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod cli_approvals;
mod cli_backtest;
mod cli_check;
mod cli_customers;
mod cli_demo;
mod cli_explain;
mod cli_labels;
mod cli_plan;
mod cli_sim;
mod cli_sweep_digest;
mod drill;
mod replicas_export;
mod replicas_migrate;
mod replicas_postgres;
mod replicas_serve;
mod season;
mod serve_digest_targets;
mod serve_hostile;
mod serve_readiness;
mod serve_secrets;
