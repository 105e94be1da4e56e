//! Shapes of Sign, Verify, GetPublicKey, GenerateDataKeyPair*, DeriveSharedSecret.

use serde::{Deserialize, Serialize};

use super::*;

shape!(
    /// Sign input.
    SignRequest {
        key_id: String,
        message: SecretBlob,
        message_type: String,
        grant_tokens: Vec<String>,
        signing_algorithm: String,
        dry_run: bool,
    }
);

/// Sign output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `Signature`.
    pub signature: Blob,
    /// AWS's member `SigningAlgorithm`.
    pub signing_algorithm: String,
}

shape!(
    /// Verify input.
    VerifyRequest {
        key_id: String,
        message: SecretBlob,
        message_type: String,
        signature: Blob,
        signing_algorithm: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
    }
);

/// Verify output. `SignatureValid` is always true: a bad signature is KMSInvalidSignatureException.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `SignatureValid`.
    pub signature_valid: bool,
    /// AWS's member `SigningAlgorithm`.
    pub signing_algorithm: String,
}

shape!(
    /// GetPublicKey input.
    GetPublicKeyRequest { key_id: String, grant_tokens: Vec<String> }
);

/// GetPublicKey output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPublicKeyResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `CustomerMasterKeySpec`.
    pub customer_master_key_spec: String,
    /// AWS's member `KeySpec`.
    pub key_spec: String,
    /// AWS's member `KeyUsage`.
    pub key_usage: String,
    /// AWS's member `EncryptionAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithms: Option<Vec<String>>,
    /// AWS's member `SigningAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithms: Option<Vec<String>>,
    /// AWS's member `KeyAgreementAlgorithms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithms: Option<Vec<String>>,
}

shape!(
    /// GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext input.
    GenerateDataKeyPairRequest {
        encryption_context: EncryptionContext,
        key_id: String,
        key_pair_spec: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
        recipient: Unsupported,
    }
);

/// GenerateDataKeyPair output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairResponse {
    /// AWS's member `PrivateKeyCiphertextBlob`.
    pub private_key_ciphertext_blob: Blob,
    /// AWS's member `PrivateKeyPlaintext`.
    pub private_key_plaintext: SecretBlob,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyPairSpec`.
    pub key_pair_spec: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

/// GenerateDataKeyPairWithoutPlaintext output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairWithoutPlaintextResponse {
    /// AWS's member `PrivateKeyCiphertextBlob`.
    pub private_key_ciphertext_blob: Blob,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyPairSpec`.
    pub key_pair_spec: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

shape!(
    /// DeriveSharedSecret input.
    DeriveSharedSecretRequest {
        key_id: String,
        key_agreement_algorithm: String,
        public_key: Blob,
        grant_tokens: Vec<String>,
        dry_run: bool,
        recipient: Unsupported,
    }
);

/// DeriveSharedSecret output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeriveSharedSecretResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `SharedSecret`.
    pub shared_secret: SecretBlob,
    /// AWS's member `KeyAgreementAlgorithm`.
    pub key_agreement_algorithm: String,
    /// AWS's member `KeyOrigin`.
    pub key_origin: String,
}
