//! Key management: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey and
//! DisableKey.

use std::collections::BTreeSet;

use serde_json::json;
use wasm_kms::codec::Timestamp;
use wasm_kms::model::*;

use crate::support::*;

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
    // Text that is not a grant token is refused; ten real ones are taken.
    let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
    assert_error(
        kms.describe_key(DescribeKeyRequest {
            key_id: Some(m.key_id.clone()),
            grant_tokens: Some(ten),
        }),
        "InvalidGrantTokenException",
        Some("The grant token is not valid."),
    );
    let grant = kms
        .create_grant(CreateGrantRequest {
            key_id: Some(m.key_id.clone()),
            grantee_principal: Some(format!("arn:aws:iam::{ACCOUNT}:user/u")),
            operations: Some(vec!["DescribeKey".into()]),
            ..Default::default()
        })
        .unwrap();
    kms.describe_key(DescribeKeyRequest {
        key_id: Some(m.key_id.clone()),
        grant_tokens: Some(vec![grant.grant_token; 10]),
    })
    .unwrap();
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
