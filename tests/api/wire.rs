//! AWS's JSON 1.1 wire format through `call_json` and `call`: empty outputs, requests of the
//! wrong shape or type, and values that are never echoed.

use serde_json::json;
use wasm_kms::codec::Format;

use crate::support::*;

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
    let e = kms
        .call_json("ConnectCustomKeyStore", json!({}))
        .unwrap_err();
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
