//! Steward: webhook-driven issue automation for GitLab.
//!
//! Steward receives GitLab webhooks, recognises the description template an issue was filed
//! from, parses its fields, applies declarative YAML rules (labels, assignees, due dates,
//! lead-time checks, owned comments) and reconciles the issue with one minimal edit.
//!
//! # Architecture
//!
//! ```text
//! GitLab ──POST /webhooks/gitlab──▶ http ── verify token/signature, decode leniently
//!                                      │ record delivery (unique Idempotency-Key) + enqueue job
//!                                      ▼ reply 2xx in milliseconds
//!                                   store (SQLite default | PostgreSQL)
//!                                      │ worker claims job (lease)
//!                                      ▼
//!              gitlab client ◀── re-read the issue (the payload is only a trigger)
//!                                      ▼
//!         templates (recognise + parse fields) ──▶ rules::evaluate (pure) ──▶ Plan
//!                                      ▼
//!         reconcile: Plan vs current state → one issue edit + owned notes; audit log
//! ```
//!
//! | module | responsibility |
//! |---|---|
//! | [`model`] | shared domain types: ids, `Issue`, fields, `Plan` |
//! | [`templates`] | template files, recognition, typed field parsing |
//! | [`calendar`] | business days, holidays, time zones, fiscal quarters |
//! | [`rules`] | rule files → validated `RuleSet`; pure evaluation to a `Plan` |
//! | [`gitlab`] | GitLab REST client, webhook payloads, signature checks |
//! | [`store`] | durable deliveries, jobs, audit log, owned notes (SQLite, PostgreSQL) |
//! | [`sim`] | a GitLab simulator for `demo`, tests and benchmarks |
//! | [`config`] | service settings from a file and `STEWARD_*` variables |
//! | [`clock`] | the injected source of "now" |
//! | [`reconcile`] | plan vs current issue → minimal writes |
//! | [`http`] | webhook receiver, health, readiness and metrics endpoints |
//! | [`queue`] | the `Job` type, its payloads and its job-row encoding (schema versioned) |
//! | [`jobs`] | what each job does, retry policy, the worker that runs them, the task supervisor |
//! | [`service`] | assembles state, HTTP server and workers with one shutdown signal |
//! | [`harness`] | simulator + Steward in one process, for demo, tests, benchmarks |
//! | [`demo`] | the `steward demo` scenario and report |
//! | [`schedule`] | cron schedules in a time zone; due slots claimed once across replicas |
//! | [`digest`] | weekly program digest: select, render Markdown, post once per ISO week |
//! | [`cli`] | the `steward` command line |
//! | [`untrusted`] | requester text made inert for notes and digests; the whole-body guard |

mod audit;
pub mod cli;
pub mod config;
#[cfg(feature = "sim")]
pub mod demo;
pub mod digest_post;
pub mod gitlab;
#[cfg(feature = "sim")]
pub mod harness;
pub mod http;
pub mod jobs;
pub mod queue;
pub mod schedule;
pub mod service;
pub mod store;
