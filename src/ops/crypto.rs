//! Symmetric cryptography: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext),
//! GenerateRandom.

use zeroize::Zeroizing;

use crate::access::Action;
use crate::codec::hex;
use crate::codec::{Blob, SecretBlob};
use crate::crypto::asym::{AsymSpec, OaepHash};
use crate::crypto::blob::{self, Envelope};
use crate::domain::context::EncryptionContext;
use crate::domain::ids::Aliases;
use crate::domain::spec::{DataKeySpec, EncryptionAlgorithm, KeySpec, KeyUsage};
use crate::domain::state::StateRule;
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::ctx::{OpCtx, Outcome};
use crate::store::{Batch, KeyRecord, Material};
use crate::validate::{self, blob_length, range, required};

/// What the source side of Decrypt or ReEncrypt found.
struct Opened<'k> {
    key: &'k KeyRecord,
    plaintext: Zeroizing<Vec<u8>>,
    algorithm: EncryptionAlgorithm,
    /// The symmetric material that decrypted (absent for RSA, as in AWS's output).
    material_id: Option<[u8; 32]>,
}

/// What Encrypt (or ReEncrypt's destination) made.
struct Sealed {
    blob: Vec<u8>,
    algorithm: EncryptionAlgorithm,
    material_id: Option<[u8; 32]>,
}

/// Parses an optional EncryptionAlgorithm member.
fn check_algorithm(alg: Option<&String>, member: &str) -> Result<Option<EncryptionAlgorithm>> {
    validate::parse_optional(alg, member)
}

/// Checks that `key` can encrypt or decrypt for `operation` with `alg` (default
/// SYMMETRIC_DEFAULT): `None` for symmetric encryption, or the OAEP hash for an RSA key.
fn encryption_use(
    key: &KeyRecord,
    operation: &str,
    alg: Option<EncryptionAlgorithm>,
) -> Result<Option<OaepHash>> {
    if key.key_usage != KeyUsage::EncryptDecrypt {
        return Err(KmsError::InvalidKeyUsage(format!(
            "{} key usage is {} which is not valid for {operation}.",
            key.arn, key.key_usage
        )));
    }
    let alg = alg.unwrap_or(EncryptionAlgorithm::SymmetricDefault);
    let rsa = AsymSpec::from_key_spec(key.key_spec).filter(|s| s.rsa_bits().is_some());
    match (key.key_spec, rsa, OaepHash::from_algorithm(alg)) {
        (KeySpec::SymmetricDefault, _, _) if alg == EncryptionAlgorithm::SymmetricDefault => {
            Ok(None)
        }
        (_, Some(_), Some(hash)) => Ok(Some(hash)),
        _ => Err(KmsError::InvalidKeyUsage(format!(
            "Algorithm {alg} is incompatible with key spec {}.",
            key.key_spec
        ))),
    }
}

/// Checks that `key` can make or protect symmetric data keys for `operation`.
pub(crate) fn check_symmetric_use(key: &KeyRecord, operation: &str) -> Result<()> {
    match encryption_use(key, operation, None)? {
        None => Ok(()),
        Some(_) => Err(KmsError::InvalidKeyUsage(format!(
            "Algorithm {} is incompatible with key spec {}.",
            EncryptionAlgorithm::SymmetricDefault,
            key.key_spec
        ))),
    }
}

/// An encryption context is for symmetric keys only.
fn no_context_for_rsa(context: &EncryptionContext) -> Result<()> {
    if context.is_empty() {
        Ok(())
    } else {
        Err(KmsError::Validation(
            "EncryptionContext is not supported for asymmetric KMS keys.".to_owned(),
        ))
    }
}

/// ValidationException if `plaintext_len` bytes are more than RSAES-OAEP with `hash` fits in
/// `key`'s modulus (AWS's limits: 214/190 bytes for RSA_2048, 342/318 for RSA_3072, 470/446
/// for RSA_4096).
fn check_rsa_plaintext(key: &KeyRecord, hash: OaepHash, plaintext_len: usize) -> Result<()> {
    let modulus = current(key)?.key.asym()?.rsa_size().unwrap_or(0);
    let max = hash.max_plaintext(modulus);
    if plaintext_len > max {
        return Err(KmsError::Validation(format!(
            "Algorithm {} and key spec {} cannot encrypt data larger than {max} bytes.",
            hash.as_str(),
            key.key_spec
        )));
    }
    Ok(())
}

/// The current material of `key`; the state table admits only keys that have some.
fn current(key: &KeyRecord) -> Result<&Material> {
    key.current_material()
        .ok_or_else(|| KmsError::Internal(format!("{} has no key material.", key.arn)))
}

/// DryRunOperationException when a DryRun request would have succeeded.
pub(crate) fn dry_run(flag: Option<bool>) -> Result<()> {
    match flag {
        Some(true) => Err(KmsError::DryRunOperation),
        _ => Ok(()),
    }
}

/// Encrypts under the key's current material, binding the context. Returns the blob and the
/// material ID used.
pub(crate) fn seal(
    ctx: &mut OpCtx<'_>,
    key: &KeyRecord,
    context: &EncryptionContext,
    plaintext: &[u8],
) -> Result<(Vec<u8>, [u8; 32])> {
    let material = current(key)?;
    let nonce = ctx.random()?;
    // In GCM the ciphertext is exactly as long as the plaintext.
    let header = blob::header(&key.id, &material.id, &nonce, plaintext.len());
    let sealed = material
        .key
        .aes()?
        .seal(&nonce, &blob::aad(&header, context), plaintext)?;
    let envelope = Envelope {
        key_id: key.id.clone(),
        material_id: material.id,
        nonce,
        sealed,
    };
    Ok((envelope.to_bytes(), material.id))
}

/// Encrypts for Encrypt or ReEncrypt's destination: symmetric (`hash` is `None`), or
/// RSAES-OAEP within AWS's plaintext limits and without an encryption context.
fn encrypt_with(
    ctx: &mut OpCtx<'_>,
    key: &KeyRecord,
    hash: Option<OaepHash>,
    context: &EncryptionContext,
    plaintext: &[u8],
) -> Result<Sealed> {
    let Some(hash) = hash else {
        let (blob, material) = seal(ctx, key, context, plaintext)?;
        return Ok(Sealed {
            blob,
            algorithm: EncryptionAlgorithm::SymmetricDefault,
            material_id: Some(material),
        });
    };
    no_context_for_rsa(context)?;
    check_rsa_plaintext(key, hash, plaintext.len())?;
    let rsa = current(key)?.key.asym()?;
    let blob = rsa.encrypt(hash, plaintext, &mut *ctx.entropy())?;
    Ok(Sealed {
        blob,
        algorithm: hash.algorithm(),
        material_id: None,
    })
}

/// RSA decryption for Decrypt and ReEncrypt with an RSA key named by `KeyId`: a result a
/// faster engine offered for this exact input, else blinded RSA here. Any failure is
/// IncorrectKeyException (a wrong OAEP hash, or a ciphertext for another key), after a
/// length check that reveals nothing secret.
fn rsa_open<'k>(
    ctx: &mut OpCtx<'_>,
    key: &'k KeyRecord,
    hash: OaepHash,
    context: &EncryptionContext,
    ciphertext: &[u8],
) -> Result<Opened<'k>> {
    no_context_for_rsa(context)?;
    let material = current(key)?;
    let rsa = material.key.asym()?;
    if Some(ciphertext.len()) != rsa.rsa_size() {
        return Err(KmsError::InvalidCiphertext);
    }
    let offered = ctx
        .offload()
        .take_decryption(&material.id, hash, ciphertext);
    let plaintext = match offered {
        Some(result) => result,
        None => rsa.decrypt(hash, ciphertext, &mut *ctx.entropy())?,
    };
    Ok(Opened {
        key,
        plaintext: plaintext.ok_or(KmsError::IncorrectKey)?,
        algorithm: hash.algorithm(),
        material_id: None,
    })
}

/// The source side of Decrypt and ReEncrypt, in AWS's check order: the blob parses, the named
/// key (if any) is the encrypting key, the caller may use it, its state and usage allow it,
/// and only then the blob is opened.
#[allow(clippy::too_many_arguments)]
fn open<'a>(
    ctx: &mut OpCtx<'a>,
    blob_bytes: &[u8],
    context: &EncryptionContext,
    key_id: Option<&str>,
    key_member: &str,
    alg: Option<EncryptionAlgorithm>,
    action: Action,
    operation: &str,
) -> Result<Opened<'a>> {
    let named = match key_id {
        Some(k) => Some(ctx.find_key(Some(k), key_member, Aliases::Accepted)?),
        None => None,
    };
    // An RSA key's ciphertext is plain RSAES-OAEP: it names no key, so KeyId must.
    if let Some(key) = named.filter(|k| AsymSpec::from_key_spec(k.key_spec).is_some()) {
        // A symmetric blob names the (symmetric) key that made it, which is not this one:
        // IncorrectKey, checked before the key is used, as for a symmetric KeyId.
        if Envelope::parse(blob_bytes).is_some() {
            return Err(KmsError::IncorrectKey);
        }
        ctx.admit(key, action, StateRule::Crypto)?;
        return match encryption_use(key, operation, alg)? {
            Some(hash) => rsa_open(ctx, key, hash, context, blob_bytes),
            None => Err(KmsError::Internal("Not an RSA key.".to_owned())),
        };
    }
    let named = named.map(|k| k.id.clone());
    let envelope = Envelope::parse(blob_bytes).ok_or(KmsError::InvalidCiphertext)?;
    if named.as_ref().is_some_and(|id| *id != envelope.key_id) {
        return Err(KmsError::IncorrectKey);
    }
    // A blob naming a key this service never had is as foreign as a corrupted one.
    let key = ctx
        .store
        .key(ctx.region(), &envelope.key_id)
        .ok_or(KmsError::InvalidCiphertext)?;
    ctx.admit(key, action, StateRule::Crypto)?;
    if encryption_use(key, operation, alg)?.is_some() {
        return Err(KmsError::IncorrectKey);
    }
    let material = key
        .material(&envelope.material_id)
        .ok_or(KmsError::InvalidCiphertext)?;
    let aad = blob::aad(&envelope.header(), context);
    let plaintext = material
        .key
        .aes()?
        .open(&envelope.nonce, &aad, &envelope.sealed)?;
    Ok(Opened {
        key,
        plaintext,
        algorithm: EncryptionAlgorithm::SymmetricDefault,
        material_id: Some(envelope.material_id),
    })
}

pub(crate) fn encrypt(ctx: &mut OpCtx<'_>, req: EncryptRequest) -> Outcome<EncryptResponse> {
    let plaintext = required(req.plaintext.as_ref(), "plaintext")?;
    blob_length(plaintext.as_bytes(), "plaintext", 1, 4096)?;
    let alg = check_algorithm(req.encryption_algorithm.as_ref(), "encryptionAlgorithm")?;
    ctx.encryption_facts(req.encryption_context.as_ref(), alg);
    let key = ctx.crypto_key(
        req.key_id.as_deref(),
        req.grant_tokens.as_ref(),
        Action::Encrypt,
    )?;
    let hash = encryption_use(key, "Encrypt", alg)?;
    let context = req.encryption_context.unwrap_or_default();
    if let Some(hash) = hash {
        no_context_for_rsa(&context)?;
        check_rsa_plaintext(key, hash, plaintext.as_bytes().len())?;
    }
    dry_run(req.dry_run)?;
    let sealed = encrypt_with(ctx, key, hash, &context, plaintext.as_bytes())?;
    let out = EncryptResponse {
        ciphertext_blob: Blob(sealed.blob),
        key_id: key.arn.clone(),
        encryption_algorithm: sealed.algorithm.as_str().to_owned(),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn decrypt(ctx: &mut OpCtx<'_>, req: DecryptRequest) -> Outcome<DecryptResponse> {
    validate::no_recipient(req.recipient)?;
    let blob = required(req.ciphertext_blob.as_ref(), "ciphertextBlob")?;
    blob_length(blob.as_bytes(), "ciphertextBlob", 1, 6144)?;
    let alg = check_algorithm(req.encryption_algorithm.as_ref(), "encryptionAlgorithm")?;
    validate::grant_tokens(req.grant_tokens.as_ref())?;
    ctx.grant_tokens(req.grant_tokens.as_ref());
    ctx.encryption_facts(req.encryption_context.as_ref(), alg);
    let context = req.encryption_context.clone().unwrap_or_default();
    let opened = open(
        ctx,
        blob.as_bytes(),
        &context,
        req.key_id.as_deref(),
        "keyId",
        alg,
        Action::Decrypt,
        "Decrypt",
    )?;
    dry_run(req.dry_run)?;
    let out = DecryptResponse {
        key_id: opened.key.arn.clone(),
        plaintext: SecretBlob(opened.plaintext.to_vec()),
        encryption_algorithm: opened.algorithm.as_str().to_owned(),
        key_material_id: opened.material_id.map(|m| hex::encode(&m)),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn re_encrypt(ctx: &mut OpCtx<'_>, req: ReEncryptRequest) -> Outcome<ReEncryptResponse> {
    let blob = required(req.ciphertext_blob.as_ref(), "ciphertextBlob")?;
    blob_length(blob.as_bytes(), "ciphertextBlob", 1, 6144)?;
    required(req.destination_key_id.as_ref(), "destinationKeyId")?;
    let source_alg = check_algorithm(
        req.source_encryption_algorithm.as_ref(),
        "sourceEncryptionAlgorithm",
    )?;
    let destination_alg = check_algorithm(
        req.destination_encryption_algorithm.as_ref(),
        "destinationEncryptionAlgorithm",
    )?;
    validate::grant_tokens(req.grant_tokens.as_ref())?;
    // Both keys are looked up (NotFound) before either is used, as AWS checks them.
    let destination = ctx.find_key(
        req.destination_key_id.as_deref(),
        "destinationKeyId",
        Aliases::Accepted,
    )?;
    ctx.grant_tokens(req.grant_tokens.as_ref());
    ctx.encryption_facts(req.source_encryption_context.as_ref(), source_alg);
    let source_ctx = req.source_encryption_context.clone().unwrap_or_default();
    let opened = open(
        ctx,
        blob.as_bytes(),
        &source_ctx,
        req.source_key_id.as_deref(),
        "sourceKeyId",
        source_alg,
        Action::ReEncryptFrom,
        "ReEncrypt",
    )?;
    ctx.encryption_facts(req.destination_encryption_context.as_ref(), destination_alg);
    ctx.admit(destination, Action::ReEncryptTo, StateRule::Crypto)?;
    let hash = encryption_use(destination, "ReEncrypt", destination_alg)?;
    let destination_ctx = req
        .destination_encryption_context
        .clone()
        .unwrap_or_default();
    if let Some(hash) = hash {
        no_context_for_rsa(&destination_ctx)?;
        check_rsa_plaintext(destination, hash, opened.plaintext.len())?;
    }
    dry_run(req.dry_run)?;
    let sealed = encrypt_with(ctx, destination, hash, &destination_ctx, &opened.plaintext)?;
    let out = ReEncryptResponse {
        ciphertext_blob: Blob(sealed.blob),
        source_key_id: opened.key.arn.clone(),
        key_id: destination.arn.clone(),
        source_encryption_algorithm: opened.algorithm.as_str().to_owned(),
        destination_encryption_algorithm: sealed.algorithm.as_str().to_owned(),
        source_key_material_id: opened.material_id.map(|m| hex::encode(&m)),
        destination_key_material_id: sealed.material_id.map(|m| hex::encode(&m)),
    };
    Ok((out, Batch::default()))
}

/// The shared part of both GenerateDataKey operations: a fresh data key and its blob.
fn data_key(
    ctx: &mut OpCtx<'_>,
    req: GenerateDataKeyRequest,
    action: Action,
) -> Result<(SecretBlob, Blob, String, [u8; 32])> {
    let operation = action.bare_name();
    validate::no_recipient(req.recipient)?;
    let length = match (&req.key_spec, req.number_of_bytes) {
        (Some(spec), None) => validate::parse_enum::<DataKeySpec>(spec, "keySpec")?.bytes(),
        (None, Some(n)) => {
            range(n, "numberOfBytes", 1, 1024)?;
            usize::try_from(n).unwrap_or(0)
        }
        _ => {
            return Err(KmsError::Validation(
                "Please specify either number of bytes or key spec.".to_owned(),
            ))
        }
    };
    ctx.encryption_facts(req.encryption_context.as_ref(), None);
    let key = ctx.crypto_key(req.key_id.as_deref(), req.grant_tokens.as_ref(), action)?;
    check_symmetric_use(key, operation)?;
    dry_run(req.dry_run)?;
    let data_key = SecretBlob(ctx.random_vec(length)?);
    let context = req.encryption_context.unwrap_or_default();
    let (blob, material) = seal(ctx, key, &context, data_key.as_bytes())?;
    Ok((data_key, Blob(blob), key.arn.clone(), material))
}

pub(crate) fn generate_data_key(
    ctx: &mut OpCtx<'_>,
    req: GenerateDataKeyRequest,
) -> Outcome<GenerateDataKeyResponse> {
    let (plaintext, ciphertext_blob, key_id, material) =
        data_key(ctx, req, Action::GenerateDataKey)?;
    let out = GenerateDataKeyResponse {
        ciphertext_blob,
        plaintext,
        key_id,
        key_material_id: hex::encode(&material),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn generate_data_key_without_plaintext(
    ctx: &mut OpCtx<'_>,
    req: GenerateDataKeyRequest,
) -> Outcome<GenerateDataKeyWithoutPlaintextResponse> {
    let (_plaintext, ciphertext_blob, key_id, material) =
        data_key(ctx, req, Action::GenerateDataKeyWithoutPlaintext)?;
    let out = GenerateDataKeyWithoutPlaintextResponse {
        ciphertext_blob,
        key_id,
        key_material_id: hex::encode(&material),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn generate_random(
    ctx: &mut OpCtx<'_>,
    req: GenerateRandomRequest,
) -> Outcome<GenerateRandomResponse> {
    validate::no_recipient(req.recipient)?;
    let n = req
        .number_of_bytes
        .ok_or_else(|| KmsError::Validation("NumberOfBytes is required.".to_owned()))?;
    range(n, "numberOfBytes", 1, 1024)?;
    if let Some(id) = &req.custom_key_store_id {
        validate::length(id, "customKeyStoreId", 1, 64)?;
        return Err(KmsError::CustomKeyStoreNotFound(format!(
            "Custom key store {id} does not exist."
        )));
    }
    ctx.authorize_account(Action::GenerateRandom)?;
    let out = GenerateRandomResponse {
        plaintext: SecretBlob(ctx.random_vec(usize::try_from(n).unwrap_or(0))?),
    };
    Ok((out, Batch::default()))
}
