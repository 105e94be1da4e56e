//! A benchmark baseline: plain AES-256-GCM from the same `aes-gcm` crate, in the same module,
//! so `bench/` can compare a KMS operation with the bare cipher under identical conditions.
//! Only in builds with the `bench` feature (`.ci/build.sh bench`, into `bench/pkg/`): the
//! release module of `pkg/` does not have it.

use wasm_bindgen::prelude::*;

use crate::crypto::SymmetricKey;
use crate::env::{Entropy, OsEntropy};

/// Plain AES-256-GCM under a random key, with a fresh random nonce per call (as Encrypt does).
/// For benchmarks only: it binds no key ID, no context and no header.
#[wasm_bindgen(js_name = BenchAesGcm)]
pub struct BenchAesGcm {
    key: SymmetricKey,
}

#[wasm_bindgen(js_class = BenchAesGcm)]
impl BenchAesGcm {
    /// A cipher under a fresh random key.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<BenchAesGcm, JsError> {
        let key = SymmetricKey::generate(|k| OsEntropy.fill(k))
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(BenchAesGcm { key })
    }

    /// Encrypts `plaintext`, returning ciphertext and tag.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, JsError> {
        let mut nonce = [0u8; 12];
        OsEntropy
            .fill(&mut nonce)
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.key
            .seal(&nonce, b"", plaintext)
            .map_err(|e| JsError::new(&e.to_string()))
    }
}
