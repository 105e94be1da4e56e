//! Symmetric cryptography: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext),
//! GenerateRandom, on enabled and disabled keys and as DryRun.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;
use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::domain::context::EncryptionContext;
use wasm_kms::model::*;
use wasm_kms::KmsError;

use crate::support::*;

// ---- Encrypt ----------------------------------------------------------------------------------

#[test]
fn encrypt_plaintext_size_limits() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    for n in [1usize, 2, 4095, 4096] {
        let pt: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        let out = kms.encrypt(enc_req(&m.key_id, &pt)).unwrap();
        assert_eq!(out.encryption_algorithm, "SYMMETRIC_DEFAULT");
        assert_eq!(out.key_id, m.arn);
        assert_eq!(
            out.ciphertext_blob.0.len(),
            n + wasm_kms::crypto::blob::OVERHEAD
        );
        assert!(out.ciphertext_blob.0.len() <= 6144);
        let back = kms.decrypt(dec_req(&out.ciphertext_blob.0)).unwrap();
        assert_eq!(back.plaintext.as_bytes(), pt.as_slice());
    }
    assert_validation(
        kms.encrypt(enc_req(&m.key_id, &[0u8; 4097])),
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
    assert_validation(
        kms.encrypt(enc_req(&m.key_id, &[])),
        &min_len(None, "plaintext", 1),
    );
    assert_validation(
        kms.encrypt(EncryptRequest {
            key_id: Some(m.key_id.clone()),
            ..Default::default()
        }),
        &not_null("plaintext"),
    );
    assert_validation(
        kms.encrypt(EncryptRequest {
            plaintext: Some(SecretBlob(b"x".to_vec())),
            ..Default::default()
        }),
        &not_null("keyId"),
    );
    // Validation comes before the key lookup.
    assert_validation(
        kms.encrypt(enc_req(ABSENT_ID, &[0u8; 4097])),
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
}

#[test]
fn encrypt_is_randomized_and_checks_the_algorithm() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let a = encrypt(&mut kms, &m.key_id, b"same");
    let b = encrypt(&mut kms, &m.key_id, b"same");
    assert_ne!(a, b);
    kms.encrypt(EncryptRequest {
        encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
        ..enc_req(&m.key_id, b"x")
    })
    .unwrap();
    for alg in ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"] {
        assert_error(
            kms.encrypt(EncryptRequest {
                encryption_algorithm: Some(alg.into()),
                ..enc_req(&m.key_id, b"x")
            }),
            "InvalidKeyUsageException",
            Some(&format!(
                "Algorithm {alg} is incompatible with key spec SYMMETRIC_DEFAULT."
            )),
        );
    }
    let e = assert_error_name(
        kms.encrypt(EncryptRequest {
            encryption_algorithm: Some("AES_GCM".into()),
            ..enc_req(&m.key_id, b"x")
        }),
        "ValidationException",
    );
    assert!(e
        .message()
        .unwrap()
        .starts_with("1 validation error detected: Value 'AES_GCM' at 'encryptionAlgorithm'"));
    assert_validation(
        kms.encrypt(EncryptRequest {
            grant_tokens: Some(vec![String::new()]),
            ..enc_req(&m.key_id, b"x")
        }),
        &min_len(Some(""), "grantTokens.1.member", 1),
    );
}

#[test]
fn encrypt_and_decrypt_over_json_use_base64() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    create_alias(&mut kms, "alias/app", &m.key_id);
    let pt = b"hello over the wire";
    let sealed = kms
        .call_json(
            "Encrypt",
            json!({
                "KeyId": "alias/app",
                "Plaintext": STANDARD.encode(pt),
                "EncryptionContext": {"purpose": "demo", "tenant": "7"},
            }),
        )
        .unwrap();
    assert_eq!(sealed["KeyId"], json!(m.arn));
    assert_eq!(sealed["EncryptionAlgorithm"], json!("SYMMETRIC_DEFAULT"));
    let blob_b64 = sealed["CiphertextBlob"].as_str().unwrap().to_owned();
    let blob = STANDARD.decode(&blob_b64).unwrap();
    assert_eq!(blob.len(), pt.len() + wasm_kms::crypto::blob::OVERHEAD);

    let opened = kms
        .call_json(
            "Decrypt",
            json!({
                "CiphertextBlob": blob_b64,
                "EncryptionContext": {"tenant": "7", "purpose": "demo"},
            }),
        )
        .unwrap();
    assert_eq!(
        STANDARD
            .decode(opened["Plaintext"].as_str().unwrap())
            .unwrap(),
        pt
    );
    assert_eq!(opened["KeyId"], json!(m.arn));
    assert_eq!(opened["EncryptionAlgorithm"], json!("SYMMETRIC_DEFAULT"));
    assert_eq!(
        opened["KeyMaterialId"],
        json!(m.current_key_material_id.clone().unwrap())
    );
    // The typed API opens what the JSON API sealed.
    let typed = kms
        .decrypt(dec_ctx_req(
            &blob,
            &ctx(&[("purpose", "demo"), ("tenant", "7")]),
        ))
        .unwrap();
    assert_eq!(typed.plaintext.as_bytes(), pt);

    let wrong = kms
        .call_json(
            "Decrypt",
            json!({ "CiphertextBlob": STANDARD.encode(&blob), "EncryptionContext": {"purpose": "demo"} }),
        )
        .unwrap_err();
    assert_eq!(wrong.name(), "InvalidCiphertextException");
    assert_eq!(wrong.message(), None);

    let too_big = kms
        .call_json(
            "Encrypt",
            json!({ "KeyId": m.key_id, "Plaintext": STANDARD.encode([0u8; 4097]) }),
        )
        .unwrap_err();
    assert_eq!(
        (too_big.name(), too_big.message()),
        (
            "ValidationException",
            Some("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
        )
    );
}

// ---- Decrypt ----------------------------------------------------------------------------------

#[test]
fn decrypt_round_trips_with_context_and_reports_material() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let c = ctx(&[("dept", "finance"), ("id", "42")]);
    let blob = kms
        .encrypt(enc_ctx_req(&m.key_id, b"pay day", &c))
        .unwrap()
        .ciphertext_blob
        .0;
    let out = kms.decrypt(dec_ctx_req(&blob, &c)).unwrap();
    assert_eq!(out.plaintext.as_bytes(), b"pay day");
    assert_eq!(out.key_id, m.arn);
    assert_eq!(out.encryption_algorithm, "SYMMETRIC_DEFAULT");
    assert_eq!(out.key_material_id, m.current_key_material_id);
    // An explicit empty context is the same as none.
    let plain = encrypt(&mut kms, &m.key_id, b"no context");
    let out = kms
        .decrypt(dec_ctx_req(&plain, &EncryptionContext::new()))
        .unwrap();
    assert_eq!(out.plaintext.as_bytes(), b"no context");
    kms.decrypt(DecryptRequest {
        encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
        ..dec_req(&plain)
    })
    .unwrap();
}

#[test]
fn decrypt_needs_the_exact_context() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let c = ctx(&[("dept", "finance"), ("id", "42")]);
    let blob = kms
        .encrypt(enc_ctx_req(&m.key_id, b"secret", &c))
        .unwrap()
        .ciphertext_blob
        .0;
    for wrong in [
        EncryptionContext::new(),
        ctx(&[("dept", "finance")]),
        ctx(&[("dept", "finance"), ("id", "42"), ("extra", "1")]),
        ctx(&[("dept", "Finance"), ("id", "42")]),
        ctx(&[("Dept", "finance"), ("id", "42")]),
        ctx(&[("dept", "finance"), ("id", "4"), ("2", "")]),
        ctx(&[("dept", "financeid"), ("", "42")]),
    ] {
        assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&blob, &wrong)));
    }
    assert_invalid_ciphertext(kms.decrypt(dec_req(&blob)));
    // And a blob made without context does not open with one.
    let plain = encrypt(&mut kms, &m.key_id, b"x");
    assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&plain, &ctx(&[("a", "b")]))));
    // Split points are bound: {"ab":"c"} is not {"a":"bc"}.
    let split = kms
        .encrypt(enc_ctx_req(&m.key_id, b"x", &ctx(&[("ab", "c")])))
        .unwrap()
        .ciphertext_blob
        .0;
    assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&split, &ctx(&[("a", "bc")]))));
}

#[test]
fn decrypt_refuses_truncated_extended_and_tampered_blobs() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let blob = encrypt(&mut kms, &m.key_id, b"sixteen byte msg");
    assert!(kms.decrypt(dec_req(&blob)).is_ok());
    let n = blob.len();
    let mut variants: Vec<Vec<u8>> = vec![
        blob[..n - 1].to_vec(),
        blob[1..].to_vec(),
        blob[..66].to_vec(),
        blob[..1].to_vec(),
        [blob.as_slice(), &[0]].concat(),
        [blob.as_slice(), &blob].concat(),
    ];
    // One flipped byte in every field: version, key ID, material ID, nonce, length, body, tag.
    for at in [
        0,
        1,
        2,
        17,
        18,
        49,
        50,
        61,
        62,
        65,
        66,
        n - 17,
        n - 16,
        n - 1,
    ] {
        let mut t = blob.clone();
        t[at] ^= 0x01;
        variants.push(t);
    }
    for v in variants {
        assert_invalid_ciphertext(kms.decrypt(dec_req(&v)));
    }
    // Other things than a blob of this service.
    for junk in [
        vec![0u8],
        vec![1u8; 100],
        b"AQICAHhN...not a KMS blob".to_vec(),
    ] {
        assert_invalid_ciphertext(kms.decrypt(dec_req(&junk)));
    }
}

#[test]
fn decrypt_refuses_blobs_of_another_service() {
    let (mut a, _) = setup(1);
    let (mut b, _) = setup(2);
    let ka = new_key(&mut a);
    let kb = new_key(&mut b);
    let blob = encrypt(&mut a, &ka.key_id, b"from a");
    assert_invalid_ciphertext(b.decrypt(dec_req(&blob)));
    // Even naming the other service's key: that key does not exist here.
    assert_error(
        b.decrypt(DecryptRequest {
            key_id: Some(ka.key_id.clone()),
            ..dec_req(&blob)
        }),
        "NotFoundException",
        Some(&does_not_exist(&ka.key_id)),
    );
    // Naming a local key gives IncorrectKey: the blob names another key.
    assert_error(
        b.decrypt(DecryptRequest {
            key_id: Some(kb.key_id.clone()),
            ..dec_req(&blob)
        }),
        "IncorrectKeyException",
        Some(INCORRECT_KEY),
    );
    assert_eq!(
        a.decrypt(dec_req(&blob)).unwrap().plaintext.as_bytes(),
        b"from a"
    );
}

#[test]
fn decrypt_with_another_key_named_is_incorrect_key() {
    let mut f = fixture();
    let other = f.other.clone();
    for form in [
        other.key_id.clone(),
        other.arn.clone(),
        "alias/movable".to_owned(),
    ] {
        assert_error(
            f.kms.decrypt(DecryptRequest {
                key_id: Some(form),
                ..dec_req(&f.blob)
            }),
            "IncorrectKeyException",
            Some(INCORRECT_KEY),
        );
    }
    // The wrong-key check comes before the named key's state.
    f.kms.disable_key(id_req(&other.key_id)).unwrap();
    assert_error(
        f.kms.decrypt(DecryptRequest {
            key_id: Some(other.key_id.clone()),
            ..dec_req(&f.blob)
        }),
        "IncorrectKeyException",
        Some(INCORRECT_KEY),
    );
}

#[test]
fn decrypt_blob_validation() {
    let mut kms = kms();
    new_key(&mut kms);
    assert_validation(
        kms.decrypt(DecryptRequest::default()),
        &not_null("ciphertextBlob"),
    );
    assert_validation(
        kms.decrypt(dec_req(&[])),
        &min_len(None, "ciphertextBlob", 1),
    );
    assert_error_name(kms.decrypt(dec_req(&[1u8; 6145])), "ValidationException");
    // 6144 bytes is in range: it is simply not a valid blob.
    assert_invalid_ciphertext(kms.decrypt(dec_req(&[1u8; 6144])));
}

// ---- Disabled keys and DryRun -----------------------------------------------------------------

#[test]
fn disabled_keys_refuse_every_cryptographic_operation() {
    let mut f = fixture();
    let id = f.key.key_id.clone();
    let other = f.other.key_id.clone();
    let data_key_blob = f
        .kms
        .generate_data_key_without_plaintext(gdk_req(&id))
        .unwrap()
        .ciphertext_blob
        .0;
    f.kms.disable_key(id_req(&id)).unwrap();
    let msg = disabled_message(&id);
    let kms = &mut f.kms;
    assert_error(
        kms.encrypt(enc_req(&id, b"x")),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.encrypt(enc_req(FIXTURE_ALIAS, b"x")),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.decrypt(dec_req(&f.blob)),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.decrypt(dec_req(&data_key_blob)),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.generate_data_key(gdk_req(&id)),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.generate_data_key_without_plaintext(gdk_req(&id)),
        "DisabledException",
        Some(&msg),
    );
    // ReEncrypt from the disabled key, and to it.
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(f.blob.clone())),
            destination_key_id: Some(other.clone()),
            ..Default::default()
        }),
        "DisabledException",
        Some(&msg),
    );
    let other_blob = encrypt(kms, &other, b"y");
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(other_blob)),
            destination_key_id: Some(id.clone()),
            ..Default::default()
        }),
        "DisabledException",
        Some(&msg),
    );
    // DryRun reports the real error.
    assert_error(
        kms.encrypt(EncryptRequest {
            dry_run: Some(true),
            ..enc_req(&id, b"x")
        }),
        "DisabledException",
        Some(&msg),
    );
    // Management still works on a disabled key.
    assert_eq!(describe(kms, &id).key_state, "Disabled");
    kms.tag_resource(tag_req(&id, vec![tag("k", "v")])).unwrap();
    create_alias(kms, "alias/while-disabled", &id);
    kms.get_key_policy(GetKeyPolicyRequest {
        key_id: Some(id.clone()),
        ..Default::default()
    })
    .unwrap();
    // Enabled again, old ciphertexts open again.
    kms.enable_key(id_req(&id)).unwrap();
    assert_eq!(
        kms.decrypt(dec_req(&f.blob)).unwrap().plaintext.as_bytes(),
        b"fixture"
    );
}

#[test]
fn dry_run_reports_success_without_doing_it() {
    let mut f = fixture();
    let id = f.key.key_id.clone();
    let other = f.other.key_id.clone();
    let kms = &mut f.kms;
    let dry = Some(true);
    assert_error(
        kms.encrypt(EncryptRequest {
            dry_run: dry,
            ..enc_req(&id, b"x")
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.decrypt(DecryptRequest {
            dry_run: dry,
            ..dec_req(&f.blob)
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(f.blob.clone())),
            destination_key_id: Some(other.clone()),
            dry_run: dry,
            ..Default::default()
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.generate_data_key(GenerateDataKeyRequest {
            dry_run: dry,
            ..gdk_req(&id)
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.generate_data_key_without_plaintext(GenerateDataKeyRequest {
            dry_run: dry,
            ..gdk_req(&id)
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    // A request that would fail reports its real error.
    assert_invalid_ciphertext(kms.decrypt(DecryptRequest {
        dry_run: dry,
        encryption_context: Some(ctx(&[("a", "b")])),
        ..dec_req(&f.blob)
    }));
    assert_error(
        kms.encrypt(EncryptRequest {
            dry_run: dry,
            ..enc_req(ABSENT_ID, b"x")
        }),
        "NotFoundException",
        Some(&does_not_exist(ABSENT_ID)),
    );
    assert_error_name(
        kms.encrypt(EncryptRequest {
            dry_run: dry,
            ..enc_req(&id, &[])
        }),
        "ValidationException",
    );
    // DryRun false is an ordinary call.
    kms.encrypt(EncryptRequest {
        dry_run: Some(false),
        ..enc_req(&id, b"x")
    })
    .unwrap();
    // Over JSON too.
    let e = kms
        .call_json(
            "GenerateDataKey",
            json!({"KeyId": id, "KeySpec": "AES_128", "DryRun": true}),
        )
        .unwrap_err();
    assert_eq!(
        (e.name(), e.message()),
        ("DryRunOperationException", Some(DRY_RUN))
    );
}

// ---- ReEncrypt --------------------------------------------------------------------------------

#[test]
fn re_encrypt_moves_a_ciphertext_to_another_key_and_context() {
    let mut f = fixture();
    let (a, b) = (f.key.clone(), f.other.clone());
    let kms = &mut f.kms;
    let source_ctx = ctx(&[("stage", "one")]);
    let dest_ctx = ctx(&[("stage", "two")]);
    let blob = kms
        .encrypt(enc_ctx_req(&a.key_id, b"moving", &source_ctx))
        .unwrap()
        .ciphertext_blob;
    let out = kms
        .re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            source_encryption_context: Some(source_ctx.clone()),
            destination_key_id: Some("alias/movable".into()),
            destination_encryption_context: Some(dest_ctx.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(out.source_key_id, a.arn);
    assert_eq!(out.key_id, b.arn);
    assert_eq!(out.source_encryption_algorithm, "SYMMETRIC_DEFAULT");
    assert_eq!(out.destination_encryption_algorithm, "SYMMETRIC_DEFAULT");
    assert_eq!(
        out.source_key_material_id.clone(),
        a.current_key_material_id
    );
    assert_eq!(
        out.destination_key_material_id.clone(),
        b.current_key_material_id
    );
    let opened = kms
        .decrypt(dec_ctx_req(&out.ciphertext_blob.0, &dest_ctx))
        .unwrap();
    assert_eq!(opened.plaintext.as_bytes(), b"moving");
    assert_eq!(opened.key_id, b.arn);
    assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&out.ciphertext_blob.0, &source_ctx)));
    // The source context must match.
    assert_invalid_ciphertext(kms.re_encrypt(ReEncryptRequest {
        ciphertext_blob: Some(blob.clone()),
        destination_key_id: Some(b.key_id.clone()),
        ..Default::default()
    }));
    // Naming the wrong source key.
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            source_encryption_context: Some(source_ctx.clone()),
            source_key_id: Some(b.key_id.clone()),
            destination_key_id: Some(b.key_id.clone()),
            ..Default::default()
        }),
        "IncorrectKeyException",
        Some(INCORRECT_KEY),
    );
    // Required members and algorithms.
    assert_validation(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            ..Default::default()
        }),
        &not_null("destinationKeyId"),
    );
    assert_validation(
        kms.re_encrypt(ReEncryptRequest {
            destination_key_id: Some(b.key_id.clone()),
            ..Default::default()
        }),
        &not_null("ciphertextBlob"),
    );
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            source_encryption_context: Some(source_ctx.clone()),
            destination_key_id: Some(b.key_id.clone()),
            destination_encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
            ..Default::default()
        }),
        "InvalidKeyUsageException",
        Some("Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT."),
    );
    assert_invalid_ciphertext(kms.re_encrypt(ReEncryptRequest {
        ciphertext_blob: Some(Blob(b"junk".to_vec())),
        destination_key_id: Some(b.key_id.clone()),
        ..Default::default()
    }));
}

#[test]
fn re_encrypt_looks_up_both_keys_before_using_either() {
    let mut kms = kms();
    let source = new_key(&mut kms);
    let blob = encrypt(&mut kms, &source.key_id, b"secret");
    kms.disable_key(id_req(&source.key_id)).unwrap();
    let re = |blob: Vec<u8>| ReEncryptRequest {
        ciphertext_blob: Some(Blob(blob)),
        destination_key_id: Some(ABSENT_ID.into()),
        ..Default::default()
    };
    // A disabled source and a missing destination: NotFound comes first.
    assert_error(
        kms.re_encrypt(re(blob)),
        "NotFoundException",
        Some(&does_not_exist(ABSENT_ID)),
    );
    // So it does for a blob that is not a ciphertext at all.
    assert_error(
        kms.re_encrypt(re(vec![1, 2, 3])),
        "NotFoundException",
        Some(&does_not_exist(ABSENT_ID)),
    );
}

// ---- GenerateDataKey and GenerateDataKeyWithoutPlaintext --------------------------------------

#[test]
fn generate_data_key_lengths() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let with = |spec: Option<&str>, n: Option<i64>| GenerateDataKeyRequest {
        key_id: Some(m.key_id.clone()),
        key_spec: spec.map(str::to_owned),
        number_of_bytes: n,
        ..Default::default()
    };
    for (req, len) in [
        (with(Some("AES_256"), None), 32),
        (with(Some("AES_128"), None), 16),
        (with(None, Some(1)), 1),
        (with(None, Some(64)), 64),
        (with(None, Some(1024)), 1024),
    ] {
        let out = kms.generate_data_key(req.clone()).unwrap();
        assert_eq!(out.plaintext.as_bytes().len(), len);
        assert_eq!(out.key_id, m.arn);
        assert_eq!(
            Some(&out.key_material_id),
            m.current_key_material_id.as_ref()
        );
        let opened = kms.decrypt(dec_req(&out.ciphertext_blob.0)).unwrap();
        assert_eq!(opened.plaintext, out.plaintext);

        let out = kms.generate_data_key_without_plaintext(req).unwrap();
        assert_eq!(out.key_id, m.arn);
        let opened = kms.decrypt(dec_req(&out.ciphertext_blob.0)).unwrap();
        assert_eq!(opened.plaintext.as_bytes().len(), len);
    }
    // Fresh bytes every time.
    let a = kms.generate_data_key(with(Some("AES_256"), None)).unwrap();
    let b = kms.generate_data_key(with(Some("AES_256"), None)).unwrap();
    assert_ne!(a.plaintext, b.plaintext);
}

#[test]
fn generate_data_key_argument_errors() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let with = |spec: Option<&str>, n: Option<i64>| GenerateDataKeyRequest {
        key_id: Some(m.key_id.clone()),
        key_spec: spec.map(str::to_owned),
        number_of_bytes: n,
        ..Default::default()
    };
    type Op = fn(&mut TestKms, GenerateDataKeyRequest) -> Result<(), KmsError>;
    let ops: [(&str, Op); 2] = [
        ("GenerateDataKey", |k, r| k.generate_data_key(r).map(|_| ())),
        ("GenerateDataKeyWithoutPlaintext", |k, r| {
            k.generate_data_key_without_plaintext(r).map(|_| ())
        }),
    ];
    for (name, op) in ops {
        assert_validation(
            op(&mut kms, with(None, Some(0))),
            &min_value(0, "numberOfBytes", 1),
        );
        assert_validation(
            op(&mut kms, with(None, Some(1025))),
            &max_value(1025, "numberOfBytes", 1024),
        );
        assert_validation(
            op(&mut kms, with(None, Some(-1))),
            &min_value(-1, "numberOfBytes", 1),
        );
        // Exactly one of KeySpec and NumberOfBytes.
        assert_error_name(
            op(&mut kms, with(Some("AES_256"), Some(32))),
            "ValidationException",
        );
        assert_error_name(op(&mut kms, with(None, None)), "ValidationException");
        let e = assert_error_name(
            op(&mut kms, with(Some("AES_512"), None)),
            "ValidationException",
        );
        assert!(
            e.message().unwrap().starts_with(
                "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: ["
            ),
            "{name}: {e:?}"
        );
        assert_validation(
            op(
                &mut kms,
                GenerateDataKeyRequest {
                    key_id: None,
                    ..with(Some("AES_256"), None)
                },
            ),
            &not_null("keyId"),
        );
        // Validation before the key lookup.
        assert_validation(
            op(
                &mut kms,
                GenerateDataKeyRequest {
                    key_id: Some(ABSENT_ID.into()),
                    ..with(None, Some(1025))
                },
            ),
            &max_value(1025, "numberOfBytes", 1024),
        );
    }
}

#[test]
fn data_keys_are_bound_to_their_context() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let c = ctx(&[("bucket", "photos")]);
    let req = GenerateDataKeyRequest {
        encryption_context: Some(c.clone()),
        ..gdk_req(&m.key_id)
    };
    let with_pt = kms.generate_data_key(req.clone()).unwrap();
    let without = kms.generate_data_key_without_plaintext(req).unwrap();
    for blob in [&with_pt.ciphertext_blob.0, &without.ciphertext_blob.0] {
        assert_invalid_ciphertext(kms.decrypt(dec_req(blob)));
        assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(blob, &ctx(&[("bucket", "x")]))));
        assert_eq!(
            kms.decrypt(dec_ctx_req(blob, &c))
                .unwrap()
                .plaintext
                .as_bytes()
                .len(),
            32
        );
    }
    assert_eq!(
        kms.decrypt(dec_ctx_req(&with_pt.ciphertext_blob.0, &c))
            .unwrap()
            .plaintext,
        with_pt.plaintext
    );
}

#[test]
fn generate_data_key_over_json() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let out = kms
        .call_json(
            "GenerateDataKey",
            json!({"KeyId": m.arn, "NumberOfBytes": 48, "EncryptionContext": {"k": "v"}}),
        )
        .unwrap();
    let pt = STANDARD.decode(out["Plaintext"].as_str().unwrap()).unwrap();
    assert_eq!(pt.len(), 48);
    assert_eq!(out["KeyId"], json!(m.arn));
    let opened = kms
        .call_json(
            "Decrypt",
            json!({"CiphertextBlob": out["CiphertextBlob"], "EncryptionContext": {"k": "v"}}),
        )
        .unwrap();
    assert_eq!(opened["Plaintext"], out["Plaintext"]);

    let out = kms
        .call_json(
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": m.key_id, "KeySpec": "AES_128"}),
        )
        .unwrap();
    let fields: BTreeSet<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        ["CiphertextBlob", "KeyId", "KeyMaterialId"]
            .into_iter()
            .collect()
    );
}

// ---- GenerateRandom ---------------------------------------------------------------------------

#[test]
fn generate_random_limits() {
    let mut kms = kms();
    let req = |n: Option<i64>| GenerateRandomRequest {
        number_of_bytes: n,
        ..Default::default()
    };
    for n in [1i64, 2, 1023, 1024] {
        let out = kms.generate_random(req(Some(n))).unwrap();
        assert_eq!(out.plaintext.as_bytes().len() as i64, n);
    }
    let a = kms.generate_random(req(Some(32))).unwrap();
    let b = kms.generate_random(req(Some(32))).unwrap();
    assert_ne!(a.plaintext, b.plaintext);
    assert_validation(
        kms.generate_random(req(Some(0))),
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert_validation(
        kms.generate_random(req(Some(1025))),
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
    assert_validation(kms.generate_random(req(None)), "NumberOfBytes is required.");
    let e = kms.call_json("GenerateRandom", json!({})).unwrap_err();
    assert_eq!(
        (e.name(), e.message()),
        ("ValidationException", Some("NumberOfBytes is required."))
    );
    let out = kms
        .call_json("GenerateRandom", json!({"NumberOfBytes": 24}))
        .unwrap();
    assert_eq!(
        STANDARD
            .decode(out["Plaintext"].as_str().unwrap())
            .unwrap()
            .len(),
        24
    );
    assert_error(
        kms.generate_random(GenerateRandomRequest {
            number_of_bytes: Some(16),
            custom_key_store_id: Some("cks-1234567890abcdef0".into()),
            ..Default::default()
        }),
        "CustomKeyStoreNotFoundException",
        Some("Custom key store cks-1234567890abcdef0 does not exist."),
    );
}

#[test]
fn the_recipient_parameter_is_refused_plainly_not_ignored() {
    let mut kms = kms();
    let key = new_key(&mut kms);
    let blob = kms
        .call_json(
            "Encrypt",
            json!({ "KeyId": key.key_id, "Plaintext": "aGk=" }),
        )
        .unwrap()["CiphertextBlob"]
        .clone();
    let recipient =
        json!({ "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": "AAAA" });
    for (op, input) in [
        (
            "Decrypt",
            json!({ "CiphertextBlob": blob, "Recipient": recipient }),
        ),
        (
            "GenerateDataKey",
            json!({ "KeyId": key.key_id, "KeySpec": "AES_256", "Recipient": recipient }),
        ),
        (
            "GenerateRandom",
            json!({ "NumberOfBytes": 16, "Recipient": recipient }),
        ),
    ] {
        let e = kms.call_json(op, input).unwrap_err();
        assert_eq!(e.name(), "UnsupportedOperationException", "{op}");
        assert!(e.message().unwrap().contains("Recipient"), "{op}");
    }
    // A null Recipient is the same as none.
    let opened = kms
        .call_json(
            "Decrypt",
            json!({ "CiphertextBlob": blob, "Recipient": null }),
        )
        .unwrap();
    assert_eq!(opened["Plaintext"], "aGk=");
}
