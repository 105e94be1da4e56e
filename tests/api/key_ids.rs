//! KeyId resolution across every operation that takes a key: key IDs, key ARNs, alias names
//! and alias ARNs where AWS takes them, and AWS's errors for every other form.

use wasm_kms::codec::Blob;
use wasm_kms::model::*;
use wasm_kms::KmsError;

use crate::support::*;

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
