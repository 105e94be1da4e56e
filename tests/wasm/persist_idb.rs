//! `Kms.open()` in a browser: the IndexedDB store survives reopening, holds no readable record,
//! keeps several pages (here, several instances with their own connections and channels) in
//! step without losing an update, and names a damaged record. Chromium only
//! (`tests/wasm_browser.rs` includes it).

use js_sys::{Array, Function};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

const DESCRIPTION: &str = "an idb description that must stay sealed 4321";

use crate::common::{get, obj};

fn string(v: &JsValue, key: &str) -> String {
    get(v, key)
        .as_string()
        .unwrap_or_else(|| panic!("`{key}` is not a string"))
}

async fn ok(p: js_sys::Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!(
            "call failed: {:?} {:?}",
            get(&e, "name"),
            get(&e, "message")
        ),
    }
}

async fn open(name: &str) -> JsKms {
    match JsKms::open(obj(&[("indexedDb", name.into())])).await {
        Ok(k) => k,
        Err(e) => panic!("open failed: {:?}", get(&e, "message")),
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", js_sys::Math::random().to_bits())
}

fn key_ids(list: &JsValue) -> Vec<String> {
    Array::from(&get(list, "Keys"))
        .iter()
        .map(|k| string(&k, "KeyId"))
        .collect()
}

/// Runs an async snippet and awaits it.
async fn js(args: &str, body: &str, a: &JsValue, b: &JsValue) -> JsValue {
    let f = Function::new_with_args(args, &format!("return (async () => {{ {body} }})();"));
    let p: js_sys::Promise = f.call2(&JsValue::NULL, a, b).unwrap().into();
    JsFuture::from(p).await.unwrap()
}

#[wasm_bindgen_test]
async fn an_indexed_db_store_survives_reopening_and_holds_no_readable_record() {
    let name = unique("reopen");
    let kms = open(&name).await;
    let key = ok(kms.create_key(obj(&[("Description", DESCRIPTION.into())]))).await;
    let id = string(&get(&key, "KeyMetadata"), "KeyId");
    ok(kms.create_alias(obj(&[
        ("AliasName", "alias/idb".into()),
        ("TargetKeyId", id.clone().into()),
    ])))
    .await;
    let plaintext = js_sys::Uint8Array::from(&b"kept in IndexedDB"[..]);
    let sealed = ok(kms.encrypt(obj(&[
        ("KeyId", "alias/idb".into()),
        ("Plaintext", plaintext.into()),
    ])))
    .await;
    kms.advance_days(3.0).unwrap();
    let shown = kms.now().unwrap().get_time();
    ok(kms.close()).await;

    let again = open(&name).await;
    let list = ok(again.list_keys(JsValue::UNDEFINED)).await;
    assert_eq!(key_ids(&list), vec![id.clone()]);
    let opened =
        ok(again.decrypt(obj(&[("CiphertextBlob", get(&sealed, "CiphertextBlob"))]))).await;
    let bytes = js_sys::Uint8Array::new(&get(&opened, "Plaintext")).to_vec();
    assert_eq!(bytes, b"kept in IndexedDB");
    let offset = again.now().unwrap().get_time() - shown;
    assert!(
        (0.0..60_000.0).contains(&offset),
        "the clock moved by {offset} ms"
    );
    // The trail went on across the reopen, and verifies.
    let report = ok(again.verify_audit()).await;
    assert_eq!(
        Array::from(&get(&report, "problems")).length(),
        0,
        "{report:?}"
    );
    let creates = ok(again.audit_query(obj(&[("eventName", "CreateKey".into())]))).await;
    assert_eq!(Array::from(&creates).length(), 1);

    // The raw values: the records are sealed (no description in them), the root key is a
    // non-extractable CryptoKey.
    let raw = js(
        "name, needle",
        "const db = await new Promise((ok, no) => { const r = indexedDB.open('wasm-kms:' + name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
         const all = (store) => new Promise((ok, no) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
         const records = await all('records');
         const root = await new Promise((ok) => { const r = db.transaction('meta').objectStore('meta').get('root'); r.onsuccess = () => ok(r.result); });
         db.close();
         const text = new TextDecoder('latin1');
         const hits = records.filter((v) => text.decode(v).includes(needle)).length;
         return { records: records.length, hits, rootIsKey: root instanceof CryptoKey, extractable: root.extractable };",
        &name.clone().into(),
        &DESCRIPTION.into(),
    )
    .await;
    assert!(get(&raw, "records").as_f64().unwrap() >= 2.0);
    assert_eq!(get(&raw, "hits").as_f64(), Some(0.0));
    assert_eq!(get(&raw, "rootIsKey").as_bool(), Some(true));
    assert_eq!(get(&raw, "extractable").as_bool(), Some(false));
    ok(again.close()).await;
}

#[wasm_bindgen_test]
async fn two_pages_on_one_store_lose_no_update() {
    let name = unique("pages");
    let a = open(&name).await;
    let b = open(&name).await;
    // Interleaved, unawaited writes from both pages.
    let mut pending = Vec::new();
    for i in 0..8 {
        let d = JsValue::from_str(&format!("key {i}"));
        pending.push(a.create_key(obj(&[("Description", d.clone())])));
        pending.push(b.create_key(obj(&[("Description", d)])));
    }
    for p in pending {
        ok(p).await;
    }
    let from_a = key_ids(&ok(a.list_keys(JsValue::UNDEFINED)).await);
    let from_b = key_ids(&ok(b.list_keys(JsValue::UNDEFINED)).await);
    assert_eq!(from_a.len(), 16, "{from_a:?}");
    assert_eq!(from_a, from_b);
    // An alias one page makes is seen by the other at its next call.
    ok(a.create_alias(obj(&[
        ("AliasName", "alias/shared".into()),
        ("TargetKeyId", from_a[0].clone().into()),
    ])))
    .await;
    let aliases = ok(b.list_aliases(JsValue::UNDEFINED)).await;
    let names: Vec<String> = Array::from(&get(&aliases, "Aliases"))
        .iter()
        .map(|x| string(&x, "AliasName"))
        .collect();
    assert!(names.contains(&"alias/shared".to_owned()), "{names:?}");
    // One chain, whichever page wrote: it verifies from either.
    let report = ok(b.verify_audit()).await;
    assert_eq!(
        Array::from(&get(&report, "problems")).length(),
        0,
        "{report:?}"
    );
    ok(a.close()).await;
    ok(b.close()).await;
}

#[wasm_bindgen_test]
async fn calls_made_together_are_written_in_one_transaction() {
    let name = unique("together");
    let kms = open(&name).await;
    // Count the read-write transactions opened from now on.
    let count = |stop: bool| {
        Function::new_with_args(
            "stop",
            "const proto = IDBDatabase.prototype;
             if (stop) { proto.transaction = globalThis.__realTransaction; return globalThis.__writes; }
             globalThis.__realTransaction = proto.transaction;
             globalThis.__writes = 0;
             proto.transaction = function (stores, mode, ...rest) {
               if (mode === 'readwrite') globalThis.__writes++;
               return globalThis.__realTransaction.call(this, stores, mode, ...rest);
             };
             return 0;",
        )
        .call1(&JsValue::NULL, &stop.into())
        .unwrap()
        .as_f64()
        .unwrap()
    };
    count(false);
    let created: Vec<js_sys::Promise> = (0..16)
        .map(|i| kms.create_key(obj(&[("Description", format!("together {i}").into())])))
        .collect();
    let mut ids = Vec::new();
    for p in created {
        ids.push(string(&get(&ok(p).await, "KeyMetadata"), "KeyId"));
    }
    assert_eq!(count(true), 1.0, "one transaction for the sixteen calls");
    ok(kms.close()).await;
    // Each was acknowledged after that transaction: all sixteen are there.
    let again = open(&name).await;
    let mut found = key_ids(&ok(again.list_keys(JsValue::UNDEFINED)).await);
    found.sort();
    ids.sort();
    assert_eq!(found, ids);
    ok(again.close()).await;
}

#[wasm_bindgen_test]
async fn a_damaged_record_is_named_when_the_store_opens() {
    let name = unique("damaged");
    let kms = open(&name).await;
    let key = ok(kms.create_key(JsValue::UNDEFINED)).await;
    let id = string(&get(&key, "KeyMetadata"), "KeyId");
    ok(kms.close()).await;
    js(
        "name, id",
        "const db = await new Promise((ok, no) => { const r = indexedDB.open('wasm-kms:' + name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
         const tx = db.transaction('records', 'readwrite');
         const store = tx.objectStore('records');
         const key = 'key/us-east-1/' + id;
         const v = await new Promise((ok) => { const r = store.get(key); r.onsuccess = () => ok(r.result); });
         v[v.length - 1] ^= 1;
         store.put(v, key);
         await new Promise((ok) => { tx.oncomplete = ok; });
         db.close();",
        &name.clone().into(),
        &id.clone().into(),
    )
    .await;
    let e = match JsKms::open(obj(&[("indexedDb", name.into())])).await {
        Ok(_) => panic!("a damaged store opened"),
        Err(e) => e,
    };
    assert_eq!(string(&e, "name"), "KMSInternalException");
    let message = string(&e, "message");
    assert!(message.contains(&id), "{message}");
}

#[wasm_bindgen_test]
async fn seeds_digests_and_exports_work_on_the_indexed_db_store() {
    let name = unique("seed");
    let kms = open(&name).await;
    let seed = r#"{ "Keys": [ { "KeyId": "11111111-2222-4333-8444-555555555555",
        "KeyMaterial": "MDEyMzQ1Njc4OWFiY2RlZi1rbm93bi1tYXRlcmlhbCE=", "Aliases": ["alias/seeded"] } ] }"#;
    let report = ok(kms.seed(seed.into())).await;
    assert_eq!(Array::from(&get(&report, "CreatedKeys")).length(), 1);
    let again = ok(kms.seed(seed.into())).await;
    assert_eq!(Array::from(&get(&again, "CreatedKeys")).length(), 0);
    assert_eq!(Array::from(&get(&again, "ExistingKeys")).length(), 1);
    let bad = JsFuture::from(kms.seed(r#"{"Keys":[{"KeyId":"nope"}]}"#.into())).await;
    let e = bad.err().unwrap();
    assert_eq!(string(&e, "name"), "ValidationException");
    let digest = ok(kms.audit_digest()).await;
    assert_eq!(string(&digest, "digestSignatureAlgorithm"), "HMAC-SHA256");
    // Nothing new since: no digest.
    assert!(ok(kms.audit_digest()).await.is_null());
    let exported = ok(kms.export_audit(obj(&[("eventName", "CreateKey".into())]))).await;
    assert_eq!(Array::from(&get(&exported, "Records")).length(), 1);
    ok(kms.close()).await;
    // The seeded key, its alias and the digest are there after reopening, and the trail verifies
    // against the digest.
    let again = open(&name).await;
    let aliases = ok(again.list_aliases(JsValue::UNDEFINED)).await;
    let names: Vec<String> = Array::from(&get(&aliases, "Aliases"))
        .iter()
        .map(|x| string(&x, "AliasName"))
        .collect();
    assert!(names.contains(&"alias/seeded".to_owned()), "{names:?}");
    let report = ok(again.verify_audit()).await;
    assert_eq!(
        Array::from(&get(&report, "problems")).length(),
        0,
        "{report:?}"
    );
    assert_eq!(get(&report, "digestsChecked").as_f64(), Some(1.0));
    ok(again.close()).await;
}

async fn open_with(pairs: &[(&str, JsValue)]) -> Result<JsKms, String> {
    JsKms::open(obj(pairs))
        .await
        .map_err(|e| string(&e, "message"))
}

#[wasm_bindgen_test]
async fn a_passphrase_protects_an_indexed_db_store() {
    let name = unique("passphrase");
    let pass = "an idb passphrase";
    let kms = open_with(&[
        ("indexedDb", name.clone().into()),
        ("passphrase", pass.into()),
    ])
    .await
    .unwrap();
    let key = ok(kms.create_key(obj(&[("Description", DESCRIPTION.into())]))).await;
    let id = string(&get(&key, "KeyMetadata"), "KeyId");
    ok(kms.close()).await;

    let e = open_with(&[("indexedDb", name.clone().into())])
        .await
        .err()
        .unwrap();
    assert!(e.contains("protected by a passphrase"), "{e}");
    let e = open_with(&[
        ("indexedDb", name.clone().into()),
        ("passphrase", "wrong".into()),
    ])
    .await
    .err()
    .unwrap();
    assert!(e.contains("does not open with this passphrase"), "{e}");
    let again = open_with(&[
        ("indexedDb", name.clone().into()),
        ("passphrase", pass.into()),
    ])
    .await
    .unwrap();
    let md = get(
        &ok(again.describe_key(obj(&[("KeyId", id.into())]))).await,
        "KeyMetadata",
    );
    assert_eq!(string(&md, "Description"), DESCRIPTION);
    ok(again.close()).await;
    // No root CryptoKey is kept: the passphrase is the only way in.
    let root = js(
        "name",
        "const db = await new Promise((ok, no) => { const r = indexedDB.open('wasm-kms:' + name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
         const root = await new Promise((ok) => { const r = db.transaction('meta').objectStore('meta').get('root'); r.onsuccess = () => ok(r.result); });
         db.close();
         return root === undefined;",
        &name.clone().into(),
        &JsValue::UNDEFINED,
    )
    .await;
    assert_eq!(root.as_bool(), Some(true));

    // A store with the browser's own key does not take a passphrase.
    let plain = unique("no-passphrase");
    ok(open(&plain).await.close()).await;
    let e = open_with(&[("indexedDb", plain.into()), ("passphrase", pass.into())])
        .await
        .err()
        .unwrap();
    assert!(e.contains("not a passphrase"), "{e}");
}

#[wasm_bindgen_test]
async fn a_backup_of_an_indexed_db_store_restores_into_another() {
    let from = unique("backup-from");
    let kms = open(&from).await;
    let key = ok(kms.create_key(obj(&[("Description", DESCRIPTION.into())]))).await;
    let id = string(&get(&key, "KeyMetadata"), "KeyId");
    ok(kms.create_alias(obj(&[
        ("AliasName", "alias/idb-backup".into()),
        ("TargetKeyId", id.clone().into()),
    ])))
    .await;
    let sealed = ok(kms.encrypt(obj(&[
        ("KeyId", "alias/idb-backup".into()),
        (
            "Plaintext",
            js_sys::Uint8Array::from(&b"backed up in a browser"[..]).into(),
        ),
    ])))
    .await;
    let backup = js_sys::Uint8Array::new(&ok(kms.export_backup("a backup passphrase")).await);
    let bytes = backup.to_vec();
    assert!(bytes.starts_with(b"WKMSBAK1"));
    for text in [DESCRIPTION, "alias/idb-backup", "kms.amazonaws.com"] {
        assert!(
            !bytes.windows(text.len()).any(|w| w == text.as_bytes()),
            "{text} is readable"
        );
    }

    // Into a store that exists: refused, and that store is untouched.
    let e = JsKms::restore_backup(
        backup.clone(),
        "a backup passphrase".into(),
        obj(&[("indexedDb", from.clone().into())]),
    )
    .await
    .err()
    .unwrap();
    assert!(string(&e, "message").contains("does not exist yet"));
    ok(kms.close()).await;

    let to = unique("backup-to");
    let e = JsKms::restore_backup(
        backup.clone(),
        "not the passphrase".into(),
        obj(&[("indexedDb", to.clone().into())]),
    )
    .await
    .err()
    .unwrap();
    assert!(string(&e, "message").contains("passphrase"));
    let restored = JsKms::restore_backup(
        backup,
        "a backup passphrase".into(),
        obj(&[
            ("indexedDb", to.clone().into()),
            ("passphrase", "the restored store's own".into()),
        ]),
    )
    .await
    .unwrap();
    let opened =
        ok(restored.decrypt(obj(&[("CiphertextBlob", get(&sealed, "CiphertextBlob"))]))).await;
    let plain = js_sys::Uint8Array::new(&get(&opened, "Plaintext")).to_vec();
    assert_eq!(plain, b"backed up in a browser");
    let list = ok(restored.list_aliases(JsValue::UNDEFINED)).await;
    let names: Vec<String> = Array::from(&get(&list, "Aliases"))
        .iter()
        .map(|a| string(&a, "AliasName"))
        .collect();
    assert!(names.contains(&"alias/idb-backup".to_owned()), "{names:?}");
    let report = ok(restored.verify_audit()).await;
    assert_eq!(Array::from(&get(&report, "problems")).length(), 0);
    assert!(get(&report, "eventsChecked").as_f64().unwrap() >= 4.0);
    ok(restored.close()).await;
    // The restored store is protected by its own passphrase.
    let e = open_with(&[("indexedDb", to.into())]).await.err().unwrap();
    assert!(e.contains("passphrase"), "{e}");
}

#[wasm_bindgen_test]
async fn records_fold_into_one_snapshot_and_reopen_from_it() {
    let name = unique("snapshot");
    let kms = open(&name).await;
    let first = string(
        &get(&ok(kms.create_key(JsValue::UNDEFINED)).await, "KeyMetadata"),
        "KeyId",
    );
    ok(kms.create_alias(obj(&[
        ("AliasName", "alias/before-snapshot".into()),
        ("TargetKeyId", first.clone().into()),
    ])))
    .await;
    // More changed records than the `records` store keeps before folding them into the snapshot.
    let mut ids = vec![first];
    for _ in 0..1100 {
        ids.push(string(
            &get(&ok(kms.create_key(JsValue::UNDEFINED)).await, "KeyMetadata"),
            "KeyId",
        ));
    }
    // Removed after the snapshot took it: a tombstone must hide it.
    ok(kms.delete_alias(obj(&[("AliasName", "alias/before-snapshot".into())]))).await;
    ok(kms.create_alias(obj(&[
        ("AliasName", "alias/after-snapshot".into()),
        ("TargetKeyId", ids[5].clone().into()),
    ])))
    .await;
    ok(kms.close()).await;
    let raw = js(
        "name",
        "const db = await new Promise((ok, no) => { const r = indexedDB.open('wasm-kms:' + name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
         const get = (store, key) => new Promise((ok) => { const r = db.transaction(store).objectStore(store).get(key); r.onsuccess = () => ok(r.result); });
         const count = await new Promise((ok) => { const r = db.transaction('records').objectStore('records').count(); r.onsuccess = () => ok(r.result); });
         const snapshot = await get('meta', 'snapshot');
         db.close();
         return { count, snapshot: snapshot ? snapshot.length : 0 };",
        &name.clone().into(),
        &JsValue::UNDEFINED,
    )
    .await;
    assert!(
        get(&raw, "snapshot").as_f64().unwrap() > 100_000.0,
        "{raw:?}"
    );
    assert!(get(&raw, "count").as_f64().unwrap() < 1000.0, "{raw:?}");

    let again = open(&name).await;
    let mut listed = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut req = vec![("Limit", JsValue::from(1000))];
        if let Some(m) = &marker {
            req.push(("Marker", m.clone().into()));
        }
        let page = ok(again.list_keys(obj(&req))).await;
        listed.extend(key_ids(&page));
        if get(&page, "Truncated").as_bool() != Some(true) {
            break;
        }
        marker = Some(string(&page, "NextMarker"));
    }
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
    let aliases = ok(again.list_aliases(JsValue::UNDEFINED)).await;
    let names: Vec<String> = Array::from(&get(&aliases, "Aliases"))
        .iter()
        .map(|a| string(&a, "AliasName"))
        .filter(|n| !n.starts_with("alias/aws/"))
        .collect();
    assert_eq!(names, vec!["alias/after-snapshot".to_owned()]);
    let report = ok(again.verify_audit()).await;
    assert_eq!(Array::from(&get(&report, "problems")).length(), 0);
    ok(again.close()).await;
}
