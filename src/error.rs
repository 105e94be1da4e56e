//! The one error type of the core, and its one mapping to AWS's wire errors.
//!
//! Every failure an operation can report is a [`KmsError`] variant. [`KmsError::aws_type`] is the
//! single exhaustive `match` that gives each variant its AWS `__type` name and fault, so a new
//! variant without a mapping does not compile. Messages are AWS's recorded texts (see
//! `shared/reference/aws-error-messages.json`); none of them ever contains key material or
//! plaintext.

use std::fmt;

/// Whether AWS classes an error as the caller's fault (HTTP 400) or its own (HTTP 5xx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A deterministic problem with the request: HTTP 400, never retried by SDKs.
    Client,
    /// A transient problem inside KMS: HTTP 500 or 503, retried by SDKs.
    Server,
}

impl Fault {
    /// The `$fault` string of the AWS SDK for JavaScript v3.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Client => "client",
            Fault::Server => "server",
        }
    }
}

/// Every error the KMS core reports.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KmsError {
    /// A request member breaks a constraint (length, range, enum, required, exclusive members).
    Validation(String),
    /// A request member has the wrong JSON type, or the body is not a JSON object.
    Serialization(String),
    /// The named operation does not exist.
    UnknownOperation(String),
    /// The key, alias or other resource does not exist, or a key ID is malformed.
    NotFound(String),
    /// An ARN is syntactically invalid.
    InvalidArn(String),
    /// The key is disabled. Carries the key ARN.
    Disabled(String),
    /// The key's state does not allow the operation.
    InvalidState(String),
    /// The key's usage or spec does not fit the operation or algorithm.
    InvalidKeyUsage(String),
    /// The key named by the caller is not the key that made the ciphertext.
    IncorrectKey,
    /// VerifyMac found that the MAC does not match (AWS sends no message).
    InvalidMac,
    /// Verify found that the signature does not match (AWS sends no message).
    InvalidSignature,
    /// The ciphertext is malformed, tampered with, foreign, or bound to another context.
    /// Deliberately carries nothing: no caller learns which check failed.
    InvalidCiphertext,
    /// An alias (or other named resource) already exists.
    AlreadyExists(String),
    /// An alias name does not satisfy AWS's pattern.
    InvalidAliasName(String),
    /// A quota is reached.
    LimitExceeded(String),
    /// A tag is reserved, duplicated, or there are too many.
    Tag(String),
    /// A paging marker was not issued by this service.
    InvalidMarker(String),
    /// The key policy document is malformed.
    MalformedPolicyDocument(String),
    /// The caller is not allowed to perform the operation. Uses AWS's capital `Message` on the wire.
    AccessDenied(String),
    /// The request's access key or session token is unknown (UnrecognizedClientException).
    UnrecognizedClient,
    /// The request's session has expired (ExpiredTokenException).
    ExpiredToken,
    /// The operation is not valid for this key's type or origin; some AWS cases carry no message.
    UnsupportedOperation(Option<String>),
    /// A DryRun request would have succeeded.
    DryRunOperation,
    /// No custom key store has the given ID.
    CustomKeyStoreNotFound(String),
    /// An import token is not one issued for this key.
    InvalidImportToken(String),
    /// An import token has expired.
    ExpiredImportToken(String),
    /// A grant token is not one this service issued.
    InvalidGrantToken(String),
    /// A grant ID is not well formed.
    InvalidGrantId(String),
    /// Imported material is not the material the key takes.
    IncorrectKeyMaterial(String),
    /// The request conflicts with work in progress (an automatic rotation due within 20 minutes).
    Conflict(String),
    /// Something failed inside the service (for example the system RNG). Retryable.
    Internal(String),
    /// The store could not be read or written: a record is corrupted, truncated or foreign, the
    /// disk failed, or another process holds the store. The text names the record or file.
    Storage(String),
}

/// AWS's recorded text for a DryRun request that would have succeeded.
const DRY_RUN_MESSAGE: &str = "The request would have succeeded, but the DryRun option is set.";

impl KmsError {
    /// The AWS `__type` name and fault class: the one place that maps the core's errors to AWS.
    pub fn aws_type(&self) -> (&'static str, Fault) {
        match self {
            KmsError::Validation(_) => ("ValidationException", Fault::Client),
            KmsError::Serialization(_) => ("SerializationException", Fault::Client),
            KmsError::UnknownOperation(_) => ("UnknownOperationException", Fault::Client),
            KmsError::NotFound(_) => ("NotFoundException", Fault::Client),
            KmsError::InvalidArn(_) => ("InvalidArnException", Fault::Client),
            KmsError::Disabled(_) => ("DisabledException", Fault::Client),
            KmsError::InvalidState(_) => ("KMSInvalidStateException", Fault::Client),
            KmsError::InvalidKeyUsage(_) => ("InvalidKeyUsageException", Fault::Client),
            KmsError::IncorrectKey => ("IncorrectKeyException", Fault::Client),
            KmsError::InvalidCiphertext => ("InvalidCiphertextException", Fault::Client),
            KmsError::InvalidMac => ("KMSInvalidMacException", Fault::Client),
            KmsError::InvalidSignature => ("KMSInvalidSignatureException", Fault::Client),
            KmsError::AlreadyExists(_) => ("AlreadyExistsException", Fault::Client),
            KmsError::InvalidAliasName(_) => ("InvalidAliasNameException", Fault::Client),
            KmsError::LimitExceeded(_) => ("LimitExceededException", Fault::Client),
            KmsError::Tag(_) => ("TagException", Fault::Client),
            KmsError::InvalidMarker(_) => ("InvalidMarkerException", Fault::Client),
            KmsError::MalformedPolicyDocument(_) => {
                ("MalformedPolicyDocumentException", Fault::Client)
            }
            KmsError::AccessDenied(_) => ("AccessDeniedException", Fault::Client),
            KmsError::UnrecognizedClient => ("UnrecognizedClientException", Fault::Client),
            KmsError::ExpiredToken => ("ExpiredTokenException", Fault::Client),
            KmsError::UnsupportedOperation(_) => ("UnsupportedOperationException", Fault::Client),
            KmsError::DryRunOperation => ("DryRunOperationException", Fault::Client),
            KmsError::CustomKeyStoreNotFound(_) => {
                ("CustomKeyStoreNotFoundException", Fault::Client)
            }
            KmsError::Conflict(_) => ("ConflictException", Fault::Client),
            KmsError::InvalidImportToken(_) => ("InvalidImportTokenException", Fault::Client),
            KmsError::ExpiredImportToken(_) => ("ExpiredImportTokenException", Fault::Client),
            KmsError::InvalidGrantToken(_) => ("InvalidGrantTokenException", Fault::Client),
            KmsError::InvalidGrantId(_) => ("InvalidGrantIdException", Fault::Client),
            KmsError::IncorrectKeyMaterial(_) => ("IncorrectKeyMaterialException", Fault::Client),
            KmsError::Internal(_) => ("KMSInternalException", Fault::Server),
            KmsError::Storage(_) => ("KMSInternalException", Fault::Server),
        }
    }

    /// The AWS `__type` name, for example `NotFoundException`.
    pub fn name(&self) -> &'static str {
        self.aws_type().0
    }

    /// The fault class.
    pub fn fault(&self) -> Fault {
        self.aws_type().1
    }

    /// The HTTP status AWS sends: 400 for every client fault, 500 for internal failures.
    pub fn http_status(&self) -> u16 {
        match self.fault() {
            Fault::Client => 400,
            Fault::Server => 500,
        }
    }

    /// The message member, or `None` where AWS sends none (SDKs then show `""`).
    pub fn message(&self) -> Option<&str> {
        match self {
            KmsError::Validation(m)
            | KmsError::Serialization(m)
            | KmsError::UnknownOperation(m)
            | KmsError::NotFound(m)
            | KmsError::InvalidArn(m)
            | KmsError::InvalidState(m)
            | KmsError::InvalidKeyUsage(m)
            | KmsError::AlreadyExists(m)
            | KmsError::InvalidAliasName(m)
            | KmsError::LimitExceeded(m)
            | KmsError::Tag(m)
            | KmsError::InvalidMarker(m)
            | KmsError::MalformedPolicyDocument(m)
            | KmsError::AccessDenied(m)
            | KmsError::CustomKeyStoreNotFound(m)
            | KmsError::Conflict(m)
            | KmsError::InvalidImportToken(m)
            | KmsError::InvalidGrantToken(m)
            | KmsError::InvalidGrantId(m)
            | KmsError::ExpiredImportToken(m)
            | KmsError::IncorrectKeyMaterial(m)
            // An empty text (DeriveSharedSecret's bad public key) is no message at all.
            | KmsError::Internal(m) => Some(m.as_str()).filter(|m| !m.is_empty()),
            KmsError::Storage(m) => Some(m),
            KmsError::Disabled(m) => Some(m),
            KmsError::UnsupportedOperation(m) => m.as_deref(),
            KmsError::IncorrectKey => Some(
                "The key ID in the request does not identify a CMK that can perform this operation.",
            ),
            KmsError::DryRunOperation => Some(DRY_RUN_MESSAGE),
            KmsError::UnrecognizedClient => {
                Some("The security token included in the request is invalid.")
            }
            KmsError::ExpiredToken => Some("The security token included in the request is expired"),
            KmsError::InvalidCiphertext | KmsError::InvalidMac | KmsError::InvalidSignature => None,
        }
    }

    /// The name of the JSON member that carries the message: AWS's front-end errors
    /// (AccessDenied) use `Message`, modelled KMS errors use `message`.
    pub fn message_member(&self) -> &'static str {
        match self {
            KmsError::AccessDenied(_) | KmsError::UnrecognizedClient | KmsError::ExpiredToken => {
                "Message"
            }
            _ => "message",
        }
    }

    /// `DisabledException` for the key with this ARN, with AWS's text.
    pub fn disabled(key_arn: &str) -> Self {
        KmsError::Disabled(format!("{key_arn} is disabled."))
    }

    /// A ValidationException in AWS's `1 validation error detected: …` form.
    ///
    /// `value` is `None` for sensitive members, whose value AWS never echoes.
    pub fn constraint(member_path: &str, value: Option<&str>, constraint: &str) -> Self {
        let value = match value {
            Some(v) => format!("Value '{v}' at"),
            None => "Value at".to_owned(),
        };
        KmsError::Validation(format!(
            "1 validation error detected: {value} '{member_path}' failed to satisfy constraint: {constraint}"
        ))
    }

    /// AWS's generic message for a required member that is missing.
    pub fn missing(member_path: &str) -> Self {
        KmsError::Validation(format!(
            "1 validation error detected: Value null at '{member_path}' failed to satisfy constraint: Member must not be null"
        ))
    }
}

impl fmt::Debug for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages never hold secrets (see the module docs), so Debug shows the wire form.
        write!(f, "{}({:?})", self.name(), self.message().unwrap_or(""))
    }
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(m) if !m.is_empty() => write!(f, "{}: {m}", self.name()),
            _ => f.write_str(self.name()),
        }
    }
}

impl std::error::Error for KmsError {}

/// The result type of the core.
pub type Result<T, E = KmsError> = std::result::Result<T, E>;
