// Declarations of pkg/errors.mjs: the error classes of wasm-kms.

/** Options of an error class's constructor (as @aws-sdk/client-kms's errors take them). */
export interface KmsServiceExceptionOptions {
  /** AWS's error type; each subclass sets its own. */
  name?: string;
  /** AWS's text; empty where AWS sends none (InvalidCiphertextException, for example). */
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * The base class of every error wasm-kms throws, like the SDK's `KMSServiceException`: `name` is
 * AWS's error type, `$fault` is `"client"` (HTTP 400, never worth retrying) or `"server"` (500).
 */
export declare class KmsServiceException extends Error {
  constructor(options?: KmsServiceExceptionOptions);
  readonly name: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode?: number };
  /** AWS's `__type`, the same as `name` (set on the errors wasm-kms throws). */
  readonly __type?: string;
}

/** Options of a subclass's constructor: its name and fault are its own. */
export type KmsExceptionOptions = Omit<KmsServiceExceptionOptions, 'name' | '$fault'>;

// What wasm-kms throws.
export declare class AccessDeniedException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'AccessDeniedException'; readonly $fault: 'client'; }
export declare class AlreadyExistsException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'AlreadyExistsException'; readonly $fault: 'client'; }
export declare class ConflictException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'ConflictException'; readonly $fault: 'client'; }
export declare class CustomKeyStoreNotFoundException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'CustomKeyStoreNotFoundException'; readonly $fault: 'client'; }
export declare class DisabledException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'DisabledException'; readonly $fault: 'client'; }
export declare class DryRunOperationException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'DryRunOperationException'; readonly $fault: 'client'; }
export declare class ExpiredImportTokenException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'ExpiredImportTokenException'; readonly $fault: 'client'; }
export declare class IncorrectKeyException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'IncorrectKeyException'; readonly $fault: 'client'; }
export declare class IncorrectKeyMaterialException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'IncorrectKeyMaterialException'; readonly $fault: 'client'; }
export declare class InvalidAliasNameException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidAliasNameException'; readonly $fault: 'client'; }
export declare class InvalidArnException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidArnException'; readonly $fault: 'client'; }
export declare class InvalidCiphertextException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidCiphertextException'; readonly $fault: 'client'; }
export declare class InvalidGrantIdException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidGrantIdException'; readonly $fault: 'client'; }
export declare class InvalidGrantTokenException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidGrantTokenException'; readonly $fault: 'client'; }
export declare class InvalidImportTokenException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidImportTokenException'; readonly $fault: 'client'; }
export declare class InvalidKeyUsageException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidKeyUsageException'; readonly $fault: 'client'; }
export declare class InvalidMarkerException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'InvalidMarkerException'; readonly $fault: 'client'; }
export declare class KMSInternalException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'KMSInternalException'; readonly $fault: 'server'; }
export declare class KMSInvalidMacException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'KMSInvalidMacException'; readonly $fault: 'client'; }
export declare class KMSInvalidSignatureException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'KMSInvalidSignatureException'; readonly $fault: 'client'; }
export declare class KMSInvalidStateException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'KMSInvalidStateException'; readonly $fault: 'client'; }
export declare class LimitExceededException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'LimitExceededException'; readonly $fault: 'client'; }
export declare class MalformedPolicyDocumentException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'MalformedPolicyDocumentException'; readonly $fault: 'client'; }
export declare class NotFoundException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'NotFoundException'; readonly $fault: 'client'; }
export declare class SerializationException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'SerializationException'; readonly $fault: 'client'; }
export declare class TagException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'TagException'; readonly $fault: 'client'; }
export declare class ExpiredTokenException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'ExpiredTokenException'; readonly $fault: 'client'; }
export declare class UnrecognizedClientException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'UnrecognizedClientException'; readonly $fault: 'client'; }
export declare class UnknownOperationException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'UnknownOperationException'; readonly $fault: 'client'; }
export declare class UnsupportedOperationException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'UnsupportedOperationException'; readonly $fault: 'client'; }
export declare class ValidationException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'ValidationException'; readonly $fault: 'client'; }

// What AWS KMS can also throw and wasm-kms never does: here so that code written for AWS can name them.
export declare class DependencyTimeoutException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'DependencyTimeoutException'; readonly $fault: 'server'; }
export declare class KeyUnavailableException extends KmsServiceException { constructor(options?: KmsExceptionOptions); readonly name: 'KeyUnavailableException'; readonly $fault: 'server'; }

/** The name of every error class above. */
export type KmsErrorName = 'AccessDeniedException' | 'AlreadyExistsException' | 'ConflictException' | 'CustomKeyStoreNotFoundException' | 'DisabledException' | 'DryRunOperationException' | 'ExpiredImportTokenException' | 'IncorrectKeyException' | 'IncorrectKeyMaterialException' | 'InvalidAliasNameException' | 'InvalidArnException' | 'InvalidCiphertextException' | 'InvalidGrantIdException' | 'InvalidGrantTokenException' | 'InvalidImportTokenException' | 'InvalidKeyUsageException' | 'InvalidMarkerException' | 'KMSInternalException' | 'KMSInvalidMacException' | 'KMSInvalidSignatureException' | 'KMSInvalidStateException' | 'LimitExceededException' | 'MalformedPolicyDocumentException' | 'NotFoundException' | 'SerializationException' | 'TagException' | 'ExpiredTokenException' | 'UnknownOperationException' | 'UnrecognizedClientException' | 'UnsupportedOperationException' | 'ValidationException' | 'DependencyTimeoutException' | 'KeyUnavailableException';
