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
}

/// Whether `rule` allows a key in `state`, and AWS's error if not.
pub fn check(rule: StateRule, state: KeyState, key_arn: &str) -> Result<(), KmsError> {
    use KeyState as S;
    use StateRule as R;
    let invalid = |what: &str| Err(KmsError::InvalidState(format!("{key_arn} is {what}.")));
    match (rule, state) {
        (R::Any, _) => Ok(()),
        (R::Crypto, S::Enabled | S::Updating) => Ok(()),
        (R::Crypto, S::Disabled) => Err(KmsError::disabled(key_arn)),
        (R::Crypto | R::Manage | R::EnableDisable, S::PendingDeletion) => {
            invalid("pending deletion")
        }
        (R::Crypto | R::EnableDisable, S::PendingImport) => invalid("pending import"),
        (R::Crypto, S::Unavailable) => invalid("unavailable"),
        (R::Crypto, S::Creating) => invalid("being created"),
        (R::Crypto | R::Manage | R::EnableDisable, S::PendingReplicaDeletion) => {
            invalid("pending replica deletion")
        }
        (R::EnableDisable, S::Creating | S::Updating) => invalid("being updated"),
        (R::Manage, S::Enabled | S::Disabled | S::PendingImport | S::Unavailable)
        | (R::Manage, S::Creating | S::Updating)
        | (R::EnableDisable, S::Enabled | S::Disabled | S::Unavailable) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";
    const STATES: [KeyState; 8] = [
        KeyState::Creating,
        KeyState::Enabled,
        KeyState::Disabled,
        KeyState::PendingDeletion,
        KeyState::PendingImport,
        KeyState::PendingReplicaDeletion,
        KeyState::Unavailable,
        KeyState::Updating,
    ];

    /// Walks the whole table against the expectations written out from AWS's key-state table.
    #[test]
    fn the_whole_table() {
        let expect = |rule, state| -> &'static str {
            match (rule, state) {
                (StateRule::Any, _) => "ok",
                (StateRule::Crypto, KeyState::Enabled | KeyState::Updating) => "ok",
                (StateRule::Crypto, KeyState::Disabled) => "DisabledException",
                (StateRule::Crypto, _) => "KMSInvalidStateException",
                (
                    StateRule::Manage,
                    KeyState::PendingDeletion | KeyState::PendingReplicaDeletion,
                ) => "KMSInvalidStateException",
                (StateRule::Manage, _) => "ok",
                (
                    StateRule::EnableDisable,
                    KeyState::Enabled | KeyState::Disabled | KeyState::Unavailable,
                ) => "ok",
                (StateRule::EnableDisable, _) => "KMSInvalidStateException",
            }
        };
        for rule in [
            StateRule::Crypto,
            StateRule::Any,
            StateRule::Manage,
            StateRule::EnableDisable,
        ] {
            for state in STATES {
                let got = match check(rule, state, ARN) {
                    Ok(()) => "ok",
                    Err(e) => e.name(),
                };
                assert_eq!(got, expect(rule, state), "{rule:?} in {state:?}");
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
    }
}
