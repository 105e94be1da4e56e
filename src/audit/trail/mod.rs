//! The audit trail's integrity chain, queries and export, in the manner of CloudTrail's log
//! file integrity validation.
//!
//! Every audit event (a CloudTrail-shaped record, kept as a [`serde_json::Value`] so that stored
//! and possibly tampered events can be checked) is kept beside a [`Link`]: its sequence number,
//! the hash of the event before it and its own hash. The hashes form a chain from [`GENESIS`].
//! Every [`DIGEST_EVERY`] events, and on demand, the [`Chain`] writes a digest record (like a
//! CloudTrail digest file) that names the last event's hash and the previous digest's hash, and
//! is signed with HMAC-SHA256 under a key derived from a secret.
//!
//! [`verify`] walks stored events and digests and says exactly which event was edited, removed,
//! inserted or reordered, and which digest is forged or missing.
//!
//! ## Limits
//!
//! The event chain uses plain SHA-256: whoever can write the store can rewrite the chain's tail
//! consistently. Only signed digests and a chain head kept elsewhere anchor it. So, as with
//! CloudTrail, removing (or rewriting) the events after the last digest cannot be detected from
//! the stored data alone; pass the current chain head ([`Chain::head`]) to [`verify`] as
//! `expected_head` to catch that too. Likewise removing the newest digest (and nothing else)
//! cannot be seen without a record of it.
//!
//! [`Query`] selects events by key, operation, principal and time range, and [`export`] writes
//! them in CloudTrail's log file shape, `{"Records": [...]}`.

mod chain;
mod query;
#[cfg(test)]
mod tests;
mod verify;

pub use chain::*;
pub use query::*;
pub use verify::*;
