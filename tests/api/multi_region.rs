//! Multi-Region keys: one instance hosting several Regions; a primary, its replicas, shared
//! material and rotation, per-Region everything else.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::rc::Rc;

use crate::common;
use common::{TestKms, DAY, START};

use rsa::pkcs8::DecodePublicKey;
use wasm_kms::codec::{Blob, SecretBlob, Timestamp};
use wasm_kms::env::ManualClock;
use wasm_kms::model::*;
use wasm_kms::service::Caller;
use wasm_kms::{KmsError, Request, Response};

const HOME: &str = "us-east-1";
const AWAY: &str = "eu-west-1";

struct World {
    kms: TestKms,
    clock: Rc<ManualClock>,
    home: Caller,
    away: Caller,
}

fn world() -> World {
    let (kms, clock) = common::setup(9);
    let home = kms.caller().clone();
    let away = home.in_region(AWAY).unwrap();
    World {
        kms,
        clock,
        home,
        away,
    }
}

impl World {
    fn run(&mut self, caller: &Caller, request: Request) -> Result<Response, KmsError> {
        self.kms.execute_as(caller, request)
    }

    fn describe(&mut self, caller: &Caller, id: &str) -> Result<KeyMetadata, KmsError> {
        let request = Request::DescribeKey(DescribeKeyRequest {
            key_id: Some(id.to_owned()),
            ..Default::default()
        });
        match self.run(caller, request)? {
            Response::DescribeKey(r) => Ok(r.key_metadata),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn primary(&mut self) -> KeyMetadata {
        let request = Request::CreateKey(CreateKeyRequest {
            multi_region: Some(true),
            ..Default::default()
        });
        let home = self.home.clone();
        match self.run(&home, request).unwrap() {
            Response::CreateKey(r) => r.key_metadata,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn replicate(&mut self, id: &str, region: &str) -> Result<ReplicateKeyResponse, KmsError> {
        let request = Request::ReplicateKey(ReplicateKeyRequest {
            key_id: Some(id.to_owned()),
            replica_region: Some(region.to_owned()),
            ..Default::default()
        });
        let home = self.home.clone();
        match self.run(&home, request)? {
            Response::ReplicateKey(r) => Ok(r),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn encrypt(&mut self, caller: &Caller, id: &str, text: &[u8]) -> Vec<u8> {
        let request = Request::Encrypt(EncryptRequest {
            key_id: Some(id.to_owned()),
            plaintext: Some(SecretBlob(text.to_vec())),
            ..Default::default()
        });
        match self.run(caller, request).unwrap() {
            Response::Encrypt(r) => r.ciphertext_blob.0,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn decrypt(&mut self, caller: &Caller, blob: &[u8]) -> Result<DecryptResponse, KmsError> {
        let request = Request::Decrypt(DecryptRequest {
            ciphertext_blob: Some(Blob(blob.to_vec())),
            ..Default::default()
        });
        match self.run(caller, request)? {
            Response::Decrypt(r) => Ok(r),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn key_request(&mut self, caller: &Caller, request: Request) -> Result<Response, KmsError> {
        self.run(caller, request)
    }

    /// The name of the error `request` fails with.
    fn error_name(&mut self, caller: &Caller, request: Request) -> String {
        self.run(caller, request).unwrap_err().name().to_owned()
    }
}

fn id_req(id: &str) -> KeyIdRequest {
    KeyIdRequest {
        key_id: Some(id.to_owned()),
    }
}

#[test]
fn a_primary_and_its_replica_share_id_and_material_but_not_region() {
    let mut w = world();
    let primary = w.primary();
    assert!(primary.key_id.starts_with("mrk-"), "{}", primary.key_id);
    assert!(primary.multi_region);
    let config = primary.multi_region_configuration.clone().unwrap();
    assert_eq!(config.multi_region_key_type, "PRIMARY");
    assert_eq!(config.primary_key.arn, primary.arn);
    assert_eq!(config.primary_key.region, HOME);
    assert!(config.replica_keys.is_empty());

    let out = w.replicate(&primary.key_id, AWAY).unwrap();
    let replica = &out.replica_key_metadata;
    assert_eq!(replica.key_id, primary.key_id);
    assert_eq!(
        replica.arn,
        format!("arn:aws:kms:{AWAY}:111122223333:key/{}", primary.key_id)
    );
    assert_eq!(
        (replica.key_state.as_str(), replica.enabled),
        ("Creating", false)
    );
    assert_eq!(replica.current_key_material_id, None);
    let config = replica.multi_region_configuration.clone().unwrap();
    assert_eq!(config.multi_region_key_type, "REPLICA");
    assert_eq!(config.replica_keys.len(), 1);
    assert_eq!(config.replica_keys[0].region, AWAY);
    assert!(out
        .replica_policy
        .contains("\"Sid\" : \"Enable IAM User Permissions\""));
    assert!(out.replica_tags.is_empty());

    let away = w.away.clone();
    let home = w.home.clone();
    let ready = w.describe(&away, &primary.key_id).unwrap();
    assert_eq!(ready.key_state, "Enabled");
    assert_eq!(
        ready.current_key_material_id,
        primary.current_key_material_id
    );
    let grown = w.describe(&home, &primary.key_id).unwrap();
    let replicas = grown.multi_region_configuration.unwrap().replica_keys;
    assert_eq!(replicas.len(), 1);
    assert_eq!(replicas[0].arn, ready.arn);

    // Either Region decrypts the other's ciphertext.
    let from_home = w.encrypt(&home, &primary.key_id, b"made at home");
    let opened = w.decrypt(&away, &from_home).unwrap();
    assert_eq!(opened.plaintext.as_bytes(), b"made at home");
    assert_eq!(opened.key_id, ready.arn);
    let from_away = w.encrypt(&away, &primary.key_id, b"made away");
    assert_eq!(
        w.decrypt(&home, &from_away).unwrap().plaintext.as_bytes(),
        b"made away"
    );

    // Aliases and state are per Region.
    let alias = Request::CreateAlias(AliasRequest {
        alias_name: Some("alias/shared".into()),
        target_key_id: Some(primary.key_id.clone()),
    });
    w.key_request(&home, alias).unwrap();
    assert!(w.describe(&away, "alias/shared").is_err());
    w.key_request(&away, Request::DisableKey(id_req(&primary.key_id)))
        .unwrap();
    assert_eq!(
        w.describe(&home, &primary.key_id).unwrap().key_state,
        "Enabled"
    );
    assert_eq!(
        w.decrypt(&away, &from_home).unwrap_err().name(),
        "DisabledException"
    );
}

#[test]
fn replication_is_refused_where_aws_refuses_it() {
    let mut w = world();
    let primary = w.primary();
    w.replicate(&primary.key_id, AWAY).unwrap();
    for region in [AWAY, HOME] {
        assert_eq!(
            w.replicate(&primary.key_id, region).unwrap_err().name(),
            "AlreadyExistsException",
            "{region}"
        );
    }
    // From a replica (in its own Region).
    let away = w.away.clone();
    let from_replica = Request::ReplicateKey(ReplicateKeyRequest {
        key_id: Some(primary.key_id.clone()),
        replica_region: Some("ap-south-1".into()),
        ..Default::default()
    });
    let e = w.key_request(&away, from_replica).unwrap_err();
    let replica_arn = format!("arn:aws:kms:{AWAY}:111122223333:key/{}", primary.key_id);
    assert_eq!(e.name(), "UnsupportedOperationException");
    assert_eq!(
        e.message(),
        Some(format!("{replica_arn} is not a multi-region primary key.").as_str())
    );
    // A single-Region key.
    let regional = w
        .kms
        .create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata;
    assert_eq!(
        w.replicate(&regional.key_id, AWAY).unwrap_err().name(),
        "UnsupportedOperationException"
    );
    assert_eq!(
        w.replicate(&primary.key_id, "Mars").unwrap_err().message(),
        Some("1 validation error detected: Value 'Mars' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$")
    );
    // A disabled primary.
    w.kms.disable_key(id_req(&primary.key_id)).unwrap();
    assert_eq!(
        w.replicate(&primary.key_id, "ap-south-1")
            .unwrap_err()
            .name(),
        "DisabledException"
    );
}

#[test]
fn rotation_is_the_primarys_and_reaches_every_replica() {
    let mut w = world();
    let primary = w.primary();
    w.replicate(&primary.key_id, AWAY).unwrap();
    let (home, away) = (w.home.clone(), w.away.clone());
    // On demand.
    w.key_request(&home, Request::RotateKeyOnDemand(id_req(&primary.key_id)))
        .unwrap();
    let fresh = w.encrypt(&home, &primary.key_id, b"after on-demand rotation");
    assert_eq!(
        w.decrypt(&away, &fresh).unwrap().plaintext.as_bytes(),
        b"after on-demand rotation"
    );
    // Automatic, on the primary's schedule.
    let enable = Request::EnableKeyRotation(EnableKeyRotationRequest {
        key_id: Some(primary.key_id.clone()),
        rotation_period_in_days: Some(90),
    });
    w.key_request(&home, enable).unwrap();
    let status = match w
        .key_request(
            &away,
            Request::GetKeyRotationStatus(id_req(&primary.key_id)),
        )
        .unwrap()
    {
        Response::GetKeyRotationStatus(s) => s,
        other => panic!("unexpected {other:?}"),
    };
    assert!(status.key_rotation_enabled);
    assert_eq!(status.next_rotation_date, Some(Timestamp(START + 90 * DAY)));
    w.clock.set(Timestamp(START + 90 * DAY));
    let home_md = w.describe(&home, &primary.key_id).unwrap();
    let away_md = w.describe(&away, &primary.key_id).unwrap();
    assert_ne!(
        home_md.current_key_material_id,
        primary.current_key_material_id
    );
    assert_eq!(
        home_md.current_key_material_id,
        away_md.current_key_material_id
    );
    // A replica's rotation cannot be set or forced.
    let on_replica = Request::EnableKeyRotation(EnableKeyRotationRequest {
        key_id: Some(primary.key_id.clone()),
        rotation_period_in_days: None,
    });
    assert_eq!(
        w.error_name(&away, on_replica),
        "UnsupportedOperationException"
    );
    assert_eq!(
        w.error_name(&away, Request::RotateKeyOnDemand(id_req(&primary.key_id))),
        "UnsupportedOperationException"
    );
}

#[test]
fn a_primary_waits_for_its_replicas_then_for_its_own_window() {
    let mut w = world();
    let primary = w.primary();
    w.replicate(&primary.key_id, AWAY).unwrap();
    let (home, away) = (w.home.clone(), w.away.clone());
    let schedule = |days| {
        Request::ScheduleKeyDeletion(ScheduleKeyDeletionRequest {
            key_id: Some(primary.key_id.clone()),
            pending_window_in_days: Some(days),
        })
    };
    let out = match w.key_request(&home, schedule(10)).unwrap() {
        Response::ScheduleKeyDeletion(r) => r,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(out.key_state, "PendingReplicaDeletion");
    assert_eq!(out.deletion_date, None);
    let md = w.describe(&home, &primary.key_id).unwrap();
    assert_eq!(md.key_state, "PendingReplicaDeletion");
    assert_eq!(
        (md.deletion_date, md.pending_deletion_window_in_days),
        (None, Some(10))
    );

    w.key_request(&away, schedule(7)).unwrap();
    w.clock.set(Timestamp(START + 7 * DAY - 1_000));
    assert_eq!(
        w.describe(&home, &primary.key_id).unwrap().key_state,
        "PendingReplicaDeletion"
    );
    w.clock.set(Timestamp(START + 7 * DAY));
    assert_eq!(
        w.describe(&away, &primary.key_id).unwrap_err().name(),
        "NotFoundException"
    );
    let md = w.describe(&home, &primary.key_id).unwrap();
    assert_eq!(md.key_state, "PendingDeletion");
    assert_eq!(md.deletion_date, Some(Timestamp(START + 17 * DAY)));
    assert!(md
        .multi_region_configuration
        .unwrap()
        .replica_keys
        .is_empty());
    w.clock.set(Timestamp(START + 17 * DAY));
    assert_eq!(
        w.describe(&home, &primary.key_id).unwrap_err().name(),
        "NotFoundException"
    );
}

#[test]
fn cancelling_a_primary_waiting_for_its_replicas_disables_it() {
    let mut w = world();
    let primary = w.primary();
    w.replicate(&primary.key_id, AWAY).unwrap();
    let home = w.home.clone();
    let schedule = Request::ScheduleKeyDeletion(ScheduleKeyDeletionRequest {
        key_id: Some(primary.key_id.clone()),
        pending_window_in_days: None,
    });
    w.key_request(&home, schedule).unwrap();
    w.key_request(&home, Request::CancelKeyDeletion(id_req(&primary.key_id)))
        .unwrap();
    let md = w.describe(&home, &primary.key_id).unwrap();
    assert_eq!(
        (md.key_state.as_str(), md.pending_deletion_window_in_days),
        ("Disabled", None)
    );
}

#[test]
fn the_primary_region_can_move_to_a_replica() {
    let mut w = world();
    let primary = w.primary();
    w.replicate(&primary.key_id, AWAY).unwrap();
    let (home, away) = (w.home.clone(), w.away.clone());
    let enable = Request::EnableKeyRotation(EnableKeyRotationRequest {
        key_id: Some(primary.key_id.clone()),
        rotation_period_in_days: Some(180),
    });
    w.key_request(&home, enable).unwrap();
    let missing = Request::UpdatePrimaryRegion(UpdatePrimaryRegionRequest {
        key_id: Some(primary.key_id.clone()),
        primary_region: Some("ap-south-1".into()),
    });
    assert_eq!(w.error_name(&home, missing), "NotFoundException");
    let update = Request::UpdatePrimaryRegion(UpdatePrimaryRegionRequest {
        key_id: Some(primary.key_id.clone()),
        primary_region: Some(AWAY.into()),
    });
    w.key_request(&home, update).unwrap();
    let now_replica = w.describe(&home, &primary.key_id).unwrap();
    let config = now_replica.multi_region_configuration.unwrap();
    assert_eq!(config.multi_region_key_type, "REPLICA");
    assert_eq!(config.primary_key.region, AWAY);
    let now_primary = w.describe(&away, &primary.key_id).unwrap();
    assert_eq!(
        now_primary
            .multi_region_configuration
            .unwrap()
            .multi_region_key_type,
        "PRIMARY"
    );
    // The schedule moved with the role: the new primary reports it and takes rotation changes.
    let status = match w
        .key_request(
            &away,
            Request::GetKeyRotationStatus(id_req(&primary.key_id)),
        )
        .unwrap()
    {
        Response::GetKeyRotationStatus(s) => s,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(status.rotation_period_in_days, Some(180));
    w.key_request(&away, Request::RotateKeyOnDemand(id_req(&primary.key_id)))
        .unwrap();
    assert_eq!(
        w.error_name(&home, Request::RotateKeyOnDemand(id_req(&primary.key_id))),
        "UnsupportedOperationException"
    );
}

#[test]
fn a_primary_is_never_left_waiting_for_replicas_that_are_gone() {
    let mut w = world();
    let (home, away) = (w.home.clone(), w.away.clone());
    // A multi-Region key with imported material that expires when its replica is deleted.
    let create = Request::CreateKey(CreateKeyRequest {
        origin: Some("EXTERNAL".into()),
        multi_region: Some(true),
        ..Default::default()
    });
    let Response::CreateKey(created) = w.key_request(&home, create).unwrap() else {
        panic!("wrong response")
    };
    let id = created.key_metadata.key_id;
    let params = match w
        .key_request(
            &home,
            Request::GetParametersForImport(GetParametersForImportRequest {
                key_id: Some(id.clone()),
                wrapping_algorithm: Some("RSAES_OAEP_SHA_1".into()),
                wrapping_key_spec: Some("RSA_2048".into()),
            }),
        )
        .unwrap()
    {
        Response::GetParametersForImport(p) => p,
        other => panic!("unexpected {other:?}"),
    };
    let public = rsa::PublicKey::from_public_key_der(params.public_key.as_bytes()).unwrap();
    let mut entropy = wasm_kms::env::InsecureTestEntropy::new(3);
    let wrapped = public
        .encrypt(
            &mut wasm_kms::crypto::wrap::EntropyRng(&mut entropy),
            rsa::Oaep::<sha1::Sha1>::new(),
            &[1u8; 32],
        )
        .unwrap();
    let import = Request::ImportKeyMaterial(ImportKeyMaterialRequest {
        key_id: Some(id.clone()),
        import_token: Some(params.import_token),
        encrypted_key_material: Some(SecretBlob(wrapped)),
        valid_to: Some(Timestamp(START + 7 * DAY)),
        ..Default::default()
    });
    w.key_request(&home, import).unwrap();
    w.replicate(&id, AWAY).unwrap();
    let schedule = |days| {
        Request::ScheduleKeyDeletion(ScheduleKeyDeletionRequest {
            key_id: Some(id.clone()),
            pending_window_in_days: Some(days),
        })
    };
    w.key_request(&away, schedule(7)).unwrap();
    w.key_request(&home, schedule(10)).unwrap();
    // Both fall due together: the replica goes and the primary's material expires.
    w.clock.set(Timestamp(START + 8 * DAY));
    let md = w.describe(&home, &id).unwrap();
    assert_eq!(md.key_state, "PendingDeletion");
    assert_eq!(md.deletion_date, Some(Timestamp(START + 17 * DAY)));
    assert_eq!(md.expiration_model, None);
}

#[test]
fn a_primary_whose_window_has_already_passed_goes_in_the_same_call() {
    let mut w = world();
    let primary = w.primary();
    w.replicate(&primary.key_id, AWAY).unwrap();
    let (home, away) = (w.home.clone(), w.away.clone());
    let schedule = |days| {
        Request::ScheduleKeyDeletion(ScheduleKeyDeletionRequest {
            key_id: Some(primary.key_id.clone()),
            pending_window_in_days: Some(days),
        })
    };
    w.key_request(&away, schedule(7)).unwrap();
    w.key_request(&home, schedule(7)).unwrap();
    w.clock.set(Timestamp(START + 30 * DAY));
    assert_eq!(
        w.error_name(
            &home,
            Request::DescribeKey(DescribeKeyRequest {
                key_id: Some(primary.key_id.clone()),
                ..Default::default()
            })
        ),
        "NotFoundException"
    );
}
