//! The domain's own vocabulary, free of storage and transport: identifiers and ARNs ([`ids`]),
//! the key-state table ([`state`]), when the clock changes a key by itself ([`schedule`]), and the
//! encryption context with its canonical form ([`context`]).

pub mod context;
pub mod ids;
pub mod schedule;
pub mod state;
