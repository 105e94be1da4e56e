//! Accounts kept apart in one Region, as the local endpoint serves them (the account of each
//! request comes from its access key): each account sees its own keys and has its own alias
//! names, and a bare key ID or alias of another account names nothing.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use crate::common;

use serde_json::{json, Value};
use wasm_kms::codec::Format;
use wasm_kms::service::Caller;

fn call(
    kms: &mut common::TestKms,
    caller: &Caller,
    op: &str,
    input: Value,
) -> Result<Value, String> {
    kms.call_as(
        caller,
        op,
        Format::Json,
        input,
        serde_json::value::Serializer,
    )
    .map_err(|e| format!("{}: {}", e.name(), e.message().unwrap_or("")))
}

fn key_ids(list: &Value) -> Vec<String> {
    list["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["KeyId"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn each_account_has_its_own_keys_and_alias_names() {
    let (mut kms, _clock) = common::setup(41);
    let a = kms.caller().clone();
    let b = a.in_account("222233334444").unwrap();
    let key_a = call(&mut kms, &a, "CreateKey", json!({})).unwrap()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let made_b = call(&mut kms, &b, "CreateKey", json!({})).unwrap();
    let key_b = made_b["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    assert_eq!(made_b["KeyMetadata"]["AWSAccountId"], "222233334444");
    assert!(made_b["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .contains(":222233334444:key/"));

    // The same alias name in both accounts, each pointing at its own key.
    for (caller, key) in [(&a, &key_a), (&b, &key_b)] {
        call(
            &mut kms,
            caller,
            "CreateAlias",
            json!({ "AliasName": "alias/shared", "TargetKeyId": key }),
        )
        .unwrap();
    }
    for (caller, key) in [(&a, &key_a), (&b, &key_b)] {
        let listed = call(&mut kms, caller, "ListKeys", json!({})).unwrap();
        assert_eq!(key_ids(&listed), vec![key.clone()]);
        let described = call(
            &mut kms,
            caller,
            "DescribeKey",
            json!({ "KeyId": "alias/shared" }),
        )
        .unwrap();
        assert_eq!(described["KeyMetadata"]["KeyId"], key.as_str());
        let aliases = call(&mut kms, caller, "ListAliases", json!({})).unwrap();
        let names: Vec<&str> = aliases["Aliases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["TargetKeyId"].is_string())
            .map(|a| a["AliasName"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["alias/shared"]);
    }

    // Another account's key by bare ID: not there for this caller.
    let e = call(&mut kms, &b, "DescribeKey", json!({ "KeyId": key_a })).unwrap_err();
    assert!(e.starts_with("NotFoundException"), "{e}");
    let e = call(
        &mut kms,
        &b,
        "Encrypt",
        json!({ "KeyId": key_a, "Plaintext": "aGk=" }),
    )
    .unwrap_err();
    assert!(e.starts_with("NotFoundException"), "{e}");
    // Deleting B's alias leaves A's.
    call(
        &mut kms,
        &b,
        "DeleteAlias",
        json!({ "AliasName": "alias/shared" }),
    )
    .unwrap();
    let e = call(
        &mut kms,
        &b,
        "DescribeKey",
        json!({ "KeyId": "alias/shared" }),
    )
    .unwrap_err();
    assert!(e.starts_with("NotFoundException"), "{e}");
    let described = call(
        &mut kms,
        &a,
        "DescribeKey",
        json!({ "KeyId": "alias/shared" }),
    )
    .unwrap();
    assert_eq!(described["KeyMetadata"]["KeyId"], key_a.as_str());
}
