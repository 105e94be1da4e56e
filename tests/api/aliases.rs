//! Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases.

use serde_json::json;
use wasm_kms::codec::Timestamp;
use wasm_kms::model::*;

use crate::support::*;

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
