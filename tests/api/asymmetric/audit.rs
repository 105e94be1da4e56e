//! The audit trail of the asymmetric operations never holds a message, a private key or a
//! shared secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use wasm_kms::crypto::asym::AsymSpec;

use crate::common;
use crate::support::asym::*;

#[test]
fn the_audit_trail_never_holds_messages_private_keys_or_secrets() {
    let (mut kms, _) = common::setup(120);
    let signer = create(&mut kms, "ECC_NIST_P256", "SIGN_VERIFY");
    let rsa = create(&mut kms, "RSA_2048", "ENCRYPT_DECRYPT");
    let agree = create(&mut kms, "ECC_NIST_P384", "KEY_AGREEMENT");
    let sym = symmetric(&mut kms);
    let canary = b"asymmetric audit canary 5b1e0f: never log me".to_vec();
    let mut secrets = vec![canary.clone()];

    let sig = signature(&mut kms, &signer.key_id, "ECDSA_SHA_256", &canary, false);
    verify(
        &mut kms,
        &signer.key_id,
        "ECDSA_SHA_256",
        &canary,
        None,
        &sig,
    )
    .unwrap();
    let digest = Sha256::digest(&canary).to_vec();
    signature(&mut kms, &signer.key_id, "ECDSA_SHA_256", &digest, true);
    secrets.push(digest);
    // Failing calls with the canary.
    let _ = sign(&mut kms, &signer.key_id, "ECDSA_SHA_384", &canary, None);
    let _ = verify(
        &mut kms,
        &signer.key_id,
        "ECDSA_SHA_256",
        &canary,
        None,
        &[1; 70],
    );
    let ct = encrypt(&mut kms, &rsa.key_id, Some("RSAES_OAEP_SHA_256"), &canary)
        .unwrap()
        .ciphertext_blob;
    decrypt(
        &mut kms,
        Some(&rsa.key_id),
        Some("RSAES_OAEP_SHA_256"),
        ct.as_bytes(),
    )
    .unwrap();
    let c = ctx(&[("audit", "pairs")]);
    for spec in ["ECC_NIST_P256", "ECC_NIST_EDWARDS25519", "RSA_2048"] {
        if spec == "RSA_2048" {
            kms.offload().offer_key_pair(cached_rsa(AsymSpec::Rsa2048));
        }
        let pair = key_pair(&mut kms, &sym.key_id, spec, &c).unwrap();
        secrets.push(pair.private_key_plaintext.as_bytes().to_vec());
    }
    let peer = spki(&mut kms, &agree.key_id);
    let shared = derive(&mut kms, &agree.key_id, &peer).unwrap();
    secrets.push(shared.shared_secret.as_bytes().to_vec());
    // Through the JSON wire as well.
    kms.call_json(
        "Sign",
        json!({"KeyId": signer.arn, "Message": STANDARD.encode(&canary), "SigningAlgorithm": "ECDSA_SHA_256"}),
    )
    .unwrap();

    let events: Vec<_> = kms.audit().events().collect();
    let signs: Vec<_> = events.iter().filter(|e| e.event_name == "Sign").collect();
    assert_eq!(signs.len(), 4);
    for e in &signs {
        let params = e.request_parameters.as_object().unwrap();
        let id = params["keyId"].as_str().unwrap();
        assert!(id == signer.key_id || id == signer.arn, "{id}");
        assert!(params.contains_key("signingAlgorithm"), "{params:?}");
        assert!(!params.contains_key("message"), "{params:?}");
    }
    let pair_events = events
        .iter()
        .filter(|e| e.event_name == "GenerateDataKeyPair")
        .count();
    assert_eq!(pair_events, 3);
    let trail = serde_json::to_string(&events).unwrap();
    assert!(trail.contains(&signer.key_id));
    assert!(trail.contains("ECDSA_SHA_256"));
    // The (non-secret) encryption context of the pairs is there.
    assert!(trail.contains(r#"{"audit":"pairs"}"#), "{trail}");
    for secret in &secrets {
        for needle in common::encodings(secret) {
            assert!(
                !trail.contains(&needle),
                "the audit trail holds a secret encoded as {needle}"
            );
        }
    }
    let lower = trail.to_ascii_lowercase();
    for member in [
        "\"message\"",
        "\"plaintext\"",
        "\"privatekeyplaintext\"",
        "\"sharedsecret\"",
    ] {
        assert!(!lower.contains(member), "{member}");
    }
}
