//! Steward's decision core: everything that decides, nothing that performs I/O.
//!
//! Given an issue, the shipped templates and rules, a calendar and `now`, this crate computes the
//! plan (labels, assignees, due date, owned notes), the minimal edit that brings the issue there,
//! and the weekly digest's content. It reads configuration files when asked to load them and
//! otherwise touches no network, database, clock or runtime: `cargo tree -p steward-core` shows no
//! tokio, sqlx, reqwest, hyper or axum, and the service crate (`steward`) is the only place that
//! talks to GitLab or a store.
//!
//! | module | responsibility | must not |
//! |---|---|---|
//! | [`model`] | shared domain types: ids, `Issue`, fields, `Plan` | depend on any other module |
//! | [`activity`] | when someone other than Steward last acted on an issue; whether it changed since Steward's own write | read the clock or GitLab |
//! | [`diagnostics`] | the one configuration error type: `file:line:col`, did-you-mean | know about rules |
//! | [`untrusted`] | requester text made inert for notes and digests; the whole-body guard | decide anything |
//! | [`templates`] | template files, recognition, typed field parsing | read rules |
//! | [`calendar`] | business days, holidays, time zones, fiscal quarters | read rules |
//! | [`yaml`] | YAML shapes shared by the loaders (keys with their locations) | validate anything |
//! | [`programs`] | the team's programs and their outcomes, as declared | select or render digests |
//! | [`rules`] | validated rules and the `Engine`; pure evaluation to a `Plan` | read the clock |
//! | [`loader`] | every configuration file (a directory or in memory) → a validated `Engine` | decide |
//! | [`reconcile`] | plan vs current issue → the minimal edit and owned notes | call GitLab |
//! | [`digest`] | weekly program digest: select, measure, render Markdown | post anything |
//! | [`programs`] | the programs a team runs (`rules/programs.yaml`) and what counts as each one's success (`rules/outcomes.yaml`) | hard-code a team |
//! | [`loader`] | reads the configuration from a directory or from memory (the set embedded in the binary) | decide anything |
//! | [`yaml`] | YAML with source positions, for located errors | know about any file in particular |
//! | [`customers`] | the customer ledger: account names, the fatigue cap, duplicates | read a store or the clock |
//! | [`clock`] | the injected source of "now" (a trait and a settable test clock) | be read by decisions |

pub mod activity;
pub mod calendar;
pub mod clock;
pub mod customers;
pub mod diagnostics;
pub mod digest;
pub mod loader;
pub mod model;
pub mod programs;
pub mod reconcile;
pub mod rules;
pub mod templates;
pub mod untrusted;
pub mod yaml;
