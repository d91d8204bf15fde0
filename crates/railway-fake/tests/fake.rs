//! Integration tests of the fake Railway server, over HTTP as a client sees it.
//!
//! One binary; each module covers one concern. `support` has the seed's fixed ids and tokens
//! and one helper per way of talking to the fake.

#![allow(clippy::unwrap_used)]

mod fake {
    pub mod auth;
    pub mod binary;
    pub mod chaos;
    pub mod control;
    pub mod deploys;
    pub mod faults;
    pub mod gone;
    pub mod graphql;
    pub mod lifecycle;
    pub mod mutations;
    pub mod picker;
    pub mod queries;
    pub mod rate_limit;
    pub mod schema_subset;
    pub mod snapshots;
    pub mod support;
    pub mod variables;
}
