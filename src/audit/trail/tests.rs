//! The trail's chain, digests, verification, queries and export.

use super::chain::*;
use super::query::*;
use super::verify::*;
use crate::codec::{canonical_json, hex, parse_iso8601, Timestamp};
use serde_json::json;
use serde_json::Value;

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
        hex::encode(&digest_hash(&digests[0]))
    );
    assert_eq!(digests[2]["digestStartSeq"], 2000);
    assert_eq!(digests[2]["eventCount"], 500);
    assert_eq!(digests[2]["lastEventHash"], hex::encode(&chain.head().1));
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
    forged[1]["lastEventHash"] = json!(hex::encode(&[5; 32]));
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
