//! The customer ledger's rows, shared by both backends: an ask is stored as its JSON record
//! (the columns beside it are what it is looked up by), so both backends read exactly what the
//! other wrote. The SQL is each backend's (`sqlite/ledger.rs`, `postgres/ledger.rs`).
//!
//! No decisions: the ledger is decided in `steward_core::customers`.

use steward_core::customers::Ask;

use super::StoreError;

/// An ask as the `record` column holds it.
pub(crate) fn encode(ask: &Ask) -> Result<String, StoreError> {
    serde_json::to_string(ask).map_err(|e| StoreError::Corrupt(format!("customer ask: {e}")))
}

/// An ask read back from the `record` column.
pub(crate) fn decode(text: &str) -> Result<Ask, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("customer ask: {e}")))
}
