//! Wrapping keys for imported key material: RSA key pairs whose public half a caller uses to
//! wrap material outside KMS, and the unwrapping of what they send (RSAES-OAEP with SHA-1 or
//! SHA-256, and RSA-AES key wrap: RSA-OAEP of an AES key followed by AES-KWP, RFC 5649, of the
//! material).

use std::fmt;

use aes_kw::aes::Aes256;
use aes_kw::{AesKwp, KeyInit};
use rsa::pkcs8::EncodePublicKey;
use rsa::{Oaep, PrivateKey, PublicKey};
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::domain::spec::WrappingAlgorithmSpec;
use crate::env::Entropy;
use crate::error::KmsError;

/// How the caller wrapped the material (`WrappingAlgorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrappingAlgorithm {
    /// RSAES-OAEP, SHA-1 for the hash and MGF1.
    OaepSha1,
    /// RSAES-OAEP, SHA-256 for the hash and MGF1.
    OaepSha256,
    /// RSA-OAEP (SHA-1) of an AES-256 key, then AES-KWP of the material under it.
    AesKeyWrapSha1,
    /// RSA-OAEP (SHA-256) of an AES-256 key, then AES-KWP of the material under it.
    AesKeyWrapSha256,
}

impl WrappingAlgorithm {
    /// The AWS algorithm this is.
    pub fn spec(self) -> WrappingAlgorithmSpec {
        match self {
            WrappingAlgorithm::OaepSha1 => WrappingAlgorithmSpec::RsaesOaepSha1,
            WrappingAlgorithm::OaepSha256 => WrappingAlgorithmSpec::RsaesOaepSha256,
            WrappingAlgorithm::AesKeyWrapSha1 => WrappingAlgorithmSpec::RsaAesKeyWrapSha1,
            WrappingAlgorithm::AesKeyWrapSha256 => WrappingAlgorithmSpec::RsaAesKeyWrapSha256,
        }
    }

    /// The algorithm `spec` is, if wasm-kms supports it.
    pub fn from_spec(spec: WrappingAlgorithmSpec) -> Option<Self> {
        [
            WrappingAlgorithm::OaepSha1,
            WrappingAlgorithm::OaepSha256,
            WrappingAlgorithm::AesKeyWrapSha1,
            WrappingAlgorithm::AesKeyWrapSha256,
        ]
        .into_iter()
        .find(|a| a.spec() == spec)
    }

    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        self.spec().as_str()
    }

    /// The algorithm AWS names `name`, if wasm-kms supports it.
    pub fn parse(name: &str) -> Option<Self> {
        WrappingAlgorithmSpec::parse(name).and_then(WrappingAlgorithm::from_spec)
    }
}

/// The error of an [`Entropy`] source, as `rand_core` wants one.
#[derive(Debug)]
pub struct EntropyError;

impl fmt::Display for EntropyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the random number generator is unavailable")
    }
}

impl std::error::Error for EntropyError {}

/// An [`Entropy`] source as the `rand_core` RNG that the `rsa` crate takes.
pub struct EntropyRng<'a, E: Entropy + ?Sized>(pub &'a mut E);

impl<E: Entropy + ?Sized> rand_core::TryRng for EntropyRng<'_, E> {
    type Error = EntropyError;

    fn try_next_u32(&mut self) -> Result<u32, EntropyError> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, EntropyError> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), EntropyError> {
        self.0.fill(dst).map_err(|_| EntropyError)
    }
}

impl<E: Entropy + ?Sized> rand_core::TryCryptoRng for EntropyRng<'_, E> {}

/// A new RSA wrapping key pair of `bits` (2048, 3072 or 4096).
pub fn generate(entropy: &mut (impl Entropy + ?Sized), bits: usize) -> Option<PrivateKey> {
    PrivateKey::new(&mut EntropyRng(entropy), bits).ok()
}

/// The DER SubjectPublicKeyInfo of a wrapping key's public half.
pub fn public_key_der(key: &PrivateKey) -> Option<Vec<u8>> {
    PublicKey::from(key)
        .to_public_key_der()
        .ok()
        .map(|d| d.as_bytes().to_vec())
}

/// RSAES-OAEP decryption, blinded: `Ok(None)` if it does not decrypt, an error only if the
/// randomness for blinding is unavailable.
fn oaep_decrypt(
    key: &PrivateKey,
    sha256: bool,
    entropy: &mut (impl Entropy + ?Sized),
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, KmsError> {
    let mut rng = EntropyRng(entropy);
    let plain = if sha256 {
        key.decrypt_blinded(&mut rng, Oaep::<Sha256>::new(), ciphertext)
    } else {
        key.decrypt_blinded(&mut rng, Oaep::<Sha1>::new(), ciphertext)
    };
    match plain {
        Ok(p) => Ok(Some(Zeroizing::new(p))),
        Err(rsa::Error::Rng) => Err(KmsError::Internal(
            "The random number generator is unavailable.".to_owned(),
        )),
        Err(_) => Ok(None),
    }
}

/// AES-KWP (RFC 5649) unwrapping of `wrapped` under a 256-bit `aes_key`.
fn kwp_unwrap(aes_key: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let aes_key: &[u8; 32] = aes_key.try_into().ok()?;
    let kwp = AesKwp::<Aes256>::new(aes_key.into());
    let mut buf = Zeroizing::new(vec![0u8; wrapped.len()]);
    let len = kwp.unwrap_key(wrapped, &mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

/// Unwraps material the caller wrapped with `algorithm` under `key`'s public half. `Ok(None)`
/// for anything that does not unwrap (the caller turns that into InvalidCiphertextException);
/// an error only if the randomness for blinding is unavailable. RSA decryption is blinded with
/// fresh randomness (see the README on RUSTSEC-2023-0071).
pub fn unwrap(
    key: &PrivateKey,
    algorithm: WrappingAlgorithm,
    entropy: &mut (impl Entropy + ?Sized),
    wrapped: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, KmsError> {
    use rsa::traits::PublicKeyParts;
    match algorithm {
        WrappingAlgorithm::OaepSha1 => oaep_decrypt(key, false, entropy, wrapped),
        WrappingAlgorithm::OaepSha256 => oaep_decrypt(key, true, entropy, wrapped),
        WrappingAlgorithm::AesKeyWrapSha1 | WrappingAlgorithm::AesKeyWrapSha256 => {
            let sha256 = algorithm == WrappingAlgorithm::AesKeyWrapSha256;
            let Some((rsa_part, kwp_part)) = wrapped.split_at_checked(key.size()) else {
                return Ok(None);
            };
            let Some(aes_key) = oaep_decrypt(key, sha256, entropy, rsa_part)? else {
                return Ok(None);
            };
            Ok(kwp_unwrap(&aes_key, kwp_part))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::InsecureTestEntropy;
    use rsa::traits::PublicKeyParts;

    #[test]
    fn every_algorithm_unwraps_what_its_public_key_wrapped() {
        let mut rng = InsecureTestEntropy::new(1);
        let key = generate(&mut rng, 2048).unwrap_or_else(|| unreachable!("keygen"));
        let public = PublicKey::from(&key);
        let material = [7u8; 32];
        let mut r = EntropyRng(&mut rng);
        let wrapped_1 = public
            .encrypt(&mut r, Oaep::<Sha1>::new(), &material)
            .unwrap_or_default();
        let wrapped_256 = public
            .encrypt(&mut r, Oaep::<Sha256>::new(), &material)
            .unwrap_or_default();
        let aes_key = [9u8; 32];
        let mut kwp_out = vec![0u8; 48];
        let kwp = AesKwp::<Aes256>::new((&aes_key).into());
        let kwp_len = kwp
            .wrap_key(&material, &mut kwp_out)
            .map(|w| w.len())
            .unwrap_or(0);
        kwp_out.truncate(kwp_len);
        let rsa_aes = |sha256: bool, r: &mut EntropyRng<'_, InsecureTestEntropy>| {
            let head = if sha256 {
                public.encrypt(r, Oaep::<Sha256>::new(), &aes_key)
            } else {
                public.encrypt(r, Oaep::<Sha1>::new(), &aes_key)
            };
            [head.unwrap_or_default(), kwp_out.clone()].concat()
        };
        let cases = [
            (WrappingAlgorithm::OaepSha1, wrapped_1.clone()),
            (WrappingAlgorithm::OaepSha256, wrapped_256),
            (WrappingAlgorithm::AesKeyWrapSha1, rsa_aes(false, &mut r)),
            (WrappingAlgorithm::AesKeyWrapSha256, rsa_aes(true, &mut r)),
        ];
        for (alg, wrapped) in cases {
            let got = unwrap(&key, alg, &mut rng, &wrapped)
                .ok()
                .flatten()
                .map(|m| m.to_vec());
            assert_eq!(got.as_deref(), Some(&material[..]), "{alg:?}");
        }
        // The wrong algorithm, or tampering, does not unwrap.
        assert!(matches!(
            unwrap(&key, WrappingAlgorithm::OaepSha256, &mut rng, &wrapped_1),
            Ok(None)
        ));
        let mut bad = wrapped_1;
        bad[10] ^= 1;
        assert!(matches!(
            unwrap(&key, WrappingAlgorithm::OaepSha1, &mut rng, &bad),
            Ok(None)
        ));
        assert!(matches!(
            unwrap(
                &key,
                WrappingAlgorithm::AesKeyWrapSha1,
                &mut rng,
                &[1, 2, 3]
            ),
            Ok(None)
        ));
        assert_eq!(key.size(), 256);
        assert!(public_key_der(&key).is_some_and(|d| d.len() > 256));
    }
}
