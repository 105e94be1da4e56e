//! The trail as the store keeps it: where its chain head, digest key and digest records are
//! kept, how a service resumes the chain when a store opens, and the selection of stored events
//! for a query.

use serde_json::Value;

use super::trail;
use crate::codec::hex;
use crate::env::Entropy;
use crate::error::{KmsError, Result};
use crate::store::{Batch, Store, StoredEvent, Write};

/// The setting that holds the audit chain's head (`nextSeq`, `head`).
pub const CHAIN_META: &str = "audit.chain";
/// The setting that holds the key digest records are signed with (secret, sealed at rest).
pub const AUDIT_KEY_META: &str = "audit.key";
/// The prefix of the settings that hold digest records.
pub const DIGEST_META_PREFIX: &str = "audit.digest/";

/// The setting a digest record ending at event `seq` is kept under (ordered by `seq`).
pub fn digest_name(seq: u64) -> String {
    format!("{DIGEST_META_PREFIX}{seq:020}")
}

/// Picks the events a query selects from a stream of stored events.
pub struct EventSelector<'q> {
    query: &'q trail::Query,
    out: Vec<Value>,
    bad: Option<u64>,
}

impl<'q> EventSelector<'q> {
    /// A selector for `query` (checked by the caller).
    pub fn new(query: &'q trail::Query) -> Self {
        EventSelector {
            query,
            out: Vec::new(),
            bad: None,
        }
    }

    /// Looks at one event; `false` once no more are wanted.
    pub fn offer(&mut self, e: &StoredEvent) -> bool {
        match serde_json::from_slice::<Value>(&e.json) {
            Ok(v) if self.query.matches(&v) => self.out.push(v),
            Ok(_) => {}
            Err(_) => {
                self.bad = Some(e.seq);
                return false;
            }
        }
        self.out.len() < self.query.limit.unwrap_or(usize::MAX)
    }

    /// The events of `events` (oldest first) that `query` selects.
    pub fn select(query: &'q trail::Query, events: &[StoredEvent]) -> Result<Vec<Value>> {
        let mut s = EventSelector::new(query);
        for e in events {
            if !s.offer(e) {
                break;
            }
        }
        s.finish()
    }

    /// The selected events, or the error for an event that is not JSON.
    pub fn finish(self) -> Result<Vec<Value>> {
        match self.bad {
            Some(seq) => Err(KmsError::Storage(format!(
                "stored audit event {seq} is not readable JSON"
            ))),
            None => Ok(self.out),
        }
    }
}

/// The audit chain as the store left it, and the digest key (made and stored for a new store).
pub fn resume_trail<S: Store, E: Entropy>(
    store: &mut S,
    entropy: &mut E,
) -> Result<(trail::Chain, zeroize::Zeroizing<Vec<u8>>)> {
    let damaged = |what: &str| KmsError::Storage(format!("the audit trail's {what} is damaged"));
    let key = match store.meta(AUDIT_KEY_META).and_then(Value::as_str) {
        Some(hex) => {
            zeroize::Zeroizing::new(hex::decode(hex).ok_or_else(|| damaged("digest key"))?)
        }
        None => {
            let mut key = zeroize::Zeroizing::new(vec![0u8; 32]);
            entropy.fill(&mut key)?;
            store.commit(Batch::one(Write::PutMeta(
                AUDIT_KEY_META.to_owned(),
                Value::String(hex::encode(&key)),
            )))?;
            key
        }
    };
    let chain = match store.meta(CHAIN_META) {
        None => trail::Chain::new(),
        Some(head) => {
            let next_seq = head.get("nextSeq").and_then(Value::as_u64);
            let hash = head
                .get("head")
                .and_then(Value::as_str)
                .and_then(hex::decode32);
            let (Some(next_seq), Some(hash)) = (next_seq, hash) else {
                return Err(damaged("head"));
            };
            let last_digest = store
                .meta_prefixed(DIGEST_META_PREFIX)
                .last()
                .map(|(_, d)| d);
            trail::Chain::resume(next_seq, hash, last_digest).map_err(|_| damaged("head"))?
        }
    };
    Ok((chain, key))
}
