//! The frozen IndexedDB stores of `tests/vectors/stores/`, loaded record by record from their
//! dumps into a new database and opened with `Kms.open({ indexedDb })`, and the frozen backups
//! restored into a new IndexedDB store. Chromium only (`tests/wasm_browser.rs` includes it).

use js_sys::Function;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

use crate::common::{get, obj};
use crate::compat::{disk, idb, restores, shows_what_it_showed, Frozen, DISK_BACKUP, IDB_BACKUP};

const IDB_DUMP: &str = include_str!("../vectors/stores/idb.dump.json");
const IDB_PASSPHRASE_DUMP: &str = include_str!("../vectors/stores/idb-passphrase.dump.json");

fn idb_passphrase() -> Frozen {
    Frozen::new(
        include_str!("../vectors/stores/idb-passphrase.expected.json"),
        include_str!("../vectors/stores/idb-passphrase.export.json"),
    )
}

/// A store name no other test uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", js_sys::Math::random().to_bits())
}

/// Loads `dump` (see `make-idb.mjs`) into the new database of the store `name`: the database
/// at the dump's version, its object stores (out-of-line keys), and every record with its key,
/// in one transaction. A `CryptoKey` is imported from its bytes as a non-extractable key.
async fn load(dump: &str, name: &str) {
    let f = Function::new_with_args(
        "text, database",
        "return (async () => {
           const dump = JSON.parse(text);
           const request = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
           const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
           const value = async (v) => {
             if (v.bytes !== undefined) return bytes(v.bytes);
             if (v.number !== undefined) return v.number;
             if (v.string !== undefined) return v.string;
             if (v.cryptoKey) {
               const k = v.cryptoKey;
               if (k.extractable !== false) throw new Error('the dumped CryptoKey was extractable');
               return crypto.subtle.importKey(k.format, bytes(k.key), k.algorithm, false, k.usages);
             }
             throw new Error('a dumped value of no known kind: ' + JSON.stringify(v));
           };
           const stores = Object.entries(dump.stores);
           const records = [];
           for (const [store, entries] of stores) {
             for (const e of entries) records.push([store, await value(e.key), await value(e.value)]);
           }
           const open = indexedDB.open(database, dump.version);
           open.onupgradeneeded = () => { for (const [store] of stores) open.result.createObjectStore(store); };
           const db = await request(open);
           const tx = db.transaction(stores.map(([s]) => s), 'readwrite');
           for (const [store, key, v] of records) tx.objectStore(store).put(v, key);
           await new Promise((ok, no) => { tx.oncomplete = ok; tx.onerror = () => no(tx.error); tx.onabort = () => no(tx.error); });
           db.close();
           return records.length;
         })();",
    );
    let p: js_sys::Promise = f
        .call2(
            &JsValue::NULL,
            &dump.into(),
            &format!("wasm-kms:{name}").into(),
        )
        .unwrap()
        .into();
    let loaded = JsFuture::from(p).await.unwrap().as_f64().unwrap();
    assert!(loaded > 10.0, "only {loaded} records");
}

async fn open(pairs: &[(&str, JsValue)]) -> Result<JsKms, String> {
    JsKms::open(obj(pairs))
        .await
        .map_err(|e| get(&e, "message").as_string().unwrap())
}

#[wasm_bindgen_test]
async fn the_frozen_indexed_db_store_opens() {
    let frozen = idb();
    let name = unique("compat-idb");
    load(IDB_DUMP, &name).await;
    // Its root key is a CryptoKey: it takes no passphrase.
    let e = open(&[
        ("indexedDb", name.clone().into()),
        ("passphrase", "a passphrase".into()),
    ])
    .await
    .err()
    .unwrap();
    assert!(e.contains("not a passphrase"), "{e}");
    let kms = open(&[("indexedDb", name.into())]).await.unwrap();
    shows_what_it_showed(kms, &frozen).await;
}

#[wasm_bindgen_test]
async fn the_frozen_indexed_db_store_under_a_passphrase_opens_with_it() {
    let frozen = idb_passphrase();
    let name = unique("compat-idb-passphrase");
    load(IDB_PASSPHRASE_DUMP, &name).await;
    let e = open(&[("indexedDb", name.clone().into())])
        .await
        .err()
        .unwrap();
    assert!(e.contains("protected by a passphrase"), "{e}");
    let kms = open(&[
        ("indexedDb", name.into()),
        ("passphrase", frozen.text("passphrase").into()),
    ])
    .await
    .unwrap();
    shows_what_it_showed(kms, &frozen).await;
}

#[wasm_bindgen_test]
async fn the_frozen_backups_restore_into_indexed_db() {
    for (backup, frozen) in [(IDB_BACKUP, idb()), (DISK_BACKUP, disk())] {
        restores(backup, &frozen, ("indexedDb", unique("compat-restored"))).await;
    }
}
