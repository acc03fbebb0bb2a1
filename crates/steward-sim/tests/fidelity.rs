#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! The simulator's fidelity suite: where GitLab is strict or surprising (GITLAB.md §6.4, §6.5),
//! the simulator must be too, and its REST responses must satisfy GitLab's own published v4
//! response schemas (vendored in `tests/fixtures/gitlab-schemas`, see its README).

mod fidelity {
    pub mod events;
    pub mod notes;
    pub mod roles;
    pub mod schema_check;
    pub mod schemas;
    pub mod support;
    pub mod validation;
}
