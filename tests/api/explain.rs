//! `explain`: a call evaluated without being made, with everything the decision considered.

use serde_json::json;
use wasm_kms::access::eval::{Layer, PrincipalMatch, Rule};
use wasm_kms::access::Effect;
use wasm_kms::model::*;
use wasm_kms::service::Request;

use crate::support::*;

#[test]
fn a_denied_call_is_explained_statement_by_statement_and_nothing_happens() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Admin","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},{{"Sid":"AppOnly","Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*","Condition":{{"StringNotEquals":{{"kms:EncryptionContext:app":"billing"}}}}}}]}}"#
    );
    kms.put_key_policy(PutKeyPolicyRequest {
        key_id: Some(k.key_id.clone()),
        policy_name: Some("default".into()),
        policy: Some(policy),
        ..Default::default()
    })
    .unwrap();
    let events = kms.audit().events().count();
    let caller = kms.caller().clone();
    let request = |app: &str| Request::Encrypt(enc_ctx_req(&k.key_id, b"x", &ctx(&[("app", app)])));
    let report = kms.explain_request(&caller, request("ops")).unwrap();
    assert!(!report.allowed);
    assert_eq!(report.operation, "Encrypt");
    let e = report.error.as_ref().unwrap();
    assert_eq!(e.name, "AccessDeniedException");
    assert!(e
        .message
        .as_deref()
        .unwrap()
        .ends_with("with an explicit deny in a resource-based policy"));
    let d = &report.decisions[0];
    assert_eq!(d.decision.rule, Rule::ExplicitDenyInKeyPolicy);
    let deciding = d.decision.deciding.as_ref().unwrap();
    assert_eq!(
        (deciding.layer, deciding.sid.as_deref(), deciding.statement),
        (Layer::KeyPolicy, Some("AppOnly"), Some(1))
    );
    let key_policy = &d.policies[0];
    assert_eq!(key_policy.layer, Layer::KeyPolicy);
    let [admin, app_only] = &key_policy.statements[..] else {
        panic!("two statements")
    };
    assert!(admin.applies && admin.principal == Some(PrincipalMatch::Account));
    assert!(app_only.applies && app_only.effect == Effect::Deny);
    let c = &app_only.conditions[0];
    assert_eq!(
        (c.operator.as_str(), c.key.as_str()),
        ("StringNotEquals", "kms:EncryptionContext:app")
    );
    assert_eq!(c.actual, Some(vec!["ops".to_owned()]));
    assert!(c.holds);
    // The same call with the right context is allowed; nothing was audited or written.
    let report = kms.explain_request(&caller, request("billing")).unwrap();
    assert!(report.allowed && report.error.is_none(), "{report:?}");
    assert!(!report.decisions[0].policies[0].statements[1].applies);
    assert_eq!(kms.audit().events().count(), events);
}

#[test]
fn explanations_name_identity_policies_and_every_question_of_a_call() {
    let mut kms = kms();
    let a = new_key(&mut kms);
    let b = new_key(&mut kms);
    iam(&mut kms, "CreateUser", json!({ "UserName": "dev" }));
    let only_decrypt = r#"{"Version":"2012-10-17","Statement":[{"Sid":"D","Effect":"Allow","Action":["kms:Decrypt","kms:ReEncryptFrom"],"Resource":"*"}]}"#;
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "dev", "PolicyName": "decrypt", "PolicyDocument": only_decrypt }),
    );
    let blob = kms
        .encrypt(enc_req(&a.key_id, b"x"))
        .unwrap()
        .ciphertext_blob;
    let mut dev = kms.caller().clone();
    dev.principal =
        wasm_kms::domain::ids::Principal::parse(&format!("arn:aws:iam::{ACCOUNT}:user/dev"))
            .unwrap();
    let report = kms
        .explain_request(
            &dev,
            Request::ReEncrypt(ReEncryptRequest {
                ciphertext_blob: Some(blob),
                destination_key_id: Some(b.key_id.clone()),
                ..Default::default()
            }),
        )
        .unwrap();
    assert_eq!(report.principal, format!("arn:aws:iam::{ACCOUNT}:user/dev"));
    let rules: Vec<(String, Rule)> = report
        .decisions
        .iter()
        .map(|d| (d.decision.action.name().to_owned(), d.decision.rule))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("kms:ReEncryptFrom".to_owned(), Rule::KeyPolicyAndIdentity),
            ("kms:ReEncryptTo".to_owned(), Rule::NoIdentityPolicy),
        ]
    );
    assert!(!report.allowed);
    let identity = report.decisions[0]
        .policies
        .iter()
        .find(|p| p.layer == Layer::Identity)
        .unwrap();
    assert_eq!(identity.name, "decrypt");
    assert!(identity.statements[0].applies);
}
