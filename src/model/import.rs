//! Shapes of GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial.

use serde::{Deserialize, Serialize};

use super::*;

shape!(
    /// UpdatePrimaryRegion input.
    UpdatePrimaryRegionRequest { key_id: String, primary_region: String }
);

shape!(
    /// GetParametersForImport input.
    GetParametersForImportRequest { key_id: String, wrapping_algorithm: String, wrapping_key_spec: String }
);

/// GetParametersForImport output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersForImportResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `ImportToken`.
    pub import_token: Blob,
    /// AWS's member `PublicKey`.
    pub public_key: Blob,
    /// AWS's member `ParametersValidTo`.
    pub parameters_valid_to: Timestamp,
}

shape!(
    /// ImportKeyMaterial input.
    ImportKeyMaterialRequest {
        key_id: String,
        import_token: Blob,
        encrypted_key_material: SecretBlob,
        valid_to: Timestamp,
        expiration_model: String,
        import_type: String,
        key_material_description: String,
        key_material_id: String,
    }
);

/// ImportKeyMaterial and DeleteImportedKeyMaterial output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMaterialResponse {
    /// AWS's member `KeyId`.
    pub key_id: String,
    /// AWS's member `KeyMaterialId`.
    pub key_material_id: String,
}

shape!(
    /// DeleteImportedKeyMaterial input.
    DeleteImportedKeyMaterialRequest { key_id: String, key_material_id: String }
);
