//! The decision: AWS KMS's evaluation of key policies, identity policies and grants for one
//! action on one resource, with its reasons.
//!
//! The order (the reference's §4.1): an explicit Deny in the key policy or an identity policy
//! wins, whatever else allows; then, for a key, the key policy allows a principal of the key's
//! own account directly, or it allows the principal or its account and an identity policy
//! allows too (the only way across accounts), or a grant allows; for an alias or an
//! account-level action only identity policies count. Anything else is an implicit deny, and
//! the AccessDenied text names the policy type that is missing.
//!
//! One function serves every call: [`decide`] stops at the first statement that settles the
//! answer; [`explain`] goes through every statement and grant and records what matched, for
//! the tutor and `kms.explain`.

use serde::Serialize;

use super::action::Action;
use super::condition::{substitute, Condition};
use super::context::{CallerKind, Context};
use super::grant::{Grant, GranteeMatch};
use super::pattern::arn_like;
use super::policy::{Effect, Policy, Principals, Statement};

/// A policy of the caller's identity, with the name the explanation shows (an inline
/// policy's name or a managed policy's ARN).
#[derive(Clone, Copy, Debug)]
pub struct NamedPolicy<'a> {
    /// The name shown.
    pub name: &'a str,
    /// The document.
    pub policy: &'a Policy,
}

/// What the action is asked on.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// A KMS key, with its policy and grants.
    Key {
        /// The key ARN.
        arn: &'a str,
        /// The key's account.
        account: &'a str,
        /// Its key policy.
        policy: &'a Policy,
        /// Its grants.
        grants: &'a [Grant],
    },
    /// An alias (the alias half of an alias operation).
    Alias {
        /// The alias ARN.
        arn: &'a str,
        /// The alias's account.
        account: &'a str,
    },
    /// An account-level action (`Resource: *`).
    Account {
        /// The account the call is made in.
        account: &'a str,
    },
}

impl Target<'_> {
    /// The resource as AccessDenied names it.
    pub fn resource(&self) -> &str {
        match self {
            Target::Key { arn, .. } | Target::Alias { arn, .. } => arn,
            Target::Account { .. } => "*",
        }
    }

    fn account(&self) -> &str {
        match self {
            Target::Key { account, .. }
            | Target::Alias { account, .. }
            | Target::Account { account } => account,
        }
    }
}

/// One question: may the caller of `context` perform `action` on `target`?
#[derive(Clone, Copy, Debug)]
pub struct AccessRequest<'a> {
    /// The action.
    pub action: Action,
    /// The resource.
    pub target: Target<'a>,
    /// The request's condition keys, the caller among them.
    pub context: &'a Context<'a>,
    /// The caller's identity policies (none for a root user or a service).
    pub identity: &'a [NamedPolicy<'a>],
    /// The grant IDs of the grant tokens the call gave.
    pub grant_tokens: &'a [&'a str],
}

/// Which rule decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Rule {
    /// The key policy allows the principal, of the key's own account, directly.
    KeyPolicy,
    /// The key policy allows the principal or its account, and an identity policy allows.
    KeyPolicyAndIdentity,
    /// An identity policy allows (an alias or an account-level action).
    Identity,
    /// The account's root user, on an alias or an account-level action of its own account.
    Root,
    /// A grant allows.
    Grant,
    /// A Deny statement of the key policy matches.
    ExplicitDenyInKeyPolicy,
    /// A Deny statement of an identity policy matches.
    ExplicitDenyInIdentityPolicy,
    /// The key policy neither allows the principal nor enables its account.
    NoResourcePolicy,
    /// The key policy enables the account (or names the principal), but no identity policy
    /// allows.
    NoIdentityPolicy,
    /// The action cannot be used on another account's key, whatever the policies say.
    NotCrossAccount,
    /// An alias that begins with `alias/aws/` (AWS's own).
    ReservedAlias,
}

impl Rule {
    /// Whether the rule allows.
    pub fn allows(self) -> bool {
        matches!(
            self,
            Rule::KeyPolicy
                | Rule::KeyPolicyAndIdentity
                | Rule::Identity
                | Rule::Root
                | Rule::Grant
        )
    }
}

/// Where a deciding statement or grant is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Layer {
    /// The key policy.
    KeyPolicy,
    /// An identity policy.
    Identity,
    /// A grant.
    Grant,
}

/// The statement or grant that decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deciding {
    /// Where it is.
    pub layer: Layer,
    /// The policy's name (`default` for the key policy) or the grant's ID.
    pub name: String,
    /// The statement's index in its policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
    /// The statement's Sid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// The answer, with the rule and what decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Allow or Deny.
    pub effect: Effect,
    /// The action asked for.
    pub action: Action,
    /// The resource asked about (`*` for account-level actions).
    pub resource: String,
    /// The rule that decided.
    pub rule: Rule,
    /// The deciding statement or grant, where one did (an allow, an explicit deny).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deciding: Option<Deciding>,
}

impl Decision {
    /// The end of AWS's AccessDenied text: `because no resource-based policy allows …`, `with
    /// an explicit deny in …`; for an allow, the rule in words.
    pub fn reason(&self) -> String {
        let action = self.action.name();
        match self.rule {
            Rule::ExplicitDenyInKeyPolicy => "with an explicit deny in a resource-based policy".to_owned(),
            Rule::ExplicitDenyInIdentityPolicy => "with an explicit deny in an identity-based policy".to_owned(),
            Rule::NoResourcePolicy | Rule::NotCrossAccount => {
                format!("because no resource-based policy allows the {action} action")
            }
            Rule::NoIdentityPolicy => format!("because no identity-based policy allows the {action} action"),
            Rule::ReservedAlias => "because aliases that begin with alias/aws/ are reserved for AWS managed keys".to_owned(),
            Rule::KeyPolicy => "the key policy allows the principal".to_owned(),
            Rule::KeyPolicyAndIdentity => "the key policy allows the principal's account and an identity policy allows the principal".to_owned(),
            Rule::Identity => "an identity policy allows the principal".to_owned(),
            Rule::Root => "the account's root user may perform it".to_owned(),
            Rule::Grant => "a grant allows the principal".to_owned(),
        }
    }

    /// AWS's AccessDeniedException text, naming `principal`.
    pub fn denial_message(&self, principal: &str) -> String {
        format!(
            "User: {principal} is not authorized to perform: {} on resource: {} {}",
            self.action.name(),
            self.resource,
            self.reason()
        )
    }
}

/// How a statement's principal matches the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalMatch {
    /// The statement names the caller (its ARN, its role, its service, or `*`).
    Direct,
    /// The statement names the caller's account.
    Account,
    /// The statement is for others.
    No,
}

/// One condition, evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionTrace {
    /// The operator as written.
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The policy's values.
    pub values: Vec<String>,
    /// The request's values, or `None` when the key is absent.
    pub actual: Option<Vec<String>>,
    /// Whether it held.
    pub holds: bool,
}

/// One statement, evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementTrace {
    /// Its index in the policy.
    pub index: usize,
    /// Its Sid.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// How its principal matched (key policies only).
    pub principal: Option<PrincipalMatch>,
    /// Whether its actions cover the action.
    pub action: bool,
    /// Whether its resources cover the resource.
    pub resource: bool,
    /// Each condition.
    pub conditions: Vec<ConditionTrace>,
    /// Whether the statement applies: everything matched.
    pub applies: bool,
}

/// One policy, evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTrace {
    /// Key policy or identity policy.
    pub layer: Layer,
    /// Its name.
    pub name: String,
    /// Each statement.
    pub statements: Vec<StatementTrace>,
}

/// One grant, evaluated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantTrace {
    /// Its ID.
    pub grant_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its grantee.
    pub grantee: String,
    /// Whether it allows the call.
    pub applies: bool,
    /// Why it does not, if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
}

/// A decision with everything considered.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// The caller, as AccessDenied names it.
    pub principal: String,
    /// AccessDenied's text, for a denial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The decision's reason in AWS's words.
    pub reason: String,
    /// Each policy considered: the key policy first, then each identity policy.
    pub policies: Vec<PolicyTrace>,
    /// Each grant of the key considered.
    pub grants: Vec<GrantTrace>,
}

/// The actions that work on another account's key (AWS's "Cross-account use: Yes").
pub fn cross_account(action: Action) -> bool {
    use Action::*;
    matches!(
        action,
        CreateGrant
            | Decrypt
            | DeriveSharedSecret
            | DescribeKey
            | Encrypt
            | GenerateDataKey
            | GenerateDataKeyPair
            | GenerateDataKeyPairWithoutPlaintext
            | GenerateDataKeyWithoutPlaintext
            | GenerateMac
            | GetKeyRotationStatus
            | GetPublicKey
            | ListGrants
            | ReEncryptFrom
            | ReEncryptTo
            | RetireGrant
            | RevokeGrant
            | Sign
            | Verify
            | VerifyMac
    )
}

fn principal_match(p: &Principals, negated: bool, cx: &Context<'_>) -> PrincipalMatch {
    let who = &cx.who;
    let listed = |arn: &str| p.arns.iter().any(|a| a == arn);
    let direct = p.anyone
        || (who.kind == CallerKind::Service && p.services.iter().any(|s| s == who.arn))
        || (who.kind != CallerKind::Service
            && (listed(who.arn) || who.role_arn.is_some_and(listed)));
    let account = who.kind != CallerKind::Service && p.accounts.iter().any(|a| a == who.account);
    let m = if direct {
        PrincipalMatch::Direct
    } else if account {
        PrincipalMatch::Account
    } else {
        PrincipalMatch::No
    };
    match (negated, m) {
        (false, m) => m,
        (true, PrincipalMatch::No) => PrincipalMatch::Direct,
        (true, _) => PrincipalMatch::No,
    }
}

/// Whether a statement's `Resource` covers the target: in a key policy `*` is the key itself;
/// in an identity policy resources are ARN patterns (an account-level action's resource is
/// `*`, which only `*` covers).
fn resource_match(
    st: &Statement,
    target: &Target<'_>,
    key_policy: bool,
    cx: &Context<'_>,
    variables: bool,
) -> bool {
    let Some(patterns) = &st.resources else {
        return false;
    };
    let resource = target.resource();
    let vars = |name: &str| cx.variable(name);
    let one = |pattern: &str| {
        if pattern == "*" {
            return true;
        }
        if key_policy && !matches!(target, Target::Key { .. }) || resource == "*" {
            return false;
        }
        if variables && pattern.contains("${") {
            return substitute(pattern, &vars).is_some_and(|p| arn_like(&p, resource));
        }
        arn_like(pattern, resource)
    };
    patterns.iter().any(|p| one(p)) != st.resources_negated
}

/// Whether a condition holds, with the request's values of its key for the explanation.
fn condition_holds(
    c: &Condition,
    cx: &Context<'_>,
    key_policy: bool,
) -> (bool, Option<Vec<String>>) {
    let actual = cx.value(&c.key, key_policy);
    let vars = |name: &str| cx.variable(name);
    let holds = c.holds(actual.as_ref(), &vars);
    (holds, actual.map(|v| v.to_strings()))
}

/// Evaluates one statement: how its principal matched, or `None` if it does not apply. With
/// `trace`, every part is evaluated and recorded; without, the first mismatch ends it.
fn statement(
    st: &Statement,
    index: usize,
    req: &AccessRequest<'_>,
    key_policy: bool,
    variables: bool,
    trace: Option<&mut Vec<StatementTrace>>,
) -> Option<PrincipalMatch> {
    let cx = req.context;
    let principal = st
        .principal
        .as_ref()
        .map(|p| principal_match(p, st.principal_negated, cx));
    let who_ok = principal != Some(PrincipalMatch::No);
    let action = st.covers(req.action);
    match trace {
        None => {
            if !action || !who_ok || !resource_match(st, &req.target, key_policy, cx, variables) {
                return None;
            }
            let vars = |name: &str| cx.variable(name);
            let all = st
                .conditions
                .iter()
                .all(|c| c.holds(cx.value(&c.key, key_policy).as_ref(), &vars));
            all.then_some(principal.unwrap_or(PrincipalMatch::Direct))
        }
        Some(out) => {
            let resource = resource_match(st, &req.target, key_policy, cx, variables);
            let conditions: Vec<ConditionTrace> = st
                .conditions
                .iter()
                .map(|c| {
                    let (holds, actual) = condition_holds(c, cx, key_policy);
                    ConditionTrace {
                        operator: c.operator_text.clone(),
                        key: c.key_text.clone(),
                        values: c.values.clone(),
                        actual,
                        holds,
                    }
                })
                .collect();
            let applies = who_ok && action && resource && conditions.iter().all(|c| c.holds);
            out.push(StatementTrace {
                index,
                sid: st.sid.clone(),
                effect: st.effect,
                principal,
                action,
                resource,
                conditions,
                applies,
            });
            applies.then_some(principal.unwrap_or(PrincipalMatch::Direct))
        }
    }
}

/// What one policy says: its first matching Deny, first direct Allow, first account Allow.
#[derive(Default)]
struct Found {
    deny: Option<usize>,
    direct: Option<usize>,
    account: Option<usize>,
}

fn scan(
    policy: &Policy,
    req: &AccessRequest<'_>,
    key_policy: bool,
    mut trace: Option<&mut Vec<StatementTrace>>,
) -> Found {
    let mut found = Found::default();
    let variables = policy.has_variables();
    for (i, st) in policy.statements.iter().enumerate() {
        let tracing = trace.is_some();
        let Some(m) = statement(st, i, req, key_policy, variables, trace.as_deref_mut()) else {
            continue;
        };
        match (st.effect, m) {
            (Effect::Deny, _) => {
                found.deny.get_or_insert(i);
                if !tracing {
                    return found;
                }
            }
            (Effect::Allow, PrincipalMatch::Direct) => {
                found.direct.get_or_insert(i);
            }
            (Effect::Allow, _) => {
                found.account.get_or_insert(i);
            }
        }
    }
    found
}

fn at(layer: Layer, name: &str, policy: &Policy, index: usize) -> Deciding {
    Deciding {
        layer,
        name: name.to_owned(),
        statement: Some(index),
        sid: policy.statements.get(index).and_then(|s| s.sid.clone()),
    }
}

/// Decides, recording every policy and grant into `trace` when given.
fn evaluate(
    req: &AccessRequest<'_>,
    mut trace: Option<&mut (Vec<PolicyTrace>, Vec<GrantTrace>)>,
) -> Decision {
    let done = |rule: Rule, deciding: Option<Deciding>| Decision {
        effect: if rule.allows() {
            Effect::Allow
        } else {
            Effect::Deny
        },
        action: req.action,
        resource: req.target.resource().to_owned(),
        rule,
        deciding,
    };
    let who = &req.context.who;
    if let Target::Alias { arn, .. } = req.target {
        let reserved = arn
            .split_once(":alias/")
            .is_some_and(|(_, name)| name.starts_with("aws/"));
        if reserved
            && matches!(
                req.action,
                Action::CreateAlias | Action::UpdateAlias | Action::DeleteAlias
            )
        {
            return done(Rule::ReservedAlias, None);
        }
    }
    // The key policy, then the identity policies.
    let mut key_found = Found::default();
    if let Target::Key { policy, .. } = req.target {
        let mut statements = Vec::new();
        key_found = scan(policy, req, true, trace.as_ref().map(|_| &mut statements));
        if let Some(t) = trace.as_deref_mut() {
            t.0.push(PolicyTrace {
                layer: Layer::KeyPolicy,
                name: "default".to_owned(),
                statements,
            });
        }
        if key_found.deny.is_some() && trace.is_none() {
            return done(
                Rule::ExplicitDenyInKeyPolicy,
                key_found
                    .deny
                    .map(|i| at(Layer::KeyPolicy, "default", policy, i)),
            );
        }
    }
    let mut identity_deny: Option<Deciding> = None;
    let mut identity_allow: Option<Deciding> = None;
    for named in req.identity {
        let mut statements = Vec::new();
        let found = scan(
            named.policy,
            req,
            false,
            trace.as_ref().map(|_| &mut statements),
        );
        if let Some(t) = trace.as_deref_mut() {
            t.0.push(PolicyTrace {
                layer: Layer::Identity,
                name: named.name.to_owned(),
                statements,
            });
        }
        if identity_deny.is_none() {
            identity_deny = found
                .deny
                .map(|i| at(Layer::Identity, named.name, named.policy, i));
        }
        if identity_allow.is_none() {
            identity_allow = found
                .direct
                .or(found.account)
                .map(|i| at(Layer::Identity, named.name, named.policy, i));
        }
        if identity_deny.is_some() && trace.is_none() {
            break;
        }
    }
    if let (Some(i), Target::Key { policy, .. }) = (key_found.deny, req.target) {
        return done(
            Rule::ExplicitDenyInKeyPolicy,
            Some(at(Layer::KeyPolicy, "default", policy, i)),
        );
    }
    if identity_deny.is_some() {
        return done(Rule::ExplicitDenyInIdentityPolicy, identity_deny);
    }
    let same_account = who.kind == CallerKind::Service || who.account == req.target.account();
    // The root user holds every IAM permission of its own account; a service has no IAM.
    let identity_allows = identity_allow.is_some() || who.kind == CallerKind::Root;
    let Target::Key { policy, grants, .. } = req.target else {
        return match (same_account, &identity_allow, who.kind) {
            (false, _, _) => done(Rule::NoIdentityPolicy, None),
            (true, Some(d), _) => done(Rule::Identity, Some(d.clone())),
            (true, None, CallerKind::Root) => done(Rule::Root, None),
            (true, None, _) => done(Rule::NoIdentityPolicy, None),
        };
    };
    if !same_account && !cross_account(req.action) {
        if let Some(t) = trace.as_deref_mut() {
            grant_traces(req, grants, identity_allows, &mut t.1);
        }
        return done(Rule::NotCrossAccount, None);
    }
    let key_at = |i: usize| Some(at(Layer::KeyPolicy, "default", policy, i));
    let decision = if let (true, Some(i)) = (same_account, key_found.direct) {
        Some(done(Rule::KeyPolicy, key_at(i)))
    } else if let (true, Some(i)) = (identity_allows, key_found.direct.or(key_found.account)) {
        Some(done(
            Rule::KeyPolicyAndIdentity,
            identity_allow.clone().or_else(|| key_at(i)),
        ))
    } else {
        None
    };
    if let Some(t) = trace {
        let by_grant = grant_traces(req, grants, identity_allows, &mut t.1);
        return match (decision, by_grant) {
            (Some(d), _) => d,
            (None, Some(id)) => done(Rule::Grant, Some(grant_deciding(id))),
            (None, None) => implicit(&key_found, identity_allows, done),
        };
    }
    if let Some(d) = decision {
        return d;
    }
    match grants
        .iter()
        .find(|g| grant_allows(g, req, identity_allows).is_none())
    {
        Some(g) => done(Rule::Grant, Some(grant_deciding(g.id.clone()))),
        None => implicit(&key_found, identity_allows, done),
    }
}

fn implicit(
    found: &Found,
    identity_allows: bool,
    done: impl Fn(Rule, Option<Deciding>) -> Decision,
) -> Decision {
    let enabled = found.direct.or(found.account).is_some();
    if enabled && !identity_allows {
        done(Rule::NoIdentityPolicy, None)
    } else {
        done(Rule::NoResourcePolicy, None)
    }
}

fn grant_deciding(id: String) -> Deciding {
    Deciding {
        layer: Layer::Grant,
        name: id,
        statement: None,
        sid: None,
    }
}

/// Why a grant does not allow the call, or `None` if it does.
fn grant_allows(g: &Grant, req: &AccessRequest<'_>, identity_allows: bool) -> Option<String> {
    let cx = req.context;
    match g.grantee_matches(&cx.who) {
        GranteeMatch::No => return Some("the grant is for another principal".to_owned()),
        GranteeMatch::Account if !identity_allows => return Some(
            "the grant is for the caller's account, and no identity policy delegates the action"
                .to_owned(),
        ),
        _ => {}
    }
    g.refusal(req.action, cx.encryption_context, cx.now, req.grant_tokens)
        .map(str::to_owned)
}

/// Records every grant; returns the first that allows.
fn grant_traces(
    req: &AccessRequest<'_>,
    grants: &[Grant],
    identity_allows: bool,
    out: &mut Vec<GrantTrace>,
) -> Option<String> {
    let mut first = None;
    for g in grants {
        let why_not = grant_allows(g, req, identity_allows);
        if why_not.is_none() && first.is_none() {
            first = Some(g.id.clone());
        }
        out.push(GrantTrace {
            grant_id: g.id.clone(),
            name: g.name.clone(),
            grantee: g.grantee.clone(),
            applies: why_not.is_none(),
            why_not,
        });
    }
    first
}

/// Decides `req`, stopping as soon as the answer is settled.
pub fn decide(req: &AccessRequest<'_>) -> Decision {
    evaluate(req, None)
}

/// Decides `req` and records every policy statement and grant considered.
pub fn explain(req: &AccessRequest<'_>) -> Explanation {
    let mut trace = (Vec::new(), Vec::new());
    let decision = evaluate(req, Some(&mut trace));
    let principal = req.context.who.arn.to_owned();
    let message = (decision.effect == Effect::Deny).then(|| decision.denial_message(&principal));
    Explanation {
        reason: decision.reason(),
        decision,
        principal,
        message,
        policies: trace.0,
        grants: trace.1,
    }
}
