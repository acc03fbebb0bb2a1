//! Support shared by Steward's tests and benchmarks.
