//! The domain's own vocabulary, free of storage and transport: identifiers and ARNs ([`ids`]),
//! key specs, usages, origins and algorithms as enums with AWS's names ([`spec`]), the key-state
//! table ([`state`]), when the clock changes a key by itself ([`schedule`]), and the encryption
//! context with its canonical form ([`context`]).

pub mod context;
pub mod ids;
pub mod schedule;
pub mod spec;
pub mod state;
