//! Fuzz target `signature`: see `steward_fuzz::signature` for the entry points and invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| steward_fuzz::signature(data));
