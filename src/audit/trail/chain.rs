//! The hash chain of events and the signed digest records.

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::codec::{canonical_json, hex};

/// The `prev` of the first event: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// How many events a digest record covers at most: [`Chain::should_digest`] turns true after
/// this many events since the last digest.
pub const DIGEST_EVERY: u64 = 1000;

/// The signature algorithm named in digest records.
pub const DIGEST_SIGNATURE_ALGORITHM: &str = "HMAC-SHA256";

const EVENT_DOMAIN: &[u8] = b"wasm-kms audit event v1\0";
const DIGEST_DOMAIN: &[u8] = b"wasm-kms audit digest record v1\0";
const DIGEST_KEY_INFO: &[u8] = b"wasm-kms audit digest v1";
const SIGNATURE_FIELD: &str = "digestSignature";

/// The chain fields kept beside each stored event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Link {
    /// Position of the event in the trail, from 0, without gaps.
    pub seq: u64,
    /// Hash of the event before it ([`GENESIS`] for seq 0).
    pub prev: [u8; 32],
    /// This event's hash, [`event_hash`]`(seq, prev, event)`.
    pub hash: [u8; 32],
}

/// The hash of one event in the chain: SHA-256 over the domain prefix
/// `"wasm-kms audit event v1\0"`, `seq` (8 bytes big-endian), `prev`, and the length (8 bytes
/// big-endian) and bytes of the event's canonical JSON (object keys sorted, no whitespace).
pub fn event_hash(seq: u64, prev: &[u8; 32], event: &Value) -> [u8; 32] {
    event_hash_canonical(seq, prev, canonical_json(event).as_bytes())
}

/// [`event_hash`] of an event already written as canonical JSON (as `serde_json::to_vec`
/// writes a [`Value`], whose maps keep their keys sorted).
pub fn event_hash_canonical(seq: u64, prev: &[u8; 32], json: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(EVENT_DOMAIN);
    h.update(seq.to_be_bytes());
    h.update(prev);
    h.update((json.len() as u64).to_be_bytes());
    h.update(json);
    h.finalize().into()
}

/// SHA-256 of a digest record as stored (signature included), which the next digest names as
/// `previousDigestHash`.
pub fn digest_hash(record: &Value) -> [u8; 32] {
    let json = canonical_json(record);
    let mut h = Sha256::new();
    h.update(DIGEST_DOMAIN);
    h.update((json.len() as u64).to_be_bytes());
    h.update(json.as_bytes());
    h.finalize().into()
}

/// The HMAC over a digest record's canonical JSON without its signature member, under the key
/// HKDF-SHA256 derives from `key` with info `"wasm-kms audit digest v1"`. `None` only if the
/// key derivation fails, which it cannot for a 32-byte output.
fn digest_mac(record: &Value, key: &[u8]) -> Option<Hmac<Sha256>> {
    let mut derived = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, key)
        .expand(DIGEST_KEY_INFO, derived.as_mut())
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(derived.as_ref()).ok()?;
    let text = match record {
        Value::Object(m) => {
            let mut unsigned = m.clone();
            unsigned.remove(SIGNATURE_FIELD);
            canonical_json(&Value::Object(unsigned))
        }
        other => canonical_json(other),
    };
    mac.update(text.as_bytes());
    Some(mac)
}

/// The running head of the chain: what the next event links to, and where the last digest
/// record stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chain {
    next_seq: u64,
    head: [u8; 32],
    since_digest: u64,
    last_digest: [u8; 32],
    last_digest_time: Option<String>,
}

impl Chain {
    /// An empty chain: the first event gets seq 0 and links to [`GENESIS`].
    pub fn new() -> Self {
        Chain::default()
    }

    /// Continues a chain after reopening a store: `next_seq` events were appended so far, the
    /// last of them hashing to `head` ([`GENESIS`] if none), and `last_digest` is the newest
    /// digest record written (if any). Refuses inconsistent input: a digest that is malformed,
    /// covers events past `next_seq`, or (when it covers the last event) names another hash.
    pub fn resume(
        next_seq: u64,
        head: [u8; 32],
        last_digest: Option<&Value>,
    ) -> Result<Chain, String> {
        if next_seq == 0 && head != GENESIS {
            return Err("an empty chain's head must be the genesis hash".to_owned());
        }
        let Some(record) = last_digest else {
            return Ok(Chain {
                next_seq,
                head,
                since_digest: next_seq,
                last_digest: GENESIS,
                last_digest_time: None,
            });
        };
        let info = parse_digest(record)?;
        if info.end_seq >= next_seq {
            return Err(format!(
                "the last digest covers seq {} but the chain has only {next_seq} events",
                info.end_seq
            ));
        }
        let since_digest = next_seq - info.end_seq - 1;
        if since_digest == 0 && info.last_hash != head {
            return Err("the last digest names a last event hash other than the head".to_owned());
        }
        Ok(Chain {
            next_seq,
            head,
            since_digest,
            last_digest: digest_hash(record),
            last_digest_time: Some(info.end_time),
        })
    }

    /// Adds one event to the chain and returns the link to keep beside it.
    pub fn append(&mut self, event: &Value) -> Link {
        self.append_canonical(canonical_json(event).as_bytes())
    }

    /// [`Chain::append`] for an event already written as canonical JSON.
    pub fn append_canonical(&mut self, json: &[u8]) -> Link {
        let seq = self.next_seq;
        let prev = self.head;
        let hash = event_hash_canonical(seq, &prev, json);
        self.next_seq = seq.saturating_add(1);
        self.head = hash;
        self.since_digest = self.since_digest.saturating_add(1);
        Link { seq, prev, hash }
    }

    /// `(next_seq, head)`: how many events were appended and the hash of the last one
    /// ([`GENESIS`] if none). Keep it apart from the store and pass it to [`verify`](super::verify) as
    /// `expected_head` to detect removal of the newest events.
    pub fn head(&self) -> (u64, [u8; 32]) {
        (self.next_seq, self.head)
    }

    /// The seq the next event gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Events appended since the last digest record.
    pub fn since_digest(&self) -> u64 {
        self.since_digest
    }

    /// Hash of the last digest record ([`digest_hash`]), zero before the first.
    pub fn last_digest(&self) -> [u8; 32] {
        self.last_digest
    }

    /// Whether [`DIGEST_EVERY`] events have been appended since the last digest record.
    pub fn should_digest(&self) -> bool {
        self.since_digest >= DIGEST_EVERY
    }

    /// Writes a digest record covering the events since the last one, at time `at` (ISO 8601),
    /// signed under a key derived from `key`; `None` if no event was appended since.
    ///
    /// The record has CloudTrail digest-file fields: `digestStartTime` (the previous digest's
    /// end, or null), `digestEndTime`, `digestStartSeq`, `digestEndSeq`, `eventCount`,
    /// `lastEventHash`, `previousDigestHash` (null for the first), `digestSignatureAlgorithm`
    /// (`HMAC-SHA256`) and `digestSignature` (hex), the HMAC over the record's canonical JSON
    /// without `digestSignature`.
    pub fn digest(&mut self, at_iso8601: &str, key: &[u8]) -> Option<Value> {
        if self.since_digest == 0 {
            return None;
        }
        let start_seq = self.next_seq.saturating_sub(self.since_digest);
        let end_seq = self.next_seq.checked_sub(1)?;
        let mut rec = Map::new();
        rec.insert(
            "digestStartTime".into(),
            self.last_digest_time
                .as_ref()
                .map_or(Value::Null, |t| Value::String(t.clone())),
        );
        rec.insert("digestEndTime".into(), Value::String(at_iso8601.to_owned()));
        rec.insert("digestStartSeq".into(), start_seq.into());
        rec.insert("digestEndSeq".into(), end_seq.into());
        rec.insert("eventCount".into(), self.since_digest.into());
        rec.insert(
            "lastEventHash".into(),
            Value::String(hex::encode(&self.head)),
        );
        rec.insert(
            "previousDigestHash".into(),
            if start_seq == 0 {
                Value::Null
            } else {
                Value::String(hex::encode(&self.last_digest))
            },
        );
        rec.insert(
            "digestSignatureAlgorithm".into(),
            DIGEST_SIGNATURE_ALGORITHM.into(),
        );
        let mut record = Value::Object(rec);
        let signature = digest_mac(&record, key)?.finalize().into_bytes();
        if let Value::Object(m) = &mut record {
            m.insert(
                SIGNATURE_FIELD.into(),
                Value::String(hex::encode(&signature)),
            );
        }
        self.last_digest = digest_hash(&record);
        self.last_digest_time = Some(at_iso8601.to_owned());
        self.since_digest = 0;
        Some(record)
    }
}

/// The fields of a digest record.
#[derive(Clone, Debug)]
pub(super) struct DigestInfo {
    pub(super) start_seq: u64,
    pub(super) end_seq: u64,
    pub(super) last_hash: [u8; 32],
    pub(super) prev_hash: Option<[u8; 32]>,
    pub(super) end_time: String,
}

pub(super) fn parse_digest(record: &Value) -> Result<DigestInfo, String> {
    let obj = record
        .as_object()
        .ok_or_else(|| "the digest is not a JSON object".to_owned())?;
    let num = |name: &str| {
        obj.get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{name} is missing or not a whole number"))
    };
    let hash = |name: &str| {
        obj.get(name)
            .and_then(Value::as_str)
            .and_then(hex::decode32)
            .ok_or_else(|| format!("{name} is missing or not 64 hex digits"))
    };
    let start_seq = num("digestStartSeq")?;
    let end_seq = num("digestEndSeq")?;
    let count = num("eventCount")?;
    if end_seq < start_seq || end_seq - start_seq + 1 != count {
        return Err(format!(
            "eventCount {count} does not match seqs {start_seq} to {end_seq}"
        ));
    }
    let last_hash = hash("lastEventHash")?;
    let prev_hash = match obj.get("previousDigestHash") {
        None | Some(Value::Null) => None,
        Some(_) => Some(hash("previousDigestHash")?),
    };
    let end_time = obj
        .get("digestEndTime")
        .and_then(Value::as_str)
        .ok_or_else(|| "digestEndTime is missing".to_owned())?
        .to_owned();
    Ok(DigestInfo {
        start_seq,
        end_seq,
        last_hash,
        prev_hash,
        end_time,
    })
}

/// Checks a digest record's signature, then its fields.
pub(super) fn check_digest(record: &Value, key: &[u8]) -> Result<DigestInfo, String> {
    let obj = record
        .as_object()
        .ok_or_else(|| "the digest is not a JSON object".to_owned())?;
    match obj.get("digestSignatureAlgorithm").and_then(Value::as_str) {
        Some(DIGEST_SIGNATURE_ALGORITHM) => {}
        other => {
            return Err(format!(
                "digestSignatureAlgorithm is {other:?}, not {DIGEST_SIGNATURE_ALGORITHM}"
            ))
        }
    }
    let signature = obj
        .get(SIGNATURE_FIELD)
        .and_then(Value::as_str)
        .and_then(hex::decode)
        .ok_or_else(|| "digestSignature is missing or not hex".to_owned())?;
    let mac = digest_mac(record, key).ok_or_else(|| "no digest key".to_owned())?;
    // `verify_slice` compares in constant time.
    if mac.verify_slice(&signature).is_err() {
        return Err(
            "the signature does not verify under the trail key (the digest was forged or edited)"
                .to_owned(),
        );
    }
    parse_digest(record).map_err(|e| format!("signed but malformed: {e}"))
}
