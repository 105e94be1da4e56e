//! Writes the seed corpora under `fuzz/seeds/<target>/`: valid inputs made by the real code
//! (a real store's journal, snapshot, audit file and records, real backups, real import tokens
//! and wrapped material, requests that name the wire service's keys), each checked to be what
//! its target takes. Run with
//! `cargo test --manifest-path fuzz/Cargo.toml --lib -- --ignored write_seeds`;
//! everything is deterministic, so running it again rewrites the same files.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use serde_json::{json, Value};
use wasm_kms::crypto::asym::{AsymKey, AsymSpec};
use wasm_kms::env::{InsecureTestEntropy, ManualClock};
use wasm_kms::persist::log::{self, Commit, LogBackend};
use wasm_kms::persist::{backup, records, seal, DurableStore, Root, KEYRING};
use wasm_kms::store::{Store, StoredEvent};
use wasm_kms::{Config, Kms};

use super::*;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Replaces the seeds of `target` with `seeds` (name, bytes).
fn write(target: &str, seeds: Seeds) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// A small durable store that has seen a few operations, and its directory.
fn durable_store() -> Kms<ManualClock, InsecureTestEntropy, DurableStore<MemDir>> {
    let root = Root::Key(zeroize::Zeroizing::new(ROOT_KEY));
    let store = DurableStore::open(
        MemDir::default(),
        &root,
        Box::new(InsecureTestEntropy::new(9)),
    )
    .unwrap();
    let mut kms = Kms::new(
        Config::default(),
        ManualClock::new(START),
        InsecureTestEntropy::new(10),
        store,
    )
    .unwrap();
    let key = kms
        .call_json("CreateKey", json!({"Description": "seed"}))
        .unwrap();
    let id = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    kms.call_json(
        "CreateAlias",
        json!({"AliasName": "alias/seed", "TargetKeyId": id}),
    )
    .unwrap();
    kms.call_json("Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}))
        .unwrap();
    kms.call_json(
        "TagResource",
        json!({"KeyId": id, "Tags": [{"TagKey": "k", "TagValue": "v"}]}),
    )
    .unwrap();
    kms
}

/// A journal of small commits made through the log alone.
fn small_journal() -> Vec<u8> {
    let (mut backend, _) = LogBackend::open(MemDir::default()).unwrap();
    for i in 1..=4u64 {
        let event = StoredEvent {
            seq: i,
            prev: [i as u8; 32],
            hash: [i as u8 + 1; 32],
            json: format!("{{\"n\":{i}}}").into_bytes(),
        };
        let value = (i != 3).then(|| format!("v{i}").into_bytes());
        backend
            .commit(&Commit {
                writes: vec![(format!("r{}", i % 3), value)],
                events: vec![event],
                sync: true,
            })
            .unwrap();
    }
    backend.dir_mut().files.get(log::JOURNAL).unwrap().clone()
}

/// Seeds, by name.
type Seeds = Vec<(String, Vec<u8>)>;

/// The journal target's seeds, and the store they came from: its store key, its records
/// (sealed) and its audit trail, for the backup seeds.
fn journal_seeds() -> (
    Seeds,
    seal::StoreKey,
    BTreeMap<String, Vec<u8>>,
    Vec<StoredEvent>,
) {
    let mut seeds = Vec::new();
    let mut kms = durable_store();
    let journaled = kms.store_mut().backend().dir_mut().clone();
    let journal = journaled.files.get(log::JOURNAL).unwrap().clone();
    let small = small_journal();
    for (name, file) in [("store", &journal), ("small", &small)] {
        let len = file.len() as u16;
        for (i, (cut, flip, mask)) in [(len / 2, 20, 1), (len - 3, len - 2, 0x80), (0, 5, 4)]
            .into_iter()
            .enumerate()
        {
            let mut seed = vec![0];
            seed.extend_from_slice(&cut.to_be_bytes());
            seed.extend_from_slice(&flip.to_be_bytes());
            seed.push(mask);
            seed.extend_from_slice(file);
            seeds.push((format!("journal-{name}-{i}"), seed));
        }
    }
    seeds.push(("dir-journaled".to_owned(), {
        let mut s = vec![4];
        s.extend(join_files(&journaled.files));
        s
    }));
    kms.store_mut().backend().compact().unwrap();
    let compacted = kms.store_mut().backend().dir_mut().clone();
    seeds.push(("dir-compacted".to_owned(), {
        let mut s = vec![4];
        s.extend(join_files(&compacted.files));
        s
    }));
    let snapshot = compacted.files.get(log::SNAPSHOT).unwrap();
    seeds.push(("snapshot".to_owned(), [&[1u8][..], snapshot].concat()));
    let audit = compacted.files.get(log::AUDIT).unwrap();
    seeds.push(("audit".to_owned(), [&[2u8][..], audit].concat()));
    let key = seal::unwrap_store_key(compacted.files.get(KEYRING).unwrap(), &ROOT_KEY).unwrap();
    let stored = log::decode_snapshot(snapshot).unwrap().records;
    for (name, sealed) in &stored {
        let plain = key.open(name, sealed).unwrap();
        let kind = name.split('/').next().unwrap();
        if kind == "key" {
            records::decode_key(name, &plain).unwrap();
        } else if kind == "alias" {
            records::decode_alias(name, &plain).unwrap();
        } else {
            continue;
        }
        let seed = [&[3u8][..], name.as_bytes(), &[0], &plain].concat();
        seeds.push((format!("record-{kind}"), seed));
    }
    let mut events = Vec::new();
    kms.store_mut()
        .scan_events(&mut |e| {
            events.push(e);
            true
        })
        .unwrap();
    (seeds, key, stored, events)
}

fn backup_seeds(
    key: &seal::StoreKey,
    stored: &BTreeMap<String, Vec<u8>>,
    events: &[StoredEvent],
) -> Seeds {
    // The records sealed again under the backup seeds' store key.
    let backup_key = backup_store_key();
    let mut entropy = InsecureTestEntropy::new(2);
    let resealed: BTreeMap<String, Vec<u8>> = stored
        .iter()
        .map(|(name, sealed)| {
            let plain = key.open(name, sealed).unwrap();
            (
                name.clone(),
                backup_key.seal(name, &plain, &mut entropy).unwrap(),
            )
        })
        .collect();
    let kek = seal::passphrase_root(
        BACKUP_PASSPHRASE,
        &backup_salt(),
        seal::MIN_PBKDF2_ITERATIONS,
    )
    .unwrap();
    let mut seeds = Vec::new();
    for (name, records, events) in [
        ("store", resealed.clone(), events),
        ("no-trail", resealed.clone(), &[][..]),
        ("empty", BTreeMap::new(), &[][..]),
    ] {
        let mut entropy = InsecureTestEntropy::new(BACKUP_ENTROPY);
        let sealed = backup::seal(
            &backup_key,
            &records,
            events,
            BACKUP_PASSPHRASE,
            seal::MIN_PBKDF2_ITERATIONS,
            &mut entropy,
        )
        .unwrap();
        let opened = backup::open(&sealed, BACKUP_PASSPHRASE).unwrap();
        assert_eq!(opened.records, records);
        seeds.push((format!("backup-{name}"), [&[0u8][..], &sealed].concat()));
        // The same as a body for the target to seal: it opens the same.
        let audit = if events.is_empty() {
            Vec::new()
        } else {
            log::encode_audit(events).unwrap()
        };
        let next = events.last().map_or(0, |e| e.seq + 1);
        let snapshot = log::encode_snapshot(0, next, audit.len() as u64, &records).unwrap();
        let body = backup_body(&snapshot, &audit);
        let made = backup_with_body(&body, &kek);
        let opened = backup::open(&made, BACKUP_PASSPHRASE).unwrap();
        assert_eq!(opened.records, records);
        assert_eq!(opened.events.len(), events.len());
        seeds.push((format!("body-{name}"), [&[1u8][..], &body].concat()));
    }
    seeds
}

/// Key material each import spec takes.
fn material(spec: &str) -> Vec<u8> {
    match spec {
        "SYMMETRIC_DEFAULT" => vec![0x42; 32],
        "HMAC_224" => vec![0x43; 28],
        "HMAC_256" => vec![0x44; 40],
        "HMAC_384" => vec![0x45; 48],
        "HMAC_512" => vec![0x46; 128],
        other => {
            let spec = AsymSpec::parse(other).unwrap();
            AsymKey::generate(spec, &mut InsecureTestEntropy::new(5))
                .unwrap()
                .to_pkcs8()
                .unwrap()
                .to_vec()
        }
    }
}

fn import_seeds() -> Seeds {
    let mut seeds = Vec::new();
    for (i, (spec, _)) in IMPORT_SPECS.iter().enumerate() {
        let material = material(spec);
        // RSAES-OAEP holds short material; the rest is wrapped with RSA-AES key wrap.
        let algorithm = if material.len() <= 190 {
            i % 4
        } else {
            2 + i % 2
        };
        let expiry = (i % 2) as u8;
        let flags = algorithm as u8 | (expiry << 4);
        let setup = import_setup(i, algorithm);
        let wrapped = wrap_material(setup.algorithm, &material).unwrap();
        let token = setup.parameters.import_token.0.clone();
        let mut kms = setup.kms;
        kms.import_key_material(import_request(&setup.key_id, &token, &wrapped, expiry, 0))
            .unwrap_or_else(|e| panic!("{spec}: {e:?}"));
        let raw = [i as u8, flags, 30];
        let wraps = [i as u8, flags | 4, 30];
        seeds.push((format!("wrap-{spec}"), [&wraps[..], &material].concat()));
        seeds.push((format!("raw-{spec}"), [&raw[..], &wrapped].concat()));
        if i % 3 == 0 {
            let mut seed = vec![i as u8, flags | 4 | 8, 30, token.len() as u8];
            seed.extend_from_slice(&token);
            seed.extend_from_slice(&material);
            seeds.push((format!("token-{spec}"), seed));
        }
    }
    seeds
}

fn ids_seeds() -> Seeds {
    let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let texts = [
        id.to_owned(),
        id.to_uppercase(),
        "mrk-1234abcd12ab34cd56ef1234567890ab".to_owned(),
        format!("arn:aws:kms:us-east-1:111122223333:key/{id}"),
        format!("arn:aws-us-gov:kms:us-gov-west-1:444455556666:key/{id}"),
        "alias/fuzz".to_owned(),
        "alias/aws/s3".to_owned(),
        "arn:aws:kms:us-east-1:111122223333:alias/fuzz".to_owned(),
        "arn:aws:iam::111122223333:root".to_owned(),
        "arn:aws:sts::444455556666:assumed-role/app/session-1".to_owned(),
        "arn:aws:iam::111122223333:user/eve".to_owned(),
    ];
    let mut seeds: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("text-{i}"), t.as_bytes().to_vec()))
        .collect();
    let binary = wasm_kms::domain::ids::KeyId::parse(id).unwrap().to_binary();
    seeds.push(("binary".to_owned(), binary.to_vec()));
    seeds
}

/// Key and identity policies: AWS's own, the key policy guide's examples, every operator, set
/// qualifier, variable and element form, and a few that AWS refuses.
fn policy_seeds() -> Seeds {
    use wasm_kms::access::policy::{Anyone, Policy, PolicyKind};
    let root = "arn:aws:iam::111122223333:root";
    let role = "arn:aws:iam::111122223333:role/r";
    let scope = wasm_kms::domain::ids::Scope {
        partition: "aws".to_owned(),
        region: "us-east-1".to_owned(),
        account: "111122223333".to_owned(),
    };
    let valid_key = [
        wasm_kms::access::default_policy("aws", "111122223333"),
        wasm_kms::access::aws_managed_policy_document(&scope, "s3", "S3"),
        json!({"Version": "2012-10-17", "Id": "key-consolepolicy-3", "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Allow access for Key Administrators", "Effect": "Allow", "Principal": {"AWS": role},
             "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"], "Resource": "*"},
            {"Sid": "Allow attachment of persistent resources", "Effect": "Allow", "Principal": {"AWS": [role, "444455556666"]},
             "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": true}}}]})
        .to_string(),
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Conditions", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*", "Condition": {
                "StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp", "kms:CallerAccount": "111122223333"},
                "StringLikeIfExists": {"kms:ViaService": "*.us-east-1.amazonaws.com", "kms:EncryptionContext:owner": "${aws:username}/${*}"},
                "StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "${aws:PrincipalTag/other, 'none'}"},
                "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["AppName", "owner"]},
                "ForAnyValue:StringLike": {"aws:TagKeys": "Env*"},
                "Null": {"kms:BypassPolicyLockoutSafetyCheck": "true"},
                "NumericLessThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 10},
                "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00+01:00"},
                "DateGreaterThan": {"aws:EpochTime": "1546257599"},
                "Bool": {"aws:SecureTransport": "true"},
                "BinaryEquals": {"kms:EncryptionContext:blob": "AQID"},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                "NotIpAddress": {"aws:SourceIp": "192.0.2.1"},
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/r*"},
                "ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"}}},
            {"Sid": "Deny outside the endpoint", "Effect": "Deny", "NotPrincipal": {"AWS": [root, "arn:aws:sts::111122223333:assumed-role/r/s"]},
             "NotAction": "kms:Describe*", "NotResource": "arn:aws:kms:*:111122223333:alias/*",
             "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-0a1b2c3d"}}},
            {"Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com", "AWS": "arn:aws:iam::444455556666:user/bob"}, "Action": "kms:Encrypt*", "Resource": "arn:aws:kms:us-east-1:111122223333:key/*"},
            {"Effect": "Allow", "Principal": {"AWS": "*"}}]})
        .to_string(),
    ];
    let valid_identity = [json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Own aliases", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:DeleteAlias"],
         "Resource": ["arn:aws:kms:us-east-1:111122223333:alias/${aws:username}-*", "arn:aws:kms:*:111122223333:key/*"]},
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/Env": "prod"}, "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/app"}}},
        {"Effect": "Deny", "NotAction": ["kms:Decrypt", "kms:DescribeKey"], "NotResource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]})
    .to_string()];
    let invalid = [
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/admins"},"Action":"kms:*","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContext:AppName":"x"}}}}"#,
        r#"{"Statement":[{"Sid":"a","Effect":"Deny","Principal":"*","Action":"Encrypt"}]}"#,
        r#"{"Version":"2012-10-17","Statement":["#,
    ];
    let mut seeds = Vec::new();
    for (i, text) in valid_key.iter().enumerate() {
        Policy::parse(text, PolicyKind::Key, &Anyone).unwrap();
        seeds.push((format!("key-{i}.json"), text.as_bytes().to_vec()));
    }
    for (i, text) in valid_identity.iter().enumerate() {
        Policy::parse(text, PolicyKind::Identity, &Anyone).unwrap();
        seeds.push((format!("identity-{i}.json"), text.as_bytes().to_vec()));
    }
    for (i, text) in invalid.iter().enumerate() {
        assert!(Policy::parse(text, PolicyKind::Key, &Anyone).is_err());
        seeds.push((format!("refused-{i}.json"), text.as_bytes().to_vec()));
    }
    seeds
}

fn seed_file_seeds() -> Seeds {
    let id = |n: u8| format!("{n:08x}-12ab-34cd-56ef-1234567890ab");
    let p256 = material("ECC_NIST_P256");
    let docs = [
        json!({"Keys": [{
            "KeyId": id(1),
            "Description": "fixture key",
            "KeyMaterial": b64(&[7; 32]),
            "Tags": [{"TagKey": "env", "TagValue": "test"}],
            "Aliases": ["alias/fixture"],
            "EnableKeyRotation": true,
        }]}),
        json!({"Keys": [
            {"KeyId": id(2), "KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC",
             "KeyMaterial": b64(&[8; 32]), "Enabled": false},
            {"KeyId": id(3), "Region": "eu-west-1", "KeySpec": "ECC_NIST_P256",
             "KeyUsage": "SIGN_VERIFY", "KeyMaterial": b64(&p256)},
            {"KeyId": "mrk-1234abcd12ab34cd56ef1234567890ab", "Aliases": ["alias/a", "alias/b"]},
        ]}),
        json!({"Keys": [{"KeyId": id(4), "KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT",
                         "Policy": wasm_kms::default_policy("aws", "111122223333")}]}),
        json!({}),
    ];
    let mut seeds = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let text = serde_json::to_string_pretty(doc).unwrap();
        let mut kms = fresh_kms(1);
        kms.seed_json(&text)
            .unwrap_or_else(|e| panic!("seed {i}: {e:?}"));
        seeds.push((format!("seed-{i}.json"), text.into_bytes()));
    }
    seeds
}

fn wire_seeds() -> Seeds {
    let (mut kms, keys) = wire_kms();
    let ciphertext = call(
        &mut kms,
        "Encrypt",
        json!({"KeyId": "alias/fuzz", "Plaintext": b64(b"hello"),
               "EncryptionContext": {"purpose": "fuzz"}}),
    )["CiphertextBlob"]
        .clone();
    let mac = call(
        &mut kms,
        "GenerateMac",
        json!({"KeyId": keys.hmac, "Message": b64(b"m"), "MacAlgorithm": "HMAC_SHA_256"}),
    )["Mac"]
        .clone();
    let signature = call(
        &mut kms,
        "Sign",
        json!({"KeyId": keys.ecc, "Message": b64(b"m"), "SigningAlgorithm": "ECDSA_SHA_256"}),
    )["Signature"]
        .clone();
    let requests: Vec<(&str, Value)> = vec![
        (
            "Decrypt",
            json!({"CiphertextBlob": ciphertext, "EncryptionContext": {"purpose": "fuzz"}}),
        ),
        (
            "ReEncrypt",
            json!({"CiphertextBlob": ciphertext, "SourceEncryptionContext": {"purpose": "fuzz"},
                              "DestinationKeyId": keys.symmetric}),
        ),
        (
            "Encrypt",
            json!({"KeyId": keys.symmetric, "Plaintext": b64(b"p")}),
        ),
        (
            "GenerateDataKey",
            json!({"KeyId": "alias/fuzz", "KeySpec": "AES_256"}),
        ),
        (
            "GenerateDataKeyPair",
            json!({"KeyId": keys.symmetric, "KeyPairSpec": "ECC_NIST_P256"}),
        ),
        (
            "VerifyMac",
            json!({"KeyId": keys.hmac, "Message": b64(b"m"), "Mac": mac,
                              "MacAlgorithm": "HMAC_SHA_256"}),
        ),
        (
            "Verify",
            json!({"KeyId": keys.ecc, "Message": b64(b"m"), "Signature": signature,
                           "SigningAlgorithm": "ECDSA_SHA_256"}),
        ),
        (
            "Encrypt",
            json!({"KeyId": keys.rsa, "Plaintext": b64(b"p"),
                            "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
        ),
        ("GetPublicKey", json!({"KeyId": keys.rsa})),
        (
            "CreateKey",
            json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY",
                              "Tags": [{"TagKey": "a", "TagValue": "b"}]}),
        ),
        (
            "GetParametersForImport",
            json!({"KeyId": keys.external,
                                           "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
                                           "WrappingKeySpec": "RSA_2048"}),
        ),
        ("ListAliases", json!({"Limit": 2})),
        (
            "ScheduleKeyDeletion",
            json!({"KeyId": keys.symmetric, "PendingWindowInDays": 7}),
        ),
        ("ListKeys", json!({})),
    ];
    let mut seeds = Vec::new();
    for (i, (op, body)) in requests.into_iter().enumerate() {
        let body = serde_json::to_vec(&body).unwrap();
        // Every seed succeeds in a fresh service.
        let (mut fresh, _) = wire_kms();
        let caller = fresh.caller().clone();
        let reply = fresh.call_wire(&caller, op, &body);
        assert_eq!(reply.status, 200, "{op}: {:?}", reply.error_type);
        let seed = [format!("TrentService.{op}\n").as_bytes(), &body].concat();
        seeds.push((format!("{i:02}-{op}"), seed));
    }
    seeds.push(("no-target".to_owned(), b"{}".to_vec()));
    seeds
}

fn blob_seeds() -> Seeds {
    // Made by another service than the target's: they parse, and do not decrypt there.
    let (mut kms, keys) = wire_kms();
    let mut seeds = Vec::new();
    for (i, plaintext) in [&b""[..], b"x", &[0u8; 100]].into_iter().enumerate() {
        let input = if plaintext.is_empty() {
            json!({"KeyId": keys.symmetric, "NumberOfBytes": 16})
        } else {
            json!({"KeyId": keys.symmetric, "Plaintext": b64(plaintext),
                   "EncryptionContext": {"n": i.to_string()}})
        };
        let op = if plaintext.is_empty() {
            "GenerateDataKeyWithoutPlaintext"
        } else {
            "Encrypt"
        };
        let out = call(&mut kms, op, input);
        let blob = base64::engine::general_purpose::STANDARD
            .decode(out["CiphertextBlob"].as_str().unwrap())
            .unwrap();
        assert!(wasm_kms::crypto::blob::Envelope::parse(&blob).is_some());
        seeds.push((format!("ciphertext-{i}"), blob));
    }
    seeds
}

/// Writes the RSA key pairs the services are offered, and checks they are the ones embedded.
fn write_rsa_keys() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let mut changed = Vec::new();
    for (bits, embedded) in RSA_KEYS {
        let spec = AsymSpec::parse(&format!("RSA_{bits}")).unwrap();
        let der = generate_rsa(spec).to_pkcs8().unwrap();
        std::fs::write(dir.join(format!("rsa-{bits}.der")), &*der).unwrap();
        if embedded != &der[..] {
            changed.push(bits);
        }
    }
    assert!(
        changed.is_empty(),
        "fuzz/keys changed ({changed:?}): run again"
    );
}

#[test]
#[ignore = "writes fuzz/seeds; run it when a target's input changes"]
fn write_seeds() {
    write_rsa_keys();
    let (journal, key, stored, events) = journal_seeds();
    write("journal_open", journal);
    write("backup_open", backup_seeds(&key, &stored, &events));
    write("import_material", import_seeds());
    write("ids_parse", ids_seeds());
    write("seed_file", seed_file_seeds());
    write("wire_dispatch", wire_seeds());
    write("blob_parse", blob_seeds());
    write("policy_parse", policy_seeds());
}
