//! Building events: the shape every CloudTrail record shares, the event of a caller's call, and
//! the event of what KMS did by itself. Pure: the service hands in the facts and fresh IDs.

use serde_json::Value;

use super::{decisions, AuditEvent, Resource, UserIdentity};
use crate::access::{Caller, Decision};
use crate::codec::Timestamp;
use crate::domain::schedule::ServiceEvent;

/// The fresh identifiers of one event (`requestID`, `eventID`).
pub struct EventIds {
    /// CloudTrail's `requestID`.
    pub request_id: String,
    /// CloudTrail's `eventID`.
    pub event_id: String,
}

/// What one call's event records.
pub struct CallFacts<'a> {
    /// The operation's name (`eventName`).
    pub name: &'a str,
    /// Whether the operation only reads (`readOnly`).
    pub read_only: bool,
    /// When the call was made.
    pub at: Timestamp,
    /// Who made it.
    pub caller: &'a Caller,
    /// The request, fit for the trail (see [`super::sanitize`]).
    pub parameters: Value,
    /// The response, fit for the trail, or null.
    pub response_elements: Value,
    /// The error the call ended with, if it failed: its code and message.
    pub error: Option<(&'a str, Option<&'a str>)>,
    /// The service called (`kms.amazonaws.com`, `iam.amazonaws.com`).
    pub source: &'a str,
    /// The caller's unique ID (`AIDA…`, `AROA…:session`, the account for root).
    pub principal_id: Option<&'a str>,
    /// The authorization decisions taken.
    pub decisions: &'a [Decision],
    /// The ARNs of the keys the call touched.
    pub resources: &'a [String],
}

/// An event of the kind every record shares, for `name` at `at` by `identity`, received by
/// `account`.
fn base(
    name: &str,
    at: Timestamp,
    region: &str,
    identity: UserIdentity,
    account: &str,
    ids: EventIds,
) -> AuditEvent {
    AuditEvent {
        event_version: "1.08".to_owned(),
        user_identity: identity,
        event_time: at.to_iso8601(),
        event_source: "kms.amazonaws.com".to_owned(),
        event_name: name.to_owned(),
        aws_region: region.to_owned(),
        source_ip_address: "127.0.0.1".to_owned(),
        user_agent: "wasm-kms".to_owned(),
        request_parameters: Value::Null,
        response_elements: Value::Null,
        error_code: None,
        error_message: None,
        additional_event_data: Value::Null,
        request_id: ids.request_id,
        event_id: ids.event_id,
        read_only: false,
        resources: Vec::new(),
        event_type: "AwsApiCall".to_owned(),
        management_event: true,
        recipient_account_id: account.to_owned(),
        event_category: "Management".to_owned(),
    }
}

fn resource(account: &str, arn: &str) -> Resource {
    Resource {
        account_id: account.to_owned(),
        kind: "AWS::KMS::Key".to_owned(),
        arn: arn.to_owned(),
    }
}

/// What KMS did by itself, as CloudTrail records it (`AwsServiceEvent`).
pub fn service_event(e: ServiceEvent, account: &str, ids: EventIds) -> AuditEvent {
    let identity = UserIdentity {
        kind: "AWSService".to_owned(),
        principal_id: None,
        arn: None,
        account_id: account.to_owned(),
        invoked_by: Some("kms.amazonaws.com".to_owned()),
    };
    let mut event = base(e.name, e.at, &e.region, identity, account, ids);
    event.source_ip_address = "kms.amazonaws.com".to_owned();
    event.user_agent = "kms.amazonaws.com".to_owned();
    event.additional_event_data = e.data;
    event.resources = vec![resource(account, &e.key_arn)];
    event.event_type = "AwsServiceEvent".to_owned();
    event
}

/// The event of one call, allowed or refused, received by `account`.
pub fn call_event(f: CallFacts<'_>, account: &str, ids: EventIds) -> AuditEvent {
    let principal = &f.caller.principal;
    let identity = UserIdentity {
        kind: principal.kind.as_str().to_owned(),
        principal_id: Some(
            f.principal_id
                .map_or_else(|| principal.account.clone(), str::to_owned),
        ),
        arn: Some(principal.arn.clone()),
        account_id: principal.account.clone(),
        invoked_by: f
            .caller
            .via_service
            .as_ref()
            .map(|s| format!("{s}.amazonaws.com")),
    };
    let mut event = base(f.name, f.at, &f.caller.scope.region, identity, account, ids);
    event.event_source = f.source.to_owned();
    if let Some(ip) = &f.caller.network.source_ip {
        event.source_ip_address = ip.clone();
    }
    event.request_parameters = f.parameters;
    event.response_elements = f.response_elements;
    event.error_code = f.error.map(|(code, _)| code.to_owned());
    event.error_message = f.error.and_then(|(_, m)| m.map(str::to_owned));
    event.additional_event_data = decisions(f.decisions);
    event.read_only = f.read_only;
    event.resources = f
        .resources
        .iter()
        .map(|arn| resource(account, arn))
        .collect();
    event
}
