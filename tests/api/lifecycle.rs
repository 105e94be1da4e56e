//! A key's life over time: scheduled deletion, cancellation, automatic and on-demand rotation,
//! each time-driven effect checked one second before and at the moment it falls due.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::rc::Rc;

use crate::common;
use common::{TestKms, DAY, START};

use wasm_kms::codec::{Blob, SecretBlob, Timestamp};
use wasm_kms::env::{Clock, ManualClock};
use wasm_kms::model::*;
use wasm_kms::KmsError;

const SECOND: i64 = 1_000;

fn setup() -> (TestKms, Rc<ManualClock>) {
    common::setup(11)
}

fn new_key(kms: &mut TestKms) -> KeyMetadata {
    kms.create_key(CreateKeyRequest::default())
        .unwrap()
        .key_metadata
}

fn key(id: &str) -> KeyIdRequest {
    KeyIdRequest {
        key_id: Some(id.to_owned()),
    }
}

fn describe(kms: &mut TestKms, id: &str) -> Result<KeyMetadata, KmsError> {
    kms.describe_key(DescribeKeyRequest {
        key_id: Some(id.to_owned()),
        ..Default::default()
    })
    .map(|r| r.key_metadata)
}

fn encrypt(kms: &mut TestKms, id: &str, text: &[u8]) -> Result<Vec<u8>, KmsError> {
    kms.encrypt(EncryptRequest {
        key_id: Some(id.to_owned()),
        plaintext: Some(SecretBlob(text.to_vec())),
        ..Default::default()
    })
    .map(|r| r.ciphertext_blob.0)
}

fn decrypt(kms: &mut TestKms, blob: &[u8]) -> Result<DecryptResponse, KmsError> {
    kms.decrypt(DecryptRequest {
        ciphertext_blob: Some(Blob(blob.to_vec())),
        ..Default::default()
    })
}

fn schedule(
    kms: &mut TestKms,
    id: &str,
    days: Option<i64>,
) -> Result<ScheduleKeyDeletionResponse, KmsError> {
    kms.schedule_key_deletion(ScheduleKeyDeletionRequest {
        key_id: Some(id.to_owned()),
        pending_window_in_days: days,
    })
}

fn enable_rotation(kms: &mut TestKms, id: &str, days: Option<i64>) -> Result<Empty, KmsError> {
    kms.enable_key_rotation(EnableKeyRotationRequest {
        key_id: Some(id.to_owned()),
        rotation_period_in_days: days,
    })
}

fn rotations(kms: &mut TestKms, id: &str, include: Option<&str>) -> Vec<RotationsListEntry> {
    kms.list_key_rotations(ListKeyRotationsRequest {
        key_id: Some(id.to_owned()),
        include_key_material: include.map(str::to_owned),
        ..Default::default()
    })
    .unwrap()
    .rotations
}

fn current_material(kms: &mut TestKms, id: &str) -> String {
    describe(kms, id).unwrap().current_key_material_id.unwrap()
}

fn error_of<T: std::fmt::Debug>(r: Result<T, KmsError>) -> (String, Option<String>) {
    let e = r.unwrap_err();
    (e.name().to_owned(), e.message().map(str::to_owned))
}

#[test]
fn a_scheduled_key_is_unusable_then_gone_with_its_aliases_when_the_window_ends() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    let blob = encrypt(&mut kms, &k.key_id, b"before").unwrap();
    kms.create_alias(AliasRequest {
        alias_name: Some("alias/doomed".into()),
        target_key_id: Some(k.key_id.clone()),
    })
    .unwrap();

    let out = schedule(&mut kms, &k.key_id, Some(7)).unwrap();
    let deletion = Timestamp(START + 7 * DAY);
    assert_eq!(out.key_id, k.arn);
    assert_eq!(out.deletion_date, Some(deletion));
    assert_eq!(out.key_state, "PendingDeletion");
    assert_eq!(out.pending_window_in_days, 7);

    let md = describe(&mut kms, &k.key_id).unwrap();
    assert_eq!(md.key_state, "PendingDeletion");
    assert!(!md.enabled);
    assert_eq!(md.deletion_date, Some(deletion));
    let pending = (
        "KMSInvalidStateException".to_owned(),
        Some(format!("{} is pending deletion.", k.arn)),
    );
    assert_eq!(error_of(encrypt(&mut kms, &k.key_id, b"x")), pending);
    assert_eq!(error_of(decrypt(&mut kms, &blob)), pending);
    assert_eq!(error_of(schedule(&mut kms, &k.key_id, None)), pending);
    assert_eq!(error_of(kms.enable_key(key(&k.key_id))), pending);
    // Still listed while pending.
    let listed = kms.list_keys(ListKeysRequest::default()).unwrap().keys;
    assert_eq!(listed.len(), 1);

    // One second before the deletion date: still there.
    clock.set(Timestamp(deletion.millis() - SECOND));
    assert_eq!(
        describe(&mut kms, &k.key_id).unwrap().key_state,
        "PendingDeletion"
    );
    assert_eq!(describe(&mut kms, "alias/doomed").unwrap().key_id, k.key_id);

    // At the deletion date: the key, its material and its aliases are gone.
    clock.set(deletion);
    assert_eq!(
        error_of(describe(&mut kms, &k.key_id)),
        (
            "NotFoundException".to_owned(),
            Some(format!("Key '{}' does not exist", k.arn))
        )
    );
    let aliases = kms.list_aliases(ListAliasesRequest::default()).unwrap();
    assert!(aliases.aliases.is_empty());
    assert_eq!(
        error_of(describe(&mut kms, "alias/doomed")).0,
        "NotFoundException"
    );
    assert!(kms
        .list_keys(ListKeysRequest::default())
        .unwrap()
        .keys
        .is_empty());
    assert_eq!(
        error_of(decrypt(&mut kms, &blob)).0,
        "InvalidCiphertextException"
    );

    // The deletion is in the trail as KMS's own event, at the moment it fell due.
    let deleted = kms
        .audit()
        .events()
        .find(|e| e.event_name == "DeleteKey")
        .cloned()
        .unwrap();
    assert_eq!(deleted.event_type, "AwsServiceEvent");
    assert_eq!(deleted.event_time, deletion.to_iso8601());
    assert_eq!(
        deleted.user_identity.invoked_by.as_deref(),
        Some("kms.amazonaws.com")
    );
    assert_eq!(deleted.resources[0].arn, k.arn);
}

#[test]
fn the_window_is_7_to_30_days_and_defaults_to_30() {
    let (mut kms, _) = setup();
    let k = new_key(&mut kms);
    assert_eq!(
        error_of(schedule(&mut kms, &k.key_id, Some(6))),
        (
            "ValidationException".to_owned(),
            Some("1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7".to_owned())
        )
    );
    assert_eq!(
        error_of(schedule(&mut kms, &k.key_id, Some(31))).1,
        Some("1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30".to_owned())
    );
    assert_eq!(describe(&mut kms, &k.key_id).unwrap().key_state, "Enabled");
    let out = schedule(&mut kms, &k.key_id, None).unwrap();
    assert_eq!(out.pending_window_in_days, 30);
    assert_eq!(out.deletion_date, Some(Timestamp(START + 30 * DAY)));
    let other = new_key(&mut kms);
    assert_eq!(
        schedule(&mut kms, &other.key_id, Some(30))
            .unwrap()
            .pending_window_in_days,
        30
    );
}

#[test]
fn cancelling_leaves_the_key_disabled_and_kept() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    let blob = encrypt(&mut kms, &k.key_id, b"kept").unwrap();
    assert_eq!(
        error_of(kms.cancel_key_deletion(key(&k.key_id))),
        (
            "KMSInvalidStateException".to_owned(),
            Some(format!("{} is not pending deletion.", k.arn))
        )
    );
    schedule(&mut kms, &k.key_id, Some(7)).unwrap();
    let out = kms.cancel_key_deletion(key(&k.key_id)).unwrap();
    assert_eq!(out.key_id, k.arn);
    let md = describe(&mut kms, &k.key_id).unwrap();
    assert_eq!(md.key_state, "Disabled");
    assert_eq!(md.deletion_date, None);
    clock.advance(60 * DAY);
    assert_eq!(describe(&mut kms, &k.key_id).unwrap().key_state, "Disabled");
    kms.enable_key(key(&k.key_id)).unwrap();
    assert_eq!(
        decrypt(&mut kms, &blob).unwrap().plaintext.as_bytes(),
        b"kept"
    );
}

#[test]
fn automatic_rotation_falls_due_after_the_period_and_old_ciphertexts_still_decrypt() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    let first_material = current_material(&mut kms, &k.key_id);
    let first_blob = encrypt(&mut kms, &k.key_id, b"generation 1").unwrap();
    enable_rotation(&mut kms, &k.key_id, None).unwrap();
    let status = kms.get_key_rotation_status(key(&k.key_id)).unwrap();
    assert!(status.key_rotation_enabled);
    assert_eq!(status.key_id, k.arn);
    assert_eq!(status.rotation_period_in_days, Some(365));
    let due = Timestamp(START + 365 * DAY);
    assert_eq!(status.next_rotation_date, Some(due));

    clock.set(Timestamp(due.millis() - SECOND));
    assert_eq!(current_material(&mut kms, &k.key_id), first_material);
    assert!(rotations(&mut kms, &k.key_id, None).is_empty());

    clock.set(due);
    let second_material = current_material(&mut kms, &k.key_id);
    assert_ne!(second_material, first_material);
    let listed = rotations(&mut kms, &k.key_id, None);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key_material_id, second_material);
    assert_eq!(listed[0].rotation_date, Some(due));
    assert_eq!(listed[0].rotation_type.as_deref(), Some("AUTOMATIC"));
    assert_eq!(listed[0].key_material_state, "CURRENT");
    assert_eq!(
        kms.get_key_rotation_status(key(&k.key_id))
            .unwrap()
            .next_rotation_date,
        Some(Timestamp(START + 730 * DAY))
    );

    // Old ciphertext still decrypts with the old material; new ciphertext uses the new one.
    let old = decrypt(&mut kms, &first_blob).unwrap();
    assert_eq!(old.plaintext.as_bytes(), b"generation 1");
    assert_eq!(old.key_material_id.as_ref(), Some(&first_material));
    let second_blob = encrypt(&mut kms, &k.key_id, b"generation 2").unwrap();
    assert_eq!(
        decrypt(&mut kms, &second_blob).unwrap().key_material_id,
        Some(second_material.clone())
    );

    let rotated = kms
        .audit()
        .events()
        .find(|e| e.event_name == "RotateKey")
        .cloned()
        .unwrap();
    assert_eq!(rotated.event_type, "AwsServiceEvent");
    assert_eq!(rotated.event_time, due.to_iso8601());
    assert_eq!(
        rotated.additional_event_data["keyMaterialId"],
        second_material
    );
}

#[test]
fn a_jump_of_years_rotates_once_per_period_and_every_generation_still_decrypts() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, Some(90)).unwrap();
    let mut blobs = vec![(encrypt(&mut kms, &k.key_id, b"g0").unwrap(), b"g0".to_vec())];
    for year in 1..=3u8 {
        clock.advance(365 * DAY);
        let text = vec![b'g', b'0' + year];
        blobs.push((encrypt(&mut kms, &k.key_id, &text).unwrap(), text));
    }
    // 3 * 365 days at a 90-day period: 12 rotations, each on its scheduled date.
    let listed = rotations(&mut kms, &k.key_id, None);
    assert_eq!(listed.len(), 12);
    for (i, r) in listed.iter().enumerate() {
        assert_eq!(
            r.rotation_date,
            Some(Timestamp(START + 90 * DAY * (i as i64 + 1)))
        );
    }
    for (blob, text) in &blobs {
        assert_eq!(
            decrypt(&mut kms, blob).unwrap().plaintext.as_bytes(),
            text.as_slice()
        );
    }
    let all = rotations(&mut kms, &k.key_id, Some("ALL_KEY_MATERIAL"));
    assert_eq!(all.len(), 13);
    assert_eq!(all[0].rotation_date, None);
    assert_eq!(all[0].key_material_state, "NON_CURRENT");
    assert_eq!(
        all.iter()
            .filter(|r| r.key_material_state == "CURRENT")
            .count(),
        1
    );
}

#[test]
fn a_disabled_key_does_not_rotate_and_rotates_at_once_when_re_enabled_late() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, Some(100)).unwrap();
    kms.disable_key(key(&k.key_id)).unwrap();
    clock.advance(150 * DAY);
    assert!(rotations(&mut kms, &k.key_id, None).is_empty());
    let enabled_at = clock.now();
    kms.enable_key(key(&k.key_id)).unwrap();
    let listed = rotations(&mut kms, &k.key_id, None);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].rotation_date, Some(enabled_at));
    assert_eq!(
        kms.get_key_rotation_status(key(&k.key_id))
            .unwrap()
            .next_rotation_date,
        Some(enabled_at.plus_days(100))
    );

    // Re-enabled before its date, it keeps its schedule.
    let other = new_key(&mut kms);
    enable_rotation(&mut kms, &other.key_id, Some(100)).unwrap();
    kms.disable_key(key(&other.key_id)).unwrap();
    clock.advance(10 * DAY);
    kms.enable_key(key(&other.key_id)).unwrap();
    assert!(rotations(&mut kms, &other.key_id, None).is_empty());
    assert_eq!(
        kms.get_key_rotation_status(key(&other.key_id))
            .unwrap()
            .next_rotation_date,
        Some(enabled_at.plus_days(100))
    );
}

#[test]
fn a_key_pending_deletion_neither_rotates_nor_reports_rotation() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, Some(90)).unwrap();
    clock.advance(85 * DAY);
    schedule(&mut kms, &k.key_id, Some(30)).unwrap();
    let status = kms.get_key_rotation_status(key(&k.key_id)).unwrap();
    assert!(!status.key_rotation_enabled);
    assert_eq!(status.next_rotation_date, None);
    clock.advance(10 * DAY);
    assert!(rotations(&mut kms, &k.key_id, None).is_empty());
    kms.cancel_key_deletion(key(&k.key_id)).unwrap();
    kms.enable_key(key(&k.key_id)).unwrap();
    assert_eq!(rotations(&mut kms, &k.key_id, None).len(), 1);
}

#[test]
fn rotation_period_limits_and_changes() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    for (days, bound) in [
        (89, "greater than or equal to 90"),
        (2561, "less than or equal to 2560"),
    ] {
        assert_eq!(
            error_of(enable_rotation(&mut kms, &k.key_id, Some(days))).1,
            Some(format!("1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value {bound}"))
        );
    }
    enable_rotation(&mut kms, &k.key_id, Some(2560)).unwrap();
    clock.advance(30 * DAY);
    // Changing the period counts from the same start.
    enable_rotation(&mut kms, &k.key_id, Some(90)).unwrap();
    let status = kms.get_key_rotation_status(key(&k.key_id)).unwrap();
    assert_eq!(status.rotation_period_in_days, Some(90));
    assert_eq!(status.next_rotation_date, Some(Timestamp(START + 90 * DAY)));
    kms.disable_key_rotation(key(&k.key_id)).unwrap();
    let status = kms.get_key_rotation_status(key(&k.key_id)).unwrap();
    assert!(!status.key_rotation_enabled);
    assert_eq!(
        (status.rotation_period_in_days, status.next_rotation_date),
        (None, None)
    );
    clock.advance(400 * DAY);
    assert!(rotations(&mut kms, &k.key_id, None).is_empty());
    // Disabled keys refuse rotation changes.
    kms.disable_key(key(&k.key_id)).unwrap();
    assert_eq!(
        error_of(enable_rotation(&mut kms, &k.key_id, None)),
        (
            "DisabledException".to_owned(),
            Some(format!("{} is disabled.", k.arn))
        )
    );
}

#[test]
fn on_demand_rotation_keeps_the_schedule_and_stops_at_25() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, None).unwrap();
    let next = kms
        .get_key_rotation_status(key(&k.key_id))
        .unwrap()
        .next_rotation_date;
    let blob = encrypt(&mut kms, &k.key_id, b"original").unwrap();
    let before = current_material(&mut kms, &k.key_id);
    assert_eq!(
        kms.rotate_key_on_demand(key(&k.key_id)).unwrap().key_id,
        k.arn
    );
    assert_ne!(current_material(&mut kms, &k.key_id), before);
    assert_eq!(
        kms.get_key_rotation_status(key(&k.key_id))
            .unwrap()
            .next_rotation_date,
        next
    );
    let listed = rotations(&mut kms, &k.key_id, None);
    assert_eq!(listed[0].rotation_type.as_deref(), Some("ON_DEMAND"));
    assert_eq!(listed[0].rotation_date, Some(clock.now()));
    for _ in 1..25 {
        kms.rotate_key_on_demand(key(&k.key_id)).unwrap();
    }
    assert_eq!(
        error_of(kms.rotate_key_on_demand(key(&k.key_id))),
        (
            "LimitExceededException".to_owned(),
            Some(format!("The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}", k.arn))
        )
    );
    assert_eq!(
        decrypt(&mut kms, &blob).unwrap().plaintext.as_bytes(),
        b"original"
    );
    assert_eq!(rotations(&mut kms, &k.key_id, None).len(), 25);

    let other = new_key(&mut kms);
    kms.disable_key(key(&other.key_id)).unwrap();
    assert_eq!(
        error_of(kms.rotate_key_on_demand(key(&other.key_id))).0,
        "DisabledException"
    );
}

#[test]
fn on_demand_rotation_conflicts_with_an_automatic_one_due_within_20_minutes() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, Some(90)).unwrap();
    clock.set(Timestamp(START + 90 * DAY - 20 * 60 * SECOND - SECOND));
    kms.rotate_key_on_demand(key(&k.key_id)).unwrap();
    clock.advance(SECOND);
    assert_eq!(
        error_of(kms.rotate_key_on_demand(key(&k.key_id))).0,
        "ConflictException"
    );
}

#[test]
fn key_rotations_page_and_refuse_bad_arguments() {
    let (mut kms, _) = setup();
    let k = new_key(&mut kms);
    for _ in 0..5 {
        kms.rotate_key_on_demand(key(&k.key_id)).unwrap();
    }
    let first = kms
        .list_key_rotations(ListKeyRotationsRequest {
            key_id: Some(k.key_id.clone()),
            limit: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert!(first.truncated);
    let rest = kms
        .list_key_rotations(ListKeyRotationsRequest {
            key_id: Some(k.key_id.clone()),
            marker: first.next_marker,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(first.rotations.len() + rest.rotations.len(), 5);
    assert!(!rest.truncated);
    let bad = kms.list_key_rotations(ListKeyRotationsRequest {
        key_id: Some(k.key_id.clone()),
        include_key_material: Some("SOME".into()),
        ..Default::default()
    });
    assert_eq!(
        error_of(bad).1,
        Some("1 validation error detected: Value 'SOME' at 'includeKeyMaterial' failed to satisfy constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]".to_owned())
    );
    // Aliases are not accepted by the rotation operations.
    assert_eq!(
        error_of(kms.get_key_rotation_status(key("alias/x"))).1,
        Some("Invalid keyId 'alias/x'".to_owned())
    );
}

#[test]
fn time_driven_effects_follow_the_json_api_too() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    let out = kms
        .call_json(
            "ScheduleKeyDeletion",
            serde_json::json!({"KeyId": k.arn, "PendingWindowInDays": 7}),
        )
        .unwrap();
    assert_eq!(
        out["DeletionDate"],
        serde_json::json!((START + 7 * DAY) / 1000)
    );
    assert_eq!(out["KeyState"], "PendingDeletion");
    clock.advance(7 * DAY);
    let e = kms
        .call_json("DescribeKey", serde_json::json!({"KeyId": k.key_id}))
        .unwrap_err();
    assert_eq!(e.name(), "NotFoundException");
}

#[test]
fn shortening_the_period_rotates_now_rather_than_in_the_past() {
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, Some(365)).unwrap();
    clock.set(Timestamp(START + 200 * DAY));
    enable_rotation(&mut kms, &k.key_id, Some(90)).unwrap();
    let listed = rotations(&mut kms, &k.key_id, None);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].rotation_date, Some(Timestamp(START + 200 * DAY)));
    assert_eq!(
        kms.get_key_rotation_status(key(&k.key_id))
            .unwrap()
            .next_rotation_date,
        Some(Timestamp(START + 290 * DAY))
    );
}

#[test]
fn extreme_clocks_neither_overflow_nor_run_away() {
    let (mut kms, clock) = setup();
    clock.set(Timestamp(i64::MAX - DAY));
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, Some(90)).unwrap();
    clock.set(Timestamp(i64::MIN + 1));
    kms.rotate_key_on_demand(key(&k.key_id)).unwrap();
    // A jump of a million years applies a bounded number of rotations per call.
    let (mut kms, clock) = setup();
    let k = new_key(&mut kms);
    enable_rotation(&mut kms, &k.key_id, Some(90)).unwrap();
    clock.set(Timestamp(START + 365_000_000 * DAY));
    assert!(describe(&mut kms, &k.key_id).is_ok());
    let done = kms
        .audit()
        .events()
        .filter(|e| e.event_name == "RotateKey")
        .count();
    assert!((1..=80_000).contains(&done), "{done}");
}
