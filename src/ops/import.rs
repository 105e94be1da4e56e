//! Imported key material (Origin EXTERNAL): GetParametersForImport, ImportKeyMaterial,
//! DeleteImportedKeyMaterial. The caller wraps 256 bits of material outside KMS under a
//! wrapping public key from GetParametersForImport; re-importing the same material restores the
//! key and every ciphertext it made, other material is refused.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::access::Action;
use crate::codec::hex;
use crate::codec::{Blob, Timestamp};
use crate::crypto::asym::{AsymKey, AsymSpec};
use crate::crypto::wrap::{self, WrappingAlgorithm};
use crate::crypto::{HmacKey, MacHash, Secret, SymmetricKey};
use crate::domain::ids::KeyId;
use crate::domain::spec::{KeySpec, WrappingAlgorithmSpec, WrappingKeySpec};
use crate::domain::state::{KeyState, StateRule};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::ctx::{OpCtx, Outcome};
use crate::store::{Batch, ImportParameters, KeyRecord, Material};
use crate::validate::{self, blob_length, length, one_of, required};

/// Import tokens and wrapping keys are valid for 24 hours.
const PARAMETERS_VALID_MS: i64 = 24 * 60 * 60 * 1000;
/// The most outstanding import parameters a key keeps (older ones are dropped).
const MAX_PARAMETERS: usize = 10;
/// `ValidTo` may be at most this far ahead.
const MAX_VALID_DAYS: i64 = 365;
const EXPIRES: &str = "KEY_MATERIAL_EXPIRES";
const DOES_NOT_EXPIRE: &str = "KEY_MATERIAL_DOES_NOT_EXPIRE";

/// The ID of imported material: a one-way function of the key and the material, so the same
/// material always gets the same ID (and the ciphertexts it made decrypt again after a
/// re-import), while the ID reveals nothing of the 256-bit material.
fn imported_material_id(key: &KeyId, material: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"wasm-kms imported key material v1\0");
    h.update(key.to_binary());
    h.update(material);
    h.finalize().into()
}

/// The secret that imported `material` makes for `key`, and the canonical bytes its material ID
/// is computed from: 32 bytes for a symmetric key, the raw key for an HMAC key (AWS's lengths),
/// and a DER PKCS#8 private key of the key's spec for an asymmetric key (re-encoded, so the same
/// key in another encoding is still the same material).
fn imported_secret(key: &KeyRecord, material: &[u8]) -> Result<(Secret, Zeroizing<Vec<u8>>)> {
    let wrong = |what: String| {
        KmsError::IncorrectKeyMaterial(format!("{what} for the {} key {}.", key.key_spec, key.arn))
    };
    if key.key_spec == KeySpec::SymmetricDefault {
        let bytes: &[u8; 32] = material
            .try_into()
            .map_err(|_| wrong("The key material must be 256 bits (32 bytes)".to_owned()))?;
        let secret = Secret::from(SymmetricKey::generate(|k| {
            k.copy_from_slice(bytes);
            Ok::<(), KmsError>(())
        })?);
        return Ok((secret, Zeroizing::new(material.to_vec())));
    }
    if let Some(hash) = MacHash::from_key_spec(key.key_spec) {
        let (min, max) = hash.import_lengths();
        if !(min..=max).contains(&material.len()) {
            return Err(wrong(format!(
                "The key material must be {min} to {max} bytes"
            )));
        }
        let secret = Secret::Hmac(HmacKey::from_bytes(hash, material));
        return Ok((secret, Zeroizing::new(material.to_vec())));
    }
    let spec = AsymSpec::from_key_spec(key.key_spec)
        .ok_or_else(|| wrong("Key material cannot be imported".to_owned()))?;
    let private = AsymKey::from_pkcs8(spec, material).ok_or_else(|| {
        wrong(
            "The key material must be a DER-encoded PKCS#8 private key of the key's spec"
                .to_owned(),
        )
    })?;
    let canonical = private.to_pkcs8()?;
    Ok((Secret::Asym(Box::new(private)), canonical))
}

/// AWS's refusal of an operation that the key's origin does not allow (importing into a key
/// whose material KMS made, rotating one whose material was imported).
pub(crate) fn origin_not_valid(key: &KeyRecord) -> KmsError {
    KmsError::UnsupportedOperation(Some(format!(
        "{} origin is {} which is not valid for this operation.",
        key.arn, key.origin
    )))
}

/// The EXTERNAL key of an import operation.
fn external_key<'a>(
    ctx: &mut OpCtx<'a>,
    key_id: Option<&str>,
    action: Action,
    rule: StateRule,
) -> Result<&'a KeyRecord> {
    let key = ctx.key_by_id(key_id, action, rule)?;
    if key.import.is_none() {
        return Err(origin_not_valid(key));
    }
    Ok(key)
}

pub(crate) fn get_parameters_for_import(
    ctx: &mut OpCtx<'_>,
    req: GetParametersForImportRequest,
) -> Outcome<GetParametersForImportResponse> {
    let algorithm = required(req.wrapping_algorithm, "wrappingAlgorithm")?;
    let named = validate::parse_enum::<WrappingAlgorithmSpec>(&algorithm, "wrappingAlgorithm")?;
    let spec = required(req.wrapping_key_spec, "wrappingKeySpec")?;
    let spec = validate::parse_enum::<WrappingKeySpec>(&spec, "wrappingKeySpec")?;
    let algorithm = WrappingAlgorithm::from_spec(named).ok_or_else(|| {
        KmsError::Validation(format!(
            "WrappingAlgorithm {algorithm} is not supported: use RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256."
        ))
    })?;
    let bits = spec.rsa_bits().ok_or_else(|| {
        KmsError::Validation(format!(
            "WrappingKeySpec {spec} is available only in China Regions."
        ))
    })?;
    let key = external_key(
        ctx,
        req.key_id.as_deref(),
        Action::GetParametersForImport,
        StateRule::Import,
    )?;
    let spec = match bits {
        3072 => AsymSpec::Rsa3072,
        4096 => AsymSpec::Rsa4096,
        _ => AsymSpec::Rsa2048,
    };
    let wrapping_key = ctx
        .new_key_pair(spec)?
        .into_rsa()
        .ok_or_else(|| KmsError::Internal("The wrapping key could not be generated.".to_owned()))?;
    let public_key = wrap::public_key_der(&wrapping_key)
        .ok_or_else(|| KmsError::Internal("The wrapping key could not be encoded.".to_owned()))?;
    let token = [key.id.to_binary().as_slice(), &ctx.random::<32>()?].concat();
    let valid_to = Timestamp(ctx.now().millis().saturating_add(PARAMETERS_VALID_MS));
    let mut key = key.clone();
    if let Some(import) = key.import.as_mut() {
        import.parameters.retain(|p| p.valid_to > ctx.now());
        if import.parameters.len() >= MAX_PARAMETERS {
            import.parameters.remove(0);
        }
        import.parameters.push(ImportParameters {
            token: token.clone(),
            wrapping_key,
            algorithm,
            valid_to,
        });
    }
    let out = GetParametersForImportResponse {
        key_id: key.arn.clone(),
        import_token: Blob(token),
        public_key: Blob(public_key),
        parameters_valid_to: valid_to,
    };
    Ok((out, Batch::put_key(key)))
}

pub(crate) fn import_key_material(
    ctx: &mut OpCtx<'_>,
    req: ImportKeyMaterialRequest,
) -> Outcome<KeyMaterialResponse> {
    let token = required(req.import_token.as_ref(), "importToken")?;
    blob_length(token.as_bytes(), "importToken", 1, 6144)?;
    let wrapped = required(req.encrypted_key_material.as_ref(), "encryptedKeyMaterial")?;
    blob_length(wrapped.as_bytes(), "encryptedKeyMaterial", 1, 6144)?;
    let model = req
        .expiration_model
        .clone()
        .unwrap_or_else(|| EXPIRES.to_owned());
    one_of(&model, "expirationModel", &[EXPIRES, DOES_NOT_EXPIRE])?;
    match (model.as_str(), req.valid_to) {
        (EXPIRES, None) => {
            return Err(KmsError::Validation(
                "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
                    .to_owned(),
            ))
        }
        (DOES_NOT_EXPIRE, Some(_)) => return Err(KmsError::Validation(
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE"
                .to_owned(),
        )),
        _ => {}
    }
    if let Some(kind) = &req.import_type {
        one_of(
            kind,
            "importType",
            &["NEW_KEY_MATERIAL", "EXISTING_KEY_MATERIAL"],
        )?;
    }
    if let Some(d) = &req.key_material_description {
        length(d, "keyMaterialDescription", 0, 256)?;
    }
    if let Some(id) = &req.key_material_id {
        length(id, "keyMaterialId", 64, 64)?;
    }
    let key = external_key(
        ctx,
        req.key_id.as_deref(),
        Action::ImportKeyMaterial,
        StateRule::Import,
    )?;
    let import = key.import.as_ref().ok_or_else(|| origin_not_valid(key))?;
    if key.key_spec != KeySpec::SymmetricDefault {
        let symmetric_only = [
            ("ImportType", req.import_type.is_some()),
            ("KeyMaterialId", req.key_material_id.is_some()),
            (
                "KeyMaterialDescription",
                req.key_material_description.is_some(),
            ),
        ];
        if let Some((member, _)) = symmetric_only.iter().find(|(_, given)| *given) {
            return Err(KmsError::Validation(format!(
                "{member} is supported only for symmetric encryption keys."
            )));
        }
    }
    if req.import_type.as_deref() == Some("NEW_KEY_MATERIAL") && import.material_id.is_some() {
        return Err(KmsError::UnsupportedOperation(Some(
            "wasm-kms does not support importing new key material for rotation yet.".to_owned(),
        )));
    }
    if let Some(valid_to) = req.valid_to {
        if valid_to <= ctx.now() || valid_to > ctx.now().plus_days(MAX_VALID_DAYS) {
            return Err(KmsError::Validation(
                "The ValidTo date must be in the future and no more than 365 days from now."
                    .to_owned(),
            ));
        }
    }
    let parameters = import
        .parameters
        .iter()
        .find(|p| bool::from(p.token.as_slice().ct_eq(token.as_bytes())))
        .ok_or_else(|| {
            KmsError::InvalidImportToken(format!("The import token is not valid for {}.", key.arn))
        })?;
    if parameters.valid_to <= ctx.now() {
        return Err(KmsError::ExpiredImportToken(
            "The import token has expired.".to_owned(),
        ));
    }
    let material: Zeroizing<Vec<u8>> = wrap::unwrap(
        &parameters.wrapping_key,
        parameters.algorithm,
        &mut *ctx.entropy(),
        wrapped.as_bytes(),
    )?
    .ok_or(KmsError::InvalidCiphertext)?;
    let (secret, canonical) = imported_secret(key, &material)?;
    let id = imported_material_id(&key.id, &canonical);
    let expected = import.material_id;
    if expected.is_some_and(|e| e != id)
        || req
            .key_material_id
            .as_ref()
            .is_some_and(|given| *given != hex::encode(&id))
    {
        return Err(KmsError::IncorrectKeyMaterial(format!(
            "The key material is not the material of {}.",
            key.arn
        )));
    }
    let mut key = key.clone();
    if key.materials.is_empty() {
        key.materials.push(Material {
            id,
            key: secret,
            created: ctx.now(),
            rotation: None,
        });
    }
    if key.state == KeyState::PendingImport {
        key.state = KeyState::Enabled;
    }
    if let Some(import) = key.import.as_mut() {
        import.material_id = Some(id);
        import.valid_to = req.valid_to;
        import.expiration_model = Some(model);
    }
    let out = KeyMaterialResponse {
        key_id: key.arn.clone(),
        key_material_id: hex::encode(&id),
    };
    Ok((out, Batch::put_key(key)))
}

pub(crate) fn delete_imported_key_material(
    ctx: &mut OpCtx<'_>,
    req: DeleteImportedKeyMaterialRequest,
) -> Outcome<KeyMaterialResponse> {
    if let Some(id) = &req.key_material_id {
        length(id, "keyMaterialId", 64, 64)?;
    }
    let key = external_key(
        ctx,
        req.key_id.as_deref(),
        Action::DeleteImportedKeyMaterial,
        StateRule::DeleteImport,
    )?;
    let material_id = key.import.as_ref().and_then(|i| i.material_id);
    if let Some(given) = &req.key_material_id {
        if material_id.map(|m| hex::encode(&m)).as_ref() != Some(given) {
            return Err(KmsError::NotFound(format!(
                "Key material {given} does not exist in {}.",
                key.arn
            )));
        }
    }
    let mut key = key.clone();
    forget_material(&mut key);
    let out = KeyMaterialResponse {
        key_id: key.arn.clone(),
        key_material_id: material_id.map(|m| hex::encode(&m)).unwrap_or_default(),
    };
    Ok((out, Batch::put_key(key)))
}

/// Removes a key's imported material (deleted, or expired): the key waits for it again, unless
/// it is pending deletion, which it stays.
pub(crate) fn forget_material(key: &mut KeyRecord) {
    key.materials.clear();
    if let Some(import) = key.import.as_mut() {
        import.valid_to = None;
        import.expiration_model = None;
    }
    if matches!(key.state, KeyState::Enabled | KeyState::Disabled) {
        key.state = KeyState::PendingImport;
    }
}
