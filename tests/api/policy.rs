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

fn put(
    kms: &mut TestKms,
    key_id: &str,
    policy: &str,
    bypass: Option<bool>,
) -> Result<Empty, wasm_kms::KmsError> {
    kms.put_key_policy(PutKeyPolicyRequest {
        key_id: Some(key_id.to_owned()),
        policy: Some(policy.to_owned()),
        policy_name: None,
        bypass_policy_lockout_safety_check: bypass,
    })
}

fn policy_of(kms: &mut TestKms, key_id: &str) -> String {
    kms.get_key_policy(GetKeyPolicyRequest {
        key_id: Some(key_id.to_owned()),
        policy_name: None,
    })
    .unwrap()
    .policy
}

const ROOT: &str = r#"{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}"#;

fn doc(statements: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

#[test]
fn put_key_policy_replaces_the_policy_and_it_is_enforced() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let deny_encrypt = r#"{"Sid":"NoEncrypt","Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*"}"#;
    let text = doc(&[ROOT, deny_encrypt]);
    put(&mut kms, &k.key_id, &text, None).unwrap();
    assert_eq!(policy_of(&mut kms, &k.key_id), text, "stored as given");
    let e = expect_err(kms.encrypt(enc_req(&k.key_id, b"x")));
    assert_eq!(e.name(), "AccessDeniedException");
    assert_eq!(
        e.message(),
        Some(format!("User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:Encrypt on resource: {} with an explicit deny in a resource-based policy", k.arn).as_str())
    );
    // Other actions are still allowed by the root statement.
    assert!(kms.generate_data_key(gdk_req(&k.key_id)).is_ok());
    // The audit event of the denied call names the deciding statement.
    let event = kms
        .audit()
        .events()
        .filter(|e| e.event_name == "Encrypt")
        .last()
        .cloned()
        .unwrap();
    assert_eq!(event.error_code.as_deref(), Some("AccessDeniedException"));
    let decision = &event.additional_event_data["authorization"][0];
    assert_eq!(decision["rule"], "explicitDenyInKeyPolicy");
    assert_eq!(decision["deciding"]["sid"], "NoEncrypt");
    assert_eq!(decision["deciding"]["statement"], 1);
}

#[test]
fn conditions_on_the_encryption_context_are_enforced() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let admin = r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"NotAction":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}"#;
    let use_with_context = r#"{"Sid":"AppOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:app":"billing"}}}"#;
    put(&mut kms, &k.key_id, &doc(&[admin, use_with_context]), None).unwrap();
    let good = ctx(&[("App", "billing")]);
    let blob = kms
        .encrypt(enc_ctx_req(&k.key_id, b"x", &good))
        .unwrap()
        .ciphertext_blob;
    assert!(kms.decrypt(dec_ctx_req(blob.as_bytes(), &good)).is_ok());
    let e = expect_err(kms.encrypt(enc_req(&k.key_id, b"x")));
    assert_eq!(
        e.message(),
        Some(format!("User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:Encrypt on resource: {} because no resource-based policy allows the kms:Encrypt action", k.arn).as_str())
    );
    let other = ctx(&[("app", "Billing")]);
    assert_error_name(
        kms.encrypt(enc_ctx_req(&k.key_id, b"x", &other)),
        "AccessDeniedException",
    );
}

#[test]
fn the_lockout_check_refuses_a_policy_that_locks_the_caller_out() {
    let mut kms = kms();
    new_role(&mut kms, "app");
    let k = new_key(&mut kms);
    let before = policy_of(&mut kms, &k.key_id);
    let app_only = doc(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:Decrypt","Resource":"*"}"#,
    ]);
    assert_error(
        put(&mut kms, &k.key_id, &app_only, None),
        "MalformedPolicyDocumentException",
        Some("The new key policy will not allow you to update the key policy in the future."),
    );
    assert_eq!(policy_of(&mut kms, &k.key_id), before, "nothing changed");
    // Bypassed, the policy is written, and the caller is locked out.
    put(&mut kms, &k.key_id, &app_only, Some(true)).unwrap();
    let e = expect_err(put(&mut kms, &k.key_id, &before, None));
    assert_eq!(
        e.message(),
        Some(format!("User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:PutKeyPolicy on resource: {} because no resource-based policy allows the kms:PutKeyPolicy action", k.arn).as_str())
    );
    assert_error_name(
        kms.encrypt(enc_req(&k.key_id, b"x")),
        "AccessDeniedException",
    );
    // CreateKey checks a given policy the same way, and makes no key when it fails.
    let keys = key_ids(&mut kms).len();
    let e = expect_err(kms.create_key(CreateKeyRequest {
        policy: Some(app_only.clone()),
        ..Default::default()
    }));
    assert_eq!(e.name(), "MalformedPolicyDocumentException");
    assert_eq!(key_ids(&mut kms).len(), keys);
    let made = kms
        .create_key(CreateKeyRequest {
            policy: Some(app_only),
            bypass_policy_lockout_safety_check: Some(true),
            ..Default::default()
        })
        .unwrap();
    assert_error_name(
        kms.describe_key(DescribeKeyRequest {
            key_id: Some(made.key_metadata.key_id),
            grant_tokens: None,
        }),
        "AccessDeniedException",
    );
}

#[test]
fn bad_policies_get_aws_errors_and_change_nothing() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let before = policy_of(&mut kms, &k.key_id);
    let no_principal = doc(&[r#"{"Effect":"Allow","Action":"kms:*","Resource":"*"}"#]);
    let group = doc(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/admins"},"Action":"kms:*","Resource":"*"}"#,
    ]);
    let huge = doc(&[
        ROOT,
        &format!(
            r#"{{"Sid":"{}","Effect":"Allow","Principal":"*","Action":"kms:DescribeKey","Resource":"*"}}"#,
            "s".repeat(33_000)
        ),
    ]);
    let cases: [(&str, &str, &str); 5] = [
        ("{", "MalformedPolicyDocumentException", "The key policy is not a valid JSON document."),
        (&no_principal, "MalformedPolicyDocumentException", "Policy contains a statement with no principal."),
        (&group, "InvalidArnException", "An ARN in the specified key policy is invalid."),
        (&huge, "LimitExceededException", "The key policy exceeds the maximum size of 32768 bytes."),
        ("\u{100}", "ValidationException", "1 validation error detected: Value '\u{100}' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"),
    ];
    for (text, name, message) in cases {
        assert_error(put(&mut kms, &k.key_id, text, None), name, Some(message));
        assert_eq!(policy_of(&mut kms, &k.key_id), before);
    }
    assert_validation(
        kms.put_key_policy(PutKeyPolicyRequest {
            key_id: Some(k.key_id.clone()),
            ..Default::default()
        }),
        &not_null("policy"),
    );
}

#[test]
fn an_aws_managed_keys_policy_cannot_be_replaced_its_own_policy_refuses_it() {
    let mut kms = kms();
    let managed = describe(&mut kms, "alias/aws/s3");
    let before = policy_of(&mut kms, &managed.key_id);
    let e = expect_err(put(&mut kms, &managed.key_id, &doc(&[ROOT]), Some(true)));
    assert_eq!(
        e.message(),
        Some(format!("User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:PutKeyPolicy on resource: {} because no resource-based policy allows the kms:PutKeyPolicy action", managed.arn).as_str())
    );
    assert_eq!(policy_of(&mut kms, &managed.key_id), before);
}

#[test]
fn re_encrypt_asks_with_each_sides_own_context() {
    let mut kms = kms();
    let source = new_key(&mut kms);
    let destination = new_key(&mut kms);
    let from_only = r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"NotAction":"kms:ReEncryptTo","Resource":"*"}"#;
    let to_with_dest = r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:ReEncryptTo","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:side":"destination"}}}"#;
    put(
        &mut kms,
        &destination.key_id,
        &doc(&[from_only, to_with_dest]),
        None,
    )
    .unwrap();
    let src_ctx = ctx(&[("side", "source")]);
    let blob = kms
        .encrypt(enc_ctx_req(&source.key_id, b"x", &src_ctx))
        .unwrap()
        .ciphertext_blob;
    let re = |kms: &mut TestKms, dest: &wasm_kms::domain::context::EncryptionContext| {
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            source_encryption_context: Some(src_ctx.clone()),
            destination_key_id: Some(destination.key_id.clone()),
            destination_encryption_context: Some(dest.clone()),
            ..Default::default()
        })
    };
    // The destination's condition reads the destination context, not the source's.
    assert_error_name(re(&mut kms, &src_ctx), "AccessDeniedException");
    assert!(re(&mut kms, &ctx(&[("side", "destination")])).is_ok());
}
