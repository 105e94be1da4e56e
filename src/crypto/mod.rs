//! Cryptography: the symmetric and HMAC keys ([`keys`]), asymmetric keys ([`asym`]), the
//! ciphertext blob that binds key, material and encryption context ([`blob`]), the wrapping of
//! imported material ([`wrap`]), and results a faster engine (WebCrypto) computed ahead for the
//! core ([`offload`]). Every primitive comes from RustCrypto's crates; nothing here touches the
//! store, the clock or the caller.

pub mod asym;
pub mod blob;
pub mod keys;
pub mod offload;
pub mod wrap;

pub use keys::{HmacKey, MacHash, Secret, SymmetricKey};
