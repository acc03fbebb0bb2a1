//! Support shared by the in-process tests.

pub mod approvals;
/// The checks behind the fuzz targets, shared with `fuzz/` so a corpus input runs through the
/// same code here as under the fuzzer.
#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
pub mod checks;
pub mod fake_world;
pub mod gitlab;
pub mod rules;
