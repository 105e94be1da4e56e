//! Symmetric cryptography: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext),
//! GenerateRandom.

use zeroize::Zeroizing;

use crate::blob::{self, Envelope};
use crate::codec::{Blob, SecretBlob};
use crate::context::EncryptionContext;
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::ids::{hex, Aliases};
use crate::model::*;
use crate::service::{Call, Kms, Outcome};
use crate::state::StateRule;
use crate::store::{Batch, KeyRecord, Store};
use crate::validate::{self, blob_length, one_of, range, required};

const ENCRYPTION_ALGORITHMS: &[&str] = &[
    "SYMMETRIC_DEFAULT",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "SM2PKE",
];
const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";
const ENCRYPT_DECRYPT: &str = "ENCRYPT_DECRYPT";

/// What the source side of Decrypt or ReEncrypt found.
struct Opened<'k> {
    key: &'k KeyRecord,
    plaintext: Zeroizing<Vec<u8>>,
    material_id: [u8; 32],
}

/// Checks an optional EncryptionAlgorithm member against AWS's enum.
fn check_algorithm(alg: Option<&String>, member: &str) -> Result<()> {
    match alg {
        Some(a) => one_of(a, member, ENCRYPTION_ALGORITHMS),
        None => Ok(()),
    }
}

/// Checks that `key` can do symmetric encryption for `operation` with `alg`.
fn check_symmetric_use(key: &KeyRecord, operation: &str, alg: Option<&String>) -> Result<()> {
    if key.key_usage != ENCRYPT_DECRYPT {
        return Err(KmsError::InvalidKeyUsage(format!(
            "{} key usage is {} which is not valid for {operation}.",
            key.arn, key.key_usage
        )));
    }
    let alg = alg.map(String::as_str).unwrap_or(SYMMETRIC_DEFAULT);
    if alg != SYMMETRIC_DEFAULT || key.key_spec != "SYMMETRIC_DEFAULT" {
        return Err(KmsError::InvalidKeyUsage(format!(
            "Algorithm {alg} is incompatible with key spec {}.",
            key.key_spec
        )));
    }
    Ok(())
}

/// DryRunOperationException when a DryRun request would have succeeded.
pub(crate) fn dry_run(flag: Option<bool>) -> Result<()> {
    match flag {
        Some(true) => Err(KmsError::DryRunOperation),
        _ => Ok(()),
    }
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Encrypts under the key's current material, binding the context. Returns the blob and the
    /// material ID used.
    fn seal(
        &self,
        key: &KeyRecord,
        ctx: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, [u8; 32])> {
        // The state table admits only keys with material, so a key without any is a bug.
        let material = key
            .current_material()
            .ok_or_else(|| KmsError::Internal(format!("{} has no key material.", key.arn)))?;
        let nonce = self.random()?;
        // In GCM the ciphertext is exactly as long as the plaintext.
        let header = blob::header(&key.id, &material.id, &nonce, plaintext.len());
        let sealed = material
            .key
            .aes()?
            .seal(&nonce, &blob::aad(&header, ctx), plaintext)?;
        let envelope = Envelope {
            key_id: key.id.clone(),
            material_id: material.id,
            nonce,
            sealed,
        };
        Ok((envelope.to_bytes(), material.id))
    }

    /// The source side of Decrypt and ReEncrypt, in AWS's check order: the blob parses, the named
    /// key (if any) is the encrypting key, the caller may use it, its state and usage allow it,
    /// and only then the blob is opened.
    #[allow(clippy::too_many_arguments)]
    fn open(
        &self,
        call: &mut Call,
        blob_bytes: &[u8],
        ctx: &EncryptionContext,
        key_id: Option<&str>,
        key_member: &str,
        alg: Option<&String>,
        action: &str,
        operation: &str,
    ) -> Result<Opened<'_>> {
        let named = match key_id {
            Some(k) => Some(
                self.find_key(call, Some(k), key_member, Aliases::Accepted)?
                    .id
                    .clone(),
            ),
            None => None,
        };
        let envelope = Envelope::parse(blob_bytes).ok_or(KmsError::InvalidCiphertext)?;
        if named.as_ref().is_some_and(|id| *id != envelope.key_id) {
            return Err(KmsError::IncorrectKey);
        }
        // A blob naming a key this service never had is as foreign as a corrupted one.
        let key = self
            .store
            .key(call.region(), &envelope.key_id)
            .ok_or(KmsError::InvalidCiphertext)?;
        self.admit(call, key, action, StateRule::Crypto)?;
        check_symmetric_use(key, operation, alg)?;
        let material = key
            .material(&envelope.material_id)
            .ok_or(KmsError::InvalidCiphertext)?;
        let aad = blob::aad(&envelope.header(), ctx);
        let plaintext = material
            .key
            .aes()?
            .open(&envelope.nonce, &aad, &envelope.sealed)?;
        Ok(Opened {
            key,
            plaintext,
            material_id: envelope.material_id,
        })
    }

    pub(crate) fn op_encrypt(
        &self,
        call: &mut Call,
        req: EncryptRequest,
    ) -> Outcome<EncryptResponse> {
        let plaintext = required(req.plaintext.as_ref(), "plaintext")?;
        blob_length(plaintext.as_bytes(), "plaintext", 1, 4096)?;
        check_algorithm(req.encryption_algorithm.as_ref(), "encryptionAlgorithm")?;
        validate::grant_tokens(req.grant_tokens.as_ref())?;
        let key = self.use_key(
            call,
            req.key_id.as_deref(),
            "keyId",
            Aliases::Accepted,
            "kms:Encrypt",
            StateRule::Crypto,
        )?;
        check_symmetric_use(key, "Encrypt", req.encryption_algorithm.as_ref())?;
        dry_run(req.dry_run)?;
        let ctx = req.encryption_context.unwrap_or_default();
        let (blob, _) = self.seal(key, &ctx, plaintext.as_bytes())?;
        let out = EncryptResponse {
            ciphertext_blob: Blob(blob),
            key_id: key.arn.clone(),
            encryption_algorithm: SYMMETRIC_DEFAULT.to_owned(),
        };
        Ok((out, Batch::default()))
    }

    pub(crate) fn op_decrypt(
        &self,
        call: &mut Call,
        req: DecryptRequest,
    ) -> Outcome<DecryptResponse> {
        let blob = required(req.ciphertext_blob.as_ref(), "ciphertextBlob")?;
        blob_length(blob.as_bytes(), "ciphertextBlob", 1, 6144)?;
        check_algorithm(req.encryption_algorithm.as_ref(), "encryptionAlgorithm")?;
        validate::grant_tokens(req.grant_tokens.as_ref())?;
        let ctx = req.encryption_context.clone().unwrap_or_default();
        let opened = self.open(
            call,
            blob.as_bytes(),
            &ctx,
            req.key_id.as_deref(),
            "keyId",
            req.encryption_algorithm.as_ref(),
            "kms:Decrypt",
            "Decrypt",
        )?;
        dry_run(req.dry_run)?;
        let out = DecryptResponse {
            key_id: opened.key.arn.clone(),
            plaintext: SecretBlob(opened.plaintext.to_vec()),
            encryption_algorithm: SYMMETRIC_DEFAULT.to_owned(),
            key_material_id: hex(&opened.material_id),
        };
        Ok((out, Batch::default()))
    }

    pub(crate) fn op_re_encrypt(
        &self,
        call: &mut Call,
        req: ReEncryptRequest,
    ) -> Outcome<ReEncryptResponse> {
        let blob = required(req.ciphertext_blob.as_ref(), "ciphertextBlob")?;
        blob_length(blob.as_bytes(), "ciphertextBlob", 1, 6144)?;
        required(req.destination_key_id.as_ref(), "destinationKeyId")?;
        check_algorithm(
            req.source_encryption_algorithm.as_ref(),
            "sourceEncryptionAlgorithm",
        )?;
        check_algorithm(
            req.destination_encryption_algorithm.as_ref(),
            "destinationEncryptionAlgorithm",
        )?;
        validate::grant_tokens(req.grant_tokens.as_ref())?;
        // Both keys are looked up (NotFound) before either is used, as AWS checks them.
        let destination = self.find_key(
            call,
            req.destination_key_id.as_deref(),
            "destinationKeyId",
            Aliases::Accepted,
        )?;
        let source_ctx = req.source_encryption_context.clone().unwrap_or_default();
        let opened = self.open(
            call,
            blob.as_bytes(),
            &source_ctx,
            req.source_key_id.as_deref(),
            "sourceKeyId",
            req.source_encryption_algorithm.as_ref(),
            "kms:ReEncryptFrom",
            "ReEncrypt",
        )?;
        self.admit(call, destination, "kms:ReEncryptTo", StateRule::Crypto)?;
        check_symmetric_use(
            destination,
            "ReEncrypt",
            req.destination_encryption_algorithm.as_ref(),
        )?;
        dry_run(req.dry_run)?;
        let destination_ctx = req
            .destination_encryption_context
            .clone()
            .unwrap_or_default();
        let (blob, destination_material) =
            self.seal(destination, &destination_ctx, &opened.plaintext)?;
        let out = ReEncryptResponse {
            ciphertext_blob: Blob(blob),
            source_key_id: opened.key.arn.clone(),
            key_id: destination.arn.clone(),
            source_encryption_algorithm: SYMMETRIC_DEFAULT.to_owned(),
            destination_encryption_algorithm: SYMMETRIC_DEFAULT.to_owned(),
            source_key_material_id: hex(&opened.material_id),
            destination_key_material_id: hex(&destination_material),
        };
        Ok((out, Batch::default()))
    }

    /// The shared part of both GenerateDataKey operations: a fresh data key and its blob.
    fn data_key(
        &self,
        call: &mut Call,
        req: GenerateDataKeyRequest,
        operation: &str,
    ) -> Result<(SecretBlob, Blob, String, [u8; 32])> {
        let length = match (&req.key_spec, req.number_of_bytes) {
            (Some(spec), None) => {
                one_of(spec, "keySpec", &["AES_256", "AES_128"])?;
                if spec == "AES_128" {
                    16
                } else {
                    32
                }
            }
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
        validate::grant_tokens(req.grant_tokens.as_ref())?;
        let key = self.use_key(
            call,
            req.key_id.as_deref(),
            "keyId",
            Aliases::Accepted,
            &format!("kms:{operation}"),
            StateRule::Crypto,
        )?;
        check_symmetric_use(key, operation, None)?;
        dry_run(req.dry_run)?;
        let data_key = SecretBlob(self.random_vec(length)?);
        let ctx = req.encryption_context.unwrap_or_default();
        let (blob, material) = self.seal(key, &ctx, data_key.as_bytes())?;
        Ok((data_key, Blob(blob), key.arn.clone(), material))
    }

    pub(crate) fn op_generate_data_key(
        &self,
        call: &mut Call,
        req: GenerateDataKeyRequest,
    ) -> Outcome<GenerateDataKeyResponse> {
        let (plaintext, ciphertext_blob, key_id, material) =
            self.data_key(call, req, "GenerateDataKey")?;
        let out = GenerateDataKeyResponse {
            ciphertext_blob,
            plaintext,
            key_id,
            key_material_id: hex(&material),
        };
        Ok((out, Batch::default()))
    }

    pub(crate) fn op_generate_data_key_without_plaintext(
        &self,
        call: &mut Call,
        req: GenerateDataKeyRequest,
    ) -> Outcome<GenerateDataKeyWithoutPlaintextResponse> {
        let (_plaintext, ciphertext_blob, key_id, material) =
            self.data_key(call, req, "GenerateDataKeyWithoutPlaintext")?;
        let out = GenerateDataKeyWithoutPlaintextResponse {
            ciphertext_blob,
            key_id,
            key_material_id: hex(&material),
        };
        Ok((out, Batch::default()))
    }

    pub(crate) fn op_generate_random(
        &self,
        call: &mut Call,
        req: GenerateRandomRequest,
    ) -> Outcome<GenerateRandomResponse> {
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
        self.authorize_account(call, "kms:GenerateRandom")?;
        let out = GenerateRandomResponse {
            plaintext: SecretBlob(self.random_vec(usize::try_from(n).unwrap_or(0))?),
        };
        Ok((out, Batch::default()))
    }
}
