//! Native integration tests of every implemented operation, through the typed API and through
//! `call_json` (AWS's JSON wire format), against the behaviour recorded in
//! `shared/reference/aws-kms.md` and `aws-error-messages.json`.
//!
//! One test binary (one link of the crate) with one module per API area, in the groups of
//! `src/ops/`; the fixtures and assertions the areas share are in `support`.
// Test code, helpers included: a failed unwrap or index is a failed test.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../common/mod.rs"]
mod common;
mod support;

mod aliases;
mod asymmetric;
mod audit;
mod crypto;
mod explain;
mod grants;
mod iam;
mod key_ids;
mod keys;
mod policy;
mod service;
mod tags;
mod wire;

// Areas that were binaries of their own, each with its own fixture.
mod accounts;
mod import;
mod lifecycle;
mod mac;
mod managed;
mod multi_region;
