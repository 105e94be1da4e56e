//! HMAC keys: GenerateMac and VerifyMac (RFC 2104 HMAC over the raw message).

use crate::access::Action;
use crate::codec::Blob;
use crate::crypto::{HmacKey, MacHash};
use crate::domain::spec::{KeyUsage, MacAlgorithm};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::crypto::dry_run;
use crate::ops::ctx::{OpCtx, Outcome};
use crate::store::{Batch, KeyRecord};
use crate::validate::{self, blob_length, required};

/// Validates a MAC request and finds its HMAC key, in AWS's order: members, then the key,
/// then its usage and the algorithm's fit with its spec, then DryRun.
fn mac_key<'a>(
    ctx: &mut OpCtx<'a>,
    message: Option<&[u8]>,
    key_id: Option<&str>,
    algorithm: Option<&String>,
    grant_tokens: Option<&Vec<String>>,
    action: Action,
) -> Result<(&'a KeyRecord, &'a HmacKey, MacAlgorithm)> {
    let operation = action.bare_name();
    blob_length(required(message, "message")?, "message", 1, 4096)?;
    let algorithm = required(algorithm, "macAlgorithm")?;
    let algorithm = validate::parse_enum::<MacAlgorithm>(algorithm, "macAlgorithm")?;
    let key = ctx.crypto_key(key_id, grant_tokens, action)?;
    if key.key_usage != KeyUsage::GenerateVerifyMac {
        return Err(KmsError::InvalidKeyUsage(format!(
            "{} key usage is {} which is not valid for {operation}.",
            key.arn, key.key_usage
        )));
    }
    let material = key
        .current_material()
        .ok_or_else(|| KmsError::Internal(format!("{} has no key material.", key.arn)))?;
    let hmac = material.key.hmac()?;
    if MacHash::from_algorithm(algorithm) != hmac.hash() {
        return Err(KmsError::InvalidKeyUsage(format!(
            "Algorithm {algorithm} is incompatible with key spec {}.",
            key.key_spec
        )));
    }
    Ok((key, hmac, algorithm))
}

pub(crate) fn generate_mac(
    ctx: &mut OpCtx<'_>,
    req: GenerateMacRequest,
) -> Outcome<GenerateMacResponse> {
    let message = req.message.as_ref().map(|m| m.as_bytes());
    let (key, hmac, algorithm) = mac_key(
        ctx,
        message,
        req.key_id.as_deref(),
        req.mac_algorithm.as_ref(),
        req.grant_tokens.as_ref(),
        Action::GenerateMac,
    )?;
    dry_run(req.dry_run)?;
    let out = GenerateMacResponse {
        mac: Blob(hmac.mac(message.unwrap_or_default())?),
        mac_algorithm: algorithm.as_str().to_owned(),
        key_id: key.arn.clone(),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn verify_mac(ctx: &mut OpCtx<'_>, req: VerifyMacRequest) -> Outcome<VerifyMacResponse> {
    let tag = required(req.mac.as_ref(), "mac")?;
    blob_length(tag.as_bytes(), "mac", 1, 6144)?;
    let message = req.message.as_ref().map(|m| m.as_bytes());
    let (key, hmac, algorithm) = mac_key(
        ctx,
        message,
        req.key_id.as_deref(),
        req.mac_algorithm.as_ref(),
        req.grant_tokens.as_ref(),
        Action::VerifyMac,
    )?;
    dry_run(req.dry_run)?;
    // Constant-time comparison inside the hmac crate; a mismatch is an error, never false.
    if !hmac.verify(message.unwrap_or_default(), tag.as_bytes()) {
        return Err(KmsError::InvalidMac);
    }
    let out = VerifyMacResponse {
        key_id: key.arn.clone(),
        mac_valid: true,
        mac_algorithm: algorithm.as_str().to_owned(),
    };
    Ok((out, Batch::default()))
}
