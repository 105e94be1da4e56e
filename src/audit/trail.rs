//! The audit trail's integrity chain, queries and export, in the manner of CloudTrail's log
//! file integrity validation.
//!
//! Every audit event (a CloudTrail-shaped record, kept as a [`serde_json::Value`] so that stored
//! and possibly tampered events can be checked) is kept beside a [`Link`]: its sequence number,
//! the hash of the event before it and its own hash. The hashes form a chain from [`GENESIS`].
//! Every [`DIGEST_EVERY`] events, and on demand, the [`Chain`] writes a digest record (like a
//! CloudTrail digest file) that names the last event's hash and the previous digest's hash, and
//! is signed with HMAC-SHA256 under a key derived from a secret.
//!
//! [`verify`] walks stored events and digests and says exactly which event was edited, removed,
//! inserted or reordered, and which digest is forged or missing.
//!
//! ## Limits
//!
//! The event chain uses plain SHA-256: whoever can write the store can rewrite the chain's tail
//! consistently. Only signed digests and a chain head kept elsewhere anchor it. So, as with
//! CloudTrail, removing (or rewriting) the events after the last digest cannot be detected from
//! the stored data alone; pass the current chain head ([`Chain::head`]) to [`verify`] as
//! `expected_head` to catch that too. Likewise removing the newest digest (and nothing else)
//! cannot be seen without a record of it.
//!
//! [`Query`] selects events by key, operation, principal and time range, and [`export`] writes
//! them in CloudTrail's log file shape, `{"Records": [...]}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::codec::Timestamp;
use crate::domain::ids::hex;

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

/// The canonical JSON text of a value: compact, with object keys sorted (by their UTF-8 bytes)
/// at every level, whatever order the map keeps. Strings are escaped as `serde_json` does, so
/// this is what `serde_json::to_string` writes for sorted maps.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, None, &mut out);
    out
}

/// Writes `v` canonically; at the top level, leaves out the object member named `skip`.
fn write_canonical(v: &Value, skip: Option<&str>, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // Writing to a String cannot fail.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_json_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, None, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut members: Vec<(&String, &Value)> =
                m.iter().filter(|(k, _)| Some(k.as_str()) != skip).collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_canonical(item, None, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal, escaped as `serde_json` escapes.
fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
    let mut text = String::new();
    write_canonical(record, Some(SIGNATURE_FIELD), &mut text);
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
    /// ([`GENESIS`] if none). Keep it apart from the store and pass it to [`verify`] as
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
        rec.insert("lastEventHash".into(), Value::String(hex(&self.head)));
        rec.insert(
            "previousDigestHash".into(),
            if start_seq == 0 {
                Value::Null
            } else {
                Value::String(hex(&self.last_digest))
            },
        );
        rec.insert(
            "digestSignatureAlgorithm".into(),
            DIGEST_SIGNATURE_ALGORITHM.into(),
        );
        let mut record = Value::Object(rec);
        let signature = digest_mac(&record, key)?.finalize().into_bytes();
        if let Value::Object(m) = &mut record {
            m.insert(SIGNATURE_FIELD.into(), Value::String(hex(&signature)));
        }
        self.last_digest = digest_hash(&record);
        self.last_digest_time = Some(at_iso8601.to_owned());
        self.since_digest = 0;
        Some(record)
    }
}

/// The fields of a digest record.
#[derive(Clone, Debug)]
struct DigestInfo {
    start_seq: u64,
    end_seq: u64,
    last_hash: [u8; 32],
    prev_hash: Option<[u8; 32]>,
    end_time: String,
}

fn parse_digest(record: &Value) -> Result<DigestInfo, String> {
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
            .and_then(unhex32)
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
fn check_digest(record: &Value, key: &[u8]) -> Result<DigestInfo, String> {
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
        .and_then(unhex)
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

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some((hex_digit(*hi)? << 4) | hex_digit(*lo)?),
            _ => None,
        })
        .collect()
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    unhex(s)?.try_into().ok()
}

fn hex_digit(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

/// What is wrong, as [`verify`] finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// The event at `seq` was changed: its content no longer matches its stored hash, or its
    /// stored hash no longer matches what the next event, a digest or the expected head records
    /// for it (the event was changed and its hash recomputed).
    Edited,
    /// The events from `seq` to `endSeq` are missing.
    Removed,
    /// The event stored at `index` does not belong to the chain: a second event claiming `seq`
    /// (a duplicate or a forgery), or an event past the expected head.
    Inserted,
    /// The event at `seq` is stored out of order (at `index`).
    Reordered,
    /// The digest at `index` does not verify under the key (forged or edited) or is malformed.
    DigestInvalid,
    /// The digest at `index` does not follow the digest stored before it: a digest between
    /// them (or before the first) was removed, or digests were reordered.
    DigestMissing,
}

/// One finding of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The event's seq (first missing seq for [`ProblemKind::Removed`]; the claimed
    /// `digestEndSeq`, if readable, for digest problems).
    pub seq: Option<u64>,
    /// For [`ProblemKind::Removed`], the last missing seq (equal to `seq` for one event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_seq: Option<u64>,
    /// The stored event's `eventID`, when there is a stored event.
    pub event_id: Option<String>,
    /// Position in the slice given to [`verify`]: the events slice for event problems, the
    /// digests slice for digest problems.
    pub index: Option<usize>,
    /// A sentence for people.
    pub detail: String,
}

/// The result of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Stored events examined.
    pub events_checked: u64,
    /// Digest records examined.
    pub digests_checked: u64,
    /// The highest seq anchored by a valid digest or the expected head: events after it could
    /// have been removed or rewritten without trace.
    pub anchored_through: Option<u64>,
    /// Everything found wrong: event problems by seq, then digest problems in stored order.
    pub problems: Vec<Problem>,
}

impl Report {
    /// No problem found.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One stored event, checked against its own link.
struct Entry<'a> {
    index: usize,
    link: &'a Link,
    event: &'a Value,
    self_ok: bool,
}

impl Entry<'_> {
    fn event_id(&self) -> Option<String> {
        self.event
            .get("eventID")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }
}

/// What anchors a seq's hash from outside the events: a digest, or the expected head.
type Anchors = BTreeMap<u64, Vec<([u8; 32], String)>>;

/// Verifies stored events (with their links, in stored order) and digest records (in stored
/// order) against the digest key, and, if given, against the current chain head
/// `(next_seq, head)` from [`Chain::head`].
///
/// Reports each edited event once, at its own seq (also when its stored hash was recomputed:
/// the next event's `prev`, a digest's `lastEventHash` or the expected head then betrays it);
/// each run of missing seqs (including the newest events, if a digest or the expected head
/// says they existed); each extra event claiming an existing seq or lying past the head; each
/// event stored out of order; and each forged, edited or missing digest.
///
/// Without a digest covering them and without `expected_head`, removing or rewriting the newest
/// events cannot be detected (see the module documentation).
pub fn verify(
    events: &[(Link, Value)],
    digests: &[Value],
    key: &[u8],
    expected_head: Option<(u64, [u8; 32])>,
) -> Report {
    let mut digest_problems = Vec::new();
    let mut anchors = Anchors::new();
    let digest_end = check_digests(digests, key, &mut anchors, &mut digest_problems);
    let head_end = expected_head.and_then(|(n, _)| n.checked_sub(1));
    if let (Some(last), Some((_, head))) = (head_end, expected_head) {
        anchors
            .entry(last)
            .or_default()
            .push((head, "the expected chain head".to_owned()));
    }
    let anchored_through = digest_end.max(head_end);

    let entries: Vec<Entry<'_>> = events
        .iter()
        .enumerate()
        .map(|(index, (link, event))| Entry {
            index,
            link,
            event,
            self_ok: event_hash(link.seq, &link.prev, event) == link.hash,
        })
        .collect();

    let mut problems = Vec::new();

    // Events past the expected head were appended behind the chain's back.
    let mut by_seq: BTreeMap<u64, Vec<&Entry<'_>>> = BTreeMap::new();
    for e in &entries {
        match expected_head {
            Some((n, _)) if e.link.seq >= n => problems.push(Problem {
                kind: ProblemKind::Inserted,
                seq: Some(e.link.seq),
                end_seq: None,
                event_id: e.event_id(),
                index: Some(e.index),
                detail: format!(
                    "seq {} lies past the expected chain head (the chain has {n} events)",
                    e.link.seq
                ),
            }),
            _ => by_seq.entry(e.link.seq).or_default().push(e),
        }
    }

    let genuine = pick_genuine(&entries, &by_seq, &anchors, &mut problems);
    removed_runs(&genuine, &anchors, expected_head, &mut problems);
    check_links(&genuine, &anchors, &mut problems);
    check_order(&genuine, &mut problems);

    problems.sort_by_key(|a| (a.seq, a.kind, a.index));
    problems.extend(digest_problems);
    Report {
        events_checked: entries.len() as u64,
        digests_checked: digests.len() as u64,
        anchored_through,
        problems,
    }
}

/// Checks every digest's signature and the chain of digests; records what valid digests say
/// about event hashes in `anchors`. Returns the highest seq a valid digest covers.
fn check_digests(
    digests: &[Value],
    key: &[u8],
    anchors: &mut Anchors,
    problems: &mut Vec<Problem>,
) -> Option<u64> {
    let mut last_valid: Option<(usize, [u8; 32], DigestInfo)> = None;
    let mut previous_stored_valid = true;
    let mut end = None;
    for (i, d) in digests.iter().enumerate() {
        let claimed_end = d.get("digestEndSeq").and_then(Value::as_u64);
        let info = match check_digest(d, key) {
            Ok(info) => info,
            Err(why) => {
                problems.push(Problem {
                    kind: ProblemKind::DigestInvalid,
                    seq: claimed_end,
                    end_seq: None,
                    event_id: None,
                    index: Some(i),
                    detail: format!("digest #{i}: {why}"),
                });
                previous_stored_valid = false;
                continue;
            }
        };
        // A digest that follows a forged one is not blamed for it: the forged one was most
        // likely the edited original.
        let broken = match &last_valid {
            None => (info.prev_hash.is_some() || info.start_seq != 0).then(|| {
                format!(
                    "digest #{i} starts at seq {} after a previous digest that is not stored: \
                     earlier digests were removed",
                    info.start_seq
                )
            }),
            Some((j, hash, prev)) => {
                (info.prev_hash != Some(*hash) || info.start_seq != prev.end_seq + 1).then(|| {
                    format!(
                        "digest #{i} (seqs {} to {}) does not name digest #{j} (seqs {} to {}) as \
                         its predecessor: a digest between them was removed, or digests were \
                         reordered",
                        info.start_seq, info.end_seq, prev.start_seq, prev.end_seq
                    )
                })
            }
        };
        if let (Some(detail), true) = (broken, previous_stored_valid) {
            problems.push(Problem {
                kind: ProblemKind::DigestMissing,
                seq: Some(info.end_seq),
                end_seq: None,
                event_id: None,
                index: Some(i),
                detail,
            });
        }
        anchors
            .entry(info.end_seq)
            .or_default()
            .push((info.last_hash, format!("the lastEventHash of digest #{i}")));
        end = end.max(Some(info.end_seq));
        last_valid = Some((i, digest_hash(d), info));
        previous_stored_valid = true;
    }
    end
}

/// For each seq, picks the stored event that belongs to the chain and reports the others as
/// inserted. The genuine one is the one that best fits: its own hash, its links both ways (and
/// to anchors), its neighbours in stored order; ties go to the first stored.
fn pick_genuine<'e, 'a>(
    entries: &'e [Entry<'a>],
    by_seq: &BTreeMap<u64, Vec<&'e Entry<'a>>>,
    anchors: &Anchors,
    problems: &mut Vec<Problem>,
) -> BTreeMap<u64, &'e Entry<'a>> {
    let mut genuine = BTreeMap::new();
    for (&seq, candidates) in by_seq {
        let score = |e: &Entry<'_>| {
            let mut score = 0u32;
            if e.self_ok {
                score += 4;
            }
            let prev_ok = match seq.checked_sub(1) {
                None => e.link.prev == GENESIS,
                Some(p) => by_seq
                    .get(&p)
                    .is_some_and(|v| v.iter().any(|o| o.link.hash == e.link.prev)),
            };
            if prev_ok {
                score += 2;
            }
            let next_ok = by_seq
                .get(&seq.saturating_add(1))
                .is_some_and(|v| v.iter().any(|o| o.link.prev == e.link.hash))
                || anchors
                    .get(&seq)
                    .is_some_and(|v| v.iter().any(|(h, _)| *h == e.link.hash));
            if next_ok {
                score += 2;
            }
            let before = e.index.checked_sub(1).and_then(|i| entries.get(i));
            let after = entries.get(e.index.saturating_add(1));
            if before.is_some_and(|b| Some(b.link.seq) == seq.checked_sub(1))
                || after.is_some_and(|a| a.link.seq == seq.saturating_add(1))
            {
                score += 1;
            }
            score
        };
        let mut best: Option<(&Entry<'_>, u32)> = None;
        for &c in candidates {
            let s = score(c);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((c, s));
            }
        }
        let Some((chosen, _)) = best else { continue };
        genuine.insert(seq, chosen);
        for &c in candidates {
            if c.index == chosen.index {
                continue;
            }
            let what = if c.event == chosen.event {
                "a copy of"
            } else {
                "another event claiming the seq of"
            };
            problems.push(Problem {
                kind: ProblemKind::Inserted,
                seq: Some(seq),
                end_seq: None,
                event_id: c.event_id(),
                index: Some(c.index),
                detail: format!(
                    "the event stored at position {} is {what} seq {seq} (stored at position {})",
                    c.index, chosen.index
                ),
            });
        }
    }
    genuine
}

/// Reports every run of missing seqs from 0 to the last seq known to exist (stored, in a valid
/// digest, or before the expected head).
fn removed_runs(
    genuine: &BTreeMap<u64, &Entry<'_>>,
    anchors: &Anchors,
    expected_head: Option<(u64, [u8; 32])>,
    problems: &mut Vec<Problem>,
) {
    let stored_last = genuine.keys().next_back().copied();
    let digest_last = anchors.keys().next_back().copied();
    // One past the last seq known to exist.
    let known_end = match expected_head {
        Some((n, _)) => n,
        None => stored_last
            .max(digest_last)
            .map_or(0, |s| s.saturating_add(1)),
    };
    let mut push = |first: u64, last: u64, tail: bool| {
        let count = last - first + 1;
        let detail = match (tail, count) {
            (true, _) => format!(
                "the newest {count} event(s), seqs {first} to {last}, were removed (a digest or \
                 the expected head records them)"
            ),
            (false, 1) => format!("the event with seq {first} was removed"),
            (false, _) => format!("{count} events, seqs {first} to {last}, were removed"),
        };
        problems.push(Problem {
            kind: ProblemKind::Removed,
            seq: Some(first),
            end_seq: Some(last),
            event_id: None,
            index: None,
            detail,
        });
    };
    let mut expected = 0u64;
    for &seq in genuine.keys() {
        if seq > expected {
            push(expected, seq - 1, false);
        }
        expected = seq.saturating_add(1);
    }
    if known_end > expected {
        push(expected, known_end - 1, true);
    }
}

/// Checks each genuine event's content against its hash, its `prev` against the hash of the
/// event before it, and its hash against anchors; reports each changed event once.
fn check_links(
    genuine: &BTreeMap<u64, &Entry<'_>>,
    anchors: &Anchors,
    problems: &mut Vec<Problem>,
) {
    let mut edited: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (&seq, e) in genuine {
        if !e.self_ok {
            edited
                .entry(seq)
                .or_default()
                .push("its content or link no longer matches its stored hash".to_owned());
        }
        match seq.checked_sub(1) {
            None => {
                if e.link.prev != GENESIS {
                    edited
                        .entry(seq)
                        .or_default()
                        .push("the first event does not link to the genesis hash".to_owned());
                }
            }
            Some(p) => {
                if let Some(before) = genuine.get(&p) {
                    // If this event is itself intact, its `prev` is the true hash of the event
                    // before, which was changed and rehashed. If it is not, its own change
                    // explains the broken link.
                    if e.link.prev != before.link.hash && e.self_ok {
                        edited.entry(p).or_default().push(format!(
                            "its stored hash differs from the one seq {seq} records for it (it \
                             was changed and its hash recomputed)"
                        ));
                    }
                }
            }
        }
        for (hash, source) in anchors.get(&seq).into_iter().flatten() {
            if *hash != e.link.hash {
                let how = if e.self_ok {
                    " (it was changed and its hash recomputed)"
                } else {
                    ""
                };
                edited
                    .entry(seq)
                    .or_default()
                    .push(format!("its stored hash differs from {source}{how}"));
            }
        }
    }
    for (seq, reasons) in edited {
        let e = genuine.get(&seq);
        problems.push(Problem {
            kind: ProblemKind::Edited,
            seq: Some(seq),
            end_seq: None,
            event_id: e.and_then(|e| e.event_id()),
            index: e.map(|e| e.index),
            detail: format!(
                "the event with seq {seq} was changed: {}",
                reasons.join("; ")
            ),
        });
    }
}

/// Reports the genuine events that are out of order: those outside a longest run of stored
/// positions whose seqs increase (so one moved event is reported once, not everything it
/// jumped over).
fn check_order(genuine: &BTreeMap<u64, &Entry<'_>>, problems: &mut Vec<Problem>) {
    let mut order: Vec<&Entry<'_>> = genuine.values().copied().collect();
    order.sort_by_key(|e| e.index);
    // Longest increasing subsequence of seqs, by patience sorting with back links.
    let mut tails: Vec<usize> = Vec::new();
    let mut back: Vec<Option<usize>> = Vec::with_capacity(order.len());
    for (i, e) in order.iter().enumerate() {
        let k = tails.partition_point(|&t| order.get(t).is_some_and(|o| o.link.seq < e.link.seq));
        back.push(k.checked_sub(1).and_then(|p| tails.get(p).copied()));
        match tails.get_mut(k) {
            Some(slot) => *slot = i,
            None => tails.push(i),
        }
    }
    let mut in_order = vec![false; order.len()];
    let mut at = tails.last().copied();
    while let Some(i) = at {
        if let Some(flag) = in_order.get_mut(i) {
            *flag = true;
        }
        at = back.get(i).copied().flatten();
    }
    for (i, e) in order.iter().enumerate() {
        if in_order.get(i).copied().unwrap_or(true) {
            continue;
        }
        let neighbour = |j: Option<usize>| {
            j.and_then(|j| order.get(j))
                .map_or("nothing".to_owned(), |n| format!("seq {}", n.link.seq))
        };
        problems.push(Problem {
            kind: ProblemKind::Reordered,
            seq: Some(e.link.seq),
            end_seq: None,
            event_id: e.event_id(),
            index: Some(e.index),
            detail: format!(
                "the event with seq {} is stored out of order, at position {} between {} and {}",
                e.link.seq,
                e.index,
                neighbour(i.checked_sub(1)),
                neighbour(i.checked_add(1)),
            ),
        });
    }
}

/// Parses the ISO 8601 form [`Timestamp::to_iso8601`] writes, `2026-11-27T10:34:09Z`, also with
/// 1 to 3 digits of fractional seconds (`2026-11-27T10:34:09.123Z`, as JavaScript's
/// `toISOString` writes). Anything else, or an impossible date or time, is `None`.
pub fn parse_iso8601(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let millis = match b.get(19..)? {
        b"Z" => 0,
        [b'.', frac @ .., b'Z'] if (1..=3).contains(&frac.len()) => {
            let value = num(20, frac.len())?;
            value * 10i64.pow(3 - frac.len() as u32)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(Timestamp(
        ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis,
    ))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &[u8] = b"trail test key, 32 bytes long..";
    const ACCOUNT: &str = "111122223333";

    fn key_id(n: u64) -> String {
        format!("1234abcd-12ab-34cd-56ef-{:012x}", n % 7)
    }

    fn key_arn(n: u64) -> String {
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", key_id(n))
    }

    fn event(n: u64) -> Value {
        let names = ["Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey"];
        let name = names.get((n % 4) as usize).copied().unwrap_or("Encrypt");
        let user = if n % 3 == 0 { "alice" } else { "bob" };
        json!({
            "eventVersion": "1.11",
            "userIdentity": {
                "type": "IAMUser",
                "principalId": format!("AIDA{}", user.to_uppercase()),
                "arn": format!("arn:aws:iam::{ACCOUNT}:user/{user}"),
                "accountId": ACCOUNT,
            },
            "eventTime": Timestamp(1_795_000_000_000 + n as i64 * 60_000).to_iso8601(),
            "eventSource": "kms.amazonaws.com",
            "eventName": name,
            "awsRegion": "us-east-1",
            "requestParameters": {"keyId": key_id(n), "encryptionContext": {"n": n.to_string()}},
            "responseElements": null,
            "requestID": format!("req-{n}"),
            "eventID": format!("ev-{n}"),
            "readOnly": name == "DescribeKey",
            "resources": [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key_arn(n)}],
            "eventType": "AwsApiCall",
            "eventCategory": "Management",
        })
    }

    fn time(n: u64) -> String {
        Timestamp(1_795_000_000_000 + n as i64 * 60_000 + 1).to_iso8601()
    }

    /// `n` events, with a digest whenever the chain asks for one, and a final digest if
    /// `final_digest`.
    fn trail(n: u64, final_digest: bool) -> (Vec<(Link, Value)>, Vec<Value>, Chain) {
        let mut chain = Chain::new();
        let mut events = Vec::new();
        let mut digests = Vec::new();
        for i in 0..n {
            let e = event(i);
            events.push((chain.append(&e), e));
            if chain.should_digest() {
                digests.extend(chain.digest(&time(i), KEY));
            }
        }
        if final_digest {
            digests.extend(chain.digest(&time(n), KEY));
        }
        (events, digests, chain)
    }

    fn kinds(r: &Report) -> Vec<(ProblemKind, Option<u64>)> {
        r.problems.iter().map(|p| (p.kind, p.seq)).collect()
    }

    #[test]
    fn canonical_json_is_serde_json_with_sorted_keys() {
        let v = json!({"b": [1, -2, 3.5, "q\"\\\n\t\u{1}\u{7f}é"], "a": {"z": null, "c": true}});
        assert_eq!(canonical_json(&v), serde_json::to_string(&v).unwrap());
        assert_eq!(
            canonical_json(&v),
            concat!(
                r#"{"a":{"c":true,"z":null},"b":[1,-2,3.5,"q\"\\\n\t\u0001"#,
                "\u{7f}é\"]}"
            )
        );
    }

    #[test]
    fn event_hash_binds_seq_prev_and_every_field() {
        let e = event(1);
        let h = event_hash(1, &GENESIS, &e);
        assert_ne!(h, event_hash(2, &GENESIS, &e));
        assert_ne!(h, event_hash(1, &[1; 32], &e));
        let mut e2 = e.clone();
        e2["requestParameters"]["encryptionContext"]["n"] = json!("2");
        assert_ne!(h, event_hash(1, &GENESIS, &e2));
        // The order keys were written in does not matter.
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"d": 2, "c": 3}}"#).unwrap();
        let b = json!({"a": {"c": 3, "d": 2}, "b": 1});
        assert_eq!(event_hash(1, &GENESIS, &a), event_hash(1, &GENESIS, &b));
        assert_ne!(
            event_hash(1, &GENESIS, &a),
            event_hash(1, &GENESIS, &json!({"b": 1}))
        );
    }

    #[test]
    fn a_long_trail_with_digests_verifies_clean() {
        let (events, digests, chain) = trail(2500, true);
        assert_eq!(digests.len(), 3);
        assert_eq!(digests[0]["digestStartSeq"], 0);
        assert_eq!(digests[0]["digestEndSeq"], 999);
        assert_eq!(digests[0]["eventCount"], 1000);
        assert_eq!(digests[0]["previousDigestHash"], Value::Null);
        assert_eq!(digests[0]["digestStartTime"], Value::Null);
        assert_eq!(digests[1]["digestStartTime"], digests[0]["digestEndTime"]);
        assert_eq!(
            digests[1]["previousDigestHash"],
            hex(&digest_hash(&digests[0]))
        );
        assert_eq!(digests[2]["digestStartSeq"], 2000);
        assert_eq!(digests[2]["eventCount"], 500);
        assert_eq!(digests[2]["lastEventHash"], hex(&chain.head().1));
        assert_eq!(digests[2]["digestSignatureAlgorithm"], "HMAC-SHA256");
        let r = verify(&events, &digests, KEY, Some(chain.head()));
        assert!(r.is_valid(), "{:#?}", r.problems);
        assert_eq!((r.events_checked, r.digests_checked), (2500, 3));
        assert_eq!(r.anchored_through, Some(2499));
        assert!(verify(&[], &[], KEY, None).is_valid());
        assert!(verify(&[], &[], KEY, Some(Chain::new().head())).is_valid());
    }

    #[test]
    fn no_digest_without_new_events() {
        let mut chain = Chain::new();
        assert_eq!(chain.digest(&time(0), KEY), None);
        chain.append(&event(0));
        assert!(chain.digest(&time(0), KEY).is_some());
        assert_eq!(chain.digest(&time(1), KEY), None);
        assert!(!chain.should_digest());
    }

    #[test]
    fn an_edited_event_is_reported_at_its_seq() {
        let (mut events, digests, chain) = trail(2500, true);
        events[1234].1["eventName"] = json!("ScheduleKeyDeletion");
        let r = verify(&events, &digests, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::Edited, Some(1234))]);
        assert_eq!(r.problems[0].event_id.as_deref(), Some("ev-1234"));
        assert_eq!(r.problems[0].index, Some(1234));
    }

    #[test]
    fn an_edited_and_rehashed_event_is_still_reported_at_its_own_seq() {
        let (mut events, digests, chain) = trail(2500, true);
        for seq in [0usize, 1234, 999, 2499] {
            let mut tampered = events.clone();
            let (link, e) = &mut tampered[seq];
            e["userIdentity"]["arn"] = json!("arn:aws:iam::111122223333:user/mallory");
            link.hash = event_hash(link.seq, &link.prev, e);
            let r = verify(&tampered, &digests, KEY, Some(chain.head()));
            assert_eq!(
                kinds(&r),
                vec![(ProblemKind::Edited, Some(seq as u64))],
                "seq {seq}"
            );
        }
        // Editing an event's `prev` is reported at that event, not at the one before.
        let link = &mut events[50].0;
        link.prev = [7; 32];
        let r = verify(&events, &digests, KEY, None);
        assert_eq!(kinds(&r), vec![(ProblemKind::Edited, Some(50))]);
    }

    #[test]
    fn a_removed_event_is_reported_by_seq() {
        let (mut events, digests, chain) = trail(2500, true);
        events.remove(17);
        let r = verify(&events, &digests, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::Removed, Some(17))]);
        assert_eq!(r.problems[0].end_seq, Some(17));
        events.drain(99..102);
        let r = verify(&events, &digests, KEY, None);
        assert_eq!(
            kinds(&r),
            vec![
                (ProblemKind::Removed, Some(17)),
                (ProblemKind::Removed, Some(100))
            ]
        );
        assert_eq!(r.problems[1].end_seq, Some(102));
        // Removing the first event too.
        events.remove(0);
        let r = verify(&events, &digests, KEY, None);
        assert_eq!(r.problems[0].kind, ProblemKind::Removed);
        assert_eq!(
            (r.problems[0].seq, r.problems[0].end_seq),
            (Some(0), Some(0))
        );
    }

    #[test]
    fn a_swapped_pair_is_reported_as_reordered() {
        let (mut events, digests, chain) = trail(2500, true);
        events.swap(5, 6);
        let r = verify(&events, &digests, KEY, Some(chain.head()));
        assert_eq!(r.problems.len(), 1, "{r:#?}");
        assert_eq!(r.problems[0].kind, ProblemKind::Reordered);
        assert!(matches!(r.problems[0].seq, Some(5 | 6)));
        // An event moved far away is reported alone.
        let (mut events, digests, _) = trail(300, true);
        let moved = events.remove(10);
        events.push(moved);
        let r = verify(&events, &digests, KEY, None);
        assert_eq!(kinds(&r), vec![(ProblemKind::Reordered, Some(10))]);
        assert_eq!(r.problems[0].index, Some(299));
    }

    #[test]
    fn duplicated_and_forged_events_are_reported_as_inserted() {
        let (events, digests, chain) = trail(2500, true);
        // A copy next to the original, and one far from it.
        for at in [11usize, 40] {
            let mut tampered = events.clone();
            tampered.insert(at, events[10].clone());
            let r = verify(&tampered, &digests, KEY, Some(chain.head()));
            assert_eq!(
                kinds(&r),
                vec![(ProblemKind::Inserted, Some(10))],
                "at {at}"
            );
            assert_eq!(r.problems[0].index, Some(at));
            assert_eq!(r.problems[0].event_id.as_deref(), Some("ev-10"));
        }
        // A forged event claiming seq 20, stored before the real one, with a valid own hash.
        let mut tampered = events.clone();
        let mut forged = event(20);
        forged["eventID"] = json!("forged");
        let link = Link {
            seq: 20,
            prev: [9; 32],
            hash: event_hash(20, &[9; 32], &forged),
        };
        tampered.insert(20, (link, forged));
        let r = verify(&tampered, &digests, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::Inserted, Some(20))]);
        assert_eq!(r.problems[0].event_id.as_deref(), Some("forged"));
        // An event appended behind the chain's back, past the expected head.
        let mut tampered = events.clone();
        let (mut c, mut e) = (chain.clone(), event(2500));
        e["eventName"] = json!("Decrypt");
        tampered.push((c.append(&e), e));
        let r = verify(&tampered, &digests, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::Inserted, Some(2500))]);
        assert!(verify(&tampered, &digests, KEY, None).is_valid());
    }

    #[test]
    fn a_truncated_tail_is_caught_by_a_digest_or_the_expected_head() {
        // A digest covers the removed events.
        let (mut events, digests, _) = trail(2500, true);
        events.truncate(2400);
        let r = verify(&events, &digests, KEY, None);
        assert_eq!(kinds(&r), vec![(ProblemKind::Removed, Some(2400))]);
        assert_eq!(r.problems[0].end_seq, Some(2499));
        // Only the last event, right after a digest: still caught.
        let (mut events, digests, _) = trail(2000, false);
        events.pop();
        let r = verify(&events, &digests, KEY, None);
        assert_eq!(kinds(&r), vec![(ProblemKind::Removed, Some(1999))]);

        // No digest covers them: invisible from the stored data alone (as in CloudTrail)...
        let (mut events, digests, chain) = trail(2500, false);
        assert_eq!(digests.len(), 2);
        events.truncate(2400);
        let r = verify(&events, &digests, KEY, None);
        assert!(r.is_valid());
        assert_eq!(r.anchored_through, Some(1999));
        // ...but the expected head catches it.
        let r = verify(&events, &digests, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::Removed, Some(2400))]);
        assert_eq!(r.problems[0].end_seq, Some(2499));
        // Everything removed.
        let r = verify(&[], &digests, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::Removed, Some(0))]);
        assert_eq!(r.problems[0].end_seq, Some(2499));
    }

    #[test]
    fn a_rewritten_tail_is_caught_by_the_digest() {
        // Drop event 2450 and rebuild the chain after it, consistently: the digest can only
        // say that the chain is one event short.
        let (events, digests, _) = trail(2500, true);
        let mut rebuilt: Vec<(Link, Value)> = events[..2450].to_vec();
        let mut chain = Chain::resume(2450, events[2449].0.hash, digests.get(1)).unwrap();
        for (_, e) in &events[2451..] {
            rebuilt.push((chain.append(e), e.clone()));
        }
        let r = verify(&rebuilt, &digests, KEY, None);
        assert!(!r.is_valid());
        assert!(r
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::Removed && p.seq == Some(2499)));
    }

    #[test]
    fn forged_digests_are_invalid() {
        let (events, digests, chain) = trail(2500, true);
        // A changed lastEventHash.
        let mut forged = digests.clone();
        forged[1]["lastEventHash"] = json!(hex(&[5; 32]));
        let r = verify(&events, &forged, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::DigestInvalid, Some(1999))]);
        assert_eq!(r.problems[0].index, Some(1));
        // A changed count, or a flipped signature bit.
        let mut forged = digests.clone();
        forged[0]["eventCount"] = json!(999);
        let sig = forged[2]["digestSignature"].as_str().unwrap().to_owned();
        let flipped = if sig.starts_with('0') { "1" } else { "0" };
        forged[2]["digestSignature"] = json!(format!("{flipped}{}", &sig[1..]));
        let r = verify(&events, &forged, KEY, None);
        assert_eq!(
            kinds(&r),
            vec![
                (ProblemKind::DigestInvalid, Some(999)),
                (ProblemKind::DigestInvalid, Some(2499))
            ]
        );
        // Signed under another key: every digest is invalid.
        let r = verify(&events, &digests, b"another key", None);
        assert_eq!(r.problems.len(), 3);
        assert!(r
            .problems
            .iter()
            .all(|p| p.kind == ProblemKind::DigestInvalid));
        // A digest re-signed after editing, with another key.
        let mut other = Chain::new();
        for (_, e) in &events[..1000] {
            other.append(e);
        }
        let mut forged = digests.clone();
        forged[0] = other.digest(&time(999), b"another key").unwrap();
        let r = verify(&events, &forged, KEY, None);
        assert_eq!(kinds(&r), vec![(ProblemKind::DigestInvalid, Some(999))]);
        // Not a digest at all.
        let r = verify(&events, &[json!("nope")], KEY, None);
        assert_eq!(kinds(&r), vec![(ProblemKind::DigestInvalid, None)]);
    }

    #[test]
    fn removed_or_reordered_digests_are_reported() {
        let (events, digests, chain) = trail(2500, true);
        let mut missing = digests.clone();
        missing.remove(1);
        let r = verify(&events, &missing, KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::DigestMissing, Some(2499))]);
        assert_eq!(r.problems[0].index, Some(1));
        let r = verify(&events, &digests[1..], KEY, Some(chain.head()));
        assert_eq!(kinds(&r), vec![(ProblemKind::DigestMissing, Some(1999))]);
        let mut swapped = digests.clone();
        swapped.swap(0, 1);
        let r = verify(&events, &swapped, KEY, Some(chain.head()));
        assert!(!r.is_valid());
        assert!(r
            .problems
            .iter()
            .all(|p| p.kind == ProblemKind::DigestMissing));
    }

    #[test]
    fn resume_continues_the_same_chain() {
        let (events, digests, chain) = trail(2500, false);
        let (n, head) = chain.head();
        let resumed = Chain::resume(n, head, digests.last()).unwrap();
        assert_eq!(resumed, chain);
        let fresh = Chain::resume(0, GENESIS, None).unwrap();
        assert_eq!(fresh, Chain::new());
        let (mut a, mut b) = (chain, resumed);
        let e = event(2500);
        assert_eq!(a.append(&e), b.append(&e));
        assert_eq!(a.digest("t", KEY), b.digest("t", KEY));
        assert!(Chain::resume(1000, [1; 32], digests.first()).is_err());
        assert!(Chain::resume(999, head, digests.first()).is_err());
        assert!(Chain::resume(0, head, None).is_err());
        assert!(Chain::resume(5, head, Some(&json!({}))).is_err());
        let (events2, _, _) = trail(10, false);
        assert_eq!(events2[..], events[..10]);
    }

    #[test]
    fn iso8601_parses_what_the_codec_writes() {
        for ms in [
            0i64,
            951_782_400_000,
            1_795_000_000_000,
            -86_400_000,
            253_402_300_799_000,
        ] {
            let t = Timestamp(ms);
            assert_eq!(parse_iso8601(&t.to_iso8601()), Some(t), "{ms}");
        }
        assert_eq!(
            parse_iso8601("2026-11-27T10:34:09.5Z"),
            Some(Timestamp(
                parse_iso8601("2026-11-27T10:34:09Z").unwrap().0 + 500
            ))
        );
        assert_eq!(
            parse_iso8601("2026-11-27T10:34:09.123Z").map(|t| t.0 % 1000),
            Some(123)
        );
        assert_eq!(
            parse_iso8601("2024-02-29T00:00:00Z").map(|t| t.0),
            Some(1_709_164_800_000)
        );
        for bad in [
            "",
            "2026-11-27",
            "2026-11-27T10:34:09",
            "2026-11-27 10:34:09Z",
            "2026-11-27T10:34:09+00:00",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T10:60:00Z",
            "2026-11-27T10:34:60Z",
            "2026-11-27T10:34:09.Z",
            "2026-11-27T10:34:09.1234Z",
            "2026-11-27T10:34:09Zx",
            "+026-11-27T10:34:09Z",
            "2026-1a-27T10:34:09Z",
            "２026-11-27T10:34:09Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad:?}");
        }
    }

    fn all_events(n: u64) -> Vec<Value> {
        (0..n).map(event).collect()
    }

    fn seqs_of(found: &[&Value]) -> Vec<u64> {
        found
            .iter()
            .map(|e| e["eventID"].as_str().unwrap()[3..].parse().unwrap())
            .collect()
    }

    #[test]
    fn queries_by_key_id_and_key_arn() {
        let events = all_events(30);
        let by_id = Query {
            key: Some(key_id(3)),
            ..Query::default()
        };
        assert_eq!(seqs_of(&by_id.run(&events)), vec![3, 10, 17, 24]);
        let by_arn = Query {
            key: Some(key_arn(3)),
            ..Query::default()
        };
        assert_eq!(seqs_of(&by_arn.run(&events)), vec![3, 10, 17, 24]);
        // Another account's ARN with the same ID does not match; a suffix of the ID does not.
        let other = Query {
            key: Some(key_arn(3).replace(ACCOUNT, "999988887777")),
            ..Query::default()
        };
        assert!(other.run(&events).is_empty());
        let suffix = Query {
            key: Some(key_id(3)[1..].to_owned()),
            ..Query::default()
        };
        assert!(suffix.run(&events).is_empty());
        // Matching through requestParameters.keyId alone (a refused call names no resource).
        let refused = json!({"requestParameters": {"keyId": "alias/app"}, "resources": []});
        let q = Query {
            key: Some("alias/app".into()),
            ..Query::default()
        };
        assert!(q.matches(&refused));
        let mut by_arn_param = event(3);
        by_arn_param["resources"] = json!([]);
        by_arn_param["requestParameters"]["keyId"] = json!(key_arn(3));
        assert!(by_id.matches(&by_arn_param));
        assert!(by_arn.matches(&by_arn_param));
    }

    #[test]
    fn queries_by_name_principal_time_and_limit() {
        let events = all_events(30);
        let q: Query = serde_json::from_value(json!({"eventName": "Decrypt"})).unwrap();
        assert_eq!(seqs_of(&q.run(&events)), vec![1, 5, 9, 13, 17, 21, 25, 29]);
        let q = Query {
            principal: Some(format!("arn:aws:iam::{ACCOUNT}:user/alice")),
            ..Query::default()
        };
        assert_eq!(
            seqs_of(&q.run(&events)),
            (0..30).step_by(3).collect::<Vec<_>>()
        );
        let q = Query {
            principal: Some("AIDAALICE".into()),
            event_name: Some("Encrypt".into()),
            ..Query::default()
        };
        assert_eq!(seqs_of(&q.run(&events)), vec![0, 12, 24]);
        // Inclusive start, exclusive end.
        let q: Query = serde_json::from_value(json!({
            "start": event(5)["eventTime"],
            "end": event(9)["eventTime"],
        }))
        .unwrap();
        assert!(q.check().is_ok());
        assert_eq!(seqs_of(&q.run(&events)), vec![5, 6, 7, 8]);
        let q = Query {
            start: Some(format!("{}.001Z", &time(27)[..19])),
            ..Query::default()
        };
        assert_eq!(seqs_of(&q.run(&events)), vec![28, 29]);
        let q = Query {
            key: Some(key_id(0)),
            limit: Some(2),
            ..Query::default()
        };
        assert_eq!(seqs_of(&q.run(&events)), vec![0, 7]);
        assert_eq!(Query::default().run(&events).len(), 30);
        // An event without a time never meets a time bound.
        let q = Query {
            end: Some("2100-01-01T00:00:00Z".into()),
            ..Query::default()
        };
        assert!(!q.matches(&json!({"eventName": "Encrypt"})));
    }

    #[test]
    fn query_check_refuses_bad_queries() {
        let q = |v: Value| serde_json::from_value::<Query>(v).unwrap().check();
        assert!(q(json!({})).is_ok());
        assert!(q(json!({"start": "2026-11-27T10:00:00Z", "end": "2026-11-27T10:00:00Z"})).is_ok());
        assert!(
            q(json!({"start": "2026-11-27T10:00:01Z", "end": "2026-11-27T10:00:00Z"}))
                .unwrap_err()
                .contains("after")
        );
        assert!(q(json!({"start": "yesterday"}))
            .unwrap_err()
            .contains("start"));
        assert!(q(json!({"end": "2026-11-27T10:00:00"}))
            .unwrap_err()
            .contains("end"));
        assert!(q(json!({"key": ""})).is_err());
        assert!(q(json!({"limit": 0})).is_err());
        assert!(serde_json::from_value::<Query>(json!({"keyID": "x"})).is_err());
        // A bound that does not parse matches nothing.
        let bad = Query {
            start: Some("soon".into()),
            ..Query::default()
        };
        assert!(!bad.matches(&event(1)));
    }

    #[test]
    fn export_has_cloudtrails_file_shape() {
        let events = all_events(3);
        let file = export(events.iter());
        assert_eq!(file, json!({"Records": [event(0), event(1), event(2)]}));
        assert_eq!(export(std::iter::empty()), json!({"Records": []}));
        let q = Query {
            event_name: Some("Decrypt".into()),
            ..Query::default()
        };
        assert_eq!(
            export(q.run(&events).into_iter()),
            json!({"Records": [event(1)]})
        );
    }

    #[test]
    fn reports_serialize_in_camel_case() {
        let (mut events, digests, _) = trail(20, true);
        events.remove(3);
        let r = verify(&events, &digests, KEY, None);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["eventsChecked"], 19);
        assert_eq!(v["digestsChecked"], 1);
        assert_eq!(v["anchoredThrough"], 19);
        assert_eq!(v["problems"][0]["kind"], "removed");
        assert_eq!(v["problems"][0]["endSeq"], 3);
        assert_eq!(v["problems"][0]["eventId"], Value::Null);
        assert_eq!(
            serde_json::to_value(ProblemKind::DigestInvalid).unwrap(),
            "digestInvalid"
        );
    }
}
