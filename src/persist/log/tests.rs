//! The journal and snapshot: frames, torn tails, damage named by file and offset, compaction
//! cut short, and group commit's deferred flush.

use super::*;

/// A directory in memory that can fail or tear writes, for crash tests.
#[derive(Clone, Default)]
pub(crate) struct MemDir {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every append: the file, how many bytes, and whether it was synced.
    pub appends: Vec<(String, usize, bool)>,
    /// Appends fail after writing this many bytes of what they were given (a torn write).
    pub fail_after: Option<usize>,
}

impl Dir for MemDir {
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.files.get(name).cloned())
    }
    fn append(&mut self, name: &str, bytes: &[u8], sync: bool) -> Result<()> {
        let file = self.files.entry(name.to_owned()).or_default();
        if let Some(n) = self.fail_after {
            file.extend_from_slice(&bytes[..n.min(bytes.len())]);
            return Err(KmsError::Storage("the disk is full".to_owned()));
        }
        file.extend_from_slice(bytes);
        self.appends.push((name.to_owned(), bytes.len(), sync));
        Ok(())
    }
    fn replace(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.files.insert(name.to_owned(), bytes.to_vec());
        Ok(())
    }
    fn truncate(&mut self, name: &str, len: u64) -> Result<()> {
        if let Some(f) = self.files.get_mut(name) {
            f.truncate(len as usize);
        }
        Ok(())
    }
}

fn event(seq: u64) -> StoredEvent {
    StoredEvent {
        seq,
        prev: [seq as u8; 32],
        hash: [seq as u8 + 1; 32],
        json: format!("{{\"n\":{seq}}}").into_bytes(),
    }
}

fn put(name: &str, v: &str, seq: u64) -> Commit {
    Commit {
        writes: vec![(name.to_owned(), Some(v.as_bytes().to_vec()))],
        events: vec![event(seq)],
        sync: true,
    }
}

fn all_events(b: &mut LogBackend<MemDir>) -> Vec<u64> {
    let mut out = Vec::new();
    b.scan_events(&mut |e| {
        out.push(e.seq);
        true
    })
    .unwrap();
    out
}

#[test]
fn commits_survive_reopening_and_compaction() {
    let (mut b, loaded) = LogBackend::open(MemDir::default()).unwrap();
    assert!(loaded.records.is_empty());
    b.set_compact_at(300);
    for i in 1..=40u64 {
        b.commit(&put(&format!("r{}", i % 7), &format!("v{i}"), i))
            .unwrap();
    }
    b.commit(&Commit {
        writes: vec![("r0".to_owned(), None)],
        events: vec![event(41)],
        sync: true,
    })
    .unwrap();
    assert!(b.dir.files.contains_key(AUDIT), "compaction ran");
    let dir = b.dir.clone();
    let (mut again, loaded) = LogBackend::open(dir).unwrap();
    assert_eq!(loaded.records.len(), 6);
    assert_eq!(loaded.records.get("r5").unwrap(), b"v40");
    assert!(!loaded.records.contains_key("r0"));
    assert_eq!(all_events(&mut again), (1..=41).collect::<Vec<_>>());
}

#[test]
fn a_torn_last_frame_is_dropped_and_anything_else_damaged_is_named() {
    let (mut b, _) = LogBackend::open(MemDir::default()).unwrap();
    b.commit(&put("a", "1", 1)).unwrap();
    b.commit(&put("b", "2", 2)).unwrap();
    let full = b.dir.files.get(JOURNAL).unwrap().clone();
    // Every cut inside the last frame loses only that frame.
    let first_len = full.len() / 2;
    for cut in first_len..full.len() {
        let mut dir = b.dir.clone();
        dir.files.insert(JOURNAL.to_owned(), full[..cut].to_vec());
        let (mut reopened, loaded) = LogBackend::open(dir).unwrap();
        assert_eq!(loaded.records.len(), 1, "cut at {cut}");
        assert_eq!(reopened.dir.files.get(JOURNAL).unwrap().len(), first_len);
        // And the store goes on from there.
        reopened.commit(&put("c", "3", 2)).unwrap();
        let (_, loaded) = LogBackend::open(reopened.dir.clone()).unwrap();
        assert_eq!(loaded.records.len(), 2);
    }
    // A flipped byte in the first frame is corruption, reported with its offset.
    let mut dir = b.dir.clone();
    let mut bad = full.clone();
    bad[20] ^= 1;
    dir.files.insert(JOURNAL.to_owned(), bad);
    let e = LogBackend::open(dir).err().unwrap();
    assert!(
        e.to_string()
            .contains("`journal` file is corrupted at byte 0"),
        "{e}"
    );
    // A damaged length in the first frame is corruption too, not a torn end that would
    // silently cut off every later (acknowledged) frame.
    let mut dir = b.dir.clone();
    let mut bad = full.clone();
    bad[1] ^= 0x40;
    dir.files.insert(JOURNAL.to_owned(), bad);
    let e = LogBackend::open(dir).err().unwrap();
    assert!(e.to_string().contains("length is damaged"), "{e}");
    // A foreign snapshot is named.
    let mut dir = b.dir.clone();
    dir.files.insert(SNAPSHOT.to_owned(), b"hello".to_vec());
    let e = LogBackend::open(dir).err().unwrap();
    assert!(e.to_string().contains("`snapshot`"), "{e}");
}

#[test]
fn a_compaction_cut_short_loses_and_duplicates_nothing() {
    let (mut b, _) = LogBackend::open(MemDir::default()).unwrap();
    for i in 1..=5 {
        b.commit(&put("k", &format!("{i}"), i)).unwrap();
    }
    let before = b.dir.clone();
    // Crash after the audit append, before the snapshot: the journal still has all.
    let mut after_audit = before.clone();
    {
        let (mut x, _) = LogBackend::open(after_audit.clone()).unwrap();
        x.compact().unwrap();
        after_audit
            .files
            .insert(AUDIT.to_owned(), x.dir.files.get(AUDIT).unwrap().clone());
    }
    let (mut x, loaded) = LogBackend::open(after_audit.clone()).unwrap();
    assert_eq!(loaded.records.get("k").unwrap(), b"5");
    assert_eq!(all_events(&mut x), vec![1, 2, 3, 4, 5]);
    x.compact().unwrap();
    assert_eq!(all_events(&mut x), vec![1, 2, 3, 4, 5]);
    // Crash after the snapshot, before the journal restarts.
    let mut after_snapshot = before.clone();
    {
        let (mut x, _) = LogBackend::open(before.clone()).unwrap();
        x.compact().unwrap();
        for f in [AUDIT, SNAPSHOT] {
            after_snapshot
                .files
                .insert(f.to_owned(), x.dir.files.get(f).unwrap().clone());
        }
    }
    let (mut x, loaded) = LogBackend::open(after_snapshot).unwrap();
    assert_eq!(loaded.records.get("k").unwrap(), b"5");
    assert!(loaded.recent_events.is_empty());
    assert_eq!(all_events(&mut x), vec![1, 2, 3, 4, 5]);
    x.commit(&put("k", "6", 6)).unwrap();
    let (mut y, loaded) = LogBackend::open(x.dir.clone()).unwrap();
    assert_eq!(loaded.records.get("k").unwrap(), b"6");
    assert_eq!(all_events(&mut y), vec![1, 2, 3, 4, 5, 6]);
}

/// A commit of only audit events, as a read (Encrypt) makes.
fn read_event(seq: u64) -> Commit {
    Commit {
        writes: Vec::new(),
        events: vec![event(seq)],
        sync: false,
    }
}

#[test]
fn deferred_commits_reach_the_journal_in_one_append_synced_once() {
    let (mut b, _) = LogBackend::open(MemDir::default()).unwrap();
    b.commit(&put("a", "1", 1)).unwrap();
    assert_eq!(b.dir.appends.len(), 1, "not deferred: appended at once");
    b.set_deferred(true).unwrap();
    b.commit(&put("b", "2", 2)).unwrap();
    b.commit(&read_event(3)).unwrap();
    b.commit(&put("c", "3", 4)).unwrap();
    // Waiting, but seen by this backend already.
    assert_eq!(b.dir.appends.len(), 1);
    assert!(b.has_pending());
    assert_eq!(b.records().get("c").unwrap(), b"3");
    assert_eq!(all_events(&mut b), vec![1, 2, 3, 4]);
    let (_, loaded) = LogBackend::open(b.dir.clone()).unwrap();
    assert_eq!(loaded.records.len(), 1, "nothing deferred is in the files");
    b.flush().unwrap();
    assert!(!b.has_pending());
    assert_eq!(b.dir.appends.len(), 2, "one append for the three commits");
    assert!(b.dir.appends[1].2, "synced: two of them change state");
    let (mut again, loaded) = LogBackend::open(b.dir.clone()).unwrap();
    assert_eq!(loaded.records.len(), 3);
    assert_eq!(all_events(&mut again), vec![1, 2, 3, 4]);
    // Reads alone are appended without a sync; an empty flush writes nothing.
    b.commit(&read_event(5)).unwrap();
    b.commit(&read_event(6)).unwrap();
    b.flush().unwrap();
    b.flush().unwrap();
    assert_eq!(b.dir.appends.len(), 3);
    assert!(!b.dir.appends[2].2, "only audit events: no sync");
    // Leaving deferred mode flushes what waits.
    b.commit(&put("d", "4", 7)).unwrap();
    b.set_deferred(false).unwrap();
    assert!(!b.has_pending());
    assert_eq!(LogBackend::open(b.dir.clone()).unwrap().1.records.len(), 4);
}

#[test]
fn a_failed_flush_leaves_the_files_as_they_were_and_takes_nothing_until_reloaded() {
    let (mut b, _) = LogBackend::open(MemDir::default()).unwrap();
    b.set_deferred(true).unwrap();
    b.commit(&put("a", "1", 1)).unwrap();
    b.flush().unwrap();
    let durable = b.dir.files.get(JOURNAL).unwrap().clone();
    b.commit(&put("b", "2", 2)).unwrap();
    b.commit(&read_event(3)).unwrap();
    b.dir.fail_after = Some(7);
    assert!(b.flush().is_err());
    // The torn part is cut off again: the journal is what it was.
    assert_eq!(b.dir.files.get(JOURNAL).unwrap(), &durable);
    b.dir.fail_after = None;
    let refused = b.commit(&put("c", "3", 4)).unwrap_err();
    assert!(refused.to_string().contains("read again"), "{refused}");
    // Reloading gives what the files hold, and the store goes on from there.
    let loaded = b.reload().unwrap();
    assert_eq!(loaded.records.keys().collect::<Vec<_>>(), vec!["a"]);
    assert!(!b.has_pending());
    assert_eq!(all_events(&mut b), vec![1]);
    b.commit(&put("c", "3", 2)).unwrap();
    b.flush().unwrap();
    let (mut again, loaded) = LogBackend::open(b.dir.clone()).unwrap();
    assert_eq!(loaded.records.keys().collect::<Vec<_>>(), vec!["a", "c"]);
    assert_eq!(all_events(&mut again), vec![1, 2]);
}

#[test]
fn a_compaction_flushes_what_is_deferred_first() {
    let (mut b, _) = LogBackend::open(MemDir::default()).unwrap();
    b.set_compact_at(200);
    b.set_deferred(true).unwrap();
    for i in 1..=20u64 {
        b.commit(&put(&format!("r{i}"), "value", i)).unwrap();
    }
    // Past the limit, but nothing is compacted before the flush.
    assert!(!b.dir.files.contains_key(SNAPSHOT));
    b.flush().unwrap();
    assert!(
        b.dir.files.contains_key(SNAPSHOT),
        "compacted after the flush"
    );
    b.commit(&put("late", "value", 21)).unwrap();
    b.compact().unwrap();
    let (mut again, loaded) = LogBackend::open(b.dir.clone()).unwrap();
    assert_eq!(loaded.records.len(), 21);
    assert_eq!(all_events(&mut again), (1..=21).collect::<Vec<_>>());
}

#[test]
fn no_damage_to_any_file_makes_opening_or_scanning_panic() {
    let (mut b, _) = LogBackend::open(MemDir::default()).unwrap();
    b.set_compact_at(200);
    for i in 1..=12u64 {
        b.commit(&put(&format!("r{i}"), "value", i)).unwrap();
    }
    let pristine = b.dir.clone();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for file in [JOURNAL, SNAPSHOT, AUDIT] {
        let original = pristine.files.get(file).cloned().unwrap_or_default();
        for _ in 0..400 {
            let mut bytes = original.clone();
            match next() % 3 {
                0 if !bytes.is_empty() => {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] ^= 1 << (next() % 8);
                }
                1 => bytes.truncate((next() as usize) % (bytes.len() + 1)),
                _ => bytes.extend((0..next() % 40).map(|_| next() as u8)),
            }
            let mut dir = pristine.clone();
            dir.files.insert(file.to_owned(), bytes);
            // Either it opens (and scans) or it says what is wrong; it never panics.
            if let Ok((mut opened, _)) = LogBackend::open(dir) {
                let _ = opened.scan_events(&mut |_| true);
            }
        }
    }
}
