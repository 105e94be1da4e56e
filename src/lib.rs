//! # wasm-kms
//!
//! A key management service that behaves like AWS KMS: the same operations, request and
//! response shapes, limits, key states and errors, in pure Rust. The same core runs natively
//! (and is tested with `cargo test`) and in WebAssembly, where `src/wasm/` exposes it to
//! JavaScript.
//!
//! ## A short tour of the rooms
//!
//! - [`Kms`] is the service ([`service`]). Build it with a [`Config`], an injected
//!   [`env::Clock`] and [`env::Entropy`], and a [`store::Store`].
//! - Every operation is a row of one table ([`service::Operation`]) and runs through
//!   [`Kms::execute`]: the operation (a function in `ops`, by API group, given the call's
//!   context) validates, resolves its key, asks the one authorization point ([`access`], with
//!   its [`access::Action`]s), checks the key-state table ([`domain::state`]), and returns one
//!   atomic batch of writes ([`store::Batch`]); the pipeline commits it with one audit event
//!   ([`audit`]), whatever the outcome.
//! - Typed methods (`kms.encrypt(...)`) take the request shapes of [`model`]; [`Kms::call`] and
//!   [`Kms::call_json`] take AWS's operation name and any serde input, as bindings need;
//!   [`Kms::call_wire`] answers a request of AWS's JSON 1.1 protocol ([`wire`]). How values look
//!   at those edges (blobs, timestamps, hex) is [`codec`]'s.
//! - Errors are one type, [`KmsError`], mapped to AWS's `__type` names in one place ([`error`]).
//! - Cryptography is [`crypto`]'s: symmetric ciphertexts use the versioned format of
//!   [`crypto::blob`], which binds the key, the key material and the canonical encryption context
//!   ([`domain::context`]).
//! - Durable stores (on disk, IndexedDB, backups) are [`persist`]'s; `src/wasm/` is only the
//!   JavaScript binding.
//!
//! ```
//! use wasm_kms::{Config, Kms, model::*};
//!
//! let mut kms = Kms::new_native(Config::default())?;
//! let key = kms.create_key(CreateKeyRequest::default())?.key_metadata;
//! let dk = kms.generate_data_key(GenerateDataKeyRequest {
//!     key_id: Some(key.key_id),
//!     key_spec: Some("AES_256".into()),
//!     ..Default::default()
//! })?;
//! assert_eq!(dk.plaintext.as_bytes().len(), 32);
//! # Ok::<(), wasm_kms::KmsError>(())
//! ```

pub mod access;
pub mod audit;
pub mod codec;
pub mod crypto;
pub mod domain;
pub mod env;
pub mod error;
pub mod iam;
pub mod model;
mod ops;
pub mod persist;
pub mod service;
pub mod store;
pub mod validate;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use access::default_policy;
pub use error::{Fault, KmsError};
pub use ops::seed::{Seed, SeedKey, SeedReport};
pub use service::{Config, Kms, Operation, Request, Response};
