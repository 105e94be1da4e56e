//! Key policies: GetKeyPolicy and ListKeyPolicies, and the default policy.

use serde_json::json;
use wasm_kms::codec::Timestamp;
use wasm_kms::env::{InsecureTestEntropy, ManualClock};
use wasm_kms::model::*;
use wasm_kms::store::MemoryStore;
use wasm_kms::{Config, Kms};

use crate::support::vectors::aws_default_policy;
use crate::support::*;

#[test]
fn the_default_key_policy_is_aws_text_exactly() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let out = kms
        .get_key_policy(GetKeyPolicyRequest {
            key_id: Some(m.key_id.clone()),
            policy_name: None,
        })
        .unwrap();
    assert_eq!(out.policy, aws_default_policy());
    assert_eq!(out.policy_name, "default");
    let out = kms
        .get_key_policy(GetKeyPolicyRequest {
            key_id: Some(m.arn.clone()),
            policy_name: Some("default".into()),
        })
        .unwrap();
    assert_eq!(out.policy, aws_default_policy());
    assert_eq!(
        wasm_kms::default_policy("aws", ACCOUNT),
        aws_default_policy()
    );

    // The account in the policy is the service's account.
    let mut other = Kms::new(
        Config {
            account: "444455556666".into(),
            region: "eu-west-1".into(),
            ..Config::default()
        },
        ManualClock::new(Timestamp(START_MS)),
        InsecureTestEntropy::new(9),
        MemoryStore::default(),
    )
    .unwrap();
    let k = other
        .create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata;
    assert_eq!(
        k.arn,
        format!("arn:aws:kms:eu-west-1:444455556666:key/{}", k.key_id)
    );
    let p = other
        .call_json("GetKeyPolicy", json!({"KeyId": k.key_id}))
        .unwrap();
    assert_eq!(
        p["Policy"],
        json!(aws_default_policy().replace("111122223333", "444455556666"))
    );
    assert_eq!(p["PolicyName"], json!("default"));
}

#[test]
fn get_key_policy_errors() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let named = |n: &str| GetKeyPolicyRequest {
        key_id: Some(m.key_id.clone()),
        policy_name: Some(n.to_owned()),
    };
    assert_error_name(kms.get_key_policy(named("other")), "NotFoundException");
    assert_error_name(kms.get_key_policy(named("bad-name")), "ValidationException");
    assert_validation(
        kms.get_key_policy(named("")),
        &min_len(Some(""), "policyName", 1),
    );
    let long = "p".repeat(129);
    assert_validation(
        kms.get_key_policy(named(&long)),
        &max_len(Some(&long), "policyName", 128),
    );
    assert_validation(
        kms.get_key_policy(GetKeyPolicyRequest::default()),
        &not_null("keyId"),
    );
}

#[test]
fn list_key_policies() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let out = kms
        .list_key_policies(ListKeyPoliciesRequest {
            key_id: Some(m.key_id.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(out.policy_names, vec!["default".to_owned()]);
    assert!(!out.truncated);
    assert_eq!(out.next_marker, None);
    let json_out = kms
        .call_json("ListKeyPolicies", json!({"KeyId": m.arn, "Limit": 1}))
        .unwrap();
    assert_eq!(
        json_out,
        json!({"PolicyNames": ["default"], "Truncated": false})
    );
    let limit = |key: &str, n: i64| ListKeyPoliciesRequest {
        key_id: Some(key.to_owned()),
        limit: Some(n),
        marker: None,
    };
    kms.list_key_policies(limit(&m.key_id, 1000)).unwrap();
    assert_validation(
        kms.list_key_policies(limit(&m.key_id, 0)),
        &min_value(0, "limit", 1),
    );
    assert_validation(
        kms.list_key_policies(limit(&m.key_id, 1001)),
        &max_value(1001, "limit", 1000),
    );
    // Validation before the key lookup.
    assert_validation(
        kms.list_key_policies(limit(ABSENT_ID, 0)),
        &min_value(0, "limit", 1),
    );
    assert_error_name(
        kms.list_key_policies(ListKeyPoliciesRequest {
            key_id: Some(m.key_id.clone()),
            marker: Some("bogus".into()),
            ..Default::default()
        }),
        "InvalidMarkerException",
    );
    assert_validation(
        kms.list_key_policies(ListKeyPoliciesRequest::default()),
        &not_null("keyId"),
    );
}
