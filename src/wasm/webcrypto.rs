//! WebCrypto, the faster engine for private-key work (see [`crate::crypto::offload`]): RSA in
//! WebAssembly is slow (key generation blocks for 0.1 to 12 s; signing and decryption run at a
//! few percent of the platform's rate), while WebCrypto's is native, constant-time code that
//! does not block the page. What it is asked for a call, and what its answer becomes, are
//! [`crate::service::engine`]'s decisions; this module calls it and keeps the non-extractable
//! `CryptoKey`s it imported, one per key material and purpose. Where WebCrypto is missing (a
//! page served over plain HTTP from another host has no `crypto.subtle`) or fails, the core
//! does the work itself.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js::{call_subtle, object, subtle, take_buffer};

use crate::service::engine::{Algorithm, Outcome, Purpose, Work};

/// How many imported `CryptoKey`s are kept; past this the cache starts afresh.
const MAX_CACHED_KEYS: usize = 256;

/// Calls `crypto.subtle[method](...args)` and awaits it; `None` if it failed.
async fn call(method: &str, args: &[JsValue]) -> Option<JsValue> {
    call_subtle(method, args).await.ok()
}

/// A WebCrypto algorithm object.
fn algorithm(a: Algorithm) -> JsValue {
    let members = [
        ("name", Some(a.name.into())),
        ("hash", a.hash.map(JsValue::from)),
        ("namedCurve", a.named_curve.map(JsValue::from)),
        ("saltLength", a.salt_length.map(JsValue::from)),
        ("modulusLength", a.modulus_length.map(JsValue::from)),
        (
            "publicExponent",
            a.modulus_length.map(|_| bytes(&[1, 0, 1])),
        ),
    ];
    object(&members.map(|(name, v)| (name, v.unwrap_or(JsValue::UNDEFINED))))
}

/// WebCrypto's state in one KMS: imported keys by material and purpose.
pub struct Engine {
    /// Enabled, and `crypto.subtle` was there when the engine was made.
    enabled: bool,
    keys: HashMap<([u8; 32], Purpose), JsValue>,
}

impl Engine {
    /// An engine; `enabled: false` (`new Kms({ webCrypto: false })`) keeps all work in Rust.
    pub fn new(enabled: bool) -> Self {
        Engine {
            enabled: enabled && subtle().is_some(),
            keys: HashMap::new(),
        }
    }

    /// Whether WebCrypto is there to use.
    pub fn available(&self) -> bool {
        self.enabled
    }
}

/// Copies bytes into a fresh `Uint8Array` in JavaScript's heap.
fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// What WebCrypto answers to `job`'s work ([`Work`]), with the engine's imported keys; `None`
/// when it could not be asked or answered anything else (the core then does the work itself).
pub async fn run(
    engine: &RefCell<Engine>,
    work: &Work,
    key_der: impl FnOnce() -> Option<Zeroizing<Vec<u8>>>,
) -> Option<Outcome> {
    let (purpose, args) = match work {
        Work::Generate(params) => {
            let usages: Array = ["sign", "verify"]
                .iter()
                .map(|u| JsValue::from(*u))
                .collect();
            let pair = call(
                "generateKey",
                &[algorithm(*params), JsValue::TRUE, usages.into()],
            )
            .await?;
            let private = Reflect::get(&pair, &"privateKey".into()).ok()?;
            let exported = call("exportKey", &["pkcs8".into(), private]).await?;
            return take_buffer(&exported).map(Outcome::Bytes);
        }
        Work::Use {
            material,
            purpose,
            data,
            ..
        } => {
            let key = key_for(engine, *material, *purpose, key_der).await?;
            let mut args = vec![algorithm(purpose.operation()), key];
            args.extend(data.iter().map(|d| bytes(d)));
            (purpose, args)
        }
    };
    match call_subtle(purpose.method(), &args).await {
        Ok(v) => match v.as_bool() {
            Some(valid) => Some(Outcome::Valid(valid)),
            None => take_buffer(&v).map(Outcome::Bytes),
        },
        // WebCrypto's OperationError: the ciphertext does not decrypt under this key and hash.
        // Any other failure is WebCrypto's, not the caller's (or there is no WebCrypto).
        Err(e) => {
            let name = Reflect::get(&e, &"name".into()).ok()?.as_string();
            (name.as_deref() == Some("OperationError")).then_some(Outcome::Refused)
        }
    }
}

/// The `CryptoKey` for `material` and `purpose`: cached, or imported once (non-extractable)
/// from what `key_der` gives (in [`Purpose::format`]), and kept.
async fn key_for(
    engine: &RefCell<Engine>,
    material: [u8; 32],
    purpose: Purpose,
    key_der: impl FnOnce() -> Option<Zeroizing<Vec<u8>>>,
) -> Option<JsValue> {
    let (params, usage) = purpose.import()?;
    if let Some(k) = engine.borrow().keys.get(&(material, purpose)) {
        return Some(k.clone());
    }
    let der = Uint8Array::from(key_der()?.as_slice());
    let usages: Array = std::iter::once(JsValue::from(usage)).collect();
    let args = [
        purpose.format().into(),
        der.clone().into(),
        algorithm(params),
        JsValue::FALSE,
        usages.into(),
    ];
    let key = call("importKey", &args).await;
    der.fill(0, 0, der.length());
    let key = key?;
    let mut engine = engine.borrow_mut();
    if engine.keys.len() >= MAX_CACHED_KEYS {
        engine.keys.clear();
    }
    engine.keys.insert((material, purpose), key.clone());
    Some(key)
}
