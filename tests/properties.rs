//! Property tests of the symmetric ciphertext: round trips for any plaintext and context, context
//! order never mattering (on the typed API and on the JSON wire), and every corrupted or foreign
//! input failing cleanly with InvalidCiphertextException (or a ValidationException for length),
//! never with a panic; and ISO 8601 as `codec::time` writes and reads it, against the `time` crate.
#![cfg(not(target_arch = "wasm32"))]
// Test code, helpers included: a failed unwrap or index is a failed test.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};
use wasm_kms::codec::{Blob, Format, SecretBlob, Timestamp};
use wasm_kms::domain::context::EncryptionContext;
use wasm_kms::env::{InsecureTestEntropy, ManualClock};
use wasm_kms::model::*;
use wasm_kms::store::MemoryStore;
use wasm_kms::{Config, Kms, KmsError};

type TestKms = Kms<ManualClock, InsecureTestEntropy, MemoryStore>;

/// A service with one key; returns the key's ID and ARN.
fn service(seed: u64) -> (TestKms, String, String) {
    let mut kms = Kms::new(
        Config::default(),
        ManualClock::new(Timestamp(1_795_000_000_000)),
        InsecureTestEntropy::new(seed),
        MemoryStore::default(),
    )
    .unwrap();
    let m = kms
        .create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata;
    (kms, m.key_id, m.arn)
}

fn encrypt(kms: &mut TestKms, key_id: &str, pt: &[u8], ctx: &EncryptionContext) -> Vec<u8> {
    kms.encrypt(EncryptRequest {
        key_id: Some(key_id.to_owned()),
        plaintext: Some(SecretBlob(pt.to_vec())),
        encryption_context: Some(ctx.clone()),
        ..Default::default()
    })
    .unwrap()
    .ciphertext_blob
    .0
}

fn decrypt(
    kms: &mut TestKms,
    blob: &[u8],
    ctx: Option<&EncryptionContext>,
) -> Result<DecryptResponse, KmsError> {
    kms.decrypt(DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        encryption_context: ctx.cloned(),
        ..Default::default()
    })
}

/// The error must be InvalidCiphertextException, which carries no message.
fn is_invalid_ciphertext<T>(r: &Result<T, KmsError>) -> bool {
    matches!(r, Err(e) if e.name() == "InvalidCiphertextException" && e.message().is_none())
}

/// Context keys and values: any printable text, including empty strings and non-ASCII.
fn context() -> impl Strategy<Value = EncryptionContext> {
    btree_map("\\PC{0,12}", "\\PC{0,24}", 0..6)
}

type Pairs = Vec<(String, String)>;

/// A context as (key, value) pairs, and the same pairs in another order.
fn context_in_two_orders() -> impl Strategy<Value = (Pairs, Pairs)> {
    btree_map("[a-zA-Z0-9:_\\-]{1,10}|\\PC{1,6}", "\\PC{0,16}", 1..8).prop_flat_map(|m| {
        let pairs: Vec<(String, String)> = m.into_iter().collect();
        (Just(pairs.clone()), Just(pairs).prop_shuffle())
    })
}

/// A JSON object written with its members in exactly the given order.
fn json_object_text(pairs: &[(String, String)]) -> String {
    let members: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}:{}",
                serde_json::to_string(k).unwrap(),
                serde_json::to_string(v).unwrap()
            )
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

/// Runs `op` on a request body given as JSON text, so that member order reaches the service.
fn call_text(kms: &mut TestKms, op: &str, text: &str) -> Result<Value, KmsError> {
    let mut de = serde_json::Deserializer::from_str(text);
    kms.call(op, Format::Json, &mut de, serde_json::value::Serializer)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_plaintext_and_context_round_trip(
        pt in vec(any::<u8>(), 1..=4096),
        ctx in context(),
        seed in any::<u64>(),
    ) {
        let (mut kms, id, arn) = service(seed);
        let blob = encrypt(&mut kms, &id, &pt, &ctx);
        prop_assert_eq!(blob.len(), pt.len() + wasm_kms::crypto::blob::OVERHEAD);
        prop_assert!(blob.len() <= 6144);
        let out = decrypt(&mut kms, &blob, Some(&ctx)).unwrap();
        prop_assert_eq!(out.plaintext.as_bytes(), pt.as_slice());
        prop_assert_eq!(&out.key_id, &arn);
        // Naming the key changes nothing.
        let named = kms.decrypt(DecryptRequest {
            ciphertext_blob: Some(Blob(blob.clone())),
            encryption_context: Some(ctx.clone()),
            key_id: Some(arn.clone()),
            ..Default::default()
        }).unwrap();
        prop_assert_eq!(named.plaintext.as_bytes(), pt.as_slice());
    }

    #[test]
    fn any_other_context_is_refused(
        pt in vec(any::<u8>(), 1..=64),
        ctx in context(),
        other in context(),
    ) {
        prop_assume!(ctx != other);
        let (mut kms, id, _) = service(1);
        let blob = encrypt(&mut kms, &id, &pt, &ctx);
        let r = decrypt(&mut kms, &blob, Some(&other)).map(|_| ());
        prop_assert!(is_invalid_ciphertext(&r), "{:?}", r);
    }

    #[test]
    fn changing_any_one_key_or_value_is_refused(
        pt in vec(any::<u8>(), 1..=64),
        ctx in btree_map("\\PC{0,12}", "\\PC{0,24}", 1..6),
        which in any::<Index>(),
        replacement in "\\PC{0,24}",
        change_key in any::<bool>(),
    ) {
        // Same pairs but one: one value replaced, or one key renamed (keeping its value).
        let (k, v) = ctx.iter().nth(which.index(ctx.len())).unwrap();
        let mut other = ctx.clone();
        if change_key {
            other.remove(k);
            other.insert(replacement.clone(), v.clone());
        } else {
            other.insert(k.clone(), replacement.clone());
        }
        prop_assume!(other != ctx);
        let (mut kms, id, _) = service(11);
        let blob = encrypt(&mut kms, &id, &pt, &ctx);
        let r = decrypt(&mut kms, &blob, Some(&other)).map(|_| ());
        prop_assert!(is_invalid_ciphertext(&r), "{:?}", r);
    }

    #[test]
    fn moving_a_split_point_between_key_and_value_is_refused(
        key in "[a-z]{1,8}",
        value in "[a-z]{1,8}",
        cut in any::<Index>(),
    ) {
        // {"ab": "c"} and {"a": "bc"} carry the same characters but are different contexts.
        let joined = format!("{key}{value}");
        let at = 1 + cut.index(joined.len() - 1);
        prop_assume!(at != key.len());
        let original: EncryptionContext = [(key.clone(), value.clone())].into_iter().collect();
        let moved: EncryptionContext =
            [(joined[..at].to_owned(), joined[at..].to_owned())].into_iter().collect();
        let (mut kms, id, _) = service(2);
        let blob = encrypt(&mut kms, &id, b"split", &original);
        let r = decrypt(&mut kms, &blob, Some(&moved));
        prop_assert!(is_invalid_ciphertext(&r));
    }

    #[test]
    fn context_order_never_matters(
        (first, second) in context_in_two_orders(),
        pt in vec(any::<u8>(), 1..=256),
    ) {
        let (mut kms, id, arn) = service(3);
        // Typed API: the same pairs inserted in two orders.
        let mut a = EncryptionContext::new();
        for (k, v) in &first {
            a.insert(k.clone(), v.clone());
        }
        let mut b = EncryptionContext::new();
        for (k, v) in &second {
            b.insert(k.clone(), v.clone());
        }
        let blob = encrypt(&mut kms, &id, &pt, &a);
        let opened = decrypt(&mut kms, &blob, Some(&b)).unwrap();
        prop_assert_eq!(opened.plaintext.as_bytes(), pt.as_slice());

        // JSON wire: request bodies whose EncryptionContext members come in either order.
        let pt_b64 = STANDARD.encode(&pt);
        let sealed = call_text(
            &mut kms,
            "Encrypt",
            &format!(
                r#"{{"EncryptionContext":{},"KeyId":"{id}","Plaintext":"{pt_b64}"}}"#,
                json_object_text(&first)
            ),
        ).unwrap();
        prop_assert_eq!(&sealed["KeyId"], &json!(arn));
        let blob_b64 = sealed["CiphertextBlob"].as_str().unwrap().to_owned();
        let opened = call_text(
            &mut kms,
            "Decrypt",
            &format!(
                r#"{{"CiphertextBlob":"{blob_b64}","EncryptionContext":{}}}"#,
                json_object_text(&second)
            ),
        ).unwrap();
        prop_assert_eq!(&opened["Plaintext"], &json!(pt_b64));
        // And the typed API opens what the wire sealed, and the other way round.
        let wire_blob = STANDARD.decode(&blob_b64).unwrap();
        let opened = decrypt(&mut kms, &wire_blob, Some(&a)).unwrap();
        prop_assert_eq!(opened.plaintext.as_bytes(), pt.as_slice());
        let ctx_value: Value = serde_json::from_str(&json_object_text(&second)).unwrap();
        let opened = kms.call_json(
            "Decrypt",
            json!({"CiphertextBlob": STANDARD.encode(&blob), "EncryptionContext": ctx_value}),
        ).unwrap();
        prop_assert_eq!(&opened["Plaintext"], &json!(pt_b64));
        // Dropping any one pair breaks it.
        let mut missing = b.clone();
        let first_key = first[0].0.clone();
        missing.remove(&first_key);
        let r = decrypt(&mut kms, &blob, Some(&missing));
        prop_assert!(is_invalid_ciphertext(&r));
    }

    #[test]
    fn a_flipped_bit_anywhere_is_invalid_ciphertext(
        pt in vec(any::<u8>(), 1..=512),
        ctx in context(),
        bit in any::<Index>(),
    ) {
        let (mut kms, id, _) = service(4);
        let mut blob = encrypt(&mut kms, &id, &pt, &ctx);
        let i = bit.index(blob.len() * 8);
        blob[i / 8] ^= 1 << (i % 8);
        let r = decrypt(&mut kms, &blob, Some(&ctx)).map(|_| ());
        prop_assert!(is_invalid_ciphertext(&r), "bit {}: {:?}", i, r);
    }

    #[test]
    fn arbitrary_bytes_are_refused_cleanly(bytes in vec(any::<u8>(), 0..=7000)) {
        let (mut kms, _, _) = service(5);
        let r = decrypt(&mut kms, &bytes, None).map(|_| ());
        if bytes.is_empty() || bytes.len() > 6144 {
            let e = r.unwrap_err();
            prop_assert_eq!(e.name(), "ValidationException");
        } else {
            prop_assert!(is_invalid_ciphertext(&r), "{:?}", r);
        }
    }

    #[test]
    fn forged_bodies_under_a_real_header_are_refused(
        body in vec(any::<u8>(), 16..=600),
        ctx in context(),
        named in any::<bool>(),
    ) {
        // A well-formed header naming a real key and its real material, a consistent length,
        // and a ciphertext and tag that the key never made.
        let (mut kms, id, arn) = service(6);
        let real = encrypt(&mut kms, &id, b"real", &ctx);
        let mut forged = real[..62].to_vec();
        let ct_len = u32::try_from(body.len() - 16).unwrap();
        forged.extend_from_slice(&ct_len.to_be_bytes());
        forged.extend_from_slice(&body);
        let r = kms.decrypt(DecryptRequest {
            ciphertext_blob: Some(Blob(forged)),
            encryption_context: Some(ctx.clone()),
            key_id: named.then(|| arn.clone()),
            ..Default::default()
        }).map(|_| ());
        prop_assert!(is_invalid_ciphertext(&r), "{:?}", r);
    }

    #[test]
    fn arbitrary_wire_blobs_are_refused_cleanly(
        bytes in vec(any::<u8>(), 0..=300),
        text in "\\PC{0,40}",
    ) {
        let (mut kms, _, _) = service(8);
        let r = kms.call_json("Decrypt", json!({"CiphertextBlob": STANDARD.encode(&bytes)}));
        if bytes.is_empty() {
            prop_assert_eq!(r.unwrap_err().name(), "ValidationException");
        } else {
            prop_assert!(is_invalid_ciphertext(&r));
        }
        // Text that may not even be base64: refused, never a panic, never a success.
        let r = kms.call_json("Decrypt", json!({"CiphertextBlob": text}));
        let e = r.unwrap_err();
        prop_assert!(
            ["SerializationException", "ValidationException", "InvalidCiphertextException"]
                .contains(&e.name()),
            "{:?}",
            e
        );
    }

    #[test]
    fn blobs_of_another_service_are_refused(
        pt in vec(any::<u8>(), 1..=128),
        seeds in (any::<u64>(), any::<u64>()),
    ) {
        prop_assume!(seeds.0 != seeds.1);
        let (mut a, a_id, _) = service(seeds.0);
        let (mut b, _, _) = service(seeds.1);
        let blob = encrypt(&mut a, &a_id, &pt, &EncryptionContext::new());
        let r = decrypt(&mut b, &blob, None);
        prop_assert!(is_invalid_ciphertext(&r));
    }

    #[test]
    fn re_encrypt_round_trips(
        pt in vec(any::<u8>(), 1..=4096),
        source_ctx in context(),
        dest_ctx in context(),
    ) {
        let (mut kms, a, _) = service(9);
        let b = kms.create_key(CreateKeyRequest::default()).unwrap().key_metadata;
        let blob = encrypt(&mut kms, &a, &pt, &source_ctx);
        let out = kms.re_encrypt(ReEncryptRequest {
            ciphertext_blob: Some(Blob(blob)),
            source_encryption_context: Some(source_ctx.clone()),
            destination_key_id: Some(b.key_id.clone()),
            destination_encryption_context: Some(dest_ctx.clone()),
            ..Default::default()
        }).unwrap();
        prop_assert_eq!(&out.key_id, &b.arn);
        let opened = decrypt(&mut kms, &out.ciphertext_blob.0, Some(&dest_ctx)).unwrap();
        prop_assert_eq!(opened.plaintext.as_bytes(), pt.as_slice());
        prop_assert_eq!(&opened.key_id, &b.arn);
    }

    #[test]
    fn number_of_bytes_is_1_to_1024(n in prop_oneof![-5i64..=1030, any::<i64>()]) {
        let (mut kms, id, _) = service(10);
        let random = kms.generate_random(GenerateRandomRequest {
            number_of_bytes: Some(n),
            ..Default::default()
        });
        let data_key = kms.generate_data_key(GenerateDataKeyRequest {
            key_id: Some(id.clone()),
            number_of_bytes: Some(n),
            ..Default::default()
        });
        if (1..=1024).contains(&n) {
            let len = usize::try_from(n).unwrap();
            prop_assert_eq!(random.unwrap().plaintext.as_bytes().len(), len);
            prop_assert_eq!(data_key.unwrap().plaintext.as_bytes().len(), len);
        } else {
            let expected = if n < 1 {
                format!("1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1")
            } else {
                format!("1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024")
            };
            for e in [random.unwrap_err(), data_key.unwrap_err()] {
                prop_assert_eq!(e.name(), "ValidationException");
                prop_assert_eq!(e.message(), Some(expected.as_str()));
            }
        }
    }
}

/// ISO 8601 as `codec::time` writes and reads it agrees with the `time` crate, the oracle, for
/// every instant from year 0 to 9999: the text, the instant read back, and which dates exist.
mod iso8601 {
    use super::*;
    use time::macros::format_description;
    use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};
    use wasm_kms::codec::{parse_iso8601, Timestamp};

    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in milliseconds.
    const FIRST: i64 = -62_167_219_200_000;
    const LAST: i64 = 253_402_300_799_999;

    fn oracle(millis: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap()
    }

    proptest! {
        #[test]
        fn written_as_the_oracle_writes_and_read_back(millis in FIRST..=LAST) {
            let text = Timestamp(millis).to_iso8601();
            let expected = oracle(millis)
                .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
                .unwrap();
            prop_assert_eq!(&text, &expected);
            // The text holds whole seconds; with the milliseconds written, all of it returns.
            prop_assert_eq!(parse_iso8601(&text), Some(Timestamp(millis.div_euclid(1000) * 1000)));
            let with_millis = format!("{}.{:03}Z", &text[..19], millis.rem_euclid(1000));
            prop_assert_eq!(parse_iso8601(&with_millis), Some(Timestamp(millis)));
        }

        #[test]
        fn a_date_or_time_is_read_exactly_when_it_exists(
            year in 0i32..=9999, month in 0u8..=13, day in 0u8..=32,
            hour in 0u8..=24, minute in 0u8..=60, second in 0u8..=60,
        ) {
            let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z");
            let expected = Month::try_from(month).ok()
                .and_then(|m| Date::from_calendar_date(year, m, day).ok())
                .zip(Time::from_hms(hour, minute, second).ok())
                .map(|(d, t)| PrimitiveDateTime::new(d, t).assume_utc());
            let read = parse_iso8601(&text);
            prop_assert_eq!(read.is_some(), expected.is_some(), "{}", text);
            if let (Some(read), Some(expected)) = (read, expected) {
                prop_assert_eq!(i128::from(read.millis()), expected.unix_timestamp_nanos() / 1_000_000);
            }
        }
    }

    #[test]
    fn only_the_utc_forms_are_read() {
        assert_eq!(
            parse_iso8601("2026-11-27T10:34:09.5Z"),
            parse_iso8601("2026-11-27T10:34:09.500Z")
        );
        for text in [
            "2026-11-27T10:34:09",
            "2026-11-27T10:34:09+00:00",
            "2026-11-27 10:34:09Z",
            "2026-11-27T10:34:09.1234Z",
            "2026-11-27T10:34:09.Z",
            "2026-11-27t10:34:09Z",
            "+2026-11-27T10:34:09Z",
            "2026-11-27T10:34:09Z ",
        ] {
            assert_eq!(parse_iso8601(text), None, "{text}");
        }
    }
}
