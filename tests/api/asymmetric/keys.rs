//! Asymmetric keys: CreateKey and DescribeKey for the RSA, ECC and Ed25519 specs,
//! GetPublicKey, and aliases that keep to one kind of key.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::pkcs8::DecodePublicKey as _;
use serde_json::json;
use wasm_kms::model::*;

use crate::common;
use crate::support::asym::*;

// ---- CreateKey, DescribeKey, GetPublicKey -----------------------------------------------------

#[test]
fn every_spec_and_usage_advertises_exactly_its_algorithms_and_a_matching_public_key() {
    let (mut kms, _) = common::setup(101);
    for &(spec, usage, enc, signing, agreement) in table() {
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
