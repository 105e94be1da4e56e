//! DeriveSharedSecret, checked against ECDH outside KMS.

use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use wasm_kms::codec::Blob;
use wasm_kms::model::*;

use crate::common;
use crate::support::asym::*;

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
