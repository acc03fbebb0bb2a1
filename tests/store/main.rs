//! The store: the contract every backend honours (SQLite and PostgreSQL), opening and
//! upgrading databases, and SQLite's durability when the writer is killed. One test binary
//! (each former test file is a module), so the crate links once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod store_contract;
mod store_open;
mod store_sqlite_durability;
mod store_upgrade;
