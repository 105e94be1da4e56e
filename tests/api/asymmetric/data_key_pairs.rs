//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext.

use p256::pkcs8::DecodePrivateKey as _;
use wasm_kms::crypto::asym::{AsymKey, AsymSpec};
use wasm_kms::env::InsecureTestEntropy;
use wasm_kms::model::*;

use crate::common;
use crate::support::asym::*;

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
