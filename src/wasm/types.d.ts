/** Options of `new Kms(options)`. */
export interface KmsOptions {
  /** The Region every key lives in. Default `us-east-1`. */
  region?: string;
  /** The 12-digit account. Default `111122223333`. */
  account?: string;
  /** `aws`, `aws-cn` or `aws-us-gov`. Default `aws`. */
  partition?: string;
  /** The caller's ARN. Default: the account's root, `arn:aws:iam::<account>:root`. */
  principal?: string;
  /**
   * Let WebCrypto do RSA key generation, RSA signing (RAW messages) and RSA-OAEP decryption,
   * which it does many times faster than WebAssembly, without blocking the page. Default true;
   * `false` keeps every operation in Rust (results are the same; it is slower).
   */
  webCrypto?: boolean;
  /**
   * How long a new grant takes to take effect for calls that do not give its token, in whole
   * seconds of the KMS's clock (AWS: up to about 5 minutes). Default 0: at once. Kept in the store.
   */
  grantPropagationSeconds?: number;
}

/**
 * Options of `Kms.open(options)`: those of `new Kms`, and where the store is.
 *
 * - In Node (20.16 or later), `dataDir`: a data directory on disk. The store is sealed at rest
 *   under a store key, which rests wrapped by a key derived from `passphrase` (or the
 *   `WASM_KMS_PASSPHRASE` environment variable), or else by a random key kept in the file
 *   `root.key` (mode 0600) in the data directory.
 * - In browsers, `indexedDb` (default `"default"`): the IndexedDB database `wasm-kms:<name>`. The
 *   store key rests wrapped by a non-extractable WebCrypto key kept in the same database.
 */
export interface KmsOpenOptions extends KmsOptions {
  /** Node: the data directory, created (mode 0700) if it does not exist; one process at a time may open it. */
  dataDir?: string;
  /**
   * Protects the store with this passphrase (PBKDF2-HMAC-SHA256, 600,000 iterations) instead of a
   * `root.key` file (Node) or the browser's non-extractable `CryptoKey` (IndexedDB). A store made
   * with a passphrase must always be opened with it; one made without, always without.
   */
  passphrase?: string;
  /** Browsers: the name of the IndexedDB store (1 to 128 characters). */
  indexedDb?: string;
}

/** A selection of audit events; every given member must hold. Times are ISO 8601. */
export interface AuditQuery {
  /** A key ID or key ARN. */
  key?: string;
  /** The operation (`Encrypt`, `CreateKey`, ...). */
  eventName?: string;
  /** The caller's ARN or principal ID. */
  principal?: string;
  /** Earliest `eventTime`, inclusive (`2026-11-27T10:34:09Z`). */
  start?: string;
  /** `eventTime` before which events match (exclusive). */
  end?: string;
  /** At most this many events. */
  limit?: number;
}

/** One thing `verifyAudit` found wrong with the stored trail. */
export interface AuditProblem {
  kind: "edited" | "removed" | "inserted" | "reordered" | "digestInvalid" | "digestMissing";
  /** The event's sequence number (the first of a removed run). */
  seq?: number | null;
  /** The last sequence number of a removed run. */
  endSeq?: number | null;
  eventId?: string | null;
  index?: number | null;
  detail: string;
}

/** What `verifyAudit` found: valid when `problems` is empty. */
export interface AuditVerification {
  eventsChecked: number;
  digestsChecked: number;
  anchoredThrough?: number | null;
  problems: AuditProblem[];
}

/** What `seed` did. */
export interface SeedReport {
  CreatedKeys: string[];
  ExistingKeys: string[];
  CreatedAliases: string[];
  /** IAM users, roles and policies created (ARNs), and access keys (IDs); absent when none. */
  CreatedIdentities?: string[];
  /** IAM users, roles and policies that were there already; absent when none. */
  ExistingIdentities?: string[];
}

/**
 * What every rejected call throws: an `Error` shaped like the AWS SDK for JavaScript v3's. Loaded
 * through the npm package's entries, it is also an instance of the error class of its name
 * (`NotFoundException`, ..., all extending `KmsServiceException`: see the package's errors.d.ts).
 */
export interface KmsServiceError extends Error {
  /** AWS's error type, for example `NotFoundException`. */
  name: string;
  $fault: "client" | "server";
  $metadata: { httpStatusCode: number };
  __type: string;
}

export type EncryptionContextType = Record<string, string>;
export type KeySpec =
  | "SYMMETRIC_DEFAULT" | "RSA_2048" | "RSA_3072" | "RSA_4096"
  | "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521" | "ECC_SECG_P256K1" | "ECC_NIST_EDWARDS25519"
  | "HMAC_224" | "HMAC_256" | "HMAC_384" | "HMAC_512" | "SM2" | "ML_DSA_44" | "ML_DSA_65" | "ML_DSA_87";
/** Deprecated in requests (use KeySpec); in responses it always equals KeySpec. */
export type CustomerMasterKeySpec = Exclude<KeySpec, "ECC_NIST_EDWARDS25519" | "ML_DSA_44" | "ML_DSA_65" | "ML_DSA_87">;
export type KeyUsageType = "ENCRYPT_DECRYPT" | "SIGN_VERIFY" | "GENERATE_VERIFY_MAC" | "KEY_AGREEMENT";
export type OriginType = "AWS_KMS" | "EXTERNAL" | "AWS_CLOUDHSM" | "EXTERNAL_KEY_STORE";
export type ExpirationModelType = "KEY_MATERIAL_EXPIRES" | "KEY_MATERIAL_DOES_NOT_EXPIRE";
export interface Tag { TagKey: string; TagValue: string; }
export type KeyState = "Creating" | "Enabled" | "Disabled" | "PendingDeletion" | "PendingImport" | "PendingReplicaDeletion" | "Unavailable" | "Updating";

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: KeyUsageType;
  KeyState: KeyState;
  DeletionDate?: Date;
  Origin: OriginType;
  KeyManager: "AWS" | "CUSTOMER";
  /** Deprecated: always equals KeySpec. */
  CustomerMasterKeySpec: KeySpec;
  KeySpec: KeySpec;
  /** ENCRYPT_DECRYPT keys only. */
  EncryptionAlgorithms?: EncryptionAlgorithmSpec[];
  /** SIGN_VERIFY keys only. */
  SigningAlgorithms?: SigningAlgorithmSpec[];
  /** KEY_AGREEMENT keys only. */
  KeyAgreementAlgorithms?: "ECDH"[];
  /** HMAC keys only. */
  MacAlgorithms?: MacAlgorithmSpec[];
  MultiRegion: boolean;
  /** Multi-Region keys only. */
  MultiRegionConfiguration?: MultiRegionConfiguration;
  /** While PendingReplicaDeletion: the waiting period that starts when the last replica is gone. */
  PendingDeletionWindowInDays?: number;
  CurrentKeyMaterialId?: string;
  /** Keys with imported material, while it is imported. */
  ExpirationModel?: ExpirationModelType;
  ValidTo?: Date;
}
export interface MultiRegionKey { Arn: string; Region: string; }
export interface MultiRegionConfiguration {
  MultiRegionKeyType: "PRIMARY" | "REPLICA";
  PrimaryKey: MultiRegionKey;
  ReplicaKeys: MultiRegionKey[];
}

export interface CreateKeyRequest {
  Policy?: string;
  Description?: string;
  /** Required for every KeySpec but SYMMETRIC_DEFAULT (the default). */
  KeyUsage?: KeyUsageType;
  /** Deprecated: use KeySpec. */
  CustomerMasterKeySpec?: CustomerMasterKeySpec;
  /** Default SYMMETRIC_DEFAULT. wasm-kms refuses SM2 and ML_DSA_* (not implemented). */
  KeySpec?: KeySpec;
  /** AWS_KMS (default) or EXTERNAL; wasm-kms has no custom key stores. */
  Origin?: OriginType;
  CustomKeyStoreId?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Tags?: Tag[];
  MultiRegion?: boolean;
  XksKeyId?: string;
}
export interface CreateKeyResponse { KeyMetadata: KeyMetadata; }
export interface DescribeKeyRequest { KeyId: string; GrantTokens?: string[]; }
export interface DescribeKeyResponse { KeyMetadata: KeyMetadata; }
export interface ListKeysRequest { Limit?: number; Marker?: string; }
export interface KeyListEntry { KeyId: string; KeyArn: string; }
export interface ListKeysResponse { Keys: KeyListEntry[]; NextMarker?: string; Truncated: boolean; }
export interface UpdateKeyDescriptionRequest { KeyId: string; Description: string; }
export interface EnableKeyRequest { KeyId: string; }
export interface DisableKeyRequest { KeyId: string; }

export interface EncryptRequest {
  KeyId: string;
  /** 1 to 4096 bytes. A string is taken as UTF-8 text, as the AWS SDK does. */
  Plaintext: Uint8Array | string;
  EncryptionContext?: EncryptionContextType;
  GrantTokens?: string[];
  EncryptionAlgorithm?: EncryptionAlgorithmSpec;
  DryRun?: boolean;
}
export interface EncryptResponse { CiphertextBlob: Uint8Array; KeyId: string; EncryptionAlgorithm: EncryptionAlgorithmSpec; }
export interface DecryptRequest {
  CiphertextBlob: Uint8Array;
  EncryptionContext?: EncryptionContextType;
  GrantTokens?: string[];
  KeyId?: string;
  EncryptionAlgorithm?: EncryptionAlgorithmSpec;
  DryRun?: boolean;
}
/** `KeyMaterialId` is present only when a symmetric key decrypted. */
export interface DecryptResponse { KeyId: string; Plaintext: Uint8Array; EncryptionAlgorithm: EncryptionAlgorithmSpec; KeyMaterialId?: string; }
export interface ReEncryptRequest {
  CiphertextBlob: Uint8Array;
  SourceEncryptionContext?: EncryptionContextType;
  SourceKeyId?: string;
  DestinationKeyId: string;
  DestinationEncryptionContext?: EncryptionContextType;
  SourceEncryptionAlgorithm?: EncryptionAlgorithmSpec;
  DestinationEncryptionAlgorithm?: EncryptionAlgorithmSpec;
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface ReEncryptResponse {
  CiphertextBlob: Uint8Array;
  SourceKeyId: string;
  KeyId: string;
  SourceEncryptionAlgorithm: EncryptionAlgorithmSpec;
  DestinationEncryptionAlgorithm: EncryptionAlgorithmSpec;
  /** Present when the source key is symmetric. */
  SourceKeyMaterialId?: string;
  /** Present when the destination key is symmetric. */
  DestinationKeyMaterialId?: string;
}
export interface GenerateDataKeyRequest {
  KeyId: string;
  EncryptionContext?: EncryptionContextType;
  /** 1 to 1024; give this or KeySpec, not both. */
  NumberOfBytes?: number;
  KeySpec?: "AES_256" | "AES_128";
  GrantTokens?: string[];
  DryRun?: boolean;
}
export interface GenerateDataKeyResponse { CiphertextBlob: Uint8Array; Plaintext: Uint8Array; KeyId: string; KeyMaterialId: string; }
export type GenerateDataKeyWithoutPlaintextRequest = GenerateDataKeyRequest;
export interface GenerateDataKeyWithoutPlaintextResponse { CiphertextBlob: Uint8Array; KeyId: string; KeyMaterialId: string; }
export interface GenerateRandomRequest { NumberOfBytes: number; CustomKeyStoreId?: string; }
export interface GenerateRandomResponse { Plaintext: Uint8Array; }

export interface CreateAliasRequest { AliasName: string; TargetKeyId: string; }
export interface UpdateAliasRequest { AliasName: string; TargetKeyId: string; }
export interface DeleteAliasRequest { AliasName: string; }
export interface ListAliasesRequest { KeyId?: string; Limit?: number; Marker?: string; }
export interface AliasListEntry { AliasName: string; AliasArn: string; TargetKeyId?: string; CreationDate?: Date; LastUpdatedDate?: Date; }
export interface ListAliasesResponse { Aliases: AliasListEntry[]; NextMarker?: string; Truncated: boolean; }

export interface TagResourceRequest { KeyId: string; Tags: Tag[]; }
export interface UntagResourceRequest { KeyId: string; TagKeys: string[]; }
export interface ListResourceTagsRequest { KeyId: string; Limit?: number; Marker?: string; }
export interface ListResourceTagsResponse { Tags: Tag[]; NextMarker?: string; Truncated: boolean; }
export interface GetKeyPolicyRequest { KeyId: string; PolicyName?: string; }
export interface PutKeyPolicyRequest { KeyId: string; Policy: string; PolicyName?: string; BypassPolicyLockoutSafetyCheck?: boolean; }
export interface GetKeyPolicyResponse { Policy: string; PolicyName: string; }
export interface ListKeyPoliciesRequest { KeyId: string; Limit?: number; Marker?: string; }
export interface ListKeyPoliciesResponse { PolicyNames: string[]; NextMarker?: string; Truncated: boolean; }

/** What a grant may allow (AWS's `GrantOperation`). */
export type GrantOperation =
  | 'Decrypt' | 'Encrypt' | 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext' | 'ReEncryptFrom' | 'ReEncryptTo'
  | 'Sign' | 'Verify' | 'GetPublicKey' | 'CreateGrant' | 'RetireGrant' | 'DescribeKey' | 'GenerateDataKeyPair'
  | 'GenerateDataKeyPairWithoutPlaintext' | 'GenerateMac' | 'VerifyMac' | 'DeriveSharedSecret';
/** At most one of the two: the request's encryption context must equal the pairs, or hold them. */
export interface GrantConstraints { EncryptionContextSubset?: Record<string, string>; EncryptionContextEquals?: Record<string, string>; }
export interface CreateGrantRequest {
  /** A key ID or key ARN (not an alias). */
  KeyId: string;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  Operations: GrantOperation[];
  Constraints?: GrantConstraints;
  GrantTokens?: string[];
  /** With a name, the same request again returns the same grant (and a new token). */
  Name?: string;
  DryRun?: boolean;
}
/** The token makes the grant usable at once by a call that gives it in `GrantTokens`. */
export interface CreateGrantResponse { GrantToken: string; GrantId: string; }
export interface GrantListEntry {
  /** The key ARN. */
  KeyId: string;
  GrantId: string;
  Name?: string;
  CreationDate: Date;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  /** `arn:aws:iam::<account>:root`. */
  IssuingAccount: string;
  Operations: GrantOperation[];
  Constraints?: GrantConstraints;
}
export interface ListGrantsRequest { KeyId: string; GrantId?: string; GranteePrincipal?: string; Limit?: number; Marker?: string; }
export interface ListGrantsResponse { Grants: GrantListEntry[]; NextMarker?: string; Truncated: boolean; }
export interface ListRetirableGrantsRequest { RetiringPrincipal: string; Limit?: number; Marker?: string; }
export interface ListRetirableGrantsResponse { Grants: GrantListEntry[]; NextMarker?: string; Truncated: boolean; }
/** By `GrantToken`, or by `KeyId` and `GrantId`. */
export interface RetireGrantRequest { GrantToken?: string; KeyId?: string; GrantId?: string; DryRun?: boolean; }
export interface RevokeGrantRequest { KeyId: string; GrantId: string; DryRun?: boolean; }

export interface ScheduleKeyDeletionRequest { KeyId: string; /** 7 to 30, default 30. */ PendingWindowInDays?: number; }
/** `DeletionDate` is absent when a multi-Region primary waits for its replicas (PendingReplicaDeletion). */
export interface ScheduleKeyDeletionResponse { KeyId: string; DeletionDate?: Date; KeyState: KeyState; PendingWindowInDays: number; }
export interface CancelKeyDeletionRequest { KeyId: string; }
export interface CancelKeyDeletionResponse { KeyId: string; }
export interface EnableKeyRotationRequest { KeyId: string; /** 90 to 2560, default 365. */ RotationPeriodInDays?: number; }
export interface DisableKeyRotationRequest { KeyId: string; }
export interface GetKeyRotationStatusRequest { KeyId: string; }
export interface GetKeyRotationStatusResponse {
  KeyRotationEnabled: boolean;
  KeyId: string;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
  OnDemandRotationStartDate?: Date;
}
export interface RotateKeyOnDemandRequest { KeyId: string; }
export interface RotateKeyOnDemandResponse { KeyId: string; }
export interface ListKeyRotationsRequest { KeyId: string; IncludeKeyMaterial?: "ALL_KEY_MATERIAL" | "ROTATIONS_ONLY"; Limit?: number; Marker?: string; }
export interface RotationsListEntry {
  KeyId: string;
  KeyMaterialId: string;
  KeyMaterialState: "CURRENT" | "NON_CURRENT";
  RotationDate?: Date;
  RotationType?: "AUTOMATIC" | "ON_DEMAND";
}
export interface ListKeyRotationsResponse { Rotations: RotationsListEntry[]; NextMarker?: string; Truncated: boolean; }

export interface ReplicateKeyRequest {
  KeyId: string;
  ReplicaRegion: string;
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Description?: string;
  Tags?: Tag[];
}
export interface ReplicateKeyResponse { ReplicaKeyMetadata: KeyMetadata; ReplicaPolicy: string; ReplicaTags: Tag[]; }
export interface UpdatePrimaryRegionRequest { KeyId: string; PrimaryRegion: string; }

export interface GetParametersForImportRequest {
  KeyId: string;
  /** RSAES_PKCS1_V1_5 is refused, as AWS has since 2023; SM2PKE is China Regions only. */
  WrappingAlgorithm: "RSAES_PKCS1_V1_5" | "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" | "RSA_AES_KEY_WRAP_SHA_1" | "RSA_AES_KEY_WRAP_SHA_256" | "SM2PKE";
  /** SM2 is China Regions only (refused). */
  WrappingKeySpec: "RSA_2048" | "RSA_3072" | "RSA_4096" | "SM2";
}
export interface GetParametersForImportResponse { KeyId: string; ImportToken: Uint8Array; PublicKey: Uint8Array; ParametersValidTo: Date; }
export interface ImportKeyMaterialRequest {
  KeyId: string;
  ImportToken: Uint8Array;
  EncryptedKeyMaterial: Uint8Array;
  /** Required with KEY_MATERIAL_EXPIRES (the default); in the future, at most 365 days ahead. */
  ValidTo?: Date;
  ExpirationModel?: ExpirationModelType;
  ImportType?: "NEW_KEY_MATERIAL" | "EXISTING_KEY_MATERIAL";
  KeyMaterialDescription?: string;
  KeyMaterialId?: string;
}
export interface ImportKeyMaterialResponse { KeyId: string; KeyMaterialId: string; }
export interface DeleteImportedKeyMaterialRequest { KeyId: string; KeyMaterialId?: string; }
export interface DeleteImportedKeyMaterialResponse { KeyId: string; KeyMaterialId: string; }

export type MacAlgorithmSpec = "HMAC_SHA_224" | "HMAC_SHA_256" | "HMAC_SHA_384" | "HMAC_SHA_512";
export interface GenerateMacRequest { Message: Uint8Array | string; KeyId: string; MacAlgorithm: MacAlgorithmSpec; GrantTokens?: string[]; DryRun?: boolean; }
export interface GenerateMacResponse { Mac: Uint8Array; MacAlgorithm: MacAlgorithmSpec; KeyId: string; }
export interface VerifyMacRequest { Message: Uint8Array | string; KeyId: string; MacAlgorithm: MacAlgorithmSpec; Mac: Uint8Array; GrantTokens?: string[]; DryRun?: boolean; }
/** `MacValid` is always true: a MAC that does not match rejects with KMSInvalidMacException. */
export interface VerifyMacResponse { KeyId: string; MacValid: boolean; MacAlgorithm: MacAlgorithmSpec; }

export type EncryptionAlgorithmSpec = "SYMMETRIC_DEFAULT" | "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" | "SM2PKE";
export type SigningAlgorithmSpec =
  | "RSASSA_PSS_SHA_256" | "RSASSA_PSS_SHA_384" | "RSASSA_PSS_SHA_512"
  | "RSASSA_PKCS1_V1_5_SHA_256" | "RSASSA_PKCS1_V1_5_SHA_384" | "RSASSA_PKCS1_V1_5_SHA_512"
  | "ECDSA_SHA_256" | "ECDSA_SHA_384" | "ECDSA_SHA_512"
  | "SM2DSA" | "ML_DSA_SHAKE_256" | "ED25519_SHA_512" | "ED25519_PH_SHA_512";
export type DataKeyPairSpec =
  | "RSA_2048" | "RSA_3072" | "RSA_4096" | "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521"
  | "ECC_SECG_P256K1" | "SM2" | "ECC_NIST_EDWARDS25519";
/** RAW: KMS hashes `Message`. DIGEST: `Message` is the digest (its length must match the algorithm's hash). */
export type MessageType = "RAW" | "DIGEST" | "EXTERNAL_MU";
export interface SignRequest { KeyId: string; Message: Uint8Array | string; MessageType?: MessageType; GrantTokens?: string[]; SigningAlgorithm: SigningAlgorithmSpec; DryRun?: boolean; }
export interface SignResponse { KeyId: string; Signature: Uint8Array; SigningAlgorithm: SigningAlgorithmSpec; }
export interface VerifyRequest { KeyId: string; Message: Uint8Array | string; MessageType?: MessageType; Signature: Uint8Array; SigningAlgorithm: SigningAlgorithmSpec; GrantTokens?: string[]; DryRun?: boolean; }
/** `SignatureValid` is always true: a signature that does not verify rejects with KMSInvalidSignatureException. */
export interface VerifyResponse { KeyId: string; SignatureValid: boolean; SigningAlgorithm: SigningAlgorithmSpec; }
export interface GetPublicKeyRequest { KeyId: string; GrantTokens?: string[]; }
export interface GetPublicKeyResponse {
  KeyId: string;
  /** DER-encoded SubjectPublicKeyInfo (RFC 5280). */
  PublicKey: Uint8Array;
  /** Deprecated: always equals KeySpec. */
  CustomerMasterKeySpec: KeySpec;
  KeySpec: KeySpec;
  KeyUsage: Exclude<KeyUsageType, "GENERATE_VERIFY_MAC">;
  EncryptionAlgorithms?: EncryptionAlgorithmSpec[];
  SigningAlgorithms?: SigningAlgorithmSpec[];
  KeyAgreementAlgorithms?: "ECDH"[];
}
export interface GenerateDataKeyPairRequest { EncryptionContext?: EncryptionContextType; KeyId: string; KeyPairSpec: DataKeyPairSpec; GrantTokens?: string[]; DryRun?: boolean; }
export interface GenerateDataKeyPairResponse {
  /** The PKCS#8 private key, encrypted under `KeyId` with the encryption context. */
  PrivateKeyCiphertextBlob: Uint8Array;
  /** DER-encoded PKCS#8 PrivateKeyInfo. */
  PrivateKeyPlaintext: Uint8Array;
  /** DER-encoded SubjectPublicKeyInfo. */
  PublicKey: Uint8Array;
  KeyId: string;
  KeyPairSpec: DataKeyPairSpec;
  KeyMaterialId: string;
}
export type GenerateDataKeyPairWithoutPlaintextRequest = GenerateDataKeyPairRequest;
export interface GenerateDataKeyPairWithoutPlaintextResponse { PrivateKeyCiphertextBlob: Uint8Array; PublicKey: Uint8Array; KeyId: string; KeyPairSpec: DataKeyPairSpec; KeyMaterialId: string; }
export interface DeriveSharedSecretRequest { KeyId: string; KeyAgreementAlgorithm: "ECDH"; PublicKey: Uint8Array; GrantTokens?: string[]; DryRun?: boolean; }
/** `SharedSecret` is the raw x-coordinate of the shared point, as OpenSSL derives it. */
export interface DeriveSharedSecretResponse { KeyId: string; SharedSecret: Uint8Array; KeyAgreementAlgorithm: "ECDH"; KeyOrigin: "AWS_KMS" | "EXTERNAL"; }

/** One audit record, in CloudTrail's shape. */
export interface AuditEvent {
  eventVersion: string;
  /** The caller; for what KMS does by itself (`eventType` AwsServiceEvent), `type` is AWSService and `invokedBy` kms.amazonaws.com. */
  userIdentity: { type: string; principalId?: string; arn?: string; accountId: string; invokedBy?: string };
  eventTime: string;
  eventSource: "kms.amazonaws.com";
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  /** For calls, `authorization`: each decision taken, with its effect and reason. For service events, what KMS did (`keyMaterialId`, `pendingWindowInDays`). */
  additionalEventData: {
    authorization?: { effect: "Allow" | "Deny"; action: string; resource: string; reason: string }[];
    keyMaterialId?: string;
    rotationType?: string;
    pendingWindowInDays?: number;
  };
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources: { accountId: string; type: string; ARN: string }[];
  eventType: "AwsApiCall" | "AwsServiceEvent";
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: string;
}

/** Who makes a `sendJson` or `sendQuery` request, and from where (default: the KMS's caller). */
export interface JsonCaller {
  /** For example `eu-west-1`, as in the SigV4 credential scope. */
  region?: string;
  /** Twelve digits. */
  account?: string;
  /** The credential scope's access key ID: 12 digits name that account's root; an IAM user's
   * (`AKIA…`) or a session's (`ASIA…`) key names them; any other is refused. */
  accessKeyId?: string;
  /** `X-Amz-Security-Token`, with a session's access key. */
  securityToken?: string;
  /** The service the request was signed for (`kms`, `iam`, `sts`). */
  service?: string;
  /** `aws:SourceIp`. */
  sourceIp?: string;
  /** `aws:SourceVpce`. */
  sourceVpce?: string;
  /** `aws:SourceVpc`. */
  sourceVpc?: string;
  /** `aws:SecureTransport` (default false). */
  secureTransport?: boolean;
}

/** Who a `kms.as(...)` view calls as, and from where; what is left out stays the view's. */
export interface AsOptions {
  /** A user, role (its calls are a session of it), assumed-role session or root ARN, which
   * the store must hold when a call is made. */
  principal?: string;
  /** Or an access key that names the caller (`sessionToken` with a session's). */
  accessKeyId?: string;
  sessionToken?: string;
  sourceIp?: string;
  sourceVpce?: string;
  sourceVpc?: string;
  secureTransport?: boolean;
}

/** The answer to a `sendQuery` request: the output (AWS's JSON shape, timestamps in epoch
 * seconds) or IAM's or STS's error. */
export type QueryResponse =
  | { status: 200; result: Record<string, unknown> | null }
  | { status: number; error: { code: string; message: string; type: "Sender" | "Receiver" } };

/** The answer to a `sendJson` request, as an AWS JSON 1.1 endpoint sends it. */
export interface JsonResponse {
  /** 200; 400 for a client fault; 500 for a server fault. */
  status: number;
  /** The JSON body (`Content-Type: application/x-amz-json-1.1`). */
  body: string;
  /** The error's `__type`, for the `X-Amzn-ErrorType` header; absent on success. */
  errorType?: string;
}

/** One condition of a statement as evaluated: the request's value of its key (`actual`, absent
 * when the request has none) and whether it held. */
export interface ConditionTrace { operator: string; key: string; values: string[]; actual: string[] | null; holds: boolean }

/** One statement as evaluated: how its principal matched (`direct`, `account`, `no`; null in an
 * identity policy), whether its action and resource matched, its conditions, and whether it
 * applies. */
export interface StatementTrace {
  index: number; sid: string | null; effect: "Allow" | "Deny";
  principal: "direct" | "account" | "no" | null; action: boolean; resource: boolean;
  conditions: ConditionTrace[]; applies: boolean;
}

/** A policy considered: the key policy (`default`) or an identity policy by name or ARN. */
export interface PolicyTrace { layer: "keyPolicy" | "identity" | "grant"; name: string; statements: StatementTrace[] }

/** A grant considered, and why it did not apply if it did not. */
export interface GrantTrace { grantId: string; name: string | null; grantee: string; applies: boolean; whyNot?: string }

/** One authorization decision: the rule that decided and the deciding statement or grant. */
export interface Decision {
  effect: "Allow" | "Deny"; action: string; resource: string;
  rule: "keyPolicy" | "keyPolicyAndIdentity" | "identity" | "root" | "grant" | "explicitDenyInKeyPolicy"
    | "explicitDenyInIdentityPolicy" | "noResourcePolicy" | "noIdentityPolicy" | "notCrossAccount" | "reservedAlias";
  deciding?: { layer: "keyPolicy" | "identity" | "grant"; name: string; statement?: number; sid?: string };
}

/** A decision with everything considered. */
export interface Explanation {
  decision: Decision; principal: string; message?: string; reason: string;
  policies: PolicyTrace[]; grants: GrantTrace[];
}

/** What `kms.explain(operation, input)` says a call would come to, and why. */
export interface ExplainReport {
  operation: string; principal: string; allowed: boolean; decisions: Explanation[];
  error?: { name: string; message?: string };
}
