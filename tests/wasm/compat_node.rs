//! The frozen on-disk stores of `tests/vectors/stores/`, opened in Node with
//! `Kms.open({ dataDir })` (a copy: opening may write), and the frozen backups restored into a
//! new data directory. Node only (`tests/wasm_node.rs` includes it).
#![allow(clippy::indexing_slicing)]

use js_sys::Uint8Array;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

use crate::common::{get, obj};
use crate::compat::{disk, idb, restores, shows_what_it_showed, Frozen, DISK_BACKUP, IDB_BACKUP};
use crate::persist_node::{node, remove_dir, temp_dir};

/// The files of `disk/`, as frozen.
const DISK: &[(&str, &[u8])] = &[
    ("audit", include_bytes!("../vectors/stores/disk/audit")),
    ("journal", include_bytes!("../vectors/stores/disk/journal")),
    ("keyring", include_bytes!("../vectors/stores/disk/keyring")),
    (
        "root.key",
        include_bytes!("../vectors/stores/disk/root.key"),
    ),
    (
        "snapshot",
        include_bytes!("../vectors/stores/disk/snapshot"),
    ),
];

/// The files of `disk-passphrase/`, as frozen.
const DISK_PASSPHRASE: &[(&str, &[u8])] = &[
    (
        "journal",
        include_bytes!("../vectors/stores/disk-passphrase/journal"),
    ),
    (
        "keyring",
        include_bytes!("../vectors/stores/disk-passphrase/keyring"),
    ),
];

fn disk_passphrase() -> Frozen {
    Frozen::new(
        include_str!("../vectors/stores/disk-passphrase.expected.json"),
        include_str!("../vectors/stores/disk-passphrase.export.json"),
    )
}

/// A new directory holding `files` (checked to be every file the store was frozen with).
fn copy_of(files: &[(&str, &[u8])], frozen: &Frozen) -> String {
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    assert_eq!(json!(names), frozen.expected["files"]);
    let dir = temp_dir();
    for (name, bytes) in files {
        node(
            "file, bytes",
            "process.getBuiltinModule('node:fs').writeFileSync(file, bytes, { mode: 0o600 });",
            &format!("{dir}/{name}").into(),
            &Uint8Array::from(*bytes).into(),
        );
    }
    dir
}

async fn open(pairs: &[(&str, JsValue)]) -> Result<JsKms, String> {
    JsKms::open(obj(pairs))
        .await
        .map_err(|e| get(&e, "message").as_string().unwrap())
}

#[wasm_bindgen_test]
async fn the_frozen_on_disk_store_opens_in_node() {
    let frozen = disk();
    let dir = copy_of(DISK, &frozen);
    let kms = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    shows_what_it_showed(kms, &frozen).await;
    remove_dir(&dir);
}

#[wasm_bindgen_test]
async fn the_frozen_passphrase_store_opens_in_node_with_its_passphrase() {
    let frozen = disk_passphrase();
    let dir = copy_of(DISK_PASSPHRASE, &frozen);
    let e = open(&[("dataDir", dir.clone().into())])
        .await
        .err()
        .unwrap();
    assert!(e.contains("protected by a passphrase"), "{e}");
    let e = open(&[
        ("dataDir", dir.clone().into()),
        ("passphrase", "not the passphrase".into()),
    ])
    .await
    .err()
    .unwrap();
    assert!(e.contains("does not open"), "{e}");
    let kms = open(&[
        ("dataDir", dir.clone().into()),
        ("passphrase", frozen.text("passphrase").into()),
    ])
    .await
    .unwrap();
    shows_what_it_showed(kms, &frozen).await;
    remove_dir(&dir);
}

#[wasm_bindgen_test]
async fn the_frozen_backups_restore_into_a_data_directory() {
    for (backup, frozen) in [(DISK_BACKUP, disk()), (IDB_BACKUP, idb())] {
        let dir = temp_dir();
        restores(backup, &frozen, ("dataDir", dir.clone())).await;
        remove_dir(&dir);
    }
}
