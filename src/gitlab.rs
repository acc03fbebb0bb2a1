//! Everything that speaks GitLab's language: webhook payloads, the REST/GraphQL client and the
//! `GitLab` trait of domain operations. GitLab's wire types stay inside this module.

pub mod payload;
