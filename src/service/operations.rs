//! The one operation table: every operation of AWS KMS by name, and for each one wasm-kms
//! implements, its request and response shapes, the method that runs it, its typed API method,
//! and whether it only reads. [`Operation`], [`Request`] and [`Response`] are generated from it.

use serde::{Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::audit::{self};
use crate::codec::{self, Format};
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::store::Store;

use super::{Call, Kms, Outcome};

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
    ($( $op:ident ($req:ty) -> $resp:ty { run: $run:ident, api: $api:ident, read_only: $ro:expr } )*) => {
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

        impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
            pub(super) fn run(&self, call: &mut Call, request: Request) -> Outcome<Response> {
                match request {
                    $( Request::$op(r) => self.$run(call, r).map(|(o, b)| (Response::$op(o), b)), )*
                }
            }

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

operations! {
    CreateKey(CreateKeyRequest) -> KeyMetadataResponse { run: op_create_key, api: create_key, read_only: false }
    DescribeKey(DescribeKeyRequest) -> KeyMetadataResponse { run: op_describe_key, api: describe_key, read_only: true }
    ListKeys(ListKeysRequest) -> ListKeysResponse { run: op_list_keys, api: list_keys, read_only: true }
    UpdateKeyDescription(UpdateKeyDescriptionRequest) -> Empty { run: op_update_key_description, api: update_key_description, read_only: false }
    EnableKey(KeyIdRequest) -> Empty { run: op_enable_key, api: enable_key, read_only: false }
    DisableKey(KeyIdRequest) -> Empty { run: op_disable_key, api: disable_key, read_only: false }
    Encrypt(EncryptRequest) -> EncryptResponse { run: op_encrypt, api: encrypt, read_only: true }
    Decrypt(DecryptRequest) -> DecryptResponse { run: op_decrypt, api: decrypt, read_only: true }
    ReEncrypt(ReEncryptRequest) -> ReEncryptResponse { run: op_re_encrypt, api: re_encrypt, read_only: true }
    GenerateDataKey(GenerateDataKeyRequest) -> GenerateDataKeyResponse { run: op_generate_data_key, api: generate_data_key, read_only: true }
    GenerateDataKeyWithoutPlaintext(GenerateDataKeyRequest) -> GenerateDataKeyWithoutPlaintextResponse { run: op_generate_data_key_without_plaintext, api: generate_data_key_without_plaintext, read_only: true }
    GenerateRandom(GenerateRandomRequest) -> GenerateRandomResponse { run: op_generate_random, api: generate_random, read_only: true }
    CreateAlias(AliasRequest) -> Empty { run: op_create_alias, api: create_alias, read_only: false }
    UpdateAlias(AliasRequest) -> Empty { run: op_update_alias, api: update_alias, read_only: false }
    DeleteAlias(DeleteAliasRequest) -> Empty { run: op_delete_alias, api: delete_alias, read_only: false }
    ListAliases(ListAliasesRequest) -> ListAliasesResponse { run: op_list_aliases, api: list_aliases, read_only: true }
    TagResource(TagResourceRequest) -> Empty { run: op_tag_resource, api: tag_resource, read_only: false }
    UntagResource(UntagResourceRequest) -> Empty { run: op_untag_resource, api: untag_resource, read_only: false }
    ListResourceTags(ListResourceTagsRequest) -> ListResourceTagsResponse { run: op_list_resource_tags, api: list_resource_tags, read_only: true }
    GetKeyPolicy(GetKeyPolicyRequest) -> GetKeyPolicyResponse { run: op_get_key_policy, api: get_key_policy, read_only: true }
    ListKeyPolicies(ListKeyPoliciesRequest) -> ListKeyPoliciesResponse { run: op_list_key_policies, api: list_key_policies, read_only: true }
    ScheduleKeyDeletion(ScheduleKeyDeletionRequest) -> ScheduleKeyDeletionResponse { run: op_schedule_key_deletion, api: schedule_key_deletion, read_only: false }
    CancelKeyDeletion(KeyIdRequest) -> KeyIdResponse { run: op_cancel_key_deletion, api: cancel_key_deletion, read_only: false }
    EnableKeyRotation(EnableKeyRotationRequest) -> Empty { run: op_enable_key_rotation, api: enable_key_rotation, read_only: false }
    DisableKeyRotation(KeyIdRequest) -> Empty { run: op_disable_key_rotation, api: disable_key_rotation, read_only: false }
    GetKeyRotationStatus(KeyIdRequest) -> GetKeyRotationStatusResponse { run: op_get_key_rotation_status, api: get_key_rotation_status, read_only: true }
    RotateKeyOnDemand(KeyIdRequest) -> KeyIdResponse { run: op_rotate_key_on_demand, api: rotate_key_on_demand, read_only: false }
    ListKeyRotations(ListKeyRotationsRequest) -> ListKeyRotationsResponse { run: op_list_key_rotations, api: list_key_rotations, read_only: true }
    ReplicateKey(ReplicateKeyRequest) -> ReplicateKeyResponse { run: op_replicate_key, api: replicate_key, read_only: false }
    UpdatePrimaryRegion(UpdatePrimaryRegionRequest) -> Empty { run: op_update_primary_region, api: update_primary_region, read_only: false }
    GetParametersForImport(GetParametersForImportRequest) -> GetParametersForImportResponse { run: op_get_parameters_for_import, api: get_parameters_for_import, read_only: false }
    ImportKeyMaterial(ImportKeyMaterialRequest) -> KeyMaterialResponse { run: op_import_key_material, api: import_key_material, read_only: false }
    DeleteImportedKeyMaterial(DeleteImportedKeyMaterialRequest) -> KeyMaterialResponse { run: op_delete_imported_key_material, api: delete_imported_key_material, read_only: false }
    GenerateMac(GenerateMacRequest) -> GenerateMacResponse { run: op_generate_mac, api: generate_mac, read_only: true }
    VerifyMac(VerifyMacRequest) -> VerifyMacResponse { run: op_verify_mac, api: verify_mac, read_only: true }
    Sign(SignRequest) -> SignResponse { run: op_sign, api: sign, read_only: true }
    Verify(VerifyRequest) -> VerifyResponse { run: op_verify, api: verify, read_only: true }
    GetPublicKey(GetPublicKeyRequest) -> GetPublicKeyResponse { run: op_get_public_key, api: get_public_key, read_only: true }
    GenerateDataKeyPair(GenerateDataKeyPairRequest) -> GenerateDataKeyPairResponse { run: op_generate_data_key_pair, api: generate_data_key_pair, read_only: true }
    GenerateDataKeyPairWithoutPlaintext(GenerateDataKeyPairRequest) -> GenerateDataKeyPairWithoutPlaintextResponse { run: op_generate_data_key_pair_without_plaintext, api: generate_data_key_pair_without_plaintext, read_only: true }
    DeriveSharedSecret(DeriveSharedSecretRequest) -> DeriveSharedSecretResponse { run: op_derive_shared_secret, api: derive_shared_secret, read_only: true }
}

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
