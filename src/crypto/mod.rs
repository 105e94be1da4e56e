//! Cryptography: the symmetric and HMAC keys ([`keys`]), asymmetric keys ([`asym`]), the
//! ciphertext blob that binds key, material and encryption context ([`blob`]), the wrapping of
//! imported material ([`wrap`]), what a faster engine (WebCrypto) could do before a call ([`plan`]),
//! and the results it computed ahead for the
//! core ([`offload`]). Every primitive comes from RustCrypto's crates; nothing here touches the
//! store, the clock or the caller.

pub mod asym;
pub mod blob;
pub mod keys;
pub mod offload;
pub mod plan;
pub mod wrap;

pub use keys::{HmacKey, MacHash, Secret, SymmetricKey};
