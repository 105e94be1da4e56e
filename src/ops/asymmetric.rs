//! Asymmetric keys: Sign, Verify, GetPublicKey, DeriveSharedSecret, and the data key pairs of
//! GenerateDataKeyPair(WithoutPlaintext). RSA Encrypt and Decrypt live with the symmetric ones
//! in [`super::crypto`].

use zeroize::Zeroizing;

use crate::access::Action;
use crate::codec::hex;
use crate::codec::{Blob, SecretBlob};
use crate::crypto::asym::{AsymKey, AsymSpec, Message, SigningAlgorithm};
use crate::domain::spec::{
    DataKeyPairSpec, KeyAgreementAlgorithm, KeyUsage, MessageType, SigningAlgorithmSpec,
};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::crypto::{check_symmetric_use, dry_run};
use crate::ops::ctx::{OpCtx, Outcome};
use crate::ops::keys::algorithms;
use crate::store::{Batch, KeyRecord};
use crate::validate::{self, blob_length, required};

/// The longest DER SubjectPublicKeyInfo a request may carry.
const MAX_PUBLIC_KEY: usize = 8192;

/// A validated Sign or Verify request, ready to use its key.
struct Signing<'k> {
    key: &'k KeyRecord,
    material_id: [u8; 32],
    private: &'k AsymKey,
    algorithm: SigningAlgorithm,
    digest: bool,
}

/// InvalidKeyUsageException for a key whose usage is not `wanted`.
fn wrong_usage(key: &KeyRecord, operation: &str) -> KmsError {
    KmsError::InvalidKeyUsage(format!(
        "{} key usage is {} which is not valid for {operation}.",
        key.arn, key.key_usage
    ))
}

/// The private key of `key`'s current material (the state table admits only keys with some).
fn private_key(key: &KeyRecord) -> Result<(&AsymKey, [u8; 32])> {
    let material = key
        .current_material()
        .ok_or_else(|| KmsError::Internal(format!("{} has no key material.", key.arn)))?;
    Ok((material.key.asym()?, material.id))
}

/// Validates Sign and Verify and finds the key, in AWS's order: the members, including the
/// message type's and the digest's fit with the algorithm (they depend on the request
/// alone), then the key, its usage, and the algorithm's fit with its spec.
#[allow(clippy::too_many_arguments)]
fn signing_key<'a>(
    ctx: &mut OpCtx<'a>,
    key_id: Option<&str>,
    message: Option<&[u8]>,
    message_type: Option<&String>,
    algorithm: Option<&String>,
    grant_tokens: Option<&Vec<String>>,
    action: Action,
) -> Result<Signing<'a>> {
    let operation = action.bare_name();
    let message = required(message, "message")?;
    blob_length(message, "message", 1, 4096)?;
    let algorithm = required(algorithm, "signingAlgorithm")?;
    let spec = validate::parse_enum::<SigningAlgorithmSpec>(algorithm, "signingAlgorithm")?;
    let message_type = validate::parse_optional::<MessageType>(message_type, "messageType")?
        .unwrap_or(MessageType::Raw);
    // Ed25519 signs the message itself, Ed25519ph a SHA-512 digest of it; EXTERNAL_MU is
    // for ML-DSA only.
    let parsed = SigningAlgorithm::from_spec(spec);
    let type_fits = match (parsed, message_type) {
        (_, MessageType::ExternalMu) => spec == SigningAlgorithmSpec::MlDsaShake256,
        (Some(SigningAlgorithm::Ed25519Sha512), t) => t == MessageType::Raw,
        (Some(SigningAlgorithm::Ed25519PhSha512), t) => t == MessageType::Digest,
        _ => true,
    };
    if !type_fits {
        return Err(KmsError::Validation(format!(
            "Message type {message_type} is incompatible with signing algorithm {algorithm}."
        )));
    }
    let digest = message_type == MessageType::Digest;
    if digest && parsed.is_some_and(|a| message.len() != a.hash().len()) {
        return Err(KmsError::Validation(format!(
            "Digest is invalid length for algorithm {algorithm}."
        )));
    }
    let key = ctx.crypto_key(key_id, grant_tokens, action)?;
    if key.key_usage != KeyUsage::SignVerify {
        return Err(wrong_usage(key, operation));
    }
    let (private, material_id) = private_key(key)?;
    let alg = parsed
        .filter(|a| private.spec().signing_algorithms().contains(a))
        .ok_or_else(|| {
            KmsError::InvalidKeyUsage(format!(
                "Algorithm {algorithm} is incompatible with key spec {}.",
                key.key_spec
            ))
        })?;
    Ok(Signing {
        key,
        material_id,
        private,
        algorithm: alg,
        digest,
    })
}

pub(crate) fn sign(ctx: &mut OpCtx<'_>, req: SignRequest) -> Outcome<SignResponse> {
    let message = req.message.as_ref().map(|m| m.as_bytes());
    let s = signing_key(
        ctx,
        req.key_id.as_deref(),
        message,
        req.message_type.as_ref(),
        req.signing_algorithm.as_ref(),
        req.grant_tokens.as_ref(),
        Action::Sign,
    )?;
    dry_run(req.dry_run)?;
    let message = message.unwrap_or_default();
    let offered = (!s.digest)
        .then(|| {
            ctx.offload()
                .take_signature(&s.material_id, s.algorithm, message)
        })
        .flatten();
    let signature = match offered {
        Some(signature) => signature,
        None => {
            let m = if s.digest {
                Message::Digest(message)
            } else {
                Message::Raw(message)
            };
            s.private.sign(s.algorithm, m, &mut *ctx.entropy())?
        }
    };
    let out = SignResponse {
        key_id: s.key.arn.clone(),
        signature: Blob(signature),
        signing_algorithm: s.algorithm.as_str().to_owned(),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn verify(ctx: &mut OpCtx<'_>, req: VerifyRequest) -> Outcome<VerifyResponse> {
    let signature = required(req.signature.as_ref(), "signature")?;
    blob_length(signature.as_bytes(), "signature", 1, 6144)?;
    let message = req.message.as_ref().map(|m| m.as_bytes());
    let s = signing_key(
        ctx,
        req.key_id.as_deref(),
        message,
        req.message_type.as_ref(),
        req.signing_algorithm.as_ref(),
        req.grant_tokens.as_ref(),
        Action::Verify,
    )?;
    let message = message.unwrap_or_default();
    let m = if s.digest {
        Message::Digest(message)
    } else {
        Message::Raw(message)
    };
    let offered = (!s.digest)
        .then(|| {
            ctx.offload().take_verification(
                &s.material_id,
                s.algorithm,
                message,
                signature.as_bytes(),
            )
        })
        .flatten();
    let valid = match offered {
        Some(valid) => valid,
        None => s.private.verify(s.algorithm, m, signature.as_bytes()),
    };
    // A mismatch is an error, never `SignatureValid: false`; DryRun reports only a request
    // that would succeed.
    if !valid {
        return Err(KmsError::InvalidSignature);
    }
    dry_run(req.dry_run)?;
    let out = VerifyResponse {
        key_id: s.key.arn.clone(),
        signature_valid: true,
        signing_algorithm: s.algorithm.as_str().to_owned(),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn get_public_key(
    ctx: &mut OpCtx<'_>,
    req: GetPublicKeyRequest,
) -> Outcome<GetPublicKeyResponse> {
    let key = ctx.crypto_key(
        req.key_id.as_deref(),
        req.grant_tokens.as_ref(),
        Action::GetPublicKey,
    )?;
    if AsymSpec::from_key_spec(key.key_spec).is_none() {
        return Err(KmsError::UnsupportedOperation(Some(format!(
            "{} key spec {} is not supported for this operation.",
            key.arn, key.key_spec
        ))));
    }
    let (private, _) = private_key(key)?;
    let lists = algorithms(key.key_spec, key.key_usage);
    let out = GetPublicKeyResponse {
        key_id: key.arn.clone(),
        public_key: Blob(private.public_key_der()?),
        customer_master_key_spec: key.key_spec.as_str().to_owned(),
        key_spec: key.key_spec.as_str().to_owned(),
        key_usage: key.key_usage.as_str().to_owned(),
        encryption_algorithms: lists.encryption,
        signing_algorithms: lists.signing,
        key_agreement_algorithms: lists.key_agreement,
    };
    Ok((out, Batch::default()))
}

pub(crate) fn derive_shared_secret(
    ctx: &mut OpCtx<'_>,
    req: DeriveSharedSecretRequest,
) -> Outcome<DeriveSharedSecretResponse> {
    crate::validate::no_recipient(req.recipient)?;
    let algorithm = required(
        req.key_agreement_algorithm.as_ref(),
        "keyAgreementAlgorithm",
    )?;
    let algorithm =
        validate::parse_enum::<KeyAgreementAlgorithm>(algorithm, "keyAgreementAlgorithm")?;
    let peer = required(req.public_key.as_ref(), "publicKey")?;
    blob_length(peer.as_bytes(), "publicKey", 1, MAX_PUBLIC_KEY)?;
    let key = ctx.crypto_key(
        req.key_id.as_deref(),
        req.grant_tokens.as_ref(),
        Action::DeriveSharedSecret,
    )?;
    if key.key_usage != KeyUsage::KeyAgreement {
        return Err(wrong_usage(key, "DeriveSharedSecret"));
    }
    let (private, _) = private_key(key)?;
    // A peer key that does not parse, or is on another curve: AWS sends no message. It is
    // checked before DryRun, which reports only requests that would succeed.
    let secret = private
        .agree(peer.as_bytes())
        .ok_or_else(|| KmsError::Validation(String::new()))?;
    dry_run(req.dry_run)?;
    let out = DeriveSharedSecretResponse {
        key_id: key.arn.clone(),
        shared_secret: SecretBlob(secret.to_vec()),
        key_agreement_algorithm: algorithm.as_str().to_owned(),
        key_origin: key.origin.as_str().to_owned(),
    };
    Ok((out, Batch::default()))
}

/// The shared part of both GenerateDataKeyPair operations: a fresh key pair, its public
/// key, and its PKCS#8 private key sealed under `KeyId` with the encryption context.
fn data_key_pair(
    ctx: &mut OpCtx<'_>,
    req: GenerateDataKeyPairRequest,
    action: Action,
) -> Result<DataKeyPair> {
    let operation = action.bare_name();
    crate::validate::no_recipient(req.recipient)?;
    let spec_name = required(req.key_pair_spec.as_ref(), "keyPairSpec")?;
    let pair_spec = validate::parse_enum::<DataKeyPairSpec>(spec_name, "keyPairSpec")?;
    let key = ctx.crypto_key(req.key_id.as_deref(), req.grant_tokens.as_ref(), action)?;
    check_symmetric_use(key, operation)?;
    let spec = AsymSpec::from_key_spec(pair_spec.key_spec()).ok_or_else(|| {
        KmsError::UnsupportedOperation(Some(format!(
            "KeyPairSpec {spec_name} is not supported in this Region."
        )))
    })?;
    dry_run(req.dry_run)?;
    let pair = ctx.new_key_pair(spec)?;
    let private = pair.to_pkcs8()?;
    let context = req.encryption_context.unwrap_or_default();
    let (blob, material) = crate::ops::crypto::seal(ctx, key, &context, &private)?;
    Ok(DataKeyPair {
        public: Blob(pair.public_key_der()?),
        private,
        sealed: Blob(blob),
        key_id: key.arn.clone(),
        spec: spec_name.clone(),
        material: hex::encode(&material),
    })
}

pub(crate) fn generate_data_key_pair(
    ctx: &mut OpCtx<'_>,
    req: GenerateDataKeyPairRequest,
) -> Outcome<GenerateDataKeyPairResponse> {
    let pair = data_key_pair(ctx, req, Action::GenerateDataKeyPair)?;
    let out = GenerateDataKeyPairResponse {
        private_key_ciphertext_blob: pair.sealed,
        private_key_plaintext: SecretBlob(pair.private.to_vec()),
        public_key: pair.public,
        key_id: pair.key_id,
        key_pair_spec: pair.spec,
        key_material_id: pair.material,
    };
    Ok((out, Batch::default()))
}

pub(crate) fn generate_data_key_pair_without_plaintext(
    ctx: &mut OpCtx<'_>,
    req: GenerateDataKeyPairRequest,
) -> Outcome<GenerateDataKeyPairWithoutPlaintextResponse> {
    let pair = data_key_pair(ctx, req, Action::GenerateDataKeyPairWithoutPlaintext)?;
    let out = GenerateDataKeyPairWithoutPlaintextResponse {
        private_key_ciphertext_blob: pair.sealed,
        public_key: pair.public,
        key_id: pair.key_id,
        key_pair_spec: pair.spec,
        key_material_id: pair.material,
    };
    Ok((out, Batch::default()))
}

/// What both GenerateDataKeyPair operations return.
struct DataKeyPair {
    public: Blob,
    private: Zeroizing<Vec<u8>>,
    sealed: Blob,
    key_id: String,
    spec: String,
    material: String,
}
