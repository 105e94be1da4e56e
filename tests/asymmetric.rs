//! Asymmetric keys: CreateKey for the RSA, ECC and Ed25519 specs, GetPublicKey, Sign and
//! Verify, RSA Encrypt/Decrypt/ReEncrypt, GenerateDataKeyPair(WithoutPlaintext),
//! DeriveSharedSecret, rotation and multi-Region replicas, the offload hooks and the audit
//! trail. Every public key, signature, key pair and shared secret is also checked outside KMS
//! with the RustCrypto crates, so KMS is never only checked against itself.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::TestKms;

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePublicKey as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{Oaep, Pkcs1v15Sign, Pss};
use serde_json::json;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::crypto::asym::{AsymKey, AsymSpec, OaepHash, SigningAlgorithm};
use wasm_kms::crypto::wrap::EntropyRng;
use wasm_kms::domain::context::EncryptionContext;
use wasm_kms::env::InsecureTestEntropy;
use wasm_kms::model::*;
use wasm_kms::{KmsError, Request, Response};
use zeroize::Zeroizing;

// ---- Fixture ----------------------------------------------------------------------------------

const RSA_SIGNING: &[&str] = &[
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
];
const RSA_ENCRYPTION: &[&str] = &["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

/// Every spec × usage AWS allows for the asymmetric specs wasm-kms implements, with the
/// algorithm lists KeyMetadata must carry, in AWS's order (reference §3.1):
/// `(spec, usage, EncryptionAlgorithms, SigningAlgorithms, KeyAgreementAlgorithms)`.
type Row = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);
const TABLE: &[Row] = &[
    ("RSA_2048", "ENCRYPT_DECRYPT", RSA_ENCRYPTION, &[], &[]),
    ("RSA_2048", "SIGN_VERIFY", &[], RSA_SIGNING, &[]),
    ("RSA_3072", "ENCRYPT_DECRYPT", RSA_ENCRYPTION, &[], &[]),
    ("RSA_3072", "SIGN_VERIFY", &[], RSA_SIGNING, &[]),
    ("RSA_4096", "ENCRYPT_DECRYPT", RSA_ENCRYPTION, &[], &[]),
    ("RSA_4096", "SIGN_VERIFY", &[], RSA_SIGNING, &[]),
    ("ECC_NIST_P256", "SIGN_VERIFY", &[], &["ECDSA_SHA_256"], &[]),
    ("ECC_NIST_P256", "KEY_AGREEMENT", &[], &[], &["ECDH"]),
    ("ECC_NIST_P384", "SIGN_VERIFY", &[], &["ECDSA_SHA_384"], &[]),
    ("ECC_NIST_P384", "KEY_AGREEMENT", &[], &[], &["ECDH"]),
    ("ECC_NIST_P521", "SIGN_VERIFY", &[], &["ECDSA_SHA_512"], &[]),
    ("ECC_NIST_P521", "KEY_AGREEMENT", &[], &[], &["ECDH"]),
    (
        "ECC_SECG_P256K1",
        "SIGN_VERIFY",
        &[],
        &["ECDSA_SHA_256"],
        &[],
    ),
    (
        "ECC_NIST_EDWARDS25519",
        "SIGN_VERIFY",
        &[],
        &["ED25519_SHA_512", "ED25519_PH_SHA_512"],
        &[],
    ),
];

/// One RSA key per size, generated once for the whole file and offered to the KMS instances
/// of tests that are not about generating RSA keys (generation is the slow part natively).
fn cached_rsa(spec: AsymSpec) -> AsymKey {
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

fn names(list: &[&str]) -> Option<Vec<String>> {
    (!list.is_empty()).then(|| list.iter().map(|s| (*s).to_owned()).collect())
}

fn error<T: std::fmt::Debug>(r: Result<T, KmsError>) -> (String, Option<String>) {
    let e = r.unwrap_err();
    (e.name().to_owned(), e.message().map(str::to_owned))
}

fn name<T: std::fmt::Debug>(r: Result<T, KmsError>) -> String {
    r.unwrap_err().name().to_owned()
}

fn try_create(kms: &mut TestKms, spec: &str, usage: Option<&str>) -> Result<KeyMetadata, KmsError> {
    kms.create_key(CreateKeyRequest {
        key_spec: Some(spec.to_owned()),
        key_usage: usage.map(str::to_owned),
        ..Default::default()
    })
    .map(|r| r.key_metadata)
}

/// A key of `spec` and `usage`; RSA keys get the cached pair of their size.
fn create(kms: &mut TestKms, spec: &str, usage: &str) -> KeyMetadata {
    if let Some(rsa) = AsymSpec::parse(spec).filter(|s| s.rsa_bits().is_some()) {
        kms.offload().offer_key_pair(cached_rsa(rsa));
    }
    try_create(kms, spec, Some(usage)).unwrap()
}

fn symmetric(kms: &mut TestKms) -> KeyMetadata {
    kms.create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata
}

fn public_key(kms: &mut TestKms, id: &str) -> Result<GetPublicKeyResponse, KmsError> {
    kms.get_public_key(GetPublicKeyRequest {
        key_id: Some(id.to_owned()),
        ..Default::default()
    })
}

fn spki(kms: &mut TestKms, id: &str) -> Vec<u8> {
    public_key(kms, id).unwrap().public_key.0
}

fn sign(
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

fn signature(kms: &mut TestKms, id: &str, alg: &str, msg: &[u8], digest: bool) -> Vec<u8> {
    let message_type = if digest { "DIGEST" } else { "RAW" };
    sign(kms, id, alg, msg, Some(message_type))
        .unwrap()
        .signature
        .0
}

fn verify(
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

fn encrypt(
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

fn decrypt(
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

fn derive(
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

fn key_pair(
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

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn id_req(id: &str) -> KeyIdRequest {
    KeyIdRequest {
        key_id: Some(id.to_owned()),
    }
}

/// The digest a DIGEST message for `alg` must be: the algorithm's SHA-2 of `msg`.
fn digest_for(alg: &str, msg: &[u8]) -> Vec<u8> {
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
fn verify_outside(spec: &str, spki: &[u8], alg: &str, msg: &[u8], sig: &[u8]) -> bool {
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
fn reencode_spki(spec: &str, der: &[u8]) -> Vec<u8> {
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
fn public_of_pkcs8(spec: &str, der: &[u8]) -> Vec<u8> {
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
/// uncompressed EC points, RSA with e = 65537.
fn spki_len(spec: &str) -> usize {
    match spec {
        "RSA_2048" => 294,
        "RSA_3072" => 422,
        "RSA_4096" => 550,
        "ECC_NIST_P256" => 91,
        "ECC_NIST_P384" => 120,
        "ECC_NIST_P521" => 158,
        "ECC_SECG_P256K1" => 88,
        "ECC_NIST_EDWARDS25519" => 44,
        other => panic!("{other}"),
    }
}

// ---- CreateKey, DescribeKey, GetPublicKey -----------------------------------------------------

#[test]
fn every_spec_and_usage_advertises_exactly_its_algorithms_and_a_matching_public_key() {
    let (mut kms, _) = common::setup(101);
    for &(spec, usage, enc, signing, agreement) in TABLE {
        let k = create(&mut kms, spec, usage);
        let what = format!("{spec} {usage}");
        assert_eq!(
            (k.key_spec.as_str(), k.customer_master_key_spec.as_str()),
            (spec, spec),
            "{what}"
        );
        assert_eq!(k.key_usage, usage, "{what}");
        assert_eq!(k.encryption_algorithms, names(enc), "{what}");
        assert_eq!(k.signing_algorithms, names(signing), "{what}");
        assert_eq!(k.key_agreement_algorithms, names(agreement), "{what}");
        assert_eq!(k.mac_algorithms, None, "{what}");
        // Asymmetric keys show no material ID (AWS shows one for symmetric keys only).
        assert_eq!(k.current_key_material_id, None, "{what}");
        assert_eq!(
            (
                k.key_state.as_str(),
                k.enabled,
                k.origin.as_str(),
                k.key_manager.as_str()
            ),
            ("Enabled", true, "AWS_KMS", "CUSTOMER"),
            "{what}"
        );
        let described = kms
            .describe_key(DescribeKeyRequest {
                key_id: Some(k.arn.clone()),
                ..Default::default()
            })
            .unwrap()
            .key_metadata;
        assert_eq!(described, k, "{what}");

        let public = public_key(&mut kms, &k.key_id).unwrap();
        assert_eq!(public.key_id, k.arn, "{what}");
        assert_eq!(
            (
                public.key_spec.as_str(),
                public.customer_master_key_spec.as_str(),
                public.key_usage.as_str()
            ),
            (spec, spec, usage),
            "{what}"
        );
        assert_eq!(public.encryption_algorithms, k.encryption_algorithms);
        assert_eq!(public.signing_algorithms, k.signing_algorithms);
        assert_eq!(public.key_agreement_algorithms, k.key_agreement_algorithms);
        // The DER SPKI parses as a key of the spec, in its canonical encoding and length.
        let der = public.public_key.as_bytes();
        assert_eq!(der.len(), spki_len(spec), "{what}");
        assert_eq!(reencode_spki(spec, der), der, "{what}");
    }
    // A P-256 key is not a secp256k1 key, nor the other way round (the curve OID is right).
    let p256 = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let k1 = create(&mut kms, "ECC_SECG_P256K1", "SIGN_VERIFY");
    let p256_der = spki(&mut kms, &p256.key_id);
    let k1_der = spki(&mut kms, &k1.key_id);
    assert!(k256::PublicKey::from_public_key_der(&p256_der).is_err());
    assert!(p256::PublicKey::from_public_key_der(&k1_der).is_err());
    assert!(ed25519_dalek::VerifyingKey::from_public_key_der(&p256_der).is_err());
    // Each key has its own key pair.
    let again = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    assert_ne!(spki(&mut kms, &again.key_id), p256_der);
    // Through the JSON wire: only the list that matches the usage is present.
    let json = kms
        .call_json("GetPublicKey", json!({"KeyId": p256.arn}))
        .unwrap();
    assert_eq!(json["SigningAlgorithms"], json!(["ECDSA_SHA_256"]));
    assert!(json.get("EncryptionAlgorithms").is_none());
    assert!(json.get("KeyAgreementAlgorithms").is_none());
    assert_eq!(
        STANDARD
            .decode(json["PublicKey"].as_str().unwrap())
            .unwrap(),
        p256_der
    );
}

#[test]
fn create_key_refuses_usages_outside_aws_table_with_aws_texts() {
    let (mut kms, _) = common::setup(102);
    for (spec, usage) in [
        ("RSA_2048", "KEY_AGREEMENT"),
        ("RSA_4096", "GENERATE_VERIFY_MAC"),
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
        ("ECC_NIST_P521", "GENERATE_VERIFY_MAC"),
        ("ECC_SECG_P256K1", "KEY_AGREEMENT"),
        ("ECC_SECG_P256K1", "ENCRYPT_DECRYPT"),
        ("ECC_NIST_EDWARDS25519", "KEY_AGREEMENT"),
        ("ECC_NIST_EDWARDS25519", "ENCRYPT_DECRYPT"),
    ] {
        assert_eq!(
            error(try_create(&mut kms, spec, Some(usage))),
            (
                "ValidationException".to_owned(),
                Some(format!(
                    "KeyUsage {usage} is not compatible with KeySpec {spec}"
                ))
            )
        );
    }
    for spec in [
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "ECC_NIST_EDWARDS25519",
    ] {
        assert_eq!(
            error(try_create(&mut kms, spec, None)),
            (
                "ValidationException".to_owned(),
                Some("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.".to_owned())
            ),
            "{spec}"
        );
    }
    // The recorded example, and no key was made by any refused call.
    assert_eq!(
        error(try_create(&mut kms, "RSA_2048", Some("KEY_AGREEMENT"))).1,
        Some("KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048".to_owned())
    );
    let keys = kms.list_keys(ListKeysRequest::default()).unwrap().keys;
    assert!(keys.is_empty(), "{keys:?}");
}

#[test]
fn get_public_key_refuses_symmetric_and_hmac_keys_and_follows_key_state() {
    let (mut kms, _) = common::setup(103);
    let sym = symmetric(&mut kms);
    let hmac = try_create(&mut kms, "HMAC_256", Some("GENERATE_VERIFY_MAC")).unwrap();
    assert_eq!(
        name(public_key(&mut kms, &sym.key_id)),
        "UnsupportedOperationException"
    );
    assert_eq!(
        name(public_key(&mut kms, &hmac.key_id)),
        "UnsupportedOperationException"
    );
    let ed = create(&mut kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY");
    // An alias names the key; the answer names the key's ARN.
    kms.create_alias(AliasRequest {
        alias_name: Some("alias/ed".into()),
        target_key_id: Some(ed.key_id.clone()),
    })
    .unwrap();
    let by_alias = public_key(&mut kms, "alias/ed").unwrap();
    assert_eq!(by_alias.key_id, ed.arn);
    assert_eq!(by_alias.public_key.as_bytes().len(), 44);
    assert_eq!(
        by_alias.signing_algorithms,
        names(&["ED25519_SHA_512", "ED25519_PH_SHA_512"])
    );
    kms.disable_key(id_req(&ed.key_id)).unwrap();
    assert_eq!(
        error(public_key(&mut kms, &ed.key_id)),
        (
            "DisabledException".to_owned(),
            Some(format!("{} is disabled.", ed.arn))
        )
    );
    assert_eq!(
        error(public_key(&mut kms, "no-such-key")),
        (
            "NotFoundException".to_owned(),
            Some("Invalid keyId 'no-such-key'".to_owned())
        )
    );
}

// ---- Sign and Verify --------------------------------------------------------------------------

#[test]
fn every_spec_signs_with_every_algorithm_and_the_crates_verify_it() {
    let (mut kms, _) = common::setup(104);
    let msg = b"a message worth signing, signed by wasm-kms";
    let specs = [
        ("RSA_2048", RSA_SIGNING),
        ("ECC_NIST_P256", &["ECDSA_SHA_256"][..]),
        ("ECC_NIST_P384", &["ECDSA_SHA_384"]),
        ("ECC_NIST_P521", &["ECDSA_SHA_512"]),
        ("ECC_SECG_P256K1", &["ECDSA_SHA_256"]),
        (
            "ECC_NIST_EDWARDS25519",
            &["ED25519_SHA_512", "ED25519_PH_SHA_512"],
        ),
    ];
    for (spec, algorithms) in specs {
        let k = create(&mut kms, spec, "SIGN_VERIFY");
        // Another key of the spec, with its own material (generated here, even for RSA).
        let other = try_create(&mut kms, spec, Some("SIGN_VERIFY")).unwrap();
        let der = spki(&mut kms, &k.key_id);
        for &alg in algorithms {
            let what = format!("{spec} {alg}");
            let raw_ok = alg != "ED25519_PH_SHA_512";
            let digest_ok = alg != "ED25519_SHA_512";
            let digest = digest_for(alg, msg);
            let mut made = Vec::new();
            if raw_ok {
                let out = sign(&mut kms, &k.key_id, alg, msg, None).unwrap();
                assert_eq!(
                    (out.key_id.as_str(), out.signing_algorithm.as_str()),
                    (k.arn.as_str(), alg)
                );
                made.push(out.signature.0);
            }
            if digest_ok {
                made.push(signature(&mut kms, &k.key_id, alg, &digest, true));
            }
            for sig in &made {
                match spec {
                    "RSA_2048" => assert_eq!(sig.len(), 256, "{what}"),
                    "ECC_NIST_EDWARDS25519" => assert_eq!(sig.len(), 64, "{what}"),
                    _ => assert!(sig.len() <= 139 && sig[0] == 0x30, "{what}"),
                }
                // Outside KMS, with the public key GetPublicKey gives.
                assert!(verify_outside(spec, &der, alg, msg, sig), "{what}");
                assert!(
                    !verify_outside(spec, &der, alg, b"another message", sig),
                    "{what}"
                );
                // In KMS, as RAW and as DIGEST alike, whichever way it was signed.
                if raw_ok {
                    let v = verify(&mut kms, &k.key_id, alg, msg, Some("RAW"), sig).unwrap();
                    assert!(v.signature_valid, "{what}");
                    assert_eq!(
                        (v.key_id.as_str(), v.signing_algorithm.as_str()),
                        (k.arn.as_str(), alg)
                    );
                }
                if digest_ok {
                    let v = verify(&mut kms, &k.key_id, alg, &digest, Some("DIGEST"), sig);
                    assert!(v.unwrap().signature_valid, "{what}");
                }
                // A changed signature, another message, or another key of the spec: no
                // `SignatureValid: false`, an error without a message.
                let (m, t) = if raw_ok {
                    (msg.to_vec(), "RAW")
                } else {
                    (digest.clone(), "DIGEST")
                };
                let mut bad = sig.clone();
                let last = bad.len() - 1;
                bad[last] ^= 0x01;
                assert_eq!(
                    error(verify(&mut kms, &k.key_id, alg, &m, Some(t), &bad)),
                    ("KMSInvalidSignatureException".to_owned(), None),
                    "{what}"
                );
                let mut other_m = m.clone();
                other_m[0] ^= 0x80;
                assert_eq!(
                    error(verify(&mut kms, &k.key_id, alg, &other_m, Some(t), sig)),
                    ("KMSInvalidSignatureException".to_owned(), None),
                    "{what}"
                );
                assert_eq!(
                    name(verify(&mut kms, &other.key_id, alg, &m, Some(t), sig)),
                    "KMSInvalidSignatureException",
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn rsa_signature_schemes_are_distinct_and_pss_is_randomized() {
    let (mut kms, _) = common::setup(105);
    let k = create(&mut kms, "RSA_2048", "SIGN_VERIFY");
    let der = spki(&mut kms, &k.key_id);
    let msg = b"scheme check";
    let pkcs1 = signature(&mut kms, &k.key_id, "RSASSA_PKCS1_V1_5_SHA_256", msg, false);
    let pss = signature(&mut kms, &k.key_id, "RSASSA_PSS_SHA_256", msg, false);
    // PKCS#1 v1.5 is deterministic (RAW and DIGEST give the same bytes); PSS is salted.
    let digest = Sha256::digest(msg).to_vec();
    assert_eq!(
        signature(
            &mut kms,
            &k.key_id,
            "RSASSA_PKCS1_V1_5_SHA_256",
            &digest,
            true
        ),
        pkcs1
    );
    assert_ne!(
        signature(&mut kms, &k.key_id, "RSASSA_PSS_SHA_256", msg, false),
        pss
    );
    // A signature of one scheme or hash is not one of another.
    for (sig, alg) in [
        (&pkcs1, "RSASSA_PSS_SHA_256"),
        (&pss, "RSASSA_PKCS1_V1_5_SHA_256"),
        (&pkcs1, "RSASSA_PKCS1_V1_5_SHA_384"),
        (&pss, "RSASSA_PSS_SHA_512"),
    ] {
        assert_eq!(
            name(verify(&mut kms, &k.key_id, alg, msg, None, sig)),
            "KMSInvalidSignatureException",
            "{alg}"
        );
        assert!(!verify_outside("RSA_2048", &der, alg, msg, sig), "{alg}");
    }
    // PSS salt = hash length: a PSS verifier expecting another salt length refuses it.
    let pk = rsa::PublicKey::from_public_key_der(&der).unwrap();
    assert!(pk
        .verify(Pss::<Sha256>::new_with_salt(32), &digest, &pss)
        .is_ok());
    assert!(pk
        .verify(Pss::<Sha256>::new_with_salt(20), &digest, &pss)
        .is_err());
    // Through the JSON wire.
    let p256 = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let p256_der = spki(&mut kms, &p256.key_id);
    let signed = kms
        .call_json(
            "Sign",
            json!({"KeyId": p256.key_id, "Message": STANDARD.encode(msg), "SigningAlgorithm": "ECDSA_SHA_256"}),
        )
        .unwrap();
    assert_eq!(signed["KeyId"], json!(p256.arn));
    assert_eq!(signed["SigningAlgorithm"], json!("ECDSA_SHA_256"));
    let sig = STANDARD
        .decode(signed["Signature"].as_str().unwrap())
        .unwrap();
    assert!(verify_outside(
        "ECC_NIST_P256",
        &p256_der,
        "ECDSA_SHA_256",
        msg,
        &sig
    ));
    let verified = kms
        .call_json(
            "Verify",
            json!({"KeyId": p256.arn, "Message": STANDARD.encode(Sha256::digest(msg)), "MessageType": "DIGEST",
                   "Signature": signed["Signature"], "SigningAlgorithm": "ECDSA_SHA_256"}),
        )
        .unwrap();
    assert_eq!(verified["SignatureValid"], json!(true));
}

#[test]
fn sign_and_verify_refuse_bad_digests_types_algorithms_and_usages_with_aws_texts() {
    let (mut kms, _) = common::setup(106);
    let p256 = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let p384 = create(&mut kms, "ECC_NIST_P384", "SIGN_VERIFY");
    let ed = create(&mut kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY");
    let rsa_sign = create(&mut kms, "RSA_2048", "SIGN_VERIFY");
    let rsa_enc = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let agree = create(&mut kms, "ECC_NIST_P256", "KEY_AGREEMENT");
    let sym = symmetric(&mut kms);
    let hmac = try_create(&mut kms, "HMAC_256", Some("GENERATE_VERIFY_MAC")).unwrap();
    let good = signature(&mut kms, &p256.key_id, "ECDSA_SHA_256", b"m", false);

    // Digest lengths, on Sign and on Verify.
    let invalid_length = |alg: &str| {
        (
            "ValidationException".to_owned(),
            Some(format!("Digest is invalid length for algorithm {alg}.")),
        )
    };
    for (k, alg, len) in [
        (&p256, "ECDSA_SHA_256", 31),
        (&p256, "ECDSA_SHA_256", 33),
        (&p256, "ECDSA_SHA_256", 48),
        (&p384, "ECDSA_SHA_384", 32),
        (&rsa_sign, "RSASSA_PSS_SHA_256", 64),
        (&rsa_sign, "RSASSA_PSS_SHA_384", 32),
        (&rsa_sign, "RSASSA_PSS_SHA_512", 48),
        (&rsa_sign, "RSASSA_PKCS1_V1_5_SHA_256", 20),
        (&rsa_sign, "RSASSA_PKCS1_V1_5_SHA_512", 63),
        (&ed, "ED25519_PH_SHA_512", 32),
    ] {
        let d = vec![7u8; len];
        assert_eq!(
            error(sign(&mut kms, &k.key_id, alg, &d, Some("DIGEST"))),
            invalid_length(alg)
        );
        assert_eq!(
            error(verify(&mut kms, &k.key_id, alg, &d, Some("DIGEST"), &good)),
            invalid_length(alg)
        );
    }
    // Ed25519 signs the message, Ed25519ph a digest; EXTERNAL_MU is for ML-DSA only.
    let sha512 = Sha512::digest(b"m").to_vec();
    let e = error(sign(
        &mut kms,
        &ed.key_id,
        "ED25519_SHA_512",
        &sha512,
        Some("DIGEST"),
    ));
    assert_eq!(e.0, "ValidationException");
    assert!(
        e.1.as_deref()
            .unwrap()
            .starts_with("Message type DIGEST is incompatible"),
        "{e:?}"
    );
    for t in [Some("RAW"), None] {
        let e = error(sign(&mut kms, &ed.key_id, "ED25519_PH_SHA_512", b"m", t));
        assert_eq!(e.0, "ValidationException");
        assert!(
            e.1.as_deref()
                .unwrap()
                .starts_with("Message type RAW is incompatible"),
            "{e:?}"
        );
        let e = verify(
            &mut kms,
            &ed.key_id,
            "ED25519_PH_SHA_512",
            b"m",
            t,
            &[1; 64],
        );
        assert_eq!(name(e), "ValidationException");
    }
    assert_eq!(
        name(verify(
            &mut kms,
            &ed.key_id,
            "ED25519_SHA_512",
            &sha512,
            Some("DIGEST"),
            &[1; 64]
        )),
        "ValidationException"
    );
    for (k, alg) in [
        (&p256, "ECDSA_SHA_256"),
        (&rsa_sign, "RSASSA_PSS_SHA_512"),
        (&ed, "ED25519_SHA_512"),
        (&ed, "ED25519_PH_SHA_512"),
    ] {
        let mu = [3u8; 64];
        assert_eq!(
            name(sign(&mut kms, &k.key_id, alg, &mu, Some("EXTERNAL_MU"))),
            "ValidationException",
            "{alg}"
        );
        assert_eq!(
            name(verify(
                &mut kms,
                &k.key_id,
                alg,
                &mu,
                Some("EXTERNAL_MU"),
                &good
            )),
            "ValidationException",
            "{alg}"
        );
    }
    assert_eq!(
        name(sign(
            &mut kms,
            &p256.key_id,
            "ECDSA_SHA_256",
            b"m",
            Some("HASHED")
        )),
        "ValidationException"
    );

    // Algorithms that are not the key's.
    for (k, alg) in [
        (&p256, "ECDSA_SHA_384"),
        (&p256, "ECDSA_SHA_512"),
        (&p256, "RSASSA_PSS_SHA_256"),
        (&p256, "ED25519_SHA_512"),
        (&p256, "SM2DSA"),
        (&p256, "ML_DSA_SHAKE_256"),
        (&p384, "ECDSA_SHA_256"),
        (&rsa_sign, "ECDSA_SHA_256"),
        (&ed, "ECDSA_SHA_512"),
        (&ed, "RSASSA_PKCS1_V1_5_SHA_512"),
    ] {
        let expected = (
            "InvalidKeyUsageException".to_owned(),
            Some(format!(
                "Algorithm {alg} is incompatible with key spec {}.",
                k.key_spec
            )),
        );
        assert_eq!(error(sign(&mut kms, &k.key_id, alg, b"m", None)), expected);
        assert_eq!(
            error(verify(&mut kms, &k.key_id, alg, b"m", None, &good)),
            expected
        );
    }
    assert_eq!(
        name(sign(&mut kms, &p256.key_id, "INVALID", b"m", None)),
        "ValidationException"
    );

    // Keys whose usage is not SIGN_VERIFY.
    for (k, usage) in [
        (&sym, "ENCRYPT_DECRYPT"),
        (&hmac, "GENERATE_VERIFY_MAC"),
        (&rsa_enc, "ENCRYPT_DECRYPT"),
        (&agree, "KEY_AGREEMENT"),
    ] {
        for op in ["Sign", "Verify"] {
            let r = if op == "Sign" {
                sign(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", None).map(|_| ())
            } else {
                verify(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", None, &good).map(|_| ())
            };
            assert_eq!(
                error(r),
                (
                    "InvalidKeyUsageException".to_owned(),
                    Some(format!(
                        "{} key usage is {usage} which is not valid for {op}.",
                        k.arn
                    ))
                )
            );
        }
    }

    // Message length: 1 to 4096 bytes, never echoed.
    assert_eq!(
        error(sign(&mut kms, &p256.key_id, "ECDSA_SHA_256", &[7; 4097], None)),
        (
            "ValidationException".to_owned(),
            Some("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096".to_owned())
        )
    );
    assert_eq!(
        error(sign(&mut kms, &p256.key_id, "ECDSA_SHA_256", b"", None)),
        (
            "ValidationException".to_owned(),
            Some("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1".to_owned())
        )
    );
    assert_eq!(
        name(verify(
            &mut kms,
            &p256.key_id,
            "ECDSA_SHA_256",
            &[7; 4097],
            None,
            &good
        )),
        "ValidationException"
    );
    assert_eq!(
        name(verify(
            &mut kms,
            &p256.key_id,
            "ECDSA_SHA_256",
            b"",
            None,
            &good
        )),
        "ValidationException"
    );
    assert_eq!(
        name(verify(
            &mut kms,
            &p256.key_id,
            "ECDSA_SHA_256",
            b"m",
            None,
            b""
        )),
        "ValidationException"
    );
    let big = signature(&mut kms, &p256.key_id, "ECDSA_SHA_256", &[7; 4096], false);
    let der = spki(&mut kms, &p256.key_id);
    assert!(verify_outside(
        "ECC_NIST_P256",
        &der,
        "ECDSA_SHA_256",
        &[7; 4096],
        &big
    ));

    // DryRun, state, unknown keys.
    let dry = kms.sign(SignRequest {
        dry_run: Some(true),
        key_id: Some(p256.key_id.clone()),
        message: Some(SecretBlob(b"m".to_vec())),
        signing_algorithm: Some("ECDSA_SHA_256".into()),
        ..Default::default()
    });
    assert_eq!(
        error(dry),
        (
            "DryRunOperationException".to_owned(),
            Some("The request would have succeeded, but the DryRun option is set.".to_owned())
        )
    );
    let dry = kms.verify(VerifyRequest {
        dry_run: Some(true),
        key_id: Some(p256.key_id.clone()),
        message: Some(SecretBlob(b"m".to_vec())),
        signature: Some(Blob(good.clone())),
        signing_algorithm: Some("ECDSA_SHA_256".into()),
        ..Default::default()
    });
    assert_eq!(name(dry), "DryRunOperationException");
    kms.disable_key(id_req(&p256.key_id)).unwrap();
    let disabled = (
        "DisabledException".to_owned(),
        Some(format!("{} is disabled.", p256.arn)),
    );
    assert_eq!(
        error(sign(&mut kms, &p256.key_id, "ECDSA_SHA_256", b"m", None)),
        disabled
    );
    assert_eq!(
        error(verify(
            &mut kms,
            &p256.key_id,
            "ECDSA_SHA_256",
            b"m",
            None,
            &good
        )),
        disabled
    );
    kms.enable_key(id_req(&p256.key_id)).unwrap();
    assert!(
        verify(&mut kms, &p256.key_id, "ECDSA_SHA_256", b"m", None, &good)
            .unwrap()
            .signature_valid
    );
    kms.schedule_key_deletion(ScheduleKeyDeletionRequest {
        key_id: Some(p384.key_id.clone()),
        pending_window_in_days: Some(7),
    })
    .unwrap();
    assert_eq!(
        error(sign(&mut kms, &p384.key_id, "ECDSA_SHA_384", b"m", None)),
        (
            "KMSInvalidStateException".to_owned(),
            Some(format!("{} is pending deletion.", p384.arn))
        )
    );
    assert_eq!(
        error(sign(&mut kms, "nope", "ECDSA_SHA_256", b"m", None)),
        (
            "NotFoundException".to_owned(),
            Some("Invalid keyId 'nope'".to_owned())
        )
    );
}

// ---- RSA Encrypt, Decrypt, ReEncrypt ----------------------------------------------------------

#[test]
fn rsa_keys_of_every_size_encrypt_up_to_aws_limits_and_decrypt() {
    let (mut kms, _) = common::setup(107);
    let mut entropy = InsecureTestEntropy::new(5);
    for (spec, modulus, limits) in [
        ("RSA_2048", 256, [214, 190]),
        ("RSA_3072", 384, [342, 318]),
        ("RSA_4096", 512, [470, 446]),
    ] {
        // Generated by CreateKey itself (no offered pair).
        let k = try_create(&mut kms, spec, Some("ENCRYPT_DECRYPT")).unwrap();
        let pk = rsa::PublicKey::from_public_key_der(&spki(&mut kms, &k.key_id)).unwrap();
        assert_eq!(pk.size(), modulus);
        for (alg, max) in RSA_ENCRYPTION.iter().zip(limits) {
            let what = format!("{spec} {alg}");
            let plaintext: Vec<u8> = (0..max).map(|i| (i % 251) as u8).collect();
            let out = encrypt(&mut kms, &k.key_id, Some(alg), &plaintext).unwrap();
            assert_eq!(out.ciphertext_blob.as_bytes().len(), modulus, "{what}");
            assert_eq!(
                (out.key_id.as_str(), out.encryption_algorithm.as_str()),
                (k.arn.as_str(), *alg)
            );
            // OAEP is randomized.
            let again = encrypt(&mut kms, &k.key_id, Some(alg), &plaintext).unwrap();
            assert_ne!(again.ciphertext_blob, out.ciphertext_blob, "{what}");
            let opened = decrypt(
                &mut kms,
                Some(&k.key_id),
                Some(alg),
                out.ciphertext_blob.as_bytes(),
            )
            .unwrap();
            assert_eq!(opened.plaintext.as_bytes(), plaintext.as_slice(), "{what}");
            assert_eq!(
                (opened.key_id.as_str(), opened.encryption_algorithm.as_str()),
                (k.arn.as_str(), *alg)
            );
            assert_eq!(opened.key_material_id, None, "{what}");
            assert_eq!(
                error(encrypt(&mut kms, &k.key_id, Some(alg), &vec![1u8; max + 1])),
                (
                    "ValidationException".to_owned(),
                    Some(format!(
                        "Algorithm {alg} and key spec {spec} cannot encrypt data larger than {max} bytes."
                    ))
                ),
                "{what}"
            );
            // Ciphertext made outside KMS with the public key decrypts inside.
            let mut rng = EntropyRng(&mut entropy);
            let outside = if *alg == "RSAES_OAEP_SHA_1" {
                pk.encrypt(&mut rng, Oaep::<sha1::Sha1>::new(), b"from outside")
            } else {
                pk.encrypt(&mut rng, Oaep::<Sha256>::new(), b"from outside")
            }
            .unwrap();
            let opened = decrypt(&mut kms, Some(&k.arn), Some(alg), &outside).unwrap();
            assert_eq!(opened.plaintext.as_bytes(), b"from outside", "{what}");
            // The other OAEP hash does not open it: IncorrectKeyException.
            let other = RSA_ENCRYPTION.iter().find(|a| *a != alg).unwrap();
            assert_eq!(
                error(decrypt(&mut kms, Some(&k.key_id), Some(other), &outside)),
                (
                    "IncorrectKeyException".to_owned(),
                    Some("The key ID in the request does not identify a CMK that can perform this operation.".to_owned())
                ),
                "{what}"
            );
            // The ciphertext names no key: without KeyId, Decrypt cannot find one.
            assert_eq!(
                error(decrypt(&mut kms, None, Some(alg), &outside)),
                ("InvalidCiphertextException".to_owned(), None),
                "{what}"
            );
        }
    }
}

#[test]
fn rsa_encryption_rules_algorithms_contexts_and_keys() {
    let (mut kms, _) = common::setup(108);
    let k = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let signer = create(&mut kms, "RSA_2048", "SIGN_VERIFY");
    // A second RSA_2048 key with other material (generated here).
    let stranger = try_create(&mut kms, "RSA_2048", Some("ENCRYPT_DECRYPT")).unwrap();
    let sym = symmetric(&mut kms);
    let incompatible = |alg: &str, spec: &str| {
        (
            "InvalidKeyUsageException".to_owned(),
            Some(format!(
                "Algorithm {alg} is incompatible with key spec {spec}."
            )),
        )
    };
    // RSA keys must name an OAEP algorithm; the default is SYMMETRIC_DEFAULT.
    assert_eq!(
        error(encrypt(&mut kms, &k.key_id, None, b"x")),
        incompatible("SYMMETRIC_DEFAULT", "RSA_2048")
    );
    assert_eq!(
        error(encrypt(
            &mut kms,
            &k.key_id,
            Some("SYMMETRIC_DEFAULT"),
            b"x"
        )),
        incompatible("SYMMETRIC_DEFAULT", "RSA_2048")
    );
    assert_eq!(
        error(encrypt(&mut kms, &k.key_id, Some("SM2PKE"), b"x")),
        incompatible("SM2PKE", "RSA_2048")
    );
    assert_eq!(
        error(encrypt(
            &mut kms,
            &sym.key_id,
            Some("RSAES_OAEP_SHA_256"),
            b"x"
        )),
        incompatible("RSAES_OAEP_SHA_256", "SYMMETRIC_DEFAULT")
    );
    assert_eq!(
        name(encrypt(
            &mut kms,
            &k.key_id,
            Some("RSAES_OAEP_SHA_512"),
            b"x"
        )),
        "ValidationException"
    );
    assert_eq!(
        error(encrypt(
            &mut kms,
            &signer.key_id,
            Some("RSAES_OAEP_SHA_256"),
            b"x"
        )),
        (
            "InvalidKeyUsageException".to_owned(),
            Some(format!(
                "{} key usage is SIGN_VERIFY which is not valid for Encrypt.",
                signer.arn
            ))
        )
    );
    // No encryption context with RSA, on either side.
    let with_ctx = kms.encrypt(EncryptRequest {
        key_id: Some(k.key_id.clone()),
        plaintext: Some(SecretBlob(b"x".to_vec())),
        encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
        encryption_context: Some(ctx(&[("a", "b")])),
        ..Default::default()
    });
    assert_eq!(name(with_ctx), "ValidationException");
    let ct = encrypt(&mut kms, &k.key_id, Some("RSAES_OAEP_SHA_256"), b"secret")
        .unwrap()
        .ciphertext_blob;
    let with_ctx = kms.decrypt(DecryptRequest {
        ciphertext_blob: Some(ct.clone()),
        key_id: Some(k.key_id.clone()),
        encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
        encryption_context: Some(ctx(&[("a", "b")])),
        ..Default::default()
    });
    assert_eq!(name(with_ctx), "ValidationException");
    // Decrypt: the algorithm is needed, the key must be the one, and the blob names no key.
    assert_eq!(
        name(decrypt(&mut kms, Some(&k.key_id), None, ct.as_bytes())),
        "InvalidKeyUsageException"
    );
    assert_eq!(
        name(decrypt(
            &mut kms,
            Some(&stranger.key_id),
            Some("RSAES_OAEP_SHA_256"),
            ct.as_bytes()
        )),
        "IncorrectKeyException"
    );
    assert_eq!(
        error(decrypt(
            &mut kms,
            None,
            Some("RSAES_OAEP_SHA_256"),
            ct.as_bytes()
        )),
        ("InvalidCiphertextException".to_owned(), None)
    );
    assert_eq!(
        error(decrypt(
            &mut kms,
            Some(&signer.key_id),
            Some("RSAES_OAEP_SHA_256"),
            ct.as_bytes()
        ))
        .1,
        Some(format!(
            "{} key usage is SIGN_VERIFY which is not valid for Decrypt.",
            signer.arn
        ))
    );
    // A symmetric ciphertext, decrypted naming the RSA key, is not that key's: IncorrectKey,
    // whatever its length.
    for len in [1, 174, 300] {
        let blob = encrypt(&mut kms, &sym.key_id, None, &vec![5; len])
            .unwrap()
            .ciphertext_blob;
        assert_eq!(
            name(decrypt(
                &mut kms,
                Some(&k.key_id),
                Some("RSAES_OAEP_SHA_256"),
                blob.as_bytes()
            )),
            "IncorrectKeyException",
            "{len}"
        );
    }
    // DryRun of a Decrypt that would succeed; then the real thing.
    let dry = kms.decrypt(DecryptRequest {
        ciphertext_blob: Some(ct.clone()),
        key_id: Some(k.arn.clone()),
        encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(name(dry), "DryRunOperationException");
    let opened = decrypt(
        &mut kms,
        Some(&k.arn),
        Some("RSAES_OAEP_SHA_256"),
        ct.as_bytes(),
    )
    .unwrap();
    assert_eq!(opened.plaintext.as_bytes(), b"secret");
    // Disabled.
    kms.disable_key(id_req(&k.key_id)).unwrap();
    assert_eq!(
        error(decrypt(
            &mut kms,
            Some(&k.key_id),
            Some("RSAES_OAEP_SHA_256"),
            ct.as_bytes()
        )),
        (
            "DisabledException".to_owned(),
            Some(format!("{} is disabled.", k.arn))
        )
    );
}

#[test]
fn re_encrypt_moves_data_between_symmetric_and_rsa_keys() {
    let (mut kms, _) = common::setup(109);
    let rsa = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let rsa3072 = create(&mut kms, "RSA_3072", "ENCRYPT_DECRYPT");
    let sym = symmetric(&mut kms);
    let c = ctx(&[("purpose", "re-encrypt")]);
    let blob = kms
        .encrypt(EncryptRequest {
            key_id: Some(sym.key_id.clone()),
            plaintext: Some(SecretBlob(b"moving data".to_vec())),
            encryption_context: Some(c.clone()),
            ..Default::default()
        })
        .unwrap()
        .ciphertext_blob;
    let to_rsa = |alg: Option<&str>, dest_ctx: Option<EncryptionContext>| ReEncryptRequest {
        ciphertext_blob: Some(blob.clone()),
        source_encryption_context: Some(c.clone()),
        destination_key_id: Some(rsa.key_id.clone()),
        destination_encryption_algorithm: alg.map(str::to_owned),
        destination_encryption_context: dest_ctx,
        ..Default::default()
    };
    // Symmetric to RSA.
    let out = kms
        .re_encrypt(to_rsa(Some("RSAES_OAEP_SHA_256"), None))
        .unwrap();
    assert_eq!(out.ciphertext_blob.as_bytes().len(), 256);
    assert_eq!(
        (
            out.source_key_id.as_str(),
            out.key_id.as_str(),
            out.source_encryption_algorithm.as_str(),
            out.destination_encryption_algorithm.as_str()
        ),
        (
            sym.arn.as_str(),
            rsa.arn.as_str(),
            "SYMMETRIC_DEFAULT",
            "RSAES_OAEP_SHA_256"
        )
    );
    assert_eq!(out.source_key_material_id, sym.current_key_material_id);
    assert_eq!(out.destination_key_material_id, None);
    let opened = decrypt(
        &mut kms,
        Some(&rsa.key_id),
        Some("RSAES_OAEP_SHA_256"),
        out.ciphertext_blob.as_bytes(),
    )
    .unwrap();
    assert_eq!(opened.plaintext.as_bytes(), b"moving data");
    // An RSA destination needs its algorithm and takes no context.
    assert_eq!(
        error(kms.re_encrypt(to_rsa(None, None))),
        (
            "InvalidKeyUsageException".to_owned(),
            Some("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.".to_owned())
        )
    );
    assert_eq!(
        name(kms.re_encrypt(to_rsa(Some("RSAES_OAEP_SHA_1"), Some(ctx(&[("x", "y")]))))),
        "ValidationException"
    );

    // RSA to RSA (another size), then RSA to symmetric, with a new context.
    let hop = kms
        .re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(out.ciphertext_blob.clone()),
            source_key_id: Some(rsa.arn.clone()),
            source_encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
            destination_key_id: Some(rsa3072.key_id.clone()),
            destination_encryption_algorithm: Some("RSAES_OAEP_SHA_1".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hop.ciphertext_blob.as_bytes().len(), 384);
    assert_eq!(
        (
            hop.source_key_material_id.clone(),
            hop.destination_key_material_id.clone()
        ),
        (None, None)
    );
    let c2 = ctx(&[("stage", "back")]);
    let back = kms
        .re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(hop.ciphertext_blob.clone()),
            source_key_id: Some(rsa3072.key_id.clone()),
            source_encryption_algorithm: Some("RSAES_OAEP_SHA_1".into()),
            destination_key_id: Some(sym.key_id.clone()),
            destination_encryption_context: Some(c2.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (
            back.source_key_id.as_str(),
            back.source_encryption_algorithm.as_str(),
            back.destination_encryption_algorithm.as_str()
        ),
        (
            rsa3072.arn.as_str(),
            "RSAES_OAEP_SHA_1",
            "SYMMETRIC_DEFAULT"
        )
    );
    assert_eq!(back.source_key_material_id, None);
    assert_eq!(
        back.destination_key_material_id,
        sym.current_key_material_id
    );
    let opened = kms
        .decrypt(DecryptRequest {
            ciphertext_blob: Some(back.ciphertext_blob.clone()),
            encryption_context: Some(c2),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(opened.plaintext.as_bytes(), b"moving data");
    // The RSA source side follows Decrypt: without SourceKeyId the blob names no key, and the
    // wrong algorithm is IncorrectKey.
    let source = |id: Option<&str>, alg: &str| ReEncryptRequest {
        ciphertext_blob: Some(hop.ciphertext_blob.clone()),
        source_key_id: id.map(str::to_owned),
        source_encryption_algorithm: Some(alg.to_owned()),
        destination_key_id: Some(sym.key_id.clone()),
        ..Default::default()
    };
    assert_eq!(
        error(kms.re_encrypt(source(None, "RSAES_OAEP_SHA_1"))),
        ("InvalidCiphertextException".to_owned(), None)
    );
    assert_eq!(
        name(kms.re_encrypt(source(Some(&rsa3072.key_id), "RSAES_OAEP_SHA_256"))),
        "IncorrectKeyException"
    );
    // A plaintext too long for the RSA destination is AWS's limit error.
    let long = encrypt(&mut kms, &sym.key_id, None, &[9; 191])
        .unwrap()
        .ciphertext_blob;
    let too_long = kms.re_encrypt(ReEncryptRequest {
        ciphertext_blob: Some(long),
        destination_key_id: Some(rsa.key_id.clone()),
        destination_encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
        ..Default::default()
    });
    assert_eq!(
        error(too_long).1,
        Some(
            "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes."
                .to_owned()
        )
    );
}

#[test]
fn a_dry_run_that_would_fail_reports_the_real_error() {
    let (mut kms, _) = common::setup(110);
    let rsa = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let p256 = create(&mut kms, "ECC_NIST_P256", "KEY_AGREEMENT");
    let sym = symmetric(&mut kms);
    // Encrypt over the RSA limit.
    let dry = kms.encrypt(EncryptRequest {
        key_id: Some(rsa.key_id.clone()),
        plaintext: Some(SecretBlob(vec![1; 191])),
        encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(
        error(dry).1,
        Some(
            "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes."
                .to_owned()
        )
    );
    let ok = kms.encrypt(EncryptRequest {
        key_id: Some(rsa.key_id.clone()),
        plaintext: Some(SecretBlob(vec![1; 190])),
        encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(name(ok), "DryRunOperationException");
    // ReEncrypt to RSA over the limit.
    let long = encrypt(&mut kms, &sym.key_id, None, &[9; 215])
        .unwrap()
        .ciphertext_blob;
    let dry = kms.re_encrypt(ReEncryptRequest {
        ciphertext_blob: Some(long),
        destination_key_id: Some(rsa.key_id.clone()),
        destination_encryption_algorithm: Some("RSAES_OAEP_SHA_1".into()),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(
        error(dry).1,
        Some(
            "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048 cannot encrypt data larger than 214 bytes."
                .to_owned()
        )
    );
    // DeriveSharedSecret with a public key that is not one.
    let dry = kms.derive_shared_secret(DeriveSharedSecretRequest {
        key_id: Some(p256.key_id.clone()),
        key_agreement_algorithm: Some("ECDH".into()),
        public_key: Some(Blob(b"junk".to_vec())),
        dry_run: Some(true),
        ..Default::default()
    });
    let e = dry.unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    assert_eq!(e.message().unwrap_or_default(), "");
}

// ---- GenerateDataKeyPair ----------------------------------------------------------------------

#[test]
fn generate_data_key_pair_for_every_spec_seals_a_matching_pkcs8() {
    let (mut kms, _) = common::setup(111);
    let sym = symmetric(&mut kms);
    let c = ctx(&[("tenant", "t-1"), ("use", "pairs")]);
    let specs = [
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "ECC_NIST_EDWARDS25519",
    ];
    for spec in specs {
        let asym = AsymSpec::parse(spec).unwrap();
        if asym.rsa_bits().is_some() {
            // Two pairs: one for each operation (RSA generation is the slow part).
            kms.offload().offer_key_pair(cached_rsa(asym));
            kms.offload()
                .offer_key_pair(AsymKey::generate(asym, &mut InsecureTestEntropy::new(7)).unwrap());
        }
        let out = key_pair(&mut kms, &sym.key_id, spec, &c).unwrap();
        assert_eq!(
            (
                out.key_id.as_str(),
                out.key_pair_spec.as_str(),
                Some(&out.key_material_id)
            ),
            (sym.arn.as_str(), spec, sym.current_key_material_id.as_ref())
        );
        let private = out.private_key_plaintext.as_bytes();
        let public = out.public_key.as_bytes();
        assert_eq!(public.len(), spki_len(spec), "{spec}");
        assert_eq!(reencode_spki(spec, public), public, "{spec}");
        assert_eq!(public_of_pkcs8(spec, private), public, "{spec}");
        // The sealed private key is exactly the plaintext one, under exactly this context.
        let opened = kms
            .decrypt(DecryptRequest {
                ciphertext_blob: Some(out.private_key_ciphertext_blob.clone()),
                encryption_context: Some(c.clone()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(opened.plaintext.as_bytes(), private, "{spec}");
        assert_eq!(opened.key_id, sym.arn);
        for wrong in [ctx(&[("tenant", "t-2"), ("use", "pairs")]), ctx(&[])] {
            let r = kms.decrypt(DecryptRequest {
                ciphertext_blob: Some(out.private_key_ciphertext_blob.clone()),
                encryption_context: Some(wrong),
                ..Default::default()
            });
            assert_eq!(
                error(r),
                ("InvalidCiphertextException".to_owned(), None),
                "{spec}"
            );
        }

        let hidden = kms
            .generate_data_key_pair_without_plaintext(GenerateDataKeyPairRequest {
                key_id: Some(sym.key_id.clone()),
                key_pair_spec: Some(spec.to_owned()),
                encryption_context: Some(c.clone()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (hidden.key_id.as_str(), hidden.key_pair_spec.as_str()),
            (sym.arn.as_str(), spec)
        );
        assert_eq!(
            Some(&hidden.key_material_id),
            sym.current_key_material_id.as_ref()
        );
        // A new pair each call.
        assert_ne!(hidden.public_key.as_bytes(), public, "{spec}");
        let opened = kms
            .decrypt(DecryptRequest {
                ciphertext_blob: Some(hidden.private_key_ciphertext_blob.clone()),
                encryption_context: Some(c.clone()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            public_of_pkcs8(spec, opened.plaintext.as_bytes()),
            hidden.public_key.as_bytes(),
            "{spec}"
        );
        assert_eq!(
            name(kms.decrypt(DecryptRequest {
                ciphertext_blob: Some(hidden.private_key_ciphertext_blob.clone()),
                ..Default::default()
            })),
            "InvalidCiphertextException"
        );
        assert_eq!(kms.offload().key_pairs(asym), 0, "{spec}");
    }
    // The private key signs what the public key verifies, outside KMS.
    let out = key_pair(&mut kms, &sym.key_id, "ECC_NIST_P256", &c).unwrap();
    let sk = p256::SecretKey::from_pkcs8_der(out.private_key_plaintext.as_bytes()).unwrap();
    let sig: p256::ecdsa::Signature = {
        use p256::ecdsa::signature::Signer as _;
        p256::ecdsa::SigningKey::from(&sk).sign(b"data key pair")
    };
    assert!(verify_outside(
        "ECC_NIST_P256",
        out.public_key.as_bytes(),
        "ECDSA_SHA_256",
        b"data key pair",
        sig.to_der().as_bytes()
    ));
}

#[test]
fn generate_data_key_pair_refuses_sm2_and_keys_that_are_not_symmetric() {
    let (mut kms, _) = common::setup(112);
    let sym = symmetric(&mut kms);
    let none = ctx(&[]);
    for (op, r) in [
        (
            "GenerateDataKeyPair",
            key_pair(&mut kms, &sym.key_id, "SM2", &none).map(|_| ()),
        ),
        (
            "GenerateDataKeyPairWithoutPlaintext",
            kms.generate_data_key_pair_without_plaintext(GenerateDataKeyPairRequest {
                key_id: Some(sym.key_id.clone()),
                key_pair_spec: Some("SM2".into()),
                ..Default::default()
            })
            .map(|_| ()),
        ),
    ] {
        assert_eq!(name(r), "UnsupportedOperationException", "{op}");
    }
    assert_eq!(
        name(key_pair(&mut kms, &sym.key_id, "RSA_1024", &none)),
        "ValidationException"
    );
    let p256 = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let rsa = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let hmac = try_create(&mut kms, "HMAC_384", Some("GENERATE_VERIFY_MAC")).unwrap();
    assert_eq!(
        error(key_pair(&mut kms, &p256.key_id, "ECC_NIST_P256", &none)),
        (
            "InvalidKeyUsageException".to_owned(),
            Some(format!(
                "{} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPair.",
                p256.arn
            ))
        )
    );
    let without = kms.generate_data_key_pair_without_plaintext(GenerateDataKeyPairRequest {
        key_id: Some(hmac.key_id.clone()),
        key_pair_spec: Some("ECC_NIST_P256".into()),
        ..Default::default()
    });
    assert_eq!(
        error(without).1,
        Some(format!(
            "{} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKeyPairWithoutPlaintext.",
            hmac.arn
        ))
    );
    // An RSA encryption key has the right usage but is not a symmetric key.
    assert_eq!(
        name(key_pair(&mut kms, &rsa.key_id, "ECC_NIST_P256", &none)),
        "InvalidKeyUsageException"
    );
    let dry = kms.generate_data_key_pair(GenerateDataKeyPairRequest {
        key_id: Some(sym.key_id.clone()),
        key_pair_spec: Some("ECC_NIST_P256".into()),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(
        error(dry),
        (
            "DryRunOperationException".to_owned(),
            Some("The request would have succeeded, but the DryRun option is set.".to_owned())
        )
    );
    kms.disable_key(id_req(&sym.key_id)).unwrap();
    assert_eq!(
        name(key_pair(&mut kms, &sym.key_id, "ECC_NIST_P256", &none)),
        "DisabledException"
    );
}

// ---- DeriveSharedSecret -----------------------------------------------------------------------

/// A fixed local key pair on curve `$c`, and the ECDH secret it shares with the public key in
/// `$kms_spki`, computed with the crate: `(local SPKI, secret)`.
macro_rules! outside_ecdh {
    ($c:ident, $len:expr, $kms_spki:expr) => {{
        let mut bytes = vec![0x42u8; $len];
        bytes[0] = 0x01;
        let local = $c::SecretKey::from_slice(&bytes).unwrap();
        let theirs = $c::PublicKey::from_public_key_der($kms_spki).unwrap();
        let shared = $c::ecdh::diffie_hellman(local.to_nonzero_scalar(), theirs.as_affine());
        (
            local
                .public_key()
                .to_public_key_der()
                .unwrap()
                .as_bytes()
                .to_vec(),
            shared.raw_secret_bytes().to_vec(),
        )
    }};
}

#[test]
fn derive_shared_secret_equals_ecdh_computed_outside() {
    let (mut kms, _) = common::setup(113);
    for (spec, len) in [
        ("ECC_NIST_P256", 32),
        ("ECC_NIST_P384", 48),
        ("ECC_NIST_P521", 66),
    ] {
        let a = create(&mut kms, spec, "KEY_AGREEMENT");
        let b = create(&mut kms, spec, "KEY_AGREEMENT");
        let a_pub = spki(&mut kms, &a.key_id);
        let b_pub = spki(&mut kms, &b.key_id);
        let (local_pub, expected) = match spec {
            "ECC_NIST_P256" => outside_ecdh!(p256, 32, &a_pub),
            "ECC_NIST_P384" => outside_ecdh!(p384, 48, &a_pub),
            _ => outside_ecdh!(p521, 66, &a_pub),
        };
        let out = derive(&mut kms, &a.key_id, &local_pub).unwrap();
        assert_eq!(out.shared_secret.as_bytes(), expected.as_slice(), "{spec}");
        assert_eq!(out.shared_secret.as_bytes().len(), len);
        assert_eq!(
            (
                out.key_id.as_str(),
                out.key_agreement_algorithm.as_str(),
                out.key_origin.as_str()
            ),
            (a.arn.as_str(), "ECDH", "AWS_KMS")
        );
        // Two KMS keys agree with each other, and not with the local key.
        let ab = derive(&mut kms, &a.key_id, &b_pub).unwrap().shared_secret;
        let ba = derive(&mut kms, &b.key_id, &a_pub).unwrap().shared_secret;
        assert_eq!(ab, ba, "{spec}");
        assert_ne!(ab.as_bytes(), expected.as_slice());
    }
}

#[test]
fn derive_shared_secret_refuses_foreign_public_keys_and_other_usages() {
    let (mut kms, _) = common::setup(114);
    let p256 = create(&mut kms, "ECC_NIST_P256", "KEY_AGREEMENT");
    let p384 = create(&mut kms, "ECC_NIST_P384", "KEY_AGREEMENT");
    let signer = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let k1 = create(&mut kms, "ECC_SECG_P256K1", "SIGN_VERIFY");
    let ed = create(&mut kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY");
    let rsa = create(&mut kms, "RSA_2048", "SIGN_VERIFY");
    let sym = symmetric(&mut kms);
    let p256_pub = spki(&mut kms, &p256.key_id);
    let mut peers = vec![
        spki(&mut kms, &p384.key_id),
        spki(&mut kms, &k1.key_id),
        spki(&mut kms, &ed.key_id),
        spki(&mut kms, &rsa.key_id),
        b"junk".to_vec(),
    ];
    // A truncated SPKI, and the bare EC point without its SPKI wrapping.
    peers.push(p256_pub[..p256_pub.len() - 1].to_vec());
    peers.push(p256_pub[p256_pub.len() - 65..].to_vec());
    for peer in &peers {
        let e = derive(&mut kms, &p256.key_id, peer).unwrap_err();
        assert_eq!(e.name(), "ValidationException", "{peer:?}");
        // AWS sends no message member for this error.
        assert_eq!(e.message(), None, "{peer:?}");
    }
    assert!(derive(&mut kms, &p256.key_id, &p256_pub).is_ok());
    // Keys whose usage is not KEY_AGREEMENT: the recorded texts.
    for (k, usage) in [(&signer, "SIGN_VERIFY"), (&sym, "ENCRYPT_DECRYPT")] {
        assert_eq!(
            error(derive(&mut kms, &k.key_id, &p256_pub)),
            (
                "InvalidKeyUsageException".to_owned(),
                Some(format!(
                    "{} key usage is {usage} which is not valid for DeriveSharedSecret.",
                    k.arn
                ))
            )
        );
    }
    let bad_alg = kms.derive_shared_secret(DeriveSharedSecretRequest {
        key_id: Some(p256.key_id.clone()),
        key_agreement_algorithm: Some("INVALID".into()),
        public_key: Some(Blob(p256_pub.clone())),
        ..Default::default()
    });
    assert_eq!(
        error(bad_alg),
        (
            "ValidationException".to_owned(),
            Some("1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]".to_owned())
        )
    );
    let dry = kms.derive_shared_secret(DeriveSharedSecretRequest {
        key_id: Some(p256.key_id.clone()),
        key_agreement_algorithm: Some("ECDH".into()),
        public_key: Some(Blob(p256_pub.clone())),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(name(dry), "DryRunOperationException");
    kms.disable_key(id_req(&p256.key_id)).unwrap();
    assert_eq!(
        name(derive(&mut kms, &p256.key_id, &p256_pub)),
        "DisabledException"
    );
}

// ---- Rotation and multi-Region ----------------------------------------------------------------

#[test]
fn asymmetric_keys_do_not_rotate() {
    let (mut kms, _) = common::setup(115);
    let keys = [
        create(&mut kms, "RSA_2048", "SIGN_VERIFY"),
        create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT"),
        create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY"),
        create(&mut kms, "ECC_NIST_P384", "KEY_AGREEMENT"),
        create(&mut kms, "ECC_SECG_P256K1", "SIGN_VERIFY"),
        create(&mut kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
    ];
    for k in &keys {
        let before = spki(&mut kms, &k.key_id);
        assert_eq!(
            error(kms.rotate_key_on_demand(id_req(&k.key_id))),
            ("UnsupportedOperationException".to_owned(), None),
            "{}",
            k.key_spec
        );
        let enable = kms.enable_key_rotation(EnableKeyRotationRequest {
            key_id: Some(k.key_id.clone()),
            rotation_period_in_days: None,
        });
        assert_eq!(
            name(enable),
            "UnsupportedOperationException",
            "{}",
            k.key_spec
        );
        // Nothing changed.
        assert_eq!(spki(&mut kms, &k.key_id), before);
        let described = kms
            .describe_key(DescribeKeyRequest {
                key_id: Some(k.key_id.clone()),
                ..Default::default()
            })
            .unwrap()
            .key_metadata;
        assert_eq!(&described, k);
    }
}

#[test]
fn a_replica_of_an_asymmetric_key_has_the_same_key_pair() {
    let (mut kms, _) = common::setup(116);
    let home = kms.caller().clone();
    let away = home.in_region("eu-west-1").unwrap();
    let primary = kms
        .create_key(CreateKeyRequest {
            key_spec: Some("ECC_NIST_P256".into()),
            key_usage: Some("SIGN_VERIFY".into()),
            multi_region: Some(true),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    assert!(primary.key_id.starts_with("mrk-"));
    let out = kms
        .replicate_key(ReplicateKeyRequest {
            key_id: Some(primary.key_id.clone()),
            replica_region: Some("eu-west-1".into()),
            ..Default::default()
        })
        .unwrap();
    let replica = &out.replica_key_metadata;
    assert_eq!(
        (
            replica.key_spec.as_str(),
            replica.key_usage.as_str(),
            &replica.signing_algorithms
        ),
        ("ECC_NIST_P256", "SIGN_VERIFY", &names(&["ECDSA_SHA_256"]))
    );
    assert_eq!(replica.current_key_material_id, None);
    let run = |kms: &mut TestKms, caller, request| kms.execute_as(caller, request).unwrap();
    let home_pub = spki(&mut kms, &primary.key_id);
    let Response::GetPublicKey(away_pub) = run(
        &mut kms,
        &away,
        Request::GetPublicKey(GetPublicKeyRequest {
            key_id: Some(primary.key_id.clone()),
            ..Default::default()
        }),
    ) else {
        panic!("wrong response")
    };
    assert_eq!(away_pub.public_key.as_bytes(), home_pub.as_slice());
    assert!(
        away_pub.key_id.contains(":eu-west-1:"),
        "{}",
        away_pub.key_id
    );
    // The replica verifies the primary's signature, and the primary the replica's.
    let home_sig = signature(
        &mut kms,
        &primary.key_id,
        "ECDSA_SHA_256",
        b"from home",
        false,
    );
    let Response::Verify(ok) = run(
        &mut kms,
        &away,
        Request::Verify(VerifyRequest {
            key_id: Some(primary.key_id.clone()),
            message: Some(SecretBlob(b"from home".to_vec())),
            signature: Some(Blob(home_sig)),
            signing_algorithm: Some("ECDSA_SHA_256".into()),
            ..Default::default()
        }),
    ) else {
        panic!("wrong response")
    };
    assert!(ok.signature_valid);
    assert_eq!(ok.key_id, away_pub.key_id);
    let Response::Sign(away_sig) = run(
        &mut kms,
        &away,
        Request::Sign(SignRequest {
            key_id: Some(primary.key_id.clone()),
            message: Some(SecretBlob(b"from away".to_vec())),
            signing_algorithm: Some("ECDSA_SHA_256".into()),
            ..Default::default()
        }),
    ) else {
        panic!("wrong response")
    };
    let away_sig = away_sig.signature.0;
    assert!(
        verify(
            &mut kms,
            &primary.key_id,
            "ECDSA_SHA_256",
            b"from away",
            None,
            &away_sig
        )
        .unwrap()
        .signature_valid
    );
    assert!(verify_outside(
        "ECC_NIST_P256",
        &home_pub,
        "ECDSA_SHA_256",
        b"from away",
        &away_sig
    ));

    // An RSA encryption key: ciphertext made at home decrypts away.
    kms.offload().offer_key_pair(cached_rsa(AsymSpec::Rsa2048));
    let rsa = kms
        .create_key(CreateKeyRequest {
            key_spec: Some("RSA_2048".into()),
            key_usage: Some("ENCRYPT_DECRYPT".into()),
            multi_region: Some(true),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    kms.replicate_key(ReplicateKeyRequest {
        key_id: Some(rsa.key_id.clone()),
        replica_region: Some("eu-west-1".into()),
        ..Default::default()
    })
    .unwrap();
    let ct = encrypt(
        &mut kms,
        &rsa.key_id,
        Some("RSAES_OAEP_SHA_1"),
        b"crosses regions",
    )
    .unwrap()
    .ciphertext_blob;
    let Response::Decrypt(opened) = run(
        &mut kms,
        &away,
        Request::Decrypt(DecryptRequest {
            ciphertext_blob: Some(ct),
            key_id: Some(rsa.key_id.clone()),
            encryption_algorithm: Some("RSAES_OAEP_SHA_1".into()),
            ..Default::default()
        }),
    ) else {
        panic!("wrong response")
    };
    assert_eq!(opened.plaintext.as_bytes(), b"crosses regions");
    assert!(opened.key_id.contains(":eu-west-1:"));
}

// ---- Offload ----------------------------------------------------------------------------------

#[test]
fn offered_key_pairs_are_used_by_create_key_and_generate_data_key_pair() {
    let (mut kms, _) = common::setup(117);
    let mut entropy = InsecureTestEntropy::new(4242);
    let p256 = AsymKey::generate(AsymSpec::P256, &mut entropy).unwrap();
    let p384 = AsymKey::generate(AsymSpec::P384, &mut entropy).unwrap();
    kms.offload().offer_key_pair(p384.clone());
    kms.offload().offer_key_pair(p256.clone());
    assert_eq!(kms.offload().key_pairs(AsymSpec::P256), 1);
    // CreateKey takes the pair of its spec, and only that one.
    let k = try_create(&mut kms, "ECC_NIST_P256", Some("SIGN_VERIFY")).unwrap();
    assert_eq!(spki(&mut kms, &k.key_id), p256.public_key_der().unwrap());
    assert_eq!(kms.offload().key_pairs(AsymSpec::P256), 0);
    assert_eq!(kms.offload().key_pairs(AsymSpec::P384), 1);
    // With none left, the next key is generated here.
    let fresh = try_create(&mut kms, "ECC_NIST_P256", Some("SIGN_VERIFY")).unwrap();
    assert_ne!(
        spki(&mut kms, &fresh.key_id),
        p256.public_key_der().unwrap()
    );
    let k384 = try_create(&mut kms, "ECC_NIST_P384", Some("KEY_AGREEMENT")).unwrap();
    assert_eq!(spki(&mut kms, &k384.key_id), p384.public_key_der().unwrap());
    // The key signs with the offered private key: its public half verifies, outside KMS.
    let sig = signature(&mut kms, &k.key_id, "ECDSA_SHA_256", b"offered", false);
    assert!(verify_outside(
        "ECC_NIST_P256",
        &p256.public_key_der().unwrap(),
        "ECDSA_SHA_256",
        b"offered",
        &sig
    ));
    // GenerateDataKeyPair takes one too, and hands out exactly its PKCS#8.
    let sym = symmetric(&mut kms);
    let ed = AsymKey::generate(AsymSpec::Ed25519, &mut entropy).unwrap();
    kms.offload().offer_key_pair(ed.clone());
    let pair = key_pair(&mut kms, &sym.key_id, "ECC_NIST_EDWARDS25519", &ctx(&[])).unwrap();
    assert_eq!(
        pair.private_key_plaintext.as_bytes(),
        ed.to_pkcs8().unwrap().as_slice()
    );
    assert_eq!(pair.public_key.as_bytes(), ed.public_key_der().unwrap());
    // Offers are bounded per spec.
    for _ in 0..6 {
        kms.offload().offer_key_pair(ed.clone());
    }
    assert_eq!(kms.offload().key_pairs(AsymSpec::Ed25519), 4);
    // A refused CreateKey does not consume the offer.
    assert_eq!(
        name(try_create(
            &mut kms,
            "ECC_NIST_EDWARDS25519",
            Some("KEY_AGREEMENT")
        )),
        "ValidationException"
    );
    assert_eq!(kms.offload().key_pairs(AsymSpec::Ed25519), 4);
}

#[test]
fn an_offered_signature_is_used_only_for_its_material_algorithm_and_message() {
    let (mut kms, _) = common::setup(118);
    let pair = AsymKey::generate(AsymSpec::Ed25519, &mut InsecureTestEntropy::new(77)).unwrap();
    kms.offload().offer_key_pair(pair);
    let k = try_create(&mut kms, "ECC_NIST_EDWARDS25519", Some("SIGN_VERIFY")).unwrap();
    let other = try_create(&mut kms, "ECC_NIST_EDWARDS25519", Some("SIGN_VERIFY")).unwrap();
    let der = spki(&mut kms, &k.key_id);
    let caller = kms.caller().clone();
    let (material, spec, usage) = kms.offload_target(&caller, &k.key_id, "kms:Sign").unwrap();
    assert_eq!((spec, usage.as_str()), (AsymSpec::Ed25519, "SIGN_VERIFY"));
    let (other_material, _, _) = kms
        .offload_target(&caller, &other.key_id, "kms:Sign")
        .unwrap();
    assert_ne!(material, other_material);
    // By alias too.
    kms.create_alias(AliasRequest {
        alias_name: Some("alias/signer".into()),
        target_key_id: Some(k.key_id.clone()),
    })
    .unwrap();
    assert_eq!(
        kms.offload_target(&caller, "alias/signer", "kms:Sign")
            .map(|t| t.0),
        Some(material)
    );

    let ed = SigningAlgorithm::Ed25519Sha512;
    let ph = SigningAlgorithm::Ed25519PhSha512;
    // The offered result for exactly this call is what Sign returns (a marker proves it).
    let marker = vec![0x5a; 64];
    kms.offload()
        .offer_signature(material, ed, b"offered", marker.clone());
    let out = sign(&mut kms, &k.key_id, "ED25519_SHA_512", b"offered", None).unwrap();
    assert_eq!(out.signature.0, marker);

    // Any mismatch: the offer is ignored and a real signature comes back.
    let real = |kms: &mut TestKms, id: &str, alg: &str, msg: &[u8], digest: bool| {
        let sig = signature(kms, id, alg, msg, digest);
        assert_ne!(sig, marker, "{alg}");
        sig
    };
    // Another message; the offer is then gone, so the call for that message is real too.
    kms.offload()
        .offer_signature(material, ed, b"another", marker.clone());
    let sig = real(&mut kms, &k.key_id, "ED25519_SHA_512", b"offered", false);
    assert!(verify_outside(
        "ECC_NIST_EDWARDS25519",
        &der,
        "ED25519_SHA_512",
        b"offered",
        &sig
    ));
    let sig = real(&mut kms, &k.key_id, "ED25519_SHA_512", b"another", false);
    assert!(verify_outside(
        "ECC_NIST_EDWARDS25519",
        &der,
        "ED25519_SHA_512",
        b"another",
        &sig
    ));
    // Another algorithm.
    let d = Sha512::digest(b"offered").to_vec();
    kms.offload()
        .offer_signature(material, ph, &d, marker.clone());
    let sig = real(&mut kms, &k.key_id, "ED25519_SHA_512", &d, false);
    assert!(verify_outside(
        "ECC_NIST_EDWARDS25519",
        &der,
        "ED25519_SHA_512",
        &d,
        &sig
    ));
    // The same bytes as a DIGEST: an offer is for a RAW message, never a digest.
    kms.offload()
        .offer_signature(material, ph, &d, marker.clone());
    let sig = real(&mut kms, &k.key_id, "ED25519_PH_SHA_512", &d, true);
    assert!(verify_outside(
        "ECC_NIST_EDWARDS25519",
        &der,
        "ED25519_PH_SHA_512",
        b"offered",
        &sig
    ));
    // Another key's material, or a made-up one.
    for m in [other_material, [0u8; 32]] {
        kms.offload()
            .offer_signature(m, ed, b"offered", marker.clone());
        let sig = real(&mut kms, &k.key_id, "ED25519_SHA_512", b"offered", false);
        assert!(verify_outside(
            "ECC_NIST_EDWARDS25519",
            &der,
            "ED25519_SHA_512",
            b"offered",
            &sig
        ));
    }
    // Offered for the first key, taken by a call to the other key: ignored.
    let other_der = spki(&mut kms, &other.key_id);
    kms.offload()
        .offer_signature(material, ed, b"offered", marker.clone());
    let sig = real(
        &mut kms,
        &other.key_id,
        "ED25519_SHA_512",
        b"offered",
        false,
    );
    assert!(verify_outside(
        "ECC_NIST_EDWARDS25519",
        &other_der,
        "ED25519_SHA_512",
        b"offered",
        &sig
    ));
    // A call that fails still clears the offer: a DryRun, then the same Sign for real.
    kms.offload()
        .offer_signature(material, ed, b"offered", marker.clone());
    let dry = kms.sign(SignRequest {
        key_id: Some(k.key_id.clone()),
        message: Some(SecretBlob(b"offered".to_vec())),
        signing_algorithm: Some("ED25519_SHA_512".into()),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(name(dry), "DryRunOperationException");
    real(&mut kms, &k.key_id, "ED25519_SHA_512", b"offered", false);
    // An offer never outlives a call that does not look for one.
    kms.offload()
        .offer_signature(material, ed, b"offered", marker.clone());
    spki(&mut kms, &k.key_id);
    real(&mut kms, &k.key_id, "ED25519_SHA_512", b"offered", false);
}

#[test]
fn an_offered_decryption_is_used_only_for_its_ciphertext() {
    let (mut kms, _) = common::setup(119);
    let k = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let sym = symmetric(&mut kms);
    let caller = kms.caller().clone();
    let (material, spec, usage) = kms.offload_target(&caller, &k.arn, "kms:Sign").unwrap();
    assert_eq!(
        (spec, usage.as_str()),
        (AsymSpec::Rsa2048, "ENCRYPT_DECRYPT")
    );
    // The PKCS#8 an engine would import is the key's.
    let pkcs8 = kms
        .offload_private_key(&caller, &k.key_id, &material, "kms:Decrypt")
        .unwrap();
    assert_eq!(
        public_of_pkcs8("RSA_2048", &pkcs8),
        spki(&mut kms, &k.key_id)
    );
    assert!(kms
        .offload_private_key(&caller, &k.key_id, &[0; 32], "kms:Decrypt")
        .is_none());

    let alg = Some("RSAES_OAEP_SHA_256");
    let ct = encrypt(&mut kms, &k.key_id, alg, b"the real plaintext")
        .unwrap()
        .ciphertext_blob
        .0;
    let ct2 = encrypt(&mut kms, &k.key_id, alg, b"second")
        .unwrap()
        .ciphertext_blob
        .0;
    let marker = || Some(Zeroizing::new(b"offered plaintext".to_vec()));
    let open = |kms: &mut TestKms, blob: &[u8]| {
        decrypt(kms, Some(&k.key_id), alg, blob).map(|d| d.plaintext.as_bytes().to_vec())
    };
    // Used for exactly its material, hash and ciphertext.
    kms.offload()
        .offer_decryption(material, OaepHash::Sha256, &ct, marker());
    assert_eq!(open(&mut kms, &ct).unwrap(), b"offered plaintext");
    // An offered failure is IncorrectKey, as a failed decryption here would be.
    kms.offload()
        .offer_decryption(material, OaepHash::Sha256, &ct, None);
    assert_eq!(name(open(&mut kms, &ct)), "IncorrectKeyException");
    // Another ciphertext: ignored, and not kept for the call that wants it.
    kms.offload()
        .offer_decryption(material, OaepHash::Sha256, &ct2, marker());
    assert_eq!(open(&mut kms, &ct).unwrap(), b"the real plaintext");
    assert_eq!(open(&mut kms, &ct2).unwrap(), b"second");
    // Another hash, another material: ignored.
    kms.offload()
        .offer_decryption(material, OaepHash::Sha1, &ct, marker());
    assert_eq!(open(&mut kms, &ct).unwrap(), b"the real plaintext");
    kms.offload()
        .offer_decryption([7; 32], OaepHash::Sha256, &ct, marker());
    assert_eq!(open(&mut kms, &ct).unwrap(), b"the real plaintext");
    // ReEncrypt's RSA source side takes the offer too.
    kms.offload()
        .offer_decryption(material, OaepHash::Sha256, &ct, marker());
    let moved = kms
        .re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(ct.clone())),
            source_key_id: Some(k.key_id.clone()),
            source_encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
            destination_key_id: Some(sym.key_id.clone()),
            ..Default::default()
        })
        .unwrap();
    let opened = decrypt(&mut kms, None, None, moved.ciphertext_blob.as_bytes()).unwrap();
    assert_eq!(opened.plaintext.as_bytes(), b"offered plaintext");
    // A refused call (wrong usage for the key) clears the offer as well.
    kms.offload()
        .offer_decryption(material, OaepHash::Sha256, &ct, marker());
    assert_eq!(
        name(decrypt(&mut kms, Some(&k.key_id), None, &ct)),
        "InvalidKeyUsageException"
    );
    assert_eq!(open(&mut kms, &ct).unwrap(), b"the real plaintext");
}

// ---- Audit ------------------------------------------------------------------------------------

#[test]
fn the_audit_trail_never_holds_messages_private_keys_or_secrets() {
    let (mut kms, _) = common::setup(120);
    let signer = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let rsa = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let agree = create(&mut kms, "ECC_NIST_P384", "KEY_AGREEMENT");
    let sym = symmetric(&mut kms);
    let canary = b"asymmetric audit canary 5b1e0f: never log me".to_vec();
    let mut secrets = vec![canary.clone()];

    let sig = signature(&mut kms, &signer.key_id, "ECDSA_SHA_256", &canary, false);
    verify(
        &mut kms,
        &signer.key_id,
        "ECDSA_SHA_256",
        &canary,
        None,
        &sig,
    )
    .unwrap();
    let digest = Sha256::digest(&canary).to_vec();
    signature(&mut kms, &signer.key_id, "ECDSA_SHA_256", &digest, true);
    secrets.push(digest);
    // Failing calls with the canary.
    let _ = sign(&mut kms, &signer.key_id, "ECDSA_SHA_384", &canary, None);
    let _ = verify(
        &mut kms,
        &signer.key_id,
        "ECDSA_SHA_256",
        &canary,
        None,
        &[1; 70],
    );
    let ct = encrypt(&mut kms, &rsa.key_id, Some("RSAES_OAEP_SHA_256"), &canary)
        .unwrap()
        .ciphertext_blob;
    decrypt(
        &mut kms,
        Some(&rsa.key_id),
        Some("RSAES_OAEP_SHA_256"),
        ct.as_bytes(),
    )
    .unwrap();
    let c = ctx(&[("audit", "pairs")]);
    for spec in ["ECC_NIST_P256", "ECC_NIST_EDWARDS25519", "RSA_2048"] {
        if spec == "RSA_2048" {
            kms.offload().offer_key_pair(cached_rsa(AsymSpec::Rsa2048));
        }
        let pair = key_pair(&mut kms, &sym.key_id, spec, &c).unwrap();
        secrets.push(pair.private_key_plaintext.as_bytes().to_vec());
    }
    let peer = spki(&mut kms, &agree.key_id);
    let shared = derive(&mut kms, &agree.key_id, &peer).unwrap();
    secrets.push(shared.shared_secret.as_bytes().to_vec());
    // Through the JSON wire as well.
    kms.call_json(
        "Sign",
        json!({"KeyId": signer.arn, "Message": STANDARD.encode(&canary), "SigningAlgorithm": "ECDSA_SHA_256"}),
    )
    .unwrap();

    let events: Vec<_> = kms.audit().events().collect();
    let signs: Vec<_> = events.iter().filter(|e| e.event_name == "Sign").collect();
    assert_eq!(signs.len(), 4);
    for e in &signs {
        let params = e.request_parameters.as_object().unwrap();
        let id = params["keyId"].as_str().unwrap();
        assert!(id == signer.key_id || id == signer.arn, "{id}");
        assert!(params.contains_key("signingAlgorithm"), "{params:?}");
        assert!(!params.contains_key("message"), "{params:?}");
    }
    let pair_events = events
        .iter()
        .filter(|e| e.event_name == "GenerateDataKeyPair")
        .count();
    assert_eq!(pair_events, 3);
    let trail = serde_json::to_string(&events).unwrap();
    assert!(trail.contains(&signer.key_id));
    assert!(trail.contains("ECDSA_SHA_256"));
    // The (non-secret) encryption context of the pairs is there.
    assert!(trail.contains(r#"{"audit":"pairs"}"#), "{trail}");
    for secret in &secrets {
        for needle in common::encodings(secret) {
            assert!(
                !trail.contains(&needle),
                "the audit trail holds a secret encoded as {needle}"
            );
        }
    }
    let lower = trail.to_ascii_lowercase();
    for member in [
        "\"message\"",
        "\"plaintext\"",
        "\"privatekeyplaintext\"",
        "\"sharedsecret\"",
    ] {
        assert!(!lower.contains(member), "{member}");
    }
}

/// UpdateAlias moves an alias only to a key of the same kind (symmetric, asymmetric, HMAC) and
/// the same key usage; anything else is refused and the alias keeps its target.
#[test]
fn update_alias_keeps_the_key_kind_and_usage() {
    let (mut kms, _) = common::setup(130);
    let alias = |name: &str, target: &str| AliasRequest {
        alias_name: Some(name.to_owned()),
        target_key_id: Some(target.to_owned()),
    };
    let sym = symmetric(&mut kms);
    let sym2 = symmetric(&mut kms);
    let p256_sign = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let p384_sign = create(&mut kms, "ECC_NIST_P384", "SIGN_VERIFY");
    let p256_agree = create(&mut kms, "ECC_NIST_P256", "KEY_AGREEMENT");
    let hmac = create(&mut kms, "HMAC_256", "GENERATE_VERIFY_MAC");
    kms.create_alias(alias("alias/sym", &sym.key_id)).unwrap();
    kms.create_alias(alias("alias/signer", &p256_sign.key_id))
        .unwrap();
    for (name, target) in [
        ("alias/sym", &p256_sign.key_id),
        ("alias/sym", &hmac.key_id),
        ("alias/signer", &sym.key_id),
        ("alias/signer", &p256_agree.key_id),
    ] {
        let (e, message) = error(kms.update_alias(alias(name, target)));
        assert_eq!(e, "ValidationException", "{name} -> {target}");
        assert!(message
            .unwrap()
            .starts_with(&format!("Alias {name} cannot be updated")));
    }
    let target_of = |kms: &mut TestKms, a: &str| {
        kms.describe_key(DescribeKeyRequest {
            key_id: Some(a.to_owned()),
            ..Default::default()
        })
        .unwrap()
        .key_metadata
        .key_id
    };
    assert_eq!(target_of(&mut kms, "alias/sym"), sym.key_id);
    assert_eq!(target_of(&mut kms, "alias/signer"), p256_sign.key_id);
    // Same kind and usage: allowed, even across specs.
    kms.update_alias(alias("alias/sym", &sym2.key_id)).unwrap();
    kms.update_alias(alias("alias/signer", &p384_sign.key_id))
        .unwrap();
    assert_eq!(target_of(&mut kms, "alias/sym"), sym2.key_id);
    assert_eq!(target_of(&mut kms, "alias/signer"), p384_sign.key_id);
}

/// An offered result never outlives the call it was offered for, even one whose input does not
/// parse; and keys are handed to an engine only for calls the caller may make now.
#[test]
fn offers_end_with_their_call_and_need_an_allowed_caller() {
    let (mut kms, _) = common::setup(131);
    let k = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let caller = kms.caller().clone();
    let (material, _, _) = kms.offload_target(&caller, &k.key_id, "kms:Sign").unwrap();
    let marker = vec![0x5a; 70];
    kms.offload().offer_signature(
        material,
        SigningAlgorithm::EcdsaSha256,
        b"m",
        marker.clone(),
    );
    let e = kms
        .call_json(
            "Sign",
            serde_json::json!({ "KeyId": k.key_id, "Message": "bQ==", "SigningAlgorithm": "ECDSA_SHA_256", "GrantTokens": 5 }),
        )
        .unwrap_err();
    assert_eq!(e.name(), "SerializationException");
    let out = sign(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", None).unwrap();
    assert_ne!(out.signature.0, marker, "the offer outlived its call");
    // An unknown operation name ends an offer too.
    kms.offload().offer_signature(
        material,
        SigningAlgorithm::EcdsaSha256,
        b"m",
        marker.clone(),
    );
    assert!(kms.call_json("Sgn", serde_json::json!({})).is_err());
    let out = sign(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", None).unwrap();
    assert_ne!(out.signature.0, marker);
    // A disabled key is not handed out.
    kms.disable_key(KeyIdRequest {
        key_id: Some(k.key_id.clone()),
    })
    .unwrap();
    assert!(kms.offload_target(&caller, &k.key_id, "kms:Sign").is_none());
    assert!(kms
        .offload_private_key(&caller, &k.key_id, &material, "kms:Sign")
        .is_none());
    assert!(kms
        .offload_public_key(&caller, &k.key_id, &material, "kms:Verify")
        .is_none());
}

/// Checks that depend on the request alone come before the key is looked up, and a DryRun
/// Verify reports success only for a signature that verifies.
#[test]
fn request_checks_come_first_and_dry_run_verify_checks_the_signature() {
    let (mut kms, _) = common::setup(132);
    let absent = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let (e, message) = error(sign(
        &mut kms,
        absent,
        "ECDSA_SHA_256",
        &[0; 31],
        Some("DIGEST"),
    ));
    assert_eq!(e, "ValidationException");
    assert_eq!(
        message.as_deref(),
        Some("Digest is invalid length for algorithm ECDSA_SHA_256.")
    );
    let (e, _) = error(sign(
        &mut kms,
        absent,
        "ED25519_SHA_512",
        &[0; 64],
        Some("DIGEST"),
    ));
    assert_eq!(e, "ValidationException");
    assert_eq!(
        name(sign(&mut kms, absent, "ECDSA_SHA_256", b"m", None)),
        "NotFoundException"
    );
    let k = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let sig = sign(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", None)
        .unwrap()
        .signature
        .0;
    let dry = |kms: &mut TestKms, sig: &[u8]| {
        kms.verify(VerifyRequest {
            key_id: Some(k.key_id.clone()),
            message: Some(SecretBlob(b"m".to_vec())),
            signature: Some(Blob(sig.to_vec())),
            signing_algorithm: Some("ECDSA_SHA_256".into()),
            dry_run: Some(true),
            ..Default::default()
        })
    };
    assert_eq!(name(dry(&mut kms, &sig)), "DryRunOperationException");
    let mut bad = sig.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(name(dry(&mut kms, &bad)), "KMSInvalidSignatureException");
}
