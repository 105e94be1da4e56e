//! Stores written by an earlier version open unchanged, through the JavaScript surface: the
//! frozen fixtures of `tests/vectors/stores/` (see its README) must answer every recorded
//! check as they did, through `sendJson` (the AWS JSON 1.1 bodies they were recorded in), keep
//! their audit trail and let new calls extend it. What Node and Chromium share is here: the
//! checks, the backups restored into whatever store the platform has, the seed file.
//! `compat_node.rs` opens the on-disk stores in Node; `compat_idb.rs` loads the IndexedDB
//! dumps in Chromium.
#![allow(clippy::indexing_slicing)]

use js_sys::{Array, Uint8Array, JSON};
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

#[path = "../compat/expect.rs"]
mod expect;

use crate::common::{get, obj};

/// A frozen store's expectations and audit export.
pub(crate) struct Frozen {
    pub expected: Value,
    pub export: Value,
}

impl Frozen {
    pub fn new(expected: &str, export: &str) -> Frozen {
        Frozen {
            expected: serde_json::from_str(expected).unwrap(),
            export: serde_json::from_str(export).unwrap(),
        }
    }

    /// The clock the store showed when it was frozen (epoch ms).
    pub fn now(&self) -> f64 {
        expect::now(&self.expected) as f64
    }

    /// A string member of the expectations.
    pub fn text(&self, member: &str) -> String {
        self.expected[member].as_str().unwrap().to_owned()
    }
}

pub(crate) fn disk() -> Frozen {
    Frozen::new(
        include_str!("../vectors/stores/disk.expected.json"),
        include_str!("../vectors/stores/disk.export.json"),
    )
}

pub(crate) fn idb() -> Frozen {
    Frozen::new(
        include_str!("../vectors/stores/idb.expected.json"),
        include_str!("../vectors/stores/idb.export.json"),
    )
}

pub(crate) const DISK_BACKUP: &[u8] = include_bytes!("../vectors/stores/disk.backup");
pub(crate) const IDB_BACKUP: &[u8] = include_bytes!("../vectors/stores/idb.backup");
const SEED: &str = include_str!("../vectors/stores/seed.json");
const SEED_EXPECTED: &str = include_str!("../vectors/stores/seed.expected.json");

pub(crate) async fn ok(p: js_sys::Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!(
            "call failed: {:?} {:?}",
            get(&e, "name"),
            get(&e, "message")
        ),
    }
}

/// A JavaScript value as JSON.
fn json_of(v: &JsValue) -> Value {
    serde_json::from_str(&String::from(JSON::stringify(v).unwrap())).unwrap()
}

/// How a check's answer is compared with the recorded one.
#[derive(Clone, Copy)]
enum Compare {
    /// Exactly.
    Exactly,
    /// Without what a new store takes from its own clock and RNG ([`expect::unpinned`]).
    Unpinned,
}

/// Makes each recorded check whose operation `keep` takes through `sendJson`, and fails naming
/// each whose answer differs. Returns how many were made.
async fn run_checks(
    kms: &JsKms,
    expected: &Value,
    keep: impl Fn(&str) -> Option<Compare>,
) -> usize {
    let mut failures = Vec::new();
    let mut made = 0;
    for check in expect::checks(expected) {
        let Some(compare) = keep(&check.call) else {
            continue;
        };
        let caller = match &check.region {
            Some(r) => obj(&[("region", r.as_str().into())]),
            None => JsValue::UNDEFINED,
        };
        let reply = ok(kms.send_json(
            Some(format!("TrentService.{}", check.call)),
            check.input.to_string().into(),
            caller,
        ))
        .await;
        made += 1;
        let status = get(&reply, "status").as_f64().unwrap() as u64;
        let response: Value =
            serde_json::from_str(&get(&reply, "body").as_string().unwrap()).unwrap();
        let difference = match compare {
            Compare::Exactly => expect::difference(&check.response, &response),
            Compare::Unpinned => expect::difference(
                &expect::unpinned(&check.response),
                &expect::unpinned(&response),
            ),
        };
        if status != check.status {
            failures.push(format!("{}: status {status}: {response}", check.name()));
        } else if let Some(d) = difference {
            failures.push(format!("{}: {d}", check.name()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(made > 0, "no check was made");
    made
}

/// The audit trail's report: `(events checked, digests checked)`, with no problem found.
async fn verified(kms: &JsKms) -> (usize, usize) {
    let report = ok(kms.verify_audit()).await;
    assert_eq!(
        Array::from(&get(&report, "problems")).length(),
        0,
        "{}",
        json_of(&report)
    );
    (
        get(&report, "eventsChecked").as_f64().unwrap() as usize,
        get(&report, "digestsChecked").as_f64().unwrap() as usize,
    )
}

/// The frozen store `kms` opened: its clock is set to when it was frozen; its trail verifies
/// (its one digest included) and exports as it did; every check answers as recorded; and the
/// trail then holds the checks' calls too. Closes it.
pub(crate) async fn shows_what_it_showed(kms: JsKms, frozen: &Frozen) {
    kms.set_now(frozen.now().into()).unwrap();
    let events = expect::event_count(&frozen.expected);
    assert_eq!(verified(&kms).await, (events, 1));
    let limit = obj(&[("limit", (events as f64).into())]);
    let export = json_of(&ok(kms.export_audit(limit)).await);
    if let Some(d) = expect::difference(&frozen.export, &export) {
        panic!("the audit export differs: {d}");
    }
    let made = run_checks(&kms, &frozen.expected, |_| Some(Compare::Exactly)).await;
    assert_eq!(verified(&kms).await, (events + made, 1));
    ok(kms.close()).await;
}

/// Restores a frozen backup into the new store `target` names (`dataDir` or `indexedDb`), and
/// checks it against the store it was made from.
pub(crate) async fn restores(backup: &[u8], frozen: &Frozen, target: (&str, String)) {
    let passphrase = frozen.text("backupPassphrase");
    let options = || obj(&[(target.0, target.1.clone().into())]);
    let wrong = JsKms::restore_backup(Uint8Array::from(backup), "not it".into(), options()).await;
    let e = wrong.err().unwrap();
    let message = get(&e, "message").as_string().unwrap();
    assert!(
        message.contains("does not open with this passphrase"),
        "{message}"
    );
    let kms = JsKms::restore_backup(Uint8Array::from(backup), passphrase, options())
        .await
        .unwrap_or_else(|e| panic!("restore failed: {:?}", get(&e, "message")));
    shows_what_it_showed(kms, frozen).await;
}

/// The calls whose answers depend only on a seeded key's fixed material.
fn material_only(op: &str) -> bool {
    matches!(op, "Decrypt" | "Verify" | "VerifyMac" | "GetPublicKey")
}

#[wasm_bindgen_test]
async fn the_seed_file_loads_as_it_did() {
    let expected: Value = serde_json::from_str(SEED_EXPECTED).unwrap();
    let kms = JsKms::new(None).unwrap();
    kms.set_now((expect::now(&expected) as f64).into()).unwrap();
    let report = json_of(&ok(kms.seed(SEED.into())).await);
    assert_eq!(report, expected["report"]);
    // What the fixed material made opens and checks exactly; the rest differs only in what
    // this store took from its own clock and RNG.
    run_checks(&kms, &expected, |op| {
        Some(if material_only(op) {
            Compare::Exactly
        } else {
            Compare::Unpinned
        })
    })
    .await;
    let again = json_of(&ok(kms.seed(SEED.into())).await);
    assert_eq!(again["ExistingKeys"], expected["report"]["CreatedKeys"]);
}
