//! In-process integration tests: rules, templates, digests, the GitLab client against a mock
//! server, webhook payloads, schedules, the simulator, and the service end to end through the
//! harness. One test binary (each former test file is a module), so the crate links once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod backtest_due_dates;
mod backtest_lead_time;
mod backtest_scale;
mod backtest_state;
mod comments_acknowledgement;
mod comments_length;
mod comments_untrusted;
mod digest_outcomes;
mod digest_post;
mod digest_programs;
mod digest_render;
mod digest_rollup;
mod digest_untrusted;
mod e2e_clock_skew;
mod e2e_customers;
mod e2e_digest;
mod e2e_rollup;
mod e2e_service;
mod e2e_stale;
mod e2e_sweep;
mod e2e_untrusted;
mod e2e_work_items;
mod fuzz_regressions;
mod gitlab_auth;
mod gitlab_client;
mod gitlab_client_keyset;
mod gitlab_client_notes;
mod gitlab_client_transport;
mod gitlab_metrics;
mod issue_sync;
mod jobs_legacy_rows;
mod jobs_runner;
mod labels_apply;
mod payload_decode;
mod rules_clocks;
mod rules_engine;
mod rules_eval;
mod rules_load;
mod schedule_scheduler;
mod schedule_slots;
mod shipped_embedded;
mod sim_api;
mod sim_version;
mod sim_webhooks;
mod sim_work_items;
mod status_page;
mod sweep_paging;
mod templates_loading;
mod templates_parsing;
mod templates_recognition;
mod templates_requests;
mod templates_shipped;
mod templates_synonyms;
