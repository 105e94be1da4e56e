//! The operations, grouped as AWS's API reference groups them. Each is a method on
//! [`crate::Kms`] that reads through the store, asks the service's authorization point, and
//! returns its output with one batch of writes.

mod aliases;
mod asymmetric;
pub(crate) mod crypto;
pub(crate) mod import;
pub mod keys;
pub(crate) mod lifecycle;
mod mac;
mod managed;
mod multi_region;
pub mod seed;
