//! The one operation table: every operation of AWS KMS by name, and for each one wasm-kms
//! implements, its request and response shapes, the function in `ops` that runs it, its typed
//! API method, and whether it only reads. [`Operation`], [`Request`] and [`Response`] are generated from it.

use serde::{Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::audit::{self};
use crate::codec::{self, Format};
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::store::Store;

use crate::ops::{self, OpCtx, Outcome};

use super::Kms;

/// Every operation of AWS KMS (the botocore model's 54), so that a known operation that wasm-kms
/// does not implement yet is told apart from a misspelt one.
const AWS_OPERATIONS: &[&str] = &[
    "CancelKeyDeletion",
    "ConnectCustomKeyStore",
    "CreateAlias",
    "CreateCustomKeyStore",
    "CreateGrant",
    "CreateKey",
    "Decrypt",
    "DeleteAlias",
    "DeleteCustomKeyStore",
    "DeleteImportedKeyMaterial",
    "DeriveSharedSecret",
    "DescribeCustomKeyStores",
    "DescribeKey",
    "DisableKey",
    "DisableKeyRotation",
    "DisconnectCustomKeyStore",
    "EnableKey",
    "EnableKeyRotation",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GenerateRandom",
    "GetKeyLastUsage",
    "GetKeyPolicy",
    "GetKeyRotationStatus",
    "GetParametersForImport",
    "GetPublicKey",
    "ImportKeyMaterial",
    "ListAliases",
    "ListGrants",
    "ListKeyPolicies",
    "ListKeyRotations",
    "ListKeys",
    "ListResourceTags",
    "ListRetirableGrants",
    "PutKeyPolicy",
    "ReEncrypt",
    "ReplicateKey",
    "RetireGrant",
    "RevokeGrant",
    "RotateKeyOnDemand",
    "ScheduleKeyDeletion",
    "Sign",
    "TagResource",
    "UntagResource",
    "UpdateAlias",
    "UpdateCustomKeyStore",
    "UpdateKeyDescription",
    "UpdatePrimaryRegion",
    "Verify",
    "VerifyMac",
];

macro_rules! operations {
    ($( $op:ident ($req:ty) -> $resp:ty {
        run: $run:ident, api: $api:ident, read_only: $ro:expr, plan: $plan:expr,
        js: $js:literal, $param:ident = $input:literal, $output:literal
    } )*) => {
        /// The operations wasm-kms implements.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation { $( #[doc = stringify!($op)] $op, )* }

        impl Operation {
            /// Every implemented operation.
            pub const ALL: &'static [Operation] = &[ $( Operation::$op, )* ];

            /// AWS's operation name, as in `X-Amz-Target: TrentService.<name>`.
            pub fn name(self) -> &'static str {
                match self { $( Operation::$op => stringify!($op), )* }
            }

            /// Only reads state (CloudTrail's `readOnly`).
            pub fn read_only(self) -> bool {
                match self { $( Operation::$op => $ro, )* }
            }

            /// WebCrypto may work ahead of this operation (key pairs, RSA private-key work):
            /// the binding reads its input for a plan only if this holds.
            pub fn planned(self) -> bool {
                match self { $( Operation::$op => $plan, )* }
            }

            /// The implemented operation with this AWS name, if any (no error is built).
            pub fn find(name: &str) -> Option<Operation> {
                match name { $( stringify!($op) => Some(Operation::$op), )* _ => None }
            }

            /// The JavaScript method's name (`createKey`).
            pub fn js_name(self) -> &'static str {
                match self { $( Operation::$op => $js, )* }
            }

            /// The JavaScript method's TypeScript parameter and return types, as the table
            /// gives them to wasm-bindgen (`CreateKeyRequest`, `Promise<CreateKeyResponse>`).
            pub fn js_types(self) -> (&'static str, &'static str) {
                match self { $( Operation::$op => ($input, $output), )* }
            }

            /// The operation with this AWS name: UnknownOperationException for a name AWS does
            /// not have, UnsupportedOperationException for one wasm-kms does not implement yet.
            pub fn from_name(name: &str) -> Result<Operation> {
                match name {
                    $( stringify!($op) => Ok(Operation::$op), )*
                    other if AWS_OPERATIONS.contains(&other) => Err(KmsError::UnsupportedOperation(
                        Some(format!("wasm-kms does not implement {other} yet.")),
                    )),
                    other => Err(KmsError::UnknownOperation(format!(
                        "Operation {other} is not a KMS operation."
                    ))),
                }
            }
        }

        /// A parsed request of any operation.
        #[derive(Clone, Debug)]
        pub enum Request { $( #[doc = stringify!($op)] $op($req), )* }

        /// The response of any operation.
        #[derive(Clone, Debug)]
        pub enum Response { $( #[doc = stringify!($op)] $op($resp), )* }

        impl Request {
            /// Which operation this is.
            pub fn operation(&self) -> Operation {
                match self { $( Request::$op(_) => Operation::$op, )* }
            }

            /// Parses `op`'s input from any serde format. Call it inside
            /// [`codec::with_format`] to choose how blobs and timestamps are read.
            pub fn parse<'de, D: Deserializer<'de>>(op: Operation, input: D) -> Result<Request> {
                match op {
                    $( Operation::$op => serde_path_to_error::deserialize::<_, $req>(input)
                        .map(Request::$op)
                        .map_err(|e| serialization_error(e.path())), )*
                }
            }

            pub(crate) fn audit_parameters(&self) -> Value {
                let v = codec::with_format(Format::Audit, || match self {
                    $( Request::$op(r) => serde_json::to_value(r), )*
                });
                v.map(audit::sanitize).unwrap_or(Value::Null)
            }
        }

        impl Serialize for Response {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                match self { $( Response::$op(r) => r.serialize(s), )* }
            }
        }

        /// Runs `request` with the call's context through its operation.
        pub(super) fn run(ctx: &mut OpCtx<'_>, request: Request) -> Outcome<Response> {
            match request {
                $( Request::$op(r) => ops::$run(ctx, r).map(|(o, b)| (Response::$op(o), b)), )*
            }
        }

        impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
            $(
                #[doc = concat!("Runs ", stringify!($op), ".")]
                pub fn $api(&mut self, request: $req) -> Result<$resp> {
                    match self.execute(Request::$op(request))? {
                        Response::$op(r) => Ok(r),
                        _ => Err(KmsError::Internal("Mismatched response.".to_owned())),
                    }
                }
            )*
        }
    };
}

/// THE operation table, the one place an implemented operation is listed. Each row: AWS's
/// name, the request and response shapes, the function in `crate::ops` that runs it (given the
/// call's [`OpCtx`]), the typed API method,
/// whether it only reads (CloudTrail's `readOnly`), whether WebCrypto may work ahead for it
/// (`plan`), and its JavaScript method: name, parameter kind and TypeScript types. It calls
/// `$callback!` with every row: [`Operation`], [`Request`], [`Response`] and the typed methods
/// are generated here, the JavaScript methods in the binding.
macro_rules! with_operations {
    ($callback:ident) => {
        $callback! {
        CreateKey(CreateKeyRequest) -> KeyMetadataResponse {
            run: create_key, api: create_key, read_only: false, plan: true,
            js: "createKey", unchecked_optional_param_type = "CreateKeyRequest", "Promise<CreateKeyResponse>"
        }
        DescribeKey(DescribeKeyRequest) -> KeyMetadataResponse {
            run: describe_key, api: describe_key, read_only: true, plan: false,
            js: "describeKey", unchecked_param_type = "DescribeKeyRequest", "Promise<DescribeKeyResponse>"
        }
        ListKeys(ListKeysRequest) -> ListKeysResponse {
            run: list_keys, api: list_keys, read_only: true, plan: false,
            js: "listKeys", unchecked_optional_param_type = "ListKeysRequest", "Promise<ListKeysResponse>"
        }
        UpdateKeyDescription(UpdateKeyDescriptionRequest) -> Empty {
            run: update_key_description, api: update_key_description, read_only: false, plan: false,
            js: "updateKeyDescription", unchecked_param_type = "UpdateKeyDescriptionRequest", "Promise<{}>"
        }
        EnableKey(KeyIdRequest) -> Empty {
            run: enable_key, api: enable_key, read_only: false, plan: false,
            js: "enableKey", unchecked_param_type = "EnableKeyRequest", "Promise<{}>"
        }
        DisableKey(KeyIdRequest) -> Empty {
            run: disable_key, api: disable_key, read_only: false, plan: false,
            js: "disableKey", unchecked_param_type = "DisableKeyRequest", "Promise<{}>"
        }
        Encrypt(EncryptRequest) -> EncryptResponse {
            run: encrypt, api: encrypt, read_only: true, plan: false,
            js: "encrypt", unchecked_param_type = "EncryptRequest", "Promise<EncryptResponse>"
        }
        Decrypt(DecryptRequest) -> DecryptResponse {
            run: decrypt, api: decrypt, read_only: true, plan: true,
            js: "decrypt", unchecked_param_type = "DecryptRequest", "Promise<DecryptResponse>"
        }
        ReEncrypt(ReEncryptRequest) -> ReEncryptResponse {
            run: re_encrypt, api: re_encrypt, read_only: true, plan: false,
            js: "reEncrypt", unchecked_param_type = "ReEncryptRequest", "Promise<ReEncryptResponse>"
        }
        GenerateDataKey(GenerateDataKeyRequest) -> GenerateDataKeyResponse {
            run: generate_data_key, api: generate_data_key, read_only: true, plan: false,
            js: "generateDataKey", unchecked_param_type = "GenerateDataKeyRequest", "Promise<GenerateDataKeyResponse>"
        }
        GenerateDataKeyWithoutPlaintext(GenerateDataKeyRequest) -> GenerateDataKeyWithoutPlaintextResponse {
            run: generate_data_key_without_plaintext, api: generate_data_key_without_plaintext, read_only: true, plan: false,
            js: "generateDataKeyWithoutPlaintext", unchecked_param_type = "GenerateDataKeyWithoutPlaintextRequest", "Promise<GenerateDataKeyWithoutPlaintextResponse>"
        }
        GenerateRandom(GenerateRandomRequest) -> GenerateRandomResponse {
            run: generate_random, api: generate_random, read_only: true, plan: false,
            js: "generateRandom", unchecked_param_type = "GenerateRandomRequest", "Promise<GenerateRandomResponse>"
        }
        CreateAlias(AliasRequest) -> Empty {
            run: create_alias, api: create_alias, read_only: false, plan: false,
            js: "createAlias", unchecked_param_type = "CreateAliasRequest", "Promise<{}>"
        }
        UpdateAlias(AliasRequest) -> Empty {
            run: update_alias, api: update_alias, read_only: false, plan: false,
            js: "updateAlias", unchecked_param_type = "UpdateAliasRequest", "Promise<{}>"
        }
        DeleteAlias(DeleteAliasRequest) -> Empty {
            run: delete_alias, api: delete_alias, read_only: false, plan: false,
            js: "deleteAlias", unchecked_param_type = "DeleteAliasRequest", "Promise<{}>"
        }
        ListAliases(ListAliasesRequest) -> ListAliasesResponse {
            run: list_aliases, api: list_aliases, read_only: true, plan: false,
            js: "listAliases", unchecked_optional_param_type = "ListAliasesRequest", "Promise<ListAliasesResponse>"
        }
        TagResource(TagResourceRequest) -> Empty {
            run: tag_resource, api: tag_resource, read_only: false, plan: false,
            js: "tagResource", unchecked_param_type = "TagResourceRequest", "Promise<{}>"
        }
        UntagResource(UntagResourceRequest) -> Empty {
            run: untag_resource, api: untag_resource, read_only: false, plan: false,
            js: "untagResource", unchecked_param_type = "UntagResourceRequest", "Promise<{}>"
        }
        ListResourceTags(ListResourceTagsRequest) -> ListResourceTagsResponse {
            run: list_resource_tags, api: list_resource_tags, read_only: true, plan: false,
            js: "listResourceTags", unchecked_param_type = "ListResourceTagsRequest", "Promise<ListResourceTagsResponse>"
        }
        GetKeyPolicy(GetKeyPolicyRequest) -> GetKeyPolicyResponse {
            run: get_key_policy, api: get_key_policy, read_only: true, plan: false,
            js: "getKeyPolicy", unchecked_param_type = "GetKeyPolicyRequest", "Promise<GetKeyPolicyResponse>"
        }
        PutKeyPolicy(PutKeyPolicyRequest) -> Empty {
            run: put_key_policy, api: put_key_policy, read_only: false, plan: false,
            js: "putKeyPolicy", unchecked_param_type = "PutKeyPolicyRequest", "Promise<{}>"
        }
        ListKeyPolicies(ListKeyPoliciesRequest) -> ListKeyPoliciesResponse {
            run: list_key_policies, api: list_key_policies, read_only: true, plan: false,
            js: "listKeyPolicies", unchecked_param_type = "ListKeyPoliciesRequest", "Promise<ListKeyPoliciesResponse>"
        }
        ScheduleKeyDeletion(ScheduleKeyDeletionRequest) -> ScheduleKeyDeletionResponse {
            run: schedule_key_deletion, api: schedule_key_deletion, read_only: false, plan: false,
            js: "scheduleKeyDeletion", unchecked_param_type = "ScheduleKeyDeletionRequest", "Promise<ScheduleKeyDeletionResponse>"
        }
        CancelKeyDeletion(KeyIdRequest) -> KeyIdResponse {
            run: cancel_key_deletion, api: cancel_key_deletion, read_only: false, plan: false,
            js: "cancelKeyDeletion", unchecked_param_type = "CancelKeyDeletionRequest", "Promise<CancelKeyDeletionResponse>"
        }
        EnableKeyRotation(EnableKeyRotationRequest) -> Empty {
            run: enable_key_rotation, api: enable_key_rotation, read_only: false, plan: false,
            js: "enableKeyRotation", unchecked_param_type = "EnableKeyRotationRequest", "Promise<{}>"
        }
        DisableKeyRotation(KeyIdRequest) -> Empty {
            run: disable_key_rotation, api: disable_key_rotation, read_only: false, plan: false,
            js: "disableKeyRotation", unchecked_param_type = "DisableKeyRotationRequest", "Promise<{}>"
        }
        GetKeyRotationStatus(KeyIdRequest) -> GetKeyRotationStatusResponse {
            run: get_key_rotation_status, api: get_key_rotation_status, read_only: true, plan: false,
            js: "getKeyRotationStatus", unchecked_param_type = "GetKeyRotationStatusRequest", "Promise<GetKeyRotationStatusResponse>"
        }
        RotateKeyOnDemand(KeyIdRequest) -> KeyIdResponse {
            run: rotate_key_on_demand, api: rotate_key_on_demand, read_only: false, plan: false,
            js: "rotateKeyOnDemand", unchecked_param_type = "RotateKeyOnDemandRequest", "Promise<RotateKeyOnDemandResponse>"
        }
        ListKeyRotations(ListKeyRotationsRequest) -> ListKeyRotationsResponse {
            run: list_key_rotations, api: list_key_rotations, read_only: true, plan: false,
            js: "listKeyRotations", unchecked_param_type = "ListKeyRotationsRequest", "Promise<ListKeyRotationsResponse>"
        }
        ReplicateKey(ReplicateKeyRequest) -> ReplicateKeyResponse {
            run: replicate_key, api: replicate_key, read_only: false, plan: false,
            js: "replicateKey", unchecked_param_type = "ReplicateKeyRequest", "Promise<ReplicateKeyResponse>"
        }
        UpdatePrimaryRegion(UpdatePrimaryRegionRequest) -> Empty {
            run: update_primary_region, api: update_primary_region, read_only: false, plan: false,
            js: "updatePrimaryRegion", unchecked_param_type = "UpdatePrimaryRegionRequest", "Promise<{}>"
        }
        GetParametersForImport(GetParametersForImportRequest) -> GetParametersForImportResponse {
            run: get_parameters_for_import, api: get_parameters_for_import, read_only: false, plan: true,
            js: "getParametersForImport", unchecked_param_type = "GetParametersForImportRequest", "Promise<GetParametersForImportResponse>"
        }
        ImportKeyMaterial(ImportKeyMaterialRequest) -> KeyMaterialResponse {
            run: import_key_material, api: import_key_material, read_only: false, plan: false,
            js: "importKeyMaterial", unchecked_param_type = "ImportKeyMaterialRequest", "Promise<ImportKeyMaterialResponse>"
        }
        DeleteImportedKeyMaterial(DeleteImportedKeyMaterialRequest) -> KeyMaterialResponse {
            run: delete_imported_key_material, api: delete_imported_key_material, read_only: false, plan: false,
            js: "deleteImportedKeyMaterial", unchecked_param_type = "DeleteImportedKeyMaterialRequest", "Promise<DeleteImportedKeyMaterialResponse>"
        }
        GenerateMac(GenerateMacRequest) -> GenerateMacResponse {
            run: generate_mac, api: generate_mac, read_only: true, plan: false,
            js: "generateMac", unchecked_param_type = "GenerateMacRequest", "Promise<GenerateMacResponse>"
        }
        VerifyMac(VerifyMacRequest) -> VerifyMacResponse {
            run: verify_mac, api: verify_mac, read_only: true, plan: false,
            js: "verifyMac", unchecked_param_type = "VerifyMacRequest", "Promise<VerifyMacResponse>"
        }
        Sign(SignRequest) -> SignResponse {
            run: sign, api: sign, read_only: true, plan: true,
            js: "sign", unchecked_param_type = "SignRequest", "Promise<SignResponse>"
        }
        Verify(VerifyRequest) -> VerifyResponse {
            run: verify, api: verify, read_only: true, plan: true,
            js: "verify", unchecked_param_type = "VerifyRequest", "Promise<VerifyResponse>"
        }
        GetPublicKey(GetPublicKeyRequest) -> GetPublicKeyResponse {
            run: get_public_key, api: get_public_key, read_only: true, plan: false,
            js: "getPublicKey", unchecked_param_type = "GetPublicKeyRequest", "Promise<GetPublicKeyResponse>"
        }
        GenerateDataKeyPair(GenerateDataKeyPairRequest) -> GenerateDataKeyPairResponse {
            run: generate_data_key_pair, api: generate_data_key_pair, read_only: true, plan: true,
            js: "generateDataKeyPair", unchecked_param_type = "GenerateDataKeyPairRequest", "Promise<GenerateDataKeyPairResponse>"
        }
        GenerateDataKeyPairWithoutPlaintext(GenerateDataKeyPairRequest) -> GenerateDataKeyPairWithoutPlaintextResponse {
            run: generate_data_key_pair_without_plaintext, api: generate_data_key_pair_without_plaintext, read_only: true, plan: true,
            js: "generateDataKeyPairWithoutPlaintext", unchecked_param_type = "GenerateDataKeyPairWithoutPlaintextRequest", "Promise<GenerateDataKeyPairWithoutPlaintextResponse>"
        }
        DeriveSharedSecret(DeriveSharedSecretRequest) -> DeriveSharedSecretResponse {
            run: derive_shared_secret, api: derive_shared_secret, read_only: true, plan: false,
            js: "deriveSharedSecret", unchecked_param_type = "DeriveSharedSecretRequest", "Promise<DeriveSharedSecretResponse>"
        }
        CreateGrant(CreateGrantRequest) -> CreateGrantResponse {
            run: create_grant, api: create_grant, read_only: false, plan: false,
            js: "createGrant", unchecked_param_type = "CreateGrantRequest", "Promise<CreateGrantResponse>"
        }
        ListGrants(ListGrantsRequest) -> ListGrantsResponse {
            run: list_grants, api: list_grants, read_only: true, plan: false,
            js: "listGrants", unchecked_param_type = "ListGrantsRequest", "Promise<ListGrantsResponse>"
        }
        ListRetirableGrants(ListRetirableGrantsRequest) -> ListGrantsResponse {
            run: list_retirable_grants, api: list_retirable_grants, read_only: true, plan: false,
            js: "listRetirableGrants", unchecked_param_type = "ListRetirableGrantsRequest", "Promise<ListRetirableGrantsResponse>"
        }
        RetireGrant(RetireGrantRequest) -> Empty {
            run: retire_grant, api: retire_grant, read_only: false, plan: false,
            js: "retireGrant", unchecked_param_type = "RetireGrantRequest", "Promise<{}>"
        }
        RevokeGrant(RevokeGrantRequest) -> Empty {
            run: revoke_grant, api: revoke_grant, read_only: false, plan: false,
            js: "revokeGrant", unchecked_param_type = "RevokeGrantRequest", "Promise<{}>"
        }
        }
    };
}
#[cfg(target_arch = "wasm32")]
pub(crate) use with_operations;

with_operations!(operations);

/// A member that serde could not read, as AWS's SerializationException. The message names the
/// member but never repeats serde's text, which can quote the value sent (perhaps a secret in
/// the wrong member) and names Rust types.
fn serialization_error(path: &serde_path_to_error::Path) -> KmsError {
    let path = path.to_string();
    KmsError::Serialization(if path == "." {
        "The request body is not a valid request for this operation.".to_owned()
    } else {
        format!("The value of member {path} is not of the type the operation expects.")
    })
}

/// The error for a request body that is not a JSON object (serde would otherwise read an array
/// positionally into a request).
pub fn not_an_object() -> KmsError {
    KmsError::Serialization(
        "The request body is not a valid request for this operation.".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TypeScript declarations are written by hand: every type the operation table names
    /// must be declared there, and every implemented operation must be one of AWS's.
    #[test]
    fn the_table_agrees_with_aws_and_the_typescript_declarations() {
        let declarations = include_str!("../wasm/types.d.ts");
        let declared = |name: &str| {
            name == "{}"
                || declarations.contains(&format!("interface {name} "))
                || declarations.contains(&format!("type {name} "))
        };
        for op in Operation::ALL {
            let name = op.name();
            assert!(
                AWS_OPERATIONS.contains(&name),
                "{name} is not an AWS operation"
            );
            assert_eq!(Operation::find(name), Some(*op));
            let mut first = name.chars();
            let camel: String = first
                .next()
                .map(|c| c.to_ascii_lowercase())
                .into_iter()
                .chain(first)
                .collect();
            assert_eq!(op.js_name(), camel, "{name}'s JavaScript method");
            let (input, output) = op.js_types();
            assert!(
                declared(input),
                "{name}: {input} is not declared in types.d.ts"
            );
            let inner = output
                .strip_prefix("Promise<")
                .and_then(|o| o.strip_suffix('>'))
                .unwrap_or_else(|| panic!("{name}: {output} is not a Promise"));
            assert!(
                declared(inner),
                "{name}: {inner} is not declared in types.d.ts"
            );
        }
        assert_eq!(Operation::find("Nope"), None);
    }
}
