//! The symmetric primitive: AES-256-GCM from RustCrypto's `aes-gcm`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use crate::blob::NONCE_LEN;
use crate::error::{KmsError, Result};

/// 256 bits of key material, zeroized on drop and never printed. The expanded AES-GCM cipher
/// is kept beside the bytes (its round keys are zeroized on drop too), so no call re-expands the
/// key or copies it onto the stack.
#[derive(Clone)]
pub struct SymmetricKey {
    bytes: Zeroizing<[u8; 32]>,
    cipher: Aes256Gcm,
}

impl SymmetricKey {
    /// A key whose bytes `fill` writes in place (from an RNG, or from unwrapped material).
    pub fn generate<E>(fill: impl FnOnce(&mut [u8; 32]) -> Result<(), E>) -> Result<Self, E> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill(&mut bytes)?;
        let cipher = Aes256Gcm::new((&*bytes).into());
        Ok(SymmetricKey { bytes, cipher })
    }

    /// The raw bytes, for wrapping under another key.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Encrypts `plaintext`, returning ciphertext followed by the 16-byte tag.
    pub fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        self.cipher
            .encrypt(
                &Nonce::from(*nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| KmsError::Internal("Encryption failed.".to_owned()))
    }

    /// Decrypts and authenticates `sealed` (ciphertext then tag). The tag comparison inside
    /// `aes-gcm` is constant-time; any failure is the opaque [`KmsError::InvalidCiphertext`].
    pub fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.cipher
            .decrypt(&Nonce::from(*nonce), Payload { msg: sealed, aad })
            .map(Zeroizing::new)
            .map_err(|_| KmsError::InvalidCiphertext)
    }
}

impl std::fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SymmetricKey(...)")
    }
}
