//! What an operation may touch ([`OpCtx`]): the store as it stands before the call, the call's
//! facts ([`Call`]: its time, its caller, the decisions and resources recorded for its audit
//! event), entropy, and results a faster engine offered. The service builds one per call;
//! operations reach the store, entropy and the offload only through it, and return their writes
//! as one batch ([`Outcome`]).

use crate::access::{self, Action, AuthzRequest, Caller, Decision, Effect};
use crate::codec::Timestamp;
use crate::crypto::asym::{AsymKey, AsymSpec};
use crate::crypto::offload::Offload;
use crate::domain::ids::{self, Aliases, KeyRef, Scope};
use crate::domain::state::{self, StateRule};
use crate::env::Entropy;
use crate::error::{KmsError, Result};
use crate::store::{Batch, KeyManager, KeyRecord, Store};

/// What an operation returns: its output and the writes to commit.
pub(crate) type Outcome<T> = Result<(T, Batch)>;

/// The state of one call while it runs: who asks, what was decided, what it touched.
pub(crate) struct Call {
    pub(crate) now: Timestamp,
    pub(crate) caller: Caller,
    pub(crate) decisions: Vec<Decision>,
    pub(crate) resources: Vec<String>,
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

    /// The one authorization point: records the decision and refuses a denial.
    pub(crate) fn authorize(
        &mut self,
        action: Action,
        resource: &str,
        resource_account: &str,
        manager: &KeyManager,
    ) -> Result<()> {
        let principal = &self.caller.principal;
        let decision = access::authorize(&AuthzRequest {
            principal: &principal.arn,
            principal_account: &principal.account,
            action,
            resource,
            resource_account,
            via_service: self.caller.via_service.as_deref(),
            aws_managed_by: match manager {
                KeyManager::Aws { service } => Some(service),
                KeyManager::Customer => None,
            },
        });
        let denied =
            (decision.effect == Effect::Deny).then(|| decision.denial_message(&principal.arn));
        self.decisions.push(decision);
        match denied {
            Some(message) => Err(KmsError::AccessDenied(message)),
            None => Ok(()),
        }
    }

    /// Records that the call touches `key`, asks whether the caller may perform `action` on it,
    /// and checks that its state allows `rule`.
    pub(crate) fn admit(&mut self, key: &KeyRecord, action: Action, rule: StateRule) -> Result<()> {
        if !self.resources.contains(&key.arn) {
            self.resources.push(key.arn.clone());
        }
        self.authorize(action, &key.arn, &key.account, &key.manager)?;
        state::check(rule, key.state, &key.arn)
    }
}

/// Resolves a `KeyId` argument to a key of `scope`'s Region in `store`, with AWS's NotFound
/// texts.
pub(crate) fn find_key<'s>(
    store: &'s dyn Store,
    scope: &Scope,
    key_id: Option<&str>,
    member: &str,
    aliases: Aliases,
) -> Result<&'s KeyRecord> {
    let input = key_id.ok_or_else(|| KmsError::missing(member))?;
    let id = match ids::parse_key_ref(input, member, scope, aliases)? {
        KeyRef::Key(id) => id,
        KeyRef::Alias(alias) => {
            let record = store
                .alias(&scope.account, &scope.region, &alias)
                .ok_or_else(|| {
                    KmsError::NotFound(format!("Alias {} is not found.", scope.alias_arn(&alias)))
                })?;
            record.target.clone()
        }
    };
    // A bare key ID or an alias names a key of the caller's own account: another account's key
    // is found only by its ARN (and the ARN of another account's key is refused above), so it
    // is not there for this caller.
    store
        .key(&scope.region, &id)
        .filter(|k| k.account == scope.account)
        .ok_or_else(|| KmsError::NotFound(format!("Key '{}' does not exist", scope.key_arn(&id))))
}

/// What one operation may touch while it runs.
pub(crate) struct OpCtx<'a> {
    /// The store as it stands before the call (writes go into the returned batch).
    pub(super) store: &'a dyn Store,
    entropy: &'a mut dyn Entropy,
    offload: &'a mut Offload,
    call: &'a mut Call,
}

impl<'a> OpCtx<'a> {
    /// The context of `call`, reading `store`.
    pub(crate) fn new(
        store: &'a dyn Store,
        entropy: &'a mut dyn Entropy,
        offload: &'a mut Offload,
        call: &'a mut Call,
    ) -> Self {
        OpCtx {
            store,
            entropy,
            offload,
            call,
        }
    }

    /// When the call is made.
    pub(crate) fn now(&self) -> Timestamp {
        self.call.now
    }

    /// The Region, account and partition the call is made in.
    pub(crate) fn scope(&self) -> &Scope {
        self.call.scope()
    }

    /// The caller's Region.
    pub(crate) fn region(&self) -> &str {
        &self.call.caller.scope.region
    }

    /// The caller's account.
    pub(crate) fn account(&self) -> &str {
        &self.call.caller.scope.account
    }

    /// Fills a fresh array with random bytes.
    pub(crate) fn random<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        self.entropy.fill(&mut out)?;
        Ok(out)
    }

    /// The entropy source itself, for code that takes an RNG (RSA key generation, blinding).
    pub(crate) fn entropy(&mut self) -> &mut dyn Entropy {
        &mut *self.entropy
    }

    /// Fills `buf` with random bytes in place (for secrets: no copy is left behind).
    pub(crate) fn fill_random(&mut self, buf: &mut [u8]) -> Result<()> {
        self.entropy.fill(buf)
    }

    /// A fresh vector of random bytes.
    pub(crate) fn random_vec(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut out = vec![0u8; n];
        self.entropy.fill(&mut out)?;
        Ok(out)
    }

    /// Results a faster engine offered for this call (see [`crate::crypto::offload`]).
    pub(crate) fn offload(&mut self) -> &mut Offload {
        &mut *self.offload
    }

    /// A new key pair of `spec`: one a faster engine offered, else one generated here.
    pub(crate) fn new_key_pair(&mut self, spec: AsymSpec) -> Result<AsymKey> {
        if let Some(key) = self.offload.take_key_pair(spec) {
            return Ok(key);
        }
        AsymKey::generate(spec, &mut *self.entropy)
    }

    /// The one authorization point: records the decision and refuses a denial.
    pub(crate) fn authorize(
        &mut self,
        action: Action,
        resource: &str,
        resource_account: &str,
        manager: &KeyManager,
    ) -> Result<()> {
        self.call
            .authorize(action, resource, resource_account, manager)
    }

    /// Resolves a `KeyId` argument to a key, with AWS's NotFound texts.
    pub(crate) fn find_key(
        &self,
        key_id: Option<&str>,
        member: &str,
        aliases: Aliases,
    ) -> Result<&'a KeyRecord> {
        find_key(self.store, self.call.scope(), key_id, member, aliases)
    }

    /// Records that the call touches `key`, asks whether the caller may perform `action` on it,
    /// and checks that its state allows `rule`.
    pub(crate) fn admit(&mut self, key: &KeyRecord, action: Action, rule: StateRule) -> Result<()> {
        self.call.admit(key, action, rule)
    }

    /// Resolves a key, asks whether the caller may perform `action` on it, and checks that its
    /// state allows `rule`: the check order AWS uses after validation.
    pub(crate) fn use_key(
        &mut self,
        key_id: Option<&str>,
        member: &str,
        aliases: Aliases,
        action: Action,
        rule: StateRule,
    ) -> Result<&'a KeyRecord> {
        let key = self.find_key(key_id, member, aliases)?;
        self.admit(key, action, rule)?;
        Ok(key)
    }

    /// How every cryptographic operation finds its key, after checking its own members:
    /// GrantTokens, then the key `KeyId` names (a key ID, key ARN, alias name or alias ARN),
    /// which the caller may use for `action` in a state that allows cryptography.
    pub(crate) fn crypto_key(
        &mut self,
        key_id: Option<&str>,
        grant_tokens: Option<&Vec<String>>,
        action: Action,
    ) -> Result<&'a KeyRecord> {
        crate::validate::grant_tokens(grant_tokens)?;
        self.use_key(
            key_id,
            "keyId",
            Aliases::Accepted,
            action,
            StateRule::Crypto,
        )
    }

    /// [`OpCtx::use_key`] for the common case: a `KeyId` member that takes a key ID or key ARN
    /// only.
    pub(crate) fn key_by_id(
        &mut self,
        key_id: Option<&str>,
        action: Action,
        rule: StateRule,
    ) -> Result<&'a KeyRecord> {
        self.use_key(key_id, "keyId", Aliases::Refused, action, rule)
    }

    /// Authorizes an action that names no key (CreateKey, ListKeys, GenerateRandom…).
    pub(crate) fn authorize_account(&mut self, action: Action) -> Result<()> {
        let account = self.account().to_owned();
        self.authorize(action, "*", &account, &KeyManager::Customer)
    }
}
