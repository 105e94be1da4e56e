//! What the fuzz targets share: a deterministic service (fixed clock, seeded entropy, key pairs
//! made once), an in-memory directory for the on-disk store, the fixed setup of the import
//! target, and the little formats the targets split their input with. The seed corpora under
//! `fuzz/seeds/` are written from the same code (`seeds.rs`, an ignored test), so a seed made
//! here is a valid input of its target.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::{json, Value};
use wasm_kms::crypto::asym::{AsymKey, AsymSpec, OaepHash};
use wasm_kms::codec::{Blob, SecretBlob, Timestamp};
use wasm_kms::env::{Entropy, InsecureTestEntropy, ManualClock};
use wasm_kms::model::{GetParametersForImportRequest, GetParametersForImportResponse};
use wasm_kms::persist::seal::{self, RootKind, StoreKey};
use wasm_kms::persist::Dir;
use wasm_kms::store::MemoryStore;
use wasm_kms::{Config, Kms, KmsError};

#[cfg(test)]
mod seeds;

/// The service every target drives.
pub type FuzzKms = Kms<ManualClock, InsecureTestEntropy, MemoryStore>;

/// The clock's time in every target: 2023-11-14.
pub const START: Timestamp = Timestamp(1_700_000_000_000);

/// The entropy seed of every fresh service.
const ENTROPY_SEED: u64 = 0x5eed;

/// The RSA key pairs of [`rsa_pair`], as DER PKCS#8 (written by the seed generator: the keys
/// `AsymKey::generate` makes from `InsecureTestEntropy::new(bits)`).
const RSA_KEYS: [(usize, &[u8]); 3] = [
    (2048, include_bytes!("../keys/rsa-2048.der")),
    (3072, include_bytes!("../keys/rsa-3072.der")),
    (4096, include_bytes!("../keys/rsa-4096.der")),
];

/// The RSA key pair of `spec` that every fresh service is offered, so that an input creating
/// an RSA key or asking for import parameters does not wait for key generation (seconds under
/// the fuzzer's instrumentation). Read from [`RSA_KEYS`], or made if that file is empty.
pub fn rsa_pair(spec: AsymSpec) -> AsymKey {
    thread_local! {
        static PAIRS: RefCell<BTreeMap<usize, AsymKey>> = const { RefCell::new(BTreeMap::new()) };
    }
    let bits = spec.rsa_bits().expect("an RSA spec");
    PAIRS.with(|pairs| {
        pairs
            .borrow_mut()
            .entry(bits)
            .or_insert_with(|| {
                RSA_KEYS
                    .iter()
                    .find(|(b, _)| *b == bits)
                    .and_then(|(_, der)| AsymKey::from_pkcs8(spec, der))
                    .unwrap_or_else(|| generate_rsa(spec))
            })
            .clone()
    })
}

/// The RSA key pair of `spec` that [`RSA_KEYS`] holds.
fn generate_rsa(spec: AsymSpec) -> AsymKey {
    let bits = spec.rsa_bits().expect("an RSA spec");
    AsymKey::generate(spec, &mut InsecureTestEntropy::new(bits as u64)).expect("RSA generation")
}

/// A fresh service in memory: the default account and Region, [`START`] on a manual clock,
/// the same entropy every time, and `offered` RSA key pairs of each size waiting. The same
/// calls on two fresh services give the same key IDs, tokens and ciphertexts.
pub fn fresh_kms(offered: usize) -> FuzzKms {
    let kms = Kms::new(
        Config::default(),
        ManualClock::new(START),
        InsecureTestEntropy::new(ENTROPY_SEED),
        MemoryStore::default(),
    )
    .expect("a valid configuration");
    for spec in [AsymSpec::Rsa2048, AsymSpec::Rsa3072, AsymSpec::Rsa4096] {
        for _ in 0..offered {
            kms.offload().offer_key_pair(rsa_pair(spec));
        }
    }
    kms
}

/// Runs `op` with a JSON input; panics on failure (for setting up a target, not for input).
pub fn call(kms: &mut FuzzKms, op: &str, input: Value) -> Value {
    kms.call_json(op, input)
        .unwrap_or_else(|e| panic!("{op} failed in set-up: {e:?}"))
}

/// A key made with CreateKey's JSON `input`; returns its ID.
pub fn create_key(kms: &mut FuzzKms, input: Value) -> String {
    call(kms, "CreateKey", input)["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("a key ID")
        .to_owned()
}

/// The keys of the wire target's service, by role, in the order they are made.
pub struct WireKeys {
    /// SYMMETRIC_DEFAULT, with the alias `alias/fuzz`.
    pub symmetric: String,
    /// HMAC_256.
    pub hmac: String,
    /// ECC_NIST_P256 for signing.
    pub ecc: String,
    /// RSA_2048 for encryption.
    pub rsa: String,
    /// A symmetric EXTERNAL key waiting for its material.
    pub external: String,
}

/// The wire target's service: a fresh service with one key of each kind.
pub fn wire_kms() -> (FuzzKms, WireKeys) {
    let mut kms = fresh_kms(1);
    let symmetric = create_key(&mut kms, json!({}));
    call(
        &mut kms,
        "CreateAlias",
        json!({"AliasName": "alias/fuzz", "TargetKeyId": symmetric}),
    );
    let hmac = create_key(
        &mut kms,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    );
    let ecc = create_key(
        &mut kms,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    );
    let rsa = create_key(
        &mut kms,
        json!({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}),
    );
    let external = create_key(&mut kms, json!({"Origin": "EXTERNAL"}));
    // The pair RSA_2048 used is offered again, for the input's own calls.
    kms.offload().offer_key_pair(rsa_pair(AsymSpec::Rsa2048));
    let keys = WireKeys {
        symmetric,
        hmac,
        ecc,
        rsa,
        external,
    };
    (kms, keys)
}

/// The key specs the import target imports into, with the usage each is made with.
pub const IMPORT_SPECS: &[(&str, &str)] = &[
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
    ("HMAC_224", "GENERATE_VERIFY_MAC"),
    ("HMAC_256", "GENERATE_VERIFY_MAC"),
    ("HMAC_384", "GENERATE_VERIFY_MAC"),
    ("HMAC_512", "GENERATE_VERIFY_MAC"),
    ("ECC_NIST_P256", "SIGN_VERIFY"),
    ("ECC_NIST_P384", "SIGN_VERIFY"),
    ("ECC_NIST_P521", "SIGN_VERIFY"),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"),
    ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
    ("RSA_2048", "SIGN_VERIFY"),
    ("RSA_3072", "ENCRYPT_DECRYPT"),
];

/// The wrapping algorithms the import target wraps with.
pub const IMPORT_ALGORITHMS: &[&str] = &[
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
];

/// The import target's service: an EXTERNAL key of `IMPORT_SPECS[spec]` and the parameters
/// GetParametersForImport gave for `IMPORT_ALGORITHMS[algorithm]` and RSA_2048. The token is
/// the same in every fresh service.
pub struct ImportSetup {
    /// The service.
    pub kms: FuzzKms,
    /// The key's ID.
    pub key_id: String,
    /// The key spec.
    pub spec: &'static str,
    /// The wrapping algorithm.
    pub algorithm: &'static str,
    /// What GetParametersForImport answered.
    pub parameters: GetParametersForImportResponse,
}

/// See [`ImportSetup`]; `spec` and `algorithm` are taken modulo their table's length.
pub fn import_setup(spec: usize, algorithm: usize) -> ImportSetup {
    let (spec, usage) = IMPORT_SPECS[spec % IMPORT_SPECS.len()];
    let algorithm = IMPORT_ALGORITHMS[algorithm % IMPORT_ALGORITHMS.len()];
    let mut kms = fresh_kms(1);
    let key_id = create_key(
        &mut kms,
        json!({"Origin": "EXTERNAL", "KeySpec": spec, "KeyUsage": usage}),
    );
    let parameters = kms
        .get_parameters_for_import(GetParametersForImportRequest {
            key_id: Some(key_id.clone()),
            wrapping_algorithm: Some(algorithm.to_owned()),
            wrapping_key_spec: Some("RSA_2048".to_owned()),
        })
        .expect("GetParametersForImport");
    ImportSetup {
        kms,
        key_id,
        spec,
        algorithm,
        parameters,
    }
}

/// Wraps `material` as a caller does outside KMS, under the import wrapping key (the RSA_2048
/// pair every fresh service is offered) with `algorithm`. `None` when RSAES-OAEP cannot hold
/// material that long.
pub fn wrap_material(algorithm: &str, material: &[u8]) -> Option<Vec<u8>> {
    use aes_kw::aes::Aes256;
    use aes_kw::{AesKwp, KeyInit};
    let wrapping = rsa_pair(AsymSpec::Rsa2048);
    let mut entropy = InsecureTestEntropy::new(0x77);
    let hash = if algorithm.ends_with("SHA_1") {
        OaepHash::Sha1
    } else {
        OaepHash::Sha256
    };
    if algorithm.starts_with("RSAES_OAEP") {
        return wrapping.encrypt(hash, material, &mut entropy).ok();
    }
    let mut aes_key = [0u8; 32];
    entropy.fill(&mut aes_key).ok()?;
    let head = wrapping.encrypt(hash, &aes_key, &mut entropy).ok()?;
    let kwp = AesKwp::<Aes256>::new((&aes_key).into());
    let mut buf = vec![0u8; material.len() + 16];
    let tail = kwp.wrap_key(material, &mut buf).ok()?;
    Some([head.as_slice(), tail].concat())
}

/// The ImportKeyMaterial input of the import target: `token`, `wrapped`, and
/// the expiration as `expiry` says (0: never; 1: in a day; 2: no model and no date, which
/// AWS refuses; 3: an expiring model with a date `days` days away, past or future).
pub fn import_request(
    key_id: &str,
    token: &[u8],
    wrapped: &[u8],
    expiry: u8,
    days: i8,
) -> wasm_kms::model::ImportKeyMaterialRequest {
    let day = 86_400_000;
    let (model, valid_to) = match expiry % 4 {
        0 => (Some("KEY_MATERIAL_DOES_NOT_EXPIRE"), None),
        1 => (Some("KEY_MATERIAL_EXPIRES"), Some(START.0 + day)),
        2 => (None, None),
        _ => (
            Some("KEY_MATERIAL_EXPIRES"),
            Some(START.0 + i64::from(days) * day),
        ),
    };
    wasm_kms::model::ImportKeyMaterialRequest {
        key_id: Some(key_id.to_owned()),
        import_token: Some(Blob(token.to_vec())),
        encrypted_key_material: Some(SecretBlob(wrapped.to_vec())),
        valid_to: valid_to.map(Timestamp),
        expiration_model: model.map(str::to_owned),
        ..Default::default()
    }
}

/// A directory in memory for the on-disk store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemDir {
    /// The files, by name.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Dir for MemDir {
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, KmsError> {
        Ok(self.files.get(name).cloned())
    }
    fn append(&mut self, name: &str, bytes: &[u8], _sync: bool) -> Result<(), KmsError> {
        self.files
            .entry(name.to_owned())
            .or_default()
            .extend_from_slice(bytes);
        Ok(())
    }
    fn replace(&mut self, name: &str, bytes: &[u8]) -> Result<(), KmsError> {
        self.files.insert(name.to_owned(), bytes.to_vec());
        Ok(())
    }
    fn truncate(&mut self, name: &str, len: u64) -> Result<(), KmsError> {
        if let Some(f) = self.files.get_mut(name) {
            f.truncate(usize::try_from(len).unwrap_or(usize::MAX));
        }
        Ok(())
    }
}

/// The root key of the journal target's whole-store inputs.
pub const ROOT_KEY: [u8; 32] = [0x42; 32];

/// The files of a store directory in one input: for each file, its name's length (one byte),
/// its name, its length (u32, big-endian) and its bytes.
pub fn join_files(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, bytes) in files {
        out.push(name.len() as u8);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// The inverse of [`join_files`], forgiving: a file cut short keeps what is there.
pub fn split_files(mut data: &[u8]) -> MemDir {
    let mut dir = MemDir::default();
    while let Some((&n, rest)) = data.split_first() {
        let n = usize::from(n).min(rest.len());
        let (name, rest) = rest.split_at(n);
        let (len, rest) = match rest.split_first_chunk::<4>() {
            Some((len, rest)) => (u32::from_be_bytes(*len) as usize, rest),
            None => (rest.len(), &[][..]),
        };
        let (bytes, rest) = rest.split_at(len.min(rest.len()));
        dir.files
            .insert(String::from_utf8_lossy(name).into_owned(), bytes.to_vec());
        data = rest;
    }
    dir
}

/// The passphrase of the backup target's backups.
pub const BACKUP_PASSPHRASE: &[u8] = b"fuzz passphrase";

/// The entropy seed the backup seeds are sealed with: its first 16 bytes are their salt.
pub const BACKUP_ENTROPY: u64 = 0xbac;

/// The salt of the backup seeds.
pub fn backup_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    InsecureTestEntropy::new(BACKUP_ENTROPY)
        .fill(&mut salt)
        .expect("test entropy");
    salt
}

/// The store key of the backup seeds.
pub fn backup_store_key() -> StoreKey {
    StoreKey::from_bytes(&[0x5b; 32]).expect("a store key")
}

/// A backup's body before it is sealed: the snapshot and the audit file, each preceded by its
/// length (u64, big-endian), as `backup::seal` lays them out.
pub fn backup_body(snapshot: &[u8], audit: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in [snapshot, audit] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// A backup of the body `body` (see [`backup_body`]) as `backup::seal` makes one: sealed under
/// [`backup_store_key`], which is wrapped under `kek` (the key PBKDF2 derives from
/// [`BACKUP_PASSPHRASE`] and [`backup_salt`]).
pub fn backup_with_body(body: &[u8], kek: &[u8; 32]) -> Vec<u8> {
    let key = backup_store_key();
    let mut entropy = InsecureTestEntropy::new(1);
    let kind = RootKind::Passphrase {
        salt: backup_salt(),
        iterations: seal::MIN_PBKDF2_ITERATIONS,
    };
    let keyring = seal::wrap_store_key(&key, kek, kind, &mut entropy).expect("wrapping");
    let sealed = key
        .seal("backup/body", body, &mut entropy)
        .expect("sealing");
    let mut out = b"WKMSBAK1".to_vec();
    for part in [&keyring, &sealed] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}
