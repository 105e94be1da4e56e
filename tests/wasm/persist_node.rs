//! `Kms.open`: a store on Node's file system that survives close and reopen, locked to one
//! process at a time, sealed at rest. Node only (`tests/wasm_node.rs` includes it).

use js_sys::{Array, Date, Function, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

const DESCRIPTION: &str = "a very recognisable description 1234";
const PLAINTEXT: &str = "a plaintext that must never reach the disk 5678";

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

async fn err(p: js_sys::Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(_) => panic!("call succeeded but should have failed"),
        Err(e) => e,
    }
}

/// Runs a Node snippet (`process` is global here) with up to two arguments.
pub(crate) fn node(args: &str, body: &str, a: &JsValue, b: &JsValue) -> JsValue {
    Function::new_with_args(args, body)
        .call2(&JsValue::NULL, a, b)
        .unwrap()
}

/// A fresh, empty directory under the system's temporary directory.
pub(crate) fn temp_dir() -> String {
    node(
        "",
        "const fs = process.getBuiltinModule('node:fs'), os = process.getBuiltinModule('node:os');
         return fs.mkdtempSync(os.tmpdir() + '/wkms-');",
        &JsValue::UNDEFINED,
        &JsValue::UNDEFINED,
    )
    .as_string()
    .unwrap()
}

/// How often `needle` occurs in the bytes of the files under `dir`, and how many files were
/// read (so a scan of nothing does not pass).
fn occurrences_in_files(dir: &str, needle: &str) -> (u32, u32) {
    let out = node(
        "dir, needle",
        "const fs = process.getBuiltinModule('node:fs'), path = process.getBuiltinModule('node:path');
         const n = Buffer.from(needle, 'utf8');
         let read = 0, hits = 0;
         const walk = (d) => {
           for (const e of fs.readdirSync(d, { withFileTypes: true })) {
             const p = path.join(d, e.name);
             if (e.isDirectory()) { walk(p); continue; }
             read++;
             const b = fs.readFileSync(p);
             for (let at = b.indexOf(n); at >= 0; at = b.indexOf(n, at + 1)) hits++;
           }
         };
         walk(dir);
         return [hits, read];",
        &dir.into(),
        &needle.into(),
    );
    let a = Array::from(&out);
    (
        a.get(0).as_f64().unwrap() as u32,
        a.get(1).as_f64().unwrap() as u32,
    )
}

/// How often `needle` occurs in the audit trail (CloudTrail records, which are kept unsealed
/// so they can be verified and exported).
fn occurrences_in_audit(kms: &JsKms, needle: &str) -> u32 {
    node(
        "events, needle",
        "return JSON.stringify(events).split(needle).length - 1;",
        &kms.audit_events().unwrap(),
        &needle.into(),
    )
    .as_f64()
    .unwrap() as u32
}

/// Removes a directory made by [`temp_dir`] and everything in it.
pub(crate) fn remove_dir(dir: &str) {
    node(
        "dir",
        "process.getBuiltinModule('node:fs').rmSync(dir, { recursive: true, force: true });",
        &dir.into(),
        &JsValue::UNDEFINED,
    );
}

fn file_exists(dir: &str, name: &str) -> bool {
    node(
        "dir, name",
        "return process.getBuiltinModule('node:fs').existsSync(dir + '/' + name);",
        &dir.into(),
        &name.into(),
    )
    .as_bool()
    .unwrap()
}

/// The size and permission bits of a file.
fn file_stat(dir: &str, name: &str) -> (f64, f64) {
    let st = node(
        "dir, name",
        "const s = process.getBuiltinModule('node:fs').statSync(dir + '/' + name);
         return [s.size, s.mode & 0o777];",
        &dir.into(),
        &name.into(),
    );
    let a = Array::from(&st);
    (a.get(0).as_f64().unwrap(), a.get(1).as_f64().unwrap())
}

async fn open(pairs: &[(&str, JsValue)]) -> Result<JsKms, JsValue> {
    JsKms::open(obj(pairs)).await
}

fn message(e: &JsValue) -> String {
    string(e, "message")
}

#[wasm_bindgen_test]
async fn a_store_survives_close_and_reopen() {
    let dir = temp_dir();
    let kms = open(&[
        ("dataDir", dir.clone().into()),
        ("region", "eu-west-1".into()),
    ])
    .await
    .unwrap();
    assert_eq!(kms.data_dir(), Some(dir.clone()));
    let created = ok(kms.create_key(obj(&[("Description", DESCRIPTION.into())]))).await;
    let id = string(&get(&created, "KeyMetadata"), "KeyId");
    ok(kms.create_alias(obj(&[
        ("AliasName", "alias/kept".into()),
        ("TargetKeyId", id.clone().into()),
    ])))
    .await;
    let tags: JsValue = Array::of1(&obj(&[
        ("TagKey", "team".into()),
        ("TagValue", "blue".into()),
    ]))
    .into();
    ok(kms.tag_resource(obj(&[("KeyId", id.clone().into()), ("Tags", tags)]))).await;
    let sealed = ok(kms.encrypt(obj(&[
        ("KeyId", "alias/kept".into()),
        ("Plaintext", PLAINTEXT.into()),
    ])))
    .await;
    let blob = get(&sealed, "CiphertextBlob");
    kms.advance_days(10.0).unwrap();
    let shifted = kms.now().unwrap().get_time() - Date::now();
    assert!((shifted - 864_000_000.0).abs() < 5_000.0, "{shifted}");

    // A second open of the same directory, by this very process, is refused.
    let e = open(&[("dataDir", dir.clone().into())])
        .await
        .err()
        .unwrap();
    assert_eq!(string(&e, "name"), "KMSInternalException");
    assert!(message(&e).contains("in use by process"), "{}", message(&e));

    // The root key file: 32 bytes, readable by the owner only.
    assert_eq!(file_stat(&dir, "root.key"), (32.0, 0o600 as f64));
    assert!(file_exists(&dir, "LOCK"));

    // Records are sealed: no plaintext is on disk, and the description and tag are on disk only
    // where the audit trail (which is not sealed) has them, not in the key's record. (Record
    // names, which hold key IDs and alias names, are not sealed either.)
    let (hits, read) = occurrences_in_files(&dir, PLAINTEXT);
    assert!(read >= 3, "only {read} files in {dir}");
    assert_eq!(hits, 0, "the plaintext is on disk");
    for needle in [DESCRIPTION, "blue"] {
        let in_audit = occurrences_in_audit(&kms, needle);
        assert!(in_audit > 0, "`{needle}` is in no audit record");
        let (on_disk, _) = occurrences_in_files(&dir, needle);
        assert_eq!(
            on_disk, in_audit,
            "`{needle}` is on disk outside the audit trail"
        );
    }

    ok(kms.close()).await;
    assert!(!file_exists(&dir, "LOCK"), "close() releases the lock");
    // Closing again is harmless; every call after it is refused.
    ok(kms.close()).await;
    let e = err(kms.describe_key(obj(&[("KeyId", id.clone().into())]))).await;
    assert_eq!(string(&e, "name"), "KMSInternalException");
    assert!(
        message(&e).contains("the store is closed"),
        "{}",
        message(&e)
    );
    assert!(kms.now().is_err());
    assert!(kms.advance_days(1.0).is_err());

    let again = open(&[
        ("dataDir", dir.clone().into()),
        ("region", "eu-west-1".into()),
    ])
    .await
    .unwrap();
    let md = get(
        &ok(again.describe_key(obj(&[("KeyId", "alias/kept".into())]))).await,
        "KeyMetadata",
    );
    assert_eq!(string(&md, "KeyId"), id);
    assert_eq!(string(&md, "Description"), DESCRIPTION);
    let listed = ok(again.list_resource_tags(obj(&[("KeyId", id.clone().into())]))).await;
    let tags = Array::from(&get(&listed, "Tags"));
    assert_eq!(tags.length(), 1);
    assert_eq!(string(&tags.get(0), "TagValue"), "blue");
    let shifted = again.now().unwrap().get_time() - Date::now();
    assert!(
        (shifted - 864_000_000.0).abs() < 5_000.0,
        "the clock's offset persists: {shifted}"
    );
    let opened = ok(again.decrypt(obj(&[("CiphertextBlob", blob)]))).await;
    let plain: Uint8Array = get(&opened, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), PLAINTEXT.as_bytes());

    // setNow persists too, and the audit trail carries on.
    again
        .set_now(JsValue::from_f64(Date::now() - 3_600_000.0))
        .unwrap();
    let events = Array::from(&again.audit_events().unwrap());
    assert!(events.length() > 0);
    ok(again.close()).await;
    let third = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    let shifted = third.now().unwrap().get_time() - Date::now();
    assert!((shifted + 3_600_000.0).abs() < 5_000.0, "{shifted}");
    ok(third.close()).await;
    remove_dir(&dir);
}

#[wasm_bindgen_test]
async fn close_waits_for_earlier_calls_and_refuses_later_ones() {
    let dir = temp_dir();
    let kms = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    // An RSA key pair comes from WebCrypto, so this call waits in the queue...
    let created = kms.create_key(obj(&[
        ("KeySpec", "RSA_2048".into()),
        ("KeyUsage", "SIGN_VERIFY".into()),
    ]));
    // ...and close() after it, and a call after close().
    let closed = kms.close();
    let later = kms.list_keys(JsValue::UNDEFINED);
    let id = string(&get(&ok(created).await, "KeyMetadata"), "KeyId");
    ok(closed).await;
    let e = err(later).await;
    assert!(
        message(&e).contains("the store is closed"),
        "{}",
        message(&e)
    );
    assert!(!file_exists(&dir, "LOCK"));
    let again = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    let md = get(
        &ok(again.describe_key(obj(&[("KeyId", id.into())]))).await,
        "KeyMetadata",
    );
    assert_eq!(string(&md, "KeySpec"), "RSA_2048");
    ok(again.close()).await;
    remove_dir(&dir);
}

/// Counts the fsyncs of Node's file system from now on; `stop` puts the real one back and gives
/// the count.
fn count_fsyncs(stop: bool) -> u32 {
    node(
        "stop",
        "const fs = process.getBuiltinModule('node:fs');
         if (stop) { fs.fsyncSync = globalThis.__realFsync; return globalThis.__fsyncs; }
         globalThis.__realFsync = fs.fsyncSync;
         globalThis.__fsyncs = 0;
         fs.fsyncSync = (...a) => { globalThis.__fsyncs++; return globalThis.__realFsync(...a); };
         return 0;",
        &stop.into(),
        &JsValue::UNDEFINED,
    )
    .as_f64()
    .unwrap() as u32
}

#[wasm_bindgen_test]
async fn calls_made_together_share_one_fsync_and_close_writes_them_first() {
    let dir = temp_dir();
    let kms = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    count_fsyncs(false);
    // Sixteen state changes made together, and close() in the same turn.
    let created: Vec<js_sys::Promise> = (0..16)
        .map(|i| kms.create_key(obj(&[("Description", format!("together {i}").into())])))
        .collect();
    let closed = kms.close();
    let mut ids = Vec::new();
    for p in created {
        ids.push(string(&get(&ok(p).await, "KeyMetadata"), "KeyId"));
    }
    ok(closed).await;
    assert_eq!(count_fsyncs(true), 1, "one fsync for the sixteen calls");
    // Each call was acknowledged after that write: all sixteen are there.
    let again = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    let listed = ok(again.list_keys(JsValue::UNDEFINED)).await;
    let mut found: Vec<String> = Array::from(&get(&listed, "Keys"))
        .iter()
        .map(|k| string(&k, "KeyId"))
        .collect();
    found.sort();
    ids.sort();
    assert_eq!(found, ids);
    // Calls one after the other still get one fsync each.
    count_fsyncs(false);
    for _ in 0..3 {
        ok(again.create_key(JsValue::UNDEFINED)).await;
    }
    assert_eq!(count_fsyncs(true), 3);
    ok(again.close()).await;
    remove_dir(&dir);
}

#[wasm_bindgen_test]
async fn a_store_without_its_root_key_file_is_refused() {
    let dir = temp_dir();
    let kms = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    ok(kms.create_key(JsValue::UNDEFINED)).await;
    ok(kms.close()).await;
    node(
        "dir",
        "const fs = process.getBuiltinModule('node:fs');
         fs.renameSync(dir + '/root.key', dir + '/root.key.saved');",
        &dir.clone().into(),
        &JsValue::UNDEFINED,
    );
    let e = open(&[("dataDir", dir.clone().into())])
        .await
        .err()
        .unwrap();
    assert!(
        message(&e).contains("root.key` is missing"),
        "{}",
        message(&e)
    );
    assert!(!file_exists(&dir, "root.key"));
    // A root key file of the wrong length is named as such.
    node(
        "dir",
        "process.getBuiltinModule('node:fs').writeFileSync(dir + '/root.key', 'short');",
        &dir.clone().into(),
        &JsValue::UNDEFINED,
    );
    let e = open(&[("dataDir", dir.clone().into())])
        .await
        .err()
        .unwrap();
    assert!(message(&e).contains("is not 32 bytes"), "{}", message(&e));
    // With the right one back, the store opens.
    node(
        "dir",
        "const fs = process.getBuiltinModule('node:fs');
         fs.renameSync(dir + '/root.key.saved', dir + '/root.key');",
        &dir.clone().into(),
        &JsValue::UNDEFINED,
    );
    let kms = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    let listed = ok(kms.list_keys(JsValue::UNDEFINED)).await;
    assert_eq!(Array::from(&get(&listed, "Keys")).length(), 1);
    ok(kms.close()).await;
    remove_dir(&dir);
}

#[wasm_bindgen_test]
async fn a_stale_lock_is_taken_over() {
    let dir = temp_dir();
    // A process ID no process has (beyond Linux's pid_max).
    node(
        "dir",
        "process.getBuiltinModule('node:fs').writeFileSync(dir + '/LOCK', '4194305');",
        &dir.clone().into(),
        &JsValue::UNDEFINED,
    );
    let kms = open(&[("dataDir", dir.clone().into())]).await.unwrap();
    ok(kms.create_key(JsValue::UNDEFINED)).await;
    ok(kms.close()).await;
    assert!(!file_exists(&dir, "LOCK"));
    remove_dir(&dir);
}

#[wasm_bindgen_test]
async fn a_passphrase_protects_a_store() {
    let dir = temp_dir();
    let kms = open(&[
        ("dataDir", dir.clone().into()),
        ("passphrase", "correct horse battery staple".into()),
    ])
    .await
    .unwrap();
    let created = ok(kms.create_key(obj(&[("Description", DESCRIPTION.into())]))).await;
    let id = string(&get(&created, "KeyMetadata"), "KeyId");
    ok(kms.close()).await;
    assert!(!file_exists(&dir, "root.key"));

    let e = open(&[("dataDir", dir.clone().into())])
        .await
        .err()
        .unwrap();
    assert!(message(&e).contains("passphrase"), "{}", message(&e));
    assert!(
        !file_exists(&dir, "LOCK"),
        "a failed open releases the lock"
    );
    assert!(
        !file_exists(&dir, "root.key"),
        "a failed open makes no root key file"
    );
    let e = open(&[
        ("dataDir", dir.clone().into()),
        ("passphrase", "wrong".into()),
    ])
    .await
    .err()
    .unwrap();
    assert_eq!(string(&e, "name"), "KMSInternalException");

    let kms = open(&[
        ("dataDir", dir.clone().into()),
        ("passphrase", "correct horse battery staple".into()),
    ])
    .await
    .unwrap();
    let md = get(
        &ok(kms.describe_key(obj(&[("KeyId", id.into())]))).await,
        "KeyMetadata",
    );
    assert_eq!(string(&md, "Description"), DESCRIPTION);
    ok(kms.close()).await;
    remove_dir(&dir);
}

#[wasm_bindgen_test]
async fn open_options_are_checked() {
    let base = temp_dir();
    let e = open(&[]).await.err().unwrap();
    assert_eq!(string(&e, "name"), "ValidationException");
    assert!(message(&e).contains("dataDir"), "{}", message(&e));
    let e = open(&[
        ("dataDir", format!("{base}/a").into()),
        ("dataDirectory", "x".into()),
    ])
    .await
    .err()
    .unwrap();
    assert_eq!(string(&e, "name"), "ValidationException");
    let e = JsKms::new(Some(obj(&[("dataDir", format!("{base}/b").into())])))
        .err()
        .unwrap();
    assert!(message(&e).contains("Kms.open"), "{}", message(&e));
    let e = open(&[
        ("dataDir", format!("{base}/c").into()),
        ("region", "nowhere".into()),
    ])
    .await
    .err()
    .unwrap();
    assert_eq!(string(&e, "name"), "ValidationException");
    // A file where the directory should be.
    let file = format!("{base}/file");
    node(
        "f",
        "process.getBuiltinModule('node:fs').writeFileSync(f, 'x');",
        &file.clone().into(),
        &JsValue::UNDEFINED,
    );
    let e = open(&[("dataDir", file.into())]).await.err().unwrap();
    assert_eq!(string(&e, "name"), "KMSInternalException");
    assert!(message(&e).contains("EEXIST"), "{}", message(&e));
    // In memory: no data directory.
    let mem = JsKms::new(None).unwrap();
    assert_eq!(mem.data_dir(), None);
    ok(mem.close()).await;
    let e = err(mem.list_keys(JsValue::UNDEFINED)).await;
    assert!(message(&e).contains("the store is closed"));
    remove_dir(&base);
}

/// Whether `needle` occurs anywhere in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[wasm_bindgen_test]
async fn a_backup_restores_into_another_directory_and_only_with_its_passphrase() {
    let base = temp_dir();
    let from = format!("{base}/from");
    let kms = open(&[("dataDir", from.clone().into())]).await.unwrap();
    let created = ok(kms.create_key(obj(&[("Description", DESCRIPTION.into())]))).await;
    let id = string(&get(&created, "KeyMetadata"), "KeyId");
    ok(kms.create_alias(obj(&[
        ("AliasName", "alias/backed-up".into()),
        ("TargetKeyId", id.clone().into()),
    ])))
    .await;
    let blob = get(
        &ok(kms.encrypt(obj(&[
            ("KeyId", "alias/backed-up".into()),
            ("Plaintext", PLAINTEXT.into()),
        ])))
        .await,
        "CiphertextBlob",
    );
    let e = err(kms.export_backup("")).await;
    assert_eq!(string(&e, "name"), "ValidationException");
    let backup: Uint8Array = ok(kms.export_backup("backup passphrase"))
        .await
        .dyn_into()
        .unwrap();
    let bytes = backup.to_vec();
    assert!(bytes.starts_with(b"WKMSBAK1"));
    for secret in [DESCRIPTION, PLAINTEXT, "alias/backed-up"] {
        assert!(!contains(&bytes, secret.as_bytes()), "{secret} is readable");
    }
    ok(kms.close()).await;
    // An in-memory store has nothing to back up.
    let mem = JsKms::new(None).unwrap();
    let e = err(mem.export_backup("backup passphrase")).await;
    assert!(message(&e).contains("Kms.open"), "{}", message(&e));

    let to = format!("{base}/to");
    let e = JsKms::restore_backup(
        backup.clone(),
        "wrong passphrase".into(),
        obj(&[("dataDir", to.clone().into())]),
    )
    .await
    .err()
    .unwrap();
    assert!(message(&e).contains("passphrase"), "{}", message(&e));
    assert!(
        !file_exists(&to, "keyring"),
        "a refused restore writes nothing"
    );
    let restored = JsKms::restore_backup(
        backup.clone(),
        "backup passphrase".into(),
        obj(&[("dataDir", to.clone().into())]),
    )
    .await
    .unwrap();
    let opened = ok(restored.decrypt(obj(&[("CiphertextBlob", blob.clone())]))).await;
    let plain = Uint8Array::new(&get(&opened, "Plaintext")).to_vec();
    assert_eq!(plain, PLAINTEXT.as_bytes());
    let md = get(
        &ok(restored.describe_key(obj(&[("KeyId", "alias/backed-up".into())]))).await,
        "KeyMetadata",
    );
    assert_eq!(string(&md, "Description"), DESCRIPTION);
    let report = ok(restored.verify_audit()).await;
    assert_eq!(Array::from(&get(&report, "problems")).length(), 0);
    // The trail came along: the restored store's own Decrypt follows the original's calls.
    assert!(get(&report, "eventsChecked").as_f64().unwrap() >= 4.0);
    ok(restored.close()).await;
    let e = JsKms::restore_backup(
        backup.clone(),
        "backup passphrase".into(),
        obj(&[("dataDir", to.clone().into())]),
    )
    .await
    .err()
    .unwrap();
    assert!(message(&e).contains("holds no store"), "{}", message(&e));

    // Restored under a passphrase of its own, the store opens only with that.
    let locked = format!("{base}/locked");
    let restored = JsKms::restore_backup(
        backup,
        "backup passphrase".into(),
        obj(&[
            ("dataDir", locked.clone().into()),
            ("passphrase", "the new store's own".into()),
        ]),
    )
    .await
    .unwrap();
    ok(restored.close()).await;
    assert!(!file_exists(&locked, "root.key"));
    let e = open(&[("dataDir", locked.clone().into())])
        .await
        .err()
        .unwrap();
    assert!(message(&e).contains("passphrase"), "{}", message(&e));
    remove_dir(&base);
}
