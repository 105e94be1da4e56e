//! Private-key work a platform may do for the core, offered before the call that needs it.
//!
//! The core is synchronous and pure Rust, and its RSA is slow in WebAssembly (key generation
//! blocks for seconds; decryption runs at a few percent of WebCrypto's rate). A binding that
//! has a faster engine (WebCrypto in browsers and Node) may therefore, before it runs a call:
//!
//! - offer freshly generated key pairs, which CreateKey and GenerateDataKeyPair take instead of
//!   generating their own; and
//! - offer the result of the one key operation the call is about to need (a signature, a
//!   signature check, or an RSA decryption), computed with the key's current material.
//!
//! Offers change nothing about what a call does: it still validates, authorizes, checks key
//! state and usage, and audits exactly as before, and it uses an offered result only if it is
//! for the same material, algorithm and input. Anything else is computed in Rust, so the core
//! stays correct with no binding at all. An offered result is taken by the next call that
//! looks for one, whether it matches or not, so it never outlives that call.

use zeroize::Zeroizing;

use crate::crypto::asym::{AsymKey, AsymSpec, OaepHash, SigningAlgorithm};

/// How many offered key pairs are kept per spec.
const MAX_KEY_PAIRS_PER_SPEC: usize = 4;

/// One precomputed private-key result.
enum Result {
    Signature {
        material: [u8; 32],
        algorithm: SigningAlgorithm,
        message: Zeroizing<Vec<u8>>,
        signature: Vec<u8>,
    },
    Verification {
        material: [u8; 32],
        algorithm: SigningAlgorithm,
        message: Zeroizing<Vec<u8>>,
        signature: Vec<u8>,
        valid: bool,
    },
    Decryption {
        material: [u8; 32],
        hash: OaepHash,
        ciphertext: Vec<u8>,
        /// `None` when the engine could not decrypt the ciphertext.
        plaintext: Option<Zeroizing<Vec<u8>>>,
    },
}

/// Offered key pairs and the offered result of the next call.
#[derive(Default)]
pub struct Offload {
    key_pairs: Vec<AsymKey>,
    result: Option<Result>,
}

impl std::fmt::Debug for Offload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Offload({} key pairs, {})",
            self.key_pairs.len(),
            if self.result.is_some() {
                "a result"
            } else {
                "no result"
            }
        )
    }
}

impl Offload {
    /// Keeps a generated key pair for the next key of its spec. Beyond a few per spec, the
    /// pair is dropped (and its secret zeroized).
    pub fn offer_key_pair(&mut self, key: AsymKey) {
        let spec = key.spec();
        if self.key_pairs.iter().filter(|k| k.spec() == spec).count() < MAX_KEY_PAIRS_PER_SPEC {
            self.key_pairs.push(key);
        }
    }

    /// How many offered key pairs of `spec` are waiting.
    pub fn key_pairs(&self, spec: AsymSpec) -> usize {
        self.key_pairs.iter().filter(|k| k.spec() == spec).count()
    }

    /// An offered key pair of `spec`, if there is one.
    pub fn take_key_pair(&mut self, spec: AsymSpec) -> Option<AsymKey> {
        let at = self.key_pairs.iter().position(|k| k.spec() == spec)?;
        Some(self.key_pairs.swap_remove(at))
    }

    /// Offers the signature the next Sign call will need.
    pub fn offer_signature(
        &mut self,
        material: [u8; 32],
        algorithm: SigningAlgorithm,
        message: &[u8],
        signature: Vec<u8>,
    ) {
        self.result = Some(Result::Signature {
            material,
            algorithm,
            message: Zeroizing::new(message.to_vec()),
            signature,
        });
    }

    /// Offers the verdict the next Verify call will need (checked with the key's public half).
    pub fn offer_verification(
        &mut self,
        material: [u8; 32],
        algorithm: SigningAlgorithm,
        message: &[u8],
        signature: &[u8],
        valid: bool,
    ) {
        self.result = Some(Result::Verification {
            material,
            algorithm,
            message: Zeroizing::new(message.to_vec()),
            signature: signature.to_vec(),
            valid,
        });
    }

    /// Takes the offered result; it is the verdict if it was reached for exactly this material,
    /// algorithm, message and signature.
    pub fn take_verification(
        &mut self,
        for_material: &[u8; 32],
        for_algorithm: SigningAlgorithm,
        for_message: &[u8],
        for_signature: &[u8],
    ) -> Option<bool> {
        match self.result.take()? {
            Result::Verification {
                material,
                algorithm,
                message,
                signature,
                valid,
            } if material == *for_material
                && algorithm == for_algorithm
                && message.as_slice() == for_message
                && signature.as_slice() == for_signature =>
            {
                Some(valid)
            }
            _ => None,
        }
    }

    /// Offers the decryption the next Decrypt call will need (`None`: it did not decrypt).
    pub fn offer_decryption(
        &mut self,
        material: [u8; 32],
        hash: OaepHash,
        ciphertext: &[u8],
        plaintext: Option<Zeroizing<Vec<u8>>>,
    ) {
        self.result = Some(Result::Decryption {
            material,
            hash,
            ciphertext: ciphertext.to_vec(),
            plaintext,
        });
    }

    /// Takes the offered result; it is the signature if it was made for exactly this material,
    /// algorithm and message.
    pub fn take_signature(
        &mut self,
        for_material: &[u8; 32],
        for_algorithm: SigningAlgorithm,
        for_message: &[u8],
    ) -> Option<Vec<u8>> {
        match self.result.take()? {
            Result::Signature {
                material,
                algorithm,
                message,
                signature,
            } if material == *for_material
                && algorithm == for_algorithm
                && message.as_slice() == for_message =>
            {
                Some(signature)
            }
            _ => None,
        }
    }

    /// Takes the offered result; it is the decryption (`Some(None)`: it failed) if it was made
    /// for exactly this material, hash and ciphertext.
    pub fn take_decryption(
        &mut self,
        for_material: &[u8; 32],
        for_hash: OaepHash,
        for_ciphertext: &[u8],
    ) -> Option<Option<Zeroizing<Vec<u8>>>> {
        match self.result.take()? {
            Result::Decryption {
                material,
                hash,
                ciphertext,
                plaintext,
            } if material == *for_material
                && hash == for_hash
                && ciphertext.as_slice() == for_ciphertext =>
            {
                Some(plaintext)
            }
            _ => None,
        }
    }

    /// Drops whatever result is still offered.
    pub fn clear_result(&mut self) {
        self.result = None;
    }
}
