//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant, and what a
//! grant lets its grantee do (the reference's §8).
//!
//! Most grantees here are principals of another account (444455556666): the default key policy
//! names only the key's own account, so a grant is their only way in.

use serde_json::json;
use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::domain::context::EncryptionContext;
use wasm_kms::domain::ids::Principal;
use wasm_kms::model::*;
use wasm_kms::service::Caller;
use wasm_kms::{KmsError, Request, Response};

use crate::support::*;

const BOB: &str = "arn:aws:iam::444455556666:user/bob";
const CAROL: &str = "arn:aws:iam::444455556666:user/carol";
const OPS: &str = "arn:aws:iam::111122223333:user/ops";

fn caller(kms: &TestKms, arn: &str) -> Caller {
    let mut c = kms.caller().clone();
    c.scope = kms.scope().clone();
    c.principal = Principal::parse(arn).unwrap();
    c
}

/// A service whose accounts hold the users these tests call as (bob and carol of another
/// account, ops of the key's), each with an administrator's identity policy: only the key
/// policies and grants then decide.
fn with_users(
    (mut kms, clock): (TestKms, std::rc::Rc<wasm_kms::env::ManualClock>),
) -> (TestKms, std::rc::Rc<wasm_kms::env::ManualClock>) {
    for arn in [BOB, CAROL, OPS] {
        let principal = Principal::parse(arn).unwrap();
        let mut root = kms.caller().clone();
        root.scope.account = principal.account.clone();
        root.principal =
            Principal::parse(&format!("arn:aws:iam::{}:root", principal.account)).unwrap();
        let name = principal.name().unwrap().to_owned();
        let iam = wasm_kms::iam::ops::Service::Iam;
        kms.call_iam(
            &root,
            iam,
            "CreateUser",
            &serde_json::json!({ "UserName": name }),
        )
        .unwrap();
        kms.call_iam(
            &root,
            iam,
            "AttachUserPolicy",
            &serde_json::json!({ "UserName": name, "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess" }),
        )
        .unwrap();
    }
    (kms, clock)
}

fn kms() -> TestKms {
    with_users(crate::support::setup(7)).0
}

fn setup(seed: u64) -> (TestKms, std::rc::Rc<wasm_kms::env::ManualClock>) {
    with_users(crate::support::setup(seed))
}

fn grant_req(key: &str, grantee: &str, ops: &[&str]) -> CreateGrantRequest {
    CreateGrantRequest {
        key_id: Some(key.to_owned()),
        grantee_principal: Some(grantee.to_owned()),
        operations: Some(ops.iter().map(|o| (*o).to_owned()).collect()),
        ..Default::default()
    }
}

fn pairs(p: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn create_as(
    kms: &mut TestKms,
    who: &str,
    req: CreateGrantRequest,
) -> Result<CreateGrantResponse, KmsError> {
    let c = caller(kms, who);
    match kms.execute_as(&c, Request::CreateGrant(req))? {
        Response::CreateGrant(r) => Ok(r),
        other => panic!("unexpected {other:?}"),
    }
}

fn decrypt_as(
    kms: &mut TestKms,
    who: &str,
    blob: &[u8],
    context: Option<&EncryptionContext>,
    tokens: Option<Vec<String>>,
) -> Result<Vec<u8>, KmsError> {
    let c = caller(kms, who);
    let req = DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        encryption_context: context.cloned(),
        grant_tokens: tokens,
        ..Default::default()
    };
    match kms.execute_as(&c, Request::Decrypt(req))? {
        Response::Decrypt(r) => Ok(r.plaintext.as_bytes().to_vec()),
        other => panic!("unexpected {other:?}"),
    }
}

fn encrypt_as(
    kms: &mut TestKms,
    who: &str,
    key: &str,
    context: Option<&EncryptionContext>,
    tokens: Option<Vec<String>>,
) -> Result<Vec<u8>, KmsError> {
    let c = caller(kms, who);
    let req = EncryptRequest {
        key_id: Some(key.to_owned()),
        plaintext: Some(SecretBlob(b"secret".to_vec())),
        encryption_context: context.cloned(),
        grant_tokens: tokens,
        ..Default::default()
    };
    match kms.execute_as(&c, Request::Encrypt(req))? {
        Response::Encrypt(r) => Ok(r.ciphertext_blob.0),
        other => panic!("unexpected {other:?}"),
    }
}

fn retire_as(kms: &mut TestKms, who: &str, req: RetireGrantRequest) -> Result<(), KmsError> {
    let c = caller(kms, who);
    kms.execute_as(&c, Request::RetireGrant(req)).map(|_| ())
}

fn grants_of(kms: &mut TestKms, key: &str) -> Vec<GrantListEntry> {
    kms.list_grants(ListGrantsRequest {
        key_id: Some(key.to_owned()),
        ..Default::default()
    })
    .unwrap()
    .grants
}

fn no_resource_policy(who: &str, action: &str, key_id: &str) -> String {
    format!(
        "User: {who} is not authorized to perform: {action} on resource: {} because no resource-based policy allows the {action} action",
        key_arn(key_id)
    )
}

fn encrypt_ctx(kms: &mut TestKms, key: &str, context: &EncryptionContext) -> Vec<u8> {
    kms.encrypt(enc_ctx_req(key, b"secret", context))
        .unwrap()
        .ciphertext_blob
        .0
}

#[test]
fn a_grant_lets_another_accounts_principal_use_the_key_until_revoked() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let blob = encrypt(&mut kms, &k.key_id, b"secret");
    assert_error(
        decrypt_as(&mut kms, BOB, &blob, None, None),
        "AccessDeniedException",
        Some(&no_resource_policy(BOB, "kms:Decrypt", &k.key_id)),
    );

    let g = kms
        .create_grant(grant_req(&k.key_id, BOB, &["Decrypt", "Encrypt"]))
        .unwrap();
    assert_eq!(g.grant_id.len(), 64);
    assert!(g.grant_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!g.grant_token.is_empty());
    assert_eq!(
        decrypt_as(&mut kms, BOB, &blob, None, None).unwrap(),
        b"secret"
    );
    // The audit event of the call names the grant that allowed it.
    let event = kms.audit().events().last().cloned().unwrap();
    let last = event.additional_event_data["authorization"]
        .as_array()
        .and_then(|d| d.last())
        .cloned()
        .unwrap();
    assert_eq!(last["effect"], "Allow");
    assert_eq!(last["rule"], "grant");
    assert_eq!(last["deciding"]["layer"], "grant");
    assert_eq!(last["deciding"]["name"], json!(g.grant_id));
    // By the key's ARN too, and only the operations listed.
    encrypt_as(&mut kms, BOB, &k.arn, None, None).unwrap();
    let c = caller(&kms, BOB);
    let e = expect_err(kms.execute_as(&c, Request::GenerateDataKey(gdk_req(&k.key_id))));
    assert_eq!(e.name(), "AccessDeniedException");
    // Someone else of that account gets nothing from it.
    assert_error_name(
        decrypt_as(&mut kms, CAROL, &blob, None, None),
        "AccessDeniedException",
    );

    kms.revoke_grant(RevokeGrantRequest {
        key_id: Some(k.key_id.clone()),
        grant_id: Some(g.grant_id.clone()),
        dry_run: None,
    })
    .unwrap();
    assert!(grants_of(&mut kms, &k.key_id).is_empty());
    assert_error_name(
        decrypt_as(&mut kms, BOB, &blob, None, None),
        "AccessDeniedException",
    );
    // Gone is gone: revoking again finds nothing, and its token names nothing usable.
    assert_error(
        kms.revoke_grant(RevokeGrantRequest {
            key_id: Some(k.key_id.clone()),
            grant_id: Some(g.grant_id.clone()),
            dry_run: None,
        }),
        "NotFoundException",
        Some(&format!("Grant ID {} not found", g.grant_id)),
    );
    assert_error_name(
        decrypt_as(&mut kms, BOB, &blob, None, Some(vec![g.grant_token])),
        "AccessDeniedException",
    );
}

#[test]
fn constraints_are_enforced_on_encrypt_and_decrypt() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let it = ctx(&[("Department", "IT")]);
    let it_more = ctx(&[("Department", "IT"), ("Purpose", "Test")]);
    let subset = kms
        .create_grant(CreateGrantRequest {
            constraints: Some(GrantConstraints {
                encryption_context_subset: Some(pairs(&[("Department", "IT")])),
                ..Default::default()
            }),
            ..grant_req(&k.key_id, BOB, &["Decrypt", "Encrypt"])
        })
        .unwrap();
    let blob_more = encrypt_ctx(&mut kms, &k.key_id, &it_more);
    assert_eq!(
        decrypt_as(&mut kms, BOB, &blob_more, Some(&it_more), None).unwrap(),
        b"secret"
    );
    // Keys compare without case, values exactly; no context fails a Subset.
    let lower_key = ctx(&[("department", "IT")]);
    encrypt_as(&mut kms, BOB, &k.key_id, Some(&lower_key), None).unwrap();
    let lower_value = ctx(&[("Department", "it")]);
    assert_error_name(
        encrypt_as(&mut kms, BOB, &k.key_id, Some(&lower_value), None),
        "AccessDeniedException",
    );
    assert_error_name(
        encrypt_as(&mut kms, BOB, &k.key_id, None, None),
        "AccessDeniedException",
    );
    let plain = encrypt(&mut kms, &k.key_id, b"secret");
    assert_error_name(
        decrypt_as(&mut kms, BOB, &plain, None, None),
        "AccessDeniedException",
    );

    // Equals: exactly the pairs.
    kms.revoke_grant(RevokeGrantRequest {
        key_id: Some(k.arn.clone()),
        grant_id: Some(subset.grant_id),
        dry_run: None,
    })
    .unwrap();
    kms.create_grant(CreateGrantRequest {
        constraints: Some(GrantConstraints {
            encryption_context_equals: Some(pairs(&[("Department", "IT")])),
            ..Default::default()
        }),
        ..grant_req(&k.key_id, BOB, &["Decrypt"])
    })
    .unwrap();
    assert_error_name(
        decrypt_as(&mut kms, BOB, &blob_more, Some(&it_more), None),
        "AccessDeniedException",
    );
    let blob_it = encrypt_ctx(&mut kms, &k.key_id, &it);
    assert_eq!(
        decrypt_as(&mut kms, BOB, &blob_it, Some(&it), None).unwrap(),
        b"secret"
    );
    let entry = &grants_of(&mut kms, &k.key_id)[0];
    assert_eq!(
        entry.constraints,
        Some(GrantConstraints {
            encryption_context_equals: Some(pairs(&[("Department", "IT")])),
            encryption_context_subset: None,
        })
    );
}

#[test]
fn a_grant_never_overrides_a_deny() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let blob = encrypt(&mut kms, &k.key_id, b"secret");
    kms.create_grant(grant_req(&k.key_id, BOB, &["Decrypt"]))
        .unwrap();
    decrypt_as(&mut kms, BOB, &blob, None, None).unwrap();
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "NoBob", "Effect": "Deny", "Principal": {"AWS": BOB},
             "Action": "kms:Decrypt", "Resource": "*"}
        ]
    });
    kms.put_key_policy(PutKeyPolicyRequest {
        key_id: Some(k.key_id.clone()),
        policy: Some(policy.to_string()),
        ..Default::default()
    })
    .unwrap();
    assert_error(
        decrypt_as(&mut kms, BOB, &blob, None, None),
        "AccessDeniedException",
        Some(&format!(
            "User: {BOB} is not authorized to perform: kms:Decrypt on resource: {} with an explicit deny in a resource-based policy",
            k.arn
        )),
    );
}

#[test]
fn a_token_takes_effect_at_once_and_a_grant_without_one_after_the_delay() {
    let (mut kms, clock) = setup(11);
    assert_eq!(kms.grant_propagation_seconds(), 0);
    kms.set_grant_propagation_seconds(300.0).unwrap();
    assert_eq!(kms.grant_propagation_seconds(), 300);
    let k = new_key(&mut kms);
    let blob = encrypt(&mut kms, &k.key_id, b"secret");
    let g = kms
        .create_grant(CreateGrantRequest {
            name: Some("app".into()),
            ..grant_req(&k.key_id, BOB, &["Decrypt"])
        })
        .unwrap();
    assert_error_name(
        decrypt_as(&mut kms, BOB, &blob, None, None),
        "AccessDeniedException",
    );
    assert_eq!(
        decrypt_as(
            &mut kms,
            BOB,
            &blob,
            None,
            Some(vec![g.grant_token.clone()])
        )
        .unwrap(),
        b"secret"
    );
    // Another token of the same grant (Name makes the call idempotent) works as well.
    let again = kms
        .create_grant(CreateGrantRequest {
            name: Some("app".into()),
            ..grant_req(&k.key_id, BOB, &["Decrypt"])
        })
        .unwrap();
    assert_eq!(again.grant_id, g.grant_id);
    assert_ne!(again.grant_token, g.grant_token);
    decrypt_as(&mut kms, BOB, &blob, None, Some(vec![again.grant_token])).unwrap();
    // A token of another grant does not help.
    let other = kms
        .create_grant(grant_req(&k.key_id, CAROL, &["Decrypt"]))
        .unwrap();
    assert_error_name(
        decrypt_as(&mut kms, BOB, &blob, None, Some(vec![other.grant_token])),
        "AccessDeniedException",
    );

    clock.advance(299_000);
    assert_error_name(
        decrypt_as(&mut kms, BOB, &blob, None, None),
        "AccessDeniedException",
    );
    clock.advance(1_000);
    assert_eq!(
        decrypt_as(&mut kms, BOB, &blob, None, None).unwrap(),
        b"secret"
    );
    let e = expect_err(kms.set_grant_propagation_seconds(1.5));
    assert_eq!(e.name(), "ValidationException");
    assert_eq!(kms.grant_propagation_seconds(), 300);
}

#[test]
fn a_name_makes_create_grant_idempotent_for_the_same_parameters_only() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let other = new_key(&mut kms);
    let named = |key: &str, ops: &[&str]| CreateGrantRequest {
        name: Some("svc:app/1_x-y".into()),
        ..grant_req(key, BOB, ops)
    };
    let a = kms.create_grant(named(&k.key_id, &["Decrypt"])).unwrap();
    let b = kms.create_grant(named(&k.arn, &["Decrypt"])).unwrap();
    assert_eq!(a.grant_id, b.grant_id);
    assert_ne!(a.grant_token, b.grant_token);
    assert_eq!(grants_of(&mut kms, &k.key_id).len(), 1);
    // Other parameters make another grant; so does the same name on another key.
    let c = kms
        .create_grant(named(&k.key_id, &["Decrypt", "Encrypt"]))
        .unwrap();
    assert_ne!(c.grant_id, a.grant_id);
    let d = kms
        .create_grant(named(&other.key_id, &["Decrypt"]))
        .unwrap();
    assert_ne!(d.grant_id, a.grant_id);
    // Without a name, every call makes a grant.
    let e = kms
        .create_grant(grant_req(&k.key_id, BOB, &["Decrypt"]))
        .unwrap();
    let f = kms
        .create_grant(grant_req(&k.key_id, BOB, &["Decrypt"]))
        .unwrap();
    assert_ne!(e.grant_id, f.grant_id);
    assert_eq!(grants_of(&mut kms, &k.key_id).len(), 4);
}

#[test]
fn a_grantee_may_create_only_grants_at_least_as_strict() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    kms.create_grant(CreateGrantRequest {
        constraints: Some(GrantConstraints {
            encryption_context_subset: Some(pairs(&[("Dept", "IT")])),
            ..Default::default()
        }),
        ..grant_req(&k.key_id, BOB, &["Decrypt", "CreateGrant"])
    })
    .unwrap();
    let child = |ops: &[&str], c: Option<GrantConstraints>| CreateGrantRequest {
        constraints: c,
        ..grant_req(&k.arn, CAROL, ops)
    };
    let equals = GrantConstraints {
        encryption_context_equals: Some(pairs(&[("Dept", "IT")])),
        ..Default::default()
    };
    create_as(&mut kms, BOB, child(&["Decrypt"], Some(equals.clone()))).unwrap();
    let before = grants_of(&mut kms, &k.key_id);
    assert_eq!(before.len(), 2);
    for bad in [
        child(&["Decrypt", "Encrypt"], Some(equals.clone())),
        child(&["Decrypt"], None),
        child(
            &["Decrypt"],
            Some(GrantConstraints {
                encryption_context_subset: Some(pairs(&[("Dept", "HR")])),
                ..Default::default()
            }),
        ),
    ] {
        assert_error(
            create_as(&mut kms, BOB, bad),
            "AccessDeniedException",
            Some(&no_resource_policy(BOB, "kms:CreateGrant", &k.key_id)),
        );
        let event = kms.audit().events().last().cloned().unwrap();
        assert_eq!(event.error_code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(
            event.additional_event_data["authorization"][0]["effect"],
            "Deny"
        );
    }
    assert_eq!(grants_of(&mut kms, &k.key_id), before);
    // The key's own account, through its key policy, has no such limit.
    kms.create_grant(grant_req(&k.key_id, CAROL, &["Decrypt", "Encrypt"]))
        .unwrap();
}

#[test]
fn retiring_is_for_the_retiring_principal_the_grantee_that_may_and_the_keys_account() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let g = kms
        .create_grant(CreateGrantRequest {
            retiring_principal: Some(CAROL.into()),
            ..grant_req(&k.key_id, BOB, &["Decrypt"])
        })
        .unwrap();
    // The grantee may not (the grant does not list RetireGrant), nor may others.
    let by_id = RetireGrantRequest {
        key_id: Some(k.arn.clone()),
        grant_id: Some(g.grant_id.clone()),
        ..Default::default()
    };
    assert_error(
        retire_as(&mut kms, BOB, by_id.clone()),
        "AccessDeniedException",
        Some(&no_resource_policy(BOB, "kms:RetireGrant", &k.key_id)),
    );
    let dry = RetireGrantRequest {
        grant_token: Some(g.grant_token.clone()),
        dry_run: Some(true),
        ..Default::default()
    };
    assert_error(
        retire_as(&mut kms, CAROL, dry),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_eq!(grants_of(&mut kms, &k.key_id).len(), 1);
    // The retiring principal may, by token.
    retire_as(
        &mut kms,
        CAROL,
        RetireGrantRequest {
            grant_token: Some(g.grant_token.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(grants_of(&mut kms, &k.key_id).is_empty());
    assert_error(
        retire_as(&mut kms, CAROL, by_id),
        "NotFoundException",
        Some(&format!("Grant ID {} not found", g.grant_id)),
    );

    // A grantee whose grant lists RetireGrant may retire it, and not another grant.
    let own = kms
        .create_grant(grant_req(&k.key_id, BOB, &["Decrypt", "RetireGrant"]))
        .unwrap();
    let others = kms
        .create_grant(grant_req(&k.key_id, CAROL, &["Decrypt"]))
        .unwrap();
    assert_error_name(
        retire_as(
            &mut kms,
            BOB,
            RetireGrantRequest {
                key_id: Some(k.key_id.clone()),
                grant_id: Some(others.grant_id.clone()),
                ..Default::default()
            },
        ),
        "AccessDeniedException",
    );
    retire_as(
        &mut kms,
        BOB,
        RetireGrantRequest {
            key_id: Some(k.key_id.clone()),
            grant_id: Some(own.grant_id),
            ..Default::default()
        },
    )
    .unwrap();
    // The key's account may retire any of its grants.
    kms.retire_grant(RetireGrantRequest {
        grant_token: Some(others.grant_token),
        ..Default::default()
    })
    .unwrap();
    assert!(grants_of(&mut kms, &k.key_id).is_empty());
}

#[test]
fn revoking_needs_kms_revoke_grant_on_the_key() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let g = kms
        .create_grant(grant_req(&k.key_id, BOB, &["Decrypt", "RetireGrant"]))
        .unwrap();
    let c = caller(&kms, BOB);
    let e = expect_err(kms.execute_as(
        &c,
        Request::RevokeGrant(RevokeGrantRequest {
            key_id: Some(k.arn.clone()),
            grant_id: Some(g.grant_id.clone()),
            dry_run: None,
        }),
    ));
    assert_eq!(
        e.message(),
        Some(no_resource_policy(BOB, "kms:RevokeGrant", &k.key_id).as_str())
    );
    assert_error(
        kms.revoke_grant(RevokeGrantRequest {
            key_id: Some(k.key_id.clone()),
            grant_id: Some(g.grant_id.clone()),
            dry_run: Some(true),
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_eq!(grants_of(&mut kms, &k.key_id).len(), 1);
}

#[test]
fn list_grants_shows_aws_shapes_filters_and_pages() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let a = kms
        .create_grant(CreateGrantRequest {
            name: Some("first".into()),
            retiring_principal: Some(OPS.into()),
            ..grant_req(&k.key_id, BOB, &["Encrypt", "Decrypt"])
        })
        .unwrap();
    let b = kms
        .create_grant(grant_req(&k.key_id, CAROL, &["DescribeKey"]))
        .unwrap();
    let out = kms
        .call_json("ListGrants", json!({"KeyId": k.key_id}))
        .unwrap();
    assert_eq!(
        out,
        json!({
            "Grants": [
                {
                    "KeyId": k.arn,
                    "GrantId": a.grant_id,
                    "Name": "first",
                    "CreationDate": START_MS / 1000,
                    "GranteePrincipal": BOB,
                    "RetiringPrincipal": OPS,
                    "IssuingAccount": format!("arn:aws:iam::{ACCOUNT}:root"),
                    "Operations": ["Decrypt", "Encrypt"],
                },
                {
                    "KeyId": k.arn,
                    "GrantId": b.grant_id,
                    "CreationDate": START_MS / 1000,
                    "GranteePrincipal": CAROL,
                    "IssuingAccount": format!("arn:aws:iam::{ACCOUNT}:root"),
                    "Operations": ["DescribeKey"],
                }
            ],
            "Truncated": false
        })
    );
    let by_id = kms
        .list_grants(ListGrantsRequest {
            key_id: Some(k.arn.clone()),
            grant_id: Some(b.grant_id.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_id.grants.len(), 1);
    assert_eq!(by_id.grants[0].grantee_principal, CAROL);
    let by_grantee = kms
        .list_grants(ListGrantsRequest {
            key_id: Some(k.key_id.clone()),
            grantee_principal: Some(BOB.into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_grantee.grants.len(), 1);
    assert_eq!(by_grantee.grants[0].grant_id, a.grant_id);
    let first = kms
        .list_grants(ListGrantsRequest {
            key_id: Some(k.key_id.clone()),
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert!(first.truncated);
    let second = kms
        .list_grants(ListGrantsRequest {
            key_id: Some(k.key_id.clone()),
            limit: Some(1),
            marker: first.next_marker.clone(),
            ..Default::default()
        })
        .unwrap();
    assert!(!second.truncated);
    assert_eq!(second.grants[0].grant_id, b.grant_id);
    assert_validation(
        kms.list_grants(ListGrantsRequest {
            key_id: Some(k.key_id.clone()),
            limit: Some(101),
            ..Default::default()
        }),
        &max_value(101, "limit", 100),
    );
    assert_error_name(
        kms.list_grants(ListGrantsRequest {
            key_id: Some(k.key_id.clone()),
            marker: Some("nope".into()),
            ..Default::default()
        }),
        "InvalidMarkerException",
    );
    assert_error(
        kms.list_grants(ListGrantsRequest {
            key_id: Some(k.key_id.clone()),
            grant_id: Some("g1".into()),
            ..Default::default()
        }),
        "InvalidGrantIdException",
        Some("Invalid grant ID g1"),
    );
    assert_error(
        kms.list_grants(ListGrantsRequest {
            key_id: Some(ABSENT_ID.into()),
            ..Default::default()
        }),
        "NotFoundException",
        Some(&does_not_exist(ABSENT_ID)),
    );

    // ListRetirableGrants: the grants a principal of the caller's account may retire.
    let retirable = kms
        .list_retirable_grants(ListRetirableGrantsRequest {
            retiring_principal: Some(OPS.into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(retirable.grants.len(), 1);
    assert_eq!(retirable.grants[0].grant_id, a.grant_id);
    assert_eq!(retirable.grants[0].key_id, k.arn);
    let none = kms
        .list_retirable_grants(ListRetirableGrantsRequest {
            retiring_principal: Some(format!("arn:aws:iam::{ACCOUNT}:user/nobody")),
            ..Default::default()
        })
        .unwrap();
    assert!(none.grants.is_empty() && !none.truncated);
    assert_error_name(
        kms.list_retirable_grants(ListRetirableGrantsRequest {
            retiring_principal: Some(CAROL.into()),
            ..Default::default()
        }),
        "AccessDeniedException",
    );
    assert_validation(
        kms.list_retirable_grants(ListRetirableGrantsRequest::default()),
        &not_null("retiringPrincipal"),
    );
}

#[test]
fn bad_requests_get_aws_errors_and_change_nothing() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let hmac = kms
        .create_key(CreateKeyRequest {
            key_spec: Some("HMAC_256".into()),
            key_usage: Some("GENERATE_VERIFY_MAC".into()),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    create_alias(&mut kms, "alias/app", &k.key_id);
    let ok = grant_req(&k.key_id, BOB, &["Decrypt"]);
    let cases: Vec<(CreateGrantRequest, &str, Option<String>)> = vec![
        (
            CreateGrantRequest {
                key_id: None,
                ..ok.clone()
            },
            "ValidationException",
            Some(not_null("keyId")),
        ),
        (
            CreateGrantRequest {
                grantee_principal: None,
                ..ok.clone()
            },
            "ValidationException",
            Some(not_null("granteePrincipal")),
        ),
        (
            CreateGrantRequest {
                operations: None,
                ..ok.clone()
            },
            "ValidationException",
            Some(not_null("operations")),
        ),
        (
            grant_req(&k.key_id, BOB, &["Decrypt", "Dance"]),
            "ValidationException",
            None,
        ),
        (
            grant_req(&k.key_id, BOB, &["CreateGrant"]),
            "ValidationException",
            Some("Grants must not contain only the CreateGrant operation.".into()),
        ),
        (
            grant_req(&k.key_id, BOB, &[]),
            "ValidationException",
            None,
        ),
        (
            CreateGrantRequest {
                constraints: Some(GrantConstraints {
                    encryption_context_equals: Some(pairs(&[])),
                    encryption_context_subset: Some(pairs(&[("a", "b")])),
                }),
                ..ok.clone()
            },
            "ValidationException",
            Some("More than one constraint supplied".into()),
        ),
        (
            CreateGrantRequest {
                name: Some("bad name".into()),
                ..ok.clone()
            },
            "ValidationException",
            Some(constraint(
                Some("bad name"),
                "name",
                "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
            )),
        ),
        (
            grant_req(&k.key_id, "bob smith", &["Decrypt"]),
            "ValidationException",
            None,
        ),
        (
            grant_req(&k.key_id, "arn:aws:iam::444455556666:group/devs", &["Decrypt"]),
            "InvalidArnException",
            Some("Invalid arn arn:aws:iam::444455556666:group/devs".into()),
        ),
        (
            grant_req("alias/app", BOB, &["Decrypt"]),
            "NotFoundException",
            Some("Invalid keyId 'alias/app'".into()),
        ),
        (
            grant_req(ABSENT_ID, BOB, &["Decrypt"]),
            "NotFoundException",
            Some(does_not_exist(ABSENT_ID)),
        ),
        (
            grant_req(&k.key_id, BOB, &["Sign"]),
            "ValidationException",
            Some("Grant operations [Sign] are not valid for a KMS key with KeySpec SYMMETRIC_DEFAULT and KeyUsage ENCRYPT_DECRYPT.".into()),
        ),
        (
            CreateGrantRequest {
                constraints: Some(GrantConstraints {
                    encryption_context_subset: Some(pairs(&[("a", "b")])),
                    ..Default::default()
                }),
                ..grant_req(&hmac.key_id, BOB, &["GenerateMac"])
            },
            "ValidationException",
            None,
        ),
        (
            CreateGrantRequest {
                grant_tokens: Some(vec!["not-a-token".into()]),
                ..ok.clone()
            },
            "InvalidGrantTokenException",
            Some("The grant token is not valid.".into()),
        ),
        (
            CreateGrantRequest {
                dry_run: Some(true),
                ..ok.clone()
            },
            "DryRunOperationException",
            Some(DRY_RUN.into()),
        ),
    ];
    for (req, name, message) in cases {
        let e = assert_error_name(kms.create_grant(req), name);
        if let Some(m) = message {
            assert_eq!(e.message(), Some(m.as_str()));
        }
    }
    kms.disable_key(id_req(&k.key_id)).unwrap();
    assert_error(
        kms.create_grant(ok.clone()),
        "DisabledException",
        Some(&disabled_message(&k.key_id)),
    );
    assert!(grants_of(&mut kms, &k.key_id).is_empty());
    assert!(grants_of(&mut kms, &hmac.key_id).is_empty());
    kms.enable_key(id_req(&k.key_id)).unwrap();
    kms.create_grant(ok).unwrap();
    kms.create_grant(grant_req(
        &hmac.key_id,
        BOB,
        &["GenerateMac", "VerifyMac", "DescribeKey"],
    ))
    .unwrap();

    let retire_cases: Vec<(RetireGrantRequest, &str)> = vec![
        (RetireGrantRequest::default(), "ValidationException"),
        (
            RetireGrantRequest {
                grant_token: Some("bogus".into()),
                ..Default::default()
            },
            "InvalidGrantTokenException",
        ),
        (
            RetireGrantRequest {
                key_id: Some(k.key_id.clone()),
                grant_id: Some("zz".into()),
                ..Default::default()
            },
            "InvalidGrantIdException",
        ),
        (
            RetireGrantRequest {
                key_id: Some(k.key_id.clone()),
                grant_id: Some("ab".repeat(32)),
                ..Default::default()
            },
            "NotFoundException",
        ),
    ];
    for (req, name) in retire_cases {
        assert_error_name(kms.retire_grant(req), name);
    }
    assert_validation(
        kms.revoke_grant(RevokeGrantRequest {
            key_id: Some(k.key_id.clone()),
            grant_id: None,
            dry_run: None,
        }),
        &not_null("grantId"),
    );
    assert_eq!(grants_of(&mut kms, &k.key_id).len(), 1);
    assert_eq!(grants_of(&mut kms, &hmac.key_id).len(), 1);
}

#[test]
fn create_grant_tells_the_policies_its_parameters() {
    let mut kms = kms();
    // The account may create grants only for Decrypt, and only with a context constraint.
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Admin", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "NotAction": "kms:CreateGrant", "Resource": "*"},
            {"Sid": "Grants", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "Action": "kms:CreateGrant", "Resource": "*",
             "Condition": {
                "ForAllValues:StringEquals": {"kms:GrantOperations": ["Decrypt"]},
                "StringEquals": {"kms:GrantConstraintType": "EncryptionContextSubset"},
                "Bool": {"kms:GrantIsForAWSResource": "false"},
                "StringLike": {"kms:GranteePrincipal": "arn:aws:iam::444455556666:*"}
             }}
        ]
    });
    let k = kms
        .create_key(CreateKeyRequest {
            policy: Some(policy.to_string()),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    let subset = Some(GrantConstraints {
        encryption_context_subset: Some(pairs(&[("app", "x")])),
        ..Default::default()
    });
    kms.create_grant(CreateGrantRequest {
        constraints: subset.clone(),
        ..grant_req(&k.key_id, BOB, &["Decrypt"])
    })
    .unwrap();
    for bad in [
        grant_req(&k.key_id, BOB, &["Decrypt"]),
        CreateGrantRequest {
            constraints: subset.clone(),
            ..grant_req(&k.key_id, BOB, &["Decrypt", "Encrypt"])
        },
        CreateGrantRequest {
            constraints: subset.clone(),
            ..grant_req(&k.key_id, OPS, &["Decrypt"])
        },
    ] {
        assert_error_name(kms.create_grant(bad), "AccessDeniedException");
    }
    assert_eq!(grants_of(&mut kms, &k.key_id).len(), 1);
}

#[test]
fn grants_are_kept_with_their_key_and_go_with_it() {
    let (mut kms, clock) = setup(13);
    let k = new_key(&mut kms);
    kms.create_grant(CreateGrantRequest {
        retiring_principal: Some(OPS.into()),
        ..grant_req(&k.key_id, BOB, &["Decrypt"])
    })
    .unwrap();
    // A replica of a multi-Region key does not share its primary's grants.
    let mrk = kms
        .create_key(CreateKeyRequest {
            multi_region: Some(true),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    kms.create_grant(grant_req(&mrk.key_id, BOB, &["Decrypt"]))
        .unwrap();
    kms.replicate_key(ReplicateKeyRequest {
        key_id: Some(mrk.key_id.clone()),
        replica_region: Some("eu-west-1".into()),
        ..Default::default()
    })
    .unwrap();
    let eu = kms.caller().in_region("eu-west-1").unwrap();
    match kms
        .execute_as(
            &eu,
            Request::ListGrants(ListGrantsRequest {
                key_id: Some(mrk.key_id.clone()),
                ..Default::default()
            }),
        )
        .unwrap()
    {
        Response::ListGrants(out) => assert!(out.grants.is_empty()),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(grants_of(&mut kms, &mrk.key_id).len(), 1);
    // A key's deletion takes its grants with it.
    kms.schedule_key_deletion(ScheduleKeyDeletionRequest {
        key_id: Some(k.key_id.clone()),
        pending_window_in_days: Some(7),
    })
    .unwrap();
    // Grants of a key pending deletion are still listed (and retirable).
    assert_eq!(grants_of(&mut kms, &k.key_id).len(), 1);
    assert_eq!(
        kms.list_retirable_grants(ListRetirableGrantsRequest {
            retiring_principal: Some(OPS.into()),
            ..Default::default()
        })
        .unwrap()
        .grants
        .len(),
        1
    );
    clock.advance(8 * 86_400_000);
    assert_error_name(
        kms.list_grants(ListGrantsRequest {
            key_id: Some(k.key_id.clone()),
            ..Default::default()
        }),
        "NotFoundException",
    );
    let retirable = kms
        .list_retirable_grants(ListRetirableGrantsRequest {
            retiring_principal: Some(OPS.into()),
            ..Default::default()
        })
        .unwrap();
    assert!(retirable.grants.is_empty());
}
