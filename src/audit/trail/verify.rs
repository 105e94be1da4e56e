//! Verification of stored events and digests: what was edited, removed, inserted or reordered.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::chain::*;

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
