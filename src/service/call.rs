//! One call while it runs ([`Call`]: who asks, what was decided, what it touched), and what the
//! operations share to reach keys, entropy and the one authorization point.

use crate::access::{self, Action, AuthzRequest, Caller, Decision, Effect};
use crate::codec::Timestamp;
use crate::domain::ids::{self, Aliases, KeyId, KeyRef, Scope};
use crate::domain::state::{self, StateRule};
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::store::{KeyManager, KeyRecord, Store};

use super::Kms;

/// The state of one call while it runs: who asks, what was decided, what it touched.
pub(crate) struct Call {
    pub(crate) now: Timestamp,
    pub(crate) caller: Caller,
    pub(super) decisions: Vec<Decision>,
    pub(super) resources: Vec<String>,
}

impl Call {
    pub(crate) fn new(now: Timestamp, caller: &Caller) -> Self {
        Call {
            now,
            caller: caller.clone(),
            decisions: Vec::new(),
            resources: Vec::new(),
        }
    }

    /// The Region, account and partition the call is made in.
    pub(crate) fn scope(&self) -> &Scope {
        &self.caller.scope
    }

    /// The caller's Region.
    pub(crate) fn region(&self) -> &str {
        &self.caller.scope.region
    }

    /// The caller's account.
    pub(crate) fn account(&self) -> &str {
        &self.caller.scope.account
    }
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Fills a fresh array with random bytes.
    pub(crate) fn random<const N: usize>(&self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        self.entropy.borrow_mut().fill(&mut out)?;
        Ok(out)
    }

    /// The entropy source itself, for code that takes an RNG (RSA key generation, blinding).
    pub(crate) fn entropy(&self) -> std::cell::RefMut<'_, E> {
        self.entropy.borrow_mut()
    }

    /// Fills `buf` with random bytes in place (for secrets: no copy is left behind).
    pub(crate) fn fill_random(&self, buf: &mut [u8]) -> Result<()> {
        self.entropy.borrow_mut().fill(buf)
    }

    /// A fresh vector of random bytes.
    pub(crate) fn random_vec(&self, n: usize) -> Result<Vec<u8>> {
        let mut out = vec![0u8; n];
        self.entropy.borrow_mut().fill(&mut out)?;
        Ok(out)
    }

    pub(super) fn uuid(&self) -> Result<String> {
        Ok(KeyId::new_regional(self.random()?).as_str().to_owned())
    }

    /// The one authorization point: records the decision and refuses a denial.
    pub(crate) fn authorize(
        &self,
        call: &mut Call,
        action: Action,
        resource: &str,
        resource_account: &str,
        manager: &KeyManager,
    ) -> Result<()> {
        let principal = &call.caller.principal;
        let decision = access::authorize(&AuthzRequest {
            principal: &principal.arn,
            principal_account: &principal.account,
            action,
            resource,
            resource_account,
            via_service: call.caller.via_service.as_deref(),
            aws_managed_by: match manager {
                KeyManager::Aws { service } => Some(service),
                KeyManager::Customer => None,
            },
        });
        let denied =
            (decision.effect == Effect::Deny).then(|| decision.denial_message(&principal.arn));
        call.decisions.push(decision);
        match denied {
            Some(message) => Err(KmsError::AccessDenied(message)),
            None => Ok(()),
        }
    }

    /// Resolves a `KeyId` argument to a key, with AWS's NotFound texts.
    pub(crate) fn find_key(
        &self,
        call: &Call,
        key_id: Option<&str>,
        member: &str,
        aliases: Aliases,
    ) -> Result<&KeyRecord> {
        let input = key_id.ok_or_else(|| KmsError::missing(member))?;
        let scope = call.scope();
        let id = match ids::parse_key_ref(input, member, scope, aliases)? {
            KeyRef::Key(id) => id,
            KeyRef::Alias(alias) => {
                let record = self
                    .store
                    .alias(&scope.account, &scope.region, &alias)
                    .ok_or_else(|| {
                        KmsError::NotFound(format!(
                            "Alias {} is not found.",
                            scope.alias_arn(&alias)
                        ))
                    })?;
                record.target.clone()
            }
        };
        // A bare key ID or an alias names a key of the caller's own account: another
        // account's key is found only by its ARN (and the ARN of another account's key is
        // refused above), so it is not there for this caller.
        self.store
            .key(&scope.region, &id)
            .filter(|k| k.account == scope.account)
            .ok_or_else(|| {
                KmsError::NotFound(format!("Key '{}' does not exist", scope.key_arn(&id)))
            })
    }

    /// Records that the call touches `key`, asks whether the caller may perform `action` on it,
    /// and checks that its state allows `rule`.
    pub(crate) fn admit(
        &self,
        call: &mut Call,
        key: &KeyRecord,
        action: Action,
        rule: StateRule,
    ) -> Result<()> {
        if !call.resources.contains(&key.arn) {
            call.resources.push(key.arn.clone());
        }
        self.authorize(call, action, &key.arn, &key.account, &key.manager)?;
        state::check(rule, key.state, &key.arn)
    }

    /// Resolves a key, asks whether the caller may perform `action` on it, and checks that its
    /// state allows `rule`: the check order AWS uses after validation.
    pub(crate) fn use_key(
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        member: &str,
        aliases: Aliases,
        action: Action,
        rule: StateRule,
    ) -> Result<&KeyRecord> {
        let key = self.find_key(call, key_id, member, aliases)?;
        self.admit(call, key, action, rule)?;
        Ok(key)
    }

    /// How every cryptographic operation finds its key, after checking its own members:
    /// GrantTokens, then the key `KeyId` names (a key ID, key ARN, alias name or alias ARN),
    /// which the caller may use for `action` in a state that allows cryptography.
    pub(crate) fn crypto_key(
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        grant_tokens: Option<&Vec<String>>,
        action: Action,
    ) -> Result<&KeyRecord> {
        crate::validate::grant_tokens(grant_tokens)?;
        self.use_key(
            call,
            key_id,
            "keyId",
            Aliases::Accepted,
            action,
            StateRule::Crypto,
        )
    }

    /// [`Kms::use_key`] for the common case: a `KeyId` member that takes a key ID or key ARN only.
    pub(crate) fn key_by_id(
        &self,
        call: &mut Call,
        key_id: Option<&str>,
        action: Action,
        rule: StateRule,
    ) -> Result<&KeyRecord> {
        self.use_key(call, key_id, "keyId", Aliases::Refused, action, rule)
    }

    /// Authorizes an action that names no key (CreateKey, ListKeys, GenerateRandom…).
    pub(crate) fn authorize_account(&self, call: &mut Call, action: Action) -> Result<()> {
        let account = call.scope().account.clone();
        self.authorize(call, action, "*", &account, &KeyManager::Customer)
    }
}
