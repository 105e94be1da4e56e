//! The on-disk store: a snapshot, a journal and an audit file in one directory, written so
//! that a crash at any moment loses nothing that was acknowledged.
//!
//! - `journal`: one frame per committed operation, appended and made durable (fsync) before
//!   the operation is acknowledged. A frame is its length, the first 8 bytes of the SHA-256 of
//!   its payload, and the payload, so a frame torn by a crash is recognised and dropped (it was
//!   never acknowledged), while damage anywhere else is reported by offset.
//! - `snapshot`: every record as of one journal sequence number, replaced atomically (written
//!   to a temporary file, synced, renamed). When the journal grows past its limit, its audit
//!   events move to `audit`, a new snapshot is written and the journal starts again.
//! - `audit`: frames of audit events, oldest first; read only by queries and verification,
//!   never at open, so opening a store with a long history stays fast.
//!
//! The file system is reached through [`Dir`], which the native build implements with
//! `std::fs` and the Node binding with `node:fs`.

use std::collections::BTreeMap;

use crate::error::{KmsError, Result};
pub use crate::store::StoredEvent;

/// The few file operations the store needs, each durable when it returns.
pub trait Dir {
    /// The whole content of `name`, or `None` when there is no such file.
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>>;
    /// Appends `bytes` to `name` (creating it), and, if `sync`, syncs it to disk (which also
    /// makes every earlier append durable).
    fn append(&mut self, name: &str, bytes: &[u8], sync: bool) -> Result<()>;
    /// Replaces `name` atomically with `bytes`: a temporary file, synced, renamed over `name`,
    /// and the directory synced.
    fn replace(&mut self, name: &str, bytes: &[u8]) -> Result<()>;
    /// Cuts `name` to its first `len` bytes and syncs it.
    fn truncate(&mut self, name: &str, len: u64) -> Result<()>;
    /// Creates `name` holding `bytes`, readable by the owner only, unless it exists: whole or
    /// not at all (a temporary file, synced, linked in place), and the directory synced.
    /// `Ok(false)`: it existed, and is as it was. (This default does not exclude another
    /// process, nor set the mode; the real directories do both.)
    fn create_new(&mut self, name: &str, bytes: &[u8]) -> Result<bool> {
        if self.read(name)?.is_some() {
            return Ok(false);
        }
        self.replace(name, bytes)?;
        Ok(true)
    }
    /// `name` as errors name it: its path.
    fn path_of(&self, name: &str) -> String {
        name.to_owned()
    }
}

/// The journal file.
pub const JOURNAL: &str = "journal";
/// The snapshot file.
pub const SNAPSHOT: &str = "snapshot";
/// The audit file.
pub const AUDIT: &str = "audit";

const SNAPSHOT_MAGIC: &[u8; 8] = b"WKMSSNP1";
const FRAME_HEADER: usize = 12;

/// What one operation writes: records put (`Some`, sealed) or removed (`None`), and events.
#[derive(Clone, Debug, Default)]
pub struct Commit {
    /// Records by name.
    pub writes: Vec<(String, Option<Vec<u8>>)>,
    /// Audit events, in order.
    pub events: Vec<StoredEvent>,
    /// Whether the commit changes KMS state (keys, aliases, settings), and so must be on disk
    /// before it is acknowledged. A commit of only audit events (a read such as Decrypt) is
    /// written at once but synced with the next state change: a killed process loses nothing
    /// of it (the operating system has it), a power cut at most the newest reads' events.
    pub sync: bool,
}

/// Everything a store holds when it is opened, but the audit history.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every record, by name (sealed).
    pub records: BTreeMap<String, Vec<u8>>,
    /// The audit events not yet moved to the audit file, oldest first.
    pub recent_events: Vec<StoredEvent>,
}

// ---- byte encoding ------------------------------------------------------------------------

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: usize) -> Result<()> {
        let v = u32::try_from(v)
            .map_err(|_| KmsError::Storage("a record is too large to store".to_owned()))?;
        self.0.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn bytes(&mut self, b: &[u8]) -> Result<()> {
        self.u32(b.len())?;
        self.0.extend_from_slice(b);
        Ok(())
    }
    fn event(&mut self, e: &StoredEvent) -> Result<()> {
        self.u64(e.seq);
        self.0.extend_from_slice(&e.prev);
        self.0.extend_from_slice(&e.hash);
        self.bytes(&e.json)
    }
}

/// Reads a payload, refusing anything short and (through [`Reader::end`]) anything left over.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<usize> {
        let b: [u8; 4] = self.take(4)?.try_into().ok()?;
        usize::try_from(u32::from_be_bytes(b)).ok()
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
    fn array32(&mut self) -> Option<[u8; 32]> {
        self.take(32)?.try_into().ok()
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()?;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
    fn event(&mut self) -> Option<StoredEvent> {
        Some(StoredEvent {
            seq: self.u64()?,
            prev: self.array32()?,
            hash: self.array32()?,
            json: self.bytes()?.to_vec(),
        })
    }
    fn end(&self) -> Option<()> {
        self.0.is_empty().then_some(())
    }
}

/// One audit event as bytes (for a binding's own database): the same encoding as in the files.
pub fn encode_event(e: &StoredEvent) -> Result<Vec<u8>> {
    let mut w = Writer(Vec::with_capacity(76 + e.json.len()));
    w.event(e)?;
    Ok(w.0)
}

/// The inverse of [`encode_event`]; `None` for bytes that are not exactly one event.
pub fn decode_event(bytes: &[u8]) -> Option<StoredEvent> {
    let mut r = Reader(bytes);
    let e = r.event()?;
    r.end()?;
    Some(e)
}

/// A frame's checksum: CRC-32, to tell a torn or damaged frame (the records inside are sealed
/// with AES-GCM, which is what protects them from tampering).
fn checksum(payload: &[u8]) -> [u8; 4] {
    crc32fast::hash(payload).to_be_bytes()
}

/// A frame: length, the length's complement (so a damaged length is told from a torn write),
/// checksum, payload.
fn frame(payload: &[u8]) -> Result<Vec<u8>> {
    let mut w = Writer(Vec::with_capacity(FRAME_HEADER + payload.len()));
    w.u32(payload.len())?;
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    w.0.extend_from_slice(&(!len).to_be_bytes());
    w.0.extend_from_slice(&checksum(payload));
    w.0.extend_from_slice(payload);
    Ok(w.0)
}

/// How reading a file of frames ended.
enum FramesEnd {
    /// At the end of the file.
    Clean,
    /// At a frame cut short by a crash, which starts at this offset.
    Torn(u64),
}

/// Calls `f` with each frame's payload and offset; a damaged frame that is not the file's last
/// is an error naming `file` and the offset.
fn frames(
    file: &str,
    data: &[u8],
    mut f: impl FnMut(&[u8], u64) -> Result<()>,
) -> Result<FramesEnd> {
    let mut at = 0usize;
    while at < data.len() {
        let rest = data.get(at..).unwrap_or(&[]);
        let mut r = Reader(rest);
        let header = r.u32().zip(r.u32()).zip(r.take(4));
        let Some(((len, check), sum)) = header else {
            return Ok(FramesEnd::Torn(at as u64));
        };
        if u32::try_from(len).map(|l| !l) != u32::try_from(check) {
            return Err(KmsError::Storage(format!(
                "the store's `{file}` file is corrupted at byte {at} (a frame's length is damaged)"
            )));
        }
        let Some(payload) = r.take(len) else {
            return Ok(FramesEnd::Torn(at as u64));
        };
        let end = at + FRAME_HEADER + len;
        if sum != checksum(payload) {
            if end == data.len() {
                return Ok(FramesEnd::Torn(at as u64));
            }
            return Err(KmsError::Storage(format!(
                "the store's `{file}` file is corrupted at byte {at} (a frame's checksum does not match)"
            )));
        }
        f(payload, at as u64)?;
        at = end;
    }
    Ok(FramesEnd::Clean)
}

fn bad_frame(file: &str, at: u64) -> KmsError {
    KmsError::Storage(format!(
        "the store's `{file}` file has a malformed frame at byte {at}"
    ))
}

/// What a snapshot holds: every record as of commit `seq`, and where the audit file stood.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The sequence number of the last commit folded in.
    pub seq: u64,
    /// Events with a lower sequence number are in the audit file.
    pub flushed_below: u64,
    /// The audit file's length when the snapshot was written.
    pub audit_len: u64,
    /// Every record, by name (sealed).
    pub records: BTreeMap<String, Vec<u8>>,
}

/// A snapshot file's bytes.
pub fn encode_snapshot(
    seq: u64,
    flushed_below: u64,
    audit_len: u64,
    records: &BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>> {
    let mut w = Writer(Vec::new());
    w.u64(seq);
    w.u64(flushed_below);
    w.u64(audit_len);
    w.u32(records.len())?;
    for (name, value) in records {
        w.bytes(name.as_bytes())?;
        w.bytes(value)?;
    }
    let mut snapshot = SNAPSHOT_MAGIC.to_vec();
    snapshot.extend_from_slice(&frame(&w.0)?);
    Ok(snapshot)
}

/// The parts of a snapshot file; an error names what is wrong with it.
pub fn decode_snapshot(data: &[u8]) -> Result<Snapshot> {
    let body = data
        .strip_prefix(SNAPSHOT_MAGIC.as_slice())
        .ok_or_else(|| {
            KmsError::Storage("the store's `snapshot` file is not a wasm-kms snapshot".to_owned())
        })?;
    let mut count = 0;
    let mut out = Snapshot::default();
    let end = frames(SNAPSHOT, body, |payload, at| {
        count += 1;
        let mut r = Reader(payload);
        let parsed = (|| {
            let seq = r.u64()?;
            let flushed_below = r.u64()?;
            let audit_len = r.u64()?;
            let n = r.u32()?;
            let mut records = BTreeMap::new();
            for _ in 0..n {
                let name = r.string()?;
                let value = r.bytes()?.to_vec();
                records.insert(name, value);
            }
            r.end()?;
            Some(Snapshot {
                seq,
                flushed_below,
                audit_len,
                records,
            })
        })();
        out = parsed.ok_or_else(|| bad_frame(SNAPSHOT, at))?;
        Ok(())
    })?;
    if count != 1 || matches!(end, FramesEnd::Torn(_)) {
        return Err(KmsError::Storage(
            "the store's `snapshot` file is truncated or damaged".to_owned(),
        ));
    }
    Ok(out)
}

/// One frame of the audit file, holding `events`.
pub fn encode_audit(events: &[StoredEvent]) -> Result<Vec<u8>> {
    let mut w = Writer(Vec::new());
    w.u32(events.len())?;
    for e in events {
        w.event(e)?;
    }
    frame(&w.0)
}

/// Calls `f` with every event in `data` (whole frames of the audit file), in file order, until
/// it returns `false`. A damaged or torn frame is an error naming its offset.
pub fn decode_audit(data: &[u8], f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
    let mut go = true;
    let end = frames(AUDIT, data, |payload, at| {
        if !go {
            return Ok(());
        }
        let mut r = Reader(payload);
        let n = r.u32().ok_or_else(|| bad_frame(AUDIT, at))?;
        for _ in 0..n {
            let e = r.event().ok_or_else(|| bad_frame(AUDIT, at))?;
            if !f(e) {
                go = false;
                return Ok(());
            }
        }
        r.end().ok_or_else(|| bad_frame(AUDIT, at))
    })?;
    match end {
        FramesEnd::Clean => Ok(()),
        FramesEnd::Torn(at) => Err(bad_frame(AUDIT, at)),
    }
}

/// The journal and snapshot store over a [`Dir`].
pub struct LogBackend<D: Dir> {
    dir: D,
    /// The sequence number of the last commit.
    seq: u64,
    /// Every record (sealed), as of `seq`: what the next snapshot writes.
    records: BTreeMap<String, Vec<u8>>,
    /// Events in the journal, not yet in the audit file.
    journal_events: Vec<StoredEvent>,
    /// How many events moved to the audit file: those with a lower sequence number.
    flushed_below: u64,
    /// The audit file's length as of the snapshot: anything past it is a compaction cut short,
    /// whose events are still in the journal.
    audit_len: u64,
    journal_len: u64,
    snapshot_len: u64,
    /// The journal length past which it is folded into a snapshot.
    compact_at: u64,
    /// Whether commits wait in `pending` for [`LogBackend::flush`] (group commit) instead of
    /// being appended one by one.
    deferred: bool,
    /// Frames committed but not yet appended (deferred mode); `journal_len` counts them.
    pending: Vec<u8>,
    /// Whether a frame in `pending` changes KMS state, so that the flush must sync.
    pending_sync: bool,
    /// Set when a flush failed: this backend's state holds commits the files do not, and it
    /// takes no more until [`LogBackend::reload`] reads the files again.
    lost: bool,
}

/// The journal length past which it is folded into a new snapshot (unless the snapshot is
/// larger still: then at twice the snapshot's length).
pub const COMPACT_AT: u64 = 8 << 20;

impl<D: Dir> LogBackend<D> {
    /// Opens the store in `dir` (empty or new), recovering from a crash: a frame torn at the
    /// journal's end is cut off; anything else damaged is an error naming the file and offset.
    pub fn open(dir: D) -> Result<(Self, Loaded)> {
        let mut backend = LogBackend {
            dir,
            seq: 0,
            records: BTreeMap::new(),
            journal_events: Vec::new(),
            flushed_below: 0,
            audit_len: 0,
            journal_len: 0,
            snapshot_len: 0,
            compact_at: COMPACT_AT,
            deferred: false,
            pending: Vec::new(),
            pending_sync: false,
            lost: false,
        };
        let loaded = backend.reload()?;
        Ok((backend, loaded))
    }

    /// Reads the store from the files again, as [`LogBackend::open`] does, dropping every
    /// commit not flushed: after a failed flush, this is what the files hold.
    pub fn reload(&mut self) -> Result<Loaded> {
        let dir = &mut self.dir;
        let mut records = BTreeMap::new();
        let mut seq = 0;
        let mut flushed_below = 0;
        let mut audit_len = 0;
        let snapshot = dir.read(SNAPSHOT)?;
        let snapshot_len = snapshot.as_ref().map_or(0, |s| s.len() as u64);
        if let Some(data) = snapshot {
            let parts = decode_snapshot(&data)?;
            seq = parts.seq;
            flushed_below = parts.flushed_below;
            audit_len = parts.audit_len;
            records = parts.records;
        }
        let mut recent_events = Vec::new();
        let journal = dir.read(JOURNAL)?.unwrap_or_default();
        let mut journal_len = journal.len() as u64;
        let end = frames(JOURNAL, &journal, |payload, at| {
            let mut r = Reader(payload);
            let parsed = (|| {
                let s = r.u64()?;
                let n = r.u32()?;
                let mut writes = Vec::new();
                for _ in 0..n {
                    let name = r.string()?;
                    let value = match r.take(1)? {
                        [1] => Some(r.bytes()?.to_vec()),
                        [0] => None,
                        _ => return None,
                    };
                    writes.push((name, value));
                }
                let m = r.u32()?;
                let mut events = Vec::new();
                for _ in 0..m {
                    events.push(r.event()?);
                }
                r.end()?;
                Some((s, writes, events))
            })();
            let (s, writes, events) = parsed.ok_or_else(|| bad_frame(JOURNAL, at))?;
            // Frames the snapshot already holds (a crash between writing it and starting a
            // new journal) are skipped.
            if s > seq {
                for (name, value) in writes {
                    match value {
                        Some(v) => records.insert(name, v),
                        None => records.remove(&name),
                    };
                }
                seq = s;
            }
            recent_events.extend(events.into_iter().filter(|e| e.seq >= flushed_below));
            Ok(())
        })?;
        if let FramesEnd::Torn(at) = end {
            dir.truncate(JOURNAL, at)?;
            journal_len = at;
        }
        self.seq = seq;
        self.records = records.clone();
        self.journal_events = recent_events.clone();
        self.flushed_below = flushed_below;
        self.audit_len = audit_len;
        self.journal_len = journal_len;
        self.snapshot_len = snapshot_len;
        self.pending.clear();
        self.pending_sync = false;
        self.lost = false;
        Ok(Loaded {
            records,
            recent_events,
        })
    }

    /// Sets the journal length past which it is folded into a snapshot (for tests).
    pub fn set_compact_at(&mut self, bytes: u64) {
        self.compact_at = bytes;
    }

    /// Defers commits (or stops deferring them, after a flush): each waits, encoded, for
    /// [`LogBackend::flush`], which appends every waiting frame at once and syncs once (group
    /// commit). The caller acknowledges a deferred commit only after the flush.
    pub fn set_deferred(&mut self, deferred: bool) -> Result<()> {
        if !deferred {
            self.flush()?;
        }
        self.deferred = deferred;
        Ok(())
    }

    /// Appends one commit to the journal and syncs it (if it changes state): when this returns
    /// `Ok`, the commit survives any crash. In deferred mode it only waits for the next
    /// [`LogBackend::flush`], though later commits and reads see it at once.
    pub fn commit(&mut self, commit: &Commit) -> Result<()> {
        if commit.writes.is_empty() && commit.events.is_empty() {
            return Ok(());
        }
        if self.lost {
            return Err(KmsError::Storage(
                "the store's journal could not be written: the store must be read again".to_owned(),
            ));
        }
        let seq = self.seq + 1;
        let mut w = Writer(Vec::new());
        w.u64(seq);
        w.u32(commit.writes.len())?;
        for (name, value) in &commit.writes {
            w.bytes(name.as_bytes())?;
            match value {
                Some(v) => {
                    w.0.push(1);
                    w.bytes(v)?;
                }
                None => w.0.push(0),
            }
        }
        w.u32(commit.events.len())?;
        for e in &commit.events {
            w.event(e)?;
        }
        let frame = frame(&w.0)?;
        if self.deferred {
            self.pending.extend_from_slice(&frame);
            self.pending_sync |= commit.sync;
        } else if let Err(e) = self.dir.append(JOURNAL, &frame, commit.sync) {
            // Whatever part of the frame reached the file is cut off again, so the next
            // commit does not follow a torn frame.
            let _ = self.dir.truncate(JOURNAL, self.journal_len);
            return Err(e);
        }
        self.journal_len += frame.len() as u64;
        self.seq = seq;
        for (name, value) in &commit.writes {
            match value {
                Some(v) => self.records.insert(name.clone(), v.clone()),
                None => self.records.remove(name),
            };
        }
        self.journal_events.extend(commit.events.iter().cloned());
        if !self.deferred {
            self.compact_if_due();
        }
        Ok(())
    }

    /// Appends every deferred frame in one write, synced once if any of them changes state.
    /// On failure whatever part reached the file is cut off again, and this backend takes no
    /// more commits until [`LogBackend::reload`]: the caller reads the store again, so that
    /// memory holds exactly what the files do, and fails every call the flush was for.
    pub fn flush(&mut self) -> Result<()> {
        if self.lost {
            return Err(KmsError::Storage(
                "the store's journal could not be written: the store must be read again".to_owned(),
            ));
        }
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let sync = std::mem::take(&mut self.pending_sync);
        let durable = self.journal_len.saturating_sub(pending.len() as u64);
        if let Err(e) = self.dir.append(JOURNAL, &pending, sync) {
            let _ = self.dir.truncate(JOURNAL, durable);
            self.lost = true;
            return Err(e);
        }
        self.compact_if_due();
        Ok(())
    }

    /// Whether commits wait for [`LogBackend::flush`].
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Folds the journal into a snapshot if it has grown past its limit.
    fn compact_if_due(&mut self) {
        if self.journal_len > self.compact_at.max(self.snapshot_len.saturating_mul(2)) {
            // The commits are durable already; a failed compaction only leaves a longer journal.
            let _ = self.compact();
        }
    }

    /// Folds the journal into a new snapshot: its events move to the audit file first, then
    /// the snapshot is replaced, then the journal starts again. A crash between any two steps
    /// loses nothing (events are read back by sequence number, duplicates skipped).
    pub fn compact(&mut self) -> Result<()> {
        // What is deferred reaches the journal first: the snapshot must not hold a commit the
        // files would otherwise not.
        self.flush()?;
        let mut audit_len = self.audit_len;
        if !self.journal_events.is_empty() {
            let frame = encode_audit(&self.journal_events)?;
            // Whatever a compaction cut short appended is cut off first.
            self.dir.truncate(AUDIT, self.audit_len)?;
            self.dir.append(AUDIT, &frame, true)?;
            audit_len += frame.len() as u64;
        }
        let flushed = self
            .journal_events
            .last()
            .map_or(self.flushed_below, |e| e.seq.saturating_add(1));
        let snapshot = encode_snapshot(self.seq, flushed, audit_len, &self.records)?;
        self.dir.replace(SNAPSHOT, &snapshot)?;
        self.snapshot_len = snapshot.len() as u64;
        self.flushed_below = flushed;
        self.audit_len = audit_len;
        self.journal_events.clear();
        self.dir.replace(JOURNAL, &[])?;
        self.journal_len = 0;
        Ok(())
    }

    /// Every audit event, oldest first: the audit file, then the journal's. `f` returns
    /// `false` to stop.
    pub fn scan_events(&mut self, f: &mut dyn FnMut(StoredEvent) -> bool) -> Result<()> {
        let mut last: Option<u64> = None;
        let mut go = true;
        if let Some(data) = self.dir.read(AUDIT)? {
            // Past `audit_len` is a compaction cut short: its events are still in the journal.
            let data = data
                .get(..usize::try_from(self.audit_len).unwrap_or(usize::MAX))
                .unwrap_or(&data);
            decode_audit(data, &mut |e| {
                if last.is_none_or(|l| e.seq > l) {
                    last = Some(e.seq);
                    go = f(e);
                }
                go
            })?;
        }
        for e in &self.journal_events {
            if !go {
                break;
            }
            if last.is_none_or(|l| e.seq > l) {
                last = Some(e.seq);
                go = f(e.clone());
            }
        }
        Ok(())
    }

    /// Every record, by name (sealed), as of the last commit.
    pub fn records(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.records
    }

    /// The directory.
    pub fn dir_mut(&mut self) -> &mut D {
        &mut self.dir
    }
}

#[cfg(test)]
pub(crate) mod tests;
