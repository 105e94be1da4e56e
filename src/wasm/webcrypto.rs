//! WebCrypto as the faster engine for private-key work (see [`crate::crypto::offload`]).
//!
//! RSA in WebAssembly is slow: key generation blocks a thread for 0.1 to 12 s, and decryption
//! and signing run at a few percent of the platform's rate. Browsers and Node both ship
//! WebCrypto, whose RSA is native, constant-time code (BoringSSL, OpenSSL). Before a call that
//! needs it, the binding therefore asks WebCrypto, without blocking the page:
//!
//! - CreateKey, GenerateDataKeyPair(WithoutPlaintext) and GetParametersForImport with an RSA
//!   spec: a new key pair, exported once as PKCS#8 and offered to the core;
//! - Sign (RAW messages, RSA algorithms) and Decrypt (RSAES-OAEP): the result, computed with a
//!   non-extractable `CryptoKey` imported once per key material and kept in a small cache.
//!
//! The core still validates, authorizes, checks state and audits every call, and uses an
//! offered result only for the same material, algorithm and input (a wrong or missing offer is
//! ignored and the work is done in Rust). Where WebCrypto is missing (a page served over plain
//! HTTP from another host has no `crypto.subtle`) or fails, everything runs in Rust.
//! Which material a call uses, for what, and with which WebCrypto algorithms is decided by
//! [`crate::service::engine`]; this module calls WebCrypto and keeps the imported keys.

use std::collections::HashMap;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js::{call_subtle, object, subtle};

use crate::crypto::asym::{AsymKey, AsymSpec, OaepHash};
use crate::service::engine::{Algorithm, Purpose};

/// How many imported `CryptoKey`s are kept; past this the cache starts afresh.
const MAX_CACHED_KEYS: usize = 256;

/// Calls `crypto.subtle[method](...args)` and awaits it; `None` if it failed.
async fn call(method: &str, args: &[JsValue]) -> Option<JsValue> {
    call_subtle(method, args).await.ok()
}

/// A WebCrypto algorithm object.
fn algorithm(a: Algorithm) -> JsValue {
    let o = object(&[("name", a.name.into())]);
    let members = [
        ("hash", a.hash.map(JsValue::from)),
        ("namedCurve", a.named_curve.map(JsValue::from)),
        ("saltLength", a.salt_length.map(JsValue::from)),
    ];
    for (name, value) in members {
        if let Some(v) = value {
            // Reflect::set on a fresh plain object cannot fail.
            let _ = Reflect::set(&o, &name.into(), &v);
        }
    }
    o
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

    fn cached(&self, material: &[u8; 32], purpose: Purpose) -> Option<JsValue> {
        self.keys.get(&(*material, purpose)).cloned()
    }

    fn remember(&mut self, material: [u8; 32], purpose: Purpose, key: JsValue) {
        if self.keys.len() >= MAX_CACHED_KEYS {
            self.keys.clear();
        }
        self.keys.insert((material, purpose), key);
    }
}

/// Copies bytes into a fresh `Uint8Array` in JavaScript's heap.
fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// The bytes of an `ArrayBuffer` result, copied out; the buffer is then wiped. `None` for
/// anything else (a replaced `crypto.subtle` may return anything).
fn take_buffer(v: &JsValue) -> Option<Zeroizing<Vec<u8>>> {
    let buffer: &js_sys::ArrayBuffer = v.dyn_ref()?;
    let view = Uint8Array::new(buffer);
    let out = Zeroizing::new(view.to_vec());
    view.fill(0, 0, view.length());
    Some(out)
}

/// A new key pair of an RSA `spec` from WebCrypto, as the core's key type. `None` if the spec
/// is not RSA or WebCrypto could not make one.
pub async fn generate(spec: AsymSpec) -> Option<AsymKey> {
    let bits = spec.rsa_bits()?;
    let params = object(&[
        ("name", "RSA-PSS".into()),
        ("modulusLength", JsValue::from(bits as u32)),
        ("publicExponent", bytes(&[1, 0, 1])),
        ("hash", "SHA-256".into()),
    ]);
    let usages: Array = ["sign", "verify"]
        .iter()
        .map(|u| JsValue::from(*u))
        .collect();
    let pair = call("generateKey", &[params, JsValue::TRUE, usages.into()]).await?;
    let private = Reflect::get(&pair, &"privateKey".into()).ok()?;
    let exported = call("exportKey", &["pkcs8".into(), private]).await?;
    let der = take_buffer(&exported)?;
    AsymKey::from_pkcs8(spec, &der)
}

/// Imports `der` (PKCS#8, or SPKI to verify) once, as a non-extractable key for `purpose`, and
/// keeps it.
async fn import(
    engine: &std::cell::RefCell<Engine>,
    material: [u8; 32],
    purpose: Purpose,
    key_der: &[u8],
) -> Option<JsValue> {
    let (params, usage) = purpose.import()?;
    let params = algorithm(params);
    let der = Uint8Array::from(key_der);
    let usages: Array = std::iter::once(JsValue::from(usage)).collect();
    let key = call(
        "importKey",
        &[
            purpose.format().into(),
            der.clone().into(),
            params,
            JsValue::FALSE,
            usages.into(),
        ],
    )
    .await;
    der.fill(0, 0, der.length());
    let key = key?;
    engine.borrow_mut().remember(material, purpose, key.clone());
    Some(key)
}

/// The `CryptoKey` for `material` and `purpose`: cached, or imported from what `key_der`
/// gives (in [`Purpose::format`]).
pub async fn key_for(
    engine: &std::cell::RefCell<Engine>,
    material: [u8; 32],
    purpose: Purpose,
    key_der: impl FnOnce() -> Option<Zeroizing<Vec<u8>>>,
) -> Option<JsValue> {
    purpose.import()?;
    if let Some(k) = engine.borrow().cached(&material, purpose) {
        return Some(k);
    }
    let der = key_der()?;
    import(engine, material, purpose, &der).await
}

/// A signature of `message` (WebCrypto hashes it) with `key`, in AWS's encoding (ECDSA's
/// `r || s` from WebCrypto becomes DER).
pub async fn sign(key: &JsValue, purpose: Purpose, message: &[u8]) -> Option<Vec<u8>> {
    let out = call(
        "sign",
        &[algorithm(purpose.operation()), key.clone(), bytes(message)],
    )
    .await?;
    let raw = take_buffer(&out)?.to_vec();
    match purpose {
        Purpose::Sign(spec @ (AsymSpec::P256 | AsymSpec::P384 | AsymSpec::P521), _) => {
            crate::crypto::asym::ecdsa_der_from_raw(spec, &raw)
        }
        _ => Some(raw),
    }
}

/// Whether `signature` (in AWS's encoding) is valid for `message` under the public `key`.
/// `None` when WebCrypto could not be asked (or an ECDSA signature is not DER): the core then
/// checks it itself.
pub async fn verify(
    key: &JsValue,
    purpose: Purpose,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let signature = match purpose {
        Purpose::Verify(spec @ (AsymSpec::P256 | AsymSpec::P384 | AsymSpec::P521), _) => {
            crate::crypto::asym::ecdsa_raw_from_der(spec, signature)?
        }
        _ => signature.to_vec(),
    };
    let args = [
        algorithm(purpose.operation()),
        key.clone(),
        bytes(&signature),
        bytes(message),
    ];
    call("verify", &args).await?.as_bool()
}

/// RSAES-OAEP decryption with `key`: `Some(None)` when the ciphertext does not decrypt,
/// `None` when WebCrypto could not be asked at all.
pub async fn decrypt(key: &JsValue, ciphertext: &[u8]) -> Option<Option<Zeroizing<Vec<u8>>>> {
    let params = algorithm(Purpose::Decrypt(OaepHash::Sha256).operation());
    match call_subtle("decrypt", &[params, key.clone(), bytes(ciphertext)]).await {
        Ok(v) => Some(Some(take_buffer(&v)?)),
        // WebCrypto's OperationError: the ciphertext does not decrypt under this key and hash.
        // Any other failure is WebCrypto's, not the caller's (or there is no WebCrypto): the
        // core then decrypts itself.
        Err(e) => {
            let name = Reflect::get(&e, &"name".into()).ok()?.as_string();
            (name.as_deref() == Some("OperationError")).then_some(None)
        }
    }
}
