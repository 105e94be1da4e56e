//! What an operation may touch ([`OpCtx`]): the store as it stands before the call, the call's
//! facts ([`Call`]: its time, its caller, the decisions and resources recorded for its audit
//! event), entropy, and results a faster engine offered. The service builds one per call;
//! operations reach the store, entropy and the offload only through it, and return their writes
//! as one batch ([`Outcome`]).

use std::borrow::Cow;

use crate::access::condition::{CondKey, Known};
use crate::access::context::{CallerKind, Context, KeyFacts, Who};
use crate::access::eval::{AccessRequest, Deciding, Explanation, Layer, Rule, Target};
use crate::access::policy::Policy;
use crate::access::{self, Action, Caller, Decision, Effect};
use crate::codec::Timestamp;
use crate::crypto::asym::{AsymKey, AsymSpec};
use crate::crypto::offload::Offload;
use crate::domain::context::EncryptionContext;
use crate::domain::ids::{self, AliasName, Aliases, KeyRef, PrincipalKind, Scope};
use crate::domain::spec::EncryptionAlgorithm;
use crate::domain::state::{self, StateRule};
use crate::env::Entropy;
use crate::error::{KmsError, Result};
use crate::iam::acting::Acting;
use crate::store::{Batch, KeyRecord, Store};

/// What an operation returns: its output and the writes to commit.
pub(crate) type Outcome<T> = Result<(T, Batch)>;

/// What the request tells the policies about itself (the condition keys of its parameters),
/// set by the operation before it asks.
#[derive(Default)]
pub(crate) struct Facts {
    /// The encryption context (`kms:EncryptionContext:*`, `kms:EncryptionContextKeys`).
    pub(crate) encryption_context: Option<EncryptionContext>,
    /// Single-valued parameter keys (`kms:EncryptionAlgorithm`, …).
    pub(crate) params: Vec<(Known, String)>,
    /// The IDs of the grants the call's grant tokens name (a grant takes effect at once for
    /// a call that gives one of its tokens).
    pub(crate) grant_tokens: Vec<String>,
    /// The request's tags (`aws:RequestTag/*`, `aws:TagKeys`: CreateKey, TagResource).
    pub(crate) request_tags: Option<Vec<(String, String)>>,
    /// The request's tag keys (`aws:TagKeys`: UntagResource).
    pub(crate) tag_keys: Option<Vec<String>>,
    /// The key's alias names (`kms:ResourceAliases`), read only when a policy in play asks.
    pub(crate) resource_aliases: Vec<String>,
    /// Multi-valued parameter keys (`kms:GrantOperations`).
    pub(crate) sets: Vec<(Known, Vec<String>)>,
}

/// What an action is asked on, short of a key.
pub(crate) enum On<'r> {
    /// An alias, by ARN, of `account`.
    Alias(&'r str, &'r str),
    /// The caller's account (`Resource: *`).
    Account,
}

/// The state of one call while it runs: who asks, what was decided, what it touched.
pub(crate) struct Call {
    pub(crate) now: Timestamp,
    pub(crate) caller: Caller,
    pub(crate) decisions: Vec<Decision>,
    pub(crate) resources: Vec<String>,
    pub(crate) facts: Facts,
    /// The caller's identity policies and tags, resolved from the store before the call runs.
    pub(crate) acting: Acting,
    /// Set when the call is only explained: every question's full explanation.
    pub(crate) explaining: Option<Vec<Explanation>>,
}

impl Call {
    pub(crate) fn new(now: Timestamp, caller: &Caller) -> Self {
        Call {
            now,
            caller: caller.clone(),
            decisions: Vec::new(),
            resources: Vec::new(),
            facts: Facts::default(),
            acting: Acting::default(),
            explaining: None,
        }
    }

    /// The Region, account and partition the call is made in.
    pub(crate) fn scope(&self) -> &Scope {
        &self.caller.scope
    }

    /// The one authorization point: asks [`access::decide`] whether the caller may perform
    /// `action` on `key` (or, without a key, on `on`), records the decision and refuses a
    /// denial with AWS's AccessDenied text.
    pub(crate) fn authorize(
        &mut self,
        action: Action,
        key: Option<&KeyRecord>,
        on: On<'_>,
    ) -> Result<()> {
        if self.explaining.is_some() {
            // Explaining: every question is answered in full and recorded; none stops the call
            // (its writes are never committed).
            let explanation = self.ask(action, key.map(|k| (k, None)), on, access::explain)?;
            self.decisions.push(explanation.decision.clone());
            if let Some(list) = self.explaining.as_mut() {
                list.push(explanation);
            }
            return Ok(());
        }
        let decision = self.decision(action, key.map(|k| (k, None)), on)?;
        let denied = (decision.effect == Effect::Deny)
            .then(|| decision.denial_message(&self.caller.principal.arn));
        self.decisions.push(decision);
        match denied {
            Some(message) => Err(KmsError::AccessDenied(message)),
            None => Ok(()),
        }
    }

    /// The decision on `action` for `key` (under its own policy, or under `policy` when one is
    /// given: the lockout check asks about a policy not yet written), or on `on`; nothing is
    /// recorded.
    pub(crate) fn decision(
        &self,
        action: Action,
        key: Option<(&KeyRecord, Option<&Policy>)>,
        on: On<'_>,
    ) -> Result<Decision> {
        self.ask(action, key, on, access::decide)
    }

    /// Builds the question of [`Call::decision`] and has `answer` answer it.
    fn ask<R>(
        &self,
        action: Action,
        key: Option<(&KeyRecord, Option<&Policy>)>,
        on: On<'_>,
        answer: impl FnOnce(&AccessRequest<'_>) -> R,
    ) -> Result<R> {
        let caller = &self.caller;
        let derived = Derived::of(caller);
        let who = derived.who(caller, &self.acting);
        let mut cx = Context::new(who, &caller.scope.region, self.now);
        cx.encryption_context = self.facts.encryption_context.as_ref();
        cx.request_tags = self.facts.request_tags.as_deref();
        cx.tag_keys = self.facts.tag_keys.as_deref();
        cx.params = self
            .facts
            .params
            .iter()
            .map(|(k, v)| (*k, Cow::Borrowed(v.as_str())))
            .collect();
        cx.sets = self
            .facts
            .sets
            .iter()
            .map(|(k, v)| (*k, v.iter().map(|s| Cow::Borrowed(s.as_str())).collect()))
            .collect();
        let stored;
        let target = match (key, on) {
            (Some((k, given)), _) => {
                let policy = match given {
                    Some(p) => p,
                    None => {
                        stored = access::key_policy(&k.policy)?;
                        &*stored
                    }
                };
                cx.key = Some(KeyFacts {
                    spec: k.key_spec.as_str(),
                    usage: k.key_usage.as_str(),
                    origin: k.origin.as_str(),
                    multi_region: k.multi_region.map(|r| r.as_str()),
                    tags: &k.tags,
                    aliases: &self.facts.resource_aliases,
                });
                Target::Key {
                    arn: &k.arn,
                    account: &k.account,
                    policy,
                    grants: &k.grants,
                }
            }
            (None, On::Alias(arn, account)) => Target::Alias { arn, account },
            (None, On::Account) => Target::Account {
                account: &caller.scope.account,
            },
        };
        let tokens: Vec<&str> = self.facts.grant_tokens.iter().map(String::as_str).collect();
        let identity = self.acting.named();
        Ok(answer(&AccessRequest {
            action,
            target,
            context: &cx,
            identity: &identity,
            grant_tokens: &tokens,
        }))
    }

    /// Records that the call touches `key`, asks whether the caller may perform `action` on it,
    /// and checks that its state allows `rule`.
    pub(crate) fn admit(&mut self, key: &KeyRecord, action: Action, rule: StateRule) -> Result<()> {
        if !self.resources.contains(&key.arn) {
            self.resources.push(key.arn.clone());
        }
        self.authorize(action, Some(key), On::Account)?;
        state::check(rule, key.state, &key.arn)
    }
}

/// What a caller's [`Who`] holds that is derived from the caller: its role's ARN and the
/// service acting for it, as condition keys spell them.
pub(crate) struct Derived {
    role_arn: Option<String>,
    via: Option<String>,
}

impl Derived {
    /// The derived parts of `caller`.
    pub(crate) fn of(caller: &Caller) -> Derived {
        let principal = &caller.principal;
        Derived {
            role_arn: match principal.kind {
                PrincipalKind::AssumedRole => ids::role_of_session(&principal.arn),
                _ => None,
            },
            via: caller
                .via_service
                .as_ref()
                .map(|s| format!("{s}.{}.amazonaws.com", caller.scope.region)),
        }
    }

    /// Who `caller`, acting as `acting`, is to the decision.
    pub(crate) fn who<'a>(&'a self, caller: &'a Caller, acting: &'a Acting) -> Who<'a> {
        let principal = &caller.principal;
        Who {
            arn: &principal.arn,
            account: &principal.account,
            kind: match principal.kind {
                PrincipalKind::Root => CallerKind::Root,
                PrincipalKind::IamUser => CallerKind::User,
                PrincipalKind::AssumedRole => CallerKind::AssumedRole,
            },
            role_arn: self.role_arn.as_deref(),
            user_id: acting.user_id.as_deref(),
            username: principal.name(),
            tags: &acting.tags,
            via_service: self.via.as_deref(),
            source_ip: caller.network.source_ip.as_deref(),
            source_vpce: caller.network.source_vpce.as_deref(),
            source_vpc: caller.network.source_vpc.as_deref(),
            secure_transport: caller.network.secure_transport,
        }
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
    // The scope of `account`, for the ARNs the errors name.
    let of = |account: &str| Scope {
        account: account.to_owned(),
        ..scope.clone()
    };
    let alias_of = |account: &str, alias: &AliasName| {
        store
            .alias(account, &scope.region, alias)
            .map(|a| a.target.clone())
            .ok_or_else(|| {
                KmsError::NotFound(format!(
                    "Alias {} is not found.",
                    of(account).alias_arn(alias)
                ))
            })
    };
    // A bare key ID or an alias name names a key of the caller's own account; another
    // account's key is found only by its key or alias ARN (and then the decision says whether
    // the caller may use it: only some operations work across accounts).
    let (account, id) = match ids::parse_key_ref(input, member, scope, aliases)? {
        KeyRef::Key(id) => (scope.account.clone(), id),
        KeyRef::Alias(alias) => (scope.account.clone(), alias_of(&scope.account, &alias)?),
        KeyRef::ForeignKey(account, id) => (account, id),
        KeyRef::ForeignAlias(account, alias) => {
            let id = alias_of(&account, &alias)?;
            (account, id)
        }
    };
    store
        .key(&scope.region, &id)
        .filter(|k| k.account == account)
        .ok_or_else(|| {
            KmsError::NotFound(format!(
                "Key '{}' does not exist",
                of(&account).key_arn(&id)
            ))
        })
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

    /// The one authorization point: asks whether the caller may perform `action` on `on`
    /// (an alias or the account), records the decision and refuses a denial.
    pub(crate) fn authorize(&mut self, action: Action, on: On<'_>) -> Result<()> {
        self.call.authorize(action, None, on)
    }

    /// Tells the policies the request's encryption context and algorithm
    /// (`kms:EncryptionContext:*`, `kms:EncryptionContextKeys`, `kms:EncryptionAlgorithm`, the
    /// default when none is given), before the operation asks.
    pub(crate) fn encryption_facts(
        &mut self,
        context: Option<&EncryptionContext>,
        algorithm: Option<EncryptionAlgorithm>,
    ) {
        let facts = &mut self.call.facts;
        facts.encryption_context = context.cloned();
        facts
            .params
            .retain(|(k, _)| *k != Known::EncryptionAlgorithm);
        let algorithm = algorithm.unwrap_or(EncryptionAlgorithm::SymmetricDefault);
        facts
            .params
            .push((Known::EncryptionAlgorithm, algorithm.as_str().to_owned()));
    }

    /// Whether the caller could still perform `action` on `key` if its policy were `policy`
    /// (the lockout check of a policy about to be written). Not recorded.
    pub(crate) fn would_allow(
        &self,
        action: Action,
        key: &KeyRecord,
        policy: &Policy,
    ) -> Result<bool> {
        let d = self
            .call
            .decision(action, Some((key, Some(policy))), On::Account)?;
        Ok(d.effect == Effect::Allow)
    }

    /// Tells the policies a parameter of the request (a condition key of the operation).
    pub(crate) fn fact(&mut self, key: Known, value: &str) {
        self.call.facts.params.retain(|(k, _)| *k != key);
        self.call.facts.params.push((key, value.to_owned()));
    }

    /// Tells the decision the grant tokens the call gave (validated by
    /// [`crate::validate::grant_tokens`]): the grants they name.
    pub(crate) fn grant_tokens(&mut self, tokens: Option<&Vec<String>>) {
        self.call.facts.grant_tokens = tokens
            .into_iter()
            .flatten()
            .filter_map(|t| crate::access::grant::token_grant_id(t))
            .collect();
    }

    /// Who calls.
    pub(crate) fn caller(&self) -> &Caller {
        &self.call.caller
    }

    /// Tells the policies a multi-valued parameter of the request (`kms:GrantOperations`).
    pub(crate) fn fact_set(&mut self, key: Known, values: Vec<String>) {
        self.call.facts.sets.retain(|(k, _)| *k != key);
        self.call.facts.sets.push((key, values));
    }

    /// The grant the call's last decision was an allow by, if a grant decided it (a grantee's
    /// CreateGrant may make only grants at least as strict as the one that allowed it).
    pub(crate) fn allowing_grant(&self) -> Option<&str> {
        self.call
            .decisions
            .last()
            .filter(|d| d.effect == Effect::Allow && d.rule == Rule::Grant)
            .and_then(|d| d.deciding.as_ref())
            .map(|d| d.name.as_str())
    }

    /// Refuses the call after its last decision allowed it: the decision becomes the denial
    /// `rule` (as the audit event records it), and AWS's AccessDenied text is returned.
    pub(crate) fn overrule(&mut self, rule: Rule) -> KmsError {
        let principal = self.call.caller.principal.arn.clone();
        match self.call.decisions.last_mut() {
            Some(d) => {
                d.effect = Effect::Deny;
                d.rule = rule;
                d.deciding = None;
                KmsError::AccessDenied(d.denial_message(&principal))
            }
            None => KmsError::Internal("No decision to overrule.".to_owned()),
        }
    }

    /// [`OpCtx::admit`] for an action that `grant` of `key` allows the caller whatever the
    /// policies say, unless a Deny matches (RetireGrant by the grant's retiring principal):
    /// an implicit denial becomes an allow by that grant.
    pub(crate) fn admit_by_grant(
        &mut self,
        key: &KeyRecord,
        action: Action,
        rule: StateRule,
        grant: Option<&str>,
    ) -> Result<()> {
        let Some(id) = grant else {
            return self.admit(key, action, rule);
        };
        if !self.call.resources.contains(&key.arn) {
            self.call.resources.push(key.arn.clone());
        }
        let mut decision = self.call.decision(action, Some((key, None)), On::Account)?;
        let explicit = matches!(
            decision.rule,
            Rule::ExplicitDenyInKeyPolicy | Rule::ExplicitDenyInIdentityPolicy
        );
        if decision.effect == Effect::Deny && !explicit {
            decision.effect = Effect::Allow;
            decision.rule = Rule::Grant;
            decision.deciding = Some(Deciding {
                layer: Layer::Grant,
                name: id.to_owned(),
                statement: None,
                sid: None,
            });
        }
        let denied = (decision.effect == Effect::Deny)
            .then(|| decision.denial_message(&self.call.caller.principal.arn));
        self.call.decisions.push(decision);
        if let Some(message) = denied {
            return Err(KmsError::AccessDenied(message));
        }
        state::check(rule, key.state, &key.arn)
    }

    /// Resolves a `KeyId` argument to a key, with AWS's NotFound texts.
    pub(crate) fn find_key(
        &mut self,
        key_id: Option<&str>,
        member: &str,
        aliases: Aliases,
    ) -> Result<&'a KeyRecord> {
        let key = find_key(self.store, self.call.scope(), key_id, member, aliases)?;
        // kms:RequestAlias: the alias name, when the request named the key by an alias.
        if let Some(input) = key_id.filter(|_| aliases == Aliases::Accepted) {
            let alias = input
                .strip_prefix("arn:")
                .and_then(|arn| arn.split_once(":alias/").map(|(_, name)| name))
                .map(|name| format!("alias/{name}"))
                .or_else(|| input.starts_with("alias/").then(|| input.to_owned()));
            if let Some(alias) = alias {
                self.fact(Known::RequestAlias, &alias);
            }
        }
        Ok(key)
    }

    /// Records that the call touches `key`, asks whether the caller may perform `action` on it,
    /// and checks that its state allows `rule`.
    pub(crate) fn admit(&mut self, key: &KeyRecord, action: Action, rule: StateRule) -> Result<()> {
        // kms:ResourceAliases (IAM policies only): the key's aliases, looked up only when one of
        // the caller's policies reads the key, since it takes a scan of the account's aliases.
        let asks = self.call.acting.policies.iter().any(|(_, p)| {
            p.statements
                .iter()
                .flat_map(|s| s.condition_keys())
                .any(|k| *k == CondKey::Known(Known::ResourceAliases))
        });
        self.call.facts.resource_aliases = if asks {
            self.store
                .aliases(&key.account, &key.region)
                .filter(|a| a.target == key.id)
                .map(|a| a.name.as_str().to_owned())
                .collect()
        } else {
            Vec::new()
        };
        self.call.admit(key, action, rule)
    }

    /// Tells the policies the request's tags (`aws:RequestTag/*`, `aws:TagKeys`).
    pub(crate) fn request_tags(&mut self, tags: &[(String, String)]) {
        self.call.facts.request_tags = Some(tags.to_vec());
    }

    /// Tells the policies the request's tag keys (`aws:TagKeys` of UntagResource).
    pub(crate) fn tag_keys(&mut self, keys: &[String]) {
        self.call.facts.tag_keys = Some(keys.to_vec());
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
        self.grant_tokens(grant_tokens);
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
        self.authorize(action, On::Account)
    }
}
