//! Untrusted seed files (`Kms::seed_json`): loading one never panics, fails only with a
//! client error, and a seed that loaded loads again changing nothing.
//! Each input starts from a fresh service, so it runs the same alone as in a campaign.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_kms::{Fault, Seed};
use wasm_kms_fuzz::fresh_kms;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Up to four RSA key pairs of each size wait, so RSA keys without material are quick.
    let mut kms = fresh_kms(4);
    let first = match kms.seed_json(&text) {
        Ok(report) => report,
        Err(e) => {
            assert_eq!(e.aws_type().1, Fault::Client, "{e:?}");
            return;
        }
    };
    let seed: Seed = serde_json::from_str(&text).expect("a seed that loaded parses");
    assert_eq!(
        first.created_keys.len() + first.existing_keys.len(),
        seed.keys.len()
    );
    let again = kms
        .seed_json(&text)
        .unwrap_or_else(|e| panic!("a seed that loaded does not load again: {e:?}"));
    assert!(again.created_keys.is_empty(), "{again:?}");
    assert!(again.created_aliases.is_empty(), "{again:?}");
    assert_eq!(again.existing_keys.len(), seed.keys.len());
});
