//! The durable store: everything survives a restart, nothing rests in plaintext, damage is
//! named, a failed write changes nothing, seeds load once, and the audit trail's chain holds.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use common::{encodings, START};
use wasm_kms::audit::trail::Query;
use wasm_kms::codec::Timestamp;
use wasm_kms::env::{InsecureTestEntropy, ManualClock, OsEntropy};
use wasm_kms::persist::fs::{open_store, FsDir};
use wasm_kms::persist::{Dir, DurableStore, Root};
use wasm_kms::store::{MemoryStore, Store};
use wasm_kms::{Config, Kms, KmsError};

type DiskKms = Kms<Rc<ManualClock>, InsecureTestEntropy, DurableStore<FsDir>>;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wasm-kms-test-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn open(path: &Path, seed: u64, clock: &Rc<ManualClock>) -> DiskKms {
    Kms::new(
        Config::default(),
        Rc::clone(clock),
        InsecureTestEntropy::new(seed),
        open_store(path, None).unwrap(),
    )
    .unwrap()
}

fn call(kms: &mut DiskKms, op: &str, input: Value) -> Value {
    kms.call_json(op, input)
        .unwrap_or_else(|e| panic!("{op}: {e}"))
}

/// The state a caller can see, as AWS reports it, for every key.
fn visible_state(kms: &mut DiskKms) -> Value {
    let keys = call(kms, "ListKeys", json!({}));
    let mut out = BTreeMap::new();
    for k in keys["Keys"].as_array().unwrap() {
        let id = k["KeyId"].as_str().unwrap().to_owned();
        let mut entry = vec![call(kms, "DescribeKey", json!({ "KeyId": id }))];
        entry.push(call(kms, "ListResourceTags", json!({ "KeyId": id })));
        entry.push(call(kms, "GetKeyPolicy", json!({ "KeyId": id })));
        entry.push(call(kms, "ListGrants", json!({ "KeyId": id })));
        let symmetric = entry[0]["KeyMetadata"]["KeySpec"] == "SYMMETRIC_DEFAULT";
        let enabled_or_disabled = matches!(
            entry[0]["KeyMetadata"]["KeyState"].as_str(),
            Some("Enabled" | "Disabled")
        );
        if symmetric && enabled_or_disabled {
            entry.push(call(kms, "GetKeyRotationStatus", json!({ "KeyId": id })));
            entry.push(call(kms, "ListKeyRotations", json!({ "KeyId": id })));
        }
        out.insert(id, entry);
    }
    json!({ "keys": out, "aliases": call(kms, "ListAliases", json!({})) })
}

#[test]
fn every_kind_of_record_survives_a_restart() {
    let path = temp_dir("restart");
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let mut kms = open(&path, 1, &clock);

    // A symmetric key with an alias, tags, rotation on and one on-demand rotation.
    let sym = call(
        &mut kms,
        "CreateKey",
        json!({ "Description": "sym", "Tags": [{ "TagKey": "team", "TagValue": "a" }] }),
    );
    let sym_id = sym["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let before_rotation = call(
        &mut kms,
        "Encrypt",
        json!({ "KeyId": sym_id, "Plaintext": B64.encode("old material"), "EncryptionContext": { "a": "b" } }),
    );
    call(
        &mut kms,
        "CreateAlias",
        json!({ "AliasName": "alias/sym", "TargetKeyId": sym_id }),
    );
    call(
        &mut kms,
        "EnableKeyRotation",
        json!({ "KeyId": sym_id, "RotationPeriodInDays": 90 }),
    );
    call(&mut kms, "RotateKeyOnDemand", json!({ "KeyId": sym_id }));
    let after_rotation = call(
        &mut kms,
        "Encrypt",
        json!({ "KeyId": "alias/sym", "Plaintext": B64.encode("new material") }),
    );

    // HMAC, ECC signing, a disabled key, one pending deletion, one waiting for import.
    let mac_key = call(
        &mut kms,
        "CreateKey",
        json!({ "KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC" }),
    );
    let mac_id = mac_key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let mac = call(
        &mut kms,
        "GenerateMac",
        json!({ "KeyId": mac_id, "Message": B64.encode("m"), "MacAlgorithm": "HMAC_SHA_256" }),
    );
    let ecc = call(
        &mut kms,
        "CreateKey",
        json!({ "KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY" }),
    );
    let ecc_id = ecc["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let signature = call(
        &mut kms,
        "Sign",
        json!({ "KeyId": ecc_id, "Message": B64.encode("s"), "SigningAlgorithm": "ECDSA_SHA_256" }),
    );
    let disabled = call(&mut kms, "CreateKey", json!({}));
    call(
        &mut kms,
        "DisableKey",
        json!({ "KeyId": disabled["KeyMetadata"]["KeyId"] }),
    );
    let doomed = call(&mut kms, "CreateKey", json!({}));
    call(
        &mut kms,
        "ScheduleKeyDeletion",
        json!({ "KeyId": doomed["KeyMetadata"]["KeyId"], "PendingWindowInDays": 7 }),
    );
    let external = call(&mut kms, "CreateKey", json!({ "Origin": "EXTERNAL" }));
    let external_id = external["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let params = call(
        &mut kms,
        "GetParametersForImport",
        json!({ "KeyId": external_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048" }),
    );

    // A multi-Region primary and its replica in another Region.
    let mrk = call(&mut kms, "CreateKey", json!({ "MultiRegion": true }));
    let mrk_id = mrk["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    call(
        &mut kms,
        "ReplicateKey",
        json!({ "KeyId": mrk_id, "ReplicaRegion": "eu-west-1" }),
    );
    kms.set_setting("clock.offsetMillis", json!(12345)).unwrap();

    // Grants, with the propagation delay: a name, a retiring principal, a constraint, and
    // one made once the delay was set (it takes effect later).
    let bob = "arn:aws:iam::444455556666:user/bob";
    // bob is an IAM user of another account (an IAM record, kept like the keys).
    let mut root_b = kms.caller().clone();
    root_b.scope.account = "444455556666".to_owned();
    root_b.principal =
        wasm_kms::domain::ids::Principal::parse("arn:aws:iam::444455556666:root").unwrap();
    kms.call_iam(
        &root_b,
        wasm_kms::iam::ops::Service::Iam,
        "CreateUser",
        &json!({ "UserName": "bob", "Tags": [{ "Key": "team", "Value": "blue" }] }),
    )
    .unwrap();
    let grant = call(
        &mut kms,
        "CreateGrant",
        json!({
            "KeyId": sym_id, "GranteePrincipal": bob, "Operations": ["Decrypt", "Encrypt"],
            "Name": "app", "RetiringPrincipal": "arn:aws:iam::111122223333:user/ops",
            "Constraints": { "EncryptionContextSubset": { "a": "b" } }
        }),
    );
    kms.set_grant_propagation_seconds(600.0).unwrap();
    let late = call(
        &mut kms,
        "CreateGrant",
        json!({ "KeyId": mac_id, "GranteePrincipal": bob, "Operations": ["GenerateMac"] }),
    );

    let state = visible_state(&mut kms);
    let head = kms.audit_verify().unwrap();
    assert!(head.is_valid(), "{head:?}");
    drop(kms);

    let mut kms = open(&path, 2, &clock);
    assert_eq!(visible_state(&mut kms), state);
    assert_eq!(kms.setting("clock.offsetMillis"), Some(&json!(12345)));
    assert_eq!(kms.grant_propagation_seconds(), 600);
    // The grants still decide: bob decrypts with the right context, and the late grant works
    // only with its token until its delay has passed.
    let mut as_bob = kms.caller().clone();
    as_bob.principal = wasm_kms::domain::ids::Principal::parse(bob).unwrap();
    let bob_call = |kms: &mut DiskKms, op: &str, input: Value| {
        kms.call_as(
            &as_bob,
            op,
            wasm_kms::codec::Format::Json,
            input,
            serde_json::value::Serializer,
        )
    };
    let opened = bob_call(
        &mut kms,
        "Decrypt",
        json!({ "CiphertextBlob": before_rotation["CiphertextBlob"], "EncryptionContext": { "a": "b" } }),
    )
    .unwrap();
    assert_eq!(opened["Plaintext"], B64.encode("old material"));
    let mac_input =
        json!({ "KeyId": mac_id, "Message": B64.encode("m"), "MacAlgorithm": "HMAC_SHA_256" });
    let e = bob_call(&mut kms, "GenerateMac", mac_input.clone()).unwrap_err();
    assert_eq!(e.name(), "AccessDeniedException");
    let mut with_token = mac_input.clone();
    with_token["GrantTokens"] = json!([late["GrantToken"]]);
    bob_call(&mut kms, "GenerateMac", with_token).unwrap();
    assert_eq!(
        call(&mut kms, "ListGrants", json!({ "KeyId": sym_id }))["Grants"][0]["GrantId"],
        grant["GrantId"]
    );
    // Every generation of material still decrypts.
    let old = call(
        &mut kms,
        "Decrypt",
        json!({ "CiphertextBlob": before_rotation["CiphertextBlob"], "EncryptionContext": { "a": "b" } }),
    );
    assert_eq!(old["Plaintext"], B64.encode("old material"));
    let new = call(
        &mut kms,
        "Decrypt",
        json!({ "CiphertextBlob": after_rotation["CiphertextBlob"] }),
    );
    assert_eq!(new["Plaintext"], B64.encode("new material"));
    call(
        &mut kms,
        "VerifyMac",
        json!({ "KeyId": mac_id, "Message": B64.encode("m"), "MacAlgorithm": "HMAC_SHA_256", "Mac": mac["Mac"] }),
    );
    call(
        &mut kms,
        "Verify",
        json!({ "KeyId": ecc_id, "Message": B64.encode("s"), "SigningAlgorithm": "ECDSA_SHA_256", "Signature": signature["Signature"] }),
    );
    // The import parameters made before the restart still unwrap material.
    let material = [9u8; 32];
    let wrapped = oaep_sha256(params["PublicKey"].as_str().unwrap(), &material);
    call(
        &mut kms,
        "ImportKeyMaterial",
        json!({
            "KeyId": external_id, "ImportToken": params["ImportToken"],
            "EncryptedKeyMaterial": B64.encode(wrapped), "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"
        }),
    );
    // The replica still decrypts the primary's ciphertext in its own Region.
    let mrk_blob = call(
        &mut kms,
        "Encrypt",
        json!({ "KeyId": mrk_id, "Plaintext": B64.encode("mrk") }),
    );
    let mut eu = kms.caller().in_region("eu-west-1").unwrap();
    eu.via_service = None;
    let decrypted = kms
        .call_as(
            &eu,
            "Decrypt",
            wasm_kms::codec::Format::Json,
            json!({ "CiphertextBlob": mrk_blob["CiphertextBlob"] }),
            serde_json::value::Serializer,
        )
        .unwrap();
    assert_eq!(decrypted["Plaintext"], B64.encode("mrk"));
    // The deletion window still runs out: the key is gone after 7 days.
    clock.advance(8 * common::DAY);
    let e = kms
        .call_json(
            "DescribeKey",
            json!({ "KeyId": doomed["KeyMetadata"]["KeyId"] }),
        )
        .unwrap_err();
    assert_eq!(e.name(), "NotFoundException");
    // The audit chain went on across the restart and still verifies.
    let report = kms.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    assert!(report.events_checked > 30);
    drop(kms);
    let mut kms = open(&path, 3, &clock);
    let e = kms
        .call_json(
            "DescribeKey",
            json!({ "KeyId": doomed["KeyMetadata"]["KeyId"] }),
        )
        .unwrap_err();
    assert_eq!(e.name(), "NotFoundException", "the deletion was stored");
    drop(kms);
    std::fs::remove_dir_all(&path).unwrap();
}

fn oaep_sha256(public_b64: &str, material: &[u8]) -> Vec<u8> {
    use rsa::pkcs8::DecodePublicKey as _;
    let der = B64.decode(public_b64).unwrap();
    let public = rsa::PublicKey::from_public_key_der(&der).unwrap();
    let mut entropy = InsecureTestEntropy::new(5);
    let mut rng = wasm_kms::crypto::wrap::EntropyRng(&mut entropy);
    public
        .encrypt(&mut rng, rsa::Oaep::<sha2::Sha256>::new(), material)
        .unwrap()
}

const AES_MATERIAL: [u8; 32] = *b"0123456789abcdef-known-material!";
const HMAC_MATERIAL: [u8; 40] = *b"an HMAC key of forty bytes, well known.!";

fn p256_pkcs8() -> Vec<u8> {
    use p256::pkcs8::EncodePrivateKey as _;
    let key = p256::SecretKey::from_slice(&[0x42; 32]).unwrap();
    key.to_pkcs8_der().unwrap().as_bytes().to_vec()
}

fn seed_file() -> String {
    json!({ "Keys": [
        { "KeyId": "11111111-2222-4333-8444-555555555555", "Description": "MARKER-DESCRIPTION-7731",
          "KeyMaterial": B64.encode(AES_MATERIAL), "Aliases": ["alias/fixture"],
          "Tags": [{ "TagKey": "MARKER-TAG-7731", "TagValue": "v" }] },
        { "KeyId": "21111111-2222-4333-8444-555555555555", "KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC",
          "KeyMaterial": B64.encode(HMAC_MATERIAL) },
        { "KeyId": "31111111-2222-4333-8444-555555555555", "KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY",
          "KeyMaterial": B64.encode(p256_pkcs8()), "Enabled": false },
        { "KeyId": "mrk-41111111222243338444555555555555", "Aliases": ["alias/multi"], "EnableKeyRotation": true }
    ]})
    .to_string()
}

fn all_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn stored_bytes_hold_no_key_material_and_no_readable_records() {
    let path = temp_dir("raw");
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let mut kms = open(&path, 1, &clock);
    kms.seed_json(&seed_file()).unwrap();
    call(
        &mut kms,
        "Encrypt",
        json!({ "KeyId": "alias/fixture", "Plaintext": B64.encode("PLAINTEXT-MARKER-7731") }),
    );
    // Both the journal and, after compaction, the snapshot are checked.
    let journal_only = all_bytes(&path);
    kms.store_mut().backend().compact().unwrap();
    let compacted = all_bytes(&path);
    let pkcs8 = p256_pkcs8();
    let scalar = [0x42u8; 32];
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for secret in [
        &AES_MATERIAL[..],
        &HMAC_MATERIAL[..],
        &pkcs8[..],
        &scalar[..],
    ] {
        needles.push(secret.to_vec());
        needles.extend(encodings(secret).into_iter().map(String::into_bytes));
    }
    needles.push(b"PLAINTEXT-MARKER-7731".to_vec());
    needles.push(B64.encode("PLAINTEXT-MARKER-7731").into_bytes());
    let mut checked = 0;
    for (name, bytes) in journal_only.iter().chain(&compacted) {
        if name == "root.key" {
            continue;
        }
        for n in &needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_slice()),
                "`{name}` holds {:?}",
                String::from_utf8_lossy(n)
            );
        }
        checked += bytes.len();
    }
    assert!(checked > 2000, "only {checked} bytes were checked");
    // Records are sealed: the snapshot holds every record and none of their text. (The
    // description is in the audit trail, as in CloudTrail, which holds no secrets.)
    let snapshot = &compacted.iter().find(|(n, _)| n == "snapshot").unwrap().1;
    for text in [
        "MARKER-DESCRIPTION-7731",
        "MARKER-TAG-7731",
        "SYMMETRIC_DEFAULT",
        "Enabled",
    ] {
        assert!(
            !snapshot.windows(text.len()).any(|w| w == text.as_bytes()),
            "{text}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path.join("root.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    drop(kms);
    std::fs::remove_dir_all(&path).unwrap();
}

#[test]
fn seeds_load_once_and_fixed_material_opens_ciphertexts_in_any_seeded_store() {
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let a = temp_dir("seed-a");
    let mut kms = open(&a, 1, &clock);
    let report = kms.seed_json(&seed_file()).unwrap();
    assert_eq!(report.created_keys.len(), 4);
    assert_eq!(report.created_aliases, vec!["alias/fixture", "alias/multi"]);
    let again = kms.seed_json(&seed_file()).unwrap();
    assert!(again.created_keys.is_empty() && again.created_aliases.is_empty());
    assert_eq!(again.existing_keys.len(), 4);
    let blob = call(
        &mut kms,
        "Encrypt",
        json!({ "KeyId": "alias/fixture", "Plaintext": B64.encode("hard-coded") }),
    );
    let mac = call(
        &mut kms,
        "GenerateMac",
        json!({ "KeyId": "21111111-2222-4333-8444-555555555555", "Message": B64.encode("m"), "MacAlgorithm": "HMAC_SHA_256" }),
    );
    let described = call(
        &mut kms,
        "DescribeKey",
        json!({ "KeyId": "31111111-2222-4333-8444-555555555555" }),
    );
    assert_eq!(described["KeyMetadata"]["KeyState"], "Disabled");
    let rotation = call(
        &mut kms,
        "GetKeyRotationStatus",
        json!({ "KeyId": "mrk-41111111222243338444555555555555" }),
    );
    assert_eq!(rotation["KeyRotationEnabled"], true);
    // The HMAC is the RFC 2104 HMAC under the seeded key.
    let expected = {
        use hmac::{KeyInit as _, Mac as _};
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(&HMAC_MATERIAL).unwrap();
        m.update(b"m");
        B64.encode(m.finalize().into_bytes())
    };
    assert_eq!(mac["Mac"], expected);
    drop(kms);

    // A fresh store, with another root key, seeded from the same file opens the ciphertext.
    let b = temp_dir("seed-b");
    let mut other = open(&b, 99, &clock);
    other.seed_json(&seed_file()).unwrap();
    let opened = call(
        &mut other,
        "Decrypt",
        json!({ "CiphertextBlob": blob["CiphertextBlob"] }),
    );
    assert_eq!(opened["Plaintext"], B64.encode("hard-coded"));
    // A seed that would change existing material is refused, and changes nothing.
    let conflicting = seed_file().replace(&B64.encode(AES_MATERIAL), &B64.encode([1u8; 32]));
    let e = other.seed_json(&conflicting).unwrap_err();
    assert!(e.to_string().contains("other key material"), "{e}");
    let bad = other
        .seed_json(r#"{"Keys":[{"KeyId":"nope"}]}"#)
        .unwrap_err();
    assert!(bad.to_string().contains("KeyId is not a key ID"), "{bad}");
    let bad = other
        .seed_json(
            r#"{"Keys":[{"KeyId":"51111111-2222-4333-8444-555555555555","KeyMaterial":"AAAA"}]}"#,
        )
        .unwrap_err();
    assert!(bad.to_string().contains("32 bytes"), "{bad}");
    let e = other
        .call_json(
            "DescribeKey",
            json!({ "KeyId": "51111111-2222-4333-8444-555555555555" }),
        )
        .unwrap_err();
    assert_eq!(e.name(), "NotFoundException");
    drop(other);
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

#[test]
fn damaged_stores_are_named_and_a_held_store_is_refused() {
    let path = temp_dir("damage");
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let mut kms = open(&path, 1, &clock);
    kms.seed_json(&seed_file()).unwrap();
    // A second opener of the same directory gets a clear error.
    let e = open_store(&path, None).err().unwrap();
    assert!(e.to_string().contains("is in use by process"), "{e}");
    kms.store_mut().backend().compact().unwrap();
    call(&mut kms, "CreateKey", json!({}));
    drop(kms);
    let pristine = all_bytes(&path);
    let restore = |files: &[(String, Vec<u8>)]| {
        for (name, bytes) in files {
            std::fs::write(path.join(name), bytes).unwrap();
        }
    };
    let open_err = || match open_store(&path, None) {
        Ok(_) => panic!("a damaged store opened"),
        Err(e) => e,
    };
    let snapshot = pristine
        .iter()
        .find(|(n, _)| n == "snapshot")
        .unwrap()
        .1
        .clone();
    for at in [9usize, 30, snapshot.len() / 2, snapshot.len() - 1] {
        let mut bad = snapshot.clone();
        bad[at] ^= 0x20;
        std::fs::write(path.join("snapshot"), &bad).unwrap();
        let e = open_err();
        assert_eq!(e.name(), "KMSInternalException");
        assert!(e.to_string().contains("snapshot"), "flip at {at}: {e}");
    }
    std::fs::write(path.join("snapshot"), &snapshot[..snapshot.len() - 3]).unwrap();
    assert!(open_err().to_string().contains("snapshot"));
    restore(&pristine);
    // A wrong root key is refused; so is a store whose keyring is gone.
    std::fs::write(path.join("root.key"), [0u8; 32]).unwrap();
    assert!(open_err()
        .to_string()
        .contains("does not open with this root key"));
    restore(&pristine);
    std::fs::remove_file(path.join("keyring")).unwrap();
    assert!(open_err().to_string().contains("`keyring` file is missing"));
    restore(&pristine);
    // The store opens again once restored, with every key.
    let mut kms = open(&path, 2, &clock);
    assert_eq!(
        call(&mut kms, "ListKeys", json!({}))["Keys"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    drop(kms);
    std::fs::remove_dir_all(&path).unwrap();
}

/// A directory in memory whose writes fail while `fail` is set.
#[derive(Clone, Default)]
struct FlakyDir {
    files: Rc<std::cell::RefCell<BTreeMap<String, Vec<u8>>>>,
    fail: Rc<Cell<bool>>,
}

impl Dir for FlakyDir {
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, KmsError> {
        Ok(self.files.borrow().get(name).cloned())
    }
    fn append(&mut self, name: &str, bytes: &[u8], _sync: bool) -> Result<(), KmsError> {
        let mut files = self.files.borrow_mut();
        let f = files.entry(name.to_owned()).or_default();
        if self.fail.get() {
            // Half the bytes reach the disk before it fails.
            f.extend_from_slice(&bytes[..bytes.len() / 2]);
            return Err(KmsError::Storage("disk full".to_owned()));
        }
        f.extend_from_slice(bytes);
        Ok(())
    }
    fn replace(&mut self, name: &str, bytes: &[u8]) -> Result<(), KmsError> {
        if self.fail.get() {
            return Err(KmsError::Storage("disk full".to_owned()));
        }
        self.files
            .borrow_mut()
            .insert(name.to_owned(), bytes.to_vec());
        Ok(())
    }
    fn truncate(&mut self, name: &str, len: u64) -> Result<(), KmsError> {
        if let Some(f) = self.files.borrow_mut().get_mut(name) {
            f.truncate(len as usize);
        }
        Ok(())
    }
}

fn flaky_kms(
    dir: &FlakyDir,
    clock: &Rc<ManualClock>,
) -> Kms<Rc<ManualClock>, InsecureTestEntropy, DurableStore<FlakyDir>> {
    let root = Root::Key(zeroize::Zeroizing::new([3u8; 32]));
    let store = DurableStore::open(dir.clone(), &root, Box::new(OsEntropy)).unwrap();
    Kms::new(
        Config::default(),
        Rc::clone(clock),
        InsecureTestEntropy::new(4),
        store,
    )
    .unwrap()
}

#[test]
fn a_failed_write_changes_nothing_and_the_store_goes_on() {
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let dir = FlakyDir::default();
    let mut kms = flaky_kms(&dir, &clock);
    let key = kms.call_json("CreateKey", json!({})).unwrap();
    let id = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    dir.fail.set(true);
    for (op, input) in [
        ("CreateKey", json!({})),
        ("DisableKey", json!({ "KeyId": id })),
        (
            "CreateAlias",
            json!({ "AliasName": "alias/x", "TargetKeyId": id }),
        ),
        ("Encrypt", json!({ "KeyId": id, "Plaintext": "AA==" })),
    ] {
        let e = kms.call_json(op, input).unwrap_err();
        assert_eq!(e.name(), "KMSInternalException", "{op}");
        assert!(e.to_string().contains("disk full"), "{op}: {e}");
    }
    dir.fail.set(false);
    assert_eq!(
        kms.call_json("ListKeys", json!({})).unwrap()["Keys"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let described = kms
        .call_json("DescribeKey", json!({ "KeyId": id }))
        .unwrap();
    assert_eq!(described["KeyMetadata"]["KeyState"], "Enabled");
    assert!(kms.call_json("ListAliases", json!({})).unwrap()["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["AliasName"] != "alias/x"));
    let report = kms.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    drop(kms);
    // Reopened, the store holds exactly what was acknowledged.
    let mut kms = flaky_kms(&dir, &clock);
    assert_eq!(
        kms.call_json("ListKeys", json!({})).unwrap()["Keys"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let report = kms.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    let names: Vec<String> = kms
        .audit_query(&Query::default())
        .unwrap()
        .iter()
        .map(|e| e["eventName"].as_str().unwrap().to_owned())
        .collect();
    // The failed calls left no event either: the store took nothing of them.
    assert_eq!(
        names,
        vec![
            "CreateKey",
            "ListKeys",
            "DescribeKey",
            "ListAliases",
            "ListKeys"
        ]
    );
}

#[test]
fn the_trail_persists_with_digests_queries_and_export_and_catches_tampering() {
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let dir = FlakyDir::default();
    let mut kms = flaky_kms(&dir, &clock);
    let a = kms.call_json("CreateKey", json!({})).unwrap()["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = kms.call_json("CreateKey", json!({})).unwrap()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms.store_mut().backend().set_compact_at(64 * 1024);
    for i in 0..2600 {
        clock.advance(1000);
        let key = if i % 2 == 0 { a.clone() } else { b.clone() };
        kms.call_json("Encrypt", json!({ "KeyId": key, "Plaintext": "AA==" }))
            .unwrap();
    }
    assert!(
        dir.files.borrow().contains_key("audit"),
        "events moved to the audit file"
    );
    let digests = kms.store().meta_prefixed("audit.digest/").count();
    assert_eq!(digests, 2, "a digest every 1000 events");
    drop(kms);
    let mut kms = flaky_kms(&dir, &clock);
    let report = kms.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    assert_eq!(report.events_checked, 2602);
    let by_key = kms
        .audit_query(&Query {
            key: Some(b.clone()),
            ..Query::default()
        })
        .unwrap();
    assert_eq!(by_key.len(), 1300);
    let first_hour = kms
        .audit_query(&Query {
            event_name: Some("Encrypt".into()),
            start: Some(Timestamp(START).to_iso8601()),
            end: Some(Timestamp(START + 1_000_000).to_iso8601()),
            ..Query::default()
        })
        .unwrap();
    // Encrypt i (from 0) ran at START + (i + 1) s: those before START + 1000 s.
    assert_eq!(first_hour.len(), 999);
    let export = kms
        .audit_export(&Query {
            limit: Some(3),
            ..Query::default()
        })
        .unwrap();
    assert_eq!(export["Records"].as_array().unwrap().len(), 3);
    assert_eq!(export["Records"][0]["eventSource"], "kms.amazonaws.com");
    let bad = kms
        .audit_query(&Query {
            start: Some("yesterday".into()),
            ..Query::default()
        })
        .unwrap_err();
    assert_eq!(bad.name(), "ValidationException");
}

#[test]
fn an_edited_event_in_memory_is_named_by_verify() {
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let mut kms = Kms::new(
        Config::default(),
        Rc::clone(&clock),
        InsecureTestEntropy::new(1),
        MemoryStore::default(),
    )
    .unwrap();
    for _ in 0..5 {
        kms.call_json("CreateKey", json!({})).unwrap();
    }
    assert!(kms.audit_verify().unwrap().is_valid());
    let mut edited = kms.store_mut().take_events();
    let third = &mut edited[2];
    let mut v: Value = serde_json::from_slice(&third.json).unwrap();
    v["eventName"] = json!("DeleteKey");
    third.json = serde_json::to_vec(&v).unwrap();
    let seq = third.seq;
    for e in edited {
        kms.store_mut()
            .commit(wasm_kms::store::Batch::one(wasm_kms::store::Write::Event(
                Box::new(e),
            )))
            .unwrap();
    }
    let report = kms.audit_verify().unwrap();
    assert!(!report.is_valid());
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].seq, Some(seq));
    assert_eq!(format!("{:?}", report.problems[0].kind), "Edited");
}

#[test]
fn a_backup_restores_the_whole_store_elsewhere_and_only_with_its_passphrase() {
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let from = temp_dir("backup-from");
    let mut kms = open(&from, 1, &clock);
    kms.seed_json(&seed_file()).unwrap();
    let blob = call(
        &mut kms,
        "Encrypt",
        json!({ "KeyId": "alias/fixture", "Plaintext": B64.encode("backed up") }),
    );
    let fixture = call(&mut kms, "DescribeKey", json!({ "KeyId": "alias/fixture" }));
    let fixture_id = fixture["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    call(
        &mut kms,
        "CreateGrant",
        json!({ "KeyId": fixture_id, "GranteePrincipal": "arn:aws:iam::444455556666:user/bob", "Operations": ["Decrypt"] }),
    );
    // An IAM user and its access key, kept in the backup like the keys (its secret sealed).
    let iam = wasm_kms::iam::ops::Service::Iam;
    let root = kms.caller().clone();
    kms.call_iam(
        &root,
        iam,
        "CreateUser",
        &json!({ "UserName": "backed-up" }),
    )
    .unwrap();
    let access_key = kms
        .call_iam(
            &root,
            iam,
            "CreateAccessKey",
            &json!({ "UserName": "backed-up" }),
        )
        .unwrap()
        .unwrap();
    let key_id = access_key["AccessKey"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = access_key["AccessKey"]["SecretAccessKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let state = visible_state(&mut kms);
    let backup = kms
        .store_mut()
        .export_backup(b"correct horse", 600_000)
        .unwrap();
    drop(kms);
    // The backup holds no key material either, nor the access key's secret.
    assert!(!backup.windows(secret.len()).any(|w| w == secret.as_bytes()));
    for secret in [&AES_MATERIAL[..], &HMAC_MATERIAL[..]] {
        assert!(!backup.windows(secret.len()).any(|w| w == secret));
        for e in encodings(secret) {
            assert!(!backup.windows(e.len()).any(|w| w == e.as_bytes()));
        }
    }
    let to = temp_dir("backup-to");
    let mut dir = FsDir::open(&to).unwrap();
    let root = Root::Key(zeroize::Zeroizing::new([5u8; 32]));
    let wrong =
        wasm_kms::persist::restore_backup(&mut dir, &backup, b"wrong horse", &root, &mut OsEntropy)
            .unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("does not open with this passphrase"),
        "{wrong}"
    );
    let cut = wasm_kms::persist::restore_backup(
        &mut dir,
        &backup[..backup.len() - 1],
        b"correct horse",
        &root,
        &mut OsEntropy,
    )
    .unwrap_err();
    assert!(cut.to_string().contains("truncated"), "{cut}");
    // A flipped byte anywhere in the body refuses the whole backup, writing nothing.
    let keyring_len = u64::from_be_bytes(backup[8..16].try_into().unwrap()) as usize;
    for at in [
        16 + keyring_len + 8 + 40,
        backup.len() / 2,
        backup.len() - 3,
    ] {
        let mut bad = backup.clone();
        bad[at] ^= 0x40;
        let e = wasm_kms::persist::restore_backup(
            &mut dir,
            &bad,
            b"correct horse",
            &root,
            &mut OsEntropy,
        )
        .unwrap_err();
        assert!(e.to_string().contains("damaged"), "{e}");
        assert!(std::fs::read_dir(&to)
            .unwrap()
            .all(|f| f.unwrap().file_name() == "LOCK"));
    }
    // Nothing in it is readable: no alias name, no audit event.
    for text in ["alias/fixture", "kms.amazonaws.com", "Encrypt"] {
        assert!(
            !backup.windows(text.len()).any(|w| w == text.as_bytes()),
            "{text}"
        );
    }
    wasm_kms::persist::restore_backup(&mut dir, &backup, b"correct horse", &root, &mut OsEntropy)
        .unwrap();
    let again = wasm_kms::persist::restore_backup(
        &mut dir,
        &backup,
        b"correct horse",
        &root,
        &mut OsEntropy,
    )
    .unwrap_err();
    assert!(again.to_string().contains("holds no store"), "{again}");
    let store = DurableStore::open(dir, &root, Box::new(OsEntropy)).unwrap();
    let mut restored: DiskKms = Kms::new(
        Config::default(),
        Rc::clone(&clock),
        InsecureTestEntropy::new(8),
        store,
    )
    .unwrap();
    let opened = call(
        &mut restored,
        "Decrypt",
        json!({ "CiphertextBlob": blob["CiphertextBlob"] }),
    );
    assert_eq!(opened["Plaintext"], B64.encode("backed up"));
    let report = restored.audit_verify().unwrap();
    assert!(report.is_valid(), "{report:?}");
    // The user's access key still names the user.
    let mut by_key = restored.caller().clone();
    by_key.access_key = Some((key_id.clone(), None));
    let me = restored
        .call_iam(
            &by_key,
            wasm_kms::iam::ops::Service::Sts,
            "GetCallerIdentity",
            &json!({}),
        )
        .unwrap()
        .unwrap();
    assert_eq!(me["Arn"], "arn:aws:iam::111122223333:user/backed-up");
    // The restored store reports the same keys and aliases (this check's own calls aside).
    let restored_state = visible_state(&mut restored);
    assert_eq!(restored_state["aliases"], state["aliases"]);
    // Its grants came with it.
    assert_eq!(
        restored_state["keys"][&fixture_id][3],
        state["keys"][&fixture_id][3]
    );
    assert_eq!(
        restored_state["keys"][&fixture_id][3]["Grants"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        restored_state["keys"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        state["keys"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>()
    );
    drop(restored);
    std::fs::remove_dir_all(&from).unwrap();
    std::fs::remove_dir_all(&to).unwrap();
}

#[test]
fn a_store_without_its_root_key_file_is_refused_not_given_a_new_key() {
    let path = temp_dir("no-root");
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let mut kms = open(&path, 1, &clock);
    call(&mut kms, "CreateKey", json!({}));
    drop(kms);
    let root = std::fs::read(path.join("root.key")).unwrap();
    std::fs::remove_file(path.join("root.key")).unwrap();
    let e = open_store(&path, None).err().unwrap();
    assert!(e.to_string().contains("root key file"), "{e}");
    assert!(!path.join("root.key").exists(), "no new key was written");
    std::fs::write(path.join("root.key"), root).unwrap();
    let mut kms = open(&path, 2, &clock);
    assert_eq!(
        call(&mut kms, "ListKeys", json!({}))["Keys"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    drop(kms);
    std::fs::remove_dir_all(&path).unwrap();
}

#[test]
fn an_alias_stored_before_accounts_were_kept_apart_opens_and_moves_to_its_new_name() {
    let clock = Rc::new(ManualClock::new(Timestamp(START)));
    let path = temp_dir("legacy-alias");
    let mut kms = open(&path, 3, &clock);
    let id = call(&mut kms, "CreateKey", json!({}))["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(kms);
    // An alias record as the previous version wrote it: named without the account, and
    // holding none.
    let root = Root::Key(zeroize::Zeroizing::new(
        std::fs::read(path.join("root.key"))
            .unwrap()
            .try_into()
            .unwrap(),
    ));
    let mut dir = FsDir::open(&path).unwrap();
    let key = wasm_kms::persist::store_key(&mut dir, &root, &mut OsEntropy).unwrap();
    let (mut log, _) = wasm_kms::persist::LogBackend::open(dir).unwrap();
    let legacy = "alias/us-east-1/alias/legacy".to_owned();
    let doc = json!({ "v": 1, "region": "us-east-1", "name": "alias/legacy", "target": id,
                      "created": START, "updated": START });
    let sealed = key
        .seal(&legacy, doc.to_string().as_bytes(), &mut OsEntropy)
        .unwrap();
    log.commit(&wasm_kms::persist::Commit {
        writes: vec![(legacy.clone(), Some(sealed))],
        events: Vec::new(),
        sync: true,
    })
    .unwrap();
    drop(log);

    let mut kms = open(&path, 4, &clock);
    let described = call(&mut kms, "DescribeKey", json!({ "KeyId": "alias/legacy" }));
    assert_eq!(described["KeyMetadata"]["KeyId"], id.as_str());
    let other = call(&mut kms, "CreateKey", json!({}))["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &mut kms,
        "UpdateAlias",
        json!({ "AliasName": "alias/legacy", "TargetKeyId": other }),
    );
    drop(kms);
    // Written once more, the alias lives under its new name only.
    let names: Vec<String> = wasm_kms::persist::LogBackend::open(FsDir::open(&path).unwrap())
        .unwrap()
        .1
        .records
        .into_keys()
        .filter(|n| n.starts_with("alias/"))
        .collect();
    assert_eq!(
        names,
        vec!["alias/us-east-1/111122223333/alias/legacy".to_owned()]
    );
    let mut kms = open(&path, 5, &clock);
    let described = call(&mut kms, "DescribeKey", json!({ "KeyId": "alias/legacy" }));
    assert_eq!(described["KeyMetadata"]["KeyId"], other.as_str());
    drop(kms);
    std::fs::remove_dir_all(&path).unwrap();
}
