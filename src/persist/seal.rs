//! Key material never rests in plaintext: every stored record is sealed with AES-256-GCM under
//! the store key, with the record's name bound as associated data, and the store key itself is
//! stored only wrapped by a root key (a key file, a passphrase, or a non-extractable WebCrypto
//! key in browsers). This is envelope encryption, as KMS itself does it.

use zeroize::Zeroizing;

use crate::crypto::blob::NONCE_LEN;
use crate::crypto::SymmetricKey;
use crate::env::Entropy;
use crate::error::{KmsError, Result};

/// The first bytes of a sealed record.
const RECORD_MAGIC: &[u8; 4] = b"WKR1";
/// The first bytes of a wrapped store key.
const KEYRING_MAGIC: &[u8; 4] = b"WKK1";
/// GCM's tag.
const TAG_LEN: usize = 16;

/// The key that seals every record of one store (256 bits, zeroized on drop, never printed).
#[derive(Clone)]
pub struct StoreKey(SymmetricKey);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(...)")
    }
}

/// The associated data of a record: a domain label and the record's name, length-prefixed.
fn record_aad(name: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + name.len());
    aad.extend_from_slice(b"wasm-kms record v1\0");
    aad.extend_from_slice(&(name.len() as u64).to_be_bytes());
    aad.extend_from_slice(name.as_bytes());
    aad
}

impl StoreKey {
    /// A fresh store key.
    pub fn generate(entropy: &mut dyn Entropy) -> Result<Self> {
        Ok(StoreKey(SymmetricKey::generate(|k| entropy.fill(k))?))
    }

    /// A store key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        Ok(StoreKey(SymmetricKey::generate(|k| {
            k.copy_from_slice(bytes);
            Ok::<_, KmsError>(())
        })?))
    }

    /// The key's bytes, to wrap under a root key.
    pub fn secret_bytes(&self) -> &[u8; 32] {
        self.0.secret_bytes()
    }

    /// Seals the document of record `name`.
    pub fn seal(&self, name: &str, plain: &[u8], entropy: &mut dyn Entropy) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        entropy.fill(&mut nonce)?;
        let sealed = self.0.seal(&nonce, &record_aad(name), plain)?;
        let mut out = Vec::with_capacity(RECORD_MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(RECORD_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`StoreKey::seal`] sealed for record `name`. A record that was changed,
    /// truncated, moved under another name or sealed by another store is refused, by name.
    pub fn open(&self, name: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let bad = |what: &str| KmsError::Storage(format!("stored record `{name}` is {what}"));
        let rest = sealed
            .strip_prefix(RECORD_MAGIC.as_slice())
            .ok_or_else(|| bad("not a sealed wasm-kms record"))?;
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(bad("truncated"));
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| bad("truncated"))?;
        self.0.open(&nonce, &record_aad(name), body).map_err(|_| {
            bad("corrupted, or sealed under another name or by another store (its seal does not verify)")
        })
    }
}

/// How the store key is wrapped at rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKind {
    /// By a 256-bit root key held outside the store (a key file made with mode 0600, or a
    /// non-extractable WebCrypto key).
    KeyFile,
    /// By a key derived from a passphrase with PBKDF2-HMAC-SHA256.
    Passphrase {
        /// The salt, random per store.
        salt: [u8; 16],
        /// The iteration count (at least [`MIN_PBKDF2_ITERATIONS`]).
        iterations: u32,
    },
}

/// The least PBKDF2 iteration count a passphrase store takes (OWASP's figure for SHA-256).
pub const MIN_PBKDF2_ITERATIONS: u32 = 600_000;

/// The most PBKDF2 iterations a passphrase store or backup takes (seconds of work): the count
/// is read from the file, and a damaged or hostile one must not hold the caller for hours.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

impl RootKind {
    fn encode(&self) -> Vec<u8> {
        match self {
            RootKind::KeyFile => vec![0],
            RootKind::Passphrase { salt, iterations } => {
                let mut v = vec![1];
                v.extend_from_slice(salt);
                v.extend_from_slice(&iterations.to_be_bytes());
                v
            }
        }
    }
}

/// The associated data that binds a wrapped store key to how it is wrapped.
fn keyring_aad(kind: &RootKind) -> Vec<u8> {
    let mut aad = b"wasm-kms store key v1\0".to_vec();
    aad.extend_from_slice(&kind.encode());
    aad
}

/// Derives a root key from a passphrase (PBKDF2-HMAC-SHA256, 32 bytes).
pub fn passphrase_root(
    passphrase: &[u8],
    salt: &[u8; 16],
    iterations: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    if iterations < MIN_PBKDF2_ITERATIONS {
        return Err(KmsError::Storage(format!(
            "a passphrase store needs at least {MIN_PBKDF2_ITERATIONS} PBKDF2 iterations"
        )));
    }
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(KmsError::Storage(format!(
            "a passphrase store takes at most {MAX_PBKDF2_ITERATIONS} PBKDF2 iterations, not {iterations}"
        )));
    }
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, iterations, &mut *out);
    Ok(out)
}

/// The store key wrapped under a root key: `WKK1`, the root kind, a nonce and the sealed key.
pub fn wrap_store_key(
    store_key: &StoreKey,
    root: &[u8; 32],
    kind: RootKind,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>> {
    let root = StoreKey::from_bytes(root)?;
    let mut nonce = [0u8; NONCE_LEN];
    entropy.fill(&mut nonce)?;
    let sealed = root
        .0
        .seal(&nonce, &keyring_aad(&kind), store_key.secret_bytes())?;
    let mut out = KEYRING_MAGIC.to_vec();
    out.extend_from_slice(&kind.encode());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// How a wrapped store key says it was wrapped (read before the root key is at hand, to know
/// whether to ask for a passphrase and with which salt).
pub fn keyring_kind(wrapped: &[u8]) -> Result<RootKind> {
    split_keyring(wrapped).map(|(kind, _, _)| kind)
}

fn split_keyring(wrapped: &[u8]) -> Result<(RootKind, [u8; NONCE_LEN], &[u8])> {
    let bad = || KmsError::Storage("the store key file is not a wasm-kms store key".to_owned());
    let rest = wrapped
        .strip_prefix(KEYRING_MAGIC.as_slice())
        .ok_or_else(bad)?;
    let (kind, rest) = match rest.split_first() {
        Some((0, rest)) => (RootKind::KeyFile, rest),
        Some((1, rest)) => {
            if rest.len() < 20 {
                return Err(bad());
            }
            let (salt, rest) = rest.split_at(16);
            let (iters, rest) = rest.split_at(4);
            (
                RootKind::Passphrase {
                    salt: salt.try_into().map_err(|_| bad())?,
                    iterations: u32::from_be_bytes(iters.try_into().map_err(|_| bad())?),
                },
                rest,
            )
        }
        _ => return Err(bad()),
    };
    if rest.len() != NONCE_LEN + 32 + TAG_LEN {
        return Err(bad());
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    Ok((kind, nonce.try_into().map_err(|_| bad())?, body))
}

/// Unwraps the store key with the root key; a wrong root key or passphrase, or a changed file,
/// is refused.
pub fn unwrap_store_key(wrapped: &[u8], root: &[u8; 32]) -> Result<StoreKey> {
    let (kind, nonce, body) = split_keyring(wrapped)?;
    let root = StoreKey::from_bytes(root)?;
    let raw = root.0.open(&nonce, &keyring_aad(&kind), body).map_err(|_| {
        KmsError::Storage(
            "the store key does not open with this root key or passphrase (a wrong key, a wrong passphrase, or a changed file)"
                .to_owned(),
        )
    })?;
    let raw: &[u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| KmsError::Storage("the store key has the wrong length".to_owned()))?;
    StoreKey::from_bytes(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::InsecureTestEntropy;

    #[test]
    fn records_open_only_under_their_own_name_and_key() {
        let mut rng = InsecureTestEntropy::new(1);
        let k = StoreKey::generate(&mut rng).unwrap();
        let sealed = k.seal("key/us-east-1/x", b"{\"v\":1}", &mut rng).unwrap();
        assert_eq!(&*k.open("key/us-east-1/x", &sealed).unwrap(), b"{\"v\":1}");
        let e = k.open("key/us-east-1/y", &sealed).unwrap_err();
        assert!(e.to_string().contains("key/us-east-1/y"), "{e}");
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(k.open("key/us-east-1/x", &flipped).is_err());
        assert!(k.open("key/us-east-1/x", &sealed[..10]).is_err());
        let other = StoreKey::generate(&mut rng).unwrap();
        assert!(other.open("key/us-east-1/x", &sealed).is_err());
    }

    #[test]
    fn the_store_key_unwraps_only_with_its_root() {
        let mut rng = InsecureTestEntropy::new(2);
        let k = StoreKey::generate(&mut rng).unwrap();
        let root = [7u8; 32];
        let wrapped = wrap_store_key(&k, &root, RootKind::KeyFile, &mut rng).unwrap();
        assert_eq!(keyring_kind(&wrapped).unwrap(), RootKind::KeyFile);
        let back = unwrap_store_key(&wrapped, &root).unwrap();
        assert_eq!(back.secret_bytes(), k.secret_bytes());
        assert!(unwrap_store_key(&wrapped, &[8u8; 32]).is_err());
        // The kind is bound: relabelling a key-file keyring as a passphrase one fails.
        let mut relabelled = wrapped.clone();
        relabelled[4] = 1;
        assert!(unwrap_store_key(&relabelled, &root).is_err());
        assert!(format!("{k:?}") == "StoreKey(...)");
    }
}
