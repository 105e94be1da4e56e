//! The JavaScript surface, tested from inside wasm: the same tests run in Node
//! (`tests/wasm_node.rs`) and in headless Chromium (`tests/wasm_browser.rs`).

use js_sys::{Array, Date, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

/// A plain object with these members (the persistence tests share it).
pub(crate) fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

/// A member of an object.
pub(crate) fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn kms() -> JsKms {
    JsKms::new(Some(obj(&[
        ("region", "eu-west-1".into()),
        ("account", "123456789012".into()),
    ])))
    .unwrap()
}

async fn ok(p: js_sys::Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("call failed: {:?}", get(&e, "name")),
    }
}

async fn err(p: js_sys::Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(_) => panic!("call succeeded but should have failed"),
        Err(e) => e,
    }
}

async fn new_key(k: &JsKms) -> String {
    let out = ok(k.create_key(obj(&[("Description", "test".into())]))).await;
    get(&get(&out, "KeyMetadata"), "KeyId").as_string().unwrap()
}

#[wasm_bindgen_test]
async fn create_key_returns_sdk_shapes() {
    let k = kms();
    let out = ok(k.create_key(JsValue::UNDEFINED)).await;
    let md = get(&out, "KeyMetadata");
    assert!(get(&md, "CreationDate").is_instance_of::<Date>());
    assert_eq!(get(&md, "KeyState").as_string().unwrap(), "Enabled");
    assert_eq!(get(&md, "Enabled").as_bool(), Some(true));
    let arn = get(&md, "Arn").as_string().unwrap();
    assert!(
        arn.starts_with("arn:aws:kms:eu-west-1:123456789012:key/"),
        "{arn}"
    );
    assert_eq!(k.region(), "eu-west-1");
    assert_eq!(k.account(), "123456789012");
}

#[wasm_bindgen_test]
async fn encrypt_decrypt_round_trip_with_context() {
    let k = kms();
    let id = new_key(&k).await;
    let ctx = obj(&[("purpose", "test".into()), ("app", "wasm".into())]);
    let enc = ok(k.encrypt(obj(&[
        ("KeyId", id.clone().into()),
        ("Plaintext", bytes(b"hello wasm")),
        ("EncryptionContext", ctx),
    ])))
    .await;
    let blob = get(&enc, "CiphertextBlob");
    assert!(blob.is_instance_of::<Uint8Array>());
    // The same context given in another order decrypts.
    let reordered = obj(&[("app", "wasm".into()), ("purpose", "test".into())]);
    let dec = ok(k.decrypt(obj(&[
        ("CiphertextBlob", blob.clone()),
        ("EncryptionContext", reordered),
    ])))
    .await;
    let plain: Uint8Array = get(&dec, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), b"hello wasm");
    assert!(get(&dec, "KeyId").as_string().unwrap().ends_with(&id));
    // Without the context: InvalidCiphertextException with an empty message.
    let e = err(k.decrypt(obj(&[("CiphertextBlob", blob)]))).await;
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "InvalidCiphertextException"
    );
    assert_eq!(get(&e, "message").as_string().unwrap(), "");
    assert_eq!(get(&e, "$fault").as_string().unwrap(), "client");
    assert_eq!(
        get(&get(&e, "$metadata"), "httpStatusCode").as_f64(),
        Some(400.0)
    );
}

#[wasm_bindgen_test]
async fn a_string_plaintext_is_utf8_as_in_the_aws_sdk() {
    let k = kms();
    let id = new_key(&k).await;
    let enc = ok(k.encrypt(obj(&[("KeyId", id.into()), ("Plaintext", "héllo".into())]))).await;
    let dec = ok(k.decrypt(obj(&[("CiphertextBlob", get(&enc, "CiphertextBlob"))]))).await;
    let plain: Uint8Array = get(&dec, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), "héllo".as_bytes());
}

#[wasm_bindgen_test]
async fn errors_carry_aws_names_and_messages() {
    let k = kms();
    let e = err(k.describe_key(obj(&[("KeyId", "fake-key-id".into())]))).await;
    assert_eq!(get(&e, "name").as_string().unwrap(), "NotFoundException");
    assert_eq!(
        get(&e, "message").as_string().unwrap(),
        "Invalid keyId 'fake-key-id'"
    );

    let e = err(k.generate_random(obj(&[("NumberOfBytes", 1025.into())]))).await;
    assert_eq!(get(&e, "name").as_string().unwrap(), "ValidationException");
    assert_eq!(
        get(&e, "message").as_string().unwrap(),
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
    );

    let id = new_key(&k).await;
    ok(k.disable_key(obj(&[("KeyId", id.clone().into())]))).await;
    let e = err(k.encrypt(obj(&[
        ("KeyId", id.clone().into()),
        ("Plaintext", bytes(b"x")),
    ])))
    .await;
    assert_eq!(get(&e, "name").as_string().unwrap(), "DisabledException");
    assert_eq!(
        get(&e, "message").as_string().unwrap(),
        format!("arn:aws:kms:eu-west-1:123456789012:key/{id} is disabled.")
    );

    // An array is not a request, even where serde could read it positionally.
    let arr: JsValue = Array::of1(&JsValue::from_str(&id)).into();
    let e = err(k.describe_key(arr)).await;
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "SerializationException"
    );

    let e = err(k.send("NoSuchOperation", JsValue::UNDEFINED)).await;
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "UnknownOperationException"
    );

    // A wrong-typed member is refused without echoing the value.
    let e = err(k.encrypt(obj(&[("KeyId", id.into()), ("Plaintext", 42.into())]))).await;
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "SerializationException"
    );
    assert!(!get(&e, "message").as_string().unwrap().contains("42"));
}

#[wasm_bindgen_test]
async fn send_aliases_and_data_keys() {
    let k = kms();
    let id = new_key(&k).await;
    ok(k.send(
        "CreateAlias",
        obj(&[
            ("AliasName", "alias/app".into()),
            ("TargetKeyId", id.clone().into()),
        ]),
    ))
    .await;
    let listed = ok(k.list_aliases(JsValue::UNDEFINED)).await;
    let aliases: Array = get(&listed, "Aliases").dyn_into().unwrap();
    assert_eq!(aliases.length(), 1);
    let entry = aliases.get(0);
    assert_eq!(get(&entry, "TargetKeyId").as_string().unwrap(), id);
    assert!(get(&entry, "CreationDate").is_instance_of::<Date>());

    let dk = ok(k.generate_data_key(obj(&[
        ("KeyId", "alias/app".into()),
        ("KeySpec", "AES_256".into()),
    ])))
    .await;
    let plain: Uint8Array = get(&dk, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.length(), 32);
    let dec = ok(k.decrypt(obj(&[("CiphertextBlob", get(&dk, "CiphertextBlob"))]))).await;
    let again: Uint8Array = get(&dec, "Plaintext").dyn_into().unwrap();
    assert_eq!(again.to_vec(), plain.to_vec());
}

#[wasm_bindgen_test]
async fn audit_events_record_calls_without_secrets() {
    let k = kms();
    let id = new_key(&k).await;
    let secret = b"do-not-log-this-secret";
    ok(k.encrypt(obj(&[("KeyId", id.into()), ("Plaintext", bytes(secret))]))).await;
    let _ = err(k.describe_key(obj(&[("KeyId", "nope".into())]))).await;
    let events: Array = k.audit_events().unwrap().dyn_into().unwrap();
    assert_eq!(events.length(), 3);
    let names: Vec<String> = events
        .iter()
        .map(|e| get(&e, "eventName").as_string().unwrap())
        .collect();
    assert_eq!(names, ["CreateKey", "Encrypt", "DescribeKey"]);
    assert_eq!(
        get(&events.get(2), "errorCode").as_string().unwrap(),
        "NotFoundException"
    );
    let text = js_sys::JSON::stringify(&events)
        .unwrap()
        .as_string()
        .unwrap();
    assert!(!text.contains("do-not-log-this-secret"));
    assert!(!text.contains("ZG8tbm90LWxvZy10aGlzLXNlY3JldA"));
}

#[wasm_bindgen_test]
fn options_are_optional_and_checked() {
    let k = JsKms::new(None).unwrap();
    assert_eq!(k.region(), "us-east-1");
    assert_eq!(k.account(), "111122223333");
    let e = JsKms::new(Some(obj(&[("region", "nowhere".into())])))
        .err()
        .unwrap();
    assert_eq!(get(&e, "name").as_string().unwrap(), "ValidationException");
    let e = JsKms::new(Some(obj(&[("regoin", "us-east-1".into())])))
        .err()
        .unwrap();
    assert_eq!(get(&e, "name").as_string().unwrap(), "ValidationException");
}

/// Builds a JS value from JavaScript source, for inputs Rust cannot easily make.
fn js(source: &str) -> JsValue {
    js_sys::Function::new_no_args(&format!("return ({source});"))
        .call0(&JsValue::NULL)
        .unwrap()
}

#[wasm_bindgen_test]
async fn hostile_inputs_are_refused_and_leave_the_instance_usable() {
    let k = kms();
    let id = new_key(&k).await;
    let hostile = [
        // A cycle.
        "(() => { const o = { KeyId: 'x' }; o.Self = o; return o; })()",
        // Nesting far deeper than any KMS shape.
        "(() => { let o = {}; for (let i = 0; i < 100000; i++) o = { Nested: o }; return o; })()",
        // A Proxy whose traps throw.
        "new Proxy({}, { ownKeys() { throw new Error('trap'); } })",
        // A getter that throws.
        "({ get KeyId() { throw new Error('getter'); } })",
        // A class instance and a Set, which are not requests.
        "new (class Request { constructor() { this.KeyId = 'x'; } })()",
        "({ KeyId: 'x', EncryptionContext: new Set(['a']) })",
    ];
    for source in hostile {
        let e = err(k.describe_key(js(source))).await;
        assert_eq!(
            get(&e, "name").as_string().unwrap(),
            "SerializationException",
            "{source}"
        );
        // The instance still works.
        let out = ok(k.describe_key(obj(&[("KeyId", id.clone().into())]))).await;
        assert_eq!(
            get(&get(&out, "KeyMetadata"), "KeyId").as_string().unwrap(),
            id
        );
    }
}

#[wasm_bindgen_test]
async fn a_map_context_is_honoured_and_proto_keys_are_plain_keys() {
    let k = kms();
    let id = new_key(&k).await;
    let map_ctx = js("new Map([['purpose', 'map']])");
    let enc = ok(k.encrypt(obj(&[
        ("KeyId", id.into()),
        ("Plaintext", bytes(b"x")),
        ("EncryptionContext", map_ctx),
    ])))
    .await;
    let blob = get(&enc, "CiphertextBlob");
    // Bound to the Map's pair: no context fails, the same pair as a plain object succeeds.
    let e = err(k.decrypt(obj(&[("CiphertextBlob", blob.clone())]))).await;
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "InvalidCiphertextException"
    );
    ok(k.decrypt(obj(&[
        ("CiphertextBlob", blob),
        ("EncryptionContext", obj(&[("purpose", "map".into())])),
    ])))
    .await;

    // A "__proto__" key is an ordinary context key, not a prototype.
    let id = new_key(&k).await;
    let proto_ctx = js("JSON.parse('{\"__proto__\": \"p\"}')");
    let enc = ok(k.encrypt(obj(&[
        ("KeyId", id.into()),
        ("Plaintext", bytes(b"y")),
        ("EncryptionContext", proto_ctx.clone()),
    ])))
    .await;
    let e = err(k.decrypt(obj(&[("CiphertextBlob", get(&enc, "CiphertextBlob"))]))).await;
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "InvalidCiphertextException"
    );
    ok(k.decrypt(obj(&[
        ("CiphertextBlob", get(&enc, "CiphertextBlob")),
        ("EncryptionContext", proto_ctx),
    ])))
    .await;
}

#[wasm_bindgen_test]
async fn the_caller_sets_and_moves_the_clock() {
    let k = kms();
    let real = Date::now();
    assert!(
        (k.now().unwrap().get_time() - real).abs() < 60_000.0,
        "starts on real time"
    );
    k.set_now(Date::new(&JsValue::from_str("2030-01-01T00:00:00Z")).into())
        .unwrap();
    let out = ok(k.create_key(JsValue::UNDEFINED)).await;
    let created: Date = get(&get(&out, "KeyMetadata"), "CreationDate")
        .dyn_into()
        .unwrap();
    assert!((created.get_time() - 1_893_456_000_000.0).abs() < 60_000.0);
    k.advance_days(365.0).unwrap();
    let out = ok(k.create_key(JsValue::UNDEFINED)).await;
    let later: Date = get(&get(&out, "KeyMetadata"), "CreationDate")
        .dyn_into()
        .unwrap();
    let days = (later.get_time() - created.get_time()) / 86_400_000.0;
    assert!((days - 365.0).abs() < 0.01, "{days}");
    let events: Array = k.audit_events().unwrap().dyn_into().unwrap();
    let last_time = get(&events.get(events.length() - 1), "eventTime")
        .as_string()
        .unwrap();
    assert!(last_time.starts_with("2031-01-01"), "{last_time}");
    let e = k.advance_time(f64::NAN).err().unwrap();
    assert_eq!(get(&e, "name").as_string().unwrap(), "ValidationException");
    assert!(k.set_now("soon".into()).is_err());
    assert!(k.set_now(JsValue::from_f64(-1.0)).is_err());
    assert!(k.set_now(JsValue::from_f64(3.0e14)).is_err());
    assert!(k.advance_time(3.0e14).is_err());
}

#[wasm_bindgen_test]
async fn deletion_and_rotation_follow_the_clock() {
    let k = kms();
    let doomed = new_key(&k).await;
    let out = ok(k.schedule_key_deletion(obj(&[
        ("KeyId", doomed.clone().into()),
        ("PendingWindowInDays", 7.into()),
    ])))
    .await;
    assert!(get(&out, "DeletionDate").is_instance_of::<Date>());
    assert_eq!(
        get(&out, "KeyState").as_string().unwrap(),
        "PendingDeletion"
    );

    let rotating = new_key(&k).await;
    let blob = get(
        &ok(k.encrypt(obj(&[
            ("KeyId", rotating.clone().into()),
            ("Plaintext", bytes(b"old")),
        ])))
        .await,
        "CiphertextBlob",
    );
    ok(k.enable_key_rotation(obj(&[
        ("KeyId", rotating.clone().into()),
        ("RotationPeriodInDays", 90.into()),
    ])))
    .await;
    let status = ok(k.get_key_rotation_status(obj(&[("KeyId", rotating.clone().into())]))).await;
    assert!(get(&status, "NextRotationDate").is_instance_of::<Date>());

    k.advance_days(91.0).unwrap();
    let e = err(k.describe_key(obj(&[("KeyId", doomed.into())]))).await;
    assert_eq!(get(&e, "name").as_string().unwrap(), "NotFoundException");
    let listed = ok(k.list_key_rotations(obj(&[("KeyId", rotating.clone().into())]))).await;
    let rotations: Array = get(&listed, "Rotations").dyn_into().unwrap();
    assert_eq!(rotations.length(), 1);
    let entry = rotations.get(0);
    assert_eq!(
        get(&entry, "RotationType").as_string().unwrap(),
        "AUTOMATIC"
    );
    assert!(get(&entry, "RotationDate").is_instance_of::<Date>());
    let dec = ok(k.decrypt(obj(&[("CiphertextBlob", blob)]))).await;
    let plain: Uint8Array = get(&dec, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), b"old");

    let events: Array = k.audit_events().unwrap().dyn_into().unwrap();
    let service: Vec<String> = events
        .iter()
        .filter(|e| get(e, "eventType").as_string().as_deref() == Some("AwsServiceEvent"))
        .map(|e| get(&e, "eventName").as_string().unwrap())
        .collect();
    assert_eq!(service, ["DeleteKey", "RotateKey"]);
}

#[wasm_bindgen_test]
async fn region_views_share_the_clock_and_trail_but_not_keys() {
    let us = kms();
    let eu = us.for_region("eu-central-1").unwrap();
    assert_eq!(eu.region(), "eu-central-1");
    let id = new_key(&eu).await;
    let md = get(
        &ok(eu.describe_key(obj(&[("KeyId", id.clone().into())]))).await,
        "KeyMetadata",
    );
    assert!(get(&md, "Arn")
        .as_string()
        .unwrap()
        .starts_with("arn:aws:kms:eu-central-1:"));
    let e = err(us.describe_key(obj(&[("KeyId", id.into())]))).await;
    assert_eq!(get(&e, "name").as_string().unwrap(), "NotFoundException");
    // One clock: moving it from one view moves the other's by the same day.
    let before = eu.now().unwrap().get_time();
    us.advance_days(1.0).unwrap();
    let moved = eu.now().unwrap().get_time() - before;
    assert!((86_400_000.0..86_460_000.0).contains(&moved), "{moved}");
    let events: Array = us.audit_events().unwrap().dyn_into().unwrap();
    assert_eq!(events.length(), 3);
    assert!(us.for_region("nowhere").is_err());
}

#[wasm_bindgen_test]
async fn an_aws_managed_key_is_used_through_its_service() {
    let me = kms();
    let s3 = me.as_service("s3").unwrap();
    assert_eq!(s3.via_service().as_deref(), Some("s3"));
    let enc = ok(s3.encrypt(obj(&[
        ("KeyId", "alias/aws/s3".into()),
        ("Plaintext", bytes(b"object")),
    ])))
    .await;
    let blob = get(&enc, "CiphertextBlob");
    let dec = ok(s3.decrypt(obj(&[("CiphertextBlob", blob.clone())]))).await;
    let plain: Uint8Array = get(&dec, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), b"object");
    let e = err(me.decrypt(obj(&[("CiphertextBlob", blob)]))).await;
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "AccessDeniedException"
    );
    let md = get(
        &ok(me.describe_key(obj(&[("KeyId", "alias/aws/s3".into())]))).await,
        "KeyMetadata",
    );
    assert_eq!(get(&md, "KeyManager").as_string().unwrap(), "AWS");
    assert!(me.as_service("S3!").is_err());
}

#[wasm_bindgen_test]
async fn a_multi_region_key_decrypts_in_its_replicas_region() {
    let us = kms();
    let eu = us.for_region("eu-west-3").unwrap();
    let md = get(
        &ok(us.create_key(obj(&[("MultiRegion", JsValue::TRUE)]))).await,
        "KeyMetadata",
    );
    let id = get(&md, "KeyId").as_string().unwrap();
    assert!(id.starts_with("mrk-"));
    let out = ok(us.replicate_key(obj(&[
        ("KeyId", id.clone().into()),
        ("ReplicaRegion", "eu-west-3".into()),
    ])))
    .await;
    let replica = get(&out, "ReplicaKeyMetadata");
    assert_eq!(get(&replica, "KeyState").as_string().unwrap(), "Creating");
    let config = get(&replica, "MultiRegionConfiguration");
    assert_eq!(
        get(&config, "MultiRegionKeyType").as_string().unwrap(),
        "REPLICA"
    );
    let blob = get(
        &ok(us.encrypt(obj(&[
            ("KeyId", id.clone().into()),
            ("Plaintext", bytes(b"both")),
        ])))
        .await,
        "CiphertextBlob",
    );
    let dec = ok(eu.decrypt(obj(&[("CiphertextBlob", blob)]))).await;
    let plain: Uint8Array = get(&dec, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), b"both");
    assert!(get(&dec, "KeyId")
        .as_string()
        .unwrap()
        .contains(":eu-west-3:"));
}

/// WebCrypto (in the browser, and Node's) wraps material under the KMS wrapping key with
/// RSA-OAEP SHA-256; KMS imports it and decrypts what it encrypted.
#[wasm_bindgen_test]
async fn material_wrapped_by_webcrypto_imports() {
    let webcrypto_wrap = js_sys::Function::new_with_args(
        "spki, material",
        "return (async () => {
           const key = await crypto.subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
           return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, material));
         })();",
    );
    let k = kms();
    let created = ok(k.create_key(obj(&[("Origin", "EXTERNAL".into())]))).await;
    let md = get(&created, "KeyMetadata");
    assert_eq!(get(&md, "KeyState").as_string().unwrap(), "PendingImport");
    let id = get(&md, "KeyId");
    let params = ok(k.get_parameters_for_import(obj(&[
        ("KeyId", id.clone()),
        ("WrappingAlgorithm", "RSAES_OAEP_SHA_256".into()),
        ("WrappingKeySpec", "RSA_2048".into()),
    ])))
    .await;
    assert!(get(&params, "ParametersValidTo").is_instance_of::<Date>());
    let promise: js_sys::Promise = webcrypto_wrap
        .call2(
            &JsValue::NULL,
            &get(&params, "PublicKey"),
            &bytes(&[5u8; 32]),
        )
        .unwrap()
        .dyn_into()
        .unwrap();
    let wrapped = JsFuture::from(promise).await.unwrap();
    let valid_to = Date::new(&JsValue::from_f64(
        k.now().unwrap().get_time() + 86_400_000.0,
    ));
    let out = ok(k.import_key_material(obj(&[
        ("KeyId", id.clone()),
        ("ImportToken", get(&params, "ImportToken")),
        ("EncryptedKeyMaterial", wrapped),
        ("ValidTo", valid_to.into()),
    ])))
    .await;
    assert_eq!(get(&out, "KeyMaterialId").as_string().unwrap().len(), 64);
    let blob = get(
        &ok(k.encrypt(obj(&[
            ("KeyId", id),
            ("Plaintext", bytes(b"via webcrypto")),
        ])))
        .await,
        "CiphertextBlob",
    );
    let dec = ok(k.decrypt(obj(&[("CiphertextBlob", blob)]))).await;
    let plain: Uint8Array = get(&dec, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), b"via webcrypto");
    // ValidTo went in as a Date and comes back as one.
    let md = get(
        &ok(k.describe_key(obj(&[("KeyId", get(&out, "KeyId"))]))).await,
        "KeyMetadata",
    );
    assert!(get(&md, "ValidTo").is_instance_of::<Date>());
}

#[wasm_bindgen_test]
async fn hmac_keys_make_and_check_macs() {
    let k = kms();
    let md = get(
        &ok(k.create_key(obj(&[
            ("KeySpec", "HMAC_256".into()),
            ("KeyUsage", "GENERATE_VERIFY_MAC".into()),
        ])))
        .await,
        "KeyMetadata",
    );
    let id = get(&md, "KeyId");
    let out = ok(k.generate_mac(obj(&[
        ("KeyId", id.clone()),
        ("Message", "signed text".into()),
        ("MacAlgorithm", "HMAC_SHA_256".into()),
    ])))
    .await;
    let mac: Uint8Array = get(&out, "Mac").dyn_into().unwrap();
    assert_eq!(mac.length(), 32);
    let ok_out = ok(k.verify_mac(obj(&[
        ("KeyId", id.clone()),
        ("Message", "signed text".into()),
        ("MacAlgorithm", "HMAC_SHA_256".into()),
        ("Mac", mac.clone().into()),
    ])))
    .await;
    assert_eq!(get(&ok_out, "MacValid").as_bool(), Some(true));
    let e = err(k.verify_mac(obj(&[
        ("KeyId", id),
        ("Message", "other text".into()),
        ("MacAlgorithm", "HMAC_SHA_256".into()),
        ("Mac", mac.into()),
    ])))
    .await;
    assert_eq!(
        get(&e, "name").as_string().unwrap(),
        "KMSInvalidMacException"
    );
    assert_eq!(get(&e, "message").as_string().unwrap(), "");
}

/// Runs an async JavaScript interop script with `kms` (the JS `Kms` object) and returns the
/// checks it reports as failed.
async fn interop(kms: JsKms, body: &str) -> Vec<String> {
    let script =
        js_sys::Function::new_with_args("kms", &format!("return (async () => {{ {body} }})();"));
    let promise: js_sys::Promise = script
        .call1(&JsValue::NULL, &JsValue::from(kms))
        .unwrap()
        .dyn_into()
        .unwrap();
    let out = match JsFuture::from(promise).await {
        Ok(v) => v,
        Err(e) => panic!(
            "interop script threw: {:?} {:?}",
            get(&e, "name"),
            get(&e, "message")
        ),
    };
    Array::from(&out)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

/// The WebCrypto interop checks (in Chromium, and Node's WebCrypto): every public key from
/// GetPublicKey imports; every signature verifies; RSA-OAEP ciphertext made by WebCrypto from
/// that public key decrypts; an ECDH secret equals WebCrypto's; a data key pair's halves match.
const WEBCRYPTO_INTEROP: &str = r#"
  const s = crypto.subtle, fails = [], check = (ok, what) => { if (!ok) fails.push(what); };
  const msg = new TextEncoder().encode('interop message');
  const sha = async (h, m) => new Uint8Array(await s.digest(h, m));
  const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  // ECDSA: KMS returns DER SEQUENCE{r, s}; WebCrypto wants r || s, each n bytes.
  const derToRaw = (der, n) => {
    let i = (der[1] & 0x80) ? 2 + (der[1] & 0x7f) : 2;
    const int = () => { i++; const len = der[i++]; let v = der.slice(i, i + len); i += len;
      while (v.length > n && v[0] === 0) v = v.slice(1);
      const out = new Uint8Array(n); out.set(v, n - v.length); return out; };
    const r = int(), t = int(), out = new Uint8Array(2 * n); out.set(r); out.set(t, n); return out;
  };
  // RSA signatures, every algorithm, RAW and DIGEST.
  for (const spec of ['RSA_2048', 'RSA_3072']) {
    const { KeyMetadata: md } = await kms.createKey({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' });
    const { PublicKey: spki } = await kms.getPublicKey({ KeyId: md.KeyId });
    check(md.SigningAlgorithms.length === 6, `${spec} lists six signing algorithms`);
    for (const alg of md.SigningAlgorithms) {
      const bits = Number(alg.slice(-3)), hash = 'SHA-' + bits, pss = alg.startsWith('RSASSA_PSS');
      const name = pss ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      const pub = await s.importKey('spki', spki, { name, hash }, false, ['verify']);
      const params = pss ? { name, saltLength: bits / 8 } : { name };
      for (const MessageType of ['RAW', 'DIGEST']) {
        const Message = MessageType === 'RAW' ? msg : await sha(hash, msg);
        const { Signature } = await kms.sign({ KeyId: md.KeyId, Message, MessageType, SigningAlgorithm: alg });
        check(await s.verify(params, pub, Signature, msg), `${spec} ${alg} ${MessageType}: WebCrypto verifies`);
        const v = await kms.verify({ KeyId: md.KeyId, Message: msg, Signature, SigningAlgorithm: alg });
        check(v.SignatureValid === true, `${spec} ${alg}: KMS verifies its own signature`);
        const bad = Signature.slice(); bad[7] ^= 1;
        const refused = await kms.verify({ KeyId: md.KeyId, Message: msg, Signature: bad, SigningAlgorithm: alg }).catch((e) => e);
        check(refused.name === 'KMSInvalidSignatureException', `${spec} ${alg}: a tampered signature is refused`);
      }
    }
  }
  // ECDSA on the NIST curves.
  for (const [spec, namedCurve, hash, n] of [['ECC_NIST_P256', 'P-256', 'SHA-256', 32],
      ['ECC_NIST_P384', 'P-384', 'SHA-384', 48], ['ECC_NIST_P521', 'P-521', 'SHA-512', 66]]) {
    const { KeyMetadata: md } = await kms.createKey({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' });
    const alg = md.SigningAlgorithms[0];
    const { PublicKey: spki } = await kms.getPublicKey({ KeyId: md.KeyId });
    const pub = await s.importKey('spki', spki, { name: 'ECDSA', namedCurve }, false, ['verify']);
    const { Signature } = await kms.sign({ KeyId: md.KeyId, Message: msg, SigningAlgorithm: alg });
    check(await s.verify({ name: 'ECDSA', hash }, pub, derToRaw(Signature, n), msg), `${spec} ECDSA verifies in WebCrypto`);
    // Verify in KMS: the signature passes, a tampered one is KMSInvalidSignatureException, and
    // the same signature with s replaced by n - s (just as valid in ECDSA) passes too.
    const ok = await kms.verify({ KeyId: md.KeyId, Message: msg, Signature, SigningAlgorithm: alg });
    check(ok.SignatureValid === true, `${spec}: KMS verifies its signature`);
    const bad = Signature.slice(); bad[bad.length - 1] ^= 1;
    const refused = await kms.verify({ KeyId: md.KeyId, Message: msg, Signature: bad, SigningAlgorithm: alg }).catch((e) => e);
    check(refused.name === 'KMSInvalidSignatureException', `${spec}: a tampered signature is refused (got ${refused.name})`);
    const order = { 'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
      'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
      'P-521': 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n }[namedCurve];
    const raw = derToRaw(Signature, n);
    const big = (b) => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
    const toBytes = (v) => { const out = []; while (v > 0n) { out.unshift(Number(v & 0xffn)); v >>= 8n; } return out; };
    const derInt = (v) => { let b = toBytes(v); if (b[0] & 0x80) b = [0, ...b]; return [2, b.length, ...b]; };
    const body = [...derInt(big(raw.slice(0, n))), ...derInt(order - big(raw.slice(n)))];
    const highS = new Uint8Array(body.length < 128 ? [0x30, body.length, ...body] : [0x30, 0x81, body.length, ...body]);
    const flipped = await kms.verify({ KeyId: md.KeyId, Message: msg, Signature: highS, SigningAlgorithm: alg }).catch((e) => e);
    check(flipped.SignatureValid === true, `${spec}: the (r, n - s) form verifies too (got ${flipped.name})`);
    // And the other way: a signature WebCrypto made with a key pair KMS generated.
    const pair = await kms.generateDataKeyPair({ KeyId: (await kms.createKey()).KeyMetadata.KeyId, KeyPairSpec: spec });
    const priv = await s.importKey('pkcs8', pair.PrivateKeyPlaintext, { name: 'ECDSA', namedCurve }, false, ['sign']);
    const pub2 = await s.importKey('spki', pair.PublicKey, { name: 'ECDSA', namedCurve }, false, ['verify']);
    const sig = new Uint8Array(await s.sign({ name: 'ECDSA', hash }, priv, msg));
    check(await s.verify({ name: 'ECDSA', hash }, pub2, sig, msg), `${spec} data key pair halves match`);
  }
  // Ed25519, where the platform's WebCrypto has it.
  {
    const { KeyMetadata: md } = await kms.createKey({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' });
    const { PublicKey: spki } = await kms.getPublicKey({ KeyId: md.KeyId });
    check(spki.length === 44, 'Ed25519 SPKI is 44 bytes');
    const pub = await s.importKey('spki', spki, { name: 'Ed25519' }, false, ['verify']).catch(() => null);
    if (pub) {
      const { Signature } = await kms.sign({ KeyId: md.KeyId, Message: msg, SigningAlgorithm: 'ED25519_SHA_512' });
      check(Signature.length === 64 && await s.verify({ name: 'Ed25519' }, pub, Signature, msg), 'Ed25519 verifies in WebCrypto');
    }
    const { Signature: sig } = await kms.sign({ KeyId: md.KeyId, Message: msg, SigningAlgorithm: 'ED25519_SHA_512' });
    const v = await kms.verify({ KeyId: md.KeyId, Message: msg, Signature: sig, SigningAlgorithm: 'ED25519_SHA_512' });
    check(v.SignatureValid === true, 'KMS verifies its Ed25519 signature');
    const bad = sig.slice(); bad[3] ^= 1;
    const refused = await kms.verify({ KeyId: md.KeyId, Message: msg, Signature: bad, SigningAlgorithm: 'ED25519_SHA_512' }).catch((e) => e);
    check(refused.name === 'KMSInvalidSignatureException', `a tampered Ed25519 signature is refused (got ${refused.name})`);
  }
  // RSA-OAEP: ciphertext WebCrypto made from the public key decrypts in KMS, both hashes.
  {
    const { KeyMetadata: md } = await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const { PublicKey: spki } = await kms.getPublicKey({ KeyId: md.KeyId });
    for (const [alg, hash] of [['RSAES_OAEP_SHA_1', 'SHA-1'], ['RSAES_OAEP_SHA_256', 'SHA-256']]) {
      const pub = await s.importKey('spki', spki, { name: 'RSA-OAEP', hash }, false, ['encrypt']);
      const ct = new Uint8Array(await s.encrypt({ name: 'RSA-OAEP' }, pub, msg));
      const out = await kms.decrypt({ KeyId: md.KeyId, CiphertextBlob: ct, EncryptionAlgorithm: alg });
      check(eq(out.Plaintext, msg) && out.EncryptionAlgorithm === alg, `${alg}: WebCrypto ciphertext decrypts`);
      check(out.KeyMaterialId === undefined, `${alg}: no KeyMaterialId for RSA`);
      const other = alg === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
      const wrong = await kms.decrypt({ KeyId: md.KeyId, CiphertextBlob: ct, EncryptionAlgorithm: other }).catch(e => e);
      check(wrong.name === 'IncorrectKeyException', `${alg}: the other hash is IncorrectKey (got ${wrong.name})`);
    }
  }
  // ECDH: the secret equals the one WebCrypto derives on the other side.
  for (const [spec, namedCurve, bits] of [['ECC_NIST_P256', 'P-256', 256], ['ECC_NIST_P384', 'P-384', 384], ['ECC_NIST_P521', 'P-521', 528]]) {
    const { KeyMetadata: md } = await kms.createKey({ KeySpec: spec, KeyUsage: 'KEY_AGREEMENT' });
    const mine = await s.generateKey({ name: 'ECDH', namedCurve }, true, ['deriveBits']);
    const mySpki = new Uint8Array(await s.exportKey('spki', mine.publicKey));
    const out = await kms.deriveSharedSecret({ KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: mySpki });
    const { PublicKey: kmsSpki } = await kms.getPublicKey({ KeyId: md.KeyId });
    const kmsPub = await s.importKey('spki', kmsSpki, { name: 'ECDH', namedCurve }, false, []);
    const theirs = new Uint8Array(await s.deriveBits({ name: 'ECDH', public: kmsPub }, mine.privateKey, bits));
    check(eq(out.SharedSecret, theirs), `${spec}: ECDH secret equals WebCrypto's`);
  }
  // An RSA data key pair: PKCS#8 and SPKI halves match.
  {
    const sym = (await kms.createKey()).KeyMetadata.KeyId;
    const pair = await kms.generateDataKeyPair({ KeyId: sym, KeyPairSpec: 'RSA_2048', EncryptionContext: { app: 'interop' } });
    const params = { name: 'RSA-PSS', hash: 'SHA-256' };
    const priv = await s.importKey('pkcs8', pair.PrivateKeyPlaintext, params, false, ['sign']);
    const pub = await s.importKey('spki', pair.PublicKey, params, false, ['verify']);
    const sig = await s.sign({ name: 'RSA-PSS', saltLength: 32 }, priv, msg);
    check(await s.verify({ name: 'RSA-PSS', saltLength: 32 }, pub, sig, msg), 'RSA data key pair halves match');
    const back = await kms.decrypt({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: { app: 'interop' } });
    check(eq(back.Plaintext, pair.PrivateKeyPlaintext), 'the private key ciphertext decrypts to the PKCS#8');
  }
  return fails;
"#;

/// With WebCrypto doing RSA key generation, signing and decryption (the default).
#[wasm_bindgen_test]
async fn interop_with_webcrypto() {
    let fails = interop(kms(), WEBCRYPTO_INTEROP).await;
    assert!(fails.is_empty(), "{fails:#?}");
}

/// The same checks with every operation in Rust (`webCrypto: false`).
#[wasm_bindgen_test]
async fn interop_with_webcrypto_all_in_rust() {
    let k = JsKms::new(Some(obj(&[("webCrypto", JsValue::FALSE)]))).unwrap();
    let fails = interop(k, WEBCRYPTO_INTEROP).await;
    assert!(fails.is_empty(), "{fails:#?}");
}

/// Calls reach the core in the order they were made, even when WebCrypto works for one of
/// them; a byte array that is a Proxy (or has its own `length` getter) is refused or copied
/// without running the caller's code later, and the instance stays usable.
#[wasm_bindgen_test]
async fn calls_keep_their_order_and_byte_arrays_are_copied() {
    let fails = interop(
        kms(),
        r#"
        const fails = [], check = (ok, what) => { if (!ok) fails.push(what); };
        const msg = new TextEncoder().encode('ordered');
        const rsa = (await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
        // Sign first (WebCrypto works on it), then disable at once: the Sign still succeeds.
        const signed = kms.sign({ KeyId: rsa, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' });
        const disabled = kms.disableKey({ KeyId: rsa });
        const s = await signed.catch((e) => e);
        check(s.Signature instanceof Uint8Array, `the earlier Sign ran first (got ${s.name})`);
        await disabled;
        const late = await kms.sign({ KeyId: rsa, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }).catch((e) => e);
        check(late.name === 'DisabledException', `the later Sign saw the key disabled (got ${late.name})`);
        const names = kms.auditEvents().map((e) => e.eventName).slice(-3);
        check(names.join() === 'Sign,DisableKey,Sign', `audit order ${names.join()}`);
        // A Proxy pretending to be bytes is refused, and the KMS still works.
        const sym = (await kms.createKey()).KeyMetadata.KeyId;
        const proxy = new Proxy(new Uint8Array(4), {});
        const refused = await kms.encrypt({ KeyId: sym, Plaintext: proxy }).catch((e) => e);
        check(refused.name === 'SerializationException', `a Proxy plaintext is refused (got ${refused.name})`);
        // A real array with a lying own length getter: its real bytes are used.
        const liar = new Uint8Array([1, 2, 3]);
        let reads = 0;
        Object.defineProperty(liar, 'length', { get() { reads += 1; return 2 ** 31; } });
        const enc = await kms.encrypt({ KeyId: sym, Plaintext: liar });
        const dec = await kms.decrypt({ CiphertextBlob: enc.CiphertextBlob });
        check(dec.Plaintext.join() === '1,2,3', `the real bytes were used (${dec.Plaintext.join()})`);
        check(reads === 0, `the caller's length getter ran ${reads} times`);
        const after = await kms.encrypt({ KeyId: sym, Plaintext: msg });
        check(after.CiphertextBlob.length > 0, 'the KMS is still usable');
        return fails;
        "#,
    )
    .await;
    assert!(fails.is_empty(), "{fails:#?}");
}
