//! The rules of a store that several pages share in one database (IndexedDB), without the
//! database: the binding (`src/wasm/idb.rs`) only moves the bytes these rules name.
//!
//! The database holds a **snapshot** (every record as of the last fold, in one value), the
//! **records changed since** (a sealed record, or an empty tombstone for a removed one), the
//! audit events, and a **generation** that every write raises. A page's memory reflects one
//! generation ([`PageState::generation`]); another page's write, heard of through a
//! `BroadcastChannel` or found by a write's check, makes it stale, and the page reads the store
//! again before its next call ([`PageState::stale`]). A write puts what a group of calls
//! committed and raises the generation, but only if the database is still at the page's
//! generation; else nothing is written and the calls run again ([`super::group`]). When more
//! than [`COMPACT_AT`] names have changed since the snapshot, the write that passes it stores
//! a new snapshot and clears the changed records instead.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use super::log::{
    decode_audit, decode_event, decode_snapshot, encode_audit, encode_event, encode_snapshot,
    Commit,
};
use crate::error::{KmsError, Result};
use crate::store::StoredEvent;

/// How many changed records the database keeps beside the snapshot before they are folded into
/// a new one.
pub const COMPACT_AT: usize = 1000;

/// The first bytes of a value of the events store that holds several events (a group's, or a
/// restored trail's), keyed by the first one's sequence number. A value without them is one
/// event, as a group of one writes it (and as every store written before group commit holds).
const EVENTS_MAGIC: &[u8; 8] = b"WKMSEVS1";

/// `events` (oldest first) as values of the events store, at most `per_value` to a value, each
/// keyed by its first event's sequence number.
pub fn event_values(events: &[StoredEvent], per_value: usize) -> Result<Vec<(u64, Vec<u8>)>> {
    events
        .chunks(per_value.max(1))
        .filter_map(|chunk| chunk.first().map(|first| (first.seq, chunk)))
        .map(|(seq, chunk)| match chunk {
            [one] => Ok((seq, encode_event(one)?)),
            _ => {
                let mut value = EVENTS_MAGIC.to_vec();
                value.extend_from_slice(&encode_audit(chunk)?);
                Ok((seq, value))
            }
        })
        .collect()
}

/// Appends the events one value of the events store holds to `out`; `None` if it is not
/// readable.
pub fn read_event_value(value: &[u8], out: &mut Vec<StoredEvent>) -> Option<()> {
    match value.strip_prefix(EVENTS_MAGIC.as_slice()) {
        None => out.push(decode_event(value)?),
        Some(frame) => decode_audit(frame, &mut |e| {
            out.push(e);
            true
        })
        .ok()?,
    }
    Some(())
}

/// What one read of the store found, as the database holds it.
#[derive(Debug, Default)]
pub struct Stored {
    /// The snapshot value, if there is one yet.
    pub snapshot: Option<Vec<u8>>,
    /// The records changed since the snapshot, by name: a sealed record, or empty for a
    /// removed one.
    pub changed: Vec<(String, Vec<u8>)>,
    /// The store's generation.
    pub generation: u64,
}

/// Every record (sealed, by name).
pub type Records = BTreeMap<String, Vec<u8>>;

/// Every record of a read (sealed, by name): the snapshot with the changed records over it.
/// Also which names the database keeps beside the snapshot.
pub fn merge(stored: Stored) -> Result<(Records, BTreeSet<String>)> {
    let mut records = match stored.snapshot {
        None => BTreeMap::new(),
        Some(bytes) => {
            decode_snapshot(&bytes)
                .map_err(|_| {
                    KmsError::Storage("IndexedDB: the snapshot is truncated or damaged".to_owned())
                })?
                .records
        }
    };
    let mut overlay = BTreeSet::new();
    for (name, value) in stored.changed {
        if value.is_empty() {
            records.remove(&name);
        } else {
            records.insert(name.clone(), value);
        }
        overlay.insert(name);
    }
    Ok((records, overlay))
}

/// What one write puts in the database, encoded before its transaction opens (nothing else is
/// awaited inside it).
#[derive(Debug, Default)]
pub struct WritePlan {
    /// The new snapshot, when this write folds the changed records into one; the changed
    /// records are then cleared and `puts` is empty.
    pub snapshot: Option<Vec<u8>>,
    /// Records to put, by name (an empty value is a tombstone).
    pub puts: Vec<(String, Vec<u8>)>,
    /// Audit events: one value for the whole write (see [`event_values`]), by its first
    /// event's sequence number.
    pub events: Vec<(u64, Vec<u8>)>,
    /// The generation the database must still be at.
    pub expected: u64,
    /// Every record changed (`None`: removed), applied to the page's state once committed.
    changed: BTreeMap<String, Option<Vec<u8>>>,
}

impl WritePlan {
    /// A store's first write, of `snapshot` and the event values `events` (a restore).
    pub fn first(snapshot: Vec<u8>, events: Vec<(u64, Vec<u8>)>) -> Self {
        WritePlan {
            snapshot: Some(snapshot),
            events,
            ..WritePlan::default()
        }
    }

    /// The generation the write leaves the store at.
    pub fn next(&self) -> u64 {
        self.expected.saturating_add(1)
    }
}

/// What a page knows of the shared store.
#[derive(Debug, Default)]
pub struct PageState {
    /// The generation this page's memory reflects.
    generation: u64,
    /// The newest generation heard of (from other pages, or found by a write's check).
    heard: Cell<u64>,
    /// Every record (sealed, by name) as of `generation`: what the next snapshot holds.
    records: BTreeMap<String, Vec<u8>>,
    /// The names the database keeps beside the snapshot.
    overlay: BTreeSet<String>,
    /// Memory holds what the database does not: the store must be read again.
    invalid: Cell<bool>,
}

impl PageState {
    /// The page's memory now holds a read of the store at `generation` (its records and
    /// changed names, as [`merge`] gave them): only once the records have all been unsealed,
    /// so that a read that fails leaves the page where it was.
    pub fn adopt(
        &mut self,
        records: BTreeMap<String, Vec<u8>>,
        overlay: BTreeSet<String>,
        generation: u64,
    ) {
        self.records = records;
        self.overlay = overlay;
        self.generation = generation;
        self.invalid.set(false);
        self.hear(generation);
    }

    /// Memory holds what the database does not (it could not be read back after a failed
    /// write): the page is stale until it reads the store again.
    pub fn invalidate(&self) {
        self.invalid.set(true);
    }

    /// The generation this page's memory reflects.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Another page says the store is at `generation` now (or a write found it there).
    pub fn hear(&self, generation: u64) {
        if generation > self.heard.get() {
            self.heard.set(generation);
        }
    }

    /// Whether another page wrote since this one read the store: it must read it again before
    /// it runs a call.
    pub fn stale(&self) -> bool {
        self.invalid.get() || self.heard.get() > self.generation
    }

    /// What writing `commits` (oldest first) puts, checked against this page's generation.
    pub fn plan(&self, commits: &[Commit]) -> Result<WritePlan> {
        let mut changed = BTreeMap::new();
        let mut events = Vec::new();
        for c in commits {
            for (name, value) in &c.writes {
                changed.insert(name.clone(), value.clone());
            }
            events.extend(c.events.iter().cloned());
        }
        let events = event_values(&events, usize::MAX)?;
        let added = changed
            .keys()
            .filter(|name| !self.overlay.contains(*name))
            .count();
        let mut plan = WritePlan {
            events,
            expected: self.generation,
            ..WritePlan::default()
        };
        if self.overlay.len() + added > COMPACT_AT {
            let mut after = self.records.clone();
            apply(&mut after, &changed);
            plan.snapshot = Some(encode_snapshot(0, 0, 0, &after)?);
        } else {
            plan.puts = changed
                .iter()
                .map(|(name, value)| (name.clone(), value.clone().unwrap_or_default()))
                .collect();
        }
        plan.changed = changed;
        Ok(plan)
    }

    /// The database committed `plan`: the page reflects the generation it wrote.
    pub fn written(&mut self, plan: WritePlan) {
        let next = plan.next();
        if plan.snapshot.is_some() {
            self.overlay.clear();
        } else {
            self.overlay.extend(plan.changed.keys().cloned());
        }
        apply(&mut self.records, &plan.changed);
        self.generation = next;
        self.hear(next);
    }
}

/// Puts or removes each changed record (`None`: removed).
fn apply(records: &mut BTreeMap<String, Vec<u8>>, changed: &BTreeMap<String, Option<Vec<u8>>>) {
    for (name, value) in changed {
        match value {
            Some(v) => records.insert(name.clone(), v.clone()),
            None => records.remove(name),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(writes: &[(&str, Option<&str>)], seq: Option<u64>) -> Commit {
        Commit {
            writes: writes
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.map(|v| v.as_bytes().to_vec())))
                .collect(),
            events: seq
                .map(|seq| StoredEvent {
                    seq,
                    prev: [0; 32],
                    hash: [1; 32],
                    json: b"{}".to_vec(),
                })
                .into_iter()
                .collect(),
            sync: true,
        }
    }

    /// A database as the binding keeps it, to check plans against.
    #[derive(Default)]
    struct Db {
        snapshot: Option<Vec<u8>>,
        changed: BTreeMap<String, Vec<u8>>,
        events: BTreeMap<u64, Vec<u8>>,
        generation: u64,
    }

    impl Db {
        fn read(&self) -> Stored {
            Stored {
                snapshot: self.snapshot.clone(),
                changed: self
                    .changed
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                generation: self.generation,
            }
        }
        /// The transaction: refused (nothing written) unless the generation is the expected one.
        fn write(&mut self, plan: &WritePlan) -> bool {
            // The events store gets one value per write.
            assert!(plan.events.len() <= 1);
            if self.generation != plan.expected {
                return false;
            }
            if let Some(s) = &plan.snapshot {
                self.snapshot = Some(s.clone());
                self.changed.clear();
            }
            for (name, value) in &plan.puts {
                self.changed.insert(name.clone(), value.clone());
            }
            for (seq, e) in &plan.events {
                self.events.insert(*seq, e.clone());
            }
            self.generation = plan.next();
            true
        }
    }

    fn names(records: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
        records.keys().cloned().collect()
    }

    impl PageState {
        /// Reads the store as the binding does: merged, then adopted.
        fn load(&mut self, stored: Stored) -> Result<BTreeMap<String, Vec<u8>>> {
            let generation = stored.generation;
            let (records, overlay) = merge(stored)?;
            self.adopt(records.clone(), overlay, generation);
            Ok(records)
        }
    }

    #[test]
    fn changed_records_and_tombstones_lie_over_the_snapshot() {
        let mut snapshot = BTreeMap::new();
        snapshot.insert("a".to_owned(), b"old a".to_vec());
        snapshot.insert("b".to_owned(), b"old b".to_vec());
        let (records, overlay) = merge(Stored {
            snapshot: Some(encode_snapshot(0, 0, 0, &snapshot).unwrap()),
            changed: vec![
                ("a".to_owned(), b"new a".to_vec()),
                ("b".to_owned(), Vec::new()),
                ("c".to_owned(), b"c".to_vec()),
            ],
            generation: 4,
        })
        .unwrap();
        assert_eq!(names(&records), vec!["a", "c"]);
        assert_eq!(records["a"], b"new a");
        assert_eq!(overlay.len(), 3);
        let damaged = merge(Stored {
            snapshot: Some(b"WKMSSNP1 and then nothing".to_vec()),
            ..Stored::default()
        });
        assert!(damaged.unwrap_err().to_string().contains("snapshot"));
    }

    #[test]
    fn a_write_puts_what_changed_and_raises_the_generation() {
        let mut db = Db::default();
        let mut page = PageState::default();
        page.load(db.read()).unwrap();
        let plan = page
            .plan(&[
                commit(&[("a", Some("1")), ("b", Some("2"))], Some(0)),
                commit(&[("b", None)], Some(1)),
            ])
            .unwrap();
        assert!(plan.snapshot.is_none());
        assert_eq!(plan.expected, 0);
        assert_eq!(plan.events.len(), 1, "both events in one value");
        let mut read = Vec::new();
        read_event_value(&plan.events[0].1, &mut read).unwrap();
        assert_eq!(read.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![0, 1]);
        // A record changed twice is put once, as it ended: removed.
        assert_eq!(
            plan.puts,
            vec![
                ("a".to_owned(), b"1".to_vec()),
                ("b".to_owned(), Vec::new())
            ]
        );
        assert!(db.write(&plan));
        page.written(plan);
        assert_eq!(page.generation(), 1);
        assert!(!page.stale());
        let mut other = PageState::default();
        assert_eq!(names(&other.load(db.read()).unwrap()), vec!["a"]);
    }

    #[test]
    fn a_page_behind_the_store_is_stale_and_its_write_is_refused() {
        let mut db = Db::default();
        let mut a = PageState::default();
        let mut b = PageState::default();
        a.load(db.read()).unwrap();
        b.load(db.read()).unwrap();
        let plan = a.plan(&[commit(&[("x", Some("1"))], Some(0))]).unwrap();
        assert!(db.write(&plan));
        a.written(plan);
        // B has not heard yet: its write is refused by the check, and nothing is written.
        assert!(!b.stale());
        let plan = b.plan(&[commit(&[("y", Some("1"))], Some(0))]).unwrap();
        assert!(!db.write(&plan));
        assert!(!db.changed.contains_key("y"));
        b.hear(db.generation);
        assert!(b.stale());
        // Read again, it sees A's write, and its write goes through.
        assert_eq!(names(&b.load(db.read()).unwrap()), vec!["x"]);
        assert!(!b.stale());
        let plan = b.plan(&[commit(&[("y", Some("1"))], Some(1))]).unwrap();
        assert!(db.write(&plan));
        b.written(plan);
        // A hears of it (the channel) and is stale; hearing an older generation changes nothing.
        a.hear(1);
        assert!(!a.stale());
        a.hear(db.generation);
        assert!(a.stale());
        // A page whose memory is not the database's is stale until it reads the store.
        b.invalidate();
        assert!(b.stale());
        b.load(db.read()).unwrap();
        assert!(!b.stale());
    }

    #[test]
    fn past_the_limit_the_changed_records_fold_into_a_new_snapshot() {
        let mut db = Db::default();
        let mut page = PageState::default();
        page.load(db.read()).unwrap();
        let mut expected = BTreeMap::new();
        for i in 0..COMPACT_AT + 5 {
            let name = format!("key/{i:05}");
            let plan = page
                .plan(&[commit(&[(&name, Some("v"))], Some(i as u64))])
                .unwrap();
            let folds = plan.snapshot.is_some();
            assert_eq!(folds, i == COMPACT_AT, "at {i}");
            assert!(db.write(&plan));
            page.written(plan);
            expected.insert(name, b"v".to_vec());
        }
        assert!(db.snapshot.is_some());
        assert_eq!(db.changed.len(), 4);
        // A removal after the fold is a tombstone over the snapshot.
        let plan = page
            .plan(&[commit(&[("key/00003", None)], Some(9999))])
            .unwrap();
        assert!(db.write(&plan));
        page.written(plan);
        expected.remove("key/00003");
        let mut fresh = PageState::default();
        assert_eq!(fresh.load(db.read()).unwrap(), expected);
        assert_eq!(db.events.len(), COMPACT_AT + 6);
    }

    fn event(seq: u64) -> StoredEvent {
        StoredEvent {
            seq,
            prev: [seq as u8; 32],
            hash: [seq as u8 ^ 0xff; 32],
            json: format!("{{\"n\":{seq}}}").into_bytes(),
        }
    }

    #[test]
    fn events_are_kept_several_to_a_value_and_one_alone_as_before() {
        let events: Vec<StoredEvent> = (10..17).map(event).collect();
        let values = event_values(&events, 3).unwrap();
        assert_eq!(
            values.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            vec![10, 13, 16]
        );
        // The last value holds one event, in the encoding of one event.
        assert_eq!(values[2].1, encode_event(&events[6]).unwrap());
        let mut read = Vec::new();
        for (_, v) in &values {
            read_event_value(v, &mut read).unwrap();
        }
        assert_eq!(read, events);
        assert!(event_values(&[], 3).unwrap().is_empty());
        // A damaged value is not readable, whichever kind it is.
        for (_, v) in &values {
            let mut bad = v.clone();
            bad.truncate(v.len() - 1);
            assert!(read_event_value(&bad, &mut Vec::new()).is_none());
        }
    }
}
