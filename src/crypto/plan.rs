//! What a faster engine (WebCrypto) could do before a call runs, read from the call's input: the
//! one decision, whatever the input came as (JavaScript values or an AWS JSON 1.1 body). Only the
//! operations the operation table marks `plan` are looked at; anything a plan gets wrong is
//! harmless, because the core uses an offered result only if it matches exactly (see
//! [`super::offload`]).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::crypto::asym::{AsymSpec, OaepHash, SigningAlgorithm};
use crate::domain::spec::{MessageType, Origin};
use crate::service::Operation;

/// The longest message a plan reads (Sign's and Verify's limit).
const MAX_MESSAGE: usize = 4096;
/// The longest signature or RSA ciphertext a plan reads.
const MAX_SIGNATURE: usize = 6144;

/// Private-key work WebCrypto can do ahead of a call. Its `Debug` names the kind only: a
/// message to sign is the caller's data.
pub enum Plan {
    /// A fresh key pair of an RSA spec.
    KeyPair(AsymSpec),
    /// A signature of a RAW message.
    Sign {
        /// The `KeyId` member as given.
        key_ref: String,
        /// The signing algorithm.
        algorithm: SigningAlgorithm,
        /// The message.
        message: Zeroizing<Vec<u8>>,
    },
    /// A signature check of a RAW message.
    Verify {
        /// The `KeyId` member as given.
        key_ref: String,
        /// The signing algorithm.
        algorithm: SigningAlgorithm,
        /// The message.
        message: Zeroizing<Vec<u8>>,
        /// The signature to check.
        signature: Vec<u8>,
    },
    /// An RSAES-OAEP decryption.
    Decrypt {
        /// The `KeyId` member as given.
        key_ref: String,
        /// The OAEP hash.
        hash: OaepHash,
        /// The ciphertext.
        ciphertext: Vec<u8>,
    },
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Plan::KeyPair(_) => "Plan::KeyPair",
            Plan::Sign { .. } => "Plan::Sign",
            Plan::Verify { .. } => "Plan::Verify",
            Plan::Decrypt { .. } => "Plan::Decrypt",
        })
    }
}

/// The members of a request that a plan reads, wherever the request came from.
pub trait PlanInput {
    /// A string member.
    fn string(&self, member: &str) -> Option<String>;
    /// A blob member, if it is no longer than `max` bytes (a longer one is refused by the core,
    /// so no engine is asked about it).
    fn bytes(&self, member: &str, max: usize) -> Option<Zeroizing<Vec<u8>>>;
}

/// The members of an AWS JSON 1.1 request body: strings, and blobs as base64.
impl PlanInput for Map<String, Value> {
    fn string(&self, member: &str) -> Option<String> {
        self.get(member)?.as_str().map(str::to_owned)
    }

    fn bytes(&self, member: &str, max: usize) -> Option<Zeroizing<Vec<u8>>> {
        let text = self.get(member)?.as_str()?;
        // Base64 of `max` bytes is at most this long: skip decoding anything longer.
        if text.len() > max.div_ceil(3) * 4 {
            return None;
        }
        let bytes = Zeroizing::new(B64.decode(text).ok()?);
        (bytes.len() <= max).then_some(bytes)
    }
}

/// What WebCrypto could do before `operation` runs with `input`, if anything.
pub fn plan(operation: Operation, input: &dyn PlanInput) -> Option<Plan> {
    if !operation.planned() {
        return None;
    }
    let rsa = |s: Option<String>| {
        s.and_then(|s| AsymSpec::parse(&s))
            .filter(|s| s.rsa_bits().is_some())
    };
    let raw = || {
        input
            .string("MessageType")
            .is_none_or(|t| MessageType::parse(&t) == Some(MessageType::Raw))
    };
    match operation {
        Operation::CreateKey
            if input.string("Origin").and_then(|o| Origin::parse(&o)) != Some(Origin::External) =>
        {
            rsa(input
                .string("KeySpec")
                .or_else(|| input.string("CustomerMasterKeySpec")))
            .map(Plan::KeyPair)
        }
        Operation::GenerateDataKeyPair | Operation::GenerateDataKeyPairWithoutPlaintext => {
            rsa(input.string("KeyPairSpec")).map(Plan::KeyPair)
        }
        Operation::GetParametersForImport => {
            rsa(input.string("WrappingKeySpec")).map(Plan::KeyPair)
        }
        Operation::Sign if raw() => Some(Plan::Sign {
            key_ref: input.string("KeyId")?,
            algorithm: SigningAlgorithm::parse(&input.string("SigningAlgorithm")?)?,
            message: input.bytes("Message", MAX_MESSAGE)?,
        }),
        Operation::Verify if raw() => Some(Plan::Verify {
            key_ref: input.string("KeyId")?,
            algorithm: SigningAlgorithm::parse(&input.string("SigningAlgorithm")?)?,
            message: input.bytes("Message", MAX_MESSAGE)?,
            signature: input.bytes("Signature", MAX_SIGNATURE)?.to_vec(),
        }),
        Operation::Decrypt => Some(Plan::Decrypt {
            key_ref: input.string("KeyId")?,
            hash: OaepHash::parse(&input.string("EncryptionAlgorithm")?)?,
            ciphertext: input.bytes("CiphertextBlob", MAX_SIGNATURE)?.to_vec(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn members(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn plans_rsa_key_pairs_and_raw_private_key_work_only() {
        let create = members(json!({ "KeySpec": "RSA_2048" }));
        assert!(matches!(
            plan(Operation::CreateKey, &create),
            Some(Plan::KeyPair(_))
        ));
        let external = members(json!({ "KeySpec": "RSA_2048", "Origin": "EXTERNAL" }));
        assert!(plan(Operation::CreateKey, &external).is_none());
        let ecc = members(json!({ "KeySpec": "ECC_NIST_P256" }));
        assert!(plan(Operation::CreateKey, &ecc).is_none());
        let sign = members(json!({
            "KeyId": "alias/k", "SigningAlgorithm": "RSASSA_PSS_SHA_256", "Message": "aGk="
        }));
        match plan(Operation::Sign, &sign) {
            Some(Plan::Sign {
                key_ref, message, ..
            }) => {
                assert_eq!(key_ref, "alias/k");
                assert_eq!(message.as_slice(), b"hi");
            }
            other => panic!("{other:?}"),
        }
        let digest = members(json!({
            "KeyId": "alias/k", "SigningAlgorithm": "RSASSA_PSS_SHA_256", "Message": "aGk=",
            "MessageType": "DIGEST"
        }));
        assert!(plan(Operation::Sign, &digest).is_none());
        // Encrypt's input (its plaintext) is never read for a plan.
        assert!(plan(Operation::Encrypt, &sign).is_none());
    }

    #[test]
    fn oversized_or_malformed_blobs_make_no_plan() {
        let long = B64.encode(vec![0u8; MAX_MESSAGE + 1]);
        let sign = members(json!({
            "KeyId": "k", "SigningAlgorithm": "RSASSA_PSS_SHA_256", "Message": long
        }));
        assert!(plan(Operation::Sign, &sign).is_none());
        let bad = members(json!({
            "KeyId": "k", "SigningAlgorithm": "RSASSA_PSS_SHA_256", "Message": "not base64!"
        }));
        assert!(plan(Operation::Sign, &bad).is_none());
    }
}
