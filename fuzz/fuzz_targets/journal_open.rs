//! The on-disk store's files, damaged any way: opening never panics, a frame torn at the
//! journal's end is cut off (and only that), any other damage is an error.
//!
//! The first byte picks what the rest is:
//! - 0: a journal (`[cut: u16][flip at: u16][flip mask: u8]` then the file). When it opens,
//!   the file is checked against the frame format: what was kept is whole frames, every cut of
//!   it opens and loses only the frame cut into, and one changed byte is an error unless it is
//!   in the last frame's checksum or payload, which is then cut off.
//! - 1: a snapshot; 2: an audit file; 3: a record document (`name`, a zero byte, its plaintext);
//! - 4: a whole store directory ([`wasm_kms_fuzz::join_files`]) opened with its root key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_kms::persist::log::{self, Commit, LogBackend, JOURNAL, SNAPSHOT};
use wasm_kms::persist::{records, DurableStore, Root};
use wasm_kms::store::StoredEvent;
use wasm_kms_fuzz::{split_files, MemDir, ROOT_KEY};

/// The frame header: length, its complement, CRC-32.
const HEADER: usize = 12;

/// Where each whole frame of `data` starts, and where the whole frames end.
fn frame_starts(data: &[u8]) -> (Vec<usize>, usize) {
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(len) = data.get(at..at + 4) {
        let len = u32::from_be_bytes(len.try_into().unwrap()) as usize;
        if at + HEADER + len > data.len() {
            break;
        }
        starts.push(at);
        at += HEADER + len;
    }
    (starts, at)
}

fn journal_dir(bytes: &[u8]) -> MemDir {
    let mut dir = MemDir::default();
    dir.files.insert(JOURNAL.to_owned(), bytes.to_vec());
    dir
}

/// Opens a directory holding only `journal`: `Ok(length kept, records)`.
fn open_journal(journal: &[u8]) -> Result<(usize, usize), String> {
    match LogBackend::open(journal_dir(journal)) {
        Ok((mut backend, loaded)) => {
            let kept = backend.dir_mut().files.get(JOURNAL).map_or(0, Vec::len);
            Ok((kept, loaded.records.len()))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn journal(data: &[u8]) {
    let Some((params, file)) = data.split_first_chunk::<5>() else {
        return;
    };
    let cut = usize::from(u16::from_be_bytes([params[0], params[1]]));
    let flip_at = usize::from(u16::from_be_bytes([params[2], params[3]]));
    let mask = params[4] | 1;
    let Ok((mut backend, loaded)) = LogBackend::open(journal_dir(file)) else {
        return;
    };
    let kept = backend
        .dir_mut()
        .files
        .get(JOURNAL)
        .cloned()
        .unwrap_or_default();
    assert!(file.starts_with(&kept), "opening only cuts the journal");
    let (starts, whole) = frame_starts(&kept);
    assert_eq!(whole, kept.len(), "what is kept is whole frames");
    // The store goes on from there: a new commit is read back after it.
    let event = StoredEvent {
        seq: u64::MAX,
        prev: [1; 32],
        hash: [2; 32],
        json: b"{}".to_vec(),
    };
    backend
        .commit(&Commit {
            writes: vec![("fuzz/record".to_owned(), Some(b"value".to_vec()))],
            events: vec![event],
            sync: true,
        })
        .expect("a commit after opening");
    let (_, reloaded) =
        LogBackend::open(backend.dir_mut().clone()).expect("the journal reopens after a commit");
    assert_eq!(
        reloaded.records.get("fuzz/record").map(Vec::as_slice),
        Some(&b"value"[..])
    );
    assert_eq!(
        reloaded.records.len(),
        loaded.records.len() + usize::from(!loaded.records.contains_key("fuzz/record"))
    );
    if kept.is_empty() {
        return;
    }
    // Reopening what was kept changes nothing.
    assert_eq!(
        open_journal(&kept),
        Ok((kept.len(), loaded.records.len())),
        "reopening a recovered journal"
    );
    // Any cut opens, and keeps the frames before the one it falls in.
    let cut = cut % (kept.len() + 1);
    let boundary = starts
        .iter()
        .copied()
        .chain([kept.len()])
        .filter(|s| *s <= cut)
        .max()
        .unwrap_or(0);
    let (cut_kept, _) = open_journal(&kept[..cut]).expect("a journal cut anywhere opens");
    assert_eq!(
        cut_kept, boundary,
        "a cut at {cut} keeps the frames before it"
    );
    // One changed byte.
    let at = flip_at % kept.len();
    let mut flipped = kept.clone();
    flipped[at] ^= mask;
    let frame = starts.iter().rposition(|s| *s <= at).unwrap();
    let in_header_length = at - starts[frame] < 8;
    let last = frame + 1 == starts.len();
    match open_journal(&flipped) {
        Ok((len, _)) => assert!(
            last && !in_header_length && len == starts[frame],
            "a changed byte at {at} (frame {frame} of {}) was not refused",
            starts.len()
        ),
        Err(e) => {
            assert!(
                !last || in_header_length,
                "a changed byte in the last frame's body is a torn write, not {e}"
            );
            assert!(e.contains("journal"), "the error names the file: {e}");
        }
    }
}

fn snapshot(data: &[u8]) {
    if let Ok(s) = log::decode_snapshot(data) {
        let again = log::encode_snapshot(s.seq, s.flushed_below, s.audit_len, &s.records)
            .expect("a decoded snapshot encodes");
        let back = log::decode_snapshot(&again).expect("a re-encoded snapshot decodes");
        assert_eq!(
            (back.seq, back.flushed_below, back.audit_len, &back.records),
            (s.seq, s.flushed_below, s.audit_len, &s.records)
        );
    }
    let mut dir = MemDir::default();
    dir.files.insert(SNAPSHOT.to_owned(), data.to_vec());
    if let Ok((mut backend, _)) = LogBackend::open(dir) {
        let _ = backend.scan_events(&mut |_| true);
    }
}

fn audit(data: &[u8]) {
    let mut events = Vec::new();
    if log::decode_audit(data, &mut |e| {
        events.push(e);
        true
    })
    .is_ok()
    {
        for e in &events {
            let bytes = log::encode_event(e).expect("an event encodes");
            let back = log::decode_event(&bytes).expect("an encoded event decodes");
            assert_eq!((back.seq, back.prev, back.hash), (e.seq, e.prev, e.hash));
            assert_eq!(back.json, e.json);
        }
        if !events.is_empty() {
            let framed = log::encode_audit(&events).expect("events encode");
            let mut again = Vec::new();
            log::decode_audit(&framed, &mut |e| {
                again.push(e.seq);
                true
            })
            .expect("re-encoded events decode");
            assert_eq!(again, events.iter().map(|e| e.seq).collect::<Vec<_>>());
        }
    }
    let _ = log::decode_event(data);
}

fn record(data: &[u8]) {
    let (name, plain) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let name = String::from_utf8_lossy(name);
    if let Ok(key) = records::decode_key(&name, plain) {
        let doc = records::encode_key(&key).expect("a decoded key encodes");
        let back = records::decode_key(&name, &doc).expect("a re-encoded key decodes");
        assert_eq!(back.arn, key.arn);
        assert_eq!(back.materials.len(), key.materials.len());
    }
    if let Ok(alias) = records::decode_alias(&name, plain) {
        let doc = records::encode_alias(&alias).expect("a decoded alias encodes");
        let back = records::decode_alias(&name, &doc).expect("a re-encoded alias decodes");
        assert_eq!(back.target, alias.target);
    }
}

fn store(data: &[u8]) {
    let dir = split_files(data);
    let root = Root::Key(zeroize::Zeroizing::new(ROOT_KEY));
    let entropy = Box::new(wasm_kms::env::InsecureTestEntropy::new(3));
    if let Ok(mut store) = DurableStore::open(dir, &root, entropy) {
        let _ = wasm_kms::store::Store::scan_events(&mut store, &mut |_| true);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 5 {
        0 => journal(rest),
        1 => snapshot(rest),
        2 => audit(rest),
        3 => record(rest),
        _ => store(rest),
    }
});
