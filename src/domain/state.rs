//! Key states, and the one table that says which operation each state allows.

use crate::error::KmsError;

/// AWS's key states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    /// Being created (replicas).
    Creating,
    /// Usable.
    Enabled,
    /// Kept but not usable for cryptography.
    Disabled,
    /// Scheduled for deletion.
    PendingDeletion,
    /// Waiting for imported material.
    PendingImport,
    /// A multi-Region primary waiting for its replicas to be deleted.
    PendingReplicaDeletion,
    /// In a disconnected custom key store.
    Unavailable,
    /// Changing its primary Region.
    Updating,
}

impl KeyState {
    /// Every state.
    pub const ALL: [KeyState; 8] = [
        KeyState::Creating,
        KeyState::Enabled,
        KeyState::Disabled,
        KeyState::PendingDeletion,
        KeyState::PendingImport,
        KeyState::PendingReplicaDeletion,
        KeyState::Unavailable,
        KeyState::Updating,
    ];

    /// The state AWS names `name`.
    pub fn parse(name: &str) -> Option<KeyState> {
        KeyState::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Creating => "Creating",
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
            KeyState::PendingImport => "PendingImport",
            KeyState::PendingReplicaDeletion => "PendingReplicaDeletion",
            KeyState::Unavailable => "Unavailable",
            KeyState::Updating => "Updating",
        }
    }
}

/// The groups of operations that the key-state table distinguishes (AWS's key-state table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateRule {
    /// Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, and the other cryptographic operations.
    Crypto,
    /// DescribeKey, GetKeyPolicy, the List operations, DeleteAlias: allowed in every state.
    Any,
    /// UpdateKeyDescription, TagResource, UntagResource, CreateAlias and UpdateAlias targets.
    Manage,
    /// EnableKey and DisableKey.
    EnableDisable,
    /// ScheduleKeyDeletion.
    ScheduleDeletion,
    /// CancelKeyDeletion.
    CancelDeletion,
    /// EnableKeyRotation and DisableKeyRotation.
    RotationConfig,
    /// GetKeyRotationStatus and ListKeyRotations.
    RotationStatus,
    /// RotateKeyOnDemand.
    RotateOnDemand,
    /// ReplicateKey and UpdatePrimaryRegion.
    MultiRegion,
    /// GetParametersForImport and ImportKeyMaterial.
    Import,
    /// DeleteImportedKeyMaterial.
    DeleteImport,
}

/// Whether `rule` allows a key in `state`, and AWS's error if not.
pub fn check(rule: StateRule, state: KeyState, key_arn: &str) -> Result<(), KmsError> {
    use KeyState as S;
    use StateRule as R;
    let invalid = |what: &str| Err(KmsError::InvalidState(format!("{key_arn} is {what}.")));
    let unsupported = |why: String| Err(KmsError::UnsupportedOperation(Some(why)));
    let external = || {
        unsupported(format!(
            "{key_arn} origin is EXTERNAL which is not valid for this operation."
        ))
    };
    let custom_store = || {
        unsupported(format!(
            "{key_arn} is unavailable: its custom key store is disconnected."
        ))
    };
    match (rule, state) {
        (R::Any, _) => Ok(()),
        (R::Import | R::DeleteImport, S::Unavailable) => custom_store(),
        (R::DeleteImport, S::Creating) => invalid("being created"),
        (R::DeleteImport, _) => Ok(()),
        (R::Import, S::Creating) => invalid("being created"),
        (R::Import, S::Enabled | S::Disabled | S::PendingImport | S::Updating) => Ok(()),
        (R::CancelDeletion, S::PendingDeletion | S::PendingReplicaDeletion) => Ok(()),
        (R::CancelDeletion, _) => invalid("not pending deletion"),
        (R::RotationStatus, S::PendingImport) => external(),
        (R::RotationStatus | R::RotationConfig | R::RotateOnDemand, S::Unavailable) => {
            custom_store()
        }
        (R::RotationStatus, _) => Ok(()),
        (R::RotationConfig, S::PendingImport) => external(),
        (R::Crypto | R::RotationConfig | R::RotateOnDemand, S::Disabled) => {
            Err(KmsError::disabled(key_arn))
        }
        (_, S::PendingDeletion) => invalid("pending deletion"),
        (_, S::PendingReplicaDeletion) => invalid("pending replica deletion"),
        (R::Crypto | R::EnableDisable | R::RotateOnDemand, S::PendingImport) => {
            invalid("pending import")
        }
        (R::Crypto | R::MultiRegion, S::Unavailable) => invalid("unavailable"),
        (R::MultiRegion, S::Disabled) => Err(KmsError::disabled(key_arn)),
        (R::MultiRegion, S::Creating) => invalid("being created"),
        (R::MultiRegion, S::Updating) => invalid("being updated"),
        (R::MultiRegion, S::Enabled | S::PendingImport) => Ok(()),
        (R::Crypto | R::RotationConfig | R::RotateOnDemand, S::Creating) => {
            invalid("being created")
        }
        (R::EnableDisable, S::Creating | S::Updating) => invalid("being updated"),
        (R::Crypto | R::RotationConfig | R::RotateOnDemand, S::Enabled | S::Updating)
        | (R::Manage | R::ScheduleDeletion, _)
        | (R::EnableDisable, S::Enabled | S::Disabled | S::Unavailable) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";
    const STATES: [KeyState; 8] = KeyState::ALL;

    const RULES: [StateRule; 12] = [
        StateRule::Import,
        StateRule::DeleteImport,
        StateRule::MultiRegion,
        StateRule::Crypto,
        StateRule::Any,
        StateRule::Manage,
        StateRule::EnableDisable,
        StateRule::ScheduleDeletion,
        StateRule::CancelDeletion,
        StateRule::RotationConfig,
        StateRule::RotationStatus,
        StateRule::RotateOnDemand,
    ];

    /// AWS's key-state table (shared/reference/aws-kms.md section 6.2), written out row by row
    /// in the columns of `STATES`: ok, Dis (DisabledException), Inv (KMSInvalidStateException),
    /// Uns (UnsupportedOperationException).
    fn expected(rule: StateRule) -> [&'static str; 8] {
        // Creating, Enabled, Disabled, PendingDeletion, PendingImport, PendingReplicaDeletion,
        // Unavailable, Updating
        match rule {
            StateRule::Crypto => ["Inv", "ok", "Dis", "Inv", "Inv", "Inv", "Inv", "ok"],
            StateRule::Any => ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
            StateRule::Manage => ["ok", "ok", "ok", "Inv", "ok", "Inv", "ok", "ok"],
            StateRule::EnableDisable => ["Inv", "ok", "ok", "Inv", "Inv", "Inv", "ok", "Inv"],
            StateRule::ScheduleDeletion => ["ok", "ok", "ok", "Inv", "ok", "Inv", "ok", "ok"],
            StateRule::CancelDeletion => ["Inv", "Inv", "Inv", "ok", "Inv", "ok", "Inv", "Inv"],
            StateRule::RotationConfig => ["Inv", "ok", "Dis", "Inv", "Uns", "Inv", "Uns", "ok"],
            StateRule::RotationStatus => ["ok", "ok", "ok", "ok", "Uns", "ok", "Uns", "ok"],
            StateRule::RotateOnDemand => ["Inv", "ok", "Dis", "Inv", "Inv", "Inv", "Uns", "ok"],
            StateRule::MultiRegion => ["Inv", "ok", "Dis", "Inv", "ok", "Inv", "Inv", "Inv"],
            StateRule::Import => ["Inv", "ok", "ok", "Inv", "ok", "Inv", "Uns", "ok"],
            StateRule::DeleteImport => ["Inv", "ok", "ok", "ok", "ok", "ok", "Uns", "ok"],
        }
    }

    /// Walks the whole table: every rule in every state.
    #[test]
    fn the_whole_table() {
        for rule in RULES {
            for (state, want) in STATES.into_iter().zip(expected(rule)) {
                let got = match check(rule, state, ARN) {
                    Ok(()) => "ok",
                    Err(KmsError::Disabled(_)) => "Dis",
                    Err(KmsError::InvalidState(_)) => "Inv",
                    Err(KmsError::UnsupportedOperation(_)) => "Uns",
                    Err(other) => other.name(),
                };
                assert_eq!(got, want, "{rule:?} in {state:?}");
            }
        }
    }

    #[test]
    fn messages_are_aws_texts() {
        assert_eq!(
            check(StateRule::Crypto, KeyState::Disabled, ARN),
            Err(KmsError::Disabled(format!("{ARN} is disabled.")))
        );
        assert_eq!(
            check(StateRule::Crypto, KeyState::PendingImport, ARN),
            Err(KmsError::InvalidState(format!("{ARN} is pending import.")))
        );
        assert_eq!(
            check(StateRule::ScheduleDeletion, KeyState::PendingDeletion, ARN),
            Err(KmsError::InvalidState(format!(
                "{ARN} is pending deletion."
            )))
        );
        assert_eq!(
            check(StateRule::CancelDeletion, KeyState::Enabled, ARN),
            Err(KmsError::InvalidState(format!(
                "{ARN} is not pending deletion."
            )))
        );
        assert_eq!(
            check(StateRule::RotationConfig, KeyState::PendingImport, ARN),
            Err(KmsError::UnsupportedOperation(Some(format!(
                "{ARN} origin is EXTERNAL which is not valid for this operation."
            ))))
        );
    }
}
