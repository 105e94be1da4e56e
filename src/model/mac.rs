//! Shapes of GenerateMac, VerifyMac.

use serde::{Deserialize, Serialize};

use super::*;

shape!(
    /// GenerateMac input.
    GenerateMacRequest {
        message: SecretBlob,
        key_id: String,
        mac_algorithm: String,
        grant_tokens: Vec<String>,
        dry_run: bool,
    }
);

/// GenerateMac output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateMacResponse {
    /// AWS's member `Mac`.
    pub mac: Blob,
    /// AWS's member `MacAlgorithm`.
    pub mac_algorithm: String,
    /// AWS's member `KeyId`.
    pub key_id: String,
}

shape!(
    /// VerifyMac input.
    VerifyMacRequest {
        message: SecretBlob,
        key_id: String,
        mac_algorithm: String,
        mac: Blob,
        grant_tokens: Vec<String>,
        dry_run: bool,
    }
);

/// VerifyMac output (it never says false: a mismatch is KMSInvalidMacException).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyMacResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `MacValid`.
    pub mac_valid: bool,
    /// AWS's member `MacAlgorithm`.
    pub mac_algorithm: String,
}
