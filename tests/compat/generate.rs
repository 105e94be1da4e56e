//! The generator of the frozen native fixtures of `tests/vectors/stores/`: the on-disk stores
//! (`disk/`, `disk-passphrase/`), the backup of the first (`disk.backup`), the seed file
//! (`seed.json`), and what each must still show (`*.expected.json`).
//!
//! **The fixtures are frozen.** They were made once, by the code of their day, so that every
//! later version is held to opening them. Never regenerate them to make a test pass: a later
//! version that cannot open them has broken stores people have. This generator is kept to show
//! how they were made, and to make fixtures of a new kind, into a new folder, if a new format
//! is ever added. It is an ignored test that never runs in CI, and it refuses to write
//! anywhere but an empty directory named by `WASM_KMS_COMPAT_OUT`:
//!
//! ```sh
//! WASM_KMS_COMPAT_OUT=/tmp/stores cargo test --test compat -- --ignored generate_frozen_stores
//! ```
//!
//! It runs `scenario.json` (shared with `make-idb.mjs`, which makes the IndexedDB fixtures in
//! Chromium) on a manual clock from its `start`, with the deterministic (insecure) test RNG, in
//! the Region us-east-1 and the account 111122223333; then records the scenario's checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use wasm_kms::audit::trail::Query;
use wasm_kms::codec::Timestamp;
use wasm_kms::env::{Clock, Entropy, InsecureTestEntropy, ManualClock};
use wasm_kms::persist::fs::FsDir;
use wasm_kms::persist::{DurableStore, Root};
use wasm_kms::store::{MemoryStore, Store};
use wasm_kms::{Config, Kms};

use crate::{fixtures, temp_dir, wire, Native, DAY};

/// The environment variable that names the (empty) directory to write new fixtures into.
const OUT_VAR: &str = "WASM_KMS_COMPAT_OUT";

/// The seeds of the test RNG: the store's (store key, seals), the service's, the seed store's.
pub const STORE_ENTROPY: u64 = 0xC0_4D_A7_01;
pub const KMS_ENTROPY: u64 = 0xC0_4D_A7_02;
pub const SEED_ENTROPY: u64 = 0xC0_4D_A7_03;

/// The root key of `disk/` (its `root.key`).
fn root_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    InsecureTestEntropy::new(0xC0_4D_A7_00)
        .fill(&mut key)
        .unwrap();
    key
}

#[test]
#[ignore = "writes new frozen fixtures: see the notes at the top of tests/compat/generate.rs"]
fn generate_frozen_stores() {
    let Some(out) = std::env::var_os(OUT_VAR).map(PathBuf::from) else {
        panic!("set {OUT_VAR} to an empty directory to write new fixtures into");
    };
    std::fs::create_dir_all(&out).unwrap();
    assert!(
        std::fs::read_dir(&out).unwrap().next().is_none(),
        "{} is not empty: fixtures are never overwritten",
        out.display()
    );
    let scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("scenario.json")).unwrap())
            .unwrap();
    let key = root_key();
    std::fs::write(out.join("seed.json"), seed_file()).unwrap();

    disk_store(
        &out,
        "disk",
        &scenario,
        "full",
        Root::Key(zeroize::Zeroizing::new(key)),
        Some(&key),
        Some("compat fixture backup passphrase"),
    );
    disk_store(
        &out,
        "disk-passphrase",
        &scenario,
        "small",
        Root::Passphrase {
            passphrase: zeroize::Zeroizing::new(b"compat fixture store passphrase".to_vec()),
            iterations: 600_000,
        },
        None,
        None,
    );
    seeded(&out, &scenario);
}

/// Runs `scenario`'s steps on a new on-disk store under `root`, freezes its files into
/// `out/name/`, backs it up (to `out/name.backup`, if a passphrase is given), and records its
/// checks and audit trail in `out/name.expected.json`.
fn disk_store(
    out: &Path,
    name: &str,
    scenario: &Value,
    which: &str,
    root: Root,
    root_file: Option<&[u8; 32]>,
    backup_passphrase: Option<&str>,
) {
    let work = temp_dir(&format!("generate-{name}"));
    std::fs::create_dir_all(&work).unwrap();
    if let Some(key) = root_file {
        std::fs::write(work.join("root.key"), key).unwrap();
    }
    let clock = Rc::new(ManualClock::new(Timestamp(
        scenario["start"].as_i64().unwrap(),
    )));
    let open = |kms_seed: u64| -> Native<DurableStore<FsDir>> {
        let store = DurableStore::open(
            FsDir::open(&work).unwrap(),
            &root,
            Box::new(InsecureTestEntropy::new(STORE_ENTROPY ^ kms_seed)),
        )
        .unwrap();
        Kms::new(
            Config::default(),
            Rc::clone(&clock),
            InsecureTestEntropy::new(kms_seed),
            store,
        )
        .unwrap()
    };
    let mut kms = open(KMS_ENTROPY);
    let plan = &scenario["scenarios"][which];
    let saved = run_steps(&mut kms, &clock, plan, None, &mut |kms| {
        kms.store_mut().backend().compact().unwrap();
    });
    let (audit, export) = audit_record(&mut kms, &saved, name);
    drop(kms);
    std::fs::write(out.join(format!("{name}.export.json")), export.to_string()).unwrap();

    // The files as the store left them (the lock is gone with the store).
    let frozen = out.join(name);
    std::fs::create_dir_all(&frozen).unwrap();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&work).unwrap() {
        let entry = entry.unwrap();
        let file = entry.file_name().into_string().unwrap();
        std::fs::copy(entry.path(), frozen.join(&file)).unwrap();
        files.push(file);
    }
    files.sort();

    let mut kms = open(KMS_ENTROPY + 1);
    if let Some(passphrase) = backup_passphrase {
        let backup = kms
            .store_mut()
            .export_backup(passphrase.as_bytes(), 600_000)
            .unwrap();
        std::fs::write(out.join(format!("{name}.backup")), backup).unwrap();
    }
    let checks = record_checks(&mut kms, plan, &saved);
    drop(kms);
    std::fs::remove_dir_all(&work).unwrap();

    let mut expected = json!({
        "about": format!("What the frozen on-disk store `{name}/` must show when it is opened at `now` (epoch ms): each check's call, made again, gets this status and response; the audit trail holds `events` events, exported (every event, in CloudTrail's log file shape) as the file `export`, with the digest `digest`."),
        "scenario": which,
        "now": clock.now().millis(),
        "files": files,
        "audit": audit,
        "checks": checks,
    });
    if let Root::Passphrase { passphrase, .. } = &root {
        expected["passphrase"] = json!(std::str::from_utf8(passphrase).unwrap());
    }
    if let Some(p) = backup_passphrase {
        expected["backupPassphrase"] = json!(p);
    }
    write_json(&out.join(format!("{name}.expected.json")), &expected);
}

/// Loads the seed file into a new in-memory store, runs the `seed` scenario and records its
/// checks in `out/seed.expected.json`.
fn seeded(out: &Path, scenario: &Value) {
    let text = std::fs::read_to_string(out.join("seed.json")).unwrap();
    let clock = Rc::new(ManualClock::new(Timestamp(
        scenario["start"].as_i64().unwrap(),
    )));
    let mut kms: Native<MemoryStore> = Kms::new(
        Config::default(),
        Rc::clone(&clock),
        InsecureTestEntropy::new(SEED_ENTROPY),
        MemoryStore::default(),
    )
    .unwrap();
    let plan = &scenario["scenarios"]["seed"];
    let saved = run_steps(&mut kms, &clock, plan, Some(&text), &mut |_| {
        panic!("an in-memory store has nothing to compact")
    });
    let checks = record_checks(&mut kms, plan, &saved);
    write_json(
        &out.join("seed.expected.json"),
        &json!({
            "about": "What a store shows once `seed.json` is loaded into it at `now` (epoch ms): the seed's report, and each check's call, made again, gets this status and response. The keys without fixed material got theirs from the test RNG seeded with `entropy`.",
            "now": clock.now().millis(),
            "entropy": SEED_ENTROPY,
            "report": saved["report"],
            "checks": checks,
        }),
    );
}

/// The seed file: every member a seed key may have, fixed material of each kind.
fn seed_file() -> String {
    use p256::pkcs8::EncodePrivateKey as _;
    let ecc = p256::SecretKey::from_slice(&[0x5e; 32]).unwrap();
    let pkcs8 = ecc.to_pkcs8_der().unwrap();
    let aes = *b"compat fixture: seeded AES key!!";
    let hmac = *b"compat fixture: a seeded HMAC-SHA-384 key, 48 B.";
    let mrk = [0xa5u8; 32];
    let policy = json!({
        "Version": "2012-10-17",
        "Id": "compat-seed-policy",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
            "Action": "kms:*",
            "Resource": "*"
        }]
    });
    let seed = json!({ "Keys": [
        { "KeyId": "11111111-2222-4333-8444-555555555555", "Region": "us-east-1",
          "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT",
          "Description": "compat fixture: seeded symmetric key", "Policy": policy.to_string(),
          "Tags": [{ "TagKey": "seeded", "TagValue": "yes" }],
          "KeyMaterial": B64.encode(aes), "Enabled": true, "EnableKeyRotation": false,
          "Aliases": ["alias/compat-seeded"] },
        { "KeyId": "21111111-2222-4333-8444-555555555555", "KeySpec": "HMAC_384",
          "KeyUsage": "GENERATE_VERIFY_MAC", "KeyMaterial": B64.encode(hmac) },
        { "KeyId": "31111111-2222-4333-8444-555555555555", "KeySpec": "ECC_NIST_P256",
          "KeyUsage": "SIGN_VERIFY", "KeyMaterial": B64.encode(pkcs8.as_bytes()) },
        { "KeyId": "41111111-2222-4333-8444-555555555555", "Enabled": false,
          "Description": "compat fixture: seeded, disabled, random material" },
        { "KeyId": "mrk-51111111222243338444555555555555", "KeyMaterial": B64.encode(mrk),
          "EnableKeyRotation": true, "Aliases": ["alias/compat-seeded-mrk"] },
        { "KeyId": "61111111-2222-4333-8444-555555555555", "Region": "eu-west-1",
          "Description": "compat fixture: seeded in another Region" }
    ]});
    serde_json::to_string_pretty(&seed).unwrap() + "\n"
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
}

/// A string `${name.Member...}` stands for that member of the response saved as `name`.
fn resolve(v: &Value, saved: &BTreeMap<String, Value>) -> Value {
    match v {
        Value::String(s) => match s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            Some(path) => {
                let mut parts = path.split('.');
                let first = parts.next().unwrap();
                let mut found = saved
                    .get(first)
                    .unwrap_or_else(|| panic!("nothing saved as `{first}`"))
                    .clone();
                for part in parts {
                    found = found[part].take();
                }
                assert!(!found.is_null(), "`{s}` is not in what was saved");
                found
            }
            None => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, saved)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolve(x, saved)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Runs the steps of `plan`; returns the responses saved by name.
fn run_steps<S: Store>(
    kms: &mut Native<S>,
    clock: &ManualClock,
    plan: &Value,
    seed: Option<&str>,
    compact: &mut dyn FnMut(&mut Native<S>),
) -> BTreeMap<String, Value> {
    let mut saved = BTreeMap::new();
    let mut wrap_rng = InsecureTestEntropy::new(0xC0_4D_A7_04);
    for step in plan["steps"].as_array().unwrap() {
        let result = if let Some(op) = step["call"].as_str() {
            let input = resolve(&step["input"], &saved);
            let (status, body) = wire(kms, step["region"].as_str(), op, &input);
            assert_eq!(status, 200, "{op} {input}: {body}");
            body
        } else if let Some(days) = step["advanceDays"].as_i64() {
            clock.advance(days * DAY);
            continue;
        } else if step["compact"] == true {
            compact(kms);
            continue;
        } else if let Some(wrap) = step.get("wrap") {
            let wrap = resolve(wrap, &saved);
            json!({ "EncryptedKeyMaterial": B64.encode(oaep_sha256(
                wrap["publicKey"].as_str().unwrap(),
                &B64.decode(wrap["material"].as_str().unwrap()).unwrap(),
                &mut wrap_rng,
            )) })
        } else if step["digest"] == true {
            kms.audit_digest().unwrap().unwrap()
        } else if step["seed"] == true {
            serde_json::to_value(kms.seed_json(seed.unwrap()).unwrap()).unwrap()
        } else {
            panic!("a step of no known kind: {step}");
        };
        if let Some(name) = step["as"].as_str() {
            saved.insert(name.to_owned(), result);
        }
    }
    saved
}

/// RSAES-OAEP with SHA-256 of `material` under the DER public key `public_b64`.
pub fn oaep_sha256(public_b64: &str, material: &[u8], rng: &mut InsecureTestEntropy) -> Vec<u8> {
    use rsa::pkcs8::DecodePublicKey as _;
    let der = B64.decode(public_b64).unwrap();
    let public = rsa::PublicKey::from_public_key_der(&der).unwrap();
    public
        .encrypt(
            &mut wasm_kms::crypto::wrap::EntropyRng(rng),
            rsa::Oaep::<sha2::Sha256>::new(),
            material,
        )
        .unwrap()
}

/// Whether every member `expect` names has that value in `got`.
fn holds(expect: &Value, got: &Value) -> bool {
    match (expect, got) {
        (Value::Object(e), Value::Object(g)) => {
            e.iter().all(|(k, v)| g.get(k).is_some_and(|x| holds(v, x)))
        }
        _ => expect == got,
    }
}

/// Makes each check of `plan` and records its call and answer.
fn record_checks<S: Store>(
    kms: &mut Native<S>,
    plan: &Value,
    saved: &BTreeMap<String, Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for check in plan["checks"].as_array().unwrap() {
        let op = check["call"].as_str().unwrap();
        let input = resolve(&check["input"], saved);
        let region = check["region"].as_str();
        let (status, response) = wire(kms, region, op, &input);
        if let Some(expect) = check.get("expect") {
            let expect = resolve(expect, saved);
            assert!(holds(&expect, &response), "{op} {input}: {response}");
        }
        let mut c = json!({ "call": op, "input": input, "status": status, "response": response });
        if let Some(r) = region {
            c["region"] = json!(r);
        }
        out.push(c);
    }
    out
}

/// The audit trail as it stands: how many events, the digest and the name of the file the
/// export goes to; and the export (every event, in CloudTrail's log file shape).
fn audit_record<S: Store>(
    kms: &mut Native<S>,
    saved: &BTreeMap<String, Value>,
    name: &str,
) -> (Value, Value) {
    let report = kms.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    assert_eq!(report.digests_checked, 1);
    let export = kms.audit_export(&Query::default()).unwrap();
    let events = export["Records"].as_array().unwrap().len();
    assert_eq!(events as u64, report.events_checked);
    let file = format!("{name}.export.json");
    (
        json!({ "events": events, "digest": saved["digest"], "export": file }),
        export,
    )
}
