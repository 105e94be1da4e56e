//! The JavaScript surface in Node: `wasm-pack test --node`.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "wasm/common.rs"]
mod common;

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

fn set(o: &Object, k: &str, v: &JsValue) {
    Reflect::set(o, &k.into(), v).unwrap();
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

/// Node's crypto module (OpenSSL) wraps 32 bytes of material under the KMS wrapping key with
/// RSA-OAEP SHA-256; KMS imports it, and what it encrypts decrypts to the plaintext.
#[wasm_bindgen_test]
async fn material_wrapped_by_node_crypto_imports() {
    let node_wrap = Function::new_with_args(
        "spki, material",
        "const c = process.getBuiltinModule('node:crypto');
         const key = c.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
         return new Uint8Array(c.publicEncrypt({ key, padding: c.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material));",
    );
    let kms = JsKms::new(None).unwrap();
    let input = Object::new();
    set(&input, "Origin", &"EXTERNAL".into());
    let created = JsFuture::from(kms.create_key(input.into())).await.unwrap();
    let id = get(&get(&created, "KeyMetadata"), "KeyId");
    let req = Object::new();
    set(&req, "KeyId", &id);
    set(&req, "WrappingAlgorithm", &"RSAES_OAEP_SHA_256".into());
    set(&req, "WrappingKeySpec", &"RSA_2048".into());
    let params = JsFuture::from(kms.get_parameters_for_import(req.into()))
        .await
        .unwrap();
    let material = Uint8Array::from(&[9u8; 32][..]);
    let wrapped = node_wrap
        .call2(&JsValue::NULL, &get(&params, "PublicKey"), &material)
        .unwrap();
    let imp = Object::new();
    set(&imp, "KeyId", &id);
    set(&imp, "ImportToken", &get(&params, "ImportToken"));
    set(&imp, "EncryptedKeyMaterial", &wrapped);
    set(
        &imp,
        "ExpirationModel",
        &"KEY_MATERIAL_DOES_NOT_EXPIRE".into(),
    );
    JsFuture::from(kms.import_key_material(imp.into()))
        .await
        .unwrap();
    let enc = Object::new();
    set(&enc, "KeyId", &id);
    set(&enc, "Plaintext", &"hello import".into());
    let sealed = JsFuture::from(kms.encrypt(enc.into())).await.unwrap();
    let dec = Object::new();
    set(&dec, "CiphertextBlob", &get(&sealed, "CiphertextBlob"));
    let opened = JsFuture::from(kms.decrypt(dec.into())).await.unwrap();
    let plain: Uint8Array = get(&opened, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), b"hello import");
}
