//! Untrusted ciphertext blobs: the parser never panics, what it accepts re-encodes to the same
//! bytes, and Decrypt of arbitrary bytes fails with InvalidCiphertextException (or a length
//! ValidationException) and never succeeds.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use wasm_kms::crypto::blob::Envelope;
use wasm_kms::codec::{Blob, Timestamp};
use wasm_kms::env::{InsecureTestEntropy, ManualClock};
use wasm_kms::model::{CreateKeyRequest, DecryptRequest};
use wasm_kms::store::MemoryStore;
use wasm_kms::{Config, Kms};

type FuzzKms = Kms<ManualClock, InsecureTestEntropy, MemoryStore>;

thread_local! {
    static KMS: RefCell<FuzzKms> = RefCell::new({
        let mut kms = Kms::new(
            Config::default(),
            ManualClock::new(Timestamp(1_700_000_000_000)),
            InsecureTestEntropy::new(7),
            MemoryStore::default(),
        )
        .expect("valid config");
        kms.create_key(CreateKeyRequest::default()).expect("key");
        kms
    });
}

fuzz_target!(|data: &[u8]| {
    if let Some(envelope) = Envelope::parse(data) {
        assert_eq!(
            envelope.to_bytes(),
            data,
            "accepted blobs re-encode exactly"
        );
    }
    KMS.with(|kms| {
        let result = kms.borrow_mut().decrypt(DecryptRequest {
            ciphertext_blob: Some(Blob(data.to_vec())),
            ..Default::default()
        });
        match result {
            Ok(_) => panic!("arbitrary bytes decrypted"),
            Err(e) => assert!(
                matches!(
                    e.name(),
                    "InvalidCiphertextException" | "ValidationException"
                ),
                "unexpected error {e:?}"
            ),
        }
    });
});
