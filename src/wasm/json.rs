//! AWS's JSON 1.1 protocol from JavaScript: `sendJson` answers one request as an HTTP endpoint
//! received it (`pkg/server.mjs`), through the same call queue and store as `send`. What the
//! answer is, the core decides ([`crate::wire`]); this converts.

use js_sys::{Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;

use super::js::object;
use super::{settle, JsKms};
use crate::service::options::JsonCaller;
use crate::service::Caller;
use crate::wire::{self, Reply};
use crate::KmsError;

/// How a view's calls take their input and give their output.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Wire {
    /// JavaScript values in the shapes of the AWS SDK for JavaScript v3.
    Js,
    /// AWS JSON 1.1 request bodies in (as a `Uint8Array`), [`JsonResponse`] objects out.
    Json,
    /// IAM or STS requests in AWS's JSON input shapes; with `query`, `{ status, result |
    /// error }` out for the endpoint, else the output itself (or a rejection).
    Iam {
        /// IAM or STS.
        service: crate::iam::ops::Service,
        /// The endpoint's shape.
        query: bool,
    },
    /// KMS requests as `Js` takes them, explained instead of made (`kms.explain`).
    Explain,
}

#[wasm_bindgen(js_class = Kms)]
impl JsKms {
    /// Answers one request of AWS's JSON 1.1 protocol for KMS: `target` is the `X-Amz-Target`
    /// header (`TrentService.Encrypt`, or `undefined` when there was none), `body` the request
    /// body (bytes or text), `caller` the Region and account it is made in. Resolves to the
    /// HTTP status, the JSON body and, for an error, the `X-Amzn-ErrorType`; rejects only when
    /// the KMS cannot run calls at all (it was closed).
    #[wasm_bindgen(js_name = sendJson, unchecked_return_type = "Promise<JsonResponse>")]
    pub fn send_json(
        &self,
        target: Option<String>,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] body: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "JsonCaller")] caller: JsValue,
    ) -> Promise {
        let request = wire::operation_of(target.as_deref())
            .map(str::to_owned)
            .and_then(|op| Ok((op, self.json_caller(caller)?, body_bytes(&body)?)));
        match request {
            Ok((operation, caller, body)) => {
                let mut view = self.view(caller);
                view.wire = Wire::Json;
                view.run_copied(&operation, Ok(body.into()))
            }
            Err(e) => settle(reply_to_js(&Reply::error(&e))),
        }
    }
}

impl JsKms {
    /// This view's caller in the Region and account `options` name.
    fn json_caller(&self, options: JsValue) -> Result<Caller, KmsError> {
        let options: JsonCaller = if options.is_undefined() || options.is_null() {
            JsonCaller::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(|_| JsonCaller::invalid())?
        };
        options.caller(&self.caller)
    }
}

/// A fresh copy of a request body given as bytes or text.
fn body_bytes(body: &JsValue) -> Result<Uint8Array, KmsError> {
    if let Some(text) = body.as_string() {
        return Ok(Uint8Array::from(text.as_bytes()));
    }
    match body.dyn_ref::<Uint8Array>() {
        Some(bytes) => Ok(Uint8Array::new(bytes)),
        None if body.is_undefined() || body.is_null() => Ok(Uint8Array::new_with_length(0)),
        None => Err(KmsError::Serialization(
            "sendJson takes the request body as a Uint8Array or a string".to_owned(),
        )),
    }
}

/// `{ status, body, errorType }`.
fn reply_to_js(reply: &Reply) -> Result<JsValue, JsValue> {
    Ok(object(&[
        ("status", reply.status.into()),
        ("body", reply.body.as_str().into()),
        (
            "errorType",
            reply.error_type.map_or(JsValue::UNDEFINED, JsValue::from),
        ),
    ]))
}

/// Runs a call of a [`Wire::Json`] view: its input is the body [`JsKms::send_json`] copied.
pub(super) fn dispatch(
    kms: &JsKms,
    operation: &str,
    input: Result<JsValue, KmsError>,
    offer: impl FnOnce(&mut super::Core),
) -> Result<JsValue, JsValue> {
    // The body can hold plaintext (Encrypt): zeroized once read.
    let body = input.and_then(|v| {
        v.dyn_into::<Uint8Array>()
            .map_err(|_| KmsError::Internal("A JSON request's body was not bytes.".to_owned()))
    })?;
    let body = zeroize::Zeroizing::new(body.to_vec());
    let reply = kms.with_core(|core| {
        offer(core);
        // Read through serde-wasm-bindgen, as `send`'s calls are: one parser per request type
        // in the module, not two.
        let reply = core.call_wire_via(&kms.caller, operation, &body, |value| {
            Ok(serde_wasm_bindgen::Deserializer::from(to_js(value)))
        });
        // An offered result serves this call only, however the call ended.
        core.offload().clear_result();
        Ok(reply)
    })?;
    reply_to_js(&reply)
}

/// A parsed JSON value as the JavaScript value `JSON.parse` would give (every number a
/// `number`), taking it apart: each string is wiped once copied, since a request's strings can
/// hold a plaintext (Encrypt's, in base64). serde_json nests at most 128 deep, so the recursion
/// is bounded.
fn to_js(value: serde_json::Value) -> JsValue {
    to_js_with(value, &[])
}

/// [`to_js`], with the members named in `dates` (epoch seconds) made `Date`s.
pub(super) fn to_js_with(value: serde_json::Value, dates: &[&str]) -> JsValue {
    use serde_json::Value;
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(b),
        Value::Number(n) => n.as_f64().map_or(JsValue::NULL, JsValue::from_f64),
        Value::String(s) => JsValue::from_str(&zeroize::Zeroizing::new(s)),
        Value::Array(items) => items
            .into_iter()
            .map(|v| to_js_with(v, dates))
            .collect::<js_sys::Array>()
            .into(),
        Value::Object(members) => {
            // Own data properties, as JSON.parse makes them: a member named `__proto__` (an
            // encryption context may have one) is a member, not the object's prototype.
            let entries: js_sys::Array = members
                .into_iter()
                .map(|(k, v)| {
                    let k = zeroize::Zeroizing::new(k);
                    let v = match v.as_f64() {
                        Some(secs) if dates.contains(&k.as_str()) => {
                            js_sys::Date::new(&JsValue::from_f64(secs * 1000.0)).into()
                        }
                        _ => to_js_with(v, dates),
                    };
                    js_sys::Array::of2(&JsValue::from_str(&k), &v)
                })
                .collect();
            Object::from_entries(&entries).map_or(JsValue::NULL, JsValue::from)
        }
    }
}

/// What WebCrypto could do before the JSON request `body` (bytes) for `operation` runs
/// ([`wire::plan`]).
pub(super) fn plan(operation: &str, body: &JsValue) -> Option<crate::crypto::plan::Plan> {
    let bytes = body.dyn_ref::<Uint8Array>()?;
    wire::plan(operation, || Some(zeroize::Zeroizing::new(bytes.to_vec())))
}
