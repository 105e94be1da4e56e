//! Asymmetric keys: generation, PKCS#8 round trips, signatures and encryption checked against
//! the RustCrypto crates directly.

use super::*;
use crate::env::InsecureTestEntropy;

fn key(spec: AsymSpec) -> AsymKey {
    AsymKey::generate(spec, &mut InsecureTestEntropy::new(7))
        .unwrap_or_else(|e| unreachable!("{e:?}"))
}

#[test]
fn every_spec_round_trips_through_pkcs8_and_signs_what_it_verifies() {
    let mut rng = InsecureTestEntropy::new(3);
    for spec in [
        AsymSpec::Rsa2048,
        AsymSpec::P256,
        AsymSpec::P384,
        AsymSpec::P521,
        AsymSpec::Secp256k1,
        AsymSpec::Ed25519,
    ] {
        let k = key(spec);
        assert_eq!(k.spec(), spec);
        let der = k.to_pkcs8().unwrap_or_default();
        let back = AsymKey::from_pkcs8(spec, &der).unwrap_or_else(|| unreachable!("{spec:?}"));
        assert_eq!(
            back.public_key_der().ok(),
            k.public_key_der().ok(),
            "{spec:?}"
        );
        for &alg in spec.signing_algorithms() {
            let msg = Message::Raw(b"the message");
            let sig = k.sign(alg, msg, &mut rng).unwrap_or_default();
            assert!(back.verify(alg, msg, &sig), "{spec:?} {alg:?}");
            assert!(
                !back.verify(alg, Message::Raw(b"another"), &sig),
                "{spec:?} {alg:?}"
            );
            if alg != SigningAlgorithm::Ed25519Sha512 {
                let digest = alg.hash().digest(b"the message");
                assert!(
                    back.verify(alg, Message::Digest(&digest), &sig),
                    "{spec:?} {alg:?}"
                );
            }
        }
    }
    // A key of one spec is not accepted as another.
    let p256 = key(AsymSpec::P256).to_pkcs8().unwrap_or_default();
    assert!(AsymKey::from_pkcs8(AsymSpec::P384, &p256).is_none());
    assert!(AsymKey::from_pkcs8(AsymSpec::Rsa2048, &p256).is_none());
}

#[test]
fn debug_never_shows_messages_or_keys() {
    let shown = format!(
        "{:?} {:?} {:?}",
        Message::Raw(b"secret message"),
        Message::Digest(&[0xab; 32]),
        key(AsymSpec::P256)
    );
    assert_eq!(
        shown,
        "Raw(14 bytes) Digest(32 bytes) AsymKey(ECC_NIST_P256, ...)"
    );
}

/// RFC 8032 section 7.3, the Ed25519ph test vector (message "abc").
#[test]
fn ed25519ph_matches_rfc_8032() {
    let secret: [u8; 32] = [
        0x83, 0x3f, 0xe6, 0x24, 0x09, 0x23, 0x7b, 0x9d, 0x62, 0xec, 0x77, 0x58, 0x75, 0x20, 0x91,
        0x1e, 0x9a, 0x75, 0x9c, 0xec, 0x1d, 0x19, 0x75, 0x5b, 0x7d, 0xa9, 0x01, 0xb9, 0x6d, 0xca,
        0x3d, 0x42,
    ];
    let k = AsymKey::Ed25519(Ed25519Seed(Zeroizing::new(secret)));
    let digest = Hash::Sha512.digest(b"abc");
    let sig = k
        .sign(
            SigningAlgorithm::Ed25519PhSha512,
            Message::Digest(&digest),
            &mut InsecureTestEntropy::new(1),
        )
        .unwrap_or_default();
    assert_eq!(
        crate::codec::hex::encode(&sig),
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
    );
}

#[test]
fn rsa_oaep_round_trips_and_limits_match_aws() {
    let k = key(AsymSpec::Rsa2048);
    let mut rng = InsecureTestEntropy::new(5);
    for hash in [OaepHash::Sha1, OaepHash::Sha256] {
        let max = hash.max_plaintext(256);
        let pt = vec![9u8; max];
        let ct = k.encrypt(hash, &pt, &mut rng).unwrap_or_default();
        assert_eq!(ct.len(), 256);
        assert_eq!(
            k.decrypt(hash, &ct, &mut rng)
                .ok()
                .flatten()
                .map(|p| p.to_vec()),
            Some(pt)
        );
        assert!(k.encrypt(hash, &vec![9u8; max + 1], &mut rng).is_err());
    }
    assert_eq!(OaepHash::Sha1.max_plaintext(256), 214);
    assert_eq!(OaepHash::Sha256.max_plaintext(384), 318);
    assert_eq!(OaepHash::Sha256.max_plaintext(512), 446);
}

#[test]
fn ecdh_agrees_in_both_directions_and_refuses_other_curves() {
    for spec in [AsymSpec::P256, AsymSpec::P384, AsymSpec::P521] {
        let a = key(spec);
        let b = AsymKey::generate(spec, &mut InsecureTestEntropy::new(99))
            .unwrap_or_else(|e| unreachable!("{e:?}"));
        let ab = a.agree(&b.public_key_der().unwrap_or_default());
        let ba = b.agree(&a.public_key_der().unwrap_or_default());
        assert!(ab.is_some(), "{spec:?}");
        assert_eq!(ab, ba);
    }
    let p384 = key(AsymSpec::P384).public_key_der().unwrap_or_default();
    assert!(key(AsymSpec::P256).agree(&p384).is_none());
    assert!(key(AsymSpec::P256).agree(b"junk").is_none());
}
