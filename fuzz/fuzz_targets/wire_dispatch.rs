//! Untrusted requests of AWS's JSON 1.1 protocol: any `X-Amz-Target` header and body gets a
//! well-formed reply (a JSON object; 200, or 400 with `__type` and the same
//! `X-Amzn-ErrorType`), never a panic and never a server fault.
//!
//! Input: the header, a newline, the body (no newline: no header, all body). Each input starts
//! from a fresh service holding one key of each kind (`wire_kms`), so it runs the same alone
//! as in a campaign, and the seeds can name those keys.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use wasm_kms::wire::{self, Reply};
use wasm_kms_fuzz::wire_kms;

fuzz_target!(|data: &[u8]| {
    let (target, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (
            Some(String::from_utf8_lossy(&data[..at]).into_owned()),
            &data[at + 1..],
        ),
        None => (None, data),
    };
    let (mut kms, _) = wire_kms();
    let reply = match wire::operation_of(target.as_deref()) {
        Ok(operation) => {
            let caller = kms.caller().clone();
            kms.call_wire(&caller, operation, body)
        }
        Err(e) => Reply::error(&e),
    };
    let json: Value = serde_json::from_str(&reply.body).expect("the reply body is JSON");
    assert!(json.is_object(), "the reply body is an object");
    match reply.status {
        200 => assert_eq!(reply.error_type, None),
        400 => {
            let name = reply.error_type.expect("an error type");
            assert_eq!(json["__type"], name);
        }
        other => panic!("status {other}: {:?} {}", reply.error_type, json["message"]),
    }
});
