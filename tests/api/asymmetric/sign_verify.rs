//! Sign and Verify, checked outside KMS with the crates.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::pkcs8::DecodePublicKey as _;
use rsa::Pss;
use serde_json::json;
use sha2::{Digest as _, Sha256, Sha512};
use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::model::*;

use crate::common;
use crate::support::asym::*;

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
