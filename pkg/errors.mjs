// The error classes of wasm-kms: one per AWS KMS error name, each extending KmsServiceException,
// with the members of @aws-sdk/client-kms's errors (`name`, `message`, `$fault`, `$metadata`).
// The package's entries register them with the wasm module (`registerErrorClasses`), so that
// every rejected call is an instance of its class: `err instanceof NotFoundException`.
//
// This is the only implementation: browsers import it, Node's ESM entry imports it and Node's
// CommonJS entry requires it (require of an ES module), so one process has one set of classes.

/** The base class of every error wasm-kms throws, like the SDK's `KMSServiceException`. */
export class KmsServiceException extends Error {
  constructor({ name = 'KmsServiceException', message = '', $fault = 'client', $metadata = {} } = {}) {
    super(message);
    this.name = name;
    this.$fault = $fault;
    this.$metadata = $metadata;
  }
}

/** The class of the AWS error `name`, a client fault unless `$fault` says otherwise. */
function errorClass(name, $fault = 'client') {
  const named = {
    [name]: class extends KmsServiceException {
      constructor(options = {}) {
        super({ ...options, name, $fault });
      }
    },
  };
  return named[name];
}

// What wasm-kms throws (src/error.rs, KmsError::aws_type).
export const AccessDeniedException = errorClass('AccessDeniedException');
export const AlreadyExistsException = errorClass('AlreadyExistsException');
export const ConflictException = errorClass('ConflictException');
export const CustomKeyStoreNotFoundException = errorClass('CustomKeyStoreNotFoundException');
export const DisabledException = errorClass('DisabledException');
export const DryRunOperationException = errorClass('DryRunOperationException');
export const ExpiredImportTokenException = errorClass('ExpiredImportTokenException');
export const IncorrectKeyException = errorClass('IncorrectKeyException');
export const IncorrectKeyMaterialException = errorClass('IncorrectKeyMaterialException');
export const InvalidAliasNameException = errorClass('InvalidAliasNameException');
export const InvalidArnException = errorClass('InvalidArnException');
export const InvalidCiphertextException = errorClass('InvalidCiphertextException');
export const InvalidGrantIdException = errorClass('InvalidGrantIdException');
export const InvalidGrantTokenException = errorClass('InvalidGrantTokenException');
export const InvalidImportTokenException = errorClass('InvalidImportTokenException');
export const InvalidKeyUsageException = errorClass('InvalidKeyUsageException');
export const InvalidMarkerException = errorClass('InvalidMarkerException');
export const KMSInternalException = errorClass('KMSInternalException', 'server');
export const KMSInvalidMacException = errorClass('KMSInvalidMacException');
export const KMSInvalidSignatureException = errorClass('KMSInvalidSignatureException');
export const KMSInvalidStateException = errorClass('KMSInvalidStateException');
export const LimitExceededException = errorClass('LimitExceededException');
export const MalformedPolicyDocumentException = errorClass('MalformedPolicyDocumentException');
export const NotFoundException = errorClass('NotFoundException');
export const SerializationException = errorClass('SerializationException');
export const TagException = errorClass('TagException');
export const ExpiredTokenException = errorClass('ExpiredTokenException');
export const UnknownOperationException = errorClass('UnknownOperationException');
export const UnrecognizedClientException = errorClass('UnrecognizedClientException');
export const UnsupportedOperationException = errorClass('UnsupportedOperationException');
export const ValidationException = errorClass('ValidationException');

// What AWS KMS's encryption and key operations can also throw, and wasm-kms never does: here so
// that code written for AWS can name them.
export const DependencyTimeoutException = errorClass('DependencyTimeoutException', 'server');
export const KeyUnavailableException = errorClass('KeyUnavailableException', 'server');
