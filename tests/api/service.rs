//! The service as a whole: construction and configuration, the authorization point,
//! atomicity of failed calls, validation details, and Regions kept apart.

use std::rc::Rc;

use wasm_kms::codec::Timestamp;
use wasm_kms::env::{InsecureTestEntropy, ManualClock};
use wasm_kms::model::*;
use wasm_kms::store::MemoryStore;
use wasm_kms::{Config, Kms, KmsError, Request, Response};

use crate::support::*;

// ---- construction -----------------------------------------------------------------------------

#[test]
fn a_plain_manual_clock_works() {
    let mut kms = Kms::new(
        Config::default(),
        ManualClock::new(Timestamp(START_MS)),
        InsecureTestEntropy::new(1),
        MemoryStore::default(),
    )
    .unwrap();
    let key = kms.create_key(CreateKeyRequest::default()).unwrap();
    assert_eq!(key.key_metadata.creation_date, Timestamp(START_MS));
    kms.clock().advance(5_000);
    let second = kms.create_key(CreateKeyRequest::default()).unwrap();
    assert_eq!(
        second.key_metadata.creation_date,
        Timestamp(START_MS + 5_000)
    );
}

// ---- Atomicity --------------------------------------------------------------------------------

#[test]
fn failed_calls_change_nothing() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    create_alias(&mut kms, "alias/one", &m.key_id);
    kms.tag_resource(tag_req(&m.key_id, vec![tag("t", "1")]))
        .unwrap();
    let before_keys = key_ids(&mut kms);
    let before_meta = describe(&mut kms, &m.key_id);

    let _ = kms.create_key(CreateKeyRequest {
        tags: Some(vec![tag("aws:no", "v")]),
        ..Default::default()
    });
    let _ = kms.create_key(CreateKeyRequest {
        description: Some("x".repeat(8193)),
        ..Default::default()
    });
    let _ = kms.create_key(CreateKeyRequest {
        key_spec: Some("RSA_2048".into()),
        key_usage: Some("KEY_AGREEMENT".into()),
        ..Default::default()
    });
    let _ = kms.create_alias(alias_req("alias/one", &m.key_id));
    let _ = kms.create_alias(alias_req("alias/two", ABSENT_ID));
    let _ = kms.update_alias(alias_req("alias/one", ABSENT_ID));
    let _ = kms.delete_alias(DeleteAliasRequest {
        alias_name: Some("alias/aws/one".into()),
    });
    let _ = kms.tag_resource(tag_req(&m.key_id, vec![tag("t", "2"), tag("t", "3")]));
    let _ = kms.untag_resource(UntagResourceRequest {
        key_id: Some(m.key_id.clone()),
        tag_keys: Some(vec!["t".into(), "aws:t".into()]),
    });
    let _ = kms.update_key_description(UpdateKeyDescriptionRequest {
        key_id: Some("alias/one".into()),
        description: Some("changed".into()),
    });
    let _ = kms.disable_key(id_req("alias/one"));

    assert_eq!(key_ids(&mut kms), before_keys);
    assert_eq!(describe(&mut kms, &m.key_id), before_meta);
    assert_eq!(alias_names(&mut kms, None), vec!["alias/one".to_owned()]);
    assert_eq!(describe(&mut kms, "alias/one").key_id, m.key_id);
    assert_eq!(tags_of(&mut kms, &m.key_id), vec![("t".into(), "1".into())]);
}

#[test]
fn a_reserved_alias_is_refused_by_the_authorization_point_and_audited_as_deny() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let e = expect_err(kms.create_alias(alias_req("alias/aws/s3", &k.key_id)));
    assert_eq!(e.name(), "AccessDeniedException");
    assert_eq!(
        e.message(),
        Some(
            format!(
                "User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:CreateAlias on resource: {} because aliases that begin with alias/aws/ are reserved for AWS managed keys",
                alias_arn("alias/aws/s3")
            )
            .as_str()
        )
    );
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.error_code.as_deref(), Some("AccessDeniedException"));
    let decisions = &event.additional_event_data["authorization"];
    let last = decisions.as_array().and_then(|d| d.last()).unwrap();
    assert_eq!(last["effect"], "Deny");
    assert_eq!(last["resource"], alias_arn("alias/aws/s3"));
    // No alias was made.
    assert!(!alias_names(&mut kms, None).contains(&"alias/aws/s3".to_owned()));
}

fn kms_with(config: Config) -> Result<TestKms, KmsError> {
    Kms::new(
        config,
        Rc::new(ManualClock::new(Timestamp(START_MS))),
        InsecureTestEntropy::new(3),
        MemoryStore::default(),
    )
}

/// The root user of `account`, whatever the service's own caller is.
fn root_of(kms: &TestKms, account: &str) -> wasm_kms::service::Caller {
    let mut caller = kms.caller().clone();
    caller.scope.account = account.to_owned();
    caller.principal =
        wasm_kms::domain::ids::Principal::parse(&format!("arn:aws:iam::{account}:root")).unwrap();
    caller
}

fn iam_as(
    kms: &mut TestKms,
    caller: &wasm_kms::service::Caller,
    op: &str,
    input: serde_json::Value,
) {
    kms.call_iam(caller, wasm_kms::iam::ops::Service::Iam, op, &input)
        .unwrap_or_else(|e| panic!("{op}: {e:?}"));
}

#[test]
fn a_principal_of_another_account_is_denied_and_audited_as_itself() {
    let eve = "arn:aws:iam::444455556666:user/eve";
    let mut kms = kms_with(Config {
        principal: Some(eve.into()),
        ..Config::default()
    })
    .unwrap();
    // A principal the store does not hold is no one: refused as an unknown credential.
    let e = expect_err(kms.create_key(CreateKeyRequest::default()));
    assert_eq!(e.name(), "UnrecognizedClientException");
    assert_eq!(
        e.message(),
        Some("The security token included in the request is invalid.")
    );
    let root = root_of(&kms, "444455556666");
    iam_as(
        &mut kms,
        &root,
        "CreateUser",
        serde_json::json!({ "UserName": "eve" }),
    );
    let e = expect_err(kms.create_key(CreateKeyRequest::default()));
    assert_eq!(e.name(), "AccessDeniedException");
    assert_eq!(
        e.message(),
        Some(format!("User: {eve} is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action").as_str())
    );
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.user_identity.arn.as_deref(), Some(eve));
    assert_eq!(event.user_identity.account_id, "444455556666");
    assert_eq!(event.user_identity.kind, "IAMUser");
    assert!(event
        .user_identity
        .principal_id
        .as_deref()
        .is_some_and(|id| id.starts_with("AIDA") && id.len() == 21));
    assert_eq!(event.recipient_account_id, ACCOUNT);
    assert!(
        kms.audit()
            .events()
            .filter(|e| e.event_source == "kms.amazonaws.com")
            .all(|e| e.error_code.is_some()),
        "nothing succeeded"
    );

    // A role of the key's own account with an administrator's policy is allowed.
    let mut kms = kms_with(Config {
        principal: Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/s1")),
        ..Config::default()
    })
    .unwrap();
    let root = root_of(&kms, ACCOUNT);
    iam_as(
        &mut kms,
        &root,
        "CreateRole",
        serde_json::json!({ "RoleName": "app", "AssumeRolePolicyDocument": TRUST_ACCOUNT }),
    );
    assert_error_name(
        kms.create_key(CreateKeyRequest::default()),
        "AccessDeniedException",
    );
    iam_as(
        &mut kms,
        &root,
        "AttachRolePolicy",
        serde_json::json!({ "RoleName": "app", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess" }),
    );
    let k = new_key(&mut kms);
    assert!(!encrypt(&mut kms, &k.key_id, b"ok").is_empty());
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.user_identity.kind, "AssumedRole");
    assert!(event
        .user_identity
        .principal_id
        .as_deref()
        .is_some_and(|id| id.starts_with("AROA") && id.ends_with(":s1")));
}

#[test]
fn bad_configurations_are_refused() {
    for config in [
        Config {
            principal: Some("eve".into()),
            ..Config::default()
        },
        Config {
            partition: "aws-iso".into(),
            ..Config::default()
        },
        Config {
            region: "moon-1".into(),
            ..Config::default()
        },
        Config {
            account: "1234".into(),
            ..Config::default()
        },
    ] {
        let e = kms_with(config.clone()).err().unwrap();
        assert_eq!(e.name(), "ValidationException", "{config:?}");
    }
    assert!(kms_with(Config {
        partition: "aws-cn".into(),
        ..Config::default()
    })
    .is_ok());
}

#[test]
fn enum_and_pattern_details() {
    let mut kms = kms();
    let e = expect_err(kms.create_key(CreateKeyRequest {
        customer_master_key_spec: Some("ECC_NIST_EDWARDS25519".into()),
        ..Default::default()
    }));
    assert_eq!(e.name(), "ValidationException");
    assert!(e.message().unwrap().contains("'customerMasterKeySpec'"));
    let k = new_key(&mut kms);
    let e = expect_err(kms.get_key_policy(GetKeyPolicyRequest {
        key_id: Some(k.key_id.clone()),
        policy_name: Some("défault".into()),
    }));
    assert_eq!(e.name(), "ValidationException");
    let e = expect_err(kms.create_key(CreateKeyRequest {
        policy: Some("{not json".into()),
        ..Default::default()
    }));
    assert_eq!(e.name(), "MalformedPolicyDocumentException");
    assert_eq!(
        e.message(),
        Some("The key policy is not a valid JSON document.")
    );
}

#[test]
fn each_region_has_its_own_keys_and_aliases() {
    let mut kms = kms();
    let eu = kms.caller().in_region("eu-west-1").unwrap();
    let here = new_key(&mut kms);
    create_alias(&mut kms, "alias/app", &here.key_id);
    let created = kms
        .execute_as(&eu, Request::CreateKey(CreateKeyRequest::default()))
        .unwrap();
    let Response::CreateKey(there) = created else {
        panic!("wrong response")
    };
    let there = there.key_metadata;
    assert!(there
        .arn
        .starts_with("arn:aws:kms:eu-west-1:111122223333:key/"));
    // The same alias name may exist in each Region.
    kms.execute_as(
        &eu,
        Request::CreateAlias(alias_req("alias/app", &there.key_id)),
    )
    .unwrap();
    assert_eq!(describe(&mut kms, "alias/app").key_id, here.key_id);
    let listed = kms
        .execute_as(&eu, Request::ListKeys(ListKeysRequest::default()))
        .unwrap();
    let Response::ListKeys(listed) = listed else {
        panic!("wrong response")
    };
    assert_eq!(listed.keys.len(), 1);
    assert_eq!(listed.keys[0].key_id, there.key_id);
    // A key of one Region is not found by ID from another.
    let e = expect_err(kms.describe_key(DescribeKeyRequest {
        key_id: Some(there.key_id.clone()),
        ..Default::default()
    }));
    assert_eq!(
        e.message(),
        Some(format!("Key '{}' does not exist", key_arn(&there.key_id)).as_str())
    );
    // The audit trail names the caller's Region.
    let last = kms.audit().events().last().cloned().unwrap();
    assert_eq!(last.aws_region, REGION);
    let eu_event = kms
        .audit()
        .events()
        .find(|e| e.aws_region == "eu-west-1")
        .cloned()
        .unwrap();
    assert_eq!(eu_event.event_name, "CreateKey");
    assert!(kms.caller().in_region("moon").is_err());
}
