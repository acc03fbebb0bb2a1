//! Fuzz target `webhook_payload`: see `steward_fuzz::webhook_payload` for the entry points and invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| steward_fuzz::webhook_payload(data));
