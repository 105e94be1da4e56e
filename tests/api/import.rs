//! Imported key material: material wrapped outside KMS (here with the `rsa` and `aes-kw`
//! crates, as a caller would with OpenSSL) imports, encrypts, expires, is deleted, and comes
//! back by re-import with every ciphertext it made.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use crate::common;
use common::{TestKms, DAY, START};

use aes_kw::aes::Aes256;
use aes_kw::{AesKwp, KeyInit};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Oaep, PublicKey};
use sha2::Sha256;
use wasm_kms::codec::{Blob, SecretBlob, Timestamp};
use wasm_kms::crypto::wrap::EntropyRng;
use wasm_kms::env::{Entropy, InsecureTestEntropy};
use wasm_kms::model::*;
use wasm_kms::KmsError;

const MATERIAL: [u8; 32] = [0x42; 32];

fn external(kms: &mut TestKms) -> KeyMetadata {
    kms.create_key(CreateKeyRequest {
        origin: Some("EXTERNAL".into()),
        ..Default::default()
    })
    .unwrap()
    .key_metadata
}

fn parameters(
    kms: &mut TestKms,
    id: &str,
    algorithm: &str,
) -> Result<GetParametersForImportResponse, KmsError> {
    kms.get_parameters_for_import(GetParametersForImportRequest {
        key_id: Some(id.to_owned()),
        wrapping_algorithm: Some(algorithm.to_owned()),
        wrapping_key_spec: Some("RSA_2048".into()),
    })
}

/// Wraps `material` as a caller does outside KMS.
fn wrap(public_key_der: &[u8], algorithm: &str, material: &[u8]) -> Vec<u8> {
    let public = PublicKey::from_public_key_der(public_key_der).unwrap();
    let mut entropy = InsecureTestEntropy::new(77);
    let mut rng = EntropyRng(&mut entropy);
    match algorithm {
        "RSAES_OAEP_SHA_256" => public
            .encrypt(&mut rng, Oaep::<Sha256>::new(), material)
            .unwrap(),
        "RSA_AES_KEY_WRAP_SHA_256" => {
            let mut aes_key = [0u8; 32];
            InsecureTestEntropy::new(78).fill(&mut aes_key).unwrap();
            let head = public
                .encrypt(&mut rng, Oaep::<Sha256>::new(), &aes_key)
                .unwrap();
            let mut buf = vec![0u8; material.len() + 16];
            let kwp = AesKwp::<Aes256>::new((&aes_key).into());
            let tail = kwp.wrap_key(material, &mut buf).unwrap().to_vec();
            [head, tail].concat()
        }
        other => panic!("no wrapping for {other}"),
    }
}

fn import(
    kms: &mut TestKms,
    id: &str,
    params: &GetParametersForImportResponse,
    wrapped: Vec<u8>,
    valid_to: Option<Timestamp>,
) -> Result<KeyMaterialResponse, KmsError> {
    kms.import_key_material(ImportKeyMaterialRequest {
        key_id: Some(id.to_owned()),
        import_token: Some(params.import_token.clone()),
        encrypted_key_material: Some(SecretBlob(wrapped)),
        valid_to,
        expiration_model: valid_to
            .is_none()
            .then(|| "KEY_MATERIAL_DOES_NOT_EXPIRE".to_owned()),
        ..Default::default()
    })
}

fn describe(kms: &mut TestKms, id: &str) -> KeyMetadata {
    kms.describe_key(DescribeKeyRequest {
        key_id: Some(id.to_owned()),
        ..Default::default()
    })
    .unwrap()
    .key_metadata
}

fn encrypt(kms: &mut TestKms, id: &str) -> Result<Vec<u8>, KmsError> {
    kms.encrypt(EncryptRequest {
        key_id: Some(id.to_owned()),
        plaintext: Some(SecretBlob(b"imported".to_vec())),
        ..Default::default()
    })
    .map(|r| r.ciphertext_blob.0)
}

fn decrypt(kms: &mut TestKms, blob: &[u8]) -> Result<Vec<u8>, KmsError> {
    kms.decrypt(DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        ..Default::default()
    })
    .map(|r| r.plaintext.as_bytes().to_vec())
}

#[test]
fn a_key_waits_for_its_material_then_uses_it() {
    let (mut kms, _) = common::setup(21);
    let k = external(&mut kms);
    assert_eq!(
        (k.key_state.as_str(), k.enabled, k.origin.as_str()),
        ("PendingImport", false, "EXTERNAL")
    );
    assert_eq!(k.current_key_material_id, None);
    assert_eq!(
        encrypt(&mut kms, &k.key_id).unwrap_err().message(),
        Some(format!("{} is pending import.", k.arn).as_str())
    );

    let params = parameters(&mut kms, &k.key_id, "RSAES_OAEP_SHA_256").unwrap();
    assert_eq!(params.key_id, k.arn);
    assert_eq!(params.parameters_valid_to, Timestamp(START + DAY));
    let valid_to = Timestamp(START + 30 * DAY);
    let wrapped = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &MATERIAL,
    );
    let out = import(&mut kms, &k.key_id, &params, wrapped, Some(valid_to)).unwrap();
    assert_eq!(out.key_id, k.arn);
    assert_eq!(out.key_material_id.len(), 64);

    let md = describe(&mut kms, &k.key_id);
    assert_eq!((md.key_state.as_str(), md.enabled), ("Enabled", true));
    assert_eq!(
        md.current_key_material_id.as_deref(),
        Some(out.key_material_id.as_str())
    );
    assert_eq!(md.expiration_model.as_deref(), Some("KEY_MATERIAL_EXPIRES"));
    assert_eq!(md.valid_to, Some(valid_to));
    let blob = encrypt(&mut kms, &k.key_id).unwrap();
    assert_eq!(decrypt(&mut kms, &blob).unwrap(), b"imported");
}

#[test]
fn rsa_aes_key_wrap_imports_too() {
    let (mut kms, _) = common::setup(22);
    let k = external(&mut kms);
    let params = parameters(&mut kms, &k.key_id, "RSA_AES_KEY_WRAP_SHA_256").unwrap();
    let wrapped = wrap(
        params.public_key.as_bytes(),
        "RSA_AES_KEY_WRAP_SHA_256",
        &MATERIAL,
    );
    import(&mut kms, &k.key_id, &params, wrapped, None).unwrap();
    let md = describe(&mut kms, &k.key_id);
    assert_eq!(
        md.expiration_model.as_deref(),
        Some("KEY_MATERIAL_DOES_NOT_EXPIRE")
    );
    assert_eq!(md.valid_to, None);
}

#[test]
fn tokens_and_material_are_checked() {
    let (mut kms, clock) = common::setup(23);
    let k = external(&mut kms);
    let other = external(&mut kms);
    let params = parameters(&mut kms, &k.key_id, "RSAES_OAEP_SHA_256").unwrap();
    let foreign = parameters(&mut kms, &other.key_id, "RSAES_OAEP_SHA_256").unwrap();
    let good = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &MATERIAL,
    );
    let later = Some(Timestamp(START + DAY));

    // A token of another key.
    let e = import(&mut kms, &k.key_id, &foreign, good.clone(), later).unwrap_err();
    assert_eq!(e.name(), "InvalidImportTokenException");
    // Tampered material.
    let mut bad = good.clone();
    bad[5] ^= 1;
    assert_eq!(
        import(&mut kms, &k.key_id, &params, bad, later)
            .unwrap_err()
            .name(),
        "InvalidCiphertextException"
    );
    // Wrong length of material.
    let short = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &[1u8; 16],
    );
    assert_eq!(
        import(&mut kms, &k.key_id, &params, short, later)
            .unwrap_err()
            .name(),
        "IncorrectKeyMaterialException"
    );
    // ValidTo rules.
    let e = kms
        .import_key_material(ImportKeyMaterialRequest {
            key_id: Some(k.key_id.clone()),
            import_token: Some(params.import_token.clone()),
            encrypted_key_material: Some(SecretBlob(good.clone())),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
    );
    let too_far = Some(Timestamp(START + 366 * DAY));
    assert_eq!(
        import(&mut kms, &k.key_id, &params, good.clone(), too_far)
            .unwrap_err()
            .name(),
        "ValidationException"
    );
    assert_eq!(describe(&mut kms, &k.key_id).key_state, "PendingImport");

    // The first import fixes the material; the same material again is accepted, other is not.
    import(&mut kms, &k.key_id, &params, good.clone(), later).unwrap();
    import(&mut kms, &k.key_id, &params, good, later).unwrap();
    let different = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &[0x43; 32],
    );
    assert_eq!(
        import(&mut kms, &k.key_id, &params, different, later)
            .unwrap_err()
            .name(),
        "IncorrectKeyMaterialException"
    );

    // Tokens expire after 24 hours.
    clock.set(Timestamp(START + DAY + 1));
    let again = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &MATERIAL,
    );
    let e = import(
        &mut kms,
        &k.key_id,
        &params,
        again,
        Some(Timestamp(START + 2 * DAY)),
    )
    .unwrap_err();
    assert_eq!(e.name(), "ExpiredImportTokenException");
}

#[test]
fn expired_or_deleted_material_comes_back_by_re_import() {
    let (mut kms, clock) = common::setup(24);
    let k = external(&mut kms);
    let params = parameters(&mut kms, &k.key_id, "RSAES_OAEP_SHA_256").unwrap();
    let valid_to = Timestamp(START + 10 * DAY);
    let wrapped = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &MATERIAL,
    );
    let material_id = import(&mut kms, &k.key_id, &params, wrapped, Some(valid_to))
        .unwrap()
        .key_material_id;
    let blob = encrypt(&mut kms, &k.key_id).unwrap();

    clock.set(Timestamp(valid_to.millis() - 1_000));
    assert_eq!(describe(&mut kms, &k.key_id).key_state, "Enabled");
    clock.set(valid_to);
    let md = describe(&mut kms, &k.key_id);
    assert_eq!(md.key_state, "PendingImport");
    assert_eq!((md.expiration_model, md.valid_to), (None, None));
    assert_eq!(
        md.current_key_material_id.as_deref(),
        Some(material_id.as_str())
    );
    assert_eq!(
        decrypt(&mut kms, &blob).unwrap_err().name(),
        "KMSInvalidStateException"
    );
    assert!(kms
        .audit()
        .events()
        .any(|e| e.event_name == "DeleteExpiredKeyMaterial"));

    let params = parameters(&mut kms, &k.key_id, "RSAES_OAEP_SHA_256").unwrap();
    let wrapped = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &MATERIAL,
    );
    import(&mut kms, &k.key_id, &params, wrapped, None).unwrap();
    assert_eq!(decrypt(&mut kms, &blob).unwrap(), b"imported");

    let out = kms
        .delete_imported_key_material(DeleteImportedKeyMaterialRequest {
            key_id: Some(k.key_id.clone()),
            key_material_id: None,
        })
        .unwrap();
    assert_eq!(
        (out.key_id.as_str(), out.key_material_id.as_str()),
        (k.arn.as_str(), material_id.as_str())
    );
    assert_eq!(describe(&mut kms, &k.key_id).key_state, "PendingImport");
    let wrapped = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &MATERIAL,
    );
    import(&mut kms, &k.key_id, &params, wrapped, None).unwrap();
    assert_eq!(decrypt(&mut kms, &blob).unwrap(), b"imported");
}

#[test]
fn import_operations_refuse_keys_with_kms_material_and_bad_parameters() {
    let (mut kms, _) = common::setup(25);
    let own = kms
        .create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata;
    let expected = format!(
        "{} origin is AWS_KMS which is not valid for this operation.",
        own.arn
    );
    let e = parameters(&mut kms, &own.key_id, "RSAES_OAEP_SHA_256").unwrap_err();
    assert_eq!(
        (e.name(), e.message()),
        ("UnsupportedOperationException", Some(expected.as_str()))
    );
    let e = kms
        .delete_imported_key_material(DeleteImportedKeyMaterialRequest {
            key_id: Some(own.key_id.clone()),
            key_material_id: None,
        })
        .unwrap_err();
    assert_eq!(e.name(), "UnsupportedOperationException");
    let k = external(&mut kms);
    for (algorithm, name) in [
        ("RSAES_PKCS1_V1_5", "ValidationException"),
        ("SM2PKE", "ValidationException"),
        ("NONE", "ValidationException"),
    ] {
        assert_eq!(
            parameters(&mut kms, &k.key_id, algorithm)
                .unwrap_err()
                .name(),
            name,
            "{algorithm}"
        );
    }
    // Rotation is for material KMS makes.
    let e = kms
        .enable_key_rotation(EnableKeyRotationRequest {
            key_id: Some(k.key_id.clone()),
            rotation_period_in_days: None,
        })
        .unwrap_err();
    assert_eq!(e.name(), "UnsupportedOperationException");
}

#[test]
fn on_demand_rotation_of_imported_material_needs_pending_material() {
    let (mut kms, _) = common::setup(26);
    let k = external(&mut kms);
    let params = parameters(&mut kms, &k.key_id, "RSAES_OAEP_SHA_256").unwrap();
    let wrapped = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &MATERIAL,
    );
    import(&mut kms, &k.key_id, &params, wrapped, None).unwrap();
    let e = kms
        .rotate_key_on_demand(KeyIdRequest {
            key_id: Some(k.key_id.clone()),
        })
        .unwrap_err();
    assert_eq!(
        (e.name(), e.message()),
        (
            "KMSInvalidStateException",
            Some(
                format!(
                    "No available key material pending rotation for the key: {}.",
                    k.arn
                )
                .as_str()
            )
        )
    );
}

fn external_of(kms: &mut TestKms, spec: &str, usage: &str) -> KeyMetadata {
    kms.create_key(CreateKeyRequest {
        origin: Some("EXTERNAL".into()),
        key_spec: Some(spec.to_owned()),
        key_usage: Some(usage.to_owned()),
        ..Default::default()
    })
    .unwrap()
    .key_metadata
}

/// HMAC keys import raw key bytes within AWS's lengths, and the MACs are those of that key.
#[test]
fn hmac_keys_import_raw_material_within_aws_lengths() {
    use hmac::{Hmac, KeyInit as _, Mac as _};
    let (mut kms, _) = common::setup(41);
    let k = external_of(&mut kms, "HMAC_256", "GENERATE_VERIFY_MAC");
    assert_eq!(k.key_state, "PendingImport");
    let params = parameters(&mut kms, &k.key_id, "RSAES_OAEP_SHA_256").unwrap();
    // 31 and 65 bytes are outside HMAC_256's 32 to 64.
    for len in [31, 65] {
        let e = import(
            &mut kms,
            &k.key_id,
            &params,
            wrap(
                params.public_key.as_bytes(),
                "RSAES_OAEP_SHA_256",
                &vec![7; len],
            ),
            None,
        )
        .unwrap_err();
        assert_eq!(e.name(), "IncorrectKeyMaterialException", "{len}");
        assert!(e
            .message()
            .unwrap()
            .starts_with("The key material must be 32 to 64 bytes"));
    }
    let material = [0x5a; 40];
    let wrapped = wrap(
        params.public_key.as_bytes(),
        "RSAES_OAEP_SHA_256",
        &material,
    );
    import(&mut kms, &k.key_id, &params, wrapped, None).unwrap();
    let md = describe(&mut kms, &k.key_id);
    assert_eq!(md.key_state, "Enabled");
    assert_eq!(
        md.current_key_material_id, None,
        "HMAC keys show no CurrentKeyMaterialId"
    );
    let out = kms
        .generate_mac(GenerateMacRequest {
            message: Some(SecretBlob(b"imported mac".to_vec())),
            key_id: Some(k.key_id.clone()),
            mac_algorithm: Some("HMAC_SHA_256".into()),
            ..Default::default()
        })
        .unwrap();
    let mut expected = Hmac::<Sha256>::new_from_slice(&material).unwrap();
    expected.update(b"imported mac");
    assert_eq!(out.mac.0, expected.finalize().into_bytes().to_vec());
}

/// Asymmetric keys import a DER PKCS#8 private key of their spec; the public key and the
/// signatures are that key's, and only the same key is accepted again after deletion.
#[test]
fn asymmetric_keys_import_pkcs8_material_and_accept_only_it_again() {
    use p256::ecdsa::signature::Verifier as _;
    use p256::pkcs8::{DecodePublicKey as _, EncodePrivateKey as _, EncodePublicKey as _};
    let (mut kms, _) = common::setup(42);
    let k = external_of(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let secret = p256::SecretKey::from_slice(&[0x11; 32]).unwrap();
    let pkcs8 = secret.to_pkcs8_der().unwrap().as_bytes().to_vec();
    let wrapped_for = |kms: &mut TestKms, material: &[u8]| {
        let params = parameters(kms, &k.key_id, "RSA_AES_KEY_WRAP_SHA_256").unwrap();
        let wrapped = wrap(
            params.public_key.as_bytes(),
            "RSA_AES_KEY_WRAP_SHA_256",
            material,
        );
        (params, wrapped)
    };
    // A key of another curve, and bytes that are no key, are refused.
    let p384 = p384::SecretKey::from_slice(&[0x22; 48])
        .unwrap()
        .to_pkcs8_der()
        .unwrap();
    for bad in [p384.as_bytes().to_vec(), vec![1u8; 100]] {
        let (params, wrapped) = wrapped_for(&mut kms, &bad);
        let e = import(&mut kms, &k.key_id, &params, wrapped, None).unwrap_err();
        assert_eq!(e.name(), "IncorrectKeyMaterialException");
    }
    let (params, wrapped) = wrapped_for(&mut kms, &pkcs8);
    import(&mut kms, &k.key_id, &params, wrapped, None).unwrap();
    let public = kms
        .get_public_key(GetPublicKeyRequest {
            key_id: Some(k.key_id.clone()),
            grant_tokens: None,
        })
        .unwrap()
        .public_key;
    assert_eq!(
        public.0,
        secret.public_key().to_public_key_der().unwrap().as_bytes()
    );
    let signed = kms
        .sign(SignRequest {
            key_id: Some(k.key_id.clone()),
            message: Some(SecretBlob(b"imported signer".to_vec())),
            signing_algorithm: Some("ECDSA_SHA_256".into()),
            ..Default::default()
        })
        .unwrap();
    let verifying = p256::ecdsa::VerifyingKey::from_public_key_der(&public.0).unwrap();
    let sig = p256::ecdsa::Signature::from_der(&signed.signature.0).unwrap();
    assert!(verifying.verify(b"imported signer", &sig).is_ok());
    // Deleted, the key takes back only the same key (here in its SEC1-in-PKCS#8 form again).
    kms.delete_imported_key_material(DeleteImportedKeyMaterialRequest {
        key_id: Some(k.key_id.clone()),
        key_material_id: None,
    })
    .unwrap();
    assert_eq!(describe(&mut kms, &k.key_id).key_state, "PendingImport");
    let other = p256::SecretKey::from_slice(&[0x33; 32])
        .unwrap()
        .to_pkcs8_der()
        .unwrap();
    let (params, wrapped) = wrapped_for(&mut kms, other.as_bytes());
    let e = import(&mut kms, &k.key_id, &params, wrapped, None).unwrap_err();
    assert_eq!(e.name(), "IncorrectKeyMaterialException");
    let (params, wrapped) = wrapped_for(&mut kms, &pkcs8);
    import(&mut kms, &k.key_id, &params, wrapped, None).unwrap();
    assert_eq!(describe(&mut kms, &k.key_id).key_state, "Enabled");
    assert_eq!(describe(&mut kms, &k.key_id).current_key_material_id, None);
}
