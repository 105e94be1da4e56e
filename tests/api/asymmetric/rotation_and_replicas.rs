//! Asymmetric keys over time and space: they do not rotate, and a multi-Region replica has
//! the same key pair.

use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::crypto::asym::AsymSpec;
use wasm_kms::model::*;
use wasm_kms::{Request, Response};

use crate::common;
use crate::support::asym::*;

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
