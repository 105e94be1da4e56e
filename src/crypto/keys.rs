//! The symmetric primitive: AES-256-GCM from RustCrypto's `aes-gcm`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use crate::crypto::asym::AsymKey;
use crate::crypto::blob::NONCE_LEN;
use crate::domain::spec::{KeySpec, MacAlgorithm};
use crate::error::{KmsError, Result};

/// 256 bits of key material, held as its bytes (zeroized on drop) and, from its first use, as
/// the expanded AES-GCM cipher (whose round keys are zeroized on drop), so no later call
/// re-expands the key and a store that loads thousands of keys expands none of them. Never
/// printed.
#[derive(Clone)]
pub struct SymmetricKey {
    cipher: std::cell::OnceCell<Aes256Gcm>,
    bytes: Zeroizing<[u8; 32]>,
}

impl SymmetricKey {
    /// A key whose bytes `fill` writes in place (from an RNG, or from unwrapped material); the
    /// buffer is wiped as soon as the cipher is made from it.
    pub fn generate<E>(fill: impl FnOnce(&mut [u8; 32]) -> Result<(), E>) -> Result<Self, E> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill(&mut bytes)?;
        Ok(SymmetricKey {
            cipher: std::cell::OnceCell::new(),
            bytes,
        })
    }

    fn cipher(&self) -> &Aes256Gcm {
        self.cipher
            .get_or_init(|| Aes256Gcm::new((&*self.bytes).into()))
    }

    /// The key's bytes, for sealing at rest (never for output).
    pub(crate) fn secret_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Encrypts `plaintext`, returning ciphertext followed by the 16-byte tag.
    pub fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        self.cipher()
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
        self.cipher()
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

/// Every HMAC hash.
const MACS: [MacHash; 4] = [
    MacHash::Sha224,
    MacHash::Sha256,
    MacHash::Sha384,
    MacHash::Sha512,
];

/// The hash of an HMAC key spec (HMAC_224, HMAC_256, HMAC_384, HMAC_512).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacHash {
    /// SHA-224, a 28-byte key and tag.
    Sha224,
    /// SHA-256, a 32-byte key and tag.
    Sha256,
    /// SHA-384, a 48-byte key and tag.
    Sha384,
    /// SHA-512, a 64-byte key and tag.
    Sha512,
}

impl MacHash {
    /// The hash of an HMAC key spec, or of a MAC algorithm (`HMAC_SHA_256`), by AWS's name.
    pub fn parse(name: &str) -> Option<MacHash> {
        match KeySpec::parse(name) {
            Some(spec) => MacHash::from_key_spec(spec),
            None => MacAlgorithm::parse(name).map(MacHash::from_algorithm),
        }
    }

    /// The hash of an HMAC key spec.
    pub fn from_key_spec(spec: KeySpec) -> Option<MacHash> {
        MACS.into_iter().find(|h| h.key_spec() == spec)
    }

    /// The hash of a MAC algorithm.
    pub fn from_algorithm(algorithm: MacAlgorithm) -> MacHash {
        match algorithm {
            MacAlgorithm::HmacSha224 => MacHash::Sha224,
            MacAlgorithm::HmacSha256 => MacHash::Sha256,
            MacAlgorithm::HmacSha384 => MacHash::Sha384,
            MacAlgorithm::HmacSha512 => MacHash::Sha512,
        }
    }

    /// The key spec of an HMAC key with this hash (`HMAC_256`).
    pub fn key_spec(self) -> KeySpec {
        match self {
            MacHash::Sha224 => KeySpec::Hmac224,
            MacHash::Sha256 => KeySpec::Hmac256,
            MacHash::Sha384 => KeySpec::Hmac384,
            MacHash::Sha512 => KeySpec::Hmac512,
        }
    }

    /// The MAC algorithm AWS names for this hash (`HMAC_SHA_256`).
    pub fn algorithm(self) -> MacAlgorithm {
        match self {
            MacHash::Sha224 => MacAlgorithm::HmacSha224,
            MacHash::Sha256 => MacAlgorithm::HmacSha256,
            MacHash::Sha384 => MacAlgorithm::HmacSha384,
            MacHash::Sha512 => MacAlgorithm::HmacSha512,
        }
    }

    /// The shortest and longest key material AWS imports for this spec, in bytes.
    pub fn import_lengths(self) -> (usize, usize) {
        match self {
            MacHash::Sha224 => (28, 64),
            MacHash::Sha256 => (32, 64),
            MacHash::Sha384 => (48, 128),
            MacHash::Sha512 => (64, 128),
        }
    }

    /// The length of the key KMS generates for this spec (the hash's output length).
    pub fn key_len(self) -> usize {
        match self {
            MacHash::Sha224 => 28,
            MacHash::Sha256 => 32,
            MacHash::Sha384 => 48,
            MacHash::Sha512 => 64,
        }
    }
}

/// HMAC key material, zeroized on drop and never printed.
#[derive(Clone)]
pub struct HmacKey {
    bytes: Zeroizing<Vec<u8>>,
    hash: MacHash,
}

macro_rules! hmac_with {
    ($hash:expr, $key:expr, |$mac:ident| $body:expr) => {{
        use hmac::{Hmac, KeyInit as _, Mac as _};
        match $hash {
            MacHash::Sha224 => Hmac::<sha2::Sha224>::new_from_slice($key)
                .ok()
                .map(|mut $mac| $body),
            MacHash::Sha256 => Hmac::<sha2::Sha256>::new_from_slice($key)
                .ok()
                .map(|mut $mac| $body),
            MacHash::Sha384 => Hmac::<sha2::Sha384>::new_from_slice($key)
                .ok()
                .map(|mut $mac| $body),
            MacHash::Sha512 => Hmac::<sha2::Sha512>::new_from_slice($key)
                .ok()
                .map(|mut $mac| $body),
        }
    }};
}

impl HmacKey {
    /// A key of `hash`'s spec whose bytes `fill` writes in place.
    pub fn generate<E>(
        hash: MacHash,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
    ) -> Result<Self, E> {
        let mut bytes = Zeroizing::new(vec![0u8; hash.key_len()]);
        fill(&mut bytes)?;
        Ok(HmacKey { bytes, hash })
    }

    /// A key of `hash`'s spec with imported `bytes` (whose length the caller has checked).
    pub fn from_bytes(hash: MacHash, bytes: &[u8]) -> Self {
        HmacKey {
            bytes: Zeroizing::new(bytes.to_vec()),
            hash,
        }
    }

    /// The hash this key is for.
    pub fn hash(&self) -> MacHash {
        self.hash
    }

    /// The key's bytes, for sealing at rest (never for output).
    pub(crate) fn secret_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The RFC 2104 HMAC of `message`.
    pub fn mac(&self, message: &[u8]) -> Result<Vec<u8>> {
        hmac_with!(self.hash, &self.bytes, |m| {
            m.update(message);
            m.finalize().into_bytes().to_vec()
        })
        .ok_or_else(|| KmsError::Internal("The MAC could not be computed.".to_owned()))
    }

    /// Whether `tag` is the HMAC of `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        hmac_with!(self.hash, &self.bytes, |m| {
            m.update(message);
            m.verify_slice(tag).is_ok()
        })
        .unwrap_or(false)
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacKey({:?}, ...)", self.hash)
    }
}

/// The secret of one generation of a key's material.
#[derive(Clone, Debug)]
pub enum Secret {
    /// AES-256, for SYMMETRIC_DEFAULT keys (boxed: it holds the expanded cipher).
    Aes(Box<SymmetricKey>),
    /// An HMAC key, for HMAC_* keys.
    Hmac(HmacKey),
    /// A private key, for RSA, ECC and Ed25519 keys (boxed: the ECC keys carry their public
    /// point).
    Asym(Box<AsymKey>),
}

impl From<SymmetricKey> for Secret {
    fn from(key: SymmetricKey) -> Self {
        Secret::Aes(Box::new(key))
    }
}

impl Secret {
    /// The AES key, for encryption; an internal error for any other secret (the key-usage
    /// checks come first, so this is never reached with one).
    pub fn aes(&self) -> Result<&SymmetricKey> {
        match self {
            Secret::Aes(k) => Ok(&**k),
            _ => Err(KmsError::Internal("Not an encryption key.".to_owned())),
        }
    }

    /// The HMAC key, for GenerateMac and VerifyMac.
    pub fn hmac(&self) -> Result<&HmacKey> {
        match self {
            Secret::Hmac(k) => Ok(k),
            _ => Err(KmsError::Internal("Not an HMAC key.".to_owned())),
        }
    }

    /// The private key, for the asymmetric operations.
    pub fn asym(&self) -> Result<&AsymKey> {
        match self {
            Secret::Asym(k) => Ok(&**k),
            _ => Err(KmsError::Internal("Not an asymmetric key.".to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hash: MacHash, bytes: &[u8]) -> HmacKey {
        HmacKey {
            bytes: Zeroizing::new(bytes.to_vec()),
            hash,
        }
    }

    /// RFC 4231 test case 2 ("Jefe", "what do ya want for nothing?").
    #[test]
    fn hmac_matches_rfc_4231() {
        let msg = b"what do ya want for nothing?";
        let cases = [
            (MacHash::Sha224, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"),
            (MacHash::Sha256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (MacHash::Sha384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"),
            (MacHash::Sha512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        ];
        for (hash, expected) in cases {
            let k = key(hash, b"Jefe");
            let tag = k.mac(msg).unwrap_or_default();
            assert_eq!(crate::codec::hex::encode(&tag), expected, "{hash:?}");
            assert!(k.verify(msg, &tag));
            let mut bad = tag.clone();
            bad[0] ^= 1;
            assert!(!k.verify(msg, &bad));
            assert!(!k.verify(msg, &tag[..tag.len() - 1]));
        }
    }
}
