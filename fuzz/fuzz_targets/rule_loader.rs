//! Fuzz target `rule_loader`: see `steward_fuzz::rule_loader` for the entry points and invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| steward_fuzz::rule_loader(data));
