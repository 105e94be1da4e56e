//! Stores written by an earlier version open unchanged: the frozen fixtures of
//! `tests/vectors/stores/` (an on-disk store under a root key file, one under a passphrase,
//! backups of an on-disk and of an IndexedDB store, a seed file) are opened by today's code and
//! must show exactly what they showed when they were made, decrypt, verify and check every
//! artefact made then, and keep their audit trail's chain, which new calls go on extending.
//! The fixtures are never regenerated (see `tests/compat/generate.rs`); the wasm tests open
//! them in Node and Chromium (`tests/wasm/compat.rs`).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;
#[path = "compat/expect.rs"]
mod expect;
#[path = "compat/generate.rs"]
mod generate;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use common::DAY;
use wasm_kms::audit::trail::Query;
use wasm_kms::audit::DIGEST_META_PREFIX;
use wasm_kms::codec::Timestamp;
use wasm_kms::env::{InsecureTestEntropy, ManualClock, OsEntropy};
use wasm_kms::persist::fs::{open_store, FsDir};
use wasm_kms::persist::{restore_backup, DurableStore, Root};
use wasm_kms::store::{MemoryStore, Store};
use wasm_kms::{Config, Kms};

/// The native service on a manual clock and the test RNG, over any store.
pub type Native<S> = Kms<Rc<ManualClock>, InsecureTestEntropy, S>;

/// The folder of the frozen stores.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/stores")
}

/// A path under the system's temporary directory that does not exist yet.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wasm-kms-compat-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn expected(name: &str) -> Value {
    let path = fixtures().join(format!("{name}.expected.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A copy of the frozen store directory `name` (opening a store may write to it), after
/// checking that the fixture holds exactly the files it was made with.
fn copy_store(name: &str, expected: &Value) -> PathBuf {
    let from = fixtures().join(name);
    let mut files: Vec<String> = std::fs::read_dir(&from)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(json!(files), expected["files"], "the files of `{name}/`");
    let to = temp_dir(name);
    std::fs::create_dir_all(&to).unwrap();
    for f in &files {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    to
}

/// A service over `store` whose clock shows the time the fixture was frozen at.
fn service<S: Store>(store: S, expected: &Value, entropy: u64) -> (Native<S>, Rc<ManualClock>) {
    let clock = Rc::new(ManualClock::new(Timestamp(expect::now(expected))));
    let kms = Kms::new(
        Config::default(),
        Rc::clone(&clock),
        InsecureTestEntropy::new(entropy),
        store,
    )
    .unwrap();
    (kms, clock)
}

/// One call as the JSON 1.1 endpoint answers it.
fn wire<S: Store>(
    kms: &mut Native<S>,
    region: Option<&str>,
    op: &str,
    input: &Value,
) -> (u16, Value) {
    let caller = match region {
        Some(r) => kms.caller().in_region(r).unwrap(),
        None => kms.caller().clone(),
    };
    let reply = kms.call_wire(&caller, op, input.to_string().as_bytes());
    (reply.status, serde_json::from_str(&reply.body).unwrap())
}

/// Makes every recorded check whose operation `keep` takes again, and fails naming each whose
/// answer differs from the recorded one. Returns how many were made.
fn run_checks<S: Store>(
    kms: &mut Native<S>,
    expected: &Value,
    keep: impl Fn(&str) -> bool,
) -> usize {
    let mut failures = Vec::new();
    let mut made = 0;
    for check in expect::checks(expected)
        .into_iter()
        .filter(|c| keep(&c.call))
    {
        let (status, response) = wire(kms, check.region.as_deref(), &check.call, &check.input);
        made += 1;
        if u64::from(status) != check.status {
            failures.push(format!("{}: status {status}: {response}", check.name()));
        } else if let Some(d) = expect::difference(&check.response, &response) {
            failures.push(format!("{}: {d}", check.name()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(made > 0, "no check was made");
    made
}

fn every(_: &str) -> bool {
    true
}

/// The audit trail as frozen: it verifies against its chain and its one digest, which is the
/// recorded one, and its export is the recorded export.
fn audit_as_frozen<S: Store>(kms: &mut Native<S>, expected: &Value) {
    let events = expect::event_count(expected);
    let report = kms.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    assert_eq!(report.events_checked, events as u64);
    assert_eq!(report.digests_checked, 1);
    let digests: Vec<&Value> = kms
        .store()
        .meta_prefixed(DIGEST_META_PREFIX)
        .map(|(_, d)| d)
        .collect();
    assert_eq!(digests, vec![&expected["audit"]["digest"]]);
    let export = kms
        .audit_export(&Query {
            limit: Some(events),
            ..Query::default()
        })
        .unwrap();
    let file = fixtures().join(expected["audit"]["export"].as_str().unwrap());
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    if let Some(d) = expect::difference(&frozen, &export) {
        panic!("the audit export differs: {d}");
    }
}

/// After `made` more calls, the chain still verifies and holds them.
fn audit_extended<S: Store>(kms: &mut Native<S>, expected: &Value, made: usize) {
    let report = kms.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    assert_eq!(
        report.events_checked,
        (expect::event_count(expected) + made) as u64
    );
}

/// A service over the frozen store `store`: its trail is as frozen, every check answers as
/// recorded, and the trail then holds the checks' calls too. Returns the service, its clock
/// and how many checks were made.
fn opens_as_frozen<S: Store>(
    store: S,
    expected: &Value,
    entropy: u64,
) -> (Native<S>, Rc<ManualClock>, usize) {
    let (mut kms, clock) = service(store, expected, entropy);
    audit_as_frozen(&mut kms, expected);
    let made = run_checks(&mut kms, expected, every);
    audit_extended(&mut kms, expected, made);
    (kms, clock, made)
}

/// The ID of the key whose description is `description`, from the recorded checks.
fn key_described(expected: &Value, description: &str) -> String {
    expect::checks(expected)
        .iter()
        .find(|c| c.response["KeyMetadata"]["Description"] == description)
        .map(|c| {
            c.response["KeyMetadata"]["KeyId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .unwrap_or_else(|| panic!("no check describes `{description}`"))
}

#[test]
fn the_on_disk_store_opens_and_shows_what_it_showed() {
    let expected = expected("disk");
    let path = copy_store("disk", &expected);
    // Opened as an application opens it: the root key from the `root.key` file there.
    let (mut kms, clock, made) = opens_as_frozen(open_store(&path, None).unwrap(), &expected, 1);

    // Time still does what it did: the deletion window runs out, then the imported material
    // expires (its ValidTo is 300 days after the store was frozen).
    let doomed = key_described(&expected, "compat fixture: pending deletion");
    let imported = key_described(&expected, "compat fixture: imported material");
    clock.advance(8 * DAY);
    let (status, body) = wire(&mut kms, None, "DescribeKey", &json!({ "KeyId": doomed }));
    assert_eq!(
        (status, &body["__type"]),
        (400, &json!("NotFoundException"))
    );
    clock.advance(300 * DAY);
    let (_, body) = wire(&mut kms, None, "DescribeKey", &json!({ "KeyId": imported }));
    assert_eq!(body["KeyMetadata"]["KeyState"], "PendingImport");
    drop(kms);

    // What this version wrote to the old store opens again, and the chain still holds: the
    // checks' calls, the three above, and the service's own events for what time brought
    // about (the deletion, the expiry, and the rotations of the symmetric key, every 90 days).
    let (mut kms, clock) = service(open_store(&path, None).unwrap(), &expected, 2);
    clock.advance(308 * DAY);
    let (status, body) = wire(&mut kms, None, "DescribeKey", &json!({ "KeyId": doomed }));
    assert_eq!(
        (status, &body["__type"]),
        (400, &json!("NotFoundException"))
    );
    let mut since_frozen = kms.audit_query(&Query::default()).unwrap();
    since_frozen.drain(..expect::event_count(&expected));
    let by_service = |name: &str| {
        since_frozen
            .iter()
            .filter(|e| e["eventType"] == "AwsServiceEvent" && e["eventName"] == name)
            .count()
    };
    assert_eq!(by_service("DeleteKey"), 1);
    assert_eq!(by_service("DeleteExpiredKeyMaterial"), 1);
    assert_eq!(by_service("RotateKey"), 3);
    assert_eq!(since_frozen.len(), made + 3 + 5);
    audit_extended(&mut kms, &expected, made + 3 + 5);
    drop(kms);
    std::fs::remove_dir_all(&path).unwrap();
}

#[test]
fn the_passphrase_store_opens_with_its_passphrase_only() {
    let expected = expected("disk-passphrase");
    let path = copy_store("disk-passphrase", &expected);
    let root = |p: &str| Root::Passphrase {
        passphrase: zeroize::Zeroizing::new(p.as_bytes().to_vec()),
        iterations: 600_000,
    };
    let e = DurableStore::open(
        FsDir::open(&path).unwrap(),
        &root("not the passphrase"),
        Box::new(OsEntropy),
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("does not open"), "{e}");
    let store = DurableStore::open(
        FsDir::open(&path).unwrap(),
        &root(expected["passphrase"].as_str().unwrap()),
        Box::new(OsEntropy),
    )
    .unwrap();
    drop(opens_as_frozen(store, &expected, 1));
    std::fs::remove_dir_all(&path).unwrap();
}

/// Restores the frozen backup `name.backup` into a new directory and checks it against the
/// store it was made from.
fn restores(name: &str) {
    let expected = expected(name);
    let backup = std::fs::read(fixtures().join(format!("{name}.backup"))).unwrap();
    assert!(backup.starts_with(b"WKMSBAK1"));
    let path = temp_dir(&format!("{name}-restored"));
    let mut dir = FsDir::open(&path).unwrap();
    let root = Root::Key(zeroize::Zeroizing::new([7u8; 32]));
    let passphrase = expected["backupPassphrase"].as_str().unwrap();
    let e = restore_backup(
        &mut dir,
        &backup,
        b"not the passphrase",
        &root,
        &mut OsEntropy,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("does not open with this passphrase"),
        "{e}"
    );
    restore_backup(
        &mut dir,
        &backup,
        passphrase.as_bytes(),
        &root,
        &mut OsEntropy,
    )
    .unwrap();
    let store = DurableStore::open(dir, &root, Box::new(OsEntropy)).unwrap();
    drop(opens_as_frozen(store, &expected, 1));
    std::fs::remove_dir_all(&path).unwrap();
}

#[test]
fn the_backup_of_the_on_disk_store_restores() {
    restores("disk");
}

#[test]
fn the_backup_of_the_indexed_db_store_restores_on_disk() {
    restores("idb");
}

/// The calls whose answers depend only on a seeded key's fixed material.
fn material_only(op: &str) -> bool {
    matches!(op, "Decrypt" | "Verify" | "VerifyMac" | "GetPublicKey")
}

#[test]
fn the_seed_file_loads_as_it_did() {
    let expected = expected("seed");
    let text = std::fs::read_to_string(fixtures().join("seed.json")).unwrap();
    let entropy = expected["entropy"].as_u64().unwrap();
    let (mut kms, _) = service(MemoryStore::default(), &expected, entropy);
    let report = serde_json::to_value(kms.seed_json(&text).unwrap()).unwrap();
    assert_eq!(report, expected["report"]);
    run_checks(&mut kms, &expected, every);
    // Loaded again, it changes nothing.
    let again = kms.seed_json(&text).unwrap();
    assert!(again.created_keys.is_empty() && again.created_aliases.is_empty());
    assert_eq!(
        json!(again.existing_keys),
        expected["report"]["CreatedKeys"]
    );

    // In another store, on another day and another RNG, the fixed material still opens and
    // checks what was made under it.
    let (mut other, clock) = service(MemoryStore::default(), &expected, entropy + 1);
    clock.advance(30 * DAY);
    other.seed_json(&text).unwrap();
    run_checks(&mut other, &expected, material_only);
    // The MAC is RFC 2104's HMAC-SHA-384 under the seeded key.
    let seed: Value = serde_json::from_str(&text).unwrap();
    let hmac_key = B64
        .decode(seed["Keys"][1]["KeyMaterial"].as_str().unwrap())
        .unwrap();
    let check = expect::checks(&expected)
        .into_iter()
        .find(|c| c.call == "VerifyMac")
        .unwrap();
    let mac = {
        use hmac::{KeyInit as _, Mac as _};
        let mut m = hmac::Hmac::<sha2::Sha384>::new_from_slice(&hmac_key).unwrap();
        m.update(
            &B64.decode(check.input["Message"].as_str().unwrap())
                .unwrap(),
        );
        B64.encode(m.finalize().into_bytes())
    };
    assert_eq!(check.input["Mac"], mac);
}
