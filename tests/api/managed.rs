//! AWS managed keys: created on first reference, visible to the account, usable only through
//! their service, unchangeable, rotating every year.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::rc::Rc;

use crate::common;
use common::{TestKms, DAY, START};

use wasm_kms::codec::{Blob, SecretBlob, Timestamp};
use wasm_kms::env::ManualClock;
use wasm_kms::model::*;
use wasm_kms::service::Caller;
use wasm_kms::{KmsError, Request, Response};

const ROOT: &str = "arn:aws:iam::111122223333:root";

fn setup() -> (TestKms, Rc<ManualClock>) {
    common::setup(5)
}

fn describe(kms: &mut TestKms, id: &str) -> Result<KeyMetadata, KmsError> {
    kms.describe_key(DescribeKeyRequest {
        key_id: Some(id.to_owned()),
        ..Default::default()
    })
    .map(|r| r.key_metadata)
}

fn encrypt_as(kms: &mut TestKms, caller: &Caller, id: &str) -> Result<Vec<u8>, KmsError> {
    let request = Request::Encrypt(EncryptRequest {
        key_id: Some(id.to_owned()),
        plaintext: Some(SecretBlob(b"object".to_vec())),
        ..Default::default()
    });
    match kms.execute_as(caller, request)? {
        Response::Encrypt(r) => Ok(r.ciphertext_blob.0),
        other => panic!("unexpected {other:?}"),
    }
}

fn decrypt_as(kms: &mut TestKms, caller: &Caller, blob: &[u8]) -> Result<Vec<u8>, KmsError> {
    let request = Request::Decrypt(DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        ..Default::default()
    });
    match kms.execute_as(caller, request)? {
        Response::Decrypt(r) => Ok(r.plaintext.as_bytes().to_vec()),
        other => panic!("unexpected {other:?}"),
    }
}

fn denied(action: &str, arn: &str) -> String {
    format!("User: {ROOT} is not authorized to perform: {action} on resource: {arn} because no resource-based policy allows the {action} action")
}

#[test]
fn the_first_reference_creates_the_aws_managed_key_once() {
    let (mut kms, _) = setup();
    let md = describe(&mut kms, "alias/aws/s3").unwrap();
    assert_eq!(md.key_manager, "AWS");
    assert_eq!(md.key_state, "Enabled");
    assert_eq!(
        md.description,
        "Default key that protects my S3 data when no other key is defined"
    );
    assert_eq!(
        describe(&mut kms, "alias/aws/s3").unwrap().key_id,
        md.key_id
    );
    let arn_form = "arn:aws:kms:us-east-1:111122223333:alias/aws/s3";
    assert_eq!(describe(&mut kms, arn_form).unwrap().key_id, md.key_id);
    let aliases = kms
        .list_aliases(ListAliasesRequest::default())
        .unwrap()
        .aliases;
    assert_eq!(aliases.len(), 1);
    assert_eq!(aliases[0].alias_name, "alias/aws/s3");
    assert_eq!(
        aliases[0].target_key_id.as_deref(),
        Some(md.key_id.as_str())
    );
    let created: Vec<_> = kms
        .audit()
        .events()
        .filter(|e| e.event_name == "CreateKey" && e.event_type == "AwsServiceEvent")
        .collect();
    assert_eq!(created.len(), 1);
    // A name that is no AWS service's stays unknown.
    let e = describe(&mut kms, "alias/aws/not-a-service").unwrap_err();
    assert_eq!(
        e.message(),
        Some("Alias arn:aws:kms:us-east-1:111122223333:alias/aws/not-a-service is not found.")
    );
}

#[test]
fn it_is_used_only_through_its_service() {
    let (mut kms, _) = setup();
    let me = kms.caller().clone();
    let s3 = me.via("s3").unwrap();
    let ebs = me.via("ebs").unwrap();
    let blob = encrypt_as(&mut kms, &s3, "alias/aws/s3").unwrap();
    assert_eq!(decrypt_as(&mut kms, &s3, &blob).unwrap(), b"object");
    let arn = describe(&mut kms, "alias/aws/s3").unwrap().arn;
    let e = encrypt_as(&mut kms, &me, "alias/aws/s3").unwrap_err();
    assert_eq!(e.name(), "AccessDeniedException");
    assert_eq!(e.message(), Some(denied("kms:Encrypt", &arn).as_str()));
    assert_eq!(
        decrypt_as(&mut kms, &me, &blob).unwrap_err().name(),
        "AccessDeniedException"
    );
    assert_eq!(
        decrypt_as(&mut kms, &ebs, &blob).unwrap_err().name(),
        "AccessDeniedException"
    );
    // The service's calls are in the trail as the caller's, invoked by the service.
    let via = kms
        .audit()
        .events()
        .find(|e| e.event_name == "Encrypt" && e.error_code.is_none())
        .cloned()
        .unwrap();
    assert_eq!(
        via.user_identity.invoked_by.as_deref(),
        Some("s3.amazonaws.com")
    );
    assert_eq!(via.user_identity.arn.as_deref(), Some(ROOT));
    // A customer managed key is usable directly and through any service.
    let mine = kms
        .create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata;
    let blob = encrypt_as(&mut kms, &ebs, &mine.key_id).unwrap();
    assert_eq!(decrypt_as(&mut kms, &me, &blob).unwrap(), b"object");
}

#[test]
fn the_account_can_read_it_but_not_change_it() {
    let (mut kms, _) = setup();
    let md = describe(&mut kms, "alias/aws/ebs").unwrap();
    let id = || Some(md.key_id.clone());
    let policy = kms
        .get_key_policy(GetKeyPolicyRequest {
            key_id: id(),
            policy_name: None,
        })
        .unwrap()
        .policy;
    assert!(
        policy.contains("\"kms:ViaService\": \"ebs.us-east-1.amazonaws.com\""),
        "{policy}"
    );
    kms.list_resource_tags(ListResourceTagsRequest {
        key_id: id(),
        ..Default::default()
    })
    .unwrap();
    let status = kms
        .get_key_rotation_status(KeyIdRequest { key_id: id() })
        .unwrap();
    assert!(status.key_rotation_enabled);
    assert_eq!(status.rotation_period_in_days, Some(365));

    let refusals: Vec<(&str, Result<(), KmsError>)> = vec![
        (
            "kms:DisableKey",
            kms.disable_key(KeyIdRequest { key_id: id() }).map(drop),
        ),
        (
            "kms:ScheduleKeyDeletion",
            kms.schedule_key_deletion(ScheduleKeyDeletionRequest {
                key_id: id(),
                pending_window_in_days: None,
            })
            .map(drop),
        ),
        (
            "kms:EnableKeyRotation",
            kms.enable_key_rotation(EnableKeyRotationRequest {
                key_id: id(),
                rotation_period_in_days: Some(90),
            })
            .map(drop),
        ),
        (
            "kms:RotateKeyOnDemand",
            kms.rotate_key_on_demand(KeyIdRequest { key_id: id() })
                .map(drop),
        ),
        (
            "kms:TagResource",
            kms.tag_resource(TagResourceRequest {
                key_id: id(),
                tags: Some(vec![Tag {
                    tag_key: Some("a".into()),
                    tag_value: Some("b".into()),
                }]),
            })
            .map(drop),
        ),
        (
            "kms:UpdateKeyDescription",
            kms.update_key_description(UpdateKeyDescriptionRequest {
                key_id: id(),
                description: Some("mine now".into()),
            })
            .map(drop),
        ),
        (
            "kms:CreateAlias",
            kms.create_alias(AliasRequest {
                alias_name: Some("alias/borrowed".into()),
                target_key_id: id(),
            })
            .map(drop),
        ),
    ];
    for (action, result) in refusals {
        let e = result.unwrap_err();
        assert_eq!(e.name(), "AccessDeniedException", "{action}");
        assert_eq!(e.message(), Some(denied(action, &md.arn).as_str()));
    }
    let after = describe(&mut kms, &md.key_id).unwrap();
    assert_eq!(
        (after.key_state.as_str(), after.description.as_str()),
        ("Enabled", md.description.as_str())
    );
}

#[test]
fn it_rotates_every_year_by_itself() {
    let (mut kms, clock) = setup();
    let md = describe(&mut kms, "alias/aws/lambda").unwrap();
    clock.set(Timestamp(START + 365 * DAY - 1_000));
    let list = |kms: &mut TestKms| {
        kms.list_key_rotations(ListKeyRotationsRequest {
            key_id: Some(md.key_id.clone()),
            ..Default::default()
        })
        .unwrap()
        .rotations
    };
    assert!(list(&mut kms).is_empty());
    clock.set(Timestamp(START + 365 * DAY));
    let rotations = list(&mut kms);
    assert_eq!(rotations.len(), 1);
    assert_eq!(rotations[0].rotation_type.as_deref(), Some("AUTOMATIC"));
}

#[test]
fn service_names_are_checked() {
    let (kms, _) = setup();
    for bad in ["", "S3", "s3.amazonaws.com", "s3/x"] {
        assert_eq!(
            kms.caller().via(bad).unwrap_err().name(),
            "ValidationException",
            "{bad:?}"
        );
    }
}

#[test]
fn a_failed_call_leaves_no_aws_managed_key_behind() {
    let (mut kms, _) = setup();
    let e = kms
        .encrypt(EncryptRequest {
            key_id: Some("alias/aws/s3".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    let me = kms.caller().clone();
    assert_eq!(
        encrypt_as(&mut kms, &me, "alias/aws/sqs")
            .unwrap_err()
            .name(),
        "AccessDeniedException"
    );
    assert!(kms
        .list_aliases(ListAliasesRequest::default())
        .unwrap()
        .aliases
        .is_empty());
    assert!(kms
        .list_keys(ListKeysRequest::default())
        .unwrap()
        .keys
        .is_empty());
    assert!(!kms
        .audit()
        .events()
        .any(|e| e.event_type == "AwsServiceEvent"));
    // Succeeding, the same reference creates it.
    let s3 = me.via("s3").unwrap();
    encrypt_as(&mut kms, &s3, "alias/aws/s3").unwrap();
    assert_eq!(
        kms.list_keys(ListKeysRequest::default())
            .unwrap()
            .keys
            .len(),
        1
    );
}
