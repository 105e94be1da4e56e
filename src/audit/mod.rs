//! The one audit point: every call, allowed or refused, leaves one event shaped like a
//! CloudTrail record. Request parameters are recorded without blobs (no plaintext, ciphertext,
//! or key material ever reaches the trail).

mod build;
mod stored;
pub mod trail;

pub use build::{call_event, service_event, CallFacts, EventIds};
pub use stored::{
    digest_name, resume_trail, EventSelector, AUDIT_KEY_META, CHAIN_META, DIGEST_META_PREFIX,
};

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::Decision;

/// The caller, as CloudTrail's `userIdentity`. Fields are declared in the order of their JSON
/// names' bytes, so an event serializes straight to canonical JSON (see [`AuditEvent`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// Account.
    pub account_id: String,
    /// Principal ARN (callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The service that acted (service events only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
    /// Principal ID (callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// `Root`, `IAMUser`, `AssumedRole`, or `AWSService` for what KMS does by itself.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A resource the call touched (fields in the order of their JSON names' bytes).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resource {
    /// Key ARN.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Account of the resource.
    #[serde(rename = "accountId")]
    pub account_id: String,
    /// `AWS::KMS::Key`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// One audit event, in CloudTrail's record shape.
///
/// The fields are declared in the order of their JSON names' bytes, and every map inside is a
/// sorted `serde_json` map, so `serde_json::to_vec` of an event is its canonical JSON: the bytes
/// the audit hash chain ([`crate::audit::trail`]) hashes, written once per event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// The authorization decisions taken during the call, for "why was this allowed or denied".
    pub additional_event_data: Value,
    /// CloudTrail's field `awsRegion`.
    pub aws_region: String,
    /// CloudTrail's field `errorCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// CloudTrail's field `errorMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// CloudTrail's field `eventCategory`.
    pub event_category: String,
    /// CloudTrail's field `eventID`.
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// CloudTrail's field `eventName`.
    pub event_name: String,
    /// CloudTrail's field `eventSource`.
    pub event_source: String,
    /// CloudTrail's field `eventTime`.
    pub event_time: String,
    /// CloudTrail's field `eventType`.
    pub event_type: String,
    /// CloudTrail's field `eventVersion`.
    pub event_version: String,
    /// CloudTrail's field `managementEvent`.
    pub management_event: bool,
    /// CloudTrail's field `readOnly`.
    pub read_only: bool,
    /// CloudTrail's field `recipientAccountId`.
    pub recipient_account_id: String,
    /// CloudTrail's field `requestID`.
    #[serde(rename = "requestID")]
    pub request_id: String,
    /// CloudTrail's field `requestParameters`.
    pub request_parameters: Value,
    /// CloudTrail's field `resources`.
    pub resources: Vec<Resource>,
    /// CloudTrail's field `responseElements`.
    pub response_elements: Value,
    /// CloudTrail's field `sourceIPAddress`.
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    /// CloudTrail's field `userAgent`.
    pub user_agent: String,
    /// CloudTrail's field `userIdentity`.
    pub user_identity: UserIdentity,
}

/// Makes a request or response value fit for the trail: drops nulls (blobs serialize as null in
/// the audit format) and writes member names in camelCase as CloudTrail does, leaving the keys
/// of encryption contexts as the caller wrote them.
pub fn sanitize(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                if v.is_null() {
                    continue;
                }
                let user_map = k.ends_with("EncryptionContext");
                let v = if user_map { v } else { sanitize(v) };
                out.insert(camel(&k), v);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sanitize).collect()),
        other => other,
    }
}

fn camel(s: &str) -> String {
    if s == "AWSAccountId" {
        return "aWSAccountId".to_owned();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The authorization decisions as `additionalEventData`.
pub fn decisions(d: &[Decision]) -> Value {
    serde_json::json!({ "authorization": d })
}

/// The in-memory trail, bounded: past `limit` events the oldest are dropped (and counted).
#[derive(Debug)]
pub struct AuditLog {
    events: VecDeque<AuditEvent>,
    limit: usize,
    dropped: u64,
}

impl AuditLog {
    /// An empty trail keeping at most `limit` events.
    pub fn new(limit: usize) -> Self {
        AuditLog {
            events: VecDeque::new(),
            limit: limit.max(1),
            dropped: 0,
        }
    }

    /// Appends one event.
    pub fn record(&mut self, e: AuditEvent) {
        if self.events.len() >= self.limit {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(e);
    }

    /// Every event kept, oldest first.
    pub fn events(&self) -> impl ExactSizeIterator<Item = &AuditEvent> {
        self.events.iter()
    }

    /// How many events were dropped to stay within the limit.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_serializes_straight_to_canonical_json() {
        let event = AuditEvent {
            additional_event_data: serde_json::json!({"b": 1, "a": [{"z": 1, "y": 2}]}),
            aws_region: "us-east-1".into(),
            error_code: Some("NotFoundException".into()),
            error_message: Some("gone \"quoted\"\n".into()),
            event_category: "Management".into(),
            event_id: "e".into(),
            event_name: "Encrypt".into(),
            event_source: "kms.amazonaws.com".into(),
            event_time: "2026-11-27T10:00:00Z".into(),
            event_type: "AwsApiCall".into(),
            event_version: "1.08".into(),
            management_event: true,
            read_only: true,
            recipient_account_id: "111122223333".into(),
            request_id: "r".into(),
            request_parameters: serde_json::json!({"keyId": "k", "encryptionContext": {"Z": "1", "A": "2"}}),
            resources: vec![Resource {
                arn: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
                account_id: "111122223333".into(),
                kind: "AWS::KMS::Key".into(),
            }],
            response_elements: Value::Null,
            source_ip_address: "127.0.0.1".into(),
            user_agent: "wasm-kms".into(),
            user_identity: UserIdentity {
                account_id: "111122223333".into(),
                arn: Some("arn:aws:iam::111122223333:root".into()),
                invoked_by: Some("s3.amazonaws.com".into()),
                principal_id: Some("111122223333".into()),
                kind: "Root".into(),
            },
        };
        let direct = serde_json::to_vec(&event).unwrap();
        let canonical = crate::codec::canonical_json(&serde_json::to_value(&event).unwrap());
        assert_eq!(String::from_utf8(direct).unwrap(), canonical);
    }

    #[test]
    fn sanitize_drops_nulls_and_camel_cases_but_keeps_context_keys() {
        let v = serde_json::json!({
            "KeyId": "k",
            "Plaintext": null,
            "EncryptionContext": {"Dept": "x"},
            "Tags": [{"TagKey": "a", "TagValue": "b"}]
        });
        assert_eq!(
            sanitize(v),
            serde_json::json!({
                "keyId": "k",
                "encryptionContext": {"Dept": "x"},
                "tags": [{"tagKey": "a", "tagValue": "b"}]
            })
        );
    }
}
