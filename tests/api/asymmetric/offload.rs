//! The offload hooks: key pairs, signatures and decryptions computed elsewhere (by
//! WebCrypto) and offered for exactly one call.

use sha2::{Digest as _, Sha512};
use wasm_kms::access::Action;
use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::crypto::asym::{AsymKey, AsymSpec, OaepHash, SigningAlgorithm};
use wasm_kms::env::InsecureTestEntropy;
use wasm_kms::model::*;
use zeroize::Zeroizing;

use crate::common;
use crate::support::asym::*;

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
    let (material, spec, usage) = kms
        .offload_target(&caller, &k.key_id, Action::Sign)
        .unwrap();
    assert_eq!((spec, usage.as_str()), (AsymSpec::Ed25519, "SIGN_VERIFY"));
    let (other_material, _, _) = kms
        .offload_target(&caller, &other.key_id, Action::Sign)
        .unwrap();
    assert_ne!(material, other_material);
    // By alias too.
    kms.create_alias(AliasRequest {
        alias_name: Some("alias/signer".into()),
        target_key_id: Some(k.key_id.clone()),
    })
    .unwrap();
    assert_eq!(
        kms.offload_target(&caller, "alias/signer", Action::Sign)
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
    let (material, spec, usage) = kms.offload_target(&caller, &k.arn, Action::Sign).unwrap();
    assert_eq!(
        (spec, usage.as_str()),
        (AsymSpec::Rsa2048, "ENCRYPT_DECRYPT")
    );
    // The PKCS#8 an engine would import is the key's.
    let pkcs8 = kms
        .offload_private_key(&caller, &k.key_id, &material, Action::Decrypt)
        .unwrap();
    assert_eq!(
        public_of_pkcs8("RSA_2048", &pkcs8),
        spki(&mut kms, &k.key_id)
    );
    assert!(kms
        .offload_private_key(&caller, &k.key_id, &[0; 32], Action::Decrypt)
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

/// An offered result never outlives the call it was offered for, even one whose input does not
/// parse; and keys are handed to an engine only for calls the caller may make now.
#[test]
fn offers_end_with_their_call_and_need_an_allowed_caller() {
    let (mut kms, _) = common::setup(131);
    let k = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let caller = kms.caller().clone();
    let (material, _, _) = kms
        .offload_target(&caller, &k.key_id, Action::Sign)
        .unwrap();
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
    assert!(kms
        .offload_target(&caller, &k.key_id, Action::Sign)
        .is_none());
    assert!(kms
        .offload_private_key(&caller, &k.key_id, &material, Action::Sign)
        .is_none());
    assert!(kms
        .offload_public_key(&caller, &k.key_id, &material, Action::Verify)
        .is_none());
}

/// What WebCrypto is given for a planned call, and how its answer is offered: ECDSA signatures
/// cross as `r || s`, a ciphertext that does not decrypt is offered as such, and a key pair is
/// asked for only while none of its spec is waiting.
#[test]
fn a_job_gives_webcrypto_its_inputs_and_offers_its_answer() {
    use base64::Engine as _;
    use wasm_kms::crypto::asym::{ecdsa_der_from_raw, ecdsa_raw_from_der};
    use wasm_kms::service::engine::{Outcome, Work};
    use wasm_kms::Operation;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let plan = |op, input: serde_json::Value| match input {
        serde_json::Value::Object(m) => wasm_kms::crypto::plan::plan(op, &m).unwrap(),
        _ => unreachable!(),
    };
    let (mut kms, _) = common::setup(133);
    let caller = kms.caller().clone();
    let k = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let der = signature(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", false);
    let raw = ecdsa_raw_from_der(AsymSpec::P256, &der).unwrap();
    let input = serde_json::json!({
        "KeyId": k.key_id, "SigningAlgorithm": "ECDSA_SHA_256", "Message": b64(b"m"),
        "Signature": b64(&der)
    });
    // Verify: WebCrypto checks the raw signature; its verdict is what the call answers.
    let job = kms
        .offload_job(&caller, plan(Operation::Verify, input.clone()))
        .unwrap();
    let Work::Use {
        key_ref,
        purpose,
        data,
        ..
    } = &job.work
    else {
        panic!("not a key's work")
    };
    assert_eq!(
        (key_ref.as_str(), purpose.method()),
        (k.key_id.as_str(), "verify")
    );
    assert_eq!(
        (data[0].as_slice(), data[1].as_slice()),
        (&raw[..], &b"m"[..])
    );
    kms.offer_outcome(job, Outcome::Valid(false));
    let refused = verify(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", None, &der);
    assert_eq!(name(refused), "KMSInvalidSignatureException");
    // Sign: WebCrypto's raw signature is offered as DER.
    let job = kms
        .offload_job(&caller, plan(Operation::Sign, input))
        .unwrap();
    kms.offer_outcome(job, Outcome::Bytes(Zeroizing::new(raw.clone())));
    let out = sign(&mut kms, &k.key_id, "ECDSA_SHA_256", b"m", None).unwrap();
    assert_eq!(
        out.signature.0,
        ecdsa_der_from_raw(AsymSpec::P256, &raw).unwrap()
    );
    // Decrypt: an OperationError is offered as a ciphertext that does not decrypt.
    let rsa = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let alg = Some("RSAES_OAEP_SHA_256");
    let ct = encrypt(&mut kms, &rsa.key_id, alg, b"p")
        .unwrap()
        .ciphertext_blob
        .0;
    let input = serde_json::json!({
        "KeyId": rsa.key_id, "EncryptionAlgorithm": alg, "CiphertextBlob": b64(&ct)
    });
    let job = kms
        .offload_job(&caller, plan(Operation::Decrypt, input))
        .unwrap();
    assert!(matches!(&job.work, Work::Use { data, .. } if data[0].as_slice() == ct));
    kms.offer_outcome(job, Outcome::Refused);
    let refused = decrypt(&mut kms, Some(&rsa.key_id), alg, &ct);
    assert_eq!(name(refused), "IncorrectKeyException");
    // A key pair: RSA-PSS of the spec's size, asked for only while none is waiting.
    let pair = || {
        plan(
            Operation::CreateKey,
            serde_json::json!({ "KeySpec": "RSA_3072" }),
        )
    };
    let job = kms.offload_job(&caller, pair()).unwrap();
    let Work::Generate(params) = &job.work else {
        panic!("not a key pair")
    };
    assert_eq!(
        (params.name, params.modulus_length),
        ("RSA-PSS", Some(3072))
    );
    let pkcs8 = cached_rsa(AsymSpec::Rsa3072).to_pkcs8().unwrap();
    kms.offer_outcome(job, Outcome::Bytes(pkcs8));
    assert_eq!(kms.offload().key_pairs(AsymSpec::Rsa3072), 1);
    assert!(kms.offload_job(&caller, pair()).is_none());
}
