//! Fuzz target `description_fields`: see `steward_fuzz::description_fields` for the entry points and invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| steward_fuzz::description_fields(data));
