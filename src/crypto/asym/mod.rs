//! Asymmetric keys: RSA (RustCrypto `rsa`), ECDSA and ECDH on the NIST curves and secp256k1
//! (RustCrypto `p256`, `p384`, `p521`, `k256`), and Ed25519 (`ed25519-dalek`).
//!
//! Everything here is the real algorithm with the encodings AWS KMS uses, so that OpenSSL and
//! WebCrypto accept what it produces: DER SubjectPublicKeyInfo public keys, DER PKCS#8 private
//! keys, RSAES-OAEP with the same hash for OAEP and MGF1 and an empty label, RSASSA-PSS with a
//! salt as long as the hash, PKCS#1 v1.5 signatures over the DigestInfo, DER `SEQUENCE{r, s}`
//! ECDSA signatures, 64-byte Ed25519 signatures, and the raw x-coordinate as the ECDH secret.

use std::fmt;

use rsa::traits::PublicKeyParts as _;
use rsa::{Oaep, Pkcs1v15Sign, Pss};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::crypto::wrap::EntropyRng;
use crate::domain::spec::{AwsEnum, EncryptionAlgorithm, KeySpec, SigningAlgorithmSpec};
use crate::env::Entropy;
use crate::error::{KmsError, Result};

/// An asymmetric key spec (the same names serve as KeySpec and as KeyPairSpec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsymSpec {
    /// RSA with a 2048-bit modulus.
    Rsa2048,
    /// RSA with a 3072-bit modulus.
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    Rsa4096,
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// SECG secp256k1.
    Secp256k1,
    /// Ed25519 (`ECC_NIST_EDWARDS25519`).
    Ed25519,
}

const SPECS: [AsymSpec; 8] = [
    AsymSpec::Rsa2048,
    AsymSpec::Rsa3072,
    AsymSpec::Rsa4096,
    AsymSpec::P256,
    AsymSpec::P384,
    AsymSpec::P521,
    AsymSpec::Secp256k1,
    AsymSpec::Ed25519,
];

impl AsymSpec {
    /// The key spec this is.
    pub fn key_spec(self) -> KeySpec {
        match self {
            AsymSpec::Rsa2048 => KeySpec::Rsa2048,
            AsymSpec::Rsa3072 => KeySpec::Rsa3072,
            AsymSpec::Rsa4096 => KeySpec::Rsa4096,
            AsymSpec::P256 => KeySpec::EccNistP256,
            AsymSpec::P384 => KeySpec::EccNistP384,
            AsymSpec::P521 => KeySpec::EccNistP521,
            AsymSpec::Secp256k1 => KeySpec::EccSecgP256k1,
            AsymSpec::Ed25519 => KeySpec::EccNistEdwards25519,
        }
    }

    /// The asymmetric spec `spec` is, if wasm-kms implements it.
    pub fn from_key_spec(spec: KeySpec) -> Option<AsymSpec> {
        SPECS.into_iter().find(|s| s.key_spec() == spec)
    }

    /// AWS's name for the spec.
    pub fn as_str(self) -> &'static str {
        self.key_spec().as_str()
    }

    /// The spec AWS names `name`, if wasm-kms implements it.
    pub fn parse(name: &str) -> Option<AsymSpec> {
        KeySpec::parse(name).and_then(AsymSpec::from_key_spec)
    }

    /// The modulus size in bits of an RSA spec.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            AsymSpec::Rsa2048 => Some(2048),
            AsymSpec::Rsa3072 => Some(3072),
            AsymSpec::Rsa4096 => Some(4096),
            _ => None,
        }
    }

    /// The signing algorithms a SIGN_VERIFY key of this spec offers, in AWS's order.
    pub fn signing_algorithms(self) -> &'static [SigningAlgorithm] {
        use SigningAlgorithm::*;
        match self {
            AsymSpec::Rsa2048 | AsymSpec::Rsa3072 | AsymSpec::Rsa4096 => &[
                Pkcs1Sha256,
                Pkcs1Sha384,
                Pkcs1Sha512,
                PssSha256,
                PssSha384,
                PssSha512,
            ],
            AsymSpec::P256 | AsymSpec::Secp256k1 => &[EcdsaSha256],
            AsymSpec::P384 => &[EcdsaSha384],
            AsymSpec::P521 => &[EcdsaSha512],
            AsymSpec::Ed25519 => &[Ed25519Sha512, Ed25519PhSha512],
        }
    }

    /// The encryption algorithms an ENCRYPT_DECRYPT key of this spec offers.
    pub fn encryption_algorithms(self) -> &'static [OaepHash] {
        match self.rsa_bits() {
            Some(_) => &[OaepHash::Sha1, OaepHash::Sha256],
            None => &[],
        }
    }

    /// Whether a KEY_AGREEMENT key of this spec can do ECDH.
    pub fn agrees_keys(self) -> bool {
        matches!(self, AsymSpec::P256 | AsymSpec::P384 | AsymSpec::P521)
    }
}

/// A SHA-2 hash used by a signing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The digest length in bytes.
    pub fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// Never true: a digest has a length. (Here for clippy's `len_without_is_empty`.)
    pub fn is_empty(self) -> bool {
        false
    }

    /// The digest of `message`.
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha384 => Sha384::digest(message).to_vec(),
            Hash::Sha512 => Sha512::digest(message).to_vec(),
        }
    }
}

/// A signing algorithm (`SigningAlgorithmSpec`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PSS, SHA-256, MGF1 with SHA-256, 32-byte salt.
    PssSha256,
    /// RSASSA-PSS, SHA-384, MGF1 with SHA-384, 48-byte salt.
    PssSha384,
    /// RSASSA-PSS, SHA-512, MGF1 with SHA-512, 64-byte salt.
    PssSha512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Pkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Pkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Pkcs1Sha512,
    /// ECDSA with SHA-256.
    EcdsaSha256,
    /// ECDSA with SHA-384.
    EcdsaSha384,
    /// ECDSA with SHA-512.
    EcdsaSha512,
    /// Ed25519 (PureEdDSA, RFC 8032), over the message itself.
    Ed25519Sha512,
    /// Ed25519ph (HashEdDSA, RFC 8032), over a SHA-512 digest of the message.
    Ed25519PhSha512,
}

/// Every signing algorithm, in the order of AWS's enum.
pub const SIGNING_ALGORITHM_NAMES: &[&str] = SigningAlgorithmSpec::NAMES;

const SIGNING_ALGORITHMS: [SigningAlgorithm; 11] = [
    SigningAlgorithm::PssSha256,
    SigningAlgorithm::PssSha384,
    SigningAlgorithm::PssSha512,
    SigningAlgorithm::Pkcs1Sha256,
    SigningAlgorithm::Pkcs1Sha384,
    SigningAlgorithm::Pkcs1Sha512,
    SigningAlgorithm::EcdsaSha256,
    SigningAlgorithm::EcdsaSha384,
    SigningAlgorithm::EcdsaSha512,
    SigningAlgorithm::Ed25519Sha512,
    SigningAlgorithm::Ed25519PhSha512,
];

impl SigningAlgorithm {
    /// The AWS algorithm this is.
    pub fn spec(self) -> SigningAlgorithmSpec {
        use SigningAlgorithmSpec as S;
        match self {
            SigningAlgorithm::PssSha256 => S::RsassaPssSha256,
            SigningAlgorithm::PssSha384 => S::RsassaPssSha384,
            SigningAlgorithm::PssSha512 => S::RsassaPssSha512,
            SigningAlgorithm::Pkcs1Sha256 => S::RsassaPkcs1V15Sha256,
            SigningAlgorithm::Pkcs1Sha384 => S::RsassaPkcs1V15Sha384,
            SigningAlgorithm::Pkcs1Sha512 => S::RsassaPkcs1V15Sha512,
            SigningAlgorithm::EcdsaSha256 => S::EcdsaSha256,
            SigningAlgorithm::EcdsaSha384 => S::EcdsaSha384,
            SigningAlgorithm::EcdsaSha512 => S::EcdsaSha512,
            SigningAlgorithm::Ed25519Sha512 => S::Ed25519Sha512,
            SigningAlgorithm::Ed25519PhSha512 => S::Ed25519PhSha512,
        }
    }

    /// The algorithm `spec` is, if wasm-kms implements it.
    pub fn from_spec(spec: SigningAlgorithmSpec) -> Option<SigningAlgorithm> {
        SIGNING_ALGORITHMS.into_iter().find(|a| a.spec() == spec)
    }

    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        self.spec().as_str()
    }

    /// The algorithm AWS names `name`, if wasm-kms implements it.
    pub fn parse(name: &str) -> Option<SigningAlgorithm> {
        SigningAlgorithmSpec::parse(name).and_then(SigningAlgorithm::from_spec)
    }

    /// The hash applied to a RAW message (and the length a DIGEST message must have).
    pub fn hash(self) -> Hash {
        use SigningAlgorithm::*;
        match self {
            PssSha256 | Pkcs1Sha256 | EcdsaSha256 => Hash::Sha256,
            PssSha384 | Pkcs1Sha384 | EcdsaSha384 => Hash::Sha384,
            PssSha512 | Pkcs1Sha512 | EcdsaSha512 | Ed25519Sha512 | Ed25519PhSha512 => Hash::Sha512,
        }
    }
}

/// The hash of an RSAES-OAEP encryption algorithm (used for OAEP and for MGF1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OaepHash {
    /// `RSAES_OAEP_SHA_1`.
    Sha1,
    /// `RSAES_OAEP_SHA_256`.
    Sha256,
}

impl OaepHash {
    /// The encryption algorithm this is.
    pub fn algorithm(self) -> EncryptionAlgorithm {
        match self {
            OaepHash::Sha1 => EncryptionAlgorithm::RsaesOaepSha1,
            OaepHash::Sha256 => EncryptionAlgorithm::RsaesOaepSha256,
        }
    }

    /// The OAEP hash of `algorithm`, if it is RSAES-OAEP.
    pub fn from_algorithm(algorithm: EncryptionAlgorithm) -> Option<OaepHash> {
        match algorithm {
            EncryptionAlgorithm::RsaesOaepSha1 => Some(OaepHash::Sha1),
            EncryptionAlgorithm::RsaesOaepSha256 => Some(OaepHash::Sha256),
            _ => None,
        }
    }

    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        self.algorithm().as_str()
    }

    /// The algorithm AWS names `name`.
    pub fn parse(name: &str) -> Option<OaepHash> {
        EncryptionAlgorithm::parse(name).and_then(OaepHash::from_algorithm)
    }

    /// The longest plaintext OAEP fits in a modulus of `bytes`: k - 2·hLen - 2.
    pub fn max_plaintext(self, modulus_bytes: usize) -> usize {
        let h = match self {
            OaepHash::Sha1 => 20,
            OaepHash::Sha256 => 32,
        };
        modulus_bytes.saturating_sub(2 * h + 2)
    }
}

/// What a signature covers: the message itself (`RAW`) or its digest (`DIGEST`). The message
/// is the caller's data, a SecretBlob in the API, so `Debug` shows only its kind and length.
#[derive(Clone, Copy)]
pub enum Message<'a> {
    /// The message; the algorithm hashes it.
    Raw(&'a [u8]),
    /// A digest the caller computed with the algorithm's hash.
    Digest(&'a [u8]),
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Raw(m) => write!(f, "Raw({} bytes)", m.len()),
            Message::Digest(d) => write!(f, "Digest({} bytes)", d.len()),
        }
    }
}

/// A private key. Cloning copies the secret (each copy zeroizes its own on drop); `Debug`
/// shows only the spec.
#[derive(Clone)]
pub enum AsymKey {
    /// An RSA key.
    Rsa(Box<rsa::PrivateKey>),
    /// A P-256 key. Only the scalar is kept: making a key costs no point multiplication
    /// (WebCrypto does most signing; the public point is derived when it is needed).
    P256(p256::SecretKey),
    /// A P-384 key.
    P384(p384::SecretKey),
    /// A P-521 key.
    P521(p521::SecretKey),
    /// A secp256k1 key.
    Secp256k1(k256::SecretKey),
    /// An Ed25519 key.
    Ed25519(Ed25519Seed),
}

impl fmt::Debug for AsymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AsymKey({}, ...)", self.spec().as_str())
    }
}

/// An Ed25519 private key as its 32-byte seed (zeroized on drop). Making one costs nothing;
/// the key pair is expanded from it when it is used (WebCrypto does most of that use in
/// browsers and Node).
#[derive(Clone)]
pub struct Ed25519Seed(Zeroizing<[u8; 32]>);

impl Ed25519Seed {
    /// The expanded signing key (it zeroizes itself on drop).
    fn signing(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&self.0)
    }
}

/// The DER of a PKCS#8 v1 Ed25519 private key up to its 32-byte seed: SEQUENCE { INTEGER 0,
/// SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }.
const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Runs `$body` with `$sk` bound to the secret key of an elliptic-curve variant of the
/// RustCrypto curve crates and `$c` naming that crate; any other variant gives `$other`.
macro_rules! with_ecdsa_curve {
    ($key:expr, |$sk:ident, $c:ident| $body:expr, $other:expr) => {
        match $key {
            AsymKey::P256($sk) => {
                #[allow(unused_imports)]
                use p256 as $c;
                $body
            }
            AsymKey::P384($sk) => {
                #[allow(unused_imports)]
                use p384 as $c;
                $body
            }
            AsymKey::P521($sk) => {
                #[allow(unused_imports)]
                use p521 as $c;
                $body
            }
            AsymKey::Secp256k1($sk) => {
                #[allow(unused_imports)]
                use k256 as $c;
                $body
            }
            _ => $other,
        }
    };
}

fn internal(what: &str) -> KmsError {
    KmsError::Internal(format!("The {what} failed."))
}

/// An elliptic-curve scalar drawn from `entropy` by rejection sampling: `len` bytes with the top
/// byte masked to the order's bit length, retried until the curve crate accepts them (nonzero
/// and below the order).
fn ec_secret<K>(
    entropy: &mut (impl Entropy + ?Sized),
    len: usize,
    top_mask: u8,
    parse: impl Fn(&[u8]) -> Option<K>,
) -> Result<K> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    for _ in 0..128 {
        entropy.fill(&mut bytes)?;
        if let Some(top) = bytes.first_mut() {
            *top &= top_mask;
        }
        if let Some(k) = parse(&bytes) {
            return Ok(k);
        }
    }
    Err(internal("key generation"))
}

/// A digest as `ed25519-dalek`'s prehashed API takes one: a "hash" whose output is a SHA-512
/// value the caller already computed (Ed25519ph with `MessageType` DIGEST). Input is ignored.
#[derive(Clone)]
struct GivenSha512([u8; 64]);

impl Default for GivenSha512 {
    fn default() -> Self {
        GivenSha512([0; 64])
    }
}

impl digest::HashMarker for GivenSha512 {}
impl digest::OutputSizeUser for GivenSha512 {
    type OutputSize = digest::consts::U64;
}
impl digest::Update for GivenSha512 {
    fn update(&mut self, _data: &[u8]) {}
}
impl digest::FixedOutput for GivenSha512 {
    fn finalize_into(self, out: &mut digest::Output<Self>) {
        out.copy_from_slice(&self.0);
    }
}

impl AsymKey {
    /// A fresh key of `spec` from `entropy`. RSA generation takes 0.1 to several seconds.
    pub fn generate(spec: AsymSpec, entropy: &mut (impl Entropy + ?Sized)) -> Result<AsymKey> {
        Ok(match spec {
            AsymSpec::Rsa2048 | AsymSpec::Rsa3072 | AsymSpec::Rsa4096 => {
                let bits = spec.rsa_bits().unwrap_or(2048);
                let key = crate::crypto::wrap::generate(entropy, bits)
                    .ok_or_else(|| internal("key generation"))?;
                AsymKey::Rsa(Box::new(key))
            }
            AsymSpec::P256 => AsymKey::P256(ec_secret(entropy, 32, 0xff, |b| {
                p256::SecretKey::from_slice(b).ok()
            })?),
            AsymSpec::P384 => AsymKey::P384(ec_secret(entropy, 48, 0xff, |b| {
                p384::SecretKey::from_slice(b).ok()
            })?),
            AsymSpec::P521 => AsymKey::P521(ec_secret(entropy, 66, 0x01, |b| {
                p521::SecretKey::from_slice(b).ok()
            })?),
            AsymSpec::Secp256k1 => AsymKey::Secp256k1(ec_secret(entropy, 32, 0xff, |b| {
                k256::SecretKey::from_slice(b).ok()
            })?),
            AsymSpec::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                entropy.fill(&mut *seed)?;
                AsymKey::Ed25519(Ed25519Seed(seed))
            }
        })
    }

    /// The key in a DER PKCS#8 document, if it is a key of `spec` (RSA keys must have exactly
    /// the spec's modulus size).
    pub fn from_pkcs8(spec: AsymSpec, der: &[u8]) -> Option<AsymKey> {
        use p256::pkcs8::DecodePrivateKey as _;
        let key = match spec {
            AsymSpec::Rsa2048 | AsymSpec::Rsa3072 | AsymSpec::Rsa4096 => {
                let key = rsa::PrivateKey::from_pkcs8_der(der).ok()?;
                // Exactly the spec's modulus size in bits (a 2047-bit modulus is no RSA_2048).
                let bits = usize::try_from(key.n().bit_width()).ok();
                if bits != spec.rsa_bits() {
                    return None;
                }
                AsymKey::Rsa(Box::new(key))
            }
            AsymSpec::P256 => AsymKey::P256(p256::SecretKey::from_pkcs8_der(der).ok()?),
            AsymSpec::P384 => AsymKey::P384(p384::SecretKey::from_pkcs8_der(der).ok()?),
            AsymSpec::P521 => AsymKey::P521(p521::SecretKey::from_pkcs8_der(der).ok()?),
            AsymSpec::Secp256k1 => AsymKey::Secp256k1(k256::SecretKey::from_pkcs8_der(der).ok()?),
            AsymSpec::Ed25519 => AsymKey::Ed25519(Ed25519Seed(Zeroizing::new(
                ed25519_dalek::SigningKey::from_pkcs8_der(der)
                    .ok()?
                    .to_bytes(),
            ))),
        };
        Some(key)
    }

    /// The key's spec.
    pub fn spec(&self) -> AsymSpec {
        match self {
            AsymKey::Rsa(k) => match k.size() {
                384 => AsymSpec::Rsa3072,
                512 => AsymSpec::Rsa4096,
                _ => AsymSpec::Rsa2048,
            },
            AsymKey::P256(_) => AsymSpec::P256,
            AsymKey::P384(_) => AsymSpec::P384,
            AsymKey::P521(_) => AsymSpec::P521,
            AsymKey::Secp256k1(_) => AsymSpec::Secp256k1,
            AsymKey::Ed25519(_) => AsymSpec::Ed25519,
        }
    }

    /// The private key as a DER PKCS#8 document (zeroized on drop).
    pub fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>> {
        use p256::pkcs8::EncodePrivateKey as _;
        let doc = match self {
            AsymKey::Rsa(k) => k.to_pkcs8_der(),
            // PKCS#8 v1 with the seed only (RFC 8410 section 7), as OpenSSL writes it: the v2
            // form with the public key, which `ed25519-dalek` writes, fails to load in OpenSSL.
            AsymKey::Ed25519(k) => {
                let mut der = Zeroizing::new(Vec::with_capacity(48));
                der.extend_from_slice(&ED25519_PKCS8_V1_PREFIX);
                der.extend_from_slice(&*k.0);
                return Ok(der);
            }
            other => with_ecdsa_curve!(other, |sk, c| sk.to_pkcs8_der(), {
                return Err(internal("key encoding"));
            }),
        };
        doc.map(|d| Zeroizing::new(d.as_bytes().to_vec()))
            .map_err(|_| internal("key encoding"))
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 5280).
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        use p256::pkcs8::EncodePublicKey as _;
        let doc = match self {
            AsymKey::Rsa(k) => rsa::PublicKey::from(&**k).to_public_key_der(),
            AsymKey::Ed25519(k) => k.signing().verifying_key().to_public_key_der(),
            other => with_ecdsa_curve!(other, |sk, c| sk.public_key().to_public_key_der(), {
                return Err(internal("key encoding"));
            }),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|_| internal("key encoding"))
    }

    /// Signs `message` with `algorithm`, which the caller has checked is one of the key's.
    /// RSA signing is blinded with fresh randomness; ECDSA nonces are RFC 6979's.
    pub fn sign(
        &self,
        algorithm: SigningAlgorithm,
        message: Message<'_>,
        entropy: &mut (impl Entropy + ?Sized),
    ) -> Result<Vec<u8>> {
        use p256::ecdsa::signature::hazmat::PrehashSigner as _;
        let hash = algorithm.hash();
        let digest = match message {
            Message::Raw(m) => Zeroizing::new(hash.digest(m)),
            Message::Digest(d) => Zeroizing::new(d.to_vec()),
        };
        let failed = || internal("signature");
        match (self, algorithm) {
            (AsymKey::Rsa(k), alg) => {
                let mut rng = EntropyRng(entropy);
                let signed = match alg {
                    SigningAlgorithm::PssSha256 => {
                        k.sign_with_rng(&mut rng, Pss::<Sha256>::new(), &digest)
                    }
                    SigningAlgorithm::PssSha384 => {
                        k.sign_with_rng(&mut rng, Pss::<Sha384>::new(), &digest)
                    }
                    SigningAlgorithm::PssSha512 => {
                        k.sign_with_rng(&mut rng, Pss::<Sha512>::new(), &digest)
                    }
                    SigningAlgorithm::Pkcs1Sha256 => {
                        k.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha256>(), &digest)
                    }
                    SigningAlgorithm::Pkcs1Sha384 => {
                        k.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha384>(), &digest)
                    }
                    SigningAlgorithm::Pkcs1Sha512 => {
                        k.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha512>(), &digest)
                    }
                    _ => return Err(failed()),
                };
                signed.map_err(|_| failed())
            }
            (AsymKey::Ed25519(k), SigningAlgorithm::Ed25519Sha512) => match message {
                Message::Raw(m) => {
                    use ed25519_dalek::Signer as _;
                    let sig = k.signing().try_sign(m).map_err(|_| failed())?;
                    Ok(sig.to_bytes().to_vec())
                }
                Message::Digest(_) => Err(failed()),
            },
            (AsymKey::Ed25519(k), SigningAlgorithm::Ed25519PhSha512) => {
                let given: [u8; 64] = digest.as_slice().try_into().map_err(|_| failed())?;
                let sig = k
                    .signing()
                    .sign_prehashed(GivenSha512(given), None)
                    .map_err(|_| failed())?;
                Ok(sig.to_bytes().to_vec())
            }
            (other, _) => with_ecdsa_curve!(
                other,
                |sk, c| {
                    let signing = c::ecdsa::SigningKey::from(sk);
                    let sig: c::ecdsa::Signature =
                        signing.sign_prehash(&digest).map_err(|_| failed())?;
                    Ok(sig.to_der().as_bytes().to_vec())
                },
                Err(failed())
            ),
        }
    }

    /// Whether `signature` is a valid `algorithm` signature of `message` by this key's public
    /// half. Any ECDSA signature that verifies is accepted, high or low S, as OpenSSL does.
    pub fn verify(
        &self,
        algorithm: SigningAlgorithm,
        message: Message<'_>,
        signature: &[u8],
    ) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
        let digest = match message {
            Message::Raw(m) => algorithm.hash().digest(m),
            Message::Digest(d) => d.to_vec(),
        };
        match (self, algorithm) {
            (AsymKey::Rsa(k), alg) => {
                let public = rsa::PublicKey::from(&**k);
                let checked = match alg {
                    SigningAlgorithm::PssSha256 => {
                        public.verify(Pss::<Sha256>::new(), &digest, signature)
                    }
                    SigningAlgorithm::PssSha384 => {
                        public.verify(Pss::<Sha384>::new(), &digest, signature)
                    }
                    SigningAlgorithm::PssSha512 => {
                        public.verify(Pss::<Sha512>::new(), &digest, signature)
                    }
                    SigningAlgorithm::Pkcs1Sha256 => {
                        public.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                    }
                    SigningAlgorithm::Pkcs1Sha384 => {
                        public.verify(Pkcs1v15Sign::new::<Sha384>(), &digest, signature)
                    }
                    SigningAlgorithm::Pkcs1Sha512 => {
                        public.verify(Pkcs1v15Sign::new::<Sha512>(), &digest, signature)
                    }
                    _ => return false,
                };
                checked.is_ok()
            }
            (AsymKey::Ed25519(k), alg) => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                let public = k.signing().verifying_key();
                match (alg, message) {
                    (SigningAlgorithm::Ed25519Sha512, Message::Raw(m)) => {
                        public.verify_strict(m, &sig).is_ok()
                    }
                    (SigningAlgorithm::Ed25519PhSha512, _) => {
                        let Ok(given) = <[u8; 64]>::try_from(digest.as_slice()) else {
                            return false;
                        };
                        public
                            .verify_prehashed_strict(GivenSha512(given), None, &sig)
                            .is_ok()
                    }
                    _ => false,
                }
            }
            (other, _) => with_ecdsa_curve!(
                other,
                |sk, c| {
                    let Ok(sig) = c::ecdsa::Signature::from_der(signature) else {
                        return false;
                    };
                    c::ecdsa::VerifyingKey::from(sk.public_key())
                        .verify_prehash(&digest, &sig.normalize_s())
                        .is_ok()
                },
                false
            ),
        }
    }

    /// The RSA key itself, for an RSA key.
    pub fn into_rsa(self) -> Option<rsa::PrivateKey> {
        match self {
            AsymKey::Rsa(k) => Some(*k),
            _ => None,
        }
    }

    /// The modulus size in bytes of an RSA key.
    pub fn rsa_size(&self) -> Option<usize> {
        match self {
            AsymKey::Rsa(k) => Some(k.size()),
            _ => None,
        }
    }

    /// RSAES-OAEP encryption to this key's public half.
    pub fn encrypt(
        &self,
        hash: OaepHash,
        plaintext: &[u8],
        entropy: &mut (impl Entropy + ?Sized),
    ) -> Result<Vec<u8>> {
        let AsymKey::Rsa(k) = self else {
            return Err(internal("encryption"));
        };
        let public = rsa::PublicKey::from(&**k);
        let mut rng = EntropyRng(entropy);
        let sealed = match hash {
            OaepHash::Sha1 => public.encrypt(&mut rng, Oaep::<sha1::Sha1>::new(), plaintext),
            OaepHash::Sha256 => public.encrypt(&mut rng, Oaep::<Sha256>::new(), plaintext),
        };
        sealed.map_err(|_| internal("encryption"))
    }

    /// RSAES-OAEP decryption, blinded with fresh randomness. `Ok(None)` for anything that does
    /// not decrypt (callers report every such failure the same way); an error only when the
    /// randomness for blinding is unavailable, which is the service's fault, not the caller's.
    pub fn decrypt(
        &self,
        hash: OaepHash,
        ciphertext: &[u8],
        entropy: &mut (impl Entropy + ?Sized),
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let AsymKey::Rsa(k) = self else {
            return Ok(None);
        };
        let mut rng = EntropyRng(entropy);
        let plain = match hash {
            OaepHash::Sha1 => k.decrypt_blinded(&mut rng, Oaep::<sha1::Sha1>::new(), ciphertext),
            OaepHash::Sha256 => k.decrypt_blinded(&mut rng, Oaep::<Sha256>::new(), ciphertext),
        };
        match plain {
            Ok(p) => Ok(Some(Zeroizing::new(p))),
            Err(rsa::Error::Rng) => Err(KmsError::Internal(
                "The random number generator is unavailable.".to_owned(),
            )),
            Err(_) => Ok(None),
        }
    }

    /// ECDH with the peer's DER SubjectPublicKeyInfo on the same curve: the shared point's
    /// x-coordinate, as OpenSSL derives it. `None` if the peer key does not parse or is on
    /// another curve.
    pub fn agree(&self, peer_spki: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        use p256::pkcs8::DecodePublicKey as _;
        macro_rules! ecdh {
            ($c:ident, $sk:expr) => {{
                let peer = $c::PublicKey::from_public_key_der(peer_spki).ok()?;
                let shared = $c::ecdh::diffie_hellman($sk.to_nonzero_scalar(), peer.as_affine());
                Some(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }};
        }
        match self {
            AsymKey::P256(sk) => ecdh!(p256, sk),
            AsymKey::P384(sk) => ecdh!(p384, sk),
            AsymKey::P521(sk) => ecdh!(p521, sk),
            _ => None,
        }
    }
}

/// An ECDSA signature given as `r || s` (WebCrypto's encoding) in DER, as AWS returns it.
pub fn ecdsa_der_from_raw(spec: AsymSpec, raw: &[u8]) -> Option<Vec<u8>> {
    macro_rules! der {
        ($c:ident) => {
            $c::ecdsa::Signature::from_slice(raw)
                .ok()
                .map(|s| s.to_der().as_bytes().to_vec())
        };
    }
    match spec {
        AsymSpec::P256 => der!(p256),
        AsymSpec::P384 => der!(p384),
        AsymSpec::P521 => der!(p521),
        AsymSpec::Secp256k1 => der!(k256),
        _ => None,
    }
}

/// A DER ECDSA signature as `r || s` (WebCrypto's encoding), if it parses for the curve.
pub fn ecdsa_raw_from_der(spec: AsymSpec, der: &[u8]) -> Option<Vec<u8>> {
    macro_rules! raw {
        ($c:ident) => {
            $c::ecdsa::Signature::from_der(der)
                .ok()
                .map(|s| s.to_bytes().to_vec())
        };
    }
    match spec {
        AsymSpec::P256 => raw!(p256),
        AsymSpec::P384 => raw!(p384),
        AsymSpec::P521 => raw!(p521),
        AsymSpec::Secp256k1 => raw!(k256),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
