//! The audit trail of the symmetric operations: one event per call, failures included,
//! and never a plaintext or a data key.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;
use wasm_kms::model::*;

use crate::common;
use crate::support::*;

#[test]
fn every_call_leaves_one_audit_event_including_failures() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let _ = kms.describe_key(DescribeKeyRequest {
        key_id: Some("fake-key-id".into()),
        ..Default::default()
    });
    let c = ctx(&[("app", "audit")]);
    let blob = kms
        .encrypt(enc_ctx_req(&m.key_id, b"x", &c))
        .unwrap()
        .ciphertext_blob
        .0;
    let _ = kms.decrypt(dec_req(&blob));
    let _ = kms.generate_random(GenerateRandomRequest {
        number_of_bytes: Some(0),
        ..Default::default()
    });
    let _ = kms.tag_resource(tag_req(&m.key_id, vec![tag("aws:x", "v")]));
    kms.disable_key(id_req(&m.key_id)).unwrap();
    let _ = kms.encrypt(enc_req(&m.key_id, b"x"));
    let _ = kms.encrypt(EncryptRequest {
        dry_run: Some(true),
        ..enc_req(ABSENT_ID, b"x")
    });
    kms.call_json("ListKeys", json!({})).unwrap();
    // Requests that do not parse are calls too; an unknown operation names nothing to record.
    let _ = kms.call_json("Encrypt", json!({"KeyId": m.key_id, "Plaintext": "@@"}));
    let _ = kms.call_json("GenerateRandom", json!([16]));
    let _ = kms.call_json("NoSuchOperation", json!({}));

    let events: Vec<_> = kms.audit().events().collect();
    assert_eq!(kms.audit().dropped(), 0);
    let summary: Vec<(&str, Option<&str>, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e.event_name.as_str(),
                e.error_code.as_deref(),
                e.error_message.as_deref(),
            )
        })
        .collect();
    let disabled = disabled_message(&m.key_id);
    let not_found = does_not_exist(ABSENT_ID);
    let random_min = min_value(0, "numberOfBytes", 1);
    assert_eq!(
        summary,
        vec![
            ("CreateKey", None, None),
            (
                "DescribeKey",
                Some("NotFoundException"),
                Some("Invalid keyId 'fake-key-id'")
            ),
            ("Encrypt", None, None),
            ("Decrypt", Some("InvalidCiphertextException"), None),
            (
                "GenerateRandom",
                Some("ValidationException"),
                Some(random_min.as_str())
            ),
            (
                "TagResource",
                Some("TagException"),
                Some("Tags beginning with aws: are reserved")
            ),
            ("DisableKey", None, None),
            (
                "Encrypt",
                Some("DisabledException"),
                Some(disabled.as_str())
            ),
            (
                "Encrypt",
                Some("NotFoundException"),
                Some(not_found.as_str())
            ),
            ("ListKeys", None, None),
            (
                "Encrypt",
                Some("SerializationException"),
                Some("The value of member Plaintext is not of the type the operation expects.")
            ),
            (
                "GenerateRandom",
                Some("SerializationException"),
                Some("The request body is not a valid request for this operation.")
            ),
        ]
    );
    let read_only: Vec<bool> = events.iter().map(|e| e.read_only).collect();
    assert_eq!(
        read_only,
        [false, true, true, true, true, false, false, true, true, true, true, true]
    );
    let encrypt = events[2];
    assert_eq!(encrypt.event_time, "2026-11-18T11:06:40Z");
    assert_eq!(encrypt.event_source, "kms.amazonaws.com");
    assert_eq!(encrypt.aws_region, REGION);
    assert_eq!(
        encrypt.user_identity.arn,
        Some(format!("arn:aws:iam::{ACCOUNT}:root"))
    );
    assert_eq!(encrypt.resources.len(), 1);
    assert_eq!(encrypt.resources[0].arn, m.arn);
    assert_eq!(
        encrypt.request_parameters,
        json!({"keyId": m.key_id, "encryptionContext": {"app": "audit"}})
    );
    // Every event has its own IDs.
    let ids: BTreeSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), events.len());
    // In JSON, a success has no errorCode member and a failure has one.
    let trail = serde_json::to_value(&events).unwrap();
    assert!(trail[0].get("errorCode").is_none());
    assert_eq!(trail[3]["errorCode"], json!("InvalidCiphertextException"));
    assert!(trail[3].get("errorMessage").is_none());
    // CreateKey, a write, records its response; the metadata carries the new key.
    assert_eq!(
        trail[0]["responseElements"]["keyMetadata"]["arn"],
        json!(m.arn)
    );
}

#[test]
fn the_audit_trail_never_holds_plaintext_or_data_keys() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let other = new_key(&mut kms);
    let canary = b"wasm-kms audit canary: 7f3a91c2 do not log".to_vec();
    let c = ctx(&[("purpose", "audit-test")]);
    let mut secrets: Vec<Vec<u8>> = vec![canary.clone()];

    let blob = kms
        .encrypt(enc_ctx_req(&m.key_id, &canary, &c))
        .unwrap()
        .ciphertext_blob;
    let opened = kms.decrypt(dec_ctx_req(&blob.0, &c)).unwrap();
    assert_eq!(opened.plaintext.as_bytes(), canary.as_slice());
    kms.re_encrypt(ReEncryptRequest {
        ciphertext_blob: Some(blob.clone()),
        source_encryption_context: Some(c.clone()),
        destination_key_id: Some(other.key_id.clone()),
        ..Default::default()
    })
    .unwrap();
    let dk = kms.generate_data_key(gdk_req(&m.key_id)).unwrap();
    secrets.push(dk.plaintext.as_bytes().to_vec());
    let hidden = kms
        .generate_data_key_without_plaintext(GenerateDataKeyRequest {
            number_of_bytes: Some(40),
            key_spec: None,
            ..gdk_req(&m.key_id)
        })
        .unwrap();
    let hidden_key = kms.decrypt(dec_req(&hidden.ciphertext_blob.0)).unwrap();
    secrets.push(hidden_key.plaintext.as_bytes().to_vec());
    let random = kms
        .generate_random(GenerateRandomRequest {
            number_of_bytes: Some(64),
            ..Default::default()
        })
        .unwrap();
    secrets.push(random.plaintext.as_bytes().to_vec());
    // Through the JSON API, and in failing calls.
    let json_secret = b"second canary sent as base64 over JSON".to_vec();
    kms.call_json(
        "Encrypt",
        json!({"KeyId": m.key_id, "Plaintext": STANDARD.encode(&json_secret)}),
    )
    .unwrap();
    secrets.push(json_secret.clone());
    // A request that does not parse is audited without its parameters.
    let _ = kms.call_json(
        "Encrypt",
        json!({"KeyId": 5, "Plaintext": STANDARD.encode(&json_secret)}),
    );
    let _ = kms.encrypt(EncryptRequest {
        dry_run: Some(true),
        ..enc_req(&m.key_id, &canary)
    });
    let _ = kms.encrypt(enc_req(ABSENT_ID, &canary));
    let mut too_long = canary.repeat(100);
    too_long.truncate(4097);
    let _ = kms.encrypt(enc_req(&m.key_id, &too_long));
    let _ = kms.decrypt(dec_req(&blob.0));

    let trail = serde_json::to_string(&kms.audit().events().collect::<Vec<_>>()).unwrap();
    // The trail is not empty: it names the key and holds the (non-secret) context.
    assert!(trail.contains(&m.arn));
    assert!(trail.contains("audit-test"));
    assert!(trail.contains("DryRunOperationException"));
    for secret in &secrets {
        for needle in common::encodings(secret) {
            assert!(
                !trail.contains(&needle),
                "the audit trail holds a secret encoded as {needle}"
            );
        }
    }
    // Neither member that carries secrets appears at all.
    assert!(!trail.to_ascii_lowercase().contains("\"plaintext\""));
}
