//! Native integration tests of every implemented operation, through the typed API and through
//! `call_json` (AWS's JSON wire format), against the behaviour recorded in
//! `shared/reference/aws-kms.md` and `aws-error-messages.json`.
// Test code, helpers included: a failed unwrap or index is a failed test.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::rc::Rc;

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;
use wasm_kms::codec::{Blob, Format, SecretBlob, Timestamp};
use wasm_kms::domain::context::EncryptionContext;
use wasm_kms::env::{InsecureTestEntropy, ManualClock};
use wasm_kms::model::*;
use wasm_kms::store::MemoryStore;
use wasm_kms::{Config, Kms, KmsError, Request, Response};

// ---- fixtures ---------------------------------------------------------------------------------

use common::TestKms;

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
/// 2026-11-18T11:06:40Z.
const START_MS: i64 = 1_795_000_000_000;
/// A well-formed key ID that no test service ever creates (its version nibble is not 4).
const ABSENT_ID: &str = "0badc0de-0000-1000-8000-000000000000";

fn setup(seed: u64) -> (TestKms, Rc<ManualClock>) {
    common::setup(seed)
}

fn kms() -> TestKms {
    setup(7).0
}

fn key_arn(id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}")
}

fn alias_arn(name: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:{name}")
}

fn new_key(kms: &mut TestKms) -> KeyMetadata {
    kms.create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata
}

fn describe(kms: &mut TestKms, key_id: &str) -> KeyMetadata {
    kms.describe_key(DescribeKeyRequest {
        key_id: Some(key_id.to_owned()),
        ..Default::default()
    })
    .unwrap()
    .key_metadata
}

fn id_req(key_id: &str) -> KeyIdRequest {
    KeyIdRequest {
        key_id: Some(key_id.to_owned()),
    }
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn enc_req(key_id: &str, plaintext: &[u8]) -> EncryptRequest {
    EncryptRequest {
        key_id: Some(key_id.to_owned()),
        plaintext: Some(SecretBlob(plaintext.to_vec())),
        ..Default::default()
    }
}

fn enc_ctx_req(key_id: &str, plaintext: &[u8], context: &EncryptionContext) -> EncryptRequest {
    EncryptRequest {
        encryption_context: Some(context.clone()),
        ..enc_req(key_id, plaintext)
    }
}

fn encrypt(kms: &mut TestKms, key_id: &str, plaintext: &[u8]) -> Vec<u8> {
    kms.encrypt(enc_req(key_id, plaintext))
        .unwrap()
        .ciphertext_blob
        .0
}

fn dec_req(blob: &[u8]) -> DecryptRequest {
    DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        ..Default::default()
    }
}

fn dec_ctx_req(blob: &[u8], context: &EncryptionContext) -> DecryptRequest {
    DecryptRequest {
        encryption_context: Some(context.clone()),
        ..dec_req(blob)
    }
}

fn gdk_req(key_id: &str) -> GenerateDataKeyRequest {
    GenerateDataKeyRequest {
        key_id: Some(key_id.to_owned()),
        key_spec: Some("AES_256".to_owned()),
        ..Default::default()
    }
}

fn alias_req(name: &str, target: &str) -> AliasRequest {
    AliasRequest {
        alias_name: Some(name.to_owned()),
        target_key_id: Some(target.to_owned()),
    }
}

fn create_alias(kms: &mut TestKms, name: &str, target: &str) {
    kms.create_alias(alias_req(name, target)).unwrap();
}

fn tag(k: &str, v: &str) -> Tag {
    Tag {
        tag_key: Some(k.to_owned()),
        tag_value: Some(v.to_owned()),
    }
}

fn tag_req(key_id: &str, tags: Vec<Tag>) -> TagResourceRequest {
    TagResourceRequest {
        key_id: Some(key_id.to_owned()),
        tags: Some(tags),
    }
}

/// The key's tags, as ListResourceTags shows them (one page of up to 50).
fn tags_of(kms: &mut TestKms, key_id: &str) -> Vec<(String, String)> {
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

fn key_ids(kms: &mut TestKms) -> Vec<String> {
    let out = kms
        .list_keys(ListKeysRequest {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    assert!(!out.truncated);
    out.keys.into_iter().map(|k| k.key_id).collect()
}

fn alias_names(kms: &mut TestKms, key_id: Option<&str>) -> Vec<String> {
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
fn expect_err<T: Debug>(r: Result<T, KmsError>) -> KmsError {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// Asserts the AWS error name and the exact message (`None`: no message member).
#[track_caller]
fn assert_error<T: Debug>(r: Result<T, KmsError>, name: &str, message: Option<&str>) {
    assert_error_in(r, name, message, "");
}

/// [`assert_error`], naming the case in the failure report.
#[track_caller]
fn assert_error_in<T: Debug>(
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
fn assert_error_name<T: Debug>(r: Result<T, KmsError>, name: &str) -> KmsError {
    let e = expect_err(r);
    assert_eq!(e.name(), name, "{e:?}");
    e
}

#[track_caller]
fn assert_validation<T: Debug>(r: Result<T, KmsError>, message: &str) {
    assert_error(r, "ValidationException", Some(message));
}

#[track_caller]
fn assert_invalid_ciphertext<T: Debug>(r: Result<T, KmsError>) {
    assert_error(r, "InvalidCiphertextException", None);
}

fn not_null(path: &str) -> String {
    format!("1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null")
}

fn constraint(value: Option<&str>, path: &str, rule: &str) -> String {
    let value = match value {
        Some(v) => format!("Value '{v}' at"),
        None => "Value at".to_owned(),
    };
    format!("1 validation error detected: {value} '{path}' failed to satisfy constraint: {rule}")
}

fn max_len(value: Option<&str>, path: &str, n: usize) -> String {
    constraint(
        value,
        path,
        &format!("Member must have length less than or equal to {n}"),
    )
}

fn min_len(value: Option<&str>, path: &str, n: usize) -> String {
    constraint(
        value,
        path,
        &format!("Member must have length greater than or equal to {n}"),
    )
}

fn max_value(value: i64, path: &str, n: i64) -> String {
    constraint(
        Some(&value.to_string()),
        path,
        &format!("Member must have value less than or equal to {n}"),
    )
}

fn min_value(value: i64, path: &str, n: i64) -> String {
    constraint(
        Some(&value.to_string()),
        path,
        &format!("Member must have value greater than or equal to {n}"),
    )
}

fn disabled_message(id: &str) -> String {
    format!("{} is disabled.", key_arn(id))
}

fn does_not_exist(id: &str) -> String {
    format!("Key '{}' does not exist", key_arn(id))
}

const INCORRECT_KEY: &str =
    "The key ID in the request does not identify a CMK that can perform this operation.";
const DRY_RUN: &str = "The request would have succeeded, but the DryRun option is set.";
const DEFAULT_POLICY: &str = r#"{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"#;

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

// ---- CreateKey and DescribeKey ----------------------------------------------------------------

#[test]
fn create_key_returns_aws_metadata_for_a_symmetric_key() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    // Key IDs are lowercase hyphenated UUIDs (version 4).
    let groups: Vec<usize> = m.key_id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{}", m.key_id);
    assert!(m
        .key_id
        .chars()
        .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
    assert_eq!(m.key_id.as_bytes()[14], b'4');
    assert_eq!(m.aws_account_id, ACCOUNT);
    assert_eq!(m.arn, key_arn(&m.key_id));
    assert_eq!(m.creation_date, Timestamp(START_MS));
    assert!(m.enabled);
    assert_eq!(m.description, "");
    assert_eq!(m.key_usage, "ENCRYPT_DECRYPT");
    assert_eq!(m.key_state, "Enabled");
    assert_eq!(m.deletion_date, None);
    assert_eq!(m.origin, "AWS_KMS");
    assert_eq!(m.key_manager, "CUSTOMER");
    assert_eq!(m.customer_master_key_spec, "SYMMETRIC_DEFAULT");
    assert_eq!(m.key_spec, "SYMMETRIC_DEFAULT");
    assert_eq!(
        m.encryption_algorithms,
        Some(vec!["SYMMETRIC_DEFAULT".to_owned()])
    );
    assert!(!m.multi_region);
    let material = m.current_key_material_id.clone().unwrap();
    assert_eq!(material.len(), 64);
    assert!(material
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    // DescribeKey shows the same metadata.
    assert_eq!(describe(&mut kms, &m.key_id), m);
    // A second key is a different key.
    let other = new_key(&mut kms);
    assert_ne!(other.key_id, m.key_id);
    assert_ne!(other.current_key_material_id, m.current_key_material_id);
}

#[test]
fn create_key_over_json_has_exactly_the_verified_fields_and_epoch_seconds() {
    let (mut kms, clock) = setup(3);
    let out = kms.call_json("CreateKey", json!({})).unwrap();
    let meta = out["KeyMetadata"].as_object().unwrap();
    let fields: BTreeSet<&str> = meta.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = [
        "AWSAccountId",
        "Arn",
        "CreationDate",
        "CurrentKeyMaterialId",
        "CustomerMasterKeySpec",
        "Description",
        "Enabled",
        "EncryptionAlgorithms",
        "KeyId",
        "KeyManager",
        "KeySpec",
        "KeyState",
        "KeyUsage",
        "MultiRegion",
        "Origin",
    ]
    .into_iter()
    .collect();
    assert_eq!(fields, expected);
    assert_eq!(meta["CreationDate"], json!(1_795_000_000));
    assert!(meta["CreationDate"].is_i64());
    assert_eq!(meta["EncryptionAlgorithms"], json!(["SYMMETRIC_DEFAULT"]));
    assert_eq!(meta["Enabled"], json!(true));
    assert_eq!(meta["MultiRegion"], json!(false));
    assert_eq!(meta["Description"], json!(""));

    // Fractional seconds are sent as AWS sends them (1571767572.317).
    clock.advance(317);
    let out = kms
        .call_json("CreateKey", json!({"Description": "second"}))
        .unwrap();
    assert_eq!(
        out["KeyMetadata"]["CreationDate"].as_f64(),
        Some(1_795_000_000.317)
    );
    let id = out["KeyMetadata"]["KeyId"].as_str().unwrap();
    let described = kms
        .call_json("DescribeKey", json!({ "KeyId": id }))
        .unwrap();
    assert_eq!(described["KeyMetadata"]["Description"], json!("second"));
    assert_eq!(described["KeyMetadata"]["Arn"], json!(key_arn(id)));
}

#[test]
fn create_key_accepts_explicit_symmetric_settings_description_tags_and_policy() {
    let mut kms = kms();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
    let m = kms
        .create_key(CreateKeyRequest {
            description: Some("payments".into()),
            key_usage: Some("ENCRYPT_DECRYPT".into()),
            key_spec: Some("SYMMETRIC_DEFAULT".into()),
            origin: Some("AWS_KMS".into()),
            multi_region: Some(false),
            policy: Some(policy.into()),
            tags: Some(vec![tag("team", "core"), tag("env", "")]),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    assert_eq!(m.description, "payments");
    assert_eq!(
        tags_of(&mut kms, &m.key_id),
        vec![("team".into(), "core".into()), ("env".into(), "".into())]
    );
    let p = kms
        .get_key_policy(GetKeyPolicyRequest {
            key_id: Some(m.key_id.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p.policy, policy);

    let deprecated = kms
        .create_key(CreateKeyRequest {
            customer_master_key_spec: Some("SYMMETRIC_DEFAULT".into()),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    assert_eq!(deprecated.key_spec, "SYMMETRIC_DEFAULT");
    assert_eq!(deprecated.customer_master_key_spec, "SYMMETRIC_DEFAULT");
}

#[test]
fn create_key_description_limit_is_8192_characters() {
    let mut kms = kms();
    let longest = "d".repeat(8192);
    let m = kms
        .create_key(CreateKeyRequest {
            description: Some(longest.clone()),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    assert_eq!(m.description, longest);
    // Characters, not bytes: 8192 two-byte characters are fine.
    kms.create_key(CreateKeyRequest {
        description: Some("é".repeat(8192)),
        ..Default::default()
    })
    .unwrap();
    let too_long = "d".repeat(8193);
    assert_validation(
        kms.create_key(CreateKeyRequest {
            description: Some(too_long.clone()),
            ..Default::default()
        }),
        &max_len(Some(&too_long), "description", 8192),
    );
    assert_eq!(key_ids(&mut kms).len(), 2);
}

#[test]
fn create_key_refuses_bad_specs_and_usages_with_aws_texts() {
    let mut kms = kms();
    let e = assert_error_name(
        kms.create_key(CreateKeyRequest {
            key_spec: Some("HMAC_random".into()),
            ..Default::default()
        }),
        "ValidationException",
    );
    assert!(e.message().unwrap().starts_with(
        "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512"
    ), "{e:?}");
    let e = assert_error_name(
        kms.create_key(CreateKeyRequest {
            key_usage: Some("RANDOM".into()),
            ..Default::default()
        }),
        "ValidationException",
    );
    assert!(e.message().unwrap().starts_with(
        "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC"
    ), "{e:?}");
    assert_validation(
        kms.create_key(CreateKeyRequest {
            key_spec: Some("HMAC_256".into()),
            ..Default::default()
        }),
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    );
    assert_validation(
        kms.create_key(CreateKeyRequest {
            key_spec: Some("RSA_2048".into()),
            key_usage: Some("KEY_AGREEMENT".into()),
            ..Default::default()
        }),
        "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048",
    );
    assert_error_name(
        kms.create_key(CreateKeyRequest {
            key_spec: Some("SYMMETRIC_DEFAULT".into()),
            key_usage: Some("SIGN_VERIFY".into()),
            ..Default::default()
        }),
        "ValidationException",
    );
    assert_error_name(
        kms.create_key(CreateKeyRequest {
            key_spec: Some("SYMMETRIC_DEFAULT".into()),
            customer_master_key_spec: Some("SYMMETRIC_DEFAULT".into()),
            ..Default::default()
        }),
        "ValidationException",
    );
    assert_error_name(
        kms.create_key(CreateKeyRequest {
            origin: Some("ELSEWHERE".into()),
            ..Default::default()
        }),
        "ValidationException",
    );
    // Valid requests that this version cannot fulfil are refused plainly, never faked.
    for req in [
        CreateKeyRequest {
            key_spec: Some("ML_DSA_44".into()),
            key_usage: Some("SIGN_VERIFY".into()),
            ..Default::default()
        },
        CreateKeyRequest {
            origin: Some("AWS_CLOUDHSM".into()),
            ..Default::default()
        },
    ] {
        assert_error_name(kms.create_key(req), "UnsupportedOperationException");
    }
    assert!(key_ids(&mut kms).is_empty());
}

#[test]
fn create_key_checks_the_policy() {
    let mut kms = kms();
    assert_error_name(
        kms.create_key(CreateKeyRequest {
            policy: Some("not json".into()),
            ..Default::default()
        }),
        "MalformedPolicyDocumentException",
    );
    assert_error_name(
        kms.create_key(CreateKeyRequest {
            policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
            ..Default::default()
        }),
        "MalformedPolicyDocumentException",
    );
    // Over the documented 32 KB quota: LimitExceeded.
    let big = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Sid":"{}"}}]}}"#,
        "x".repeat(33_000)
    );
    assert_error_name(
        kms.create_key(CreateKeyRequest {
            policy: Some(big),
            ..Default::default()
        }),
        "LimitExceededException",
    );
    // Outside the model's character set.
    assert_error_name(
        kms.create_key(CreateKeyRequest {
            policy: Some("{\"Statement\":[{\"Sid\":\"\u{263a}\"}]}".into()),
            ..Default::default()
        }),
        "ValidationException",
    );
    assert!(key_ids(&mut kms).is_empty());
}

#[test]
fn create_key_tag_rules() {
    let mut kms = kms();
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    let m = kms
        .create_key(CreateKeyRequest {
            tags: Some(fifty.clone()),
            ..Default::default()
        })
        .unwrap()
        .key_metadata;
    assert_eq!(tags_of(&mut kms, &m.key_id).len(), 50);

    let mut fifty_one = fifty;
    fifty_one.push(tag("k50", "v"));
    assert_error(
        kms.create_key(CreateKeyRequest {
            tags: Some(fifty_one),
            ..Default::default()
        }),
        "TagException",
        Some("Too many tags"),
    );
    for reserved in ["aws:x", "AWS:x", "Aws:x", "aWs:"] {
        assert_error(
            kms.create_key(CreateKeyRequest {
                tags: Some(vec![tag(reserved, "v")]),
                ..Default::default()
            }),
            "TagException",
            Some("Tags beginning with aws: are reserved"),
        );
    }
    assert_error(
        kms.create_key(CreateKeyRequest {
            tags: Some(vec![tag("a", "1"), tag("a", "2")]),
            ..Default::default()
        }),
        "TagException",
        Some("Duplicate tag keys"),
    );
    let long_key = "k".repeat(129);
    assert_validation(
        kms.create_key(CreateKeyRequest {
            tags: Some(vec![tag(&long_key, "v")]),
            ..Default::default()
        }),
        &max_len(Some(&long_key), "tags.1.member.tagKey", 128),
    );
    let long_value = "v".repeat(257);
    assert_validation(
        kms.create_key(CreateKeyRequest {
            tags: Some(vec![tag("a", "b"), tag("k", &long_value)]),
            ..Default::default()
        }),
        &max_len(Some(&long_value), "tags.2.member.tagValue", 256),
    );
    assert_validation(
        kms.create_key(CreateKeyRequest {
            tags: Some(vec![Tag {
                tag_key: Some("k".into()),
                tag_value: None,
            }]),
            ..Default::default()
        }),
        &not_null("tags.1.member.tagValue"),
    );
    // Only the first key was created.
    assert_eq!(key_ids(&mut kms), vec![m.key_id]);
}

#[test]
fn describe_key_resolves_every_identifier_form() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    create_alias(&mut kms, "alias/app", &m.key_id);
    for form in [
        m.key_id.clone(),
        m.key_id.to_ascii_uppercase(),
        m.arn.clone(),
        "alias/app".to_owned(),
        alias_arn("alias/app"),
    ] {
        assert_eq!(describe(&mut kms, &form), m, "{form}");
    }
}

#[test]
fn describe_key_errors() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    assert_validation(
        kms.describe_key(DescribeKeyRequest::default()),
        &not_null("keyId"),
    );
    for bad in [
        "fake-key-id",
        "134f2428cec14b25a1ae9048164dba47",
        "mrk-fake-key-id",
        "key_id",
    ] {
        assert_error(
            kms.describe_key(DescribeKeyRequest {
                key_id: Some(bad.into()),
                ..Default::default()
            }),
            "NotFoundException",
            Some(&format!("Invalid keyId '{bad}'")),
        );
    }
    assert_error(
        kms.describe_key(DescribeKeyRequest {
            key_id: Some("alias/nope".into()),
            ..Default::default()
        }),
        "NotFoundException",
        Some(&format!("Alias {} is not found.", alias_arn("alias/nope"))),
    );
    let tokens: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    assert_validation(
        kms.describe_key(DescribeKeyRequest {
            key_id: Some(m.key_id.clone()),
            grant_tokens: Some(tokens),
        }),
        &max_len(None, "grantTokens", 10),
    );
    let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
    kms.describe_key(DescribeKeyRequest {
        key_id: Some(m.key_id.clone()),
        grant_tokens: Some(ten),
    })
    .unwrap();
}

// ---- KeyId resolution across every operation that takes a key ---------------------------------

const FIXTURE_ALIAS: &str = "alias/fixture";

/// A service with key `key` (aliased `alias/fixture`), a second key `other` (aliased
/// `alias/movable`), and a ciphertext `blob` made under `key` with no context.
struct Fixture {
    kms: TestKms,
    key: KeyMetadata,
    other: KeyMetadata,
    blob: Vec<u8>,
}

fn fixture() -> Fixture {
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

/// Every (operation, member) that takes a key identifier, whether it accepts aliases, and the
/// member's name in validation messages.
const KEY_MEMBERS: &[(&str, bool, &str)] = &[
    ("DescribeKey", true, "keyId"),
    ("Encrypt", true, "keyId"),
    ("Decrypt", true, "keyId"),
    ("ReEncrypt.SourceKeyId", true, "sourceKeyId"),
    ("ReEncrypt.DestinationKeyId", true, "destinationKeyId"),
    ("GenerateDataKey", true, "keyId"),
    ("GenerateDataKeyWithoutPlaintext", true, "keyId"),
    ("UpdateKeyDescription", false, "keyId"),
    ("EnableKey", false, "keyId"),
    ("DisableKey", false, "keyId"),
    ("TagResource", false, "keyId"),
    ("UntagResource", false, "keyId"),
    ("ListResourceTags", false, "keyId"),
    ("GetKeyPolicy", false, "keyId"),
    ("ListKeyPolicies", false, "keyId"),
    ("CreateAlias", false, "targetKeyId"),
    ("UpdateAlias", false, "targetKeyId"),
    ("ListAliases", false, "keyId"),
];

/// Runs `op` with `key_id` in the member under test and valid values everywhere else.
fn with_key(f: &mut Fixture, op: &str, key_id: &str) -> Result<(), KmsError> {
    let k = Some(key_id.to_owned());
    let kms = &mut f.kms;
    let blob = Some(Blob(f.blob.clone()));
    match op {
        "DescribeKey" => kms
            .describe_key(DescribeKeyRequest {
                key_id: k,
                ..Default::default()
            })
            .map(|_| ()),
        "Encrypt" => kms.encrypt(enc_req(key_id, b"x")).map(|_| ()),
        "Decrypt" => kms
            .decrypt(DecryptRequest {
                ciphertext_blob: blob,
                key_id: k,
                ..Default::default()
            })
            .map(|_| ()),
        "ReEncrypt.SourceKeyId" => kms
            .re_encrypt(ReEncryptRequest {
                ciphertext_blob: blob,
                source_key_id: k,
                destination_key_id: Some(f.other.key_id.clone()),
                ..Default::default()
            })
            .map(|_| ()),
        "ReEncrypt.DestinationKeyId" => kms
            .re_encrypt(ReEncryptRequest {
                ciphertext_blob: blob,
                destination_key_id: k,
                ..Default::default()
            })
            .map(|_| ()),
        "GenerateDataKey" => kms.generate_data_key(gdk_req(key_id)).map(|_| ()),
        "GenerateDataKeyWithoutPlaintext" => kms
            .generate_data_key_without_plaintext(gdk_req(key_id))
            .map(|_| ()),
        "UpdateKeyDescription" => kms
            .update_key_description(UpdateKeyDescriptionRequest {
                key_id: k,
                description: Some("d".into()),
            })
            .map(|_| ()),
        "EnableKey" => kms.enable_key(id_req(key_id)).map(|_| ()),
        "DisableKey" => kms.disable_key(id_req(key_id)).map(|_| ()),
        "TagResource" => kms
            .tag_resource(tag_req(key_id, vec![tag("a", "b")]))
            .map(|_| ()),
        "UntagResource" => kms
            .untag_resource(UntagResourceRequest {
                key_id: k,
                tag_keys: Some(vec!["a".into()]),
            })
            .map(|_| ()),
        "ListResourceTags" => kms
            .list_resource_tags(ListResourceTagsRequest {
                key_id: k,
                ..Default::default()
            })
            .map(|_| ()),
        "GetKeyPolicy" => kms
            .get_key_policy(GetKeyPolicyRequest {
                key_id: k,
                ..Default::default()
            })
            .map(|_| ()),
        "ListKeyPolicies" => kms
            .list_key_policies(ListKeyPoliciesRequest {
                key_id: k,
                ..Default::default()
            })
            .map(|_| ()),
        "CreateAlias" => kms
            .create_alias(alias_req("alias/brand-new", key_id))
            .map(|_| ()),
        "UpdateAlias" => kms
            .update_alias(alias_req("alias/movable", key_id))
            .map(|_| ()),
        "ListAliases" => kms
            .list_aliases(ListAliasesRequest {
                key_id: k,
                ..Default::default()
            })
            .map(|_| ()),
        other => panic!("no such operation in the table: {other}"),
    }
}

#[test]
fn every_key_member_accepts_key_ids_and_arns_and_aliases_only_where_aws_does() {
    for &(op, accepts_aliases, _) in KEY_MEMBERS {
        let forms = |f: &Fixture| {
            [
                (f.key.key_id.clone(), true),
                (f.key.arn.clone(), true),
                (FIXTURE_ALIAS.to_owned(), false),
                (alias_arn(FIXTURE_ALIAS), false),
            ]
        };
        let probe = fixture();
        for (form, is_key) in forms(&probe) {
            let mut f = fixture();
            let r = with_key(&mut f, op, &form);
            if is_key || accepts_aliases {
                assert!(r.is_ok(), "{op} with {form}: {r:?}");
            } else {
                assert_error_in(
                    r,
                    "NotFoundException",
                    Some(&format!("Invalid keyId '{form}'")),
                    &format!("{op} with {form}"),
                );
            }
        }
    }
}

#[test]
fn every_key_member_reports_malformed_ids() {
    for &(op, _, _) in KEY_MEMBERS {
        for bad in [
            "fake-key-id",
            "134f2428cec14b25a1ae9048164dba47",
            "mrk-fake-key-id",
            "key_id",
            "1234abcd-12ab-34cd-56ef-1234567890ag",
        ] {
            let mut f = fixture();
            assert_error_in(
                with_key(&mut f, op, bad),
                "NotFoundException",
                Some(&format!("Invalid keyId '{bad}'")),
                &format!("{op} with {bad}"),
            );
        }
    }
}

#[test]
fn every_key_member_reports_absent_keys_with_the_callers_arn() {
    let absent_mrk = "mrk-0123456789abcdef0123456789abcdef";
    for &(op, _, _) in KEY_MEMBERS {
        for (input, arn_id) in [
            (ABSENT_ID.to_owned(), ABSENT_ID),
            (ABSENT_ID.to_ascii_uppercase(), ABSENT_ID),
            (key_arn(ABSENT_ID), ABSENT_ID),
            (absent_mrk.to_owned(), absent_mrk),
        ] {
            let mut f = fixture();
            assert_error_in(
                with_key(&mut f, op, &input),
                "NotFoundException",
                Some(&does_not_exist(arn_id)),
                &format!("{op} with {input}"),
            );
        }
    }
}

#[test]
fn every_key_member_reports_arns_of_other_regions_accounts_and_bad_syntax() {
    for &(op, accepts_aliases, _) in KEY_MEMBERS {
        let mut f = fixture();
        let id = f.key.key_id.clone();
        let mut cases: Vec<(String, &str, Option<String>)> = vec![
            // Another Region, even for a key that exists here.
            (
                format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{id}"),
                "NotFoundException",
                Some("Invalid arn eu-west-1".into()),
            ),
            (
                format!("arn:aws:kms:ap-southeast-2:{ACCOUNT}:{FIXTURE_ALIAS}"),
                "NotFoundException",
                Some("Invalid arn ap-southeast-2".into()),
            ),
        ];
        // Another account: nothing by that ARN exists here.
        let other_account = format!("arn:aws:kms:{REGION}:444455556666:key/{id}");
        cases.push((
            other_account.clone(),
            "NotFoundException",
            Some(format!("Key '{other_account}' does not exist")),
        ));
        if accepts_aliases {
            let foreign_alias = format!("arn:aws:kms:{REGION}:444455556666:{FIXTURE_ALIAS}");
            cases.push((
                foreign_alias.clone(),
                "NotFoundException",
                Some(format!("Alias {foreign_alias} is not found.")),
            ));
            cases.push((
                "alias/absent".into(),
                "NotFoundException",
                Some(format!("Alias {} is not found.", alias_arn("alias/absent"))),
            ));
        }
        for bad_arn in [
            "arn:aws:kms:nowhere".to_owned(),
            format!("arn:aws:s3:{REGION}:{ACCOUNT}:key/{id}"),
            format!("arn:aws:kms:{REGION}:1234:key/{id}"),
            format!("arn:aws:kms:{REGION}:{ACCOUNT}:grant/{id}"),
        ] {
            let message = Some(format!("Invalid arn {bad_arn}"));
            cases.push((bad_arn, "InvalidArnException", message));
        }
        for (input, name, message) in cases {
            assert_error_in(
                with_key(&mut f, op, &input),
                name,
                message.as_deref(),
                &format!("{op} with {input}"),
            );
        }
    }
}

#[test]
fn every_key_member_validates_length() {
    for &(op, _, member) in KEY_MEMBERS {
        let mut f = fixture();
        assert_error_in(
            with_key(&mut f, op, ""),
            "ValidationException",
            Some(&min_len(Some(""), member, 1)),
            op,
        );
        let long = "a".repeat(2049);
        assert_error_in(
            with_key(&mut f, op, &long),
            "ValidationException",
            Some(&max_len(Some(&long), member, 2048)),
            op,
        );
    }
}

#[test]
fn responses_echo_the_key_arn_whatever_form_was_sent() {
    let mut f = fixture();
    let arn = f.key.arn.clone();
    for form in [
        f.key.key_id.clone(),
        f.key.arn.clone(),
        FIXTURE_ALIAS.to_owned(),
        alias_arn(FIXTURE_ALIAS),
    ] {
        let kms = &mut f.kms;
        let e = kms.encrypt(enc_req(&form, b"x")).unwrap();
        assert_eq!(e.key_id, arn);
        let d = kms
            .decrypt(DecryptRequest {
                key_id: Some(form.clone()),
                ..dec_req(&e.ciphertext_blob.0)
            })
            .unwrap();
        assert_eq!(d.key_id, arn);
        assert_eq!(kms.generate_data_key(gdk_req(&form)).unwrap().key_id, arn);
        assert_eq!(
            kms.generate_data_key_without_plaintext(gdk_req(&form))
                .unwrap()
                .key_id,
            arn
        );
        let r = kms
            .re_encrypt(ReEncryptRequest {
                ciphertext_blob: Some(e.ciphertext_blob.clone()),
                source_key_id: Some(form.clone()),
                destination_key_id: Some(form.clone()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.source_key_id, arn);
        assert_eq!(r.key_id, arn);
    }
}

// ---- ListKeys ---------------------------------------------------------------------------------

#[test]
fn list_keys_pages_walk_every_key_exactly_once() {
    let mut kms = kms();
    let empty = kms.list_keys(ListKeysRequest::default()).unwrap();
    assert!(empty.keys.is_empty());
    assert!(!empty.truncated);
    assert_eq!(empty.next_marker, None);

    let created: BTreeSet<String> = (0..7).map(|_| new_key(&mut kms).key_id).collect();
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let page = kms
            .list_keys(ListKeysRequest {
                limit: Some(3),
                marker: marker.clone(),
            })
            .unwrap();
        pages.push(page.keys.len());
        for k in &page.keys {
            assert_eq!(k.key_arn, key_arn(&k.key_id));
        }
        seen.extend(page.keys.into_iter().map(|k| k.key_id));
        assert_eq!(page.truncated, page.next_marker.is_some());
        if !page.truncated {
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(pages, vec![3, 3, 1]);
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), created);

    // A Limit equal to the count is one full, untruncated page; the default (100) too.
    let all = kms
        .list_keys(ListKeysRequest {
            limit: Some(7),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((all.keys.len(), all.truncated), (7, false));
    assert_eq!(all.next_marker, None);
    let all = kms.list_keys(ListKeysRequest::default()).unwrap();
    assert_eq!((all.keys.len(), all.truncated), (7, false));
    let one = kms
        .list_keys(ListKeysRequest {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((one.keys.len(), one.truncated), (1, true));
}

#[test]
fn list_keys_limit_and_marker_errors() {
    let mut kms = kms();
    new_key(&mut kms);
    new_key(&mut kms);
    kms.list_keys(ListKeysRequest {
        limit: Some(1000),
        ..Default::default()
    })
    .unwrap();
    assert_validation(
        kms.list_keys(ListKeysRequest {
            limit: Some(0),
            ..Default::default()
        }),
        &min_value(0, "limit", 1),
    );
    assert_validation(
        kms.list_keys(ListKeysRequest {
            limit: Some(1001),
            ..Default::default()
        }),
        &max_value(1001, "limit", 1000),
    );
    for bogus in ["bogus", "AAAA", "a2V5czo5OTk"] {
        assert_error_name(
            kms.list_keys(ListKeysRequest {
                marker: Some(bogus.into()),
                ..Default::default()
            }),
            "InvalidMarkerException",
        );
    }
    assert_validation(
        kms.list_keys(ListKeysRequest {
            marker: Some(String::new()),
            ..Default::default()
        }),
        &min_len(Some(""), "marker", 1),
    );
    // A marker of another listing is not a ListKeys marker.
    let key = new_key(&mut kms);
    create_alias(&mut kms, "alias/a", &key.key_id);
    create_alias(&mut kms, "alias/b", &key.key_id);
    let aliases = kms
        .list_aliases(ListAliasesRequest {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert!(aliases.truncated);
    assert_error_name(
        kms.list_keys(ListKeysRequest {
            marker: aliases.next_marker,
            ..Default::default()
        }),
        "InvalidMarkerException",
    );
}

#[test]
fn list_keys_over_json() {
    let mut kms = kms();
    for _ in 0..3 {
        new_key(&mut kms);
    }
    let first = kms.call_json("ListKeys", json!({"Limit": 2})).unwrap();
    assert_eq!(first["Keys"].as_array().unwrap().len(), 2);
    assert_eq!(first["Truncated"], json!(true));
    let marker = first["NextMarker"].as_str().unwrap().to_owned();
    let second = kms
        .call_json("ListKeys", json!({"Limit": 2, "Marker": marker}))
        .unwrap();
    assert_eq!(second["Keys"].as_array().unwrap().len(), 1);
    assert_eq!(second["Truncated"], json!(false));
    assert!(second.get("NextMarker").is_none());
    let entry = &second["Keys"][0];
    assert_eq!(
        entry["KeyArn"],
        json!(key_arn(entry["KeyId"].as_str().unwrap()))
    );
}

// ---- UpdateKeyDescription, EnableKey, DisableKey ----------------------------------------------

#[test]
fn update_key_description_and_its_limits() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let update = |kms: &mut TestKms, d: Option<String>| {
        kms.update_key_description(UpdateKeyDescriptionRequest {
            key_id: Some(m.key_id.clone()),
            description: d,
        })
    };
    update(&mut kms, Some("first".into())).unwrap();
    assert_eq!(describe(&mut kms, &m.key_id).description, "first");
    let longest = "x".repeat(8192);
    update(&mut kms, Some(longest.clone())).unwrap();
    assert_eq!(describe(&mut kms, &m.key_id).description, longest);
    let too_long = "y".repeat(8193);
    assert_validation(
        update(&mut kms, Some(too_long.clone())),
        &max_len(Some(&too_long), "description", 8192),
    );
    assert_validation(update(&mut kms, None), &not_null("description"));
    // The failed calls changed nothing.
    assert_eq!(describe(&mut kms, &m.key_id).description, longest);
    // An empty description is allowed.
    update(&mut kms, Some(String::new())).unwrap();
    assert_eq!(describe(&mut kms, &m.key_id).description, "");
    assert_validation(
        kms.update_key_description(UpdateKeyDescriptionRequest {
            key_id: None,
            description: Some("d".into()),
        }),
        &not_null("keyId"),
    );
    // Validation comes before the key lookup.
    assert_validation(
        kms.update_key_description(UpdateKeyDescriptionRequest {
            key_id: Some(ABSENT_ID.into()),
            description: Some(too_long.clone()),
        }),
        &max_len(Some(&too_long), "description", 8192),
    );
    // A disabled key's description can still change.
    kms.disable_key(id_req(&m.key_id)).unwrap();
    update(&mut kms, Some("while disabled".into())).unwrap();
    assert_eq!(describe(&mut kms, &m.key_id).description, "while disabled");
}

#[test]
fn disable_and_enable_key() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    kms.disable_key(id_req(&m.key_id)).unwrap();
    let d = describe(&mut kms, &m.key_id);
    assert_eq!((d.enabled, d.key_state.as_str()), (false, "Disabled"));
    // Disabling twice is fine, and so is enabling by ARN.
    kms.disable_key(id_req(&m.key_id)).unwrap();
    kms.enable_key(id_req(&m.arn)).unwrap();
    let d = describe(&mut kms, &m.key_id);
    assert_eq!((d.enabled, d.key_state.as_str()), (true, "Enabled"));
    kms.enable_key(id_req(&m.key_id)).unwrap();
    assert_validation(kms.enable_key(KeyIdRequest::default()), &not_null("keyId"));
    assert_validation(kms.disable_key(KeyIdRequest::default()), &not_null("keyId"));
}

#[test]
fn json_operations_without_output_return_an_empty_object() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    for (op, input) in [
        ("DisableKey", json!({ "KeyId": id })),
        ("EnableKey", json!({ "KeyId": id })),
        (
            "UpdateKeyDescription",
            json!({ "KeyId": id, "Description": "d" }),
        ),
        (
            "TagResource",
            json!({ "KeyId": id, "Tags": [{"TagKey": "a", "TagValue": "b"}] }),
        ),
        ("UntagResource", json!({ "KeyId": id, "TagKeys": ["a"] })),
        (
            "CreateAlias",
            json!({ "AliasName": "alias/j", "TargetKeyId": id }),
        ),
        (
            "UpdateAlias",
            json!({ "AliasName": "alias/j", "TargetKeyId": id }),
        ),
        ("DeleteAlias", json!({ "AliasName": "alias/j" })),
    ] {
        assert_eq!(kms.call_json(op, input).unwrap(), json!({}), "{op}");
    }
}

// ---- Encrypt ----------------------------------------------------------------------------------

#[test]
fn encrypt_plaintext_size_limits() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    for n in [1usize, 2, 4095, 4096] {
        let pt: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        let out = kms.encrypt(enc_req(&m.key_id, &pt)).unwrap();
        assert_eq!(out.encryption_algorithm, "SYMMETRIC_DEFAULT");
        assert_eq!(out.key_id, m.arn);
        assert_eq!(
            out.ciphertext_blob.0.len(),
            n + wasm_kms::crypto::blob::OVERHEAD
        );
        assert!(out.ciphertext_blob.0.len() <= 6144);
        let back = kms.decrypt(dec_req(&out.ciphertext_blob.0)).unwrap();
        assert_eq!(back.plaintext.as_bytes(), pt.as_slice());
    }
    assert_validation(
        kms.encrypt(enc_req(&m.key_id, &[0u8; 4097])),
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
    assert_validation(
        kms.encrypt(enc_req(&m.key_id, &[])),
        &min_len(None, "plaintext", 1),
    );
    assert_validation(
        kms.encrypt(EncryptRequest {
            key_id: Some(m.key_id.clone()),
            ..Default::default()
        }),
        &not_null("plaintext"),
    );
    assert_validation(
        kms.encrypt(EncryptRequest {
            plaintext: Some(SecretBlob(b"x".to_vec())),
            ..Default::default()
        }),
        &not_null("keyId"),
    );
    // Validation comes before the key lookup.
    assert_validation(
        kms.encrypt(enc_req(ABSENT_ID, &[0u8; 4097])),
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
}

#[test]
fn encrypt_is_randomized_and_checks_the_algorithm() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let a = encrypt(&mut kms, &m.key_id, b"same");
    let b = encrypt(&mut kms, &m.key_id, b"same");
    assert_ne!(a, b);
    kms.encrypt(EncryptRequest {
        encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
        ..enc_req(&m.key_id, b"x")
    })
    .unwrap();
    for alg in ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"] {
        assert_error(
            kms.encrypt(EncryptRequest {
                encryption_algorithm: Some(alg.into()),
                ..enc_req(&m.key_id, b"x")
            }),
            "InvalidKeyUsageException",
            Some(&format!(
                "Algorithm {alg} is incompatible with key spec SYMMETRIC_DEFAULT."
            )),
        );
    }
    let e = assert_error_name(
        kms.encrypt(EncryptRequest {
            encryption_algorithm: Some("AES_GCM".into()),
            ..enc_req(&m.key_id, b"x")
        }),
        "ValidationException",
    );
    assert!(e
        .message()
        .unwrap()
        .starts_with("1 validation error detected: Value 'AES_GCM' at 'encryptionAlgorithm'"));
    assert_validation(
        kms.encrypt(EncryptRequest {
            grant_tokens: Some(vec![String::new()]),
            ..enc_req(&m.key_id, b"x")
        }),
        &min_len(Some(""), "grantTokens.1.member", 1),
    );
}

#[test]
fn encrypt_and_decrypt_over_json_use_base64() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    create_alias(&mut kms, "alias/app", &m.key_id);
    let pt = b"hello over the wire";
    let sealed = kms
        .call_json(
            "Encrypt",
            json!({
                "KeyId": "alias/app",
                "Plaintext": STANDARD.encode(pt),
                "EncryptionContext": {"purpose": "demo", "tenant": "7"},
            }),
        )
        .unwrap();
    assert_eq!(sealed["KeyId"], json!(m.arn));
    assert_eq!(sealed["EncryptionAlgorithm"], json!("SYMMETRIC_DEFAULT"));
    let blob_b64 = sealed["CiphertextBlob"].as_str().unwrap().to_owned();
    let blob = STANDARD.decode(&blob_b64).unwrap();
    assert_eq!(blob.len(), pt.len() + wasm_kms::crypto::blob::OVERHEAD);

    let opened = kms
        .call_json(
            "Decrypt",
            json!({
                "CiphertextBlob": blob_b64,
                "EncryptionContext": {"tenant": "7", "purpose": "demo"},
            }),
        )
        .unwrap();
    assert_eq!(
        STANDARD
            .decode(opened["Plaintext"].as_str().unwrap())
            .unwrap(),
        pt
    );
    assert_eq!(opened["KeyId"], json!(m.arn));
    assert_eq!(opened["EncryptionAlgorithm"], json!("SYMMETRIC_DEFAULT"));
    assert_eq!(
        opened["KeyMaterialId"],
        json!(m.current_key_material_id.clone().unwrap())
    );
    // The typed API opens what the JSON API sealed.
    let typed = kms
        .decrypt(dec_ctx_req(
            &blob,
            &ctx(&[("purpose", "demo"), ("tenant", "7")]),
        ))
        .unwrap();
    assert_eq!(typed.plaintext.as_bytes(), pt);

    let wrong = kms
        .call_json(
            "Decrypt",
            json!({ "CiphertextBlob": STANDARD.encode(&blob), "EncryptionContext": {"purpose": "demo"} }),
        )
        .unwrap_err();
    assert_eq!(wrong.name(), "InvalidCiphertextException");
    assert_eq!(wrong.message(), None);

    let too_big = kms
        .call_json(
            "Encrypt",
            json!({ "KeyId": m.key_id, "Plaintext": STANDARD.encode([0u8; 4097]) }),
        )
        .unwrap_err();
    assert_eq!(
        (too_big.name(), too_big.message()),
        (
            "ValidationException",
            Some("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
        )
    );
}

#[test]
fn json_requests_of_the_wrong_shape_are_serialization_errors() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    for (op, input) in [
        (
            "Encrypt",
            json!({ "KeyId": id, "Plaintext": "not base64!" }),
        ),
        ("Encrypt", json!({ "KeyId": id, "Plaintext": 5 })),
        ("Encrypt", json!({ "KeyId": 5, "Plaintext": "aGk=" })),
        (
            "Encrypt",
            json!({ "KeyId": id, "Plaintext": "aGk=", "EncryptionContext": {"a": 1} }),
        ),
        ("GenerateRandom", json!({ "NumberOfBytes": "32" })),
        ("GenerateRandom", json!({ "NumberOfBytes": 1.5 })),
        ("ListKeys", json!({ "Limit": true })),
        ("EnableKey", json!({ "KeyId": [id] })),
        // The body must be a JSON object, never a positional array or a bare value.
        ("DescribeKey", json!([id])),
        ("GenerateRandom", json!([16])),
        ("GenerateRandom", json!(null)),
        ("ListKeys", json!("{}")),
    ] {
        let e = kms.call_json(op, input.clone()).unwrap_err();
        assert_eq!(e.name(), "SerializationException", "{op} {input}");
    }
    // The secret that was sent is never echoed in the error.
    let e = kms
        .call_json(
            "Encrypt",
            json!({ "KeyId": id, "Plaintext": {"secret": "hunter2"} }),
        )
        .unwrap_err();
    assert_eq!(e.name(), "SerializationException");
    assert!(
        !e.message().unwrap_or_default().contains("hunter2"),
        "{e:?}"
    );

    let e = kms.call_json("Encryptt", json!({})).unwrap_err();
    assert_eq!(e.name(), "UnknownOperationException");
    let e = kms.call_json("CreateGrant", json!({})).unwrap_err();
    assert_eq!(e.name(), "UnsupportedOperationException");
    // Absent optional members may be sent as null.
    let out = kms
        .call_json("DescribeKey", json!({ "KeyId": id, "GrantTokens": null }))
        .unwrap();
    assert_eq!(out["KeyMetadata"]["KeyId"], json!(id));
}

#[test]
fn kms_call_reads_any_serde_format() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let text = format!(r#"{{"KeyId":"{}","Plaintext":"aGk="}}"#, m.key_id);
    let mut de = serde_json::Deserializer::from_str(&text);
    let out = kms
        .call(
            "Encrypt",
            Format::Json,
            &mut de,
            serde_json::value::Serializer,
        )
        .unwrap();
    assert_eq!(out["KeyId"], json!(m.arn));
}

// ---- Decrypt ----------------------------------------------------------------------------------

#[test]
fn decrypt_round_trips_with_context_and_reports_material() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let c = ctx(&[("dept", "finance"), ("id", "42")]);
    let blob = kms
        .encrypt(enc_ctx_req(&m.key_id, b"pay day", &c))
        .unwrap()
        .ciphertext_blob
        .0;
    let out = kms.decrypt(dec_ctx_req(&blob, &c)).unwrap();
    assert_eq!(out.plaintext.as_bytes(), b"pay day");
    assert_eq!(out.key_id, m.arn);
    assert_eq!(out.encryption_algorithm, "SYMMETRIC_DEFAULT");
    assert_eq!(out.key_material_id, m.current_key_material_id);
    // An explicit empty context is the same as none.
    let plain = encrypt(&mut kms, &m.key_id, b"no context");
    let out = kms
        .decrypt(dec_ctx_req(&plain, &EncryptionContext::new()))
        .unwrap();
    assert_eq!(out.plaintext.as_bytes(), b"no context");
    kms.decrypt(DecryptRequest {
        encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
        ..dec_req(&plain)
    })
    .unwrap();
}

#[test]
fn decrypt_needs_the_exact_context() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let c = ctx(&[("dept", "finance"), ("id", "42")]);
    let blob = kms
        .encrypt(enc_ctx_req(&m.key_id, b"secret", &c))
        .unwrap()
        .ciphertext_blob
        .0;
    for wrong in [
        EncryptionContext::new(),
        ctx(&[("dept", "finance")]),
        ctx(&[("dept", "finance"), ("id", "42"), ("extra", "1")]),
        ctx(&[("dept", "Finance"), ("id", "42")]),
        ctx(&[("Dept", "finance"), ("id", "42")]),
        ctx(&[("dept", "finance"), ("id", "4"), ("2", "")]),
        ctx(&[("dept", "financeid"), ("", "42")]),
    ] {
        assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&blob, &wrong)));
    }
    assert_invalid_ciphertext(kms.decrypt(dec_req(&blob)));
    // And a blob made without context does not open with one.
    let plain = encrypt(&mut kms, &m.key_id, b"x");
    assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&plain, &ctx(&[("a", "b")]))));
    // Split points are bound: {"ab":"c"} is not {"a":"bc"}.
    let split = kms
        .encrypt(enc_ctx_req(&m.key_id, b"x", &ctx(&[("ab", "c")])))
        .unwrap()
        .ciphertext_blob
        .0;
    assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&split, &ctx(&[("a", "bc")]))));
}

#[test]
fn decrypt_refuses_truncated_extended_and_tampered_blobs() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let blob = encrypt(&mut kms, &m.key_id, b"sixteen byte msg");
    assert!(kms.decrypt(dec_req(&blob)).is_ok());
    let n = blob.len();
    let mut variants: Vec<Vec<u8>> = vec![
        blob[..n - 1].to_vec(),
        blob[1..].to_vec(),
        blob[..66].to_vec(),
        blob[..1].to_vec(),
        [blob.as_slice(), &[0]].concat(),
        [blob.as_slice(), &blob].concat(),
    ];
    // One flipped byte in every field: version, key ID, material ID, nonce, length, body, tag.
    for at in [
        0,
        1,
        2,
        17,
        18,
        49,
        50,
        61,
        62,
        65,
        66,
        n - 17,
        n - 16,
        n - 1,
    ] {
        let mut t = blob.clone();
        t[at] ^= 0x01;
        variants.push(t);
    }
    for v in variants {
        assert_invalid_ciphertext(kms.decrypt(dec_req(&v)));
    }
    // Other things than a blob of this service.
    for junk in [
        vec![0u8],
        vec![1u8; 100],
        b"AQICAHhN...not a KMS blob".to_vec(),
    ] {
        assert_invalid_ciphertext(kms.decrypt(dec_req(&junk)));
    }
}

#[test]
fn decrypt_refuses_blobs_of_another_service() {
    let (mut a, _) = setup(1);
    let (mut b, _) = setup(2);
    let ka = new_key(&mut a);
    let kb = new_key(&mut b);
    let blob = encrypt(&mut a, &ka.key_id, b"from a");
    assert_invalid_ciphertext(b.decrypt(dec_req(&blob)));
    // Even naming the other service's key: that key does not exist here.
    assert_error(
        b.decrypt(DecryptRequest {
            key_id: Some(ka.key_id.clone()),
            ..dec_req(&blob)
        }),
        "NotFoundException",
        Some(&does_not_exist(&ka.key_id)),
    );
    // Naming a local key gives IncorrectKey: the blob names another key.
    assert_error(
        b.decrypt(DecryptRequest {
            key_id: Some(kb.key_id.clone()),
            ..dec_req(&blob)
        }),
        "IncorrectKeyException",
        Some(INCORRECT_KEY),
    );
    assert_eq!(
        a.decrypt(dec_req(&blob)).unwrap().plaintext.as_bytes(),
        b"from a"
    );
}

#[test]
fn decrypt_with_another_key_named_is_incorrect_key() {
    let mut f = fixture();
    let other = f.other.clone();
    for form in [
        other.key_id.clone(),
        other.arn.clone(),
        "alias/movable".to_owned(),
    ] {
        assert_error(
            f.kms.decrypt(DecryptRequest {
                key_id: Some(form),
                ..dec_req(&f.blob)
            }),
            "IncorrectKeyException",
            Some(INCORRECT_KEY),
        );
    }
    // The wrong-key check comes before the named key's state.
    f.kms.disable_key(id_req(&other.key_id)).unwrap();
    assert_error(
        f.kms.decrypt(DecryptRequest {
            key_id: Some(other.key_id.clone()),
            ..dec_req(&f.blob)
        }),
        "IncorrectKeyException",
        Some(INCORRECT_KEY),
    );
}

#[test]
fn decrypt_blob_validation() {
    let mut kms = kms();
    new_key(&mut kms);
    assert_validation(
        kms.decrypt(DecryptRequest::default()),
        &not_null("ciphertextBlob"),
    );
    assert_validation(
        kms.decrypt(dec_req(&[])),
        &min_len(None, "ciphertextBlob", 1),
    );
    assert_error_name(kms.decrypt(dec_req(&[1u8; 6145])), "ValidationException");
    // 6144 bytes is in range: it is simply not a valid blob.
    assert_invalid_ciphertext(kms.decrypt(dec_req(&[1u8; 6144])));
}

// ---- Disabled keys and DryRun -----------------------------------------------------------------

#[test]
fn disabled_keys_refuse_every_cryptographic_operation() {
    let mut f = fixture();
    let id = f.key.key_id.clone();
    let other = f.other.key_id.clone();
    let data_key_blob = f
        .kms
        .generate_data_key_without_plaintext(gdk_req(&id))
        .unwrap()
        .ciphertext_blob
        .0;
    f.kms.disable_key(id_req(&id)).unwrap();
    let msg = disabled_message(&id);
    let kms = &mut f.kms;
    assert_error(
        kms.encrypt(enc_req(&id, b"x")),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.encrypt(enc_req(FIXTURE_ALIAS, b"x")),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.decrypt(dec_req(&f.blob)),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.decrypt(dec_req(&data_key_blob)),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.generate_data_key(gdk_req(&id)),
        "DisabledException",
        Some(&msg),
    );
    assert_error(
        kms.generate_data_key_without_plaintext(gdk_req(&id)),
        "DisabledException",
        Some(&msg),
    );
    // ReEncrypt from the disabled key, and to it.
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(f.blob.clone())),
            destination_key_id: Some(other.clone()),
            ..Default::default()
        }),
        "DisabledException",
        Some(&msg),
    );
    let other_blob = encrypt(kms, &other, b"y");
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(other_blob)),
            destination_key_id: Some(id.clone()),
            ..Default::default()
        }),
        "DisabledException",
        Some(&msg),
    );
    // DryRun reports the real error.
    assert_error(
        kms.encrypt(EncryptRequest {
            dry_run: Some(true),
            ..enc_req(&id, b"x")
        }),
        "DisabledException",
        Some(&msg),
    );
    // Management still works on a disabled key.
    assert_eq!(describe(kms, &id).key_state, "Disabled");
    kms.tag_resource(tag_req(&id, vec![tag("k", "v")])).unwrap();
    create_alias(kms, "alias/while-disabled", &id);
    kms.get_key_policy(GetKeyPolicyRequest {
        key_id: Some(id.clone()),
        ..Default::default()
    })
    .unwrap();
    // Enabled again, old ciphertexts open again.
    kms.enable_key(id_req(&id)).unwrap();
    assert_eq!(
        kms.decrypt(dec_req(&f.blob)).unwrap().plaintext.as_bytes(),
        b"fixture"
    );
}

#[test]
fn dry_run_reports_success_without_doing_it() {
    let mut f = fixture();
    let id = f.key.key_id.clone();
    let other = f.other.key_id.clone();
    let kms = &mut f.kms;
    let dry = Some(true);
    assert_error(
        kms.encrypt(EncryptRequest {
            dry_run: dry,
            ..enc_req(&id, b"x")
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.decrypt(DecryptRequest {
            dry_run: dry,
            ..dec_req(&f.blob)
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(f.blob.clone())),
            destination_key_id: Some(other.clone()),
            dry_run: dry,
            ..Default::default()
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.generate_data_key(GenerateDataKeyRequest {
            dry_run: dry,
            ..gdk_req(&id)
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    assert_error(
        kms.generate_data_key_without_plaintext(GenerateDataKeyRequest {
            dry_run: dry,
            ..gdk_req(&id)
        }),
        "DryRunOperationException",
        Some(DRY_RUN),
    );
    // A request that would fail reports its real error.
    assert_invalid_ciphertext(kms.decrypt(DecryptRequest {
        dry_run: dry,
        encryption_context: Some(ctx(&[("a", "b")])),
        ..dec_req(&f.blob)
    }));
    assert_error(
        kms.encrypt(EncryptRequest {
            dry_run: dry,
            ..enc_req(ABSENT_ID, b"x")
        }),
        "NotFoundException",
        Some(&does_not_exist(ABSENT_ID)),
    );
    assert_error_name(
        kms.encrypt(EncryptRequest {
            dry_run: dry,
            ..enc_req(&id, &[])
        }),
        "ValidationException",
    );
    // DryRun false is an ordinary call.
    kms.encrypt(EncryptRequest {
        dry_run: Some(false),
        ..enc_req(&id, b"x")
    })
    .unwrap();
    // Over JSON too.
    let e = kms
        .call_json(
            "GenerateDataKey",
            json!({"KeyId": id, "KeySpec": "AES_128", "DryRun": true}),
        )
        .unwrap_err();
    assert_eq!(
        (e.name(), e.message()),
        ("DryRunOperationException", Some(DRY_RUN))
    );
}

// ---- ReEncrypt --------------------------------------------------------------------------------

#[test]
fn re_encrypt_moves_a_ciphertext_to_another_key_and_context() {
    let mut f = fixture();
    let (a, b) = (f.key.clone(), f.other.clone());
    let kms = &mut f.kms;
    let source_ctx = ctx(&[("stage", "one")]);
    let dest_ctx = ctx(&[("stage", "two")]);
    let blob = kms
        .encrypt(enc_ctx_req(&a.key_id, b"moving", &source_ctx))
        .unwrap()
        .ciphertext_blob;
    let out = kms
        .re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            source_encryption_context: Some(source_ctx.clone()),
            destination_key_id: Some("alias/movable".into()),
            destination_encryption_context: Some(dest_ctx.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(out.source_key_id, a.arn);
    assert_eq!(out.key_id, b.arn);
    assert_eq!(out.source_encryption_algorithm, "SYMMETRIC_DEFAULT");
    assert_eq!(out.destination_encryption_algorithm, "SYMMETRIC_DEFAULT");
    assert_eq!(
        out.source_key_material_id.clone(),
        a.current_key_material_id
    );
    assert_eq!(
        out.destination_key_material_id.clone(),
        b.current_key_material_id
    );
    let opened = kms
        .decrypt(dec_ctx_req(&out.ciphertext_blob.0, &dest_ctx))
        .unwrap();
    assert_eq!(opened.plaintext.as_bytes(), b"moving");
    assert_eq!(opened.key_id, b.arn);
    assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(&out.ciphertext_blob.0, &source_ctx)));
    // The source context must match.
    assert_invalid_ciphertext(kms.re_encrypt(ReEncryptRequest {
        ciphertext_blob: Some(blob.clone()),
        destination_key_id: Some(b.key_id.clone()),
        ..Default::default()
    }));
    // Naming the wrong source key.
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            source_encryption_context: Some(source_ctx.clone()),
            source_key_id: Some(b.key_id.clone()),
            destination_key_id: Some(b.key_id.clone()),
            ..Default::default()
        }),
        "IncorrectKeyException",
        Some(INCORRECT_KEY),
    );
    // Required members and algorithms.
    assert_validation(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            ..Default::default()
        }),
        &not_null("destinationKeyId"),
    );
    assert_validation(
        kms.re_encrypt(ReEncryptRequest {
            destination_key_id: Some(b.key_id.clone()),
            ..Default::default()
        }),
        &not_null("ciphertextBlob"),
    );
    assert_error(
        kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(blob.clone()),
            source_encryption_context: Some(source_ctx.clone()),
            destination_key_id: Some(b.key_id.clone()),
            destination_encryption_algorithm: Some("RSAES_OAEP_SHA_256".into()),
            ..Default::default()
        }),
        "InvalidKeyUsageException",
        Some("Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT."),
    );
    assert_invalid_ciphertext(kms.re_encrypt(ReEncryptRequest {
        ciphertext_blob: Some(Blob(b"junk".to_vec())),
        destination_key_id: Some(b.key_id.clone()),
        ..Default::default()
    }));
}

// ---- GenerateDataKey and GenerateDataKeyWithoutPlaintext --------------------------------------

#[test]
fn generate_data_key_lengths() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let with = |spec: Option<&str>, n: Option<i64>| GenerateDataKeyRequest {
        key_id: Some(m.key_id.clone()),
        key_spec: spec.map(str::to_owned),
        number_of_bytes: n,
        ..Default::default()
    };
    for (req, len) in [
        (with(Some("AES_256"), None), 32),
        (with(Some("AES_128"), None), 16),
        (with(None, Some(1)), 1),
        (with(None, Some(64)), 64),
        (with(None, Some(1024)), 1024),
    ] {
        let out = kms.generate_data_key(req.clone()).unwrap();
        assert_eq!(out.plaintext.as_bytes().len(), len);
        assert_eq!(out.key_id, m.arn);
        assert_eq!(
            Some(&out.key_material_id),
            m.current_key_material_id.as_ref()
        );
        let opened = kms.decrypt(dec_req(&out.ciphertext_blob.0)).unwrap();
        assert_eq!(opened.plaintext, out.plaintext);

        let out = kms.generate_data_key_without_plaintext(req).unwrap();
        assert_eq!(out.key_id, m.arn);
        let opened = kms.decrypt(dec_req(&out.ciphertext_blob.0)).unwrap();
        assert_eq!(opened.plaintext.as_bytes().len(), len);
    }
    // Fresh bytes every time.
    let a = kms.generate_data_key(with(Some("AES_256"), None)).unwrap();
    let b = kms.generate_data_key(with(Some("AES_256"), None)).unwrap();
    assert_ne!(a.plaintext, b.plaintext);
}

#[test]
fn generate_data_key_argument_errors() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let with = |spec: Option<&str>, n: Option<i64>| GenerateDataKeyRequest {
        key_id: Some(m.key_id.clone()),
        key_spec: spec.map(str::to_owned),
        number_of_bytes: n,
        ..Default::default()
    };
    type Op = fn(&mut TestKms, GenerateDataKeyRequest) -> Result<(), KmsError>;
    let ops: [(&str, Op); 2] = [
        ("GenerateDataKey", |k, r| k.generate_data_key(r).map(|_| ())),
        ("GenerateDataKeyWithoutPlaintext", |k, r| {
            k.generate_data_key_without_plaintext(r).map(|_| ())
        }),
    ];
    for (name, op) in ops {
        assert_validation(
            op(&mut kms, with(None, Some(0))),
            &min_value(0, "numberOfBytes", 1),
        );
        assert_validation(
            op(&mut kms, with(None, Some(1025))),
            &max_value(1025, "numberOfBytes", 1024),
        );
        assert_validation(
            op(&mut kms, with(None, Some(-1))),
            &min_value(-1, "numberOfBytes", 1),
        );
        // Exactly one of KeySpec and NumberOfBytes.
        assert_error_name(
            op(&mut kms, with(Some("AES_256"), Some(32))),
            "ValidationException",
        );
        assert_error_name(op(&mut kms, with(None, None)), "ValidationException");
        let e = assert_error_name(
            op(&mut kms, with(Some("AES_512"), None)),
            "ValidationException",
        );
        assert!(
            e.message().unwrap().starts_with(
                "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: ["
            ),
            "{name}: {e:?}"
        );
        assert_validation(
            op(
                &mut kms,
                GenerateDataKeyRequest {
                    key_id: None,
                    ..with(Some("AES_256"), None)
                },
            ),
            &not_null("keyId"),
        );
        // Validation before the key lookup.
        assert_validation(
            op(
                &mut kms,
                GenerateDataKeyRequest {
                    key_id: Some(ABSENT_ID.into()),
                    ..with(None, Some(1025))
                },
            ),
            &max_value(1025, "numberOfBytes", 1024),
        );
    }
}

#[test]
fn data_keys_are_bound_to_their_context() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let c = ctx(&[("bucket", "photos")]);
    let req = GenerateDataKeyRequest {
        encryption_context: Some(c.clone()),
        ..gdk_req(&m.key_id)
    };
    let with_pt = kms.generate_data_key(req.clone()).unwrap();
    let without = kms.generate_data_key_without_plaintext(req).unwrap();
    for blob in [&with_pt.ciphertext_blob.0, &without.ciphertext_blob.0] {
        assert_invalid_ciphertext(kms.decrypt(dec_req(blob)));
        assert_invalid_ciphertext(kms.decrypt(dec_ctx_req(blob, &ctx(&[("bucket", "x")]))));
        assert_eq!(
            kms.decrypt(dec_ctx_req(blob, &c))
                .unwrap()
                .plaintext
                .as_bytes()
                .len(),
            32
        );
    }
    assert_eq!(
        kms.decrypt(dec_ctx_req(&with_pt.ciphertext_blob.0, &c))
            .unwrap()
            .plaintext,
        with_pt.plaintext
    );
}

#[test]
fn generate_data_key_over_json() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let out = kms
        .call_json(
            "GenerateDataKey",
            json!({"KeyId": m.arn, "NumberOfBytes": 48, "EncryptionContext": {"k": "v"}}),
        )
        .unwrap();
    let pt = STANDARD.decode(out["Plaintext"].as_str().unwrap()).unwrap();
    assert_eq!(pt.len(), 48);
    assert_eq!(out["KeyId"], json!(m.arn));
    let opened = kms
        .call_json(
            "Decrypt",
            json!({"CiphertextBlob": out["CiphertextBlob"], "EncryptionContext": {"k": "v"}}),
        )
        .unwrap();
    assert_eq!(opened["Plaintext"], out["Plaintext"]);

    let out = kms
        .call_json(
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": m.key_id, "KeySpec": "AES_128"}),
        )
        .unwrap();
    let fields: BTreeSet<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        ["CiphertextBlob", "KeyId", "KeyMaterialId"]
            .into_iter()
            .collect()
    );
}

// ---- GenerateRandom ---------------------------------------------------------------------------

#[test]
fn generate_random_limits() {
    let mut kms = kms();
    let req = |n: Option<i64>| GenerateRandomRequest {
        number_of_bytes: n,
        ..Default::default()
    };
    for n in [1i64, 2, 1023, 1024] {
        let out = kms.generate_random(req(Some(n))).unwrap();
        assert_eq!(out.plaintext.as_bytes().len() as i64, n);
    }
    let a = kms.generate_random(req(Some(32))).unwrap();
    let b = kms.generate_random(req(Some(32))).unwrap();
    assert_ne!(a.plaintext, b.plaintext);
    assert_validation(
        kms.generate_random(req(Some(0))),
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert_validation(
        kms.generate_random(req(Some(1025))),
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
    assert_validation(kms.generate_random(req(None)), "NumberOfBytes is required.");
    let e = kms.call_json("GenerateRandom", json!({})).unwrap_err();
    assert_eq!(
        (e.name(), e.message()),
        ("ValidationException", Some("NumberOfBytes is required."))
    );
    let out = kms
        .call_json("GenerateRandom", json!({"NumberOfBytes": 24}))
        .unwrap();
    assert_eq!(
        STANDARD
            .decode(out["Plaintext"].as_str().unwrap())
            .unwrap()
            .len(),
        24
    );
    assert_error(
        kms.generate_random(GenerateRandomRequest {
            number_of_bytes: Some(16),
            custom_key_store_id: Some("cks-1234567890abcdef0".into()),
            ..Default::default()
        }),
        "CustomKeyStoreNotFoundException",
        Some("Custom key store cks-1234567890abcdef0 does not exist."),
    );
}

// ---- Aliases ----------------------------------------------------------------------------------

#[test]
fn create_alias_and_list_it() {
    let (mut kms, clock) = setup(11);
    let m = new_key(&mut kms);
    clock.advance(60_000);
    create_alias(&mut kms, "alias/app-1:x/y_Z", &m.key_id);
    let list = kms.list_aliases(ListAliasesRequest::default()).unwrap();
    assert!(!list.truncated);
    assert_eq!(
        list.aliases,
        vec![AliasListEntry {
            alias_name: "alias/app-1:x/y_Z".into(),
            alias_arn: alias_arn("alias/app-1:x/y_Z"),
            target_key_id: Some(m.key_id.clone()),
            creation_date: Some(Timestamp(START_MS + 60_000)),
            last_updated_date: Some(Timestamp(START_MS + 60_000)),
        }]
    );
    assert_eq!(describe(&mut kms, "alias/app-1:x/y_Z").arn, m.arn);
    // Over JSON: bare TargetKeyId, epoch-second dates.
    let out = kms.call_json("ListAliases", json!({})).unwrap();
    assert_eq!(out["Aliases"][0]["TargetKeyId"], json!(m.key_id));
    assert_eq!(out["Aliases"][0]["CreationDate"], json!(1_795_000_060));
    assert_eq!(out["Truncated"], json!(false));
    // Aliases never show in DescribeKey.
    let d = kms
        .call_json("DescribeKey", json!({"KeyId": "alias/app-1:x/y_Z"}))
        .unwrap();
    assert!(!d.to_string().contains("alias/"));
}

#[test]
fn alias_name_rules() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    assert_validation(
        kms.create_alias(alias_req("app", id)),
        "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
    );
    assert_validation(
        kms.create_alias(alias_req("Alias/app", id)),
        "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
    );
    for bad in [
        "alias/",
        "alias/has space",
        "alias/ü",
        "alias/a.b",
        "alias/a*",
    ] {
        assert_error_name(
            kms.create_alias(alias_req(bad, id)),
            "InvalidAliasNameException",
        );
    }
    let longest = format!("alias/{}", "a".repeat(250));
    assert_eq!(longest.len(), 256);
    create_alias(&mut kms, &longest, id);
    let too_long = format!("alias/{}", "b".repeat(251));
    assert_validation(
        kms.create_alias(alias_req(&too_long, id)),
        &max_len(Some(&too_long), "aliasName", 256),
    );
    assert_validation(
        kms.create_alias(alias_req("", id)),
        &min_len(Some(""), "aliasName", 1),
    );
    assert_validation(
        kms.create_alias(AliasRequest {
            alias_name: None,
            target_key_id: Some(id.into()),
        }),
        &not_null("aliasName"),
    );
    assert_validation(
        kms.create_alias(AliasRequest {
            alias_name: Some("alias/no-target".into()),
            target_key_id: None,
        }),
        &not_null("targetKeyId"),
    );
    // alias/aws/ is reserved for AWS managed keys: refused as an authorization failure.
    for reserved in ["alias/aws/s3", "alias/aws/mine"] {
        let e = assert_error_name(
            kms.create_alias(alias_req(reserved, id)),
            "AccessDeniedException",
        );
        assert_eq!(e.message_member(), "Message");
    }
    // Only the exact prefix is reserved.
    create_alias(&mut kms, "alias/awsome", id);
    create_alias(&mut kms, "alias/AWS/upper", id);
    assert_eq!(
        alias_names(&mut kms, None),
        vec!["alias/AWS/upper".to_owned(), longest, "alias/awsome".into()]
    );
}

#[test]
fn alias_names_are_unique() {
    let mut kms = kms();
    let a = new_key(&mut kms);
    let b = new_key(&mut kms);
    create_alias(&mut kms, "alias/app", &a.key_id);
    let exists = format!(
        "An alias with the name {} already exists",
        alias_arn("alias/app")
    );
    assert_error(
        kms.create_alias(alias_req("alias/app", &a.key_id)),
        "AlreadyExistsException",
        Some(&exists),
    );
    assert_error(
        kms.create_alias(alias_req("alias/app", &b.key_id)),
        "AlreadyExistsException",
        Some(&exists),
    );
    // Names are case-sensitive.
    create_alias(&mut kms, "alias/App", &b.key_id);
    assert_eq!(describe(&mut kms, "alias/app").key_id, a.key_id);
    assert_eq!(describe(&mut kms, "alias/App").key_id, b.key_id);
}

#[test]
fn a_key_has_at_most_50_aliases() {
    let mut kms = kms();
    let a = new_key(&mut kms);
    let b = new_key(&mut kms);
    for i in 0..50 {
        create_alias(&mut kms, &format!("alias/a{i:02}"), &a.key_id);
    }
    assert_error_name(
        kms.create_alias(alias_req("alias/a50", &a.key_id)),
        "LimitExceededException",
    );
    assert_eq!(alias_names(&mut kms, Some(&a.key_id)).len(), 50);
    assert_error(
        kms.describe_key(DescribeKeyRequest {
            key_id: Some("alias/a50".into()),
            ..Default::default()
        }),
        "NotFoundException",
        Some(&format!("Alias {} is not found.", alias_arn("alias/a50"))),
    );
    // Another key is not affected; and UpdateAlias cannot push a 51st alias onto the full key.
    create_alias(&mut kms, "alias/b", &b.key_id);
    assert_error_name(
        kms.update_alias(alias_req("alias/b", &a.key_id)),
        "LimitExceededException",
    );
    assert_eq!(describe(&mut kms, "alias/b").key_id, b.key_id);
    // Re-pointing one of the 50 at its own key is no new alias.
    kms.update_alias(alias_req("alias/a00", &a.key_id)).unwrap();
    // Freeing a slot makes room again.
    kms.delete_alias(DeleteAliasRequest {
        alias_name: Some("alias/a00".into()),
    })
    .unwrap();
    kms.update_alias(alias_req("alias/b", &a.key_id)).unwrap();
    assert_eq!(alias_names(&mut kms, Some(&a.key_id)).len(), 50);
    assert!(alias_names(&mut kms, Some(&b.key_id)).is_empty());
}

#[test]
fn update_alias_repoints_and_keeps_the_creation_date() {
    let (mut kms, clock) = setup(5);
    let a = new_key(&mut kms);
    let b = new_key(&mut kms);
    create_alias(&mut kms, "alias/app", &a.key_id);
    let blob = encrypt(&mut kms, "alias/app", b"before");
    clock.advance(3_000);
    kms.update_alias(alias_req("alias/app", &b.arn)).unwrap();
    let out = kms.encrypt(enc_req("alias/app", b"after")).unwrap();
    assert_eq!(out.key_id, b.arn);
    // Old ciphertexts still name their own key.
    let opened = kms.decrypt(dec_req(&blob)).unwrap();
    assert_eq!(opened.key_id, a.arn);
    let entry = kms
        .list_aliases(ListAliasesRequest::default())
        .unwrap()
        .aliases
        .remove(0);
    assert_eq!(entry.target_key_id, Some(b.key_id.clone()));
    assert_eq!(entry.creation_date, Some(Timestamp(START_MS)));
    assert_eq!(entry.last_updated_date, Some(Timestamp(START_MS + 3_000)));

    assert_error(
        kms.update_alias(alias_req("alias/nope", &b.key_id)),
        "NotFoundException",
        Some(&format!("Alias {} is not found.", alias_arn("alias/nope"))),
    );
    assert_validation(
        kms.update_alias(AliasRequest {
            alias_name: Some("alias/app".into()),
            target_key_id: None,
        }),
        &not_null("targetKeyId"),
    );
    assert_validation(
        kms.update_alias(AliasRequest {
            alias_name: None,
            target_key_id: Some(a.key_id.clone()),
        }),
        &not_null("aliasName"),
    );
    assert_error_name(
        kms.update_alias(alias_req("alias/aws/s3", &a.key_id)),
        "AccessDeniedException",
    );
    assert_error_name(
        kms.update_alias(alias_req("app", &a.key_id)),
        "ValidationException",
    );
    // Failed calls left the alias where it was.
    assert_eq!(describe(&mut kms, "alias/app").key_id, b.key_id);
}

#[test]
fn delete_alias() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    create_alias(&mut kms, "alias/gone", &m.key_id);
    create_alias(&mut kms, "alias/kept", &m.key_id);
    kms.delete_alias(DeleteAliasRequest {
        alias_name: Some("alias/gone".into()),
    })
    .unwrap();
    let not_found = format!("Alias {} is not found.", alias_arn("alias/gone"));
    assert_error(
        kms.describe_key(DescribeKeyRequest {
            key_id: Some("alias/gone".into()),
            ..Default::default()
        }),
        "NotFoundException",
        Some(&not_found),
    );
    assert_error(
        kms.delete_alias(DeleteAliasRequest {
            alias_name: Some("alias/gone".into()),
        }),
        "NotFoundException",
        Some(&not_found),
    );
    assert_validation(
        kms.delete_alias(DeleteAliasRequest { alias_name: None }),
        &not_null("aliasName"),
    );
    assert_error_name(
        kms.delete_alias(DeleteAliasRequest {
            alias_name: Some("alias/aws/s3".into()),
        }),
        "AccessDeniedException",
    );
    assert_error_name(
        kms.delete_alias(DeleteAliasRequest {
            alias_name: Some("alias/bad name".into()),
        }),
        "InvalidAliasNameException",
    );
    // The key and the other alias are untouched; the name is free again.
    assert_eq!(alias_names(&mut kms, None), vec!["alias/kept".to_owned()]);
    assert_eq!(describe(&mut kms, &m.key_id).key_state, "Enabled");
    create_alias(&mut kms, "alias/gone", &m.key_id);
}

#[test]
fn list_aliases_paging_filtering_and_errors() {
    let mut kms = kms();
    let a = new_key(&mut kms);
    let b = new_key(&mut kms);
    for name in ["alias/e", "alias/a", "alias/c"] {
        create_alias(&mut kms, name, &a.key_id);
    }
    for name in ["alias/d", "alias/b"] {
        create_alias(&mut kms, name, &b.key_id);
    }
    let mut seen = Vec::new();
    let mut marker = None;
    let mut sizes = Vec::new();
    loop {
        let page = kms
            .list_aliases(ListAliasesRequest {
                limit: Some(2),
                marker: marker.clone(),
                ..Default::default()
            })
            .unwrap();
        sizes.push(page.aliases.len());
        assert_eq!(page.truncated, page.next_marker.is_some());
        seen.extend(page.aliases.into_iter().map(|e| e.alias_name));
        if !page.truncated {
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(sizes, vec![2, 2, 1]);
    assert_eq!(
        seen,
        ["alias/a", "alias/b", "alias/c", "alias/d", "alias/e"]
    );
    assert_eq!(
        alias_names(&mut kms, Some(&a.key_id)),
        ["alias/a", "alias/c", "alias/e"]
    );
    assert_eq!(alias_names(&mut kms, Some(&b.arn)), ["alias/b", "alias/d"]);

    kms.list_aliases(ListAliasesRequest {
        limit: Some(100),
        ..Default::default()
    })
    .unwrap();
    assert_validation(
        kms.list_aliases(ListAliasesRequest {
            limit: Some(0),
            ..Default::default()
        }),
        &min_value(0, "limit", 1),
    );
    assert_validation(
        kms.list_aliases(ListAliasesRequest {
            limit: Some(101),
            ..Default::default()
        }),
        &max_value(101, "limit", 100),
    );
    assert_error_name(
        kms.list_aliases(ListAliasesRequest {
            marker: Some("bogus".into()),
            ..Default::default()
        }),
        "InvalidMarkerException",
    );
    // Validation before the key lookup.
    assert_validation(
        kms.list_aliases(ListAliasesRequest {
            key_id: Some(ABSENT_ID.into()),
            limit: Some(0),
            ..Default::default()
        }),
        &min_value(0, "limit", 1),
    );
}

// ---- Tags -------------------------------------------------------------------------------------

#[test]
fn tag_resource_adds_overwrites_in_place_and_untag_removes() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    kms.tag_resource(tag_req(id, vec![tag("b", "1"), tag("a", "2")]))
        .unwrap();
    kms.tag_resource(tag_req(id, vec![tag("c", "3"), tag("b", "changed")]))
        .unwrap();
    assert_eq!(
        tags_of(&mut kms, id),
        vec![
            ("b".into(), "changed".into()),
            ("a".into(), "2".into()),
            ("c".into(), "3".into())
        ]
    );
    // Keys are case-sensitive.
    kms.tag_resource(tag_req(id, vec![tag("B", "upper")]))
        .unwrap();
    assert_eq!(tags_of(&mut kms, id).len(), 4);
    // Absent keys are ignored.
    kms.untag_resource(UntagResourceRequest {
        key_id: Some(m.arn.clone()),
        tag_keys: Some(vec!["a".into(), "zzz".into(), "B".into()]),
    })
    .unwrap();
    assert_eq!(
        tags_of(&mut kms, id),
        vec![("b".into(), "changed".into()), ("c".into(), "3".into())]
    );
    // Over JSON.
    let out = kms
        .call_json("ListResourceTags", json!({"KeyId": id}))
        .unwrap();
    assert_eq!(
        out,
        json!({"Tags": [{"TagKey": "b", "TagValue": "changed"}, {"TagKey": "c", "TagValue": "3"}], "Truncated": false})
    );
}

#[test]
fn tag_resource_limits_and_failed_calls_change_nothing() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i:02}"), "v")).collect();
    let mut fifty_one = fifty.clone();
    fifty_one.push(tag("k50", "v"));
    assert_error(
        kms.tag_resource(tag_req(id, fifty_one)),
        "TagException",
        Some("Too many tags"),
    );
    assert!(tags_of(&mut kms, id).is_empty());
    kms.tag_resource(tag_req(id, fifty)).unwrap();
    let before = tags_of(&mut kms, id);
    assert_eq!(before.len(), 50);
    // At 50, overwriting is fine, adding is not.
    kms.tag_resource(tag_req(id, vec![tag("k00", "new")]))
        .unwrap();
    assert_error(
        kms.tag_resource(tag_req(id, vec![tag("k50", "v")])),
        "TagException",
        Some("Too many tags"),
    );
    let mut expected = before;
    expected[0].1 = "new".into();
    assert_eq!(tags_of(&mut kms, id), expected);

    // Each bad tag fails the whole request: the good tags before it are not applied.
    let oid = new_key(&mut kms).key_id;
    kms.tag_resource(tag_req(&oid, vec![tag("keep", "me")]))
        .unwrap();
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let cases: Vec<(Vec<Tag>, &str, Option<String>)> = vec![
        (
            vec![tag("good", "1"), tag("aws:x", "v")],
            "TagException",
            Some("Tags beginning with aws: are reserved".into()),
        ),
        (
            vec![tag("good", "1"), tag("AwS:x", "v")],
            "TagException",
            Some("Tags beginning with aws: are reserved".into()),
        ),
        (
            vec![tag("good", "1"), tag("dup", "1"), tag("dup", "2")],
            "TagException",
            Some("Duplicate tag keys".into()),
        ),
        (
            vec![tag("good", "1"), tag(&long_key, "v")],
            "ValidationException",
            Some(max_len(Some(&long_key), "tags.2.member.tagKey", 128)),
        ),
        (
            vec![tag(&long_key, "v")],
            "ValidationException",
            Some(max_len(Some(&long_key), "tags.1.member.tagKey", 128)),
        ),
        (
            vec![tag("good", &long_value)],
            "ValidationException",
            Some(max_len(Some(&long_value), "tags.1.member.tagValue", 256)),
        ),
        (
            vec![tag("", "v")],
            "ValidationException",
            Some(min_len(Some(""), "tags.1.member.tagKey", 1)),
        ),
        (
            vec![Tag {
                tag_key: None,
                tag_value: Some("v".into()),
            }],
            "ValidationException",
            Some(not_null("tags.1.member.tagKey")),
        ),
    ];
    for (tags, name, message) in cases {
        assert_error(
            kms.tag_resource(tag_req(&oid, tags)),
            name,
            message.as_deref(),
        );
        assert_eq!(tags_of(&mut kms, &oid), vec![("keep".into(), "me".into())]);
    }
    assert_validation(
        kms.tag_resource(TagResourceRequest {
            key_id: Some(oid.clone()),
            tags: None,
        }),
        &not_null("tags"),
    );
    // The boundaries themselves are fine.
    let max_key = "k".repeat(128);
    let max_value = "v".repeat(256);
    kms.tag_resource(tag_req(
        &oid,
        vec![tag(&max_key, &max_value), tag("empty", "")],
    ))
    .unwrap();
    assert_eq!(tags_of(&mut kms, &oid).len(), 3);
}

#[test]
fn untag_resource_errors() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    kms.tag_resource(tag_req(&m.key_id, vec![tag("a", "1")]))
        .unwrap();
    let untag = |keys: Option<Vec<&str>>| UntagResourceRequest {
        key_id: Some(m.key_id.clone()),
        tag_keys: keys.map(|k| k.into_iter().map(str::to_owned).collect()),
    };
    assert_error(
        kms.untag_resource(untag(Some(vec!["a", "aws:a"]))),
        "TagException",
        Some("Tags beginning with aws: are reserved"),
    );
    assert_validation(kms.untag_resource(untag(None)), &not_null("tagKeys"));
    let long = "k".repeat(129);
    assert_validation(
        kms.untag_resource(untag(Some(vec!["a", long.as_str()]))),
        &max_len(Some(&long), "tagKeys.2.member", 128),
    );
    assert_eq!(tags_of(&mut kms, &m.key_id), vec![("a".into(), "1".into())]);
}

#[test]
fn list_resource_tags_paging() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    let all: Vec<Tag> = (0..50)
        .map(|i| tag(&format!("t{i}"), &i.to_string()))
        .collect();
    kms.tag_resource(tag_req(id, all.clone())).unwrap();
    let mut seen = Vec::new();
    let mut marker = None;
    let mut pages = 0;
    loop {
        let page = kms
            .list_resource_tags(ListResourceTagsRequest {
                key_id: Some(id.into()),
                limit: Some(7),
                marker: marker.clone(),
            })
            .unwrap();
        pages += 1;
        assert!(page.tags.len() <= 7);
        assert_eq!(page.truncated, page.next_marker.is_some());
        seen.extend(page.tags);
        if !page.truncated {
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(pages, 8);
    assert_eq!(seen, all);
    let limit = |n: i64| ListResourceTagsRequest {
        key_id: Some(id.into()),
        limit: Some(n),
        marker: None,
    };
    assert_eq!(kms.list_resource_tags(limit(50)).unwrap().tags.len(), 50);
    assert_validation(kms.list_resource_tags(limit(0)), &min_value(0, "limit", 1));
    assert_validation(
        kms.list_resource_tags(limit(51)),
        &max_value(51, "limit", 50),
    );
    assert_error_name(
        kms.list_resource_tags(ListResourceTagsRequest {
            key_id: Some(id.into()),
            marker: Some("bogus".into()),
            ..Default::default()
        }),
        "InvalidMarkerException",
    );
    // Validation before the key lookup.
    assert_validation(
        kms.list_resource_tags(ListResourceTagsRequest {
            key_id: Some(ABSENT_ID.into()),
            limit: Some(0),
            marker: None,
        }),
        &min_value(0, "limit", 1),
    );
}

// ---- Key policy -------------------------------------------------------------------------------

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
    assert_eq!(out.policy, DEFAULT_POLICY);
    assert_eq!(out.policy_name, "default");
    let out = kms
        .get_key_policy(GetKeyPolicyRequest {
            key_id: Some(m.arn.clone()),
            policy_name: Some("default".into()),
        })
        .unwrap();
    assert_eq!(out.policy, DEFAULT_POLICY);
    assert_eq!(wasm_kms::default_policy("aws", ACCOUNT), DEFAULT_POLICY);

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
        json!(DEFAULT_POLICY.replace("111122223333", "444455556666"))
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

// ---- Audit ------------------------------------------------------------------------------------

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

#[test]
fn a_principal_of_another_account_is_denied_and_audited_as_itself() {
    let eve = "arn:aws:iam::444455556666:user/eve";
    let mut kms = kms_with(Config {
        principal: Some(eve.into()),
        ..Config::default()
    })
    .unwrap();
    let e = expect_err(kms.create_key(CreateKeyRequest::default()));
    assert_eq!(e.name(), "AccessDeniedException");
    assert_eq!(
        e.message(),
        Some(format!("User: {eve} is not authorized to perform: kms:CreateKey on resource: * because no resource-based policy allows the kms:CreateKey action").as_str())
    );
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.user_identity.arn.as_deref(), Some(eve));
    assert_eq!(event.user_identity.account_id, "444455556666");
    assert_eq!(event.user_identity.kind, "IAMUser");
    assert_eq!(event.recipient_account_id, ACCOUNT);
    assert!(
        kms.audit().events().all(|e| e.error_code.is_some()),
        "nothing succeeded"
    );

    // A role of the key's own account is allowed.
    let mut kms = kms_with(Config {
        principal: Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/s1")),
        ..Config::default()
    })
    .unwrap();
    let k = new_key(&mut kms);
    assert!(!encrypt(&mut kms, &k.key_id, b"ok").is_empty());
    let event = kms.audit().events().last().cloned().unwrap();
    assert_eq!(event.user_identity.kind, "AssumedRole");
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
fn a_wrong_typed_member_is_named_but_its_value_is_never_echoed() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let e = expect_err(kms.call_json(
        "Encrypt",
        json!({"KeyId": m.key_id, "Plaintext": "aGk=", "DryRun": "pw expected hunter2"}),
    ));
    assert_eq!(e.name(), "SerializationException");
    let message = e.message().unwrap();
    assert_eq!(
        message,
        "The value of member DryRun is not of the type the operation expects."
    );
    let e = expect_err(kms.call_json(
        "TagResource",
        json!({"KeyId": m.key_id, "Tags": [{"TagKey": 1, "TagValue": "v"}]}),
    ));
    assert_eq!(
        e.message(),
        Some("The value of member Tags[0].TagKey is not of the type the operation expects.")
    );
    let trail = serde_json::to_string(&kms.audit().events().collect::<Vec<_>>()).unwrap();
    assert!(!trail.contains("hunter2"));
}

#[test]
fn re_encrypt_looks_up_both_keys_before_using_either() {
    let mut kms = kms();
    let source = new_key(&mut kms);
    let blob = encrypt(&mut kms, &source.key_id, b"secret");
    kms.disable_key(id_req(&source.key_id)).unwrap();
    let re = |blob: Vec<u8>| ReEncryptRequest {
        ciphertext_blob: Some(Blob(blob)),
        destination_key_id: Some(ABSENT_ID.into()),
        ..Default::default()
    };
    // A disabled source and a missing destination: NotFound comes first.
    assert_error(
        kms.re_encrypt(re(blob)),
        "NotFoundException",
        Some(&does_not_exist(ABSENT_ID)),
    );
    // So it does for a blob that is not a ciphertext at all.
    assert_error(
        kms.re_encrypt(re(vec![1, 2, 3])),
        "NotFoundException",
        Some(&does_not_exist(ABSENT_ID)),
    );
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

#[test]
fn the_recipient_parameter_is_refused_plainly_not_ignored() {
    let mut kms = kms();
    let key = new_key(&mut kms);
    let blob = kms
        .call_json(
            "Encrypt",
            json!({ "KeyId": key.key_id, "Plaintext": "aGk=" }),
        )
        .unwrap()["CiphertextBlob"]
        .clone();
    let recipient =
        json!({ "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": "AAAA" });
    for (op, input) in [
        (
            "Decrypt",
            json!({ "CiphertextBlob": blob, "Recipient": recipient }),
        ),
        (
            "GenerateDataKey",
            json!({ "KeyId": key.key_id, "KeySpec": "AES_256", "Recipient": recipient }),
        ),
        (
            "GenerateRandom",
            json!({ "NumberOfBytes": 16, "Recipient": recipient }),
        ),
    ] {
        let e = kms.call_json(op, input).unwrap_err();
        assert_eq!(e.name(), "UnsupportedOperationException", "{op}");
        assert!(e.message().unwrap().contains("Recipient"), "{op}");
    }
    // A null Recipient is the same as none.
    let opened = kms
        .call_json(
            "Decrypt",
            json!({ "CiphertextBlob": blob, "Recipient": null }),
        )
        .unwrap();
    assert_eq!(opened["Plaintext"], "aGk=");
}
