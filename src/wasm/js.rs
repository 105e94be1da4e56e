//! JavaScript reached through `Reflect`, for the IndexedDB, WebCrypto and Node glue. No
//! `inline_js` (the Node build, CommonJS, cannot load such snippets) and no `new Function` in
//! browsers (a page's Content-Security-Policy forbids it).

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use zeroize::Zeroizing;

/// `globalThis[name]`, unless it is `undefined` or `null`.
pub(super) fn global_member(name: &str) -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Calls `target[method](...args)`.
pub(super) fn invoke(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &method.into())?.dyn_into()?;
    let args: Array = args.iter().collect();
    Reflect::apply(&f, target, &args)
}

/// A plain object with the given members (those `undefined` left out).
pub(super) fn object(members: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new().into();
    set(&o, members);
    o
}

/// Sets the given members of `target` (those `undefined` left out). Setting a data member of
/// an ordinary object cannot fail.
pub(super) fn set(target: &JsValue, members: &[(&str, JsValue)]) {
    for (k, v) in members.iter().filter(|(_, v)| !v.is_undefined()) {
        let _ = Reflect::set(target, &(*k).into(), v);
    }
}

/// The bytes of a `Uint8Array`, copied out.
pub(super) fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
}

/// `crypto.subtle`, if this platform has it.
pub(super) fn subtle() -> Option<JsValue> {
    let crypto = global_member("crypto")?;
    Reflect::get(&crypto, &"subtle".into())
        .ok()
        .filter(JsValue::is_object)
}

/// Calls `crypto.subtle[method](...args)` and awaits it.
pub(super) async fn call_subtle(method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let subtle = subtle().ok_or_else(|| {
        JsValue::from_str("no crypto.subtle (a page served over plain HTTP from another host)")
    })?;
    let promise: Promise = invoke(&subtle, method, args)?.dyn_into()?;
    JsFuture::from(promise).await
}

/// The bytes of an `ArrayBuffer` result, copied out; the buffer is then wiped. `None` for
/// anything else (a replaced `crypto.subtle` may return anything).
pub(super) fn take_buffer(v: &JsValue) -> Option<Zeroizing<Vec<u8>>> {
    let buffer: &js_sys::ArrayBuffer = v.dyn_ref()?;
    let view = Uint8Array::new(buffer);
    let out = Zeroizing::new(view.to_vec());
    view.fill(0, 0, view.length());
    Some(out)
}
