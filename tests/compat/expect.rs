//! What the frozen stores of `tests/vectors/stores/` must still show, read from their
//! `*.expected.json`, and how a response is compared with it. Shared by the native test
//! (`tests/compat.rs`) and the wasm tests (`tests/wasm/compat.rs`).
#![allow(clippy::indexing_slicing)]

use serde_json::Value;

/// One recorded call: made again on the reopened store, it must answer exactly this.
#[derive(Debug)]
pub struct Check {
    /// The Region it is made in (`None`: the store's own, us-east-1).
    pub region: Option<String>,
    /// The operation.
    pub call: String,
    /// The AWS JSON 1.1 request body.
    pub input: Value,
    /// The HTTP status it got.
    pub status: u64,
    /// The AWS JSON 1.1 response body it got.
    pub response: Value,
}

impl Check {
    /// What the check is, for a failure message.
    pub fn name(&self) -> String {
        format!(
            "{} in {} with {}",
            self.call,
            self.region.as_deref().unwrap_or("us-east-1"),
            self.input
        )
    }
}

/// The checks an expectation file records.
pub fn checks(expected: &Value) -> Vec<Check> {
    expected["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Check {
            region: c["region"].as_str().map(str::to_owned),
            call: c["call"].as_str().unwrap().to_owned(),
            input: c["input"].clone(),
            status: c["status"].as_u64().unwrap(),
            response: c["response"].clone(),
        })
        .collect()
}

/// The clock the store showed when it was frozen, in epoch milliseconds.
pub fn now(expected: &Value) -> i64 {
    expected["now"].as_i64().unwrap()
}

/// How many audit events the frozen store holds.
pub fn event_count(expected: &Value) -> usize {
    expected["audit"]["events"].as_u64().unwrap() as usize
}

/// Where `got` differs from `expected`, or `None`. Numbers are compared by value (`1.0` is
/// `1`), and object members in any order; nothing else is lenient.
pub fn difference(expected: &Value, got: &Value) -> Option<String> {
    differs_at("$", expected, got)
}

fn differs_at(path: &str, expected: &Value, got: &Value) -> Option<String> {
    match (expected, got) {
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => None,
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (a, b))| differs_at(&format!("{path}[{i}]"), a, b)),
        (Value::Object(a), Value::Object(b)) => {
            if let Some(k) = a.keys().find(|k| !b.contains_key(*k)) {
                return Some(format!("{path}.{k} is missing"));
            }
            if let Some(k) = b.keys().find(|k| !a.contains_key(*k)) {
                return Some(format!("{path}.{k} is there, and was not"));
            }
            a.iter()
                .find_map(|(k, v)| differs_at(&format!("{path}.{k}"), v, &b[k]))
        }
        _ if expected == got => None,
        _ => Some(format!("{path} is {got}, expected {expected}")),
    }
}

/// `v` without the members a new store sets from its own clock and RNG: dates (members whose
/// name ends in `Date`) and the IDs of random key material. For a seed file loaded into a store
/// on a running clock and the platform's RNG.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn unpinned(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.ends_with("Date") && k.as_str() != "CurrentKeyMaterialId")
                .map(|(k, v)| (k.clone(), unpinned(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(unpinned).collect()),
        other => other.clone(),
    }
}
