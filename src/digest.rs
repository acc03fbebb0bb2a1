//! Weekly digest.
