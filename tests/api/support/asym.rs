//! The asymmetric keys' fixture: one cached RSA key pair per size, keys of every spec, the
//! requests of Sign, Verify, RSA Encrypt and Decrypt, GenerateDataKeyPair and
//! DeriveSharedSecret, and the checks made outside KMS with the RustCrypto crates, so that KMS
//! is never only checked against itself.

use std::sync::OnceLock;

use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePublicKey as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{Pkcs1v15Sign, Pss};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::crypto::asym::{AsymKey, AsymSpec};
use wasm_kms::domain::context::EncryptionContext;
use wasm_kms::env::InsecureTestEntropy;
use wasm_kms::model::*;
use wasm_kms::KmsError;

// The symmetric fixture's helpers that the asymmetric tests use under these names.
pub use super::{ctx, id_req, new_key as symmetric, TestKms};

use super::vectors;

// ---- Fixture ----------------------------------------------------------------------------------

pub const RSA_SIGNING: &[&str] = &[
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
];

pub const RSA_ENCRYPTION: &[&str] = &["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

/// Every spec × usage AWS allows for the asymmetric specs wasm-kms implements, with the
/// algorithm lists KeyMetadata must carry, in AWS's order (reference §3.1), from
/// `tests/vectors/key_specs.json`:
/// `(spec, usage, EncryptionAlgorithms, SigningAlgorithms, KeyAgreementAlgorithms)`.
pub type Row = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

pub fn table() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        vectors::key_specs()
            .key_specs
            .iter()
            .map(|r| {
                (
                    r.spec,
                    r.usage,
                    r.encryption_algorithms.as_slice(),
                    r.signing_algorithms.as_slice(),
                    r.key_agreement_algorithms.as_slice(),
                )
            })
            .collect()
    })
}

/// One RSA key per size, generated once for the whole test binary and offered to the KMS
/// instances of tests that are not about generating RSA keys (generation is the slow part
/// natively).
pub fn cached_rsa(spec: AsymSpec) -> AsymKey {
    static KEYS: [OnceLock<AsymKey>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match spec {
        AsymSpec::Rsa2048 => 0,
        AsymSpec::Rsa3072 => 1,
        AsymSpec::Rsa4096 => 2,
        other => panic!("not RSA: {other:?}"),
    };
    KEYS[slot]
        .get_or_init(|| AsymKey::generate(spec, &mut InsecureTestEntropy::new(1000)).unwrap())
        .clone()
}

pub fn names(list: &[&str]) -> Option<Vec<String>> {
    (!list.is_empty()).then(|| list.iter().map(|s| (*s).to_owned()).collect())
}

pub fn error<T: std::fmt::Debug>(r: Result<T, KmsError>) -> (String, Option<String>) {
    let e = r.unwrap_err();
    (e.name().to_owned(), e.message().map(str::to_owned))
}

pub fn name<T: std::fmt::Debug>(r: Result<T, KmsError>) -> String {
    r.unwrap_err().name().to_owned()
}

pub fn try_create(
    kms: &mut TestKms,
    spec: &str,
    usage: Option<&str>,
) -> Result<KeyMetadata, KmsError> {
    kms.create_key(CreateKeyRequest {
        key_spec: Some(spec.to_owned()),
        key_usage: usage.map(str::to_owned),
        ..Default::default()
    })
    .map(|r| r.key_metadata)
}

/// A key of `spec` and `usage`; RSA keys get the cached pair of their size.
pub fn create(kms: &mut TestKms, spec: &str, usage: &str) -> KeyMetadata {
    if let Some(rsa) = AsymSpec::parse(spec).filter(|s| s.rsa_bits().is_some()) {
        kms.offload().offer_key_pair(cached_rsa(rsa));
    }
    try_create(kms, spec, Some(usage)).unwrap()
}

pub fn public_key(kms: &mut TestKms, id: &str) -> Result<GetPublicKeyResponse, KmsError> {
    kms.get_public_key(GetPublicKeyRequest {
        key_id: Some(id.to_owned()),
        ..Default::default()
    })
}

pub fn spki(kms: &mut TestKms, id: &str) -> Vec<u8> {
    public_key(kms, id).unwrap().public_key.0
}

pub fn sign(
    kms: &mut TestKms,
    id: &str,
    alg: &str,
    msg: &[u8],
    message_type: Option<&str>,
) -> Result<SignResponse, KmsError> {
    kms.sign(SignRequest {
        key_id: Some(id.to_owned()),
        message: Some(SecretBlob(msg.to_vec())),
        message_type: message_type.map(str::to_owned),
        signing_algorithm: Some(alg.to_owned()),
        ..Default::default()
    })
}

pub fn signature(kms: &mut TestKms, id: &str, alg: &str, msg: &[u8], digest: bool) -> Vec<u8> {
    let message_type = if digest { "DIGEST" } else { "RAW" };
    sign(kms, id, alg, msg, Some(message_type))
        .unwrap()
        .signature
        .0
}

pub fn verify(
    kms: &mut TestKms,
    id: &str,
    alg: &str,
    msg: &[u8],
    message_type: Option<&str>,
    sig: &[u8],
) -> Result<VerifyResponse, KmsError> {
    kms.verify(VerifyRequest {
        key_id: Some(id.to_owned()),
        message: Some(SecretBlob(msg.to_vec())),
        message_type: message_type.map(str::to_owned),
        signature: Some(Blob(sig.to_vec())),
        signing_algorithm: Some(alg.to_owned()),
        ..Default::default()
    })
}

pub fn encrypt(
    kms: &mut TestKms,
    id: &str,
    alg: Option<&str>,
    plaintext: &[u8],
) -> Result<EncryptResponse, KmsError> {
    kms.encrypt(EncryptRequest {
        key_id: Some(id.to_owned()),
        plaintext: Some(SecretBlob(plaintext.to_vec())),
        encryption_algorithm: alg.map(str::to_owned),
        ..Default::default()
    })
}

pub fn decrypt(
    kms: &mut TestKms,
    id: Option<&str>,
    alg: Option<&str>,
    blob: &[u8],
) -> Result<DecryptResponse, KmsError> {
    kms.decrypt(DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        key_id: id.map(str::to_owned),
        encryption_algorithm: alg.map(str::to_owned),
        ..Default::default()
    })
}

pub fn derive(
    kms: &mut TestKms,
    id: &str,
    peer: &[u8],
) -> Result<DeriveSharedSecretResponse, KmsError> {
    kms.derive_shared_secret(DeriveSharedSecretRequest {
        key_id: Some(id.to_owned()),
        key_agreement_algorithm: Some("ECDH".into()),
        public_key: Some(Blob(peer.to_vec())),
        ..Default::default()
    })
}

pub fn key_pair(
    kms: &mut TestKms,
    id: &str,
    spec: &str,
    ctx: &EncryptionContext,
) -> Result<GenerateDataKeyPairResponse, KmsError> {
    kms.generate_data_key_pair(GenerateDataKeyPairRequest {
        key_id: Some(id.to_owned()),
        key_pair_spec: Some(spec.to_owned()),
        encryption_context: Some(ctx.clone()),
        ..Default::default()
    })
}

/// The digest a DIGEST message for `alg` must be: the algorithm's SHA-2 of `msg`.
pub fn digest_for(alg: &str, msg: &[u8]) -> Vec<u8> {
    if alg.ends_with("SHA_256") {
        Sha256::digest(msg).to_vec()
    } else if alg.ends_with("SHA_384") {
        Sha384::digest(msg).to_vec()
    } else if alg.ends_with("SHA_512") {
        Sha512::digest(msg).to_vec()
    } else {
        panic!("no digest for {alg}")
    }
}

// ---- Checks outside KMS -----------------------------------------------------------------------

/// A DER ECDSA signature of `msg` by the curve `$c` key in `$spki`, checked with the crate's
/// `Verifier` (which hashes with the curve's own SHA-2) and its `PrehashVerifier`; the DER must
/// also be canonical.
macro_rules! ecdsa_ok {
    ($c:ident, $hash:ty, $spki:expr, $msg:expr, $sig:expr) => {{
        let vk = $c::ecdsa::VerifyingKey::from($c::PublicKey::from_public_key_der($spki).unwrap());
        match $c::ecdsa::Signature::from_der($sig) {
            Ok(s) => {
                s.to_der().as_bytes() == $sig
                    && vk.verify($msg, &s).is_ok()
                    && vk.verify_prehash(&<$hash>::digest($msg), &s).is_ok()
            }
            Err(_) => false,
        }
    }};
}

/// Whether `sig` is a valid `alg` signature of the message `msg` by the public key `spki` of a
/// `spec` key, checked with the RustCrypto crates only.
pub fn verify_outside(spec: &str, spki: &[u8], alg: &str, msg: &[u8], sig: &[u8]) -> bool {
    if alg.starts_with("RSASSA_") {
        let pk = rsa::PublicKey::from_public_key_der(spki).unwrap();
        let d = digest_for(alg, msg);
        // PSS as AWS makes it: MGF1 with the same hash, a salt exactly as long as the hash.
        let checked = match alg {
            "RSASSA_PSS_SHA_256" => pk.verify(Pss::<Sha256>::new_with_salt(32), &d, sig),
            "RSASSA_PSS_SHA_384" => pk.verify(Pss::<Sha384>::new_with_salt(48), &d, sig),
            "RSASSA_PSS_SHA_512" => pk.verify(Pss::<Sha512>::new_with_salt(64), &d, sig),
            "RSASSA_PKCS1_V1_5_SHA_256" => pk.verify(Pkcs1v15Sign::new::<Sha256>(), &d, sig),
            "RSASSA_PKCS1_V1_5_SHA_384" => pk.verify(Pkcs1v15Sign::new::<Sha384>(), &d, sig),
            "RSASSA_PKCS1_V1_5_SHA_512" => pk.verify(Pkcs1v15Sign::new::<Sha512>(), &d, sig),
            other => panic!("{other}"),
        };
        return checked.is_ok();
    }
    match (spec, alg) {
        ("ECC_NIST_P256", "ECDSA_SHA_256") => ecdsa_ok!(p256, Sha256, spki, msg, sig),
        ("ECC_NIST_P384", "ECDSA_SHA_384") => ecdsa_ok!(p384, Sha384, spki, msg, sig),
        ("ECC_NIST_P521", "ECDSA_SHA_512") => ecdsa_ok!(p521, Sha512, spki, msg, sig),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256") => ecdsa_ok!(k256, Sha256, spki, msg, sig),
        ("ECC_NIST_EDWARDS25519", _) => {
            let vk = ed25519_dalek::VerifyingKey::from_public_key_der(spki).unwrap();
            let Ok(s) = ed25519_dalek::Signature::from_slice(sig) else {
                return false;
            };
            if alg == "ED25519_SHA_512" {
                vk.verify_strict(msg, &s).is_ok()
            } else {
                // Ed25519ph (RFC 8032 HashEdDSA): SHA-512 of the message, no context.
                vk.verify_prehashed_strict(Sha512::new_with_prefix(msg), None, &s)
                    .is_ok()
            }
        }
        other => panic!("no outside check for {other:?}"),
    }
}

/// Decodes a DER SubjectPublicKeyInfo as a `spec` public key with the crates and re-encodes it:
/// panics if it is not one.
pub fn reencode_spki(spec: &str, der: &[u8]) -> Vec<u8> {
    let doc = match spec {
        "RSA_2048" | "RSA_3072" | "RSA_4096" => {
            let pk = rsa::PublicKey::from_public_key_der(der).unwrap();
            let bits: usize = spec[4..].parse().unwrap();
            assert_eq!(pk.size() * 8, bits, "{spec}");
            assert_eq!(pk.e().to_be_bytes_trimmed_vartime().as_ref(), [1, 0, 1]);
            pk.to_public_key_der()
        }
        "ECC_NIST_P256" => p256::PublicKey::from_public_key_der(der)
            .unwrap()
            .to_public_key_der(),
        "ECC_NIST_P384" => p384::PublicKey::from_public_key_der(der)
            .unwrap()
            .to_public_key_der(),
        "ECC_NIST_P521" => p521::PublicKey::from_public_key_der(der)
            .unwrap()
            .to_public_key_der(),
        "ECC_SECG_P256K1" => k256::PublicKey::from_public_key_der(der)
            .unwrap()
            .to_public_key_der(),
        "ECC_NIST_EDWARDS25519" => ed25519_dalek::VerifyingKey::from_public_key_der(der)
            .unwrap()
            .to_public_key_der(),
        other => panic!("{other}"),
    };
    doc.unwrap().as_bytes().to_vec()
}

/// Decodes a DER PKCS#8 private key of `spec` with the crates; returns its public half as a
/// DER SubjectPublicKeyInfo.
pub fn public_of_pkcs8(spec: &str, der: &[u8]) -> Vec<u8> {
    let doc = match spec {
        "RSA_2048" | "RSA_3072" | "RSA_4096" => {
            let sk = rsa::PrivateKey::from_pkcs8_der(der).unwrap();
            rsa::PublicKey::from(&sk).to_public_key_der()
        }
        "ECC_NIST_P256" => p256::SecretKey::from_pkcs8_der(der)
            .unwrap()
            .public_key()
            .to_public_key_der(),
        "ECC_NIST_P384" => p384::SecretKey::from_pkcs8_der(der)
            .unwrap()
            .public_key()
            .to_public_key_der(),
        "ECC_NIST_P521" => p521::SecretKey::from_pkcs8_der(der)
            .unwrap()
            .public_key()
            .to_public_key_der(),
        "ECC_SECG_P256K1" => k256::SecretKey::from_pkcs8_der(der)
            .unwrap()
            .public_key()
            .to_public_key_der(),
        "ECC_NIST_EDWARDS25519" => ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .unwrap()
            .verifying_key()
            .to_public_key_der(),
        other => panic!("{other}"),
    };
    doc.unwrap().as_bytes().to_vec()
}

/// The DER length of each spec's SubjectPublicKeyInfo, as OpenSSL (and AWS) encode it:
/// uncompressed EC points, RSA with e = 65537 (`tests/vectors/key_specs.json`).
pub fn spki_len(spec: &str) -> usize {
    match vectors::key_specs().spki_lengths.get(spec) {
        Some(&n) => n,
        None => panic!("{spec}"),
    }
}
