//! What the area modules share: the fixtures (an in-memory KMS on a manual clock, keys,
//! aliases, tags, requests), the error assertions with AWS's exact texts (recorded in
//! `shared/reference/aws-kms.md` and `aws-error-messages.json`), and the `Fixture` of the
//! operations that take a key.

use std::fmt::Debug;
use std::rc::Rc;

use wasm_kms::codec::{Blob, SecretBlob};
use wasm_kms::domain::context::EncryptionContext;
use wasm_kms::env::ManualClock;
use wasm_kms::model::*;
use wasm_kms::KmsError;

use crate::common;

pub mod asym;
pub mod vectors;

pub use crate::common::TestKms;

// ---- fixtures ---------------------------------------------------------------------------------

pub const ACCOUNT: &str = "111122223333";

pub const REGION: &str = "us-east-1";

/// 2026-11-18T11:06:40Z.
pub const START_MS: i64 = 1_795_000_000_000;

/// A well-formed key ID that no test service ever creates (its version nibble is not 4).
pub const ABSENT_ID: &str = "0badc0de-0000-1000-8000-000000000000";

pub fn setup(seed: u64) -> (TestKms, Rc<ManualClock>) {
    common::setup(seed)
}

pub fn kms() -> TestKms {
    setup(7).0
}

pub fn key_arn(id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}")
}

pub fn alias_arn(name: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:{name}")
}

pub fn new_key(kms: &mut TestKms) -> KeyMetadata {
    kms.create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata
}

pub fn describe(kms: &mut TestKms, key_id: &str) -> KeyMetadata {
    kms.describe_key(DescribeKeyRequest {
        key_id: Some(key_id.to_owned()),
        ..Default::default()
    })
    .unwrap()
    .key_metadata
}

pub fn id_req(key_id: &str) -> KeyIdRequest {
    KeyIdRequest {
        key_id: Some(key_id.to_owned()),
    }
}

pub fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub fn enc_req(key_id: &str, plaintext: &[u8]) -> EncryptRequest {
    EncryptRequest {
        key_id: Some(key_id.to_owned()),
        plaintext: Some(SecretBlob(plaintext.to_vec())),
        ..Default::default()
    }
}

pub fn enc_ctx_req(key_id: &str, plaintext: &[u8], context: &EncryptionContext) -> EncryptRequest {
    EncryptRequest {
        encryption_context: Some(context.clone()),
        ..enc_req(key_id, plaintext)
    }
}

pub fn encrypt(kms: &mut TestKms, key_id: &str, plaintext: &[u8]) -> Vec<u8> {
    kms.encrypt(enc_req(key_id, plaintext))
        .unwrap()
        .ciphertext_blob
        .0
}

pub fn dec_req(blob: &[u8]) -> DecryptRequest {
    DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        ..Default::default()
    }
}

pub fn dec_ctx_req(blob: &[u8], context: &EncryptionContext) -> DecryptRequest {
    DecryptRequest {
        encryption_context: Some(context.clone()),
        ..dec_req(blob)
    }
}

pub fn gdk_req(key_id: &str) -> GenerateDataKeyRequest {
    GenerateDataKeyRequest {
        key_id: Some(key_id.to_owned()),
        key_spec: Some("AES_256".to_owned()),
        ..Default::default()
    }
}

pub fn alias_req(name: &str, target: &str) -> AliasRequest {
    AliasRequest {
        alias_name: Some(name.to_owned()),
        target_key_id: Some(target.to_owned()),
    }
}

pub fn create_alias(kms: &mut TestKms, name: &str, target: &str) {
    kms.create_alias(alias_req(name, target)).unwrap();
}

pub fn tag(k: &str, v: &str) -> Tag {
    Tag {
        tag_key: Some(k.to_owned()),
        tag_value: Some(v.to_owned()),
    }
}

pub fn tag_req(key_id: &str, tags: Vec<Tag>) -> TagResourceRequest {
    TagResourceRequest {
        key_id: Some(key_id.to_owned()),
        tags: Some(tags),
    }
}

/// The key's tags, as ListResourceTags shows them (one page of up to 50).
pub fn tags_of(kms: &mut TestKms, key_id: &str) -> Vec<(String, String)> {
    let out = kms
        .list_resource_tags(ListResourceTagsRequest {
            key_id: Some(key_id.to_owned()),
            ..Default::default()
        })
        .unwrap();
    assert!(!out.truncated);
    out.tags
        .into_iter()
        .map(|t| (t.tag_key.unwrap(), t.tag_value.unwrap()))
        .collect()
}

pub fn key_ids(kms: &mut TestKms) -> Vec<String> {
    let out = kms
        .list_keys(ListKeysRequest {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    assert!(!out.truncated);
    out.keys.into_iter().map(|k| k.key_id).collect()
}

pub fn alias_names(kms: &mut TestKms, key_id: Option<&str>) -> Vec<String> {
    let out = kms
        .list_aliases(ListAliasesRequest {
            key_id: key_id.map(str::to_owned),
            limit: Some(100),
            ..Default::default()
        })
        .unwrap();
    assert!(!out.truncated);
    out.aliases.into_iter().map(|a| a.alias_name).collect()
}

// ---- error assertions -------------------------------------------------------------------------

#[track_caller]
pub fn expect_err<T: Debug>(r: Result<T, KmsError>) -> KmsError {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// Asserts the AWS error name and the exact message (`None`: no message member).
#[track_caller]
pub fn assert_error<T: Debug>(r: Result<T, KmsError>, name: &str, message: Option<&str>) {
    assert_error_in(r, name, message, "");
}

/// [`assert_error`], naming the case in the failure report.
#[track_caller]
pub fn assert_error_in<T: Debug>(
    r: Result<T, KmsError>,
    name: &str,
    message: Option<&str>,
    case: &str,
) {
    let e = match r {
        Ok(v) => panic!("{case}: expected {name}, got {v:?}"),
        Err(e) => e,
    };
    assert_eq!(e.name(), name, "{case}: {e:?}");
    assert_eq!(e.message(), message, "{case}: {e:?}");
}

/// Asserts the AWS error name only (for texts AWS has not been recorded giving).
#[track_caller]
pub fn assert_error_name<T: Debug>(r: Result<T, KmsError>, name: &str) -> KmsError {
    let e = expect_err(r);
    assert_eq!(e.name(), name, "{e:?}");
    e
}

#[track_caller]
pub fn assert_validation<T: Debug>(r: Result<T, KmsError>, message: &str) {
    assert_error(r, "ValidationException", Some(message));
}

#[track_caller]
pub fn assert_invalid_ciphertext<T: Debug>(r: Result<T, KmsError>) {
    assert_error(r, "InvalidCiphertextException", None);
}

pub fn not_null(path: &str) -> String {
    format!("1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null")
}

pub fn constraint(value: Option<&str>, path: &str, rule: &str) -> String {
    let value = match value {
        Some(v) => format!("Value '{v}' at"),
        None => "Value at".to_owned(),
    };
    format!("1 validation error detected: {value} '{path}' failed to satisfy constraint: {rule}")
}

pub fn max_len(value: Option<&str>, path: &str, n: usize) -> String {
    constraint(
        value,
        path,
        &format!("Member must have length less than or equal to {n}"),
    )
}

pub fn min_len(value: Option<&str>, path: &str, n: usize) -> String {
    constraint(
        value,
        path,
        &format!("Member must have length greater than or equal to {n}"),
    )
}

pub fn max_value(value: i64, path: &str, n: i64) -> String {
    constraint(
        Some(&value.to_string()),
        path,
        &format!("Member must have value less than or equal to {n}"),
    )
}

pub fn min_value(value: i64, path: &str, n: i64) -> String {
    constraint(
        Some(&value.to_string()),
        path,
        &format!("Member must have value greater than or equal to {n}"),
    )
}

pub fn disabled_message(id: &str) -> String {
    format!("{} is disabled.", key_arn(id))
}

pub fn does_not_exist(id: &str) -> String {
    format!("Key '{}' does not exist", key_arn(id))
}

pub const INCORRECT_KEY: &str =
    "The key ID in the request does not identify a CMK that can perform this operation.";

pub const DRY_RUN: &str = "The request would have succeeded, but the DryRun option is set.";

// ---- the fixture of the operations that take a key --------------------------------------------

pub const FIXTURE_ALIAS: &str = "alias/fixture";

/// A service with key `key` (aliased `alias/fixture`), a second key `other` (aliased
/// `alias/movable`), and a ciphertext `blob` made under `key` with no context.
pub struct Fixture {
    pub kms: TestKms,
    pub key: KeyMetadata,
    pub other: KeyMetadata,
    pub blob: Vec<u8>,
}

pub fn fixture() -> Fixture {
    let mut kms = kms();
    let key = new_key(&mut kms);
    let other = new_key(&mut kms);
    create_alias(&mut kms, FIXTURE_ALIAS, &key.key_id);
    create_alias(&mut kms, "alias/movable", &other.key_id);
    let blob = encrypt(&mut kms, &key.key_id, b"fixture");
    Fixture {
        kms,
        key,
        other,
        blob,
    }
}

/// Runs an IAM (or, with `sts`, STS) operation as the service's own caller; panics on error.
pub fn iam(kms: &mut TestKms, op: &str, input: serde_json::Value) -> serde_json::Value {
    try_iam(kms, op, input).unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

/// Runs an IAM or STS operation as the service's own caller.
pub fn try_iam(
    kms: &mut TestKms,
    op: &str,
    input: serde_json::Value,
) -> Result<serde_json::Value, wasm_kms::iam::ops::IamError> {
    use wasm_kms::iam::ops::{Service, STS_OPERATIONS};
    let service = if STS_OPERATIONS.contains(&op) {
        Service::Sts
    } else {
        Service::Iam
    };
    let caller = kms.caller().clone();
    kms.call_iam(&caller, service, op, &input)
        .map(|out| out.unwrap_or(serde_json::Value::Null))
}

/// An `AssumeRole` trust policy that lets the account's principals (through their identity
/// policies) assume the role.
pub const TRUST_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;

/// Creates the role `name` of the test account, trusting the account.
pub fn new_role(kms: &mut TestKms, name: &str) -> String {
    let out = iam(
        kms,
        "CreateRole",
        serde_json::json!({ "RoleName": name, "AssumeRolePolicyDocument": TRUST_ACCOUNT }),
    );
    out["Role"]["Arn"].as_str().unwrap_or_default().to_owned()
}
