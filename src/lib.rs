//! Steward: webhook-driven issue automation for GitLab — the service and the `steward` binary.
//!
//! Steward receives GitLab webhooks, recognises the description template an issue was filed
//! from, parses its fields, applies declarative YAML rules (labels, assignees, due dates,
//! lead-time checks, owned comments) and reconciles the issue with one minimal edit. What an
//! issue *should* look like is decided by the pure core, `steward_core`; this crate does the
//! I/O around it. The whole map, with the data flow and what each module must not do, is
//! `docs/architecture.md`.
//!
//! | module | responsibility |
//! |---|---|
//! | [`startup`] | `Settings` in, a connected [`startup::App`] out; runs HTTP, schedules, pruning and workers with one shutdown signal — the one start-up path |
//! | [`config`] | service settings from one file and `STEWARD_*` variables |
//! | [`service`] | the state jobs share; the calendar watch and the store's daily pruning |
//! | [`gitlab`] | the GitLab port (`GitLab` trait), REST/GraphQL client, caching decorator, webhook payloads and signatures |
//! | [`store`] | deliveries, the job queue, audit log, owned notes and typed state (SQLite, PostgreSQL) |
//! | [`http`] | webhook receiver, health, readiness and metrics endpoints; the bounded listener |
//! | [`queue`] | the typed `Job`, its payloads and its job-row encoding (schema versioned) |
//! | [`jobs`] | what each job does: the runner, issue sync, sweep, digest job, task supervisor |
//! | [`schedule`] | cron schedules in a time zone; due slots claimed once across replicas |
//! | [`explain`] | why an issue looks as it does: its audit log and a fresh dry-run decision (`steward explain`, the status page) |
//! | [`status`] | the read-only status page on its own listener (off by default) |
//! | [`digest_post`] | posting a rendered digest once per ISO week per target |
//! | [`shipped`] | the shipped rules and templates, embedded in the binary at build time |
//! | [`cli`] | the `steward` command line |
//! | [`backtest`] | candidate rules tried on past issues through the planning path, as of creation and now (`steward backtest`); writes nothing |
//! | [`harness`], [`demo`] | (feature `sim`) the simulator wired to a real Steward in one process; `steward demo` |

mod audit;
pub mod backtest;
pub mod boxed;
pub mod cli;
pub mod config;
#[cfg(feature = "sim")]
pub mod demo;
pub mod digest_post;
pub mod explain;
pub mod gitlab;
#[cfg(feature = "sim")]
pub mod harness;
pub mod http;
pub mod jobs;
pub mod label_sync;
pub mod queue;
pub mod schedule;
pub mod service;
pub mod shipped;
pub mod startup;
pub mod status;
pub mod store;
