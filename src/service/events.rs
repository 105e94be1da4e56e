//! The service's side of the audit trail: queries, export, digests and verification of the
//! stored trail, and the events each call and each service action leave.

use serde_json::Value;

use crate::audit::{
    self, digest_name, trail, AuditEvent, CallFacts, EventIds, EventSelector, DIGEST_META_PREFIX,
};
use crate::codec::{self, Format};
use crate::domain::schedule::ServiceEvent;
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::store::{Batch, Store, StoredEvent, Write};

use crate::domain::ids::KeyId;
use crate::ops::Call;

use super::{Kms, Operation, Response};

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// The audit events the store holds that `query` selects, oldest first, as CloudTrail
    /// records. A query that does not check out is a ValidationException.
    pub fn audit_query(&mut self, query: &trail::Query) -> Result<Vec<Value>> {
        query.check().map_err(KmsError::Validation)?;
        let mut selector = EventSelector::new(query);
        self.store.scan_events(&mut |e| selector.offer(&e))?;
        selector.finish()
    }

    /// The selected events in CloudTrail's log file shape, `{"Records": [...]}`.
    pub fn audit_export(&mut self, query: &trail::Query) -> Result<Value> {
        let events = self.audit_query(query)?;
        Ok(trail::export(events.iter()))
    }

    /// Writes a digest record now for the events since the last one (CloudTrail writes one
    /// every hour; here one is written every [`trail::DIGEST_EVERY`] events and on demand).
    pub fn audit_digest(&mut self) -> Result<Option<Value>> {
        let saved = self.chain.clone();
        let at = self.clock.now().to_iso8601();
        let Some(d) = self.chain.digest(&at, self.audit_key.as_slice()) else {
            return Ok(None);
        };
        let end = self.chain.next_seq().saturating_sub(1);
        if let Err(e) = self
            .store
            .commit(Batch::one(Write::PutMeta(digest_name(end), d.clone())))
        {
            self.chain = saved;
            return Err(e);
        }
        Ok(Some(d))
    }

    /// Checks the stored trail against its hash chain, its digest records and the chain's
    /// head: the report names each event edited, removed, inserted or reordered, and each
    /// digest forged or edited.
    pub fn audit_verify(&mut self) -> Result<trail::Report> {
        let mut events = Vec::new();
        self.store.scan_events(&mut |e| {
            events.push(e);
            true
        })?;
        Ok(self.verify_events(&events))
    }

    /// [`Kms::audit_verify`] for events a binding read from its own database (oldest first).
    pub fn verify_events(&self, stored: &[StoredEvent]) -> trail::Report {
        let events: Vec<(trail::Link, Value)> = stored
            .iter()
            .map(|e| {
                let link = trail::Link {
                    seq: e.seq,
                    prev: e.prev,
                    hash: e.hash,
                };
                // An event that is not even JSON was edited: it is checked as a string, which
                // no stored hash matches.
                let value = serde_json::from_slice::<Value>(&e.json).unwrap_or_else(|_| {
                    Value::String(String::from_utf8_lossy(&e.json).into_owned())
                });
                (link, value)
            })
            .collect();
        let digests: Vec<Value> = self
            .store
            .meta_prefixed(DIGEST_META_PREFIX)
            .map(|(_, d)| d.clone())
            .collect();
        trail::verify(
            &events,
            &digests,
            self.audit_key.as_slice(),
            Some(self.chain.head()),
        )
    }

    /// A fresh UUID.
    fn uuid(&self) -> Result<String> {
        let mut raw = [0u8; 16];
        self.entropy.borrow_mut().fill(&mut raw)?;
        Ok(KeyId::new_regional(raw).as_str().to_owned())
    }

    /// Fresh identifiers for one event.
    pub(super) fn event_ids(&self) -> EventIds {
        EventIds {
            request_id: self.uuid().unwrap_or_default(),
            event_id: self.uuid().unwrap_or_default(),
        }
    }

    /// What KMS did by itself, as CloudTrail records it.
    pub(super) fn service_event(&self, e: ServiceEvent) -> AuditEvent {
        audit::service_event(e, &self.caller.scope.account, self.event_ids())
    }

    /// The event of one call, allowed or refused.
    pub(crate) fn call_event(
        &self,
        op: Operation,
        call: &Call,
        parameters: Value,
        result: std::result::Result<&Response, &KmsError>,
    ) -> AuditEvent {
        let response_elements = match result {
            Ok(r) if !op.read_only() => codec::with_format(Format::Audit, || {
                serde_json::to_value(r).map(audit::sanitize)
            })
            .unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let facts = CallFacts {
            name: op.name(),
            read_only: op.read_only(),
            at: call.now,
            caller: &call.caller,
            parameters,
            response_elements,
            error: result.err().map(|e| (e.name(), e.message())),
            source: "kms.amazonaws.com",
            principal_id: call.acting.user_id.as_deref(),
            decisions: &call.decisions,
            resources: &call.resources,
        };
        audit::call_event(facts, &self.caller.scope.account, self.event_ids())
    }
}
