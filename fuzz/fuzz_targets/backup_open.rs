//! Untrusted backup files: opening one never panics, and what it accepts was sealed under the
//! passphrase and reads back whole. The first byte picks what the rest is: 0, a backup file;
//! 1, the plaintext of a backup's body, which the target seals into a backup as `backup::seal`
//! does (the fuzzer cannot forge AES-GCM, so only this way is the inside of the seal fuzzed).
//!
//! PBKDF2's 600,000 iterations would leave a few inputs a second, so the key derivation is
//! given (`backup::open_with`): for the seeds' salt and iteration count it is the real key,
//! computed once; a count the real derivation refuses (out of its range) is refused by it; any
//! other salt or count gets a key that is not the backup's, as the real derivation would.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wasm_kms::persist::backup;
use wasm_kms::persist::seal::{self, MAX_PBKDF2_ITERATIONS, MIN_PBKDF2_ITERATIONS};
use wasm_kms_fuzz::{backup_salt, backup_with_body, BACKUP_PASSPHRASE};
use zeroize::Zeroizing;

fn seed_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        *seal::passphrase_root(BACKUP_PASSPHRASE, &backup_salt(), MIN_PBKDF2_ITERATIONS)
            .expect("PBKDF2")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    // Mode 1: the rest is a body, sealed here as a real backup's is, so that what is inside the
    // seal (the parts, the records, the trail) is fuzzed too.
    let made;
    let backup = if mode & 1 == 1 {
        made = backup_with_body(rest, seed_key());
        &made
    } else {
        rest
    };
    let opened = backup::open_with(backup, |salt, iterations| {
        if !(MIN_PBKDF2_ITERATIONS..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
            // Refused before any work.
            let refused = seal::passphrase_root(BACKUP_PASSPHRASE, salt, iterations);
            assert!(refused.is_err(), "{iterations} iterations were taken");
            return refused;
        }
        if *salt == backup_salt() && iterations == MIN_PBKDF2_ITERATIONS {
            return Ok(Zeroizing::new(*seed_key()));
        }
        Ok(Zeroizing::new([0u8; 32]))
    });
    if let Ok(contents) = opened {
        // Every record unseals under the key, and the trail is in order.
        for (name, sealed) in &contents.records {
            contents
                .key
                .open(name, sealed)
                .expect("an accepted backup's records unseal");
        }
        assert!(contents.events.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(
            contents.next_event_seq(),
            contents
                .events
                .last()
                .map_or(0, |e| e.seq.saturating_add(1))
        );
    }
});
