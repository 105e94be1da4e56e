//! IAM and STS in the store: users, roles, policies, access keys and sessions, with AWS's
//! errors; and what they change in KMS's decisions (identity policies, principal tags,
//! sessions, access keys).

use serde_json::{json, Value};
use wasm_kms::domain::ids::Principal;
use wasm_kms::iam::ops::{IamError, Service};
use wasm_kms::model::*;
use wasm_kms::service::Caller;

use crate::support::*;

fn caller_as(kms: &TestKms, arn: &str) -> Caller {
    let mut c = kms.caller().clone();
    c.principal = Principal::parse(arn).unwrap();
    c.scope.account = c.principal.account.clone();
    c
}

fn with_key(kms: &TestKms, id: &str, token: Option<&str>) -> Caller {
    let mut c = kms.caller().clone();
    c.access_key = Some((id.to_owned(), token.map(str::to_owned)));
    c
}

fn call(kms: &mut TestKms, caller: &Caller, op: &str, input: Value) -> Result<Value, IamError> {
    let service = if op == "AssumeRole" || op == "GetCallerIdentity" {
        Service::Sts
    } else {
        Service::Iam
    };
    kms.call_iam(caller, service, op, &input)
        .map(|o| o.unwrap_or(Value::Null))
}

fn err(r: Result<Value, IamError>) -> IamError {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e,
    }
}

fn encrypt_as(kms: &mut TestKms, caller: &Caller, key_id: &str) -> Result<(), wasm_kms::KmsError> {
    kms.execute_as(
        caller,
        wasm_kms::service::Request::Encrypt(enc_req(key_id, b"secret")),
    )
    .map(|_| ())
}

const ENCRYPT_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}"#;

#[test]
fn users_are_created_read_tagged_and_deleted_with_aws_errors() {
    let mut kms = kms();
    let out = iam(
        &mut kms,
        "CreateUser",
        json!({ "UserName": "alice", "Path": "/dev/", "Tags": [{ "Key": "team", "Value": "crypto" }] }),
    );
    let user = &out["User"];
    assert_eq!(
        user["Arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/dev/alice")
    );
    let id = user["UserId"].as_str().unwrap();
    assert!(id.starts_with("AIDA") && id.len() == 21, "{id}");
    assert!(id
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    assert_eq!(user["CreateDate"], json!(START_MS as f64 / 1000.0));
    assert_eq!(user["Tags"], json!([{ "Key": "team", "Value": "crypto" }]));

    // Names are unique whatever their case.
    let e = err(try_iam(
        &mut kms,
        "CreateUser",
        json!({ "UserName": "ALICE" }),
    ));
    assert_eq!((e.code, e.status), ("EntityAlreadyExists", 409));
    assert_eq!(e.message, "User with name ALICE already exists.");
    let e = err(try_iam(
        &mut kms,
        "CreateUser",
        json!({ "UserName": "bad name!" }),
    ));
    assert_eq!((e.code, e.status), ("ValidationError", 400));
    assert_eq!(e.message, "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    let e = err(try_iam(&mut kms, "CreateUser", json!({})));
    assert_eq!(e.message, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null");
    let e = err(try_iam(&mut kms, "GetUser", json!({ "UserName": "bob" })));
    assert_eq!(
        (e.code, e.status, e.kind()),
        ("NoSuchEntity", 404, "Sender")
    );
    assert_eq!(e.message, "The user with name bob cannot be found.");

    iam(
        &mut kms,
        "TagUser",
        json!({ "UserName": "alice", "Tags": [{ "Key": "TEAM", "Value": "ops" }, { "Key": "env", "Value": "test" }] }),
    );
    let got = iam(&mut kms, "GetUser", json!({ "UserName": "alice" }));
    assert_eq!(
        got["User"]["Tags"],
        json!([{ "Key": "team", "Value": "ops" }, { "Key": "env", "Value": "test" }])
    );

    // DeleteUser refuses while keys or policies remain, each with its own text.
    let key = iam(&mut kms, "CreateAccessKey", json!({ "UserName": "alice" }));
    let key_id = key["AccessKey"]["AccessKeyId"].as_str().unwrap().to_owned();
    let e = err(try_iam(
        &mut kms,
        "DeleteUser",
        json!({ "UserName": "alice" }),
    ));
    assert_eq!((e.code, e.status), ("DeleteConflict", 409));
    assert_eq!(
        e.message,
        "Cannot delete entity, must delete access keys first."
    );
    iam(
        &mut kms,
        "DeleteAccessKey",
        json!({ "UserName": "alice", "AccessKeyId": key_id }),
    );
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "alice", "PolicyName": "p", "PolicyDocument": ENCRYPT_ONLY }),
    );
    let e = err(try_iam(
        &mut kms,
        "DeleteUser",
        json!({ "UserName": "alice" }),
    ));
    assert_eq!(
        e.message,
        "Cannot delete entity, must delete policies first."
    );
    iam(
        &mut kms,
        "DeleteUserPolicy",
        json!({ "UserName": "alice", "PolicyName": "p" }),
    );
    iam(&mut kms, "DeleteUser", json!({ "UserName": "alice" }));
    assert_eq!(
        err(try_iam(&mut kms, "GetUser", json!({ "UserName": "alice" }))).code,
        "NoSuchEntity"
    );
}

#[test]
fn access_keys_are_two_at_most_never_listed_with_their_secret_and_name_their_user() {
    let mut kms = kms();
    iam(&mut kms, "CreateUser", json!({ "UserName": "app" }));
    let first = iam(&mut kms, "CreateAccessKey", json!({ "UserName": "app" }));
    let ak = &first["AccessKey"];
    let id = ak["AccessKeyId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("AKIA") && id.len() == 20, "{id}");
    assert_eq!(ak["SecretAccessKey"].as_str().unwrap().len(), 40);
    iam(&mut kms, "CreateAccessKey", json!({ "UserName": "app" }));
    let e = err(try_iam(
        &mut kms,
        "CreateAccessKey",
        json!({ "UserName": "app" }),
    ));
    assert_eq!((e.code, e.status), ("LimitExceeded", 409));
    assert_eq!(e.message, "Cannot exceed quota for AccessKeysPerUser: 2");
    let listed = iam(&mut kms, "ListAccessKeys", json!({ "UserName": "app" }));
    assert_eq!(listed["AccessKeyMetadata"].as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains("SecretAccessKey"));
    assert_eq!(listed["IsTruncated"], json!(false));
    let page = iam(
        &mut kms,
        "ListAccessKeys",
        json!({ "UserName": "app", "MaxItems": 1 }),
    );
    assert_eq!(
        (page["IsTruncated"].clone(), page["Marker"].clone()),
        (json!(true), json!("1"))
    );

    // The key is the user: GetCallerIdentity and KMS calls act as it.
    let as_key = with_key(&kms, &id, None);
    let me = call(&mut kms, &as_key, "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(me["Arn"], format!("arn:aws:iam::{ACCOUNT}:user/app"));
    assert!(me["UserId"].as_str().unwrap().starts_with("AIDA"));
    let k = new_key(&mut kms);
    let e = encrypt_as(&mut kms, &as_key, &k.key_id).unwrap_err();
    assert_eq!(e.name(), "AccessDeniedException");
    assert_eq!(
        e.message(),
        Some(format!("User: arn:aws:iam::{ACCOUNT}:user/app is not authorized to perform: kms:Encrypt on resource: {} because no identity-based policy allows the kms:Encrypt action", k.arn).as_str())
    );
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "app", "PolicyName": "enc", "PolicyDocument": ENCRYPT_ONLY }),
    );
    encrypt_as(&mut kms, &as_key, &k.key_id).unwrap();
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.user_identity.kind, "IAMUser");
    assert_eq!(
        event.additional_event_data["authorization"][0]["deciding"]["name"],
        "enc"
    );

    // A deleted key names no one.
    iam(
        &mut kms,
        "DeleteAccessKey",
        json!({ "UserName": "app", "AccessKeyId": id }),
    );
    let e = encrypt_as(&mut kms, &as_key, &k.key_id).unwrap_err();
    assert_eq!(e.name(), "UnrecognizedClientException");
    let e = err(call(&mut kms, &as_key, "GetCallerIdentity", json!({})));
    assert_eq!((e.code, e.status), ("InvalidClientTokenId", 403));
    assert_eq!(
        e.message,
        "The security token included in the request is invalid"
    );
}

#[test]
fn identity_policies_allow_deny_and_read_principal_tags() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    iam(
        &mut kms,
        "CreateUser",
        json!({ "UserName": "dev", "Tags": [{ "Key": "team", "Value": "blue" }] }),
    );
    let dev = caller_as(&kms, &format!("arn:aws:iam::{ACCOUNT}:user/dev"));
    let by_tag = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]}"#;
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "dev", "PolicyName": "by-tag", "PolicyDocument": by_tag }),
    );
    assert_eq!(
        encrypt_as(&mut kms, &dev, &k.key_id).unwrap_err().name(),
        "AccessDeniedException"
    );
    iam(
        &mut kms,
        "TagUser",
        json!({ "UserName": "dev", "Tags": [{ "Key": "team", "Value": "red" }] }),
    );
    encrypt_as(&mut kms, &dev, &k.key_id).unwrap();
    // A managed policy's Deny wins over the inline Allow.
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoEncrypt","Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}]}"#;
    let created = iam(
        &mut kms,
        "CreatePolicy",
        json!({ "PolicyName": "NoEncrypt", "PolicyDocument": deny, "Path": "/team/" }),
    );
    let arn = created["Policy"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(arn, format!("arn:aws:iam::{ACCOUNT}:policy/team/NoEncrypt"));
    assert_eq!(created["Policy"]["DefaultVersionId"], "v1");
    iam(
        &mut kms,
        "AttachUserPolicy",
        json!({ "UserName": "dev", "PolicyArn": arn }),
    );
    let e = encrypt_as(&mut kms, &dev, &k.key_id).unwrap_err();
    assert_eq!(
        e.message(),
        Some(format!("User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: kms:Encrypt on resource: {} with an explicit deny in an identity-based policy", k.arn).as_str())
    );
    let got = iam(&mut kms, "GetPolicy", json!({ "PolicyArn": arn }));
    assert_eq!(got["Policy"]["AttachmentCount"], json!(1));
    let e = err(try_iam(
        &mut kms,
        "DeletePolicy",
        json!({ "PolicyArn": arn }),
    ));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete a policy attached to entities."
        )
    );
    let listed = iam(
        &mut kms,
        "ListAttachedUserPolicies",
        json!({ "UserName": "dev" }),
    );
    assert_eq!(
        listed["AttachedPolicies"],
        json!([{ "PolicyName": "NoEncrypt", "PolicyArn": arn }])
    );
    iam(
        &mut kms,
        "DetachUserPolicy",
        json!({ "UserName": "dev", "PolicyArn": arn }),
    );
    encrypt_as(&mut kms, &dev, &k.key_id).unwrap();
    let e = err(try_iam(
        &mut kms,
        "DetachUserPolicy",
        json!({ "UserName": "dev", "PolicyArn": arn }),
    ));
    assert_eq!(e.code, "NoSuchEntity");
    let version = iam(
        &mut kms,
        "GetPolicyVersion",
        json!({ "PolicyArn": arn, "VersionId": "v1" }),
    );
    assert_eq!(version["PolicyVersion"]["Document"], deny);
    iam(&mut kms, "DeletePolicy", json!({ "PolicyArn": arn }));
    let e = err(try_iam(
        &mut kms,
        "AttachUserPolicy",
        json!({ "UserName": "dev", "PolicyArn": arn }),
    ));
    assert_eq!(
        e.message,
        format!("Policy {arn} does not exist or is not attachable.")
    );
}

#[test]
fn bad_policy_documents_get_iam_errors_and_change_nothing() {
    let mut kms = kms();
    iam(&mut kms, "CreateUser", json!({ "UserName": "u" }));
    let e = err(try_iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "u", "PolicyName": "p", "PolicyDocument": "{not json" }),
    ));
    assert_eq!(
        (e.code, e.status, e.message.as_str()),
        ("MalformedPolicyDocument", 400, "Syntax errors in policy.")
    );
    let with_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#;
    let e = err(try_iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "u", "PolicyName": "p", "PolicyDocument": with_principal }),
    ));
    assert_eq!(e.code, "MalformedPolicyDocument");
    let e = err(try_iam(
        &mut kms,
        "CreateRole",
        json!({ "RoleName": "r", "AssumeRolePolicyDocument": "[" }),
    ));
    assert_eq!(e.message, "This policy contains invalid Json");
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}}]}}"#,
        "a".repeat(2100)
    );
    let e = err(try_iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "u", "PolicyName": "p", "PolicyDocument": big }),
    ));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            "LimitExceeded",
            "Maximum policy size of 2048 bytes exceeded for user u"
        )
    );
    let listed = iam(&mut kms, "ListUserPolicies", json!({ "UserName": "u" }));
    assert_eq!(listed["PolicyNames"], json!([]));
    assert!(err(try_iam(&mut kms, "GetRole", json!({ "RoleName": "r" }))).code == "NoSuchEntity");
}

#[test]
fn assume_role_follows_the_trust_policy_and_the_session_acts_as_the_role() {
    let (mut kms, clock) = setup(11);
    let k = new_key(&mut kms);
    iam(&mut kms, "CreateUser", json!({ "UserName": "alice" }));
    iam(&mut kms, "CreateUser", json!({ "UserName": "bob" }));
    let alice = caller_as(&kms, &format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    let bob = caller_as(&kms, &format!("arn:aws:iam::{ACCOUNT}:user/bob"));
    // The trust policy names alice directly (no identity permission needed), and the account
    // (whose principals then need sts:AssumeRole in their own policies), with an external ID.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/alice"}},"Action":"sts:AssumeRole"}},{{"Effect":"Allow","Principal":{{"AWS":"{ACCOUNT}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"ext-1"}}}}}}]}}"#
    );
    let role = iam(
        &mut kms,
        "CreateRole",
        json!({ "RoleName": "app", "AssumeRolePolicyDocument": trust, "Tags": [{ "Key": "team", "Value": "blue" }] }),
    );
    let role_arn = role["Role"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(role["Role"]["MaxSessionDuration"], json!(3600));
    iam(
        &mut kms,
        "PutRolePolicy",
        json!({ "RoleName": "app", "PolicyName": "enc", "PolicyDocument": ENCRYPT_ONLY }),
    );

    let denied = format!("User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: sts:AssumeRole on resource: {role_arn}");
    let e = err(call(
        &mut kms,
        &bob,
        "AssumeRole",
        json!({ "RoleArn": role_arn, "RoleSessionName": "s1" }),
    ));
    assert_eq!(
        (e.code, e.status, e.message.as_str()),
        ("AccessDenied", 403, denied.as_str())
    );
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "bob", "PolicyName": "assume", "PolicyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"# }),
    );
    let e = err(call(
        &mut kms,
        &bob,
        "AssumeRole",
        json!({ "RoleArn": role_arn, "RoleSessionName": "s1", "ExternalId": "wrong" }),
    ));
    assert_eq!(e.code, "AccessDenied");
    call(
        &mut kms,
        &bob,
        "AssumeRole",
        json!({ "RoleArn": role_arn, "RoleSessionName": "s1", "ExternalId": "ext-1" }),
    )
    .unwrap();

    // Validation after trust, with AWS's texts.
    let e = err(call(
        &mut kms,
        &alice,
        "AssumeRole",
        json!({ "RoleArn": role_arn, "RoleSessionName": "x y" }),
    ));
    assert_eq!(e.message, "1 validation error detected: Value 'x y' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    let e = err(call(
        &mut kms,
        &alice,
        "AssumeRole",
        json!({ "RoleArn": role_arn, "RoleSessionName": "s2", "DurationSeconds": 7200 }),
    ));
    assert_eq!(
        e.message,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    );
    let e = err(call(
        &mut kms,
        &alice,
        "AssumeRole",
        json!({ "RoleArn": format!("arn:aws:iam::{ACCOUNT}:role/nope"), "RoleSessionName": "s1" }),
    ));
    assert_eq!(e.code, "AccessDenied");

    let out = call(&mut kms, &alice, "AssumeRole", json!({ "RoleArn": role_arn, "RoleSessionName": "s1", "DurationSeconds": 900, "Tags": [{ "Key": "team", "Value": "red" }] })).unwrap();
    let creds = &out["Credentials"];
    let key_id = creds["AccessKeyId"].as_str().unwrap().to_owned();
    let token = creds["SessionToken"].as_str().unwrap().to_owned();
    assert!(key_id.starts_with("ASIA") && key_id.len() == 20);
    assert_eq!(
        creds["Expiration"],
        json!((START_MS as f64 / 1000.0) + 900.0)
    );
    assert_eq!(
        out["AssumedRoleUser"]["Arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/s1")
    );
    assert!(out["AssumedRoleUser"]["AssumedRoleId"]
        .as_str()
        .unwrap()
        .ends_with(":s1"));

    // The session: the role's policies, the session's tags over the role's.
    let session = with_key(&kms, &key_id, Some(&token));
    let me = call(&mut kms, &session, "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(
        me["Arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/s1")
    );
    encrypt_as(&mut kms, &session, &k.key_id).unwrap();
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.user_identity.kind, "AssumedRole");
    assert_eq!(
        event.user_identity.arn.as_deref(),
        Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/s1").as_str())
    );
    let red_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"red"}}}]}"#;
    iam(
        &mut kms,
        "PutRolePolicy",
        json!({ "RoleName": "app", "PolicyName": "red-only", "PolicyDocument": red_only }),
    );
    encrypt_as(&mut kms, &session, &k.key_id).unwrap();
    let as_role = caller_as(&kms, &role_arn);
    assert_eq!(
        encrypt_as(&mut kms, &as_role, &k.key_id)
            .unwrap_err()
            .name(),
        "AccessDeniedException",
        "the role's own tag is blue"
    );

    // A wrong token names no one; an expired session is refused as expired.
    let wrong = with_key(&kms, &key_id, Some("IQoJwrong"));
    assert_eq!(
        encrypt_as(&mut kms, &wrong, &k.key_id).unwrap_err().name(),
        "UnrecognizedClientException"
    );
    clock.advance(901_000);
    let e = encrypt_as(&mut kms, &session, &k.key_id).unwrap_err();
    assert_eq!(e.name(), "ExpiredTokenException");
    assert_eq!(
        err(call(&mut kms, &session, "GetCallerIdentity", json!({}))).code,
        "ExpiredToken"
    );
}

#[test]
fn only_principals_with_iam_permissions_manage_iam() {
    let mut kms = kms();
    iam(&mut kms, "CreateUser", json!({ "UserName": "dev" }));
    let dev = caller_as(&kms, &format!("arn:aws:iam::{ACCOUNT}:user/dev"));
    let e = err(call(
        &mut kms,
        &dev,
        "CreateUser",
        json!({ "UserName": "mallory" }),
    ));
    assert_eq!((e.code, e.status), ("AccessDenied", 403));
    assert_eq!(
        e.message,
        format!("User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{ACCOUNT}:user/mallory")
    );
    // Anyone may ask who they are; GetUser without a name is the caller.
    call(&mut kms, &dev, "GetCallerIdentity", json!({})).unwrap();
    let users_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateUser","iam:GetUser"],"Resource":"arn:aws:iam::111122223333:user/*"}]}"#;
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "dev", "PolicyName": "users", "PolicyDocument": users_only }),
    );
    call(
        &mut kms,
        &dev,
        "CreateUser",
        json!({ "UserName": "mallory" }),
    )
    .unwrap();
    let me = call(&mut kms, &dev, "GetUser", json!({})).unwrap();
    assert_eq!(me["User"]["UserName"], "dev");
    assert_eq!(
        err(call(
            &mut kms,
            &dev,
            "CreateRole",
            json!({ "RoleName": "r", "AssumeRolePolicyDocument": TRUST_ACCOUNT })
        ))
        .code,
        "AccessDenied"
    );
    // Every IAM call is audited with its own event source.
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(
        (event.event_source.as_str(), event.event_name.as_str()),
        ("iam.amazonaws.com", "CreateRole")
    );
    assert_eq!(event.error_code.as_deref(), Some("AccessDenied"));
}

#[test]
fn key_policies_name_only_principals_that_exist() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let naming = |who: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"{who}"}},"Action":"kms:Decrypt","Resource":"*"}}]}}"#
        )
    };
    let role = format!("arn:aws:iam::{ACCOUNT}:role/reader");
    let put = |kms: &mut TestKms, policy: String| {
        kms.put_key_policy(PutKeyPolicyRequest {
            key_id: Some(k.key_id.clone()),
            policy_name: Some("default".into()),
            policy: Some(policy),
            ..Default::default()
        })
    };
    assert_error(
        put(&mut kms, naming(&role)),
        "MalformedPolicyDocumentException",
        Some("Policy contains a statement with one or more invalid principals."),
    );
    new_role(&mut kms, "reader");
    put(&mut kms, naming(&role)).unwrap();
    // The role's sessions are covered by the statement naming the role.
    let session = caller_as(
        &kms,
        &format!("arn:aws:sts::{ACCOUNT}:assumed-role/reader/s"),
    );
    let blob = kms
        .encrypt(enc_req(&k.key_id, b"x"))
        .unwrap()
        .ciphertext_blob;
    kms.execute_as(
        &session,
        wasm_kms::service::Request::Decrypt(DecryptRequest {
            ciphertext_blob: Some(blob),
            ..Default::default()
        }),
    )
    .unwrap();
}

#[test]
fn the_policy_simulator_decides_as_calls_are_decided() {
    let mut kms = kms();
    iam(&mut kms, "CreateUser", json!({ "UserName": "dev" }));
    let enc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Enc","Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:app":"billing"}}},{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}"#;
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "dev", "PolicyName": "enc", "PolicyDocument": enc }),
    );
    let out = iam(
        &mut kms,
        "SimulatePrincipalPolicy",
        json!({
            "PolicySourceArn": format!("arn:aws:iam::{ACCOUNT}:user/dev"),
            "ActionNames": ["kms:Encrypt", "kms:Decrypt", "kms:ScheduleKeyDeletion"],
            "ContextEntries": [{ "ContextKeyName": "kms:EncryptionContext:app", "ContextKeyValues": ["billing"], "ContextKeyType": "string" }],
        }),
    );
    let results = out["EvaluationResults"].as_array().unwrap();
    let decisions: Vec<&str> = results
        .iter()
        .map(|r| r["EvalDecision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["allowed", "implicitDeny", "explicitDeny"]);
    assert_eq!(
        results[0]["MatchedStatements"],
        json!([{ "SourcePolicyId": "enc", "SourcePolicyType": "user" }])
    );
    assert_eq!(results[0]["EvalResourceName"], "*");
    // Without the context entry, the Allow's key is missing and the call is not allowed.
    let out = iam(
        &mut kms,
        "SimulatePrincipalPolicy",
        json!({ "PolicySourceArn": format!("arn:aws:iam::{ACCOUNT}:user/dev"), "ActionNames": ["kms:Encrypt"] }),
    );
    assert_eq!(out["EvaluationResults"][0]["EvalDecision"], "implicitDeny");
    assert_eq!(
        out["EvaluationResults"][0]["MissingContextValues"],
        json!(["kms:EncryptionContext:app"])
    );
    // A custom policy with a key policy as the resource policy: the key policy must name the
    // account for the identity policy to count.
    let allow_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
    let key_policy = |principal: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"kms:*","Resource":"*"}}]}}"#
        )
    };
    let custom = |kms: &mut TestKms, resource_policy: String| {
        iam(
            kms,
            "SimulateCustomPolicy",
            json!({
                "PolicyInputList": [allow_all], "ActionNames": ["kms:Decrypt"],
                "ResourceArns": [format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{ABSENT_ID}")],
                "ResourcePolicy": resource_policy,
                "CallerArn": format!("arn:aws:iam::{ACCOUNT}:user/dev"),
            }),
        )["EvaluationResults"][0]["EvalDecision"]
            .clone()
    };
    assert_eq!(
        custom(
            &mut kms,
            key_policy(&format!("arn:aws:iam::{ACCOUNT}:root"))
        ),
        "allowed"
    );
    assert_eq!(
        custom(&mut kms, key_policy("arn:aws:iam::444455556666:root")),
        "implicitDeny"
    );
    let e = err(try_iam(
        &mut kms,
        "SimulatePrincipalPolicy",
        json!({ "PolicySourceArn": format!("arn:aws:iam::{ACCOUNT}:user/ghost"), "ActionNames": ["kms:Encrypt"] }),
    ));
    assert_eq!((e.code, e.status), ("NoSuchEntity", 404));
}

/// The reference's worked example E9: another account's key by ARN, allowed only where both the
/// key policy (naming the account) and the caller's identity policy allow, and only for the
/// operations that work across accounts.
#[test]
fn another_accounts_key_is_used_by_arn_when_both_policies_allow() {
    let mut kms = kms();
    let k = new_key(&mut kms);
    let blob = kms
        .encrypt(enc_req(&k.key_id, b"x"))
        .unwrap()
        .ciphertext_blob;
    let other = "444455556666";
    let mut root_b = kms.caller().clone();
    root_b.scope.account = other.to_owned();
    root_b.principal = Principal::parse(&format!("arn:aws:iam::{other}:root")).unwrap();
    kms.call_iam(
        &root_b,
        Service::Iam,
        "CreateUser",
        &json!({ "UserName": "bob" }),
    )
    .unwrap();
    let bob = caller_as(&kms, &format!("arn:aws:iam::{other}:user/bob"));
    let run = |kms: &mut TestKms, request: wasm_kms::service::Request| {
        kms.execute_as(&bob, request)
            .map(|_| ())
            .map_err(|e| (e.name(), e.message().unwrap_or_default().to_owned()))
    };
    let decrypt = || {
        wasm_kms::service::Request::Decrypt(DecryptRequest {
            ciphertext_blob: Some(blob.clone()),
            ..Default::default()
        })
    };
    let describe = |id: &str| {
        wasm_kms::service::Request::DescribeKey(DescribeKeyRequest {
            key_id: Some(id.to_owned()),
            ..Default::default()
        })
    };
    // The default key policy names only its own account.
    let e = run(&mut kms, describe(&k.arn)).unwrap_err();
    assert_eq!(e.0, "AccessDeniedException");
    assert!(
        e.1.ends_with("because no resource-based policy allows the kms:DescribeKey action"),
        "{}",
        e.1
    );
    // A bare ID is bob's own account's: not found there.
    assert_eq!(
        run(&mut kms, describe(&k.key_id)).unwrap_err().0,
        "NotFoundException"
    );
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{other}:root"}},"Action":["kms:Decrypt","kms:DescribeKey","kms:ScheduleKeyDeletion"],"Resource":"*"}}]}}"#
    );
    kms.put_key_policy(PutKeyPolicyRequest {
        key_id: Some(k.key_id.clone()),
        policy_name: Some("default".into()),
        policy: Some(policy),
        ..Default::default()
    })
    .unwrap();
    // The key policy alone is not enough: bob's own account must allow him too.
    let e = run(&mut kms, decrypt()).unwrap_err();
    assert!(
        e.1.ends_with("because no identity-based policy allows the kms:Decrypt action"),
        "{}",
        e.1
    );
    let all_kms = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
    kms.call_iam(
        &root_b,
        Service::Iam,
        "PutUserPolicy",
        &json!({ "UserName": "bob", "PolicyName": "kms", "PolicyDocument": all_kms }),
    )
    .unwrap();
    run(&mut kms, decrypt()).unwrap();
    run(&mut kms, describe(&k.arn)).unwrap();
    // IAM cannot exceed the key policy, and an operation that does not work across accounts
    // is denied whatever the policies say.
    let encrypt = wasm_kms::service::Request::Encrypt(enc_req(&k.arn, b"y"));
    assert_eq!(
        run(&mut kms, encrypt).unwrap_err().0,
        "AccessDeniedException"
    );
    let schedule = wasm_kms::service::Request::ScheduleKeyDeletion(ScheduleKeyDeletionRequest {
        key_id: Some(k.arn.clone()),
        ..Default::default()
    });
    assert_eq!(
        run(&mut kms, schedule).unwrap_err().0,
        "AccessDeniedException"
    );
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.user_identity.account_id, other);
}

#[test]
fn a_seed_file_makes_identities_with_fixed_access_keys_once() {
    let mut kms = kms();
    let seed = format!(
        r#"{{
      "Iam": {{
        "Policies": [{{ "PolicyName": "KmsUse", "PolicyDocument": {{ "Version": "2012-10-17", "Statement": [{{ "Effect": "Allow", "Action": "kms:*", "Resource": "*" }}] }} }}],
        "Users": [{{ "UserName": "ci", "Tags": [{{ "Key": "team", "Value": "blue" }}],
                    "AttachedPolicies": ["arn:aws:iam::{ACCOUNT}:policy/KmsUse"],
                    "AccessKeys": [{{ "AccessKeyId": "AKIAWASMKMSSEED00001", "SecretAccessKey": "wasmkmsSeedSecret0000000000000000000000/" }}] }}],
        "Roles": [{{ "RoleName": "reader", "AssumeRolePolicyDocument": {TRUST_ACCOUNT:?},
                    "Policies": {{ "read": {{ "Version": "2012-10-17", "Statement": [{{ "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*" }}] }} }} }}]
      }},
      "Keys": [{{ "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "Policy": {policy:?} }}]
    }}"#,
        policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/reader"}},"Action":"kms:Decrypt","Resource":"*"}}]}}"#
        ),
    );
    let report = kms.seed_json(&seed).unwrap();
    assert_eq!(
        report.created_identities,
        vec![
            format!("arn:aws:iam::{ACCOUNT}:policy/KmsUse"),
            format!("arn:aws:iam::{ACCOUNT}:user/ci"),
            "AKIAWASMKMSSEED00001".to_owned(),
            format!("arn:aws:iam::{ACCOUNT}:role/reader"),
        ]
    );
    assert_eq!(
        report.created_keys.len(),
        1,
        "the key policy names the seeded role"
    );
    // The fixed key is the user, with the attached policy.
    let ci = with_key(&kms, "AKIAWASMKMSSEED00001", None);
    encrypt_as(&mut kms, &ci, "1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
    // Loading again creates nothing and changes nothing.
    let again = kms.seed_json(&seed).unwrap();
    assert!(
        again.created_identities.is_empty() && again.created_keys.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.existing_identities.len(), 3);
    let keys = iam(&mut kms, "ListAccessKeys", json!({ "UserName": "ci" }));
    assert_eq!(keys["AccessKeyMetadata"].as_array().unwrap().len(), 1);
    // A seed that gives a known key ID another secret is refused.
    let e = kms
        .seed_json(&seed.replace(
            "wasmkmsSeedSecret0000000000000000000000/",
            "wasmkmsSeedSecret0000000000000000000000X",
        ))
        .unwrap_err();
    assert!(
        e.message().unwrap().contains("with another secret"),
        "{e:?}"
    );
    let e = kms
        .seed_json(r#"{"Iam":{"Users":[{"UserName":"bad name"}]}}"#)
        .unwrap_err();
    assert!(e.message().unwrap().contains("ValidationError"), "{e:?}");
}

/// The condition keys of tags and aliases: `aws:RequestTag/*` and `aws:TagKeys` (CreateKey,
/// TagResource, UntagResource), `kms:RequestAlias` (the alias a request named the key by) and
/// `kms:ResourceAliases` (every alias of the key, in identity policies).
#[test]
fn tags_and_aliases_are_condition_keys() {
    let mut kms = kms();
    iam(&mut kms, "CreateUser", json!({ "UserName": "dev" }));
    let dev = caller_as(&kms, &format!("arn:aws:iam::{ACCOUNT}:user/dev"));
    let doc = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":["kms:CreateKey","kms:TagResource"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
      {"Effect":"Allow","Action":"kms:UntagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["scratch"]}}},
      {"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:RequestAlias":"alias/app"}}},
      {"Effect":"Allow","Action":"kms:DescribeKey","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/blessed"}}}]}"#;
    iam(
        &mut kms,
        "PutUserPolicy",
        json!({ "UserName": "dev", "PolicyName": "p", "PolicyDocument": doc }),
    );
    let run = |kms: &mut TestKms, r: wasm_kms::service::Request| {
        kms.execute_as(&dev, r).map_err(|e| e.name())
    };
    let create = |tags: Vec<Tag>| {
        wasm_kms::service::Request::CreateKey(CreateKeyRequest {
            tags: Some(tags),
            ..Default::default()
        })
    };
    assert_eq!(
        run(&mut kms, create(vec![tag("team", "red")])).unwrap_err(),
        "AccessDeniedException"
    );
    assert_eq!(
        run(&mut kms, create(vec![tag("team", "blue"), tag("env", "x")])).unwrap_err(),
        "AccessDeniedException"
    );
    let made = run(&mut kms, create(vec![tag("team", "blue")])).unwrap();
    let wasm_kms::service::Response::CreateKey(made) = made else {
        panic!("CreateKey")
    };
    let id = made.key_metadata.key_id.clone();
    let untag = |k: &str| {
        wasm_kms::service::Request::UntagResource(UntagResourceRequest {
            key_id: Some(id.clone()),
            tag_keys: Some(vec![k.to_owned()]),
        })
    };
    assert_eq!(
        run(&mut kms, untag("team")).unwrap_err(),
        "AccessDeniedException"
    );
    run(&mut kms, untag("scratch")).unwrap();
    // Encrypt only by the alias alias/app.
    create_alias(&mut kms, "alias/app", &id);
    let encrypt = |by: &str| wasm_kms::service::Request::Encrypt(enc_req(by, b"x"));
    assert_eq!(
        run(&mut kms, encrypt(&id)).unwrap_err(),
        "AccessDeniedException"
    );
    run(&mut kms, encrypt("alias/app")).unwrap();
    run(
        &mut kms,
        encrypt(&format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/app")),
    )
    .unwrap();
    // DescribeKey of a key that has alias/blessed among its aliases, by any identifier.
    let describe = || {
        wasm_kms::service::Request::DescribeKey(DescribeKeyRequest {
            key_id: Some(id.clone()),
            ..Default::default()
        })
    };
    assert_eq!(
        run(&mut kms, describe()).unwrap_err(),
        "AccessDeniedException"
    );
    create_alias(&mut kms, "alias/blessed", &id);
    run(&mut kms, describe()).unwrap();
}
