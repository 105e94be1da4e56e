//! ImportKeyMaterial with untrusted import tokens and wrapped key material: it never panics,
//! refuses with one of AWS's errors, and imports exactly the material that is valid for the
//! key's spec.
//!
//! Input: `[spec][flags][days]`, then the rest. `spec` picks an EXTERNAL key
//! (`IMPORT_SPECS`); `flags` bits 0-1 the wrapping algorithm (`IMPORT_ALGORITHMS`), bit 2
//! whether the rest is key material that the target wraps as a caller would (else it is the
//! EncryptedKeyMaterial itself), bit 3 whether the token is the input's (`[len: u8][token]`
//! before the rest) rather than the real one, bits 4-5 the expiration (see `import_request`).
//! Each input starts from a fresh service, so it runs the same alone as in a campaign.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_kms::crypto::asym::{AsymKey, AsymSpec};
use wasm_kms::model::{DescribeKeyRequest, GetPublicKeyRequest};
use wasm_kms_fuzz::{import_request, import_setup, wrap_material};

/// Is `material` what a key of `spec` takes?
fn valid_material(spec: &str, material: &[u8]) -> bool {
    match spec {
        "SYMMETRIC_DEFAULT" => material.len() == 32,
        "HMAC_224" => (28..=64).contains(&material.len()),
        "HMAC_256" => (32..=64).contains(&material.len()),
        "HMAC_384" => (48..=128).contains(&material.len()),
        "HMAC_512" => (64..=128).contains(&material.len()),
        other => AsymSpec::parse(other)
            .and_then(|s| AsymKey::from_pkcs8(s, material))
            .is_some(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[spec, flags, days], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let mut setup = import_setup(usize::from(spec), usize::from(flags & 3));
    let wraps = flags & 4 != 0;
    let (token, rest) = if flags & 8 != 0 {
        let Some((&len, rest)) = rest.split_first() else {
            return;
        };
        let len = usize::from(len).min(rest.len());
        let (token, rest) = rest.split_at(len);
        (token.to_vec(), rest)
    } else {
        (setup.parameters.import_token.0.clone(), rest)
    };
    let expiry = (flags >> 4) & 3;
    let wrapped = if wraps {
        match wrap_material(setup.algorithm, rest) {
            Some(w) => w,
            None => return,
        }
    } else {
        rest.to_vec()
    };
    let request = import_request(&setup.key_id, &token, &wrapped, expiry, days as i8);
    let outcome = setup.kms.import_key_material(request.clone());
    let real_token = token == setup.parameters.import_token.0;
    let date_ok = match expiry {
        0 | 1 => true,
        2 => false,
        // A date 1 to 127 days ahead (AWS takes up to 365).
        _ => (days as i8) > 0,
    };
    match &outcome {
        Ok(_) => {
            assert!(real_token, "a token it never issued was taken");
            assert!(date_ok, "an invalid expiration was taken");
        }
        Err(e) => assert!(
            matches!(
                e.name(),
                "ValidationException"
                    | "InvalidImportTokenException"
                    | "InvalidCiphertextException"
                    | "IncorrectKeyMaterialException"
            ),
            "unexpected error {e:?}"
        ),
    }
    if wraps && real_token && date_ok && !wrapped.is_empty() && wrapped.len() <= 6144 {
        assert_eq!(
            outcome.is_ok(),
            valid_material(setup.spec, rest),
            "{} material of {} bytes: {:?}",
            setup.spec,
            rest.len(),
            outcome.as_ref().err()
        );
    }
    let Ok(imported) = outcome else {
        return;
    };
    // The key is usable, and the same material imports again to the same ID.
    let described = setup
        .kms
        .describe_key(DescribeKeyRequest {
            key_id: Some(setup.key_id.clone()),
            ..Default::default()
        })
        .expect("DescribeKey");
    assert_eq!(described.key_metadata.key_state, "Enabled");
    if AsymSpec::parse(setup.spec).is_some() {
        setup
            .kms
            .get_public_key(GetPublicKeyRequest {
                key_id: Some(setup.key_id.clone()),
                ..Default::default()
            })
            .expect("GetPublicKey of an imported key pair");
    }
    let again = setup
        .kms
        .import_key_material(request)
        .expect("the same material imports again");
    assert_eq!(again.key_material_id, imported.key_material_id);
});
