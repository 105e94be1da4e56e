//! HMAC keys: GenerateMac and VerifyMac with AWS's shapes, limits and recorded errors.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use crate::common;
use common::TestKms;

use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::model::*;
use wasm_kms::{KmsError, Request, Response};

fn hmac_key(kms: &mut TestKms, spec: &str) -> KeyMetadata {
    kms.create_key(CreateKeyRequest {
        key_spec: Some(spec.to_owned()),
        key_usage: Some("GENERATE_VERIFY_MAC".into()),
        ..Default::default()
    })
    .unwrap()
    .key_metadata
}

fn generate(
    kms: &mut TestKms,
    id: &str,
    alg: &str,
    msg: &[u8],
) -> Result<GenerateMacResponse, KmsError> {
    kms.generate_mac(GenerateMacRequest {
        message: Some(SecretBlob(msg.to_vec())),
        key_id: Some(id.to_owned()),
        mac_algorithm: Some(alg.to_owned()),
        ..Default::default()
    })
}

fn verify(
    kms: &mut TestKms,
    id: &str,
    alg: &str,
    msg: &[u8],
    mac: &[u8],
) -> Result<VerifyMacResponse, KmsError> {
    kms.verify_mac(VerifyMacRequest {
        message: Some(SecretBlob(msg.to_vec())),
        key_id: Some(id.to_owned()),
        mac_algorithm: Some(alg.to_owned()),
        mac: Some(Blob(mac.to_vec())),
        ..Default::default()
    })
}

fn error(r: Result<impl std::fmt::Debug, KmsError>) -> (String, Option<String>) {
    let e = r.unwrap_err();
    (e.name().to_owned(), e.message().map(str::to_owned))
}

#[test]
fn every_hmac_spec_makes_and_checks_its_macs() {
    let (mut kms, _) = common::setup(31);
    for (spec, alg, len) in [
        ("HMAC_224", "HMAC_SHA_224", 28),
        ("HMAC_256", "HMAC_SHA_256", 32),
        ("HMAC_384", "HMAC_SHA_384", 48),
        ("HMAC_512", "HMAC_SHA_512", 64),
    ] {
        let k = hmac_key(&mut kms, spec);
        assert_eq!(k.key_spec, spec);
        assert_eq!(k.key_usage, "GENERATE_VERIFY_MAC");
        assert_eq!(k.mac_algorithms, Some(vec![alg.to_owned()]));
        assert_eq!(
            (
                k.encryption_algorithms.clone(),
                k.current_key_material_id.clone()
            ),
            (None, None)
        );
        let out = generate(&mut kms, &k.key_id, alg, b"message").unwrap();
        assert_eq!(out.mac.as_bytes().len(), len, "{spec}");
        assert_eq!(
            (out.key_id.as_str(), out.mac_algorithm.as_str()),
            (k.arn.as_str(), alg)
        );
        let ok = verify(&mut kms, &k.key_id, alg, b"message", out.mac.as_bytes()).unwrap();
        assert!(ok.mac_valid);
        assert_eq!(ok.key_id, k.arn);
        // The same message gives the same MAC; another message or a changed MAC does not verify.
        assert_eq!(
            generate(&mut kms, &k.key_id, alg, b"message").unwrap().mac,
            out.mac
        );
        assert_eq!(
            error(verify(
                &mut kms,
                &k.key_id,
                alg,
                b"massage",
                out.mac.as_bytes()
            )),
            ("KMSInvalidMacException".to_owned(), None)
        );
        let mut bad = out.mac.as_bytes().to_vec();
        bad[0] ^= 1;
        assert_eq!(
            error(verify(&mut kms, &k.key_id, alg, b"message", &bad)).0,
            "KMSInvalidMacException"
        );
    }
}

#[test]
fn usage_algorithm_and_member_errors_are_aws_texts() {
    let (mut kms, _) = common::setup(32);
    let h224 = hmac_key(&mut kms, "HMAC_224");
    let h256 = hmac_key(&mut kms, "HMAC_256");
    let sym = kms
        .create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata;
    assert_eq!(
        error(generate(&mut kms, &h224.key_id, "HMAC_SHA_256", b"m"))
            .1
            .as_deref(),
        Some("Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.")
    );
    assert_eq!(
        error(verify(
            &mut kms,
            &h256.key_id,
            "HMAC_SHA_512",
            b"m",
            &[0; 64]
        ))
        .1
        .as_deref(),
        Some("Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.")
    );
    assert_eq!(
        error(generate(&mut kms, &sym.key_id, "HMAC_SHA_256", b"m")),
        (
            "InvalidKeyUsageException".to_owned(),
            Some(format!(
                "{} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.",
                sym.arn
            ))
        )
    );
    let enc = kms.encrypt(EncryptRequest {
        key_id: Some(h256.key_id.clone()),
        plaintext: Some(SecretBlob(b"x".to_vec())),
        ..Default::default()
    });
    assert_eq!(
        error(enc).1,
        Some(format!(
            "{} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.",
            h256.arn
        ))
    );
    let invalid = (
        "NotFoundException".to_owned(),
        Some("Invalid keyId 'key_id'".to_owned()),
    );
    assert_eq!(
        error(generate(&mut kms, "key_id", "HMAC_SHA_256", b"m")),
        invalid
    );
    assert_eq!(
        error(verify(&mut kms, "key_id", "HMAC_SHA_256", b"m", b"t")),
        invalid
    );
    assert_eq!(
        error(generate(&mut kms, &h256.key_id, "INVALID", b"m")).1.as_deref(),
        Some("1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]")
    );
    assert_eq!(
        error(generate(&mut kms, &h256.key_id, "HMAC_SHA_256", &[7; 4097])).1.as_deref(),
        Some("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096")
    );
    assert_eq!(
        error(generate(&mut kms, &h256.key_id, "HMAC_SHA_256", b"")).0,
        "ValidationException"
    );
    assert_eq!(
        generate(&mut kms, &h256.key_id, "HMAC_SHA_256", &[7; 4096])
            .unwrap()
            .mac
            .as_bytes()
            .len(),
        32
    );
    let dry = kms.generate_mac(GenerateMacRequest {
        message: Some(SecretBlob(b"m".to_vec())),
        key_id: Some(h256.key_id.clone()),
        mac_algorithm: Some("HMAC_SHA_256".into()),
        dry_run: Some(true),
        ..Default::default()
    });
    assert_eq!(error(dry).0, "DryRunOperationException");
    kms.disable_key(KeyIdRequest {
        key_id: Some(h256.key_id.clone()),
    })
    .unwrap();
    assert_eq!(
        error(generate(&mut kms, &h256.key_id, "HMAC_SHA_256", b"m")).0,
        "DisabledException"
    );
    // HMAC keys do not rotate.
    let rotate = kms.rotate_key_on_demand(KeyIdRequest {
        key_id: Some(h224.key_id.clone()),
    });
    assert_eq!(
        error(rotate),
        ("UnsupportedOperationException".to_owned(), None)
    );
}

#[test]
fn a_multi_region_hmac_key_verifies_in_its_replicas_region() {
    let (mut kms, _) = common::setup(33);
    let primary = kms
        .create_key(CreateKeyRequest {
            key_spec: Some("HMAC_384".into()),
            key_usage: Some("GENERATE_VERIFY_MAC".into()),
            multi_region: Some(true),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    kms.replicate_key(ReplicateKeyRequest {
        key_id: Some(primary.key_id.clone()),
        replica_region: Some("ap-southeast-2".into()),
        ..Default::default()
    })
    .unwrap();
    let mac = generate(&mut kms, &primary.key_id, "HMAC_SHA_384", b"token")
        .unwrap()
        .mac;
    let away = kms.caller().in_region("ap-southeast-2").unwrap();
    let request = Request::VerifyMac(VerifyMacRequest {
        message: Some(SecretBlob(b"token".to_vec())),
        key_id: Some(primary.key_id.clone()),
        mac_algorithm: Some("HMAC_SHA_384".into()),
        mac: Some(mac),
        ..Default::default()
    });
    let Response::VerifyMac(out) = kms.execute_as(&away, request).unwrap() else {
        panic!("wrong response")
    };
    assert!(out.mac_valid);
    assert!(out.key_id.contains(":ap-southeast-2:"));
    // Through the JSON wire too.
    let json = kms
        .call_json(
            "GenerateMac",
            serde_json::json!({"KeyId": primary.arn, "Message": "dG9rZW4=", "MacAlgorithm": "HMAC_SHA_384"}),
        )
        .unwrap();
    assert_eq!(json["MacAlgorithm"], "HMAC_SHA_384");
    assert!(json["Mac"].is_string());
}
