//! Selecting stored events, and exporting them in CloudTrail's log file shape.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codec::parse_iso8601;

/// A selection of audit events, as JavaScript sends it (camelCase members). Every given
/// criterion must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Query {
    /// A key ID or key ARN. A key ID matches events whose `resources[].ARN` ends in `/` and the
    /// ID, or whose `requestParameters.keyId` is the ID (or an ARN ending so); a key ARN
    /// matches events with that `resources[].ARN` or `requestParameters.keyId`.
    pub key: Option<String>,
    /// The operation, `eventName` (`Encrypt`, `CreateKey`, ...).
    pub event_name: Option<String>,
    /// The caller: `userIdentity.arn` or `userIdentity.principalId`.
    pub principal: Option<String>,
    /// Earliest `eventTime`, inclusive, ISO 8601 (`2026-11-27T10:34:09Z`).
    pub start: Option<String>,
    /// `eventTime` before which events match (exclusive), ISO 8601.
    pub end: Option<String>,
    /// At most this many events (from 1), for [`Query::run`].
    pub limit: Option<usize>,
}

impl Query {
    /// Refuses empty criteria, timestamps not in the form [`parse_iso8601`] reads, a start after
    /// the end, and a limit of 0.
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("key", &self.key),
            ("eventName", &self.event_name),
            ("principal", &self.principal),
        ] {
            if value.as_deref() == Some("") {
                return Err(format!("{name} must not be empty"));
            }
        }
        let bound = |name: &str, value: &Option<String>| match value {
            None => Ok(None),
            Some(s) => parse_iso8601(s).map(Some).ok_or_else(|| {
                format!("{name} {s:?} is not an ISO 8601 time like 2026-11-27T10:34:09Z")
            }),
        };
        let start = bound("start", &self.start)?;
        let end = bound("end", &self.end)?;
        if let (Some(s), Some(e)) = (start, end) {
            if s > e {
                return Err("start is after end".to_owned());
            }
        }
        if self.limit == Some(0) {
            return Err("limit must be at least 1".to_owned());
        }
        Ok(())
    }

    /// Whether `event` meets every criterion. An event without a readable `eventTime` never
    /// meets a time bound, and a bound that does not parse matches nothing (use
    /// [`Query::check`] first). `limit` plays no part.
    pub fn matches(&self, event: &Value) -> bool {
        fn text(v: Option<&Value>) -> Option<&str> {
            v.and_then(Value::as_str)
        }
        if let Some(name) = &self.event_name {
            if text(event.get("eventName")) != Some(name.as_str()) {
                return false;
            }
        }
        if let Some(p) = &self.principal {
            let who = event.get("userIdentity");
            let arn = text(who.and_then(|w| w.get("arn")));
            let id = text(who.and_then(|w| w.get("principalId")));
            if arn != Some(p.as_str()) && id != Some(p.as_str()) {
                return false;
            }
        }
        if let Some(k) = &self.key {
            if !key_matches(k, event) {
                return false;
            }
        }
        if self.start.is_some() || self.end.is_some() {
            let Some(at) = text(event.get("eventTime")).and_then(parse_iso8601) else {
                return false;
            };
            if let Some(s) = &self.start {
                if parse_iso8601(s).is_none_or(|s| at < s) {
                    return false;
                }
            }
            if let Some(e) = &self.end {
                if parse_iso8601(e).is_none_or(|e| at >= e) {
                    return false;
                }
            }
        }
        true
    }

    /// The matching events, in the order given, at most `limit` of them.
    pub fn run<'a>(&self, events: impl IntoIterator<Item = &'a Value>) -> Vec<&'a Value> {
        events
            .into_iter()
            .filter(|e| self.matches(e))
            .take(self.limit.unwrap_or(usize::MAX))
            .collect()
    }
}

fn key_matches(key: &str, event: &Value) -> bool {
    let request_key = event
        .get("requestParameters")
        .and_then(|r| r.get("keyId"))
        .and_then(Value::as_str);
    let arns = event
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("ARN").and_then(Value::as_str));
    if key.starts_with("arn:") {
        request_key == Some(key) || arns.into_iter().any(|a| a == key)
    } else {
        let suffix = format!("/{key}");
        request_key.is_some_and(|r| r == key || r.ends_with(&suffix))
            || arns.into_iter().any(|a| a.ends_with(&suffix))
    }
}

/// The events in CloudTrail's log file shape, `{"Records": [...]}`.
pub fn export<'a>(events: impl Iterator<Item = &'a Value>) -> Value {
    let mut file = Map::new();
    file.insert(
        "Records".to_owned(),
        Value::Array(events.cloned().collect()),
    );
    Value::Object(file)
}
