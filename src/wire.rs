//! AWS's JSON 1.1 protocol for KMS, as an HTTP endpoint speaks it.
//!
//! The operation comes from the `X-Amz-Target` header (`TrentService.Encrypt`), the input is
//! the request body (one JSON object, base64 blobs, epoch-second timestamps), and the answer is
//! an HTTP status, a body and, for an error, the `X-Amzn-ErrorType` header: 200 and the
//! response, or the error's status (400 for every client fault, 500 for a server fault) and
//! `{"__type": "<Name>", "message": "..."}`. This module decides all of that; the HTTP server
//! (`pkg/server.mjs`, through the binding's `sendJson`) only moves the bytes.

use serde::Deserializer;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::codec::Format;
use crate::env::{Clock, Entropy};
use crate::service::{not_an_object, Caller};
use crate::store::Store;
use crate::{Kms, KmsError};

/// The `Content-Type` of every request and response.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// What every `X-Amz-Target` of KMS starts with.
pub const TARGET_PREFIX: &str = "TrentService.";

/// One answer on the wire.
#[derive(PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status: 200, 400 for a client fault, 500 for a server fault.
    pub status: u16,
    /// The JSON body. It can hold plaintext (Decrypt, GenerateDataKey), so it is zeroized on
    /// drop.
    pub body: Zeroizing<String>,
    /// The `X-Amzn-ErrorType` header: the error's `__type`, `None` on success.
    pub error_type: Option<&'static str>,
}

/// The body is left out: it can hold plaintext and data keys.
impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body", &format_args!("({} bytes)", self.body.len()))
            .field("error_type", &self.error_type)
            .finish()
    }
}

impl Reply {
    /// The answer for `e`: its status, `{"__type", "message"}` (the message member omitted
    /// where AWS sends none) and its type.
    pub fn error(e: &KmsError) -> Reply {
        let mut body = Map::new();
        body.insert("__type".to_owned(), Value::from(e.name()));
        if let Some(message) = e.message() {
            body.insert(e.message_member().to_owned(), Value::from(message));
        }
        Reply {
            status: e.http_status(),
            body: Zeroizing::new(Value::Object(body).to_string()),
            error_type: Some(e.name()),
        }
    }
}

/// The operation name an `X-Amz-Target` header carries. Whether KMS has that operation is
/// decided when it is called; a missing header or another service's target is an
/// UnknownOperationException here.
pub fn operation_of(target: Option<&str>) -> Result<&str, KmsError> {
    match target {
        None => Err(KmsError::UnknownOperation(format!(
            "The request has no X-Amz-Target header: it names the operation, as in {TARGET_PREFIX}Encrypt."
        ))),
        Some(t) => t.strip_prefix(TARGET_PREFIX).ok_or_else(|| {
            KmsError::UnknownOperation(format!("Operation {t} is not a KMS operation."))
        }),
    }
}

/// What WebCrypto could do before the request `body` for `operation` runs. A body is parsed
/// here only for the operations the table marks `plan` (never Encrypt's plaintext), and not at
/// all if it is not a JSON object (the call itself then reports that). `body` gives the bytes
/// (a copy, only made for a planned operation).
pub fn plan(
    operation: &str,
    body: impl FnOnce() -> Option<Zeroizing<Vec<u8>>>,
) -> Option<crate::crypto::plan::Plan> {
    let op = crate::Operation::find(operation).filter(|op| op.planned())?;
    let value: Value = serde_json::from_slice(&body()?).ok()?;
    crate::crypto::plan::plan(op, value.as_object()?)
}

/// A request body as a JSON value: an empty body is `{}`; anything but a JSON object is a
/// SerializationException.
fn parse_body(body: &[u8]) -> Result<Value, KmsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    // serde_json's syntax errors name a line and column, never the text there.
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        KmsError::Serialization(format!("The request body is not valid JSON: {e}."))
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(not_an_object())
    }
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Runs one request of the JSON 1.1 protocol as `caller`: `operation` is the name from the
    /// target (see [`operation_of`]), `body` the request body. Every outcome is a [`Reply`]; a
    /// body that cannot be read still leaves the call's audit event, as any refused input does.
    pub fn call_wire(&mut self, caller: &Caller, operation: &str, body: &[u8]) -> Reply {
        self.call_wire_via(caller, operation, body, Ok)
    }

    /// [`Kms::call_wire`], reading the parsed body through the deserializer `via` makes of it.
    /// A binding that already parses its own values passes its own deserializer here, so the
    /// requests' parsers are built for one deserializer only (each is another ~80 KB of
    /// WebAssembly); a body `via` cannot take is an internal error.
    pub fn call_wire_via<D, F>(
        &mut self,
        caller: &Caller,
        operation: &str,
        body: &[u8],
        via: F,
    ) -> Reply
    where
        F: FnOnce(Value) -> Result<D, KmsError>,
        D: for<'de> Deserializer<'de>,
    {
        match self.call_body(caller, operation, body, via) {
            Ok(body) => Reply {
                status: 200,
                body,
                error_type: None,
            },
            Err(e) => Reply::error(&e),
        }
    }

    fn call_body<D, F>(
        &mut self,
        caller: &Caller,
        operation: &str,
        body: &[u8],
        via: F,
    ) -> Result<Zeroizing<String>, KmsError>
    where
        F: FnOnce(Value) -> Result<D, KmsError>,
        D: for<'de> Deserializer<'de>,
    {
        let input = match parse_body(body).and_then(via) {
            Ok(input) => input,
            Err(e) => return Err(self.refuse_input(caller, operation, e)),
        };
        // Sized up front so that no reallocation leaves a copy of a plaintext or data key
        // behind: a response is at most about twice its request (Decrypt), or a data key pair
        // (RSA_4096's private key twice, plaintext and wrapped: under 16 KiB).
        let mut out = Zeroizing::new(Vec::with_capacity(
            body.len().saturating_mul(2).max(16 << 10),
        ));
        let mut ser = serde_json::Serializer::new(&mut *out);
        self.call_as(caller, operation, Format::Json, input, &mut ser)?;
        // Moves the bytes (no copy) into the string that is zeroized in turn.
        let text = String::from_utf8(std::mem::take(&mut *out))
            .map_err(|_| KmsError::Internal("The response is not UTF-8.".to_owned()))?;
        Ok(Zeroizing::new(text))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::Config;

    fn kms() -> Kms<crate::env::SystemClock, crate::env::OsEntropy> {
        Kms::new_native(Config::default()).unwrap()
    }

    fn json(reply: &Reply) -> Value {
        serde_json::from_str(&reply.body).unwrap()
    }

    #[test]
    fn a_reply_debug_shows_no_body() {
        let mut kms = kms();
        let caller = kms.caller().clone();
        let reply = kms.call_wire(&caller, "GenerateRandom", br#"{"NumberOfBytes": 32}"#);
        assert_eq!(reply.status, 200);
        let random = json(&reply)["Plaintext"].as_str().unwrap().to_owned();
        let shown = format!("{reply:?}");
        assert!(!shown.contains(&random), "{shown}");
        assert!(shown.contains("bytes"), "{shown}");
    }

    #[test]
    fn a_plan_is_read_only_from_planned_operations_with_an_object_body() {
        let body = |b: &'static [u8]| move || Some(Zeroizing::new(b.to_vec()));
        let sign =
            br#"{"KeyId":"alias/k","SigningAlgorithm":"RSASSA_PSS_SHA_256","Message":"aGk="}"#;
        match plan("Sign", body(sign)) {
            Some(crate::crypto::plan::Plan::Sign {
                key_ref, message, ..
            }) => {
                assert_eq!(
                    (key_ref.as_str(), message.as_slice()),
                    ("alias/k", &b"hi"[..])
                );
            }
            other => panic!("not a Sign plan: {other:?}"),
        }
        let unread = || -> Option<Zeroizing<Vec<u8>>> { panic!("an Encrypt body was copied") };
        assert!(plan("Encrypt", unread).is_none());
        assert!(plan("Sign", body(b"[1]")).is_none());
        assert!(plan("Sign", body(b"not json")).is_none());
        assert!(plan("NoSuchOperation", body(sign)).is_none());
    }

    #[test]
    fn targets() {
        assert_eq!(operation_of(Some("TrentService.Encrypt")), Ok("Encrypt"));
        let missing = operation_of(None).unwrap_err();
        assert_eq!(missing.name(), "UnknownOperationException");
        let other = operation_of(Some("DynamoDB_20120810.GetItem")).unwrap_err();
        assert_eq!(
            other.message(),
            Some("Operation DynamoDB_20120810.GetItem is not a KMS operation.")
        );
    }

    #[test]
    fn round_trip_in_the_wire_format() {
        let mut kms = kms();
        let caller = kms.caller().clone();
        let created = kms.call_wire(&caller, "CreateKey", b"");
        assert_eq!((created.status, created.error_type), (200, None));
        let meta = &json(&created)["KeyMetadata"];
        // Timestamps are epoch seconds.
        assert!(meta["CreationDate"].as_f64().unwrap() > 1.5e9);
        let body = format!(r#"{{"KeyId":{},"Plaintext":"aGVsbG8="}}"#, meta["KeyId"]);
        let enc = kms.call_wire(&caller, "Encrypt", body.as_bytes());
        assert_eq!(enc.status, 200);
        let blob = json(&enc)["CiphertextBlob"].as_str().unwrap().to_owned();
        let body = format!(r#"{{"CiphertextBlob":"{blob}"}}"#);
        let dec = kms.call_wire(&caller, "Decrypt", body.as_bytes());
        assert_eq!(json(&dec)["Plaintext"], "aGVsbG8=");
    }

    #[test]
    fn errors_carry_type_status_and_message() {
        let mut kms = kms();
        let caller = kms.caller().clone();
        let unknown = kms.call_wire(&caller, "Encrypts", b"{}");
        assert_eq!(unknown.status, 400);
        assert_eq!(unknown.error_type, Some("UnknownOperationException"));
        assert_eq!(json(&unknown)["__type"], "UnknownOperationException");

        let malformed = kms.call_wire(&caller, "ListKeys", b"{\"Limit\": ");
        assert_eq!(malformed.error_type, Some("SerializationException"));
        assert!(json(&malformed)["message"]
            .as_str()
            .unwrap()
            .starts_with("The request body is not valid JSON"));
        // A body that cannot be read still leaves its audit event.
        let last = kms.audit().events().last().unwrap();
        assert_eq!(last.event_name, "ListKeys");
        assert_eq!(last.error_code.as_deref(), Some("SerializationException"));
        let array = kms.call_wire(&caller, "ListKeys", b"[]");
        assert_eq!(array.error_type, Some("SerializationException"));
        let typed = kms.call_wire(&caller, "ListKeys", br#"{"Limit": "ten"}"#);
        assert_eq!(typed.error_type, Some("SerializationException"));

        let missing = kms.call_wire(&caller, "Encrypt", br#"{"Plaintext":"aGk="}"#);
        assert_eq!(missing.status, 400);
        assert_eq!(
            json(&missing),
            serde_json::json!({
                "__type": "ValidationException",
                "message": "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
            })
        );
        // No message member where AWS sends none.
        let bad = kms.call_wire(&caller, "Decrypt", br#"{"CiphertextBlob":"AAAA"}"#);
        assert_eq!(
            json(&bad),
            serde_json::json!({"__type": "InvalidCiphertextException"})
        );
    }

    #[test]
    fn regions_and_accounts_are_separate() {
        let mut kms = kms();
        let home = kms.caller().in_account("000000000000").unwrap();
        let other = home
            .in_account("123456789012")
            .unwrap()
            .in_region("eu-west-1")
            .unwrap();
        assert_eq!(other.principal.arn, "arn:aws:iam::123456789012:root");
        assert!(home.in_account("12345").is_err());
        let created = kms.call_wire(&other, "CreateKey", b"{}");
        let meta = &json(&created)["KeyMetadata"];
        assert_eq!(meta["AWSAccountId"], "123456789012");
        assert!(meta["Arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:kms:eu-west-1:123456789012:key/"));
        let body = format!(r#"{{"KeyId":{}}}"#, meta["KeyId"]);
        assert_eq!(
            kms.call_wire(&other, "DescribeKey", body.as_bytes()).status,
            200
        );
        let elsewhere = kms.call_wire(&home, "DescribeKey", body.as_bytes());
        assert_eq!(elsewhere.error_type, Some("NotFoundException"));
    }

    #[test]
    fn server_faults_are_500() {
        let reply = Reply::error(&KmsError::Internal("disk".to_owned()));
        assert_eq!(reply.status, 500);
        assert_eq!(reply.error_type, Some("KMSInternalException"));
    }
}
