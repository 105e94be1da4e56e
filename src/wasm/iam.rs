//! IAM and STS from JavaScript: `kms.iam(...)`/`kms.sts(...)` (AWS's operation names and JSON
//! shapes, as the AWS SDK for JavaScript v3 takes and gives them), `sendQuery` for the
//! endpoint's query protocol, and `kms.as(...)`: a view that calls as another principal, from
//! another place. Calls go through the same queue as KMS's, so they keep their order.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::js::object;
use super::json::{to_js_with, Wire};
use super::{settle, JsKms};
use crate::iam::ops::{IamError, Service};
use crate::service::options::{AsOptions, JsonCaller};
use crate::KmsError;

/// The output members that hold timestamps (epoch seconds in the core; `Date`s in JavaScript).
const DATE_MEMBERS: &[&str] = &["CreateDate", "UpdateDate", "Expiration", "LastUsedDate"];

/// The error codes AWS's models define a shape for: the SDK names their errors `<code>Exception`.
const MODELLED: &[&str] = &[
    "NoSuchEntity",
    "EntityAlreadyExists",
    "DeleteConflict",
    "MalformedPolicyDocument",
    "LimitExceeded",
    "InvalidInput",
    "UnmodifiableEntity",
    "PolicyNotAttachable",
    "ConcurrentModification",
    "ServiceFailure",
    "PolicyEvaluation",
];

/// An IAM error as the SDK for JavaScript v3 throws it.
fn to_js_error(e: &IamError) -> JsValue {
    let name = if MODELLED.contains(&e.code) {
        format!("{}Exception", e.code)
    } else {
        e.code.to_owned()
    };
    let err = js_sys::Error::new(&e.message);
    err.set_name(&name);
    let fault = if e.status >= 500 { "server" } else { "client" };
    super::js::set(
        &err,
        &[
            ("$fault", fault.into()),
            ("$metadata", object(&[("httpStatusCode", e.status.into())])),
            ("Code", e.code.into()),
        ],
    );
    err.into()
}

/// `{ status, error: { code, message, type } }`, the endpoint's shape of an error.
fn query_error(e: &IamError) -> JsValue {
    object(&[
        ("status", e.status.into()),
        (
            "error",
            object(&[
                ("code", e.code.into()),
                ("message", e.message.as_str().into()),
                ("type", e.kind().into()),
            ]),
        ),
    ])
}

fn kms_to_iam(e: KmsError) -> IamError {
    IamError::from(e)
}

#[wasm_bindgen(js_class = Kms)]
impl JsKms {
    /// Runs an IAM operation by its AWS name, as this view's caller:
    /// `iam("CreateRole", { RoleName, AssumeRolePolicyDocument })`. Resolves to AWS's output
    /// shape (timestamps as `Date`s, policy documents as JSON text); rejects with the error the
    /// AWS SDK for JavaScript v3 throws (`NoSuchEntityException`, `AccessDenied`, …).
    #[wasm_bindgen(unchecked_return_type = "Promise<any>")]
    pub fn iam(&self, operation: &str, input: JsValue) -> Promise {
        self.iam_view(Service::Iam, false).run(operation, input)
    }

    /// Runs an STS operation by its AWS name (`GetCallerIdentity`, `AssumeRole`), as `iam` does.
    #[wasm_bindgen(unchecked_return_type = "Promise<any>")]
    pub fn sts(&self, operation: &str, input: JsValue) -> Promise {
        self.iam_view(Service::Sts, false).run(operation, input)
    }

    /// Answers one IAM or STS request of AWS's query protocol, decoded by the endpoint:
    /// `service` is `iam` or `sts`, `params` the request in AWS's JSON input shape, `caller`
    /// as `sendJson` takes it. Resolves to `{ status, result }` (`result` AWS's output shape,
    /// timestamps in epoch seconds, or `null`) or `{ status, error: { code, message, type } }`;
    /// rejects only when the KMS cannot run calls at all (it was closed).
    #[wasm_bindgen(js_name = sendQuery, unchecked_return_type = "Promise<QueryResponse>")]
    pub fn send_query(
        &self,
        service: &str,
        action: &str,
        params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "JsonCaller")] caller: JsValue,
    ) -> Promise {
        let Some(service) = Service::parse(service) else {
            let e = IamError {
                code: "InvalidAction",
                status: 400,
                message: format!("Could not find operation {action} for service {service}"),
            };
            return settle(Ok(query_error(&e)));
        };
        let caller = if caller.is_undefined() || caller.is_null() {
            Ok(JsonCaller::default())
        } else {
            serde_wasm_bindgen::from_value::<JsonCaller>(caller).map_err(|_| JsonCaller::invalid())
        }
        .and_then(|c| c.caller(&self.caller));
        match caller {
            Ok(caller) => {
                let mut view = self.view(caller);
                view.wire = Wire::Iam {
                    service,
                    query: true,
                };
                view.run(action, params)
            }
            Err(e) => settle(Ok(query_error(&kms_to_iam(e)))),
        }
    }

    /// Explains a KMS call as this view would make it, without making it: `explain("Encrypt",
    /// { KeyId, Plaintext, EncryptionContext })` resolves to whether it would be allowed, every
    /// question the operation asks with each policy, statement, condition (and the request's
    /// value of its key) and grant considered, and the error the call would end with. Nothing
    /// is changed or audited. With `as(...)`, for any principal and network context.
    #[wasm_bindgen(unchecked_return_type = "Promise<ExplainReport>")]
    pub fn explain(&self, operation: &str, input: JsValue) -> Promise {
        let mut view = self.view(self.caller.clone());
        view.wire = Wire::Explain;
        view.run(operation, input)
    }

    /// A view of the same KMS that calls as someone else, from somewhere else:
    /// `kms.as({ principal: 'arn:aws:iam::111122223333:role/app', sourceVpce: 'vpce-0a1b2c3d',
    /// sourceIp: '10.0.0.7' })`. `principal` is a user, a role (its calls are a session of it),
    /// a session or an account's root, which the store must hold when a call is made; or
    /// `accessKeyId` (with `sessionToken` for a session) names the caller instead. It composes
    /// with `forRegion` and `asService`.
    #[wasm_bindgen(js_name = "as")]
    pub fn as_principal(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AsOptions")] options: JsValue,
    ) -> Result<JsKms, JsValue> {
        let options: AsOptions = serde_wasm_bindgen::from_value(options).map_err(|e| {
            KmsError::Validation(format!(
                "as takes `{{ principal, accessKeyId, sessionToken, sourceIp, sourceVpce, sourceVpc, secureTransport }}`: {e}"
            ))
        })?;
        let caller = options.caller(&self.caller)?;
        Ok(self.view(caller))
    }
}

impl JsKms {
    fn iam_view(&self, service: Service, query: bool) -> JsKms {
        let mut view = self.view(self.caller.clone());
        view.wire = Wire::Iam { service, query };
        view
    }
}

/// Runs a call of an IAM view.
pub(super) fn dispatch(
    kms: &JsKms,
    service: Service,
    query: bool,
    operation: &str,
    input: Result<JsValue, KmsError>,
) -> Result<JsValue, JsValue> {
    let value = input.and_then(|v| {
        serde_wasm_bindgen::from_value::<serde_json::Value>(v)
            .map_err(|e| KmsError::Validation(format!("The request could not be read: {e}")))
    });
    let out = match value {
        Ok(value) => {
            kms.with_core(|core| Ok(core.call_iam(&kms.caller, service, operation, &value)))?
        }
        Err(e) => Err(kms_to_iam(e)),
    };
    match (query, out) {
        (true, Ok(result)) => Ok(object(&[
            ("status", 200.into()),
            (
                "result",
                result.map_or(JsValue::NULL, |r| to_js_with(r, &[])),
            ),
        ])),
        (true, Err(e)) => Ok(query_error(&e)),
        (false, Ok(result)) => {
            Ok(result.map_or(JsValue::UNDEFINED, |r| to_js_with(r, DATE_MEMBERS)))
        }
        (false, Err(e)) => Err(to_js_error(&e)),
    }
}

/// Runs an explaining view's call.
pub(super) fn explain(
    kms: &JsKms,
    operation: &str,
    input: Result<JsValue, KmsError>,
) -> Result<JsValue, JsValue> {
    let input = input?;
    let report = kms.with_core(|core| {
        let de = serde_wasm_bindgen::Deserializer::from(input);
        core.explain_call(&kms.caller, operation, crate::codec::Format::Js, de)
    })?;
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&report, &ser)
        .map_err(|e| KmsError::Internal(format!("A report could not be encoded: {e}")).into())
}
